"""Routes of criminal-record certificates (antecedentes penales): the registry (UNAP staff), requests and
payments (citizens, banks), the certificates and their public verification.

Identifiers in these paths have a fixed length, stated in the URL rule itself, so that the fixed paths beside
them (``/criminal-records/import``, ``/public/certificates/verify``) never match a variable one: another
method on those paths is a 405 with the right ``Allow``, not a 404 of an identifier."""
from contracts.certificates import (CancelMetadataSchema, CertificateListSchema, CertificateRequestSchema,
                                    CertificateSchema, DownloadQuerySchema, ImportReportSchema, ImportSchema,
                                    PaymentAckSchema, PaymentNotificationSchema, PdfVerdictSchema,
                                    PublicCertificateSchema, RecordCreateSchema, RecordListSchema, RecordSchema,
                                    RecordSearchQuerySchema, RequestViewSchema, RevokeSchema, VerifyMetadataSchema)
from contracts.documents import check_filename
from gateway import payments
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.ratelimit import rate_limited
from gateway.uploads import read_multipart
from gateway.web import json_response, pdf_response, route

OFFICER = ("records_officer",)
CITIZEN = ("citizen",)
MAX_VERIFY_PDF_BYTES = 2 * 1024 * 1024

REQUEST_LINKS = {"GetRequest": {"operationId": "get_certificate_request",
                                "parameters": {"request_id": "$response.body#/request_id"}}}
RECORD_LINKS = {"GetRecord": {"operationId": "get_criminal_record",
                              "parameters": {"record_id": "$response.body#/record_id"}}}
CERTIFICATE_LIST_LINKS = {
    "FirstDocument": {"operationId": "certificate_document",
                      "parameters": {"certificate_id": "$response.body#/items/0/certificate_id"}},
    "VerifyFirst": {"operationId": "verify_certificate_code",
                    "parameters": {"verification_code": "$response.body#/items/0/verification_code"}},
}
PDF_RULES = ("El documento debe ser un PDF que se abre (415 pdf_not_pdf, 422 pdf_corrupt) y llamarse *.pdf "
             "(422 invalid_filename).")


def _check_payment(self, request):
    """The bank's signature over the raw body, before anything else (gateway.payments)."""
    request.bank = payments.check(self.banks.secrets, request, tolerance=self.banks.tolerance)


def _one_pdf(request, schema, max_bytes):
    metadata, uploads = read_multipart(request, schema, "document", 1, max_bytes, single=True)
    upload = uploads[0]
    check_filename(upload.filename)
    return metadata, upload


