"""Contracts of the filings service (expediente electrónico): RPC requests and responses."""
import datetime
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.paging import cursor_field, limit_field
from contracts.base import TEXT_PATTERN, ContractSchema, PersonSchema, hex_id, one_of, plain_text, text
from contracts.cui import cui_field

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
HEARING_ACTIVE_STATUSES = (HEARING_SCHEDULED, HEARING_RESCHEDULED)  # the ones that hold their room
MIN_HEARING_MINUTES, MAX_HEARING_MINUTES = 5, 600
# The roles each public matter's parties may have: who asks for amparo (postulante), the authority whose act is
# challenged (autoridad_impugnada), interested third parties; who denounces (denunciante) and the official
# (funcionario, with the office held) in an antejuicio; the Ministerio Público takes part in both.
MATTER_ROLES = {"amparo": ("postulante", "autoridad_impugnada", "tercero_interesado", "ministerio_publico"),
                "antejuicio": ("denunciante", "funcionario", "ministerio_publico")}
OFFICIAL_ROLE = "funcionario"
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


# An instant with its offset, as a hearing is scheduled: ISO 8601 (seconds and fractions optional) with "Z" or
# ±hh:mm, in this century. The pattern is what the OpenAPI document states, days of the calendar only (30 days
# hath September...; 29 February in the leap years of this century, every fourth from 2000), so a client can tell
# from the document that 2056-04-31 is refused; a value without an offset is refused (no guessing which clock the
# sender meant).
CALENDAR_DAY_PATTERN = (r"20\d{2}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12]\d|3[01])|(?:0[469]|11)-(?:0[1-9]|[12]\d|30)"
                        r"|02-(?:0[1-9]|1\d|2[0-8]))|20(?:[02468][048]|[13579][26])-02-29")
