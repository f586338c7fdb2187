"""Routes of the notarial protocol archive (Archivo General de Protocolos): the registry of notaries,
deposits of testimonios especiales, the annual index, the remote look-up and certified copies. The certificates
service answers them; payments arrive through the banks' one notification route, and copies verify through
the certificates' public verification routes."""
import logging

from contracts.protocol import (ApproveSchema, CopyListSchema, CopyRequestSchema, CopyRevokeSchema, CopySchema,
                                DepositMetadataSchema, DepositSchema, IndexSubmitSchema, InstrumentPageSchema,
                                InstrumentSchema, InstrumentSearchQuerySchema, NotaryCreateSchema, NotarySchema,
                                NotaryStatusSchema, DepositReviewSchema, YearReportSchema)
from contracts.documents import check_filename
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.uploads import idempotency_key, read_multipart
from gateway.web import json_response, pdf_response, route
from services.runtime.errors import PortalError

log = logging.getLogger(__name__)

STAFF = ("archive_officer",)
NOTARY = ("notary",)
SEARCHERS = ("lawyer", "notary", "citizen", "archive_officer", "clerk", "judge", "admin")
REQUESTERS = ("lawyer", "notary", "citizen")
DEFAULT_MAX_TESTIMONIO_BYTES = 20 * 1024 * 1024

COPY_LINKS = {"GetCopy": {"operationId": "get_protocol_copy", "parameters": {"copy_id": "$response.body#/copy_id"}}}
INSTRUMENT_LINKS = {"GetInstrument": {"operationId": "get_protocol_instrument",
                                      "parameters": {"instrument_id": "$response.body#/instrument_id"}}}
DEPOSIT_RULES = (
    "Un número por notario y año: repetirlo es 409 number_taken, salvo una corrección (correction: true), que es "
    "una versión nueva y conserva la anterior. authorized_at no puede ser futura ni de otro año (422). Depositado "
    "después de 25 días hábiles desde la autorización (Código de Notariado, art. 37; calendario de los tribunales): "
    "se acepta con extemporaneo y los días hábiles de atraso. pages son las páginas del PDF adjunto (422 si no). "
    "El testimonio debe ser un PDF que se abre (415 "
    "pdf_not_pdf, 422 pdf_corrupt o pdf_encrypted) de hasta 20 MB (413). Solo un notario activo (403).")


