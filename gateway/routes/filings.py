"""Routes of the electronic case file: courts, cases, filings, reviews, resolutions, documents."""
import hashlib
import logging

from werkzeug.wrappers import Response


from contracts.filings import (AppearanceFactsSchema, CaseListSchema, CaseReservedResponseSchema, CaseSchema, CourtListSchema,
                               FilingMetadataSchema, FilingSchema, HearingConflictsQuerySchema,
                               HearingConflictsSchema, HearingDetailSchema, HearingSchema,
                               HearingStatusSchema, ListCasesQuerySchema, OpenCaseResponseSchema, OpenCaseSchema,
                               ReceiptSchema, RescheduleHearingSchema, ReserveCaseSchema, ResolutionMetadataSchema,
                               ResolutionSchema, ReviewSchema, ScheduleHearingSchema)
from contracts.filings import FinalSentenceDeclaredSchema, FinalSentenceSchema
from gateway.base import GatewayBase
from gateway.openapi import MAX_IF_NONE_MATCH, doc
from gateway.ratelimit import lookups_limited
from gateway.uploads import idempotency_key, read_multipart
from gateway.web import json_response, json_text_response, pdf_response, route
from contracts.documents import check_filename
from services.runtime.errors import BadRequest, PortalError
from services.runtime.memo import BoundedMemo

log = logging.getLogger(__name__)

UPLOAD_ERRORS = (403, 404, 409)

# OpenAPI links: from each create to the reads of what it made (the fuzzer follows them to real records)
CASE_LINKS = {
    "GetCase": {"operationId": "get_case", "parameters": {"case_number": "$response.body#/case_number"}},
    "GetInitialFiling": {"operationId": "get_filing", "parameters": {"filing_id": "$response.body#/receipt/filing_id"}},
    "ReviewInitialFiling": {"operationId": "review_filing",
                            "parameters": {"filing_id": "$response.body#/receipt/filing_id"}},
    "GetInitialDocument": {"operationId": "get_document",
                           "parameters": {"document_id": "$response.body#/receipt/documents/0/document_id"}},
    "FileInCase": {"operationId": "submit_filing", "parameters": {"case_number": "$response.body#/case_number"}},
    "ResolveCase": {"operationId": "issue_resolution", "parameters": {"case_number": "$response.body#/case_number"}},
    "ScheduleInCase": {"operationId": "schedule_hearing", "parameters": {"case_number": "$response.body#/case_number"}},
    "ReserveCase": {"operationId": "reserve_case", "parameters": {"case_number": "$response.body#/case_number"}},
    "AppearInCase": {"operationId": "appearance_facts", "parameters": {"case_number": "$response.body#/case_number"}},
}
# the court's staff reach their cases (and so their hearings) from the list of the court's cases
CASE_LIST_LINKS = {
    "GetListedCase": {"operationId": "get_case", "parameters": {"case_number": "$response.body#/items/0/case_number"}},
    "ScheduleInListedCase": {"operationId": "schedule_hearing",
                             "parameters": {"case_number": "$response.body#/items/0/case_number"}},
}
CASE_FILE_LINKS = {
    "GetCaseHearing": {"operationId": "get_hearing", "parameters": {"hearing_id": "$response.body#/hearings/0/hearing_id"}},
    "RescheduleCaseHearing": {"operationId": "reschedule_hearing",
                              "parameters": {"hearing_id": "$response.body#/hearings/0/hearing_id"}},
    "SetCaseHearingStatus": {"operationId": "set_hearing_status",
                             "parameters": {"hearing_id": "$response.body#/hearings/0/hearing_id"}},
}
HEARING_LINKS = {
    "GetHearing": {"operationId": "get_hearing", "parameters": {"hearing_id": "$response.body#/hearing_id"}},
    "RescheduleHearing": {"operationId": "reschedule_hearing", "parameters": {"hearing_id": "$response.body#/hearing_id"}},
    "SetHearingStatus": {"operationId": "set_hearing_status", "parameters": {"hearing_id": "$response.body#/hearing_id"}},
    "GetHearingCase": {"operationId": "get_case", "parameters": {"case_number": "$response.body#/case_number"}},
}
FILING_LINKS = {
    "GetFiling": {"operationId": "get_filing", "parameters": {"filing_id": "$response.body#/filing_id"}},
    "ReviewFiling": {"operationId": "review_filing", "parameters": {"filing_id": "$response.body#/filing_id"}},
    "GetFilingDocument": {"operationId": "get_document",
                          "parameters": {"document_id": "$response.body#/documents/0/document_id"}},
    "GetFilingCase": {"operationId": "get_case", "parameters": {"case_number": "$response.body#/case_number"}},
}
RESOLUTION_LINKS = {
    "GetResolutionCase": {"operationId": "get_case", "parameters": {"case_number": "$response.body#/case_number"}},
    "GetResolutionDocument": {"operationId": "get_document",
                              "parameters": {"document_id": "$response.body#/document/document_id"}},
    "ResolutionNotices": {"operationId": "case_notifications",
                          "parameters": {"case_number": "$response.body#/case_number"}},
    "DeclareFinal": {"operationId": "declare_final", "parameters": {"resolution_id": "$response.body#/resolution_id"}},
}