INSTANT_PATTERN = (rf"^(?:{CALENDAR_DAY_PATTERN})T([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{{1,6}})?)?"
                   r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$")
INSTANT_RE = re.compile(INSTANT_PATTERN)
_ANY_DAY_INSTANT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$")


class Instant(fields.String):
    """An ISO 8601 instant WITH its offset (INSTANT_PATTERN), loaded as an aware datetime in UTC."""

    def __init__(self, **kwargs):
        metadata = {"pattern": INSTANT_PATTERN, **kwargs.pop("metadata", {})}
        super().__init__(metadata=metadata, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text_value = super()._deserialize(value, attr, data, **kwargs)
        if not INSTANT_RE.match(text_value):
            if _ANY_DAY_INSTANT.match(text_value) and text_value.startswith("20"):
                try:
                    datetime.datetime.fromisoformat(text_value.replace("Z", "+00:00"))
                except ValueError:
                    raise ValidationError("La fecha u hora indicada no existe en el calendario.")
            try:
                naive = datetime.datetime.fromisoformat(text_value).tzinfo is None
            except ValueError:
                naive = False
            if naive:
                raise ValidationError("Indique la zona horaria de la fecha y hora (por ejemplo "
                                      "2026-03-10T09:00:00-06:00 o ...Z).")
            raise ValidationError("Debe ser una fecha y hora ISO 8601 con zona horaria, por ejemplo "
                                  "2026-03-10T09:00:00-06:00.")
        try:
            instant = datetime.datetime.fromisoformat(text_value.replace("Z", "+00:00"))
        except ValueError:
            raise ValidationError("La fecha u hora indicada no existe en el calendario.")
        return instant.astimezone(datetime.timezone.utc)


class PartySchema(ContractSchema):
    name = text(200, required=True)
    role = one_of(PARTY_ROLES, required=True)
    id_number = fields.String(required=False, allow_none=True,
                              validate=validate.Regexp(ID_NUMBER_RE, error="Número de identificación inválido."))
    office = text(200, required=False, metadata={"description": "Cargo del funcionario (solo rol funcionario)"})
    # (an absent property is said with "additionalProperties": false over the others, not with "not", which the
    # fuzzer's generator cannot follow inside a multipart body)
    openapi_rules = {"oneOf": [
        {"properties": {"name": {}, "role": {"enum": [r for r in PARTY_ROLES if r != OFFICIAL_ROLE]}, "id_number": {}},
         "additionalProperties": False},
        {"properties": {"role": {"enum": [OFFICIAL_ROLE]}}, "required": ["office"]},
    ]}

    @validates_schema
    def office_of_an_official(self, data, **kwargs):
        if data.get("role") == OFFICIAL_ROLE and "office" not in data:
            raise ValidationError("Indique el cargo del funcionario.", "office")
        if data.get("role") not in (None, OFFICIAL_ROLE) and "office" in data:
            raise ValidationError("Solo un funcionario lleva cargo.", "office")


class OpenCaseSchema(ContractSchema):
    """``metadata`` of POST /api/v1/cases."""

    court_id = court_id_field(required=True)
    matter = one_of(MATTERS, required=True)
    subject = text(500, required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True,
                          validate=validate.Length(min=1, max=50, error="Indique entre 1 y 50 partes."))
    represents = text(200, required=True)
    act_complained = text(4000, required=False, metadata={"description": "Acto reclamado (solo en amparo)"})
    # what JSON Schema can say of the matters (the roles an amparo or antejuicio party may have, the act complained
    # of); how many parties of each role a matter needs (domain.require_public_case_facts) it cannot
    # (act_complained absent: "additionalProperties": false over the other properties; see PartySchema)
    openapi_rules = {"oneOf": [
        {"properties": {"court_id": {}, "matter": {"enum": [m for m in MATTERS if m not in PUBLIC_MATTERS]},
                        "subject": {}, "parties": {}, "represents": {}},
         "additionalProperties": False},
        {"properties": {"matter": {"enum": ["amparo"]},
                        "parties": {"items": {"properties": {"role": {"enum": list(MATTER_ROLES["amparo"])}}}}},
         "required": ["act_complained"]},
        {"properties": {"court_id": {}, "matter": {"enum": ["antejuicio"]}, "subject": {}, "represents": {},
                        "parties": {"items": {"properties": {"role": {"enum": list(MATTER_ROLES["antejuicio"])}}}}},
         "additionalProperties": False},
    ]}

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
    stage = one_of(ALL_STAGES, required=False, metadata={
        "description": "Solo en amparo y antejuicio: la etapa a la que la resolución lleva el expediente; "
                       "debe seguir de la etapa actual (ver la tabla de etapas)"})


# --- hearings ----------------------------------------------------------------
class ScheduleHearingSchema(ContractSchema):
    """Body of POST /api/v1/cases/{case_number}/hearings."""

    kind = one_of(HEARING_KINDS, required=True)
    starts_at = Instant(required=True, metadata={"description": "Inicio, ISO 8601 con zona horaria; debe ser futuro"})
    duration_minutes = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=MIN_HEARING_MINUTES, max=MAX_HEARING_MINUTES,
        error=f"La duración debe estar entre {MIN_HEARING_MINUTES} y {MAX_HEARING_MINUTES} minutos."))
    room = text(100, required=True)
    mode = one_of(HEARING_MODES, required=True)
    notes = text(2000, required=False, allow_none=True)


class RescheduleHearingSchema(ContractSchema):
    """Body of POST /api/v1/hearings/{hearing_id}/reschedule: the room and duration stay unless given."""

    starts_at = Instant(required=True, metadata={"description": "Nuevo inicio, ISO 8601 con zona horaria; futuro"})
    duration_minutes = fields.Integer(required=False, strict=True, validate=validate.Range(
        min=MIN_HEARING_MINUTES, max=MAX_HEARING_MINUTES,
        error=f"La duración debe estar entre {MIN_HEARING_MINUTES} y {MAX_HEARING_MINUTES} minutos."))
    room = text(100, required=False)
    reason = text(1000, required=True)


