"""Contracts of the filings service (expediente electrónico): RPC requests and responses."""
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.paging import cursor_field, limit_field
from contracts.base import TEXT_PATTERN, ContractSchema, PersonSchema, one_of, plain_text, text

MATTERS = ("civil", "penal", "laboral", "familia", "amparo", "antejuicio")
PARTY_ROLES = ("actor", "demandado", "tercero", "querellante", "agraviado", "sindicado",
               "ministerio_publico", "amparista", "autoridad_impugnada", "denunciante", "denunciado",
               "postulante", "tercero_interesado", "funcionario")
# Matters whose cases the law makes public (their parties, stage, actuaciones and decisions), and the one
# whose cases are always reserved (never shown to the public).
PUBLIC_MATTERS = ("amparo", "antejuicio")
ALWAYS_RESERVED_MATTERS = ("familia",)
# The stage of an amparo or antejuicio case: "ingresado" when opened, then each resolution may move it
# (services.filings.domain says which stage follows which).
INITIAL_STAGE = "ingresado"
AMPARO_STAGES = ("admitido", "amparo_provisional_otorgado", "amparo_provisional_denegado",
                 "informe_circunstanciado", "vista", "sentencia_otorga", "sentencia_deniega", "apelado",
                 "ejecutoriado", "archivado")
ANTEJUICIO_STAGES = ("rechazado_in_limine", "juez_pesquisidor_designado", "informe_pesquisidor",
                     "ha_lugar_formacion_causa", "no_ha_lugar", "archivado")
STAGES = {"amparo": AMPARO_STAGES, "antejuicio": ANTEJUICIO_STAGES}
ALL_STAGES = tuple(dict.fromkeys((INITIAL_STAGE, *AMPARO_STAGES, *ANTEJUICIO_STAGES)))
# Hearings (audiencias)
HEARING_KINDS = ("primera_declaracion", "etapa_intermedia", "debate", "conciliacion", "juicio_oral", "vista",
                 "ofrecimiento_prueba", "otra")
HEARING_MODES = ("presencial", "virtual")
HEARING_SCHEDULED, HEARING_RESCHEDULED = "programada", "reprogramada"
HEARING_FINAL_STATUSES = ("realizada", "suspendida", "cancelada")  # what POST /hearings/{id}/status may set
HEARING_STATUSES = (HEARING_SCHEDULED, HEARING_RESCHEDULED, *HEARING_FINAL_STATUSES)
FILING_KINDS = ("escrito", "apersonamiento", "memorial", "contestacion", "recurso", "evidencia")
INITIAL_FILING_KIND = "demanda"
FILING_STATUSES = ("received", "accepted", "rejected")
RESOLUTION_KINDS = ("decreto", "auto", "sentencia")
REVIEW_DECISIONS = ("accept", "reject")

COURT_ID_RE = re.compile(r"^\d{5}$")
CASE_NUMBER_PATTERN = r"^\d{5}-\d{4}-\d{5}$"
CASE_NUMBER_RE = re.compile(CASE_NUMBER_PATTERN)
ID_NUMBER_RE = r"^[0-9A-Za-z\- ]{1,32}$"


def court_id_field(**kwargs):
    return fields.String(validate=validate.Regexp(COURT_ID_RE, error="El código de tribunal tiene 5 dígitos."), **kwargs)


class PartySchema(ContractSchema):
    name = text(200, required=True)
    role = one_of(PARTY_ROLES, required=True)
    id_number = fields.String(required=False, allow_none=True,
                              validate=validate.Regexp(ID_NUMBER_RE, error="Número de identificación inválido."))


class OpenCaseSchema(ContractSchema):
    """``metadata`` of POST /api/v1/cases."""

    court_id = court_id_field(required=True)
    matter = one_of(MATTERS, required=True)
    subject = text(500, required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True,
                          validate=validate.Length(min=1, max=50, error="Indique entre 1 y 50 partes."))
    represents = text(200, required=True)

    @validates_schema
    def represented_party_exists(self, data, **kwargs):
        names = [p["name"] for p in data.get("parties", [])]
        if "represents" in data and names and data["represents"] not in names:
            raise ValidationError("Debe ser el nombre de una de las partes del caso.", "represents")
        if len(set(n.casefold() for n in names)) != len(names):
            raise ValidationError("Hay partes con el mismo nombre.", "parties")