CASE_BODIES_SIZE = 2048
_CASE_BODIES = BoundedMemo(CASE_BODIES_SIZE)  # case_number -> (version, body bytes)


def _if_none_match(request):
    header = request.headers.get("If-None-Match", "")
    if len(header) > MAX_IF_NONE_MATCH:
        raise BadRequest("invalid_header", f"El encabezado If-None-Match excede {MAX_IF_NONE_MATCH} caracteres.",
                         {"header": "If-None-Match"})
    return {tag.strip().removeprefix("W/") for tag in header.split(",")} if header else set()


class FilingsRoutes(GatewayBase):
    # --- helpers ---------------------------------------------------------
    def _limits(self):
        return (self.settings.int("MAX_DOCUMENTS_PER_FILING", 10),
                self.settings.int("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))

    def _stage(self, actor, uploads):
        """Send each document to the filings service; on any failure, discard what was staged."""
        staged = []
        try:
            for upload in uploads:
                staged.append(self.call(self.filings.stage_document, actor, upload.filename, upload.data)["document_id"])
        except Exception:
            self._discard(actor, staged)
            raise
        return staged

    def _discard(self, actor, document_ids):
        if document_ids:
            try:
                self.call(self.filings.discard_documents, actor, document_ids)
            except PortalError:
                log.warning("could not discard staged documents; the janitor will", extra={"count": len(document_ids)})

    def _submit(self, actor, uploads, prepare, submit):
        """prepare (checks, replay) -> stage each document -> submit; returns (result, replayed).

        Nothing is sent before the checks pass; staged documents of a submission that failed
        for want of the service are discarded here (the service discards them on its own errors)."""
        prepared = prepare()
        if prepared["replay"] is not None:
            return prepared["replay"], True
        staged = self._stage(actor, uploads)
        try:
            return submit(staged), False
        except PortalError as exc:
            if exc.status >= 500:
                self._discard(actor, staged)
            raise

    @staticmethod
    def _created(result, replayed, location):
        headers = {"Idempotent-Replayed": "true"} if replayed else {"Location": location}
        return json_response(result, status=201, headers=headers)

    @staticmethod
    def _fingerprints(uploads, part="documents"):
        """Checked names and hashes of the uploads: what identifies a submission's body."""
        return [{"filename": check_filename(u.filename, part), "sha256": hashlib.sha256(u.data).hexdigest()}
                for u in uploads]

    # --- courts ----------------------------------------------------------
    @route("GET", "/api/v1/courts")
    @doc("Tribunales", "expedientes", auth=False, response=CourtListSchema)
    def list_courts(self, request):
        return json_response(self.call(self.filings.list_courts))

    # --- cases -----------------------------------------------------------
    @route("POST", "/api/v1/cases")
    @doc("Iniciar un expediente con su demanda (abogado)", "expedientes", roles=("lawyer",),
         multipart=(OpenCaseSchema, "documents", True), response=OpenCaseResponseSchema, status=201,
         errors=UPLOAD_ERRORS, links=CASE_LINKS,
         description="«represents» es el nombre de una de las partes, y las partes tienen nombres distintos "
                     "(sin distinguir mayúsculas). Cada documento es un PDF que se abre con un lector.")
    def open_case(self, request):
        actor = request.actor
        key = idempotency_key(request)
        max_docs, max_bytes = self._limits()
        metadata, uploads = read_multipart(request, OpenCaseSchema, "documents", max_docs, max_bytes)
        result, replayed = self._submit(actor, uploads,
                                        lambda: self.call(self.filings.prepare_case, actor, metadata,
                                                          self._fingerprints(uploads), key),
                                        lambda staged: self.call(self.filings.open_case, actor, metadata, staged, key))
        return self._created(result, replayed, f"/api/v1/cases/{result['case_number']}")

    @route("GET", "/api/v1/cases")
    @doc("Mis expedientes (abogado) o los del tribunal (personal); status=received: escritos por calificar",
         "expedientes", response=CaseListSchema, errors=(403,), query=ListCasesQuerySchema, links=CASE_LIST_LINKS)
    def list_cases(self, request):
        return json_response(self.call(self.filings.list_cases, request.actor, request.query))

    @route("GET", "/api/v1/cases/<string:case_number>")
    @doc("Expediente electrónico: partes, abogados, actuaciones por folio, audiencias, etapa y reserva", "expedientes",
         response=CaseSchema, errors=(403,), not_modified=True, links=CASE_FILE_LINKS,
         description="Lleva ETag; con If-None-Match igual responde 304 sin cuerpo (la lectura queda igualmente "
                     "registrada en la bitácora).")
    def get_case(self, request, case_number):
        # the body last received of each case: the service is still asked on every read (it authorises and
        # audits each one) but sends the body only when it changed
        known = _CASE_BODIES.get(case_number)
        reply = self.call(self.filings.get_case, request.actor, case_number, known[0] if known else None)
        version, body = reply["version"], reply["body"]
        if body is None:  # the service answers without a body only when it is the version we named
            body = known[1]
        else:
            _CASE_BODIES.put(case_number, (version, body))
        etag = f'"{version}"'
        if etag in _if_none_match(request):
            return Response(status=304, headers={"ETag": etag, "Cache-Control": "private, no-cache"})
        return json_text_response(body, headers={"ETag": etag, "Cache-Control": "private, no-cache"})

    @route("GET", "/api/v1/cases/<string:case_number>/appearance")
    @doc("Apersonarse: tribunal, materia y partes de un expediente, para nombrar la parte que se representa "
         "(abogado)", "escritos", response=AppearanceFactsSchema, errors=(403, 429),
         description="Para que un abogado que aún no actúa en el expediente elija la parte por la que se apersona "
                     "(un apersonamiento debe nombrarla). Muestra solo el tribunal, la materia y el nombre y el papel "
                     "de cada parte: no el asunto, ni documentos de identificación, abogados, actuaciones, "
                     "documentos o audiencias. Un expediente reservado en el que no actúa responde 404 como uno "
                     "que no existe. pending_appearance: su apersonamiento que espera calificación. Cada consulta "
                     "queda en la bitácora. Límite por usuario (LOOKUP_RATE_PER_MINUTE, 30 por minuto con ráfagas "
                     "de LOOKUP_RATE_BURST, 20): 429 con Retry-After.")
    @lookups_limited
    def appearance_facts(self, request, case_number):
        return json_response(self.call(self.filings.appearance_facts, request.actor, case_number))

    # --- filings ---------------------------------------------------------
    @route("POST", "/api/v1/cases/<string:case_number>/filings")
    @doc("Presentar un escrito (o un apersonamiento) con anexos PDF", "escritos", roles=("lawyer",),
         multipart=(FilingMetadataSchema, "documents", True), response=ReceiptSchema, status=201, errors=UPLOAD_ERRORS,
         links=FILING_LINKS, description="Cada documento es un PDF que se abre con un lector.")
    def submit_filing(self, request, case_number):
        actor = request.actor
        key = idempotency_key(request)
        max_docs, max_bytes = self._limits()
        metadata, uploads = read_multipart(request, FilingMetadataSchema, "documents", max_docs, max_bytes)
        result, replayed = self._submit(actor, uploads,
                                        lambda: self.call(self.filings.prepare_filing, actor, case_number, metadata,
                                                          self._fingerprints(uploads), key),
                                        lambda staged: self.call(self.filings.submit_filing, actor, case_number,
                                                                 metadata, staged, key))
        return self._created(result, replayed, f"/api/v1/filings/{result['filing_id']}")

    @route("GET", "/api/v1/filings/<string:filing_id>")
    @doc("Un escrito y su calificación", "escritos", response=FilingSchema, errors=(403,))
    def get_filing(self, request, filing_id):
        return json_response(self.call(self.filings.get_filing, request.actor, filing_id))

    @route("POST", "/api/v1/filings/<string:filing_id>/review")
    @doc("Calificar un escrito: aceptar o rechazar con motivo (secretario del tribunal)", "escritos",
         body=ReviewSchema, response=FilingSchema, errors=(403, 409))
    def review_filing(self, request, filing_id):
        return json_response(self.call(self.filings.review_filing, request.actor, filing_id, request.body))

    # --- resolutions -----------------------------------------------------
    @route("POST", "/api/v1/cases/<string:case_number>/resolutions")
    @doc("Emitir una resolución (juez o secretario del tribunal)", "resoluciones", roles=("judge", "clerk"),
         multipart=(ResolutionMetadataSchema, "document", False), response=ResolutionSchema, status=201,
         errors=UPLOAD_ERRORS, links=RESOLUTION_LINKS, description="El documento es un PDF que se abre con un lector.")
    def issue_resolution(self, request, case_number):
        actor = request.actor
        key = idempotency_key(request)
        max_docs, max_bytes = self._limits()
        metadata, uploads = read_multipart(request, ResolutionMetadataSchema, "document", 1, max_bytes, single=True)
        result, replayed = self._submit(actor, uploads,
                                        lambda: self.call(self.filings.prepare_resolution, actor, case_number, metadata,
                                                          self._fingerprints(uploads, "document"), key),
                                        lambda staged: self.call(self.filings.issue_resolution, actor, case_number,
                                                                 metadata, staged, key))
        return self._created(result, replayed, f"/api/v1/cases/{case_number}")

    @route("POST", "/api/v1/resolutions/<string:resolution_id>/final")
    @doc("Declarar firme una sentencia penal con sus condenas (juez del tribunal)", "resoluciones", roles=("judge",),
         body=FinalSentenceSchema, response=FinalSentenceDeclaredSchema, status=201, errors=(403, 409),
         description="Solo una sentencia de un expediente penal, y una sola vez (409 not_a_sentence, "
                     "not_a_penal_case, already_final). Cada condena lleva un CUI válido (dígito verificador, "
                     "departamento y municipio de RENAP; 422 si no), una vez por persona. Cada condena pasa al "
                     "registro de antecedentes penales.")
    def declare_final(self, request, resolution_id):
        return json_response(self.call(self.filings.declare_final, request.actor, resolution_id, request.body),
                             status=201)

    # --- reservation -----------------------------------------------------
    @route("POST", "/api/v1/cases/<string:case_number>/reserve")
    @doc("Reservar un expediente (juez del tribunal): sale de toda consulta pública, para siempre", "expedientes",
         roles=("judge",), body=ReserveCaseSchema, response=CaseReservedResponseSchema, errors=(403, 409),
         idempotent=True,
         description="Un expediente de familia es reservado desde que se abre. La reserva no se repite (409 "
                     "already_reserved) ni se levanta.")
    def reserve_case(self, request, case_number):
        reply = self.call(self.filings.reserve_case, request.actor, case_number, request.body, idempotency_key(request))
        return self._answered(reply)

    # --- hearings --------------------------------------------------------
    @route("POST", "/api/v1/cases/<string:case_number>/hearings")
    @doc("Programar una audiencia (juez o secretario del tribunal)", "audiencias", roles=("judge", "clerk"),
         body=ScheduleHearingSchema, response=HearingSchema, status=201, errors=(403, 409), links=HEARING_LINKS,
         idempotent=True,
         description="starts_at lleva zona horaria (Z o ±hh:mm) y debe ser futuro; se guarda en UTC. Dos audiencias "
                     "vigentes (programada, reprogramada) del mismo tribunal no se traslapan en la misma sala: 409 "
                     "hearing_conflict nombra la otra (hearing_id, case_number, starts_at, ends_at).")
    def schedule_hearing(self, request, case_number):
        reply = self.call(self.filings.schedule_hearing, request.actor, case_number, request.body,
                          idempotency_key(request))
        return self._answered(reply, 201, f"/api/v1/hearings/{reply['response']['hearing_id']}")

    @route("GET", "/api/v1/cases/<string:case_number>/hearings/conflicts")
    @doc("¿Está libre la sala? La audiencia que la ocupa en ese horario (juez o secretario del tribunal)",
         "audiencias", roles=("judge", "clerk"), query=HearingConflictsQuerySchema, response=HearingConflictsSchema,
         errors=(403,),
         description="Para avisar de un choque mientras se escribe, antes de programar o reprogramar: conflict es "
                     "la audiencia vigente de la misma sala del tribunal que se traslapa, con el mismo mensaje que "
                     "daría 409 hearing_conflict (null si la sala está libre). hearing_id: la audiencia que se "
                     "reprograma, que no choca consigo misma. No guarda nada ni reserva la sala.")
    def hearing_conflicts(self, request, case_number):
        return json_response(self.call(self.filings.hearing_conflicts, request.actor, case_number, request.query))

    @route("GET", "/api/v1/hearings/<string:hearing_id>")
    @doc("Una audiencia y todas sus versiones", "audiencias", response=HearingDetailSchema, errors=(403,),
         links={"RescheduleThisHearing": HEARING_LINKS["RescheduleHearing"],
                "SetThisHearingStatus": HEARING_LINKS["SetHearingStatus"]})
    def get_hearing(self, request, hearing_id):
        return json_response(self.call(self.filings.get_hearing, request.actor, hearing_id))

    @route("POST", "/api/v1/hearings/<string:hearing_id>/reschedule")
    @doc("Reprogramar una audiencia (juez o secretario del tribunal): nueva versión, estado reprogramada",
         "audiencias", roles=("judge", "clerk"), body=RescheduleHearingSchema, response=HearingSchema,
         errors=(403, 409), links=HEARING_LINKS, idempotent=True,
         description="starts_at lleva zona horaria y debe ser futuro; la sala y la duración se conservan si no se "
                     "indican. Una audiencia realizada o cancelada no cambia (409).")
    def reschedule_hearing(self, request, hearing_id):
        return self._answered(self.call(self.filings.reschedule_hearing, request.actor, hearing_id, request.body,
                                        idempotency_key(request)))

    @route("POST", "/api/v1/hearings/<string:hearing_id>/status")
    @doc("Registrar que una audiencia se realizó, se suspendió o se canceló (juez o secretario del tribunal)",
         "audiencias", roles=("judge", "clerk"), body=HearingStatusSchema, response=HearingSchema, errors=(403, 409),
         links=HEARING_LINKS, idempotent=True,
         description="Una audiencia realizada o cancelada no cambia; una suspendida solo puede cancelarse o "
                     "reprogramarse (409 en otro caso).")
    def set_hearing_status(self, request, hearing_id):
        return self._answered(self.call(self.filings.set_hearing_status, request.actor, hearing_id, request.body,
                                        idempotency_key(request)))

    @staticmethod
    def _answered(reply, status=200, location=None):
        """The answer of a JSON request that changes something: the first answer again when it is a replay of
        the same Idempotency-Key and content."""
        if reply["replayed"]:
            return json_response(reply["response"], status=status, headers={"Idempotent-Replayed": "true"})
        return json_response(reply["response"], status=status, headers={"Location": location} if location else None)

    # --- documents -------------------------------------------------------
    @route("GET", "/api/v1/documents/<string:document_id>")
    @doc("Descargar un documento: los mismos bytes que se presentaron", "documentos", binary="application/pdf",
         errors=(403,))
    def get_document(self, request, document_id):
        result = self.call(self.filings.get_document, request.actor, document_id)
        return pdf_response(result["content"], result["document"])