class HearingConflictsQuerySchema(ContractSchema):
    """Query of GET /api/v1/cases/{case_number}/hearings/conflicts: the slot a hearing would take (the room and
    duration of ``hearing_id``, being moved, count only as given here)."""

    starts_at = Instant(required=True, metadata={"description": "Inicio, ISO 8601 con zona horaria"})
    duration_minutes = fields.Integer(required=True, validate=validate.Range(
        min=MIN_HEARING_MINUTES, max=MAX_HEARING_MINUTES,
        error=f"La duración debe estar entre {MIN_HEARING_MINUTES} y {MAX_HEARING_MINUTES} minutos."))
    room = text(100, required=True)
    hearing_id = hex_id(required=False, metadata={
        "description": "La audiencia que se reprograma (no choca consigo misma)"})


class HearingStatusSchema(ContractSchema):
    """Body of POST /api/v1/hearings/{hearing_id}/status."""

    status = one_of(HEARING_FINAL_STATUSES, required=True)
    reason = text(1000, required=True)


class ReserveCaseSchema(ContractSchema):
    """Body of POST /api/v1/cases/{case_number}/reserve."""

    reason = text(1000, required=True)


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


class HearingVersionSchema(ContractSchema):
    """One version of a hearing, as it stood after a change (version 1: as scheduled)."""

    version = fields.Integer(required=True)
    kind = fields.String(required=True)
    starts_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})
    ends_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})
    duration_minutes = fields.Integer(required=True)
    room = fields.String(required=True)
    mode = fields.String(required=True)
    status = one_of(HEARING_STATUSES, required=True)
    reason = fields.String(allow_none=True, required=True)
    changed_at = fields.String(required=True)
    changed_by = fields.Nested(PersonSchema, required=True)


class HearingSchema(HearingVersionSchema):
    """A hearing as it stands (its latest version)."""

    hearing_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    notes = fields.String(allow_none=True, required=True)


class HearingDetailSchema(HearingSchema):
    """A hearing with every version, oldest first, the last as it stands (each change is a new version; none is
    ever overwritten)."""

    versions = fields.List(fields.Nested(HearingVersionSchema), required=True)


class HearingConflictSchema(ContractSchema):
    """The hearing that holds the room then: what 409 hearing_conflict names, with its Spanish message."""

    hearing_id = fields.String(required=True)
    case_number = fields.String(required=True)
    room = fields.String(required=True)
    starts_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})
    ends_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})
    message = fields.String(required=True)


class HearingConflictsSchema(ContractSchema):
    available = fields.Boolean(required=True, metadata={"description": "La sala está libre en ese horario"})
    conflict = fields.Nested(HearingConflictSchema, allow_none=True, required=True)


class ReservationSchema(ContractSchema):
    reason = fields.String(required=True)
    reserved_at = fields.String(required=True)
    reserved_by = fields.Nested(PersonSchema, required=True)


class CaseReservedResponseSchema(ContractSchema):
    case_number = fields.String(required=True)
    reserved = fields.Boolean(required=True)
    case_version = fields.Integer(required=True)
    reservation = fields.Nested(ReservationSchema, required=True)


class CaseSchema(ContractSchema):
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    matter = fields.String(required=True)
    subject = fields.String(required=True)
    opened_at = fields.String(required=True)
    case_version = fields.Integer(required=True, metadata={
        "description": "1 al abrirse; uno más por cada resolución y por la reserva"})
    reserved = fields.Boolean(required=True)
    reservation = fields.Nested(ReservationSchema, allow_none=True, required=True,
                                metadata={"description": "Quién la reservó y por qué (null en familia: reservado por su materia)"})
    stage = fields.String(allow_none=True, required=True, metadata={"description": "Etapa actual (amparo y antejuicio)"})
    act_complained = fields.String(allow_none=True, required=True)
    parties = fields.List(fields.Nested(PartySchema), required=True)
    attorneys = fields.List(fields.Nested(AttorneySchema), required=True)
    entries = fields.List(fields.Nested(EntrySchema), required=True)
    hearings = fields.List(fields.Nested(HearingSchema), required=True)


class PendingFilingSchema(ContractSchema):
    filing_id = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    received_at = fields.String(required=True)
    filed_by = fields.Nested(PersonSchema, required=True)
    represents = fields.String(allow_none=True, load_default=None, metadata={
        "description": "La parte por la que actúa quien lo presentó (en un apersonamiento, la parte que nombra)"})


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


