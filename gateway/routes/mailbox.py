"""Routes of the electronic mailbox (casillero electrónico), the court calendar and the public evidence check."""
from contracts.mailbox import (BoardSchema, CaseNotificationsQuerySchema, ClosureListSchema, ClosureRequestSchema,
                               ClosureSchema, EvidenceDocumentSchema, EvidenceSubmissionSchema, HolidayListSchema, HolidaysQuerySchema,
                               ListClosuresQuerySchema, ListNotificationsQuerySchema, NotificationListSchema,
                               NotificationSchema, ProfileResponseSchema, ProfileSchema, PublicKeyListSchema,
                               SummarySchema, VerifyResultSchema)
from gateway.base import GatewayBase
from gateway.live import LAST_EVENT_ID_HEADER, LiveHub, open_stream, owner
from gateway.openapi import doc
from gateway.web import json_response, json_text_response, pdf_response, route

NOTICE_LIST_LINKS = {
    "OpenFirstNotice": {"operationId": "open_mailbox_notification",
                        "parameters": {"notification_id": "$response.body#/items/0/notification_id"}},
    "FirstNoticeEvidence": {"operationId": "mailbox_notification_evidence",
                            "parameters": {"notification_id": "$response.body#/items/0/notification_id"}},
}
NOTICE_LINKS = {
    "NoticeDocument": {"operationId": "mailbox_notification_document",
                       "parameters": {"notification_id": "$response.body#/notification_id"}},
    "NoticeEvidence": {"operationId": "mailbox_notification_evidence",
                       "parameters": {"notification_id": "$response.body#/notification_id"}},
    "NoticeCase": {"operationId": "get_case", "parameters": {"case_number": "$response.body#/case_number"}},
}
STREAM_DESCRIPTION = (
    "Un flujo text/event-stream que no termina, con los eventos del casillero de quien lo abre (solo los suyos): "
    "cada evento lleva id (para Last-Event-ID), event y data (JSON de una línea: notification_id y unread, el "
    "número de notificaciones sin abrir en ese momento; nada del contenido, que se lee con las demás rutas del "
    "casillero). Tipos: notification_available (una notificación llegó al casillero), notification_opened (se "
    "abrió por primera vez, en cualquier página o dispositivo) y reset (lea de nuevo el resumen, GET "
    "/api/v1/mailbox/summary: no se pudo seguir desde Last-Event-ID). Un comentario «: ping» cada 15 s; el "
    "servidor cierra el flujo a los 30 minutos (el navegador reconecta solo, con Last-Event-ID). Con Last-Event-ID "
    "llegan primero los eventos ocurridos desde ese id, mientras el oplog de MongoDB los conserve; uno que no es "
    "de este servicio cuenta como ninguno.")
LIVE_ROLES = ("lawyer",)


EVIDENCE_LINKS = {
    "VerifyEvidence": {"operationId": "verify_evidence", "requestBody": "$response.body"},
}


