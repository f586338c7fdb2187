"""Routes of the electronic mailbox (casillero electrónico), the court calendar and the public evidence check."""
from contracts.mailbox import (BoardSchema, ClosureListSchema, ClosureRequestSchema, ClosureSchema,
                               EvidenceDocumentSchema, HolidayListSchema, NotificationListSchema, NotificationSchema,
                               ProfileResponseSchema, ProfileSchema, PublicKeyListSchema, SummarySchema,
                               VerifyResultSchema)
from contracts.base import json_depth
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.web import json_response, json_text_response, pdf_response, query_args, read_json, route
from services.runtime.errors import ValidationFailed

MAX_EVIDENCE_NESTING = 8


class MailboxRoutes(GatewayBase):
    # --- profile ---------------------------------------------------------------------
    @route("GET", "/api/v1/mailbox/profile")
    @doc("Mi perfil de avisos: correo y consentimiento", "casillero", response=ProfileResponseSchema)
    def get_mailbox_profile(self, request):
        actor = self.auth.actor(request)
        return json_response(self.call(self.mailbox.get_profile, actor))

    @route("PUT", "/api/v1/mailbox/profile")
    @doc("Registrar el correo y el consentimiento para recibir avisos", "casillero", body=ProfileSchema,
         response=ProfileResponseSchema, errors=(400, 413, 415, 422))
    def put_mailbox_profile(self, request):
        actor = self.auth.actor(request)
        body = read_json(request)
        return json_response(self.call(self.mailbox.put_profile, actor, body))

    # --- notices ---------------------------------------------------------------------
    @route("GET", "/api/v1/mailbox/notifications")
    @doc("Mis notificaciones, de la más reciente a la más antigua", "casillero", response=NotificationListSchema,
         errors=(422,), query={"status": {"type": "string", "enum": ["unread", "served", "pending"]},
                               "case_number": {"type": "string"},
                               "from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                               "limit": {"type": "integer", "minimum": 1, "maximum": 100},
                               "cursor": {"type": "string"}},
         description="status=unread: nunca abiertas; served: notificadas (por acceso o por transcurso del plazo); "
                     "pending: notificadas con el plazo en curso. from/to: fechas locales de puesta a disposición.")
    def list_mailbox_notifications(self, request):
        actor = self.auth.actor(request)
        query = query_args(request, ("status", "case_number", "from", "to", "limit", "cursor"))
        return json_response(self.call(self.mailbox.list_notifications, actor, query))

    @route("GET", "/api/v1/mailbox/notifications/<string:notification_id>")
    @doc("Abrir una notificación (el primer acceso queda registrado y la notifica)", "casillero",
         response=NotificationSchema, errors=(404,))
    def open_mailbox_notification(self, request, notification_id):
        actor = self.auth.actor(request)
        return json_text_response(self.call(self.mailbox.open_notification, actor, notification_id))

    @route("GET", "/api/v1/mailbox/notifications/<string:notification_id>/document")
    @doc("Descargar el documento de la resolución (cuenta como acceso)", "casillero", binary="application/pdf",
         errors=(404,))
    def mailbox_notification_document(self, request, notification_id):
        actor = self.auth.actor(request)
        result = self.call(self.mailbox.get_document, actor, notification_id)
        return pdf_response(result["content"], result["document"])

    @route("GET", "/api/v1/mailbox/notifications/<string:notification_id>/evidence")
    @doc("Acuse de recibo firmado (Ed25519) con todos los momentos de la notificación", "casillero",
         response=EvidenceDocumentSchema, errors=(404,))
    def mailbox_notification_evidence(self, request, notification_id):
        actor = self.auth.actor(request)
        return json_response(self.call(self.mailbox.get_evidence, actor, notification_id))

    @route("GET", "/api/v1/mailbox/summary")
    @doc("Resumen: sin abrir, notificadas y las que vencen en los próximos 3 días hábiles", "casillero",
         response=SummarySchema)
    def mailbox_summary(self, request):
        actor = self.auth.actor(request)
        query_args(request, ())
        return json_response(self.call(self.mailbox.summary, actor))

    @route("GET", "/api/v1/cases/<string:case_number>/notifications")
    @doc("Notificaciones de un expediente: quién, cuándo, si accedió, cómo quedó notificado y su vencimiento "
         "(personal del tribunal)", "casillero", response=BoardSchema, errors=(403, 404, 422),
         query={"resolution_id": {"type": "string"}, "limit": {"type": "integer", "minimum": 1, "maximum": 500},
                "cursor": {"type": "string"}})
    def case_notifications(self, request, case_number):
        actor = self.auth.actor(request)
        query = query_args(request, ("resolution_id", "limit", "cursor"))
        return json_response(self.call(self.mailbox.case_notifications, actor, case_number, query))

    # --- calendar ----------------------------------------------------------------------
    @route("GET", "/api/v1/calendar/holidays")
    @doc("Feriados nacionales de un año (incluye Semana Santa) y asuetos de medio día", "calendario", auth=False,
         response=HolidayListSchema, errors=(422,),
         query={"year": {"type": "integer", "minimum": 1900, "maximum": 2100}})
    def calendar_holidays(self, request):
        query = query_args(request, ("year",))
        return json_response(self.call(self.mailbox.holidays, query))

    @route("GET", "/api/v1/calendar/closures")
    @doc("Cierres de tribunales registrados", "calendario", response=ClosureListSchema, errors=(422,),
         query={"court_id": {"type": "string"}, "year": {"type": "integer"}})
    def list_calendar_closures(self, request):
        actor = self.auth.actor(request)
        query = query_args(request, ("court_id", "year"))
        return json_response(self.call(self.mailbox.list_closures, actor, query))

    @route("POST", "/api/v1/calendar/closures")
    @doc("Registrar un día de cierre de un tribunal o de todos (administración)", "calendario",
         body=ClosureRequestSchema, response=ClosureSchema, status=201, errors=(400, 403, 404, 409, 413, 415, 422))
    def add_calendar_closure(self, request):
        actor = self.auth.actor(request, roles=("admin",))
        body = read_json(request)
        return json_response(self.call(self.mailbox.add_closure, actor, body), status=201)

    # --- public evidence --------------------------------------------------------------------
    @route("GET", "/api/v1/public/evidence/keys")
    @doc("Claves públicas con que se firman los acuses de recibo", "evidencia", auth=False,
         response=PublicKeyListSchema)
    def evidence_keys(self, request):
        return json_response(self.call(self.mailbox.evidence_keys))

    @route("POST", "/api/v1/public/evidence/verify")
    @doc("Verificar un acuse de recibo: la firma y, si fue alterado, qué campos", "evidencia", auth=False,
         body=EvidenceDocumentSchema, response=VerifyResultSchema, errors=(400, 413, 415, 422))
    def verify_evidence(self, request):
        body = read_json(request)
        if json_depth(body, MAX_EVIDENCE_NESTING) > MAX_EVIDENCE_NESTING:
            raise ValidationFailed("validation_error", "El documento de evidencia tiene una estructura demasiado "
                                   "profunda.", {"fields": {"body": "Anidamiento excesivo."}})
        return json_response(self.call(self.mailbox.verify_evidence, body))
