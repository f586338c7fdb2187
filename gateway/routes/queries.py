"""Public look-ups (consultas públicas), without a login: the hearings agenda and its iCalendar feeds, amparo
and antejuicio cases, their resolutions' PDFs, and the verification of documents the courts issued.

Every route is rate limited per client (429 with Retry-After, ``gateway.ratelimit``). Reads carry an ``ETag``
(a hash of the answer) and ``Cache-Control: public, no-cache``: a cache may keep them but asks again every time,
so an answer that changed (a case that became reserved) is never served from a cache; an ``If-None-Match``
that names the current answer gets 304 without a body.
"""
import hashlib

from werkzeug.wrappers import Response

from contracts.base import json_etag, json_text
from contracts.queries import (CourtCalendarQuerySchema, DocumentVerdictSchema, PublicCaseListSchema,
                               PublicCaseSchema, PublicCasesQuerySchema, PublicHearingListSchema,
                               PublicHearingsQuerySchema)
from gateway.agenda import AgendaPages, page_key
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.ratelimit import rate_limited
from gateway.routes.filings import _if_none_match
from gateway.uploads import read_multipart
from gateway.web import CORRELATION_HEADER, json_response, pdf_response, route
from services.runtime.errors import UnsupportedMediaType
from services.runtime.logs import current_correlation_id

CACHE_CONTROL = "public, no-cache"
CALENDAR_TYPE = "text/calendar"
TAG = "consultas públicas"
PUBLIC = dict(auth=False, not_modified=True)
LIMITED = (429,)
LIMITED_COURT = (404, 429)  # 404: a court_id the read model does not know
DATE_RULES = ("Con «date» un día local del tribunal; o «from» y «to», juntos, con from <= to y 31 días como "
              "máximo; sin ninguno, hoy. Otra combinación es 422.")
CASE_LINKS = {
    "PublicCaseCalendar": {"operationId": "public_case_calendar",
                           "parameters": {"case_number": "$response.body#/case_number"}},
}


def cached(request, body, mimetype, etag=None):
    """``body`` (bytes) with its ETag (``etag``, or computed) and Cache-Control, or 304 when the client already
    holds it."""
    etag = etag or json_etag(body)
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL}
    cid = current_correlation_id()
    if cid:
        headers[CORRELATION_HEADER] = cid
    if etag in _if_none_match(request):
        return Response(status=304, headers=headers)
    return Response(body, status=200, mimetype=mimetype, headers=headers)


def cached_json(request, payload):
    return cached(request, json_text(payload).encode("utf-8"), "application/json")


def cached_prepared(request, answer):
    """A service's ready-made JSON answer (``contracts.base.prepared_json``): its bytes and ETag as they are."""
    return cached(request, answer["body"], "application/json", answer["etag"])


def cached_calendar(request, text):
    response = cached(request, text.encode("utf-8"), CALENDAR_TYPE)
    if response.status_code == 200:
        response.headers["Content-Type"] = f"{CALENDAR_TYPE}; charset=utf-8"
    return response