# --- appearing in a case (apersonamiento): what a lawyer off the case may know of it ------------------
class AppearancePartySchema(ContractSchema):
    """A party as a lawyer appearing for one sees it: its name and role, never its id number."""

    name = fields.String(required=True)
    role = fields.String(required=True)


class PendingAppearanceSchema(ContractSchema):
    filing_id = fields.String(required=True)
    represents = fields.String(required=True)
    received_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})


class AppearanceFactsSchema(ContractSchema):
    """GET /api/v1/cases/{case_number}/appearance: what a signed-in lawyer needs to appear in a case (to name the
    party they represent), and no more: no subject, id numbers, attorneys, docket, documents nor hearings."""

    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    matter = fields.String(required=True)
    parties = fields.List(fields.Nested(AppearancePartySchema), required=True)
    on_case = fields.Boolean(required=True, metadata={"description": "Quien pregunta ya actúa en el expediente"})
    represents = fields.List(fields.String(), required=True, metadata={
        "description": "Las partes por las que quien pregunta ya actúa (vacía si no actúa)"})
    pending_appearance = fields.Nested(PendingAppearanceSchema, allow_none=True, required=True, metadata={
        "description": "Su apersonamiento que espera la calificación del secretario (null si no hay)"})


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
    stage = fields.String(allow_none=True, load_default=None,
                          metadata={"description": "La etapa a la que llevó el expediente (amparo y antejuicio)"})
    case_version = fields.Integer(allow_none=True, load_default=None)


# --- internal: the snapshot the public read model is rebuilt from (RPC public_snapshot) ---------
SNAPSHOT_KINDS = ("cases", "resolutions", "hearings")
MAX_SNAPSHOT_PAGE = 1000


class SnapshotQuerySchema(ContractSchema):
    kind = one_of(SNAPSHOT_KINDS, required=True)
    after = fields.String(required=False, allow_none=True, validate=validate.Length(max=64))
    limit = fields.Integer(required=False, strict=True, validate=validate.Range(
        min=1, max=MAX_SNAPSHOT_PAGE, error=f"Entre 1 y {MAX_SNAPSHOT_PAGE}."))


# --- a sentence declared final (firme): its convictions go to the criminal-record registry ---------------
MAX_CONVICTIONS = 50
MAX_CONVICTION_OFFENCES = 20


class ConvictionSchema(ContractSchema):
    """One person a final sentence convicts."""

    name = text(200, required=True, metadata={"description": "Nombre completo de la persona condenada"})
    id_number = cui_field(required=True)
    offences = fields.List(text(300), required=True, validate=validate.Length(
        min=1, max=MAX_CONVICTION_OFFENCES, error=f"Entre 1 y {MAX_CONVICTION_OFFENCES} delitos."))
    penalty = text(500, required=True, metadata={"description": "Pena impuesta"})


class FinalSentenceSchema(ContractSchema):
    """Body of POST /api/v1/resolutions/{resolution_id}/final: who the sentence convicts, each once."""

    convictions = fields.List(fields.Nested(ConvictionSchema), required=True, validate=validate.Length(
        min=1, max=MAX_CONVICTIONS, error=f"Entre 1 y {MAX_CONVICTIONS} condenas."))

    @validates_schema
    def one_per_person(self, data, **kwargs):
        numbers = [c["id_number"] for c in data.get("convictions") or []]
        if len(numbers) != len(set(numbers)):
            raise ValidationError("Cada persona (CUI) aparece una sola vez.", "convictions")


class FinalSentenceDeclaredSchema(ContractSchema):
    """A sentence declared final, as filings keeps it (once per resolution)."""

    resolution_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    sentence_date = fields.String(required=True, metadata={"description": "Fecha local de la sentencia (AAAA-MM-DD)"})
    declared_at = fields.String(required=True)
    declared_by = fields.Nested(PersonSchema, required=True)
    convictions = fields.List(fields.Nested(ConvictionSchema), required=True)