class ProtocolRoutes(GatewayBase):
    # --- notaries (AGP staff) -----------------------------------------------------------------------------
    @route("POST", "/api/v1/protocol/notaries")
    @doc("Registrar un notario (Archivo General de Protocolos)", "protocolos", roles=STAFF, body=NotaryCreateSchema,
         response=NotarySchema, status=201, errors=(409,),
         description="Queda activo desde registered_at (no futura). Un número de colegiado ya registrado: 409.")
    def register_notary(self, request):
        return json_response(self.call(self.certificates.protocol_register_notary, request.actor, request.body),
                             status=201)

    @route("GET", "/api/v1/protocol/notaries/<bar_number>")
    @doc("Un notario del registro, con su historial de estados", "protocolos", roles=STAFF + NOTARY,
         response=NotarySchema, description="El personal del Archivo, o el propio notario.")
    def get_notary(self, request, bar_number):
        return json_response(self.call(self.certificates.protocol_get_notary, request.actor, bar_number))

    @route("POST", "/api/v1/protocol/notaries/<bar_number>/status")
    @doc("Cambiar el estado de un notario: activo, inhabilitado o fallecido", "protocolos", roles=STAFF,
         body=NotaryStatusSchema, response=NotarySchema, description="since no puede ser futura.")
    def set_notary_status(self, request, bar_number):
        return json_response(self.call(self.certificates.protocol_set_notary_status, request.actor, bar_number,
                                       request.body))

    @route("GET", "/api/v1/protocol/notaries/<bar_number>/years/<string(length=4):year>")
    @doc("El año de un notario: depósitos extemporáneos, números faltantes, observados y el índice comparado",
         "protocolos", roles=STAFF + NOTARY, response=YearReportSchema,
         description="El personal del Archivo, o el propio notario.")
    def protocol_year_report(self, request, bar_number, year):
        return json_response(self.call(self.certificates.protocol_year_report, request.actor, bar_number, year))

    # --- deposits (notaries) ------------------------------------------------------------------------------------
    @route("POST", "/api/v1/protocol/instruments")
    @doc("Depositar el testimonio especial de un instrumento (notario)", "protocolos", roles=NOTARY,
         multipart=(DepositMetadataSchema, "document", False), response=DepositSchema, status=201, errors=(409,),
         links=INSTRUMENT_LINKS, description=DEPOSIT_RULES)
    def deposit_instrument(self, request):
        key = idempotency_key(request)
        max_bytes = self.settings.int("PROTOCOL_MAX_DOCUMENT_BYTES", DEFAULT_MAX_TESTIMONIO_BYTES)
        metadata, uploads = read_multipart(request, DepositMetadataSchema, "document", 1, max_bytes, single=True)
        upload = uploads[0]
        check_filename(upload.filename, "document")
        staged = self.call(self.certificates.protocol_stage_testimonio, request.actor, upload.filename,
                           upload.data)["document_id"]
        try:
            result = self.call(self.certificates.protocol_deposit, request.actor, metadata, [staged], key)
        except PortalError as exc:
            if exc.status >= 500:
                try:
                    self.call(self.certificates.protocol_discard, request.actor, [staged])
                except PortalError:
                    log.warning("could not discard a staged testimonio; the janitor will")
            raise
        return json_response(result, status=201)

    @route("GET", "/api/v1/protocol/instruments")
    @doc("Consulta a distancia del índice de protocolos", "protocolos", roles=SEARCHERS,
         query=InstrumentSearchQuerySchema, response=InstrumentPageSchema,
         description="Por notario (bar_number o notary: su nombre), año, número, tipo de acto, fechas de "
                     "autorización (from, to; from <= to) y nombre de otorgante (grantor: sin importar mayúsculas, "
                     "tildes ni el orden; palabras parciales por su comienzo). Páginas con next_cursor. Muestra los "
                     "datos del índice, nunca el documento ni el documento de identificación de un otorgante; de un "
                     "testamento solo que existe. Cada consulta queda en la bitácora de auditoría.")
    def search_protocol_instruments(self, request):
        return json_response(self.call(self.certificates.protocol_search, request.actor, request.query))

    @route("GET", "/api/v1/protocol/instruments/<string(length=32):instrument_id>")
    @doc("Un instrumento del índice", "protocolos", roles=SEARCHERS, response=InstrumentSchema,
         description="Los datos del índice (de un testamento, solo que existe, salvo para su notario y el "
                     "Archivo). Una versión sustituida por una corrección solo la ven su notario y el Archivo.")
    def get_protocol_instrument(self, request, instrument_id):
        return json_response(self.call(self.certificates.protocol_get_instrument, request.actor, instrument_id))

    @route("POST", "/api/v1/protocol/instruments/<string(length=32):instrument_id>/review")
    @doc("Revisar un depósito: aceptarlo u observarlo con su motivo (Archivo)", "protocolos", roles=STAFF,
         body=DepositReviewSchema, response=DepositSchema, errors=(409,),
         description="Observar requiere reason; el notario deposita entonces una corrección. Un depósito ya "
                     "sustituido: 409.")
    def review_instrument(self, request, instrument_id):
        return json_response(self.call(self.certificates.protocol_review, request.actor, instrument_id,
                                       request.body))

    @route("POST", "/api/v1/protocol/indexes/<string(length=4):year>")
    @doc("Presentar el índice anual del protocolo (notario)", "protocolos", roles=NOTARY, body=IndexSubmitSchema,
         response=YearReportSchema,
         description="Se compara con los depósitos: lo que está en el índice y nunca se depositó, y al revés. "
                     "Presentarlo de nuevo lo reemplaza. El año no puede ser futuro.")
    def submit_protocol_index(self, request, year):
        return json_response(self.call(self.certificates.protocol_submit_index, request.actor, year, request.body))

    # --- certified copies ----------------------------------------------------------------------------------------
    @route("POST", "/api/v1/protocol/instruments/<string(length=32):instrument_id>/copies")
    @doc("Solicitar una copia certificada (copia simple o testimonio)", "protocolos", roles=REQUESTERS,
         body=CopyRequestSchema, response=CopySchema, status=201, errors=(409,), links=COPY_LINKS,
         description="201 con la orden de pago (tarifa por página, configurable), que se paga con el mismo aviso "
                     "del banco que las constancias. La copia simple se emite al pagarse; el testimonio, y la copia "
                     "de un testamento para quien no es su notario, cuando además lo aprueba el Archivo.")
    def request_protocol_copy(self, request, instrument_id):
        return json_response(self.call(self.certificates.protocol_request_copy, request.actor, instrument_id,
                                       request.body), status=201)

    @route("GET", "/api/v1/protocol/copies")
    @doc("Mis copias certificadas", "protocolos", roles=REQUESTERS, response=CopyListSchema)
    def list_protocol_copies(self, request):
        return json_response(self.call(self.certificates.protocol_list_copies, request.actor))

    @route("GET", "/api/v1/protocol/copies/<string(length=32):copy_id>")
    @doc("Estado de una copia y su código de verificación", "protocolos", roles=REQUESTERS + STAFF,
         response=CopySchema)
    def get_protocol_copy(self, request, copy_id):
        return json_response(self.call(self.certificates.protocol_get_copy, request.actor, copy_id))

    @route("GET", "/api/v1/protocol/copies/<string(length=32):copy_id>/document")
    @doc("Descargar la copia firmada (PDF)", "protocolos", roles=REQUESTERS + STAFF, binary="application/pdf",
         errors=(409,), description="409 copy_not_issued mientras no se emite.")
    def protocol_copy_document(self, request, copy_id):
        result = self.call(self.certificates.protocol_copy_document, request.actor, copy_id)
        return pdf_response(result["content"], result["document"])

    @route("POST", "/api/v1/protocol/copies/<string(length=32):copy_id>/approve")
    @doc("Aprobar una copia que espera al Archivo (testimonio, o testamento con defunción revisada)",
         "protocolos", roles=STAFF, body=ApproveSchema, response=CopySchema, errors=(409,),
         description="La copia de un testamento para quien no es su notario requiere death_certificate_reviewed: "
                     "true (422 death_certificate_required). Una copia que no espera aprobación: 409.")
    def approve_protocol_copy(self, request, copy_id):
        return json_response(self.call(self.certificates.protocol_approve_copy, request.actor, copy_id,
                                       request.body))

    @route("POST", "/api/v1/protocol/copies/<string(length=32):copy_id>/revoke")
    @doc("Revocar una copia emitida por error (Archivo)", "protocolos", roles=STAFF, body=CopyRevokeSchema,
         response=CopySchema, errors=(409,), description="La verificación pública dice entonces revoked.")
    def revoke_protocol_copy(self, request, copy_id):
        return json_response(self.call(self.certificates.protocol_revoke_copy, request.actor, copy_id,
                                       request.body))