class QueriesRoutes(GatewayBase):
    agenda = AgendaPages()  # one court's agenda pages kept in this process while they hold (gateway.agenda)

    # --- hearings -----------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/public/hearings")
    @rate_limited
    @doc("Agenda única de audiencias: un día o un rango de hasta 31 días", TAG, query=PublicHearingsQuerySchema,
         response=PublicHearingListSchema, errors=LIMITED_COURT, **PUBLIC,
         description=DATE_RULES + " Filtros: court_id (un tribunal desconocido es 404), case_number, kind, status, "
                     "mode. Las audiencias de expedientes reservados no aparecen; las partes solo en amparos y "
                     "antejuicios. Ordenadas por hora de inicio; cursor: el next_cursor de la página anterior.")
    def public_hearings(self, request):
        query = request.query
        return cached_prepared(request, self.agenda.get(page_key(query), query.get("court_id"),
                                                        lambda: self.call(self.queries.hearings, query)))

    @route("GET", "/api/v1/public/hearings.ics")
    @rate_limited
    @doc("Calendario iCalendar (RFC 5545) de las audiencias de un tribunal, para suscribirse", TAG,
         query=CourtCalendarQuerySchema, binary=CALENDAR_TYPE, errors=LIMITED_COURT, **PUBLIC,
         description="Audiencias de los últimos 30 días y del próximo año. UID estable por audiencia, SEQUENCE = "
                     "su versión, STATUS:CANCELLED si se canceló o suspendió. Un tribunal desconocido es 404.")
    def public_hearings_calendar(self, request):
        return cached_calendar(request, self.call(self.queries.court_calendar, request.query))

    @route("GET", "/api/v1/public/cases/<string:case_number>/hearings.ics")
    @rate_limited
    @doc("Calendario iCalendar de las audiencias públicas de un expediente", TAG, binary=CALENDAR_TYPE, errors=LIMITED, **PUBLIC,
         description="Un expediente sin audiencias públicas (reservado o desconocido) da un calendario vacío.")
    def public_case_calendar(self, request, case_number):
        return cached_calendar(request, self.call(self.queries.case_calendar, case_number))

    # --- cases --------------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/public/cases")
    @rate_limited
    @doc("Buscar amparos y antejuicios por el nombre de cualquiera de sus partes, o listarlos por período", TAG,
         query=PublicCasesQuerySchema, response=PublicCaseListSchema, errors=LIMITED_COURT, **PUBLIC,
         description="q: palabras del nombre en cualquier orden, sin distinguir mayúsculas, tildes ni ñ, también "
                     "incompletas («gonz lop» encuentra «López González»); debe tener alguna letra o número. "
                     "Primero las partes con todas las palabras completas, luego las que empiezan así; dentro de "
                     "cada grupo, los más recientes. Sin q, los admitidos en el período from/to (from <= to), "
                     "los más recientes primero. Siempre paginado: cursor = next_cursor.")
    def public_cases(self, request):
        return cached_json(request, self.call(self.queries.cases, request.query))

    @route("GET", "/api/v1/public/cases/<string:case_number>")
    @rate_limited
    @doc("Un amparo o antejuicio: partes, acto reclamado o cargo, etapa, actuaciones y próximas audiencias", TAG,
         response=PublicCaseSchema, links=CASE_LINKS, errors=LIMITED, **PUBLIC,
         description="Cualquier otro expediente (otra materia, reservado o inexistente) es 404 case_not_public: "
                     "las partes lo consultan en su expediente electrónico, con su usuario.")
    def public_case(self, request, case_number):
        return cached_json(request, self.call(self.queries.case, case_number))

    @route("GET", "/api/v1/public/cases/<string:case_number>/resolutions/<string:resolution_id>/document")
    @rate_limited
    @doc("El PDF de una resolución de un amparo o antejuicio, byte por byte", TAG, binary="application/pdf",
         errors=LIMITED, **PUBLIC, description="503 document_pending mientras la copia pública aún no llega (minutos).")
    def public_resolution_document(self, request, case_number, resolution_id):
        result = self.call(self.queries.resolution_document, case_number, resolution_id)
        etag = f"\"{result['document']['sha256']}\""
        if etag in _if_none_match(request):
            return Response(status=304, headers={"ETag": etag, "Cache-Control": CACHE_CONTROL})
        response = pdf_response(result["content"], result["document"])
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response

    # --- document verification -------------------------------------------------------------------------------------
    @route("POST", "/api/v1/public/documents/verify")
    @rate_limited
    @doc("Verificar un documento: ¿lo emitió un tribunal?", TAG, auth=False, multipart=(None, "document", False),
         response=DocumentVerdictSchema, errors=LIMITED,
         description="Una sola parte «document» con el PDF. Se compara su SHA-256 con el de cada resolución "
                     "emitida, de cualquier materia. Responde 200 con el veredicto: authentic true con tribunal, "
                     "clase, fecha y folio (y el expediente, salvo que sea reservado), o authentic false con «El "
                     "documento no corresponde a ningún documento emitido por el Organismo Judicial.». Un archivo "
                     "que no es PDF es 415.")
    def verify_document(self, request):
        _, uploads = read_multipart(request, None, "document", 1, self.settings.int("MAX_DOCUMENT_BYTES",
                                                                                     20 * 1024 * 1024), single=True)
        data = uploads[0].data
        if not data.startswith(b"%PDF-"):
            raise UnsupportedMediaType("pdf_not_pdf", "El documento no es un PDF válido.",
                                       {"filename": uploads[0].filename[:80]})
        sha256 = hashlib.sha256(data).hexdigest()
        return json_response(self.call(self.queries.verify_document, sha256))

    @route("GET", "/api/v1/public/documents/<string(length=64):sha256>")  # "verify" beside it never matches
    @rate_limited
    @doc("Verificar un documento por su SHA-256", TAG, response=DocumentVerdictSchema, errors=LIMITED, **PUBLIC,
         description="200 con el veredicto, como la verificación del archivo (authentic true o false).")
    def public_document(self, request, sha256):
        return cached_json(request, self.call(self.queries.verify_document, sha256.lower()))