class FilingMetadataSchema(ContractSchema):
    """``metadata`` of POST /api/v1/cases/{case_number}/filings."""

    kind = one_of(FILING_KINDS, required=True)
    summary = text(1000, required=True)
    represents = text(200, required=False, allow_none=True)
    openapi_rules = {"oneOf": [
        {"properties": {"kind": {"enum": [k for k in FILING_KINDS if k != "apersonamiento"]}}},
        {"properties": {"kind": {"enum": ["apersonamiento"]}, "represents": {"type": "string"}},
         "required": ["represents"]},
    ]}

    @validates_schema
    def appearance_names_party(self, data, **kwargs):
        if data.get("kind") == "apersonamiento" and not data.get("represents"):
            raise ValidationError("Un apersonamiento debe indicar la parte que representa.", "represents")


class ReviewSchema(ContractSchema):
    decision = one_of(REVIEW_DECISIONS, required=True)
    reason = plain_text(2000, required=False, allow_none=True)
    openapi_rules = {"oneOf": [
        {"properties": {"decision": {"enum": ["accept"]}}},
        {"properties": {"decision": {"enum": ["reject"]}, "reason": {"type": "string", "pattern": TEXT_PATTERN}},
         "required": ["reason"]},
    ]}

    @validates_schema
    def rejection_has_reason(self, data, **kwargs):
        if data.get("decision") == "reject" and not (data.get("reason") or "").strip():
            raise ValidationError("Un rechazo debe indicar el motivo.", "reason")


class ResolutionMetadataSchema(ContractSchema):
    kind = one_of(RESOLUTION_KINDS, required=True)
    summary = text(2000, required=True)
    term_days = fields.Integer(required=False, allow_none=True, strict=True,
                               validate=validate.Range(min=1, max=365, error="El plazo debe estar entre 1 y 365 días hábiles."))


class ListCasesQuerySchema(ContractSchema):
    status = one_of(FILING_STATUSES, required=False)
    limit = limit_field(200, required=False)
    cursor = cursor_field(required=False)


# --- responses -------------------------------------------------------------
class CourtSchema(ContractSchema):
    court_id = fields.String(required=True)
    name = fields.String(required=True)
    matters = fields.List(fields.String(), required=True)


class CourtListSchema(ContractSchema):
    items = fields.List(fields.Nested(CourtSchema), required=True)


class DocumentInfoSchema(ContractSchema):
    document_id = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    pages = fields.Integer(required=True)


class ReceiptSchema(ContractSchema):
    """Constancia de presentación."""

    filing_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    filed_by = fields.Nested(PersonSchema, required=True)
    received_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})
    status = fields.String(required=True)
    documents = fields.List(fields.Nested(DocumentInfoSchema), required=True)


class OpenCaseResponseSchema(ContractSchema):
    case_number = fields.String(required=True)
    receipt = fields.Nested(ReceiptSchema, required=True)


class ReviewInfoSchema(ContractSchema):
    decision = fields.String(required=True)
    reason = fields.String(allow_none=True)
    reviewed_by = fields.Nested(PersonSchema, required=True)
    reviewed_at = fields.String(required=True)


class FilingSchema(ReceiptSchema):
    represents = fields.String(allow_none=True)
    folio = fields.Integer(allow_none=True)
    review = fields.Nested(ReviewInfoSchema, allow_none=True)


class AttorneySchema(PersonSchema):
    represents = fields.String(required=True)
    since = fields.String(required=True)


class EntrySchema(ContractSchema):
    folio = fields.Integer(required=True)
    type = one_of(("filing", "resolution"), required=True)
    id = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    at = fields.String(required=True)
    by = fields.Nested(PersonSchema, required=True)
    term_days = fields.Integer(allow_none=True)
    documents = fields.List(fields.Nested(DocumentInfoSchema), required=True)


class CaseSchema(ContractSchema):
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    matter = fields.String(required=True)
    subject = fields.String(required=True)
    opened_at = fields.String(required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True)
    attorneys = fields.List(fields.Nested(AttorneySchema), required=True)
    entries = fields.List(fields.Nested(EntrySchema), required=True)


class PendingFilingSchema(ContractSchema):
    filing_id = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    received_at = fields.String(required=True)
    filed_by = fields.Nested(PersonSchema, required=True)


class CaseSummarySchema(ContractSchema):
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    matter = fields.String(required=True)
    subject = fields.String(required=True)
    opened_at = fields.String(required=True)
    pending_filings = fields.List(fields.Nested(PendingFilingSchema), required=True)


class CaseListSchema(ContractSchema):
    items = fields.List(fields.Nested(CaseSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ResolutionSchema(ContractSchema):
    resolution_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    term_days = fields.Integer(allow_none=True)
    folio = fields.Integer(required=True)
    issued_at = fields.String(required=True)
    issued_by = fields.Nested(PersonSchema, required=True)
    document = fields.Nested(DocumentInfoSchema, required=True)
    recipients = fields.List(fields.String(), required=True)