class CertificatesRoutes(GatewayBase):
    banks = payments.BankSecrets()

    # --- the registry (UNAP) ------------------------------------------------------------------------------
    @route("POST", "/api/v1/criminal-records")
    @doc("Registrar un antecedente penal a mano (UNAP)", "antecedentes", roles=OFFICER, body=RecordCreateSchema,
         response=RecordSchema, status=201, errors=(409,), links=RECORD_LINKS,
         description="El CUI se valida completo (dígito verificador, departamento y municipio de RENAP); un CUI "
                     "inválido es 422 y nombra la parte equivocada. Las fechas no pueden ser futuras. La misma "
                     "persona y el mismo proceso ya registrados: 409.")
    def add_criminal_record(self, request):
        return json_response(self.call(self.certificates.add_record, request.actor, request.body), status=201)

    @route("GET", "/api/v1/criminal-records")
    @doc("Buscar antecedentes por CUI o por nombre (UNAP)", "antecedentes", roles=OFFICER,
         query=RecordSearchQuerySchema, response=RecordListSchema,
         description="Indique id_number (CUI válido) o name (al menos 3 caracteres, alguna letra o número); sin "
                     "ninguno, 422. Por nombre: cada palabra debe ser una palabra del nombre o su comienzo, en "
                     "cualquier orden; a lo sumo limit antecedentes, ordenados por nombre.")
    def search_criminal_records(self, request):
        return json_response(self.call(self.certificates.search_records, request.actor, request.query))

    @route("GET", "/api/v1/criminal-records/<string(length=32):record_id>")
    @doc("Un antecedente con su estado (UNAP)", "antecedentes", roles=OFFICER, response=RecordSchema)
    def get_criminal_record(self, request, record_id):
        return json_response(self.call(self.certificates.get_record, request.actor, record_id))

    @route("POST", "/api/v1/criminal-records/<string(length=32):record_id>/cancel")
    @doc("Cancelar un antecedente con la resolución del tribunal en PDF (UNAP)", "antecedentes", roles=OFFICER,
         multipart=(CancelMetadataSchema, "document", False), response=RecordSchema, errors=(409,),
         description="La cancelación es una entrada nueva: el antecedente no se edita. " + PDF_RULES)
    def cancel_criminal_record(self, request, record_id):
        metadata, upload = _one_pdf(request, CancelMetadataSchema, self.settings.int("MAX_DOCUMENT_BYTES", 20971520))
        return json_response(self.call(self.certificates.cancel_record, request.actor, record_id, metadata,
                                       upload.filename, upload.data))

    @route("POST", "/api/v1/criminal-records/import")
    @doc("Importar antecedentes históricos desde CSV: todo o nada (UNAP)", "antecedentes", roles=OFFICER,
         body=ImportSchema, response=ImportReportSchema, status=201,
         description="Cada fila se revisa como un antecedente registrado a mano. Si alguna es inválida no se "
                     "importa ninguna y la respuesta 422 (import_rejected) trae en details.rejected cada fila "
                     "rechazada con su línea y sus errores.")
    def import_criminal_records(self, request):
        return json_response(self.call(self.certificates.import_records, request.actor, request.body), status=201)

    # --- requesting and paying ---------------------------------------------------------------------------------
    @route("POST", "/api/v1/certificates/requests")
    @doc("Solicitar mi constancia de antecedentes penales (ciudadano)", "constancias", roles=CITIZEN,
         body=CertificateRequestSchema, response=RequestViewSchema, status=201, links=REQUEST_LINKS,
         description="Devuelve la referencia de pago (Q30.00, vence en 72 horas). Mientras haya una solicitud "
                     "abierta, pedir de nuevo devuelve esa misma. El token debe traer el CUI (id_number).")
    def request_certificate(self, request):
        result = self.call(self.certificates.request_certificate, request.actor, request.body)
        return json_response(result["request"], status=201)

    @route("GET", "/api/v1/certificates/requests/<string(length=32):request_id>")
    @doc("Estado de mi solicitud de constancia", "constancias", roles=CITIZEN, response=RequestViewSchema)
    def get_certificate_request(self, request, request_id):
        return json_response(self.call(self.certificates.get_request, request.actor, request_id))

    @route("POST", "/api/v1/payments/notifications")
    @doc("Aviso de pago de un banco (firmado, sin token)", "pagos", auth=False, body=PaymentNotificationSchema,
         response=PaymentAckSchema, errors=(404, 409), before=_check_payment, headers=payments.HEADERS,
         description="Firmado con X-Payment-Timestamp y X-Payment-Signature (HMAC-SHA256 con el secreto del "
                     "banco sobre '<timestamp>.<cuerpo>'); sin firma válida o con más de 5 minutos de "
                     "diferencia: 401 y nada se guarda. Monto o moneda distintos: 422; referencia "
                     "desconocida: 404; referencia con dígito verificador incorrecto: 422; la misma "
                     "transacción otra vez: 200 igual que la primera, sin cambiar nada.")
    def payment_notification(self, request):
        return json_response(self.call(self.certificates.payment_notification, request.bank, request.body))

    # --- certificates -----------------------------------------------------------------------------------------
    @route("GET", "/api/v1/certificates")
    @doc("Mis constancias (ciudadano)", "constancias", roles=CITIZEN, response=CertificateListSchema,
         links=CERTIFICATE_LIST_LINKS)
    def list_certificates(self, request):
        return json_response(self.call(self.certificates.list_certificates, request.actor))

    @route("GET", "/api/v1/certificates/<string(length=32):certificate_id>/document")
    @doc("Descargar el PDF firmado de una constancia", "constancias", roles=CITIZEN + OFFICER,
         binary="application/pdf")
    def certificate_document(self, request, certificate_id):
        result = self.call(self.certificates.get_document, request.actor, certificate_id)
        return pdf_response(result["content"], result["document"])

    @route("POST", "/api/v1/certificates/<string(length=32):certificate_id>/revoke")
    @doc("Revocar una constancia emitida por error (UNAP)", "constancias", roles=OFFICER, body=RevokeSchema,
         response=CertificateSchema, errors=(409,))
    def revoke_certificate(self, request, certificate_id):
        return json_response(self.call(self.certificates.revoke, request.actor, certificate_id, request.body))

    # --- public: rate limited per client, with the public look-ups' limiter (429 with Retry-After) ---------------
    @route("GET", "/api/v1/public/certificates/download")
    @rate_limited
    @doc("Descargar una constancia con el código de descarga (sin sesión)", "verificación", auth=False,
         query=DownloadQuerySchema, binary="application/pdf", errors=(404, 429))
    def download_certificate(self, request):
        result = self.call(self.certificates.download, request.query)
        return pdf_response(result["content"], result["document"])

    @route("GET", "/api/v1/public/certificates/<string(length=14):verification_code>")
    @rate_limited
    @doc("Verificar una constancia por su código (sin sesión)", "verificación", auth=False,
         response=PublicCertificateSchema, errors=(429,),
         description="valid, expired, revoked o unknown; el CUI se muestra enmascarado salvo sus últimos 4 dígitos.")
    def verify_certificate_code(self, request, verification_code):
        return json_response(self.call(self.certificates.verify_code, verification_code))

    @route("POST", "/api/v1/public/certificates/verify")
    @rate_limited
    @doc("Verificar el PDF de una constancia: firma intacta y emitido tal cual por el registro (sin sesión)",
         "verificación", auth=False, multipart=(VerifyMetadataSchema, "document", False), response=PdfVerdictSchema,
         errors=(429,),
         description="metadata puede ser {}. signature: valid (firma íntegra de la UNAP), invalid (cambió después "
                     "de firmado), untrusted (firmado por otra clave) o missing; registry: issued si el registro "
                     "emitió exactamente este archivo. " + PDF_RULES)
    def verify_certificate_pdf(self, request):
        _, upload = _one_pdf(request, VerifyMetadataSchema, MAX_VERIFY_PDF_BYTES)
        return json_response(self.call(self.certificates.verify_pdf, upload.data))
