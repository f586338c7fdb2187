"""Contracts of the certificates service (antecedentes penales): the registry, requests, payments, certificates
and their public verification.

The CUI fields check the whole rule (``contracts.cui.cui_problem``: form, check digit,
department, municipality) and name the part that is wrong; OpenAPI states only its form (13 digits), the
rest is a documented exception of the fuzzer (tests/fuzz/schemathesis.toml).
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.base import ContractSchema, PersonSchema, one_of, pattern_text, plain_text, text
from contracts.cui import cui_field
from services.certificates import domain

REFERENCE_PATTERN = r"^[0-9]{12}$"
AMOUNT_PATTERN = r"^[0-9]{1,7}\.[0-9]{2}$"
CURRENCY_PATTERN = r"^[A-Z]{3}$"
BANK_PATTERN = r"^[a-z][a-z0-9_]{0,31}$"
TRANSACTION_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$"
VERIFICATION_CODE_PATTERN = domain.VERIFICATION_CODE.pattern
DOWNLOAD_CODE_PATTERN = domain.DOWNLOAD_CODE.pattern
MAX_OFFENCES = 20
MAX_EMAIL_LENGTH = 254
MAX_IMPORT_CSV = 60_000  # characters; the JSON body of the gateway is at most 64 KB
REQUEST_STATUSES = (domain.AWAITING_PAYMENT, domain.PAID, domain.ISSUED, domain.EXPIRED)
CERTIFICATE_STATUSES = ("issued", "revoked")
VERIFICATION_STATUSES = (domain.VALID, domain.EXPIRED_CERTIFICATE, domain.REVOKED, domain.UNKNOWN)
RESULTS = (domain.SIN_ANTECEDENTES, domain.CON_ANTECEDENTES)


# --- the registry ---------------------------------------------------------------------------------------------
class RecordFieldsSchema(ContractSchema):
    """A conviction as the registry keeps it."""

    name = text(200, required=True, metadata={"description": "Nombre completo de la persona condenada"})
    id_number = cui_field(required=True)
    case_number = text(40, required=True, metadata={"description": "Número del proceso penal"})
    court = text(200, required=True, metadata={"description": "Tribunal que dictó la sentencia"})
    offences = fields.List(text(300), required=True, validate=validate.Length(
        min=1, max=MAX_OFFENCES, error=f"Entre 1 y {MAX_OFFENCES} delitos."))
    penalty = text(500, required=True, metadata={"description": "Pena impuesta"})
    sentence_date = fields.Date(required=True, metadata={"description": "Fecha de la sentencia (AAAA-MM-DD)"})
    final_date = fields.Date(required=True, metadata={"description": "Fecha en que quedó firme (AAAA-MM-DD)"})

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("sentence_date") and data.get("final_date") and data["final_date"] < data["sentence_date"]:
            raise ValidationError("No puede ser anterior a la fecha de la sentencia.", "final_date")


class RecordCreateSchema(RecordFieldsSchema):
    """Body of POST /api/v1/criminal-records (by hand, UNAP staff)."""


class CancellationSchema(ContractSchema):
    reason = one_of(domain.CANCEL_REASONS, required=True)
    note = plain_text(2000, required=True)
    cancelled_at = fields.String(required=True)
    cancelled_by = fields.Nested(PersonSchema, required=True)
    document = fields.Dict(required=True, metadata={"description": "El documento del tribunal: document_id, "
                                                                   "filename, size, sha256"})


class RecordSchema(ContractSchema):
    record_id = fields.String(required=True)
    name = fields.String(required=True)
    id_number = fields.String(required=True)
    case_number = fields.String(required=True)
    court = fields.String(required=True)
    offences = fields.List(fields.String(), required=True)
    penalty = fields.String(required=True)
    sentence_date = fields.String(required=True)
    final_date = fields.String(required=True)
    source = one_of(domain.RECORD_SOURCES, required=True)
    recorded_at = fields.String(required=True)
    status = one_of(("vigente", "cancelado"), required=True)
    cancellation = fields.Nested(CancellationSchema, allow_none=True, required=True)


class RecordListSchema(ContractSchema):
    items = fields.List(fields.Nested(RecordSchema), required=True)


class RecordSearchQuerySchema(ContractSchema):
    """Query of GET /api/v1/criminal-records: by CUI or by name (one of them)."""

    id_number = cui_field(required=False)
    name = text(200, min_length=3, required=False, metadata={
        "description": "Palabras del nombre en cualquier orden, también incompletas («lopez mar» encuentra «María "
                       "José López»), sin importar mayúsculas ni tildes; debe tener alguna letra o número. Palabras "
                       "que no acotan nada son 422 search_too_broad."})
    limit = fields.Integer(required=False, validate=validate.Range(min=1, max=200, error="Entre 1 y 200."))

    @validates_schema
    def one_criterion(self, data, **kwargs):
        if not data.get("id_number") and not data.get("name"):
            raise ValidationError("Indique id_number o name.", "id_number")


class CancelMetadataSchema(ContractSchema):
    """The ``metadata`` part of POST /api/v1/criminal-records/{record_id}/cancel (the court's PDF beside it)."""

    reason = one_of(domain.CANCEL_REASONS, required=True)
    note = text(2000, required=True, metadata={"description": "Resolución del Juzgado de Ejecución que la ordena"})


class ImportSchema(ContractSchema):
    """Body of POST /api/v1/criminal-records/import: a CSV with a header line (comma-separated, UTF-8)."""

    csv = fields.String(required=True, validate=[
        validate.Length(min=1, max=MAX_IMPORT_CSV, error=f"Entre 1 y {MAX_IMPORT_CSV} caracteres."),
        validate.Regexp(r"^[^\x00]*$", error="No puede contener el carácter NUL.")],
        metadata={"description": "Columnas: " + ",".join(domain.CSV_COLUMNS) + "; delitos separados por «;», "
                                 "fechas AAAA-MM-DD"})


class RejectedRowSchema(ContractSchema):
    row = fields.Integer(required=True, metadata={"description": "Línea del archivo (la del encabezado es 1)"})
    errors = fields.Dict(keys=fields.String(), values=fields.String(), required=True)


class ImportReportSchema(ContractSchema):
    imported = fields.Integer(required=True)
    rejected = fields.List(fields.Nested(RejectedRowSchema), required=True)


# --- requests and payments ----------------------------------------------------------------------------------
class CertificateRequestSchema(ContractSchema):
    """Body of POST /api/v1/certificates/requests."""

    email = fields.Email(required=False, allow_none=True, validate=validate.Length(
        max=MAX_EMAIL_LENGTH, error=f"Máximo {MAX_EMAIL_LENGTH} caracteres."),
        metadata={"description": "Correo al que se envía la constancia; sin correo se entrega un código de "
                                 "descarga"})


class PaymentSchema(ContractSchema):
    reference = fields.String(required=True, metadata={"description": "Referencia de pago (12 dígitos, el último "
                                                                      "verificador)"})
    amount = fields.String(required=True)
    currency = fields.String(required=True)
    expires_at = fields.String(required=True)


class RequestViewSchema(ContractSchema):
    request_id = fields.String(required=True)
    status = one_of(REQUEST_STATUSES, required=True)
    payment = fields.Nested(PaymentSchema, required=True)
    email = fields.String(allow_none=True, required=True)
    requested_at = fields.String(required=True)
    paid_at = fields.String(allow_none=True, required=True)
    certificate_id = fields.String(allow_none=True, required=True)
    download_code = fields.String(allow_none=True, required=True,
                                  metadata={"description": "Solo sin correo, una vez emitida"})


class PaymentNotificationSchema(ContractSchema):
    """Body of POST /api/v1/payments/notifications (signed by the bank: see the operation)."""

    bank = pattern_text(BANK_PATTERN, "Banco inválido.", required=True)
    transaction_id = pattern_text(TRANSACTION_PATTERN, "Identificador de transacción inválido.", required=True)
    reference = pattern_text(REFERENCE_PATTERN, "La referencia tiene 12 dígitos.", required=True)
    amount = pattern_text(AMOUNT_PATTERN, "Monto con dos decimales, p. ej. 30.00.", required=True)
    currency = pattern_text(CURRENCY_PATTERN, "Moneda ISO 4217, p. ej. GTQ.", required=True)
    paid_at = fields.AwareDateTime(required=True)


class PaysForSchema(ContractSchema):
    kind = one_of(("certificate_request", "protocol_copy"), required=True)
    id = fields.String(required=True)


class PaymentAckSchema(ContractSchema):
    request_id = fields.String(required=True, metadata={"description": "El identificador de lo que se pagó"})
    pays_for = fields.Nested(PaysForSchema, required=True, metadata={"description": "Qué pagó: una solicitud de "
                                                                                   "constancia o una copia"})
    transaction_id = fields.String(required=True)
    status = one_of(REQUEST_STATUSES, required=True)
    recorded_at = fields.String(required=True)


# --- certificates ---------------------------------------------------------------------------------------------
class CertifiedRecordSchema(ContractSchema):
    record_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court = fields.String(required=True)
    offences = fields.List(fields.String(), required=True)
    penalty = fields.String(required=True)
    sentence_date = fields.String(required=True)
    final_date = fields.String(required=True)


class CertificateSchema(ContractSchema):
    certificate_id = fields.String(required=True)
    request_id = fields.String(required=True)
    serial = fields.String(required=True)
    verification_code = fields.String(required=True)
    status = one_of(CERTIFICATE_STATUSES, required=True)
    result = one_of(RESULTS, required=True)
    records = fields.List(fields.Nested(CertifiedRecordSchema), required=True)
    issued_at = fields.String(required=True)
    valid_until = fields.String(required=True)


class CertificateListSchema(ContractSchema):
    items = fields.List(fields.Nested(CertificateSchema), required=True)


class RevokeSchema(ContractSchema):
    reason = text(1000, required=True)


class DownloadQuerySchema(ContractSchema):
    code = pattern_text(DOWNLOAD_CODE_PATTERN, "Código de descarga inválido.", required=True,
                        metadata={"description": "Código de descarga (20 caracteres)"})


class PublicCertificateSchema(ContractSchema):
    """What anyone may learn from a verification code."""

    status = one_of(VERIFICATION_STATUSES, required=True)
    verification_code = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    id_number = fields.String(allow_none=True, required=True, metadata={"description": "CUI enmascarado"})
    serial = fields.String(allow_none=True, required=True)
    result = fields.String(allow_none=True, required=True)
    issued_at = fields.String(allow_none=True, required=True)
    valid_until = fields.String(allow_none=True, required=True)


class VerifyMetadataSchema(ContractSchema):
    """The ``metadata`` part of POST /api/v1/public/certificates/verify (may be {})."""


class PdfVerdictSchema(ContractSchema):
    signature = one_of(("valid", "invalid", "untrusted", "missing"), required=True,
                       metadata={"description": "valid: firma íntegra de la UNAP sobre todo el archivo"})
    registry = one_of(("issued", "not_issued"), required=True,
                      metadata={"description": "issued: el registro emitió exactamente este documento"})
    status = one_of(VERIFICATION_STATUSES, required=True)
    detail = fields.String(required=True)
    certificate = fields.Nested(PublicCertificateSchema, allow_none=True, required=True)
