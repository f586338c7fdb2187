"""Contracts of the mailbox service (casillero electrónico): RPC requests and responses.

Requests are strict (unknown fields are a 422 naming the field); query strings
arrive as text and are converted here, so every caller gets the same checks.
"""
import re

from marshmallow import INCLUDE, ValidationError, fields, validate, validates_schema

from contracts.base import ContractSchema, PersonSchema, hex_id, one_of, text
from contracts.filings import CASE_NUMBER_RE, court_id_field
from contracts.live import live_changes_schema
from contracts.paging import cursor_field, limit_field

NOTIFICATION_STATUSES = ("unread", "served", "pending")
SERVED_BY = ("access", "lapse")
MAX_EMAIL_LENGTH = 254
NOTIFICATION_ID_RE = re.compile(r"^[0-9a-f]{32}$")


def case_number_field(**kwargs):
    return fields.String(validate=validate.Regexp(CASE_NUMBER_RE, error="El número de expediente tiene la forma "
                                                                        "CCCCC-AAAA-NNNNN."), **kwargs)


class StrictBoolean(fields.Boolean):
    """Only JSON true/false (not "true", 1 or "yes")."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


# --- requests ----------------------------------------------------------------
class ProfileSchema(ContractSchema):
    """Body of PUT /api/v1/mailbox/profile: where to send alerts, and the consent to send them."""

    email = fields.Email(required=True, allow_none=True,
                         validate=validate.Length(max=MAX_EMAIL_LENGTH, error=f"Máximo {MAX_EMAIL_LENGTH} caracteres."),
                         metadata={"description": "Correo para avisos; null para no registrar ninguno"})
    openapi_rules = {"oneOf": [
        {"properties": {"alerts": {"enum": [False]}}},
        {"properties": {"alerts": {"enum": [True]}, "email": {"type": "string"}}},
    ]}
    alerts = StrictBoolean(required=True,
                            metadata={"description": "true: enviar un aviso por correo al recibir una notificación"})

    @validates_schema
    def alerts_need_an_email(self, data, **kwargs):
        if data.get("alerts") and not data.get("email"):
            raise ValidationError("Para recibir avisos indique un correo electrónico.", "email")


class ListNotificationsQuerySchema(ContractSchema):
    """Query of GET /api/v1/mailbox/notifications."""

    status = one_of(NOTIFICATION_STATUSES, required=False,
                    metadata={"description": "unread: nunca abiertas; served: notificadas (por acceso o por "
                                             "transcurso del plazo); pending: notificadas con plazo en curso"})
    case_number = case_number_field(required=False)
    from_ = fields.Date(required=False, data_key="from",
                        metadata={"description": "Fecha local (AAAA-MM-DD) mínima de puesta a disposición"})
    to = fields.Date(required=False,
                     metadata={"description": "Fecha local (AAAA-MM-DD) máxima de puesta a disposición"})
    limit = limit_field(100, required=False)
    cursor = cursor_field(required=False)

    @validates_schema
    def range_in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("La fecha inicial no puede ser posterior a la final.", "from")


class CaseNotificationsQuerySchema(ContractSchema):
    """Query of GET /api/v1/cases/{case_number}/notifications."""

    resolution_id = hex_id(required=False)
    limit = limit_field(500, required=False)
    cursor = cursor_field(required=False)


class ClosureRequestSchema(ContractSchema):
    """Body of POST /api/v1/calendar/closures: one day a court (or every court) is closed."""

    date = fields.Date(required=True, metadata={"description": "Día de cierre, AAAA-MM-DD (fecha local)"})
    court_id = court_id_field(required=True, allow_none=True,
                              metadata={"description": "Tribunal; null = todos los tribunales"})
    reason = text(300, required=True)


class ListClosuresQuerySchema(ContractSchema):
    court_id = court_id_field(required=False)
    year = fields.Integer(required=False, validate=validate.Range(min=1900, max=2100, error="Entre 1900 y 2100."))


class HolidaysQuerySchema(ContractSchema):
    year = fields.Integer(required=False, validate=validate.Range(min=1900, max=2100, error="Entre 1900 y 2100."))


# --- responses -----------------------------------------------------------------
class ProfileResponseSchema(ContractSchema):
    email = fields.String(allow_none=True)
    alerts = fields.Boolean(required=True)
    updated_at = fields.String(allow_none=True)


class NotificationListItemSchema(ContractSchema):
    """A notice in the mailbox list: everything but its content (summary and document are shown on opening)."""

    notification_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    resolution_id = fields.String(required=True)
    resolution_kind = fields.String(required=True)
    folio = fields.Integer(required=True)
    term_days = fields.Integer(allow_none=True)
    issued_at = fields.String(required=True)
    available_at = fields.String(required=True)
    deemed_service_at = fields.String(required=True)
    accessed_at = fields.String(allow_none=True)
    served_at = fields.String(allow_none=True)
    served_by = fields.String(allow_none=True)
    due_date = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)
    opened = fields.Boolean(required=True)
    status = one_of(("unread", "pending", "served"), required=True)


class NotificationSchema(NotificationListItemSchema):
    """The opened notice (its first opening is the access)."""

    recipient = fields.Nested(PersonSchema, required=True)
    summary = fields.String(required=True)
    document_id = fields.String(required=True)
    document_sha256 = fields.String(required=True)
    document_size = fields.Integer(required=True)
    document_filename = fields.String(required=True)


class NotificationListSchema(ContractSchema):
    items = fields.List(fields.Nested(NotificationListItemSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class DueSoonItemSchema(ContractSchema):
    notification_id = fields.String(required=True)
    case_number = fields.String(required=True)
    resolution_kind = fields.String(required=True)
    due_date = fields.String(required=True)
    due_at = fields.String(required=True)
    business_days_left = fields.Integer(required=True)


class DueSoonSchema(ContractSchema):
    business_days = fields.Integer(required=True)
    count = fields.Integer(required=True)
    items = fields.List(fields.Nested(DueSoonItemSchema), required=True)


class SummarySchema(ContractSchema):
    unread = fields.Integer(required=True)
    served = fields.Integer(required=True)
    due_soon = fields.Nested(DueSoonSchema, required=True)


class BoardItemSchema(ContractSchema):
    notification_id = fields.String(required=True)
    recipient = fields.Nested(PersonSchema, required=True)
    resolution_id = fields.String(required=True)
    resolution_kind = fields.String(required=True)
    folio = fields.Integer(required=True)
    available_at = fields.String(required=True)
    deemed_service_at = fields.String(required=True)
    accessed_at = fields.String(allow_none=True)
    served_at = fields.String(allow_none=True)
    served_by = fields.String(allow_none=True)
    due_date = fields.String(allow_none=True)


class BoardSchema(ContractSchema):
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    items = fields.List(fields.Nested(BoardItemSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class EvidenceSubmissionSchema(ContractSchema):
    """Body of POST /api/v1/public/evidence/verify: any JSON object. Judging what it holds is the verifier's
    work, and its verdict names every field that is missing, added, retyped or altered; only a body that is
    not a JSON object at all (or that the bus cannot carry) is refused before it."""

    class Meta:
        unknown = INCLUDE


class EvidenceFieldsSchema(ContractSchema):
    notification_id = fields.String(required=True)
    recipient = fields.Dict(required=True, metadata={"description": "{sub, name}"})
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    resolution_id = fields.String(required=True)
    resolution_kind = fields.String(required=True)
    summary = fields.String(required=True)
    document_id = fields.String(required=True)
    document_sha256 = fields.String(required=True)
    issued_at = fields.String(required=True)
    available_at = fields.String(required=True)
    accessed_at = fields.String(allow_none=True)
    served_at = fields.String(allow_none=True)
    served_by = fields.String(allow_none=True)
    term_days = fields.Integer(allow_none=True)
    due_date = fields.String(allow_none=True)
    generated_at = fields.String(required=True)


class EvidenceDocumentSchema(ContractSchema):
    """Acuse de recibo: the evidence fields and an Ed25519 signature over their canonical JSON."""

    evidence = fields.Nested(EvidenceFieldsSchema, required=True)
    algorithm = fields.String(required=True)
    key_id = fields.String(required=True)
    signature = fields.String(required=True, metadata={"description": "base64 de la firma de 64 bytes"})


class VerifyErrorSchema(ContractSchema):
    field = fields.String(required=True)
    code = fields.String(required=True)
    message = fields.String(required=True)


class VerifyResultSchema(ContractSchema):
    valid = fields.Boolean(required=True)
    key_id = fields.String(allow_none=True)
    errors = fields.List(fields.Nested(VerifyErrorSchema), required=True)
    altered_fields = fields.List(fields.String(), required=True,
                                 metadata={"description": "Campos de la evidencia que no coinciden con el registro"})
    superseded_fields = fields.List(fields.String(), required=True,
                                    metadata={"description": "Campos válidos en su momento que cambiaron después "
                                                             "(p. ej. el acceso posterior a la evidencia)"})


class PublicKeySchema(ContractSchema):
    key_id = fields.String(required=True)
    algorithm = fields.String(required=True)
    public_key = fields.String(required=True, metadata={"description": "Clave pública Ed25519 de 32 bytes, base64"})
    status = one_of(("active", "retired"), required=True)


class PublicKeyListSchema(ContractSchema):
    keys = fields.List(fields.Nested(PublicKeySchema), required=True)


class ClosureSchema(ContractSchema):
    closure_id = fields.String(required=True)
    date = fields.String(required=True)
    court_id = fields.String(allow_none=True)
    reason = fields.String(required=True)
    created_by = fields.String(required=True)
    created_at = fields.String(required=True)


class ClosureListSchema(ContractSchema):
    items = fields.List(fields.Nested(ClosureSchema), required=True)


class HolidaySchema(ContractSchema):
    date = fields.String(required=True)
    name = fields.String(required=True)
    half_day = fields.Boolean(required=True)


class HolidayListSchema(ContractSchema):
    year = fields.Integer(required=True)
    items = fields.List(fields.Nested(HolidaySchema), required=True)


# --- internal RPC of the filings service used by the mailbox -------------------------------
class CaseCourtSchema(ContractSchema):
    court_id = fields.String(required=True)


# --- real time (GET /api/v1/mailbox/stream) ---------------------------------------------------------------------------
LIVE_TYPES = ("notification_available", "notification_opened")  # services.mailbox.live.TYPES
# the request: contracts.live.OwnedLiveChangesRequestSchema
MailboxLiveChangesSchema = live_changes_schema(LIVE_TYPES)