class MailboxRoutes(GatewayBase):
    mailbox_live = LiveHub("mailbox", audience=owner)  # the one reader of mailbox events here (gateway.live)

    # --- profile ---------------------------------------------------------------------
    @route("GET", "/api/v1/mailbox/profile")
    @doc("Mi perfil de avisos: correo y consentimiento", "casillero", response=ProfileResponseSchema)
    def get_mailbox_profile(self, request):
        return json_response(self.call(self.mailbox.get_profile, request.actor))

    @route("PUT", "/api/v1/mailbox/profile")
    @doc("Registrar el correo y el consentimiento para recibir avisos", "casillero", body=ProfileSchema,
         response=ProfileResponseSchema)
    def put_mailbox_profile(self, request):
        return json_response(self.call(self.mailbox.put_profile, request.actor, request.body))

    # --- notices ---------------------------------------------------------------------
    @route("GET", "/api/v1/mailbox/notifications")
    @doc("Mis notificaciones, de la más reciente a la más antigua", "casillero", response=NotificationListSchema,
         query=ListNotificationsQuerySchema, links=NOTICE_LIST_LINKS,
         description="status=unread: nunca abiertas; served: notificadas (por acceso o por transcurso del plazo); "
                     "pending: notificadas con el plazo en curso. from/to: fechas locales de puesta a disposición; "
                     "from no puede ser posterior a to. cursor: el next_cursor de la página anterior.")
    def list_mailbox_notifications(self, request):
        return json_response(self.call(self.mailbox.list_notifications, request.actor, request.query))

    @route("GET", "/api/v1/mailbox/notifications/<string:notification_id>")
    @doc("Abrir una notificación (el primer acceso queda registrado y la notifica)", "casillero",
         response=NotificationSchema, links=NOTICE_LINKS)
    def open_mailbox_notification(self, request, notification_id):
        return json_text_response(self.call(self.mailbox.open_notification, request.actor, notification_id))

    @route("GET", "/api/v1/mailbox/notifications/<string:notification_id>/document")
    @doc("Descargar el documento de la resolución (cuenta como acceso)", "casillero", binary="application/pdf")
    def mailbox_notification_document(self, request, notification_id):
        result = self.call(self.mailbox.get_document, request.actor, notification_id)
        return pdf_response(result["content"], result["document"])

    @route("GET", "/api/v1/mailbox/notifications/<string:notification_id>/evidence")
    @doc("Acuse de recibo firmado (Ed25519) con todos los momentos de la notificación", "casillero",
         response=EvidenceDocumentSchema, links=EVIDENCE_LINKS)
    def mailbox_notification_evidence(self, request, notification_id):
        return json_response(self.call(self.mailbox.get_evidence, request.actor, notification_id))

    @route("GET", "/api/v1/mailbox/summary")
    @doc("Resumen: sin abrir, notificadas y las que vencen en los próximos 3 días hábiles", "casillero",
         response=SummarySchema)
    def mailbox_summary(self, request):
        return json_response(self.call(self.mailbox.summary, request.actor))

    @route("GET", "/api/v1/mailbox/stream")
    @doc("Eventos en tiempo real de mi casillero: llegadas y aperturas, con el número sin abrir (Server-Sent "
         "Events; abogados)", "casillero", roles=LIVE_ROLES, binary="text/event-stream",
         headers=(LAST_EVENT_ID_HEADER,), description=STREAM_DESCRIPTION)
    def mailbox_stream(self, request):
        request.environ["eventlet.minimum_write_chunk_size"] = 0  # each event is written as it comes
        return open_stream(self.mailbox_live, lambda actor, body: self.call(self.mailbox.live_changes, actor, body),
                           request.actor, request.headers.get("Last-Event-ID"), title="flujo de eventos del casillero")

    @route("GET", "/api/v1/cases/<string:case_number>/notifications")
    @doc("Notificaciones de un expediente: quién, cuándo, si accedió, cómo quedó notificado y su vencimiento "
         "(personal del tribunal)", "casillero", response=BoardSchema, errors=(403,),
         query=CaseNotificationsQuerySchema)
    def case_notifications(self, request, case_number):
        return json_response(self.call(self.mailbox.case_notifications, request.actor, case_number, request.query))

    # --- calendar ----------------------------------------------------------------------
    @route("GET", "/api/v1/calendar/holidays")
    @doc("Feriados nacionales de un año (incluye Semana Santa) y asuetos de medio día", "calendario", auth=False,
         response=HolidayListSchema, query=HolidaysQuerySchema)
    def calendar_holidays(self, request):
        return json_response(self.call(self.mailbox.holidays, request.query))

    @route("GET", "/api/v1/calendar/closures")
    @doc("Cierres de tribunales registrados", "calendario", response=ClosureListSchema, query=ListClosuresQuerySchema)
    def list_calendar_closures(self, request):
        return json_response(self.call(self.mailbox.list_closures, request.actor, request.query))

    @route("POST", "/api/v1/calendar/closures")
    @doc("Registrar un día de cierre de un tribunal o de todos (administración)", "calendario", roles=("admin",),
         body=ClosureRequestSchema, response=ClosureSchema, status=201, errors=(404, 409),
         description="La fecha va de 2000 a cinco años después del año en curso. Un día que ya es inhábil "
                     "(fin de semana, feriado o un cierre igual ya registrado) es un conflicto (409).")
    def add_calendar_closure(self, request):
        return json_response(self.call(self.mailbox.add_closure, request.actor, request.body), status=201)

    # --- public evidence --------------------------------------------------------------------
    @route("GET", "/api/v1/public/evidence/keys")
    @doc("Claves públicas con que se firman los acuses de recibo", "evidencia", auth=False,
         response=PublicKeyListSchema)
    def evidence_keys(self, request):
        return json_response(self.call(self.mailbox.evidence_keys))

    @route("POST", "/api/v1/public/evidence/verify")
    @doc("Verificar un acuse de recibo: la firma y, si fue alterado, qué campos", "evidencia", auth=False,
         body=EvidenceSubmissionSchema, response=VerifyResultSchema,
         description="Un acuse con la forma del documento recibe un veredicto: «valid» y, si no lo es, qué campos "
                     "se alteraron. Un cuerpo que no tiene esa forma se rechaza con 422.")
    def verify_evidence(self, request):
        return json_response(self.call(self.mailbox.verify_evidence, request.body))
