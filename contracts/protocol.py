"""Contracts of the notarial protocol archive (Archivo General de Protocolos): notaries, deposits of
testimonios especiales, the annual index, the remote look-up and certified copies.

What OpenAPI 3.0 cannot state (an ``authorized_at`` not in the future and inside ``year``; an observation
needs its reason; a search's ``from`` <= ``to``; the PDF of a deposit) is checked by the service and is a
documented exception of the fuzzer (tests/fuzz/schemathesis.toml).
"""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.base import ContractSchema, one_of, pattern_text, text
from contracts.certificates import PaymentSchema
from contracts.paging import cursor_field, limit_field
from services.certificates.protocol import domain

BAR_NUMBER_PATTERN = r"^[0-9]{1,8}$"
MAX_GRANTORS = 50
MAX_INDEX_ENTRIES = 1000  # the JSON body is at most 64 KB: 1,000 entries of the longest form fit
MAX_NUMBER = 100_000
MIN_YEAR, MAX_YEAR = 1900, 2100
MAX_SEARCH_LIMIT = 100


def bar_number_field(**kwargs):
    return pattern_text(BAR_NUMBER_PATTERN, "Número de colegiado inválido: de 1 a 8 dígitos.",
                        metadata={"description": "Número de colegiado del notario"}, **kwargs)


def year_field(**kwargs):
    return fields.Integer(validate=validate.Range(min=MIN_YEAR, max=MAX_YEAR, error=f"Entre {MIN_YEAR} y {MAX_YEAR}."),
                          **kwargs)


def number_field(**kwargs):
    return fields.Integer(validate=validate.Range(min=1, max=MAX_NUMBER, error=f"Entre 1 y {MAX_NUMBER}."), **kwargs)


# --- notaries ------------------------------------------------------------------------------------------------
class NotaryCreateSchema(ContractSchema):
    """Body of POST /api/v1/protocol/notaries (AGP staff)."""

    bar_number = bar_number_field(required=True)
    name = text(200, required=True)
    registered_at = fields.Date(required=True, metadata={"description": "Fecha de registro (AAAA-MM-DD), no futura"})


class NotaryStatusSchema(ContractSchema):
    """Body of POST /api/v1/protocol/notaries/{bar_number}/status (AGP staff)."""

    status = one_of(domain.NOTARY_STATUSES, required=True)
    since = fields.Date(required=True, metadata={"description": "Desde cuándo (AAAA-MM-DD), no futura"})
    reason = text(1000, required=True)


class NotarySchema(ContractSchema):
    bar_number = fields.String(required=True)
    name = fields.String(required=True)
    registered_at = fields.String(required=True)
    status = one_of(domain.NOTARY_STATUSES, required=True)
    status_since = fields.String(required=True)
    status_reason = fields.String(allow_none=True, required=True)
    history = fields.List(fields.Dict(), required=True, metadata={"description": "Cambios de estado, el más "
                                                                                "reciente al final"})


# --- deposits --------------------------------------------------------------------------------------------------
class GrantorSchema(ContractSchema):
    name = text(200, required=True)
    id_number = pattern_text(r"^[0-9A-Za-z-]{4,20}$", "Documento de identificación inválido.", required=False,
                             allow_none=True, metadata={"description": "DPI/CUI o pasaporte; nunca se muestra en "
                                                                       "las consultas"})
    role = text(60, required=True, metadata={"description": "Calidad con que comparece (vendedor, comprador, "
                                                            "otorgante, testador...)"})


class DepositMetadataSchema(ContractSchema):
    """The ``metadata`` part of POST /api/v1/protocol/instruments (the testimonio's PDF beside it)."""

    year = year_field(required=True)
    number = number_field(required=True)
    authorized_at = fields.Date(required=True, metadata={"description": "Fecha de autorización (AAAA-MM-DD): no "
                                                                        "futura y dentro de year"})
    place = text(200, required=True)
    act_type = one_of(domain.ACT_TYPES, required=True)
    grantors = fields.List(fields.Nested(GrantorSchema), required=True, validate=validate.Length(
        min=1, max=MAX_GRANTORS, error=f"Entre 1 y {MAX_GRANTORS} otorgantes."))
    summary = text(2000, required=True)
    pages = fields.Integer(required=True, validate=validate.Range(min=1, max=5000, error="Entre 1 y 5000."))
    correction = fields.Boolean(required=False, metadata={
        "description": "true: corrige el depósito vigente de ese número (nueva versión; la anterior se conserva)"})

    @validates_schema
    def date_in_year(self, data, **kwargs):
        if data.get("authorized_at") and data.get("year") and data["authorized_at"].year != data["year"]:
            raise ValidationError(f"Debe estar dentro del año {data['year']}.", "authorized_at")


class TestimonioInfoSchema(ContractSchema):
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    sha256 = fields.String(required=True)
    pages = fields.Integer(required=True)


class PublicGrantorSchema(ContractSchema):
    name = fields.String(required=True)
    role = fields.String(required=True)


class InstrumentSchema(ContractSchema):
    """An instrument as the index shows it; a will (secret) to anyone but its notary and AGP staff shows
    ``grantors: []`` and ``summary: null``. Never a grantor's id number."""

    instrument_id = fields.String(required=True)
    bar_number = fields.String(required=True)
    notary_name = fields.String(required=True)
    year = fields.Integer(required=True)
    number = fields.Integer(required=True)
    version = fields.Integer(required=True)
    authorized_at = fields.String(required=True)
    place = fields.String(required=True)
    act_type = one_of(domain.ACT_TYPES, required=True)
    grantors = fields.List(fields.Nested(PublicGrantorSchema), required=True)
    summary = fields.String(allow_none=True, required=True)
    secret = fields.Boolean(required=True, metadata={"description": "Testamento: solo consta que existe"})
    pages = fields.Integer(required=True)
    deposited_at = fields.String(required=True)


class DepositSchema(InstrumentSchema):
    """What the notary and AGP staff see of a deposit."""

    deadline = fields.String(required=True, metadata={"description": "Último día hábil para depositar (art. 37)"})
    extemporaneo = fields.Boolean(required=True)
    business_days_late = fields.Integer(required=True)
    review = one_of((domain.REVIEW_PENDING, domain.REVIEW_ACCEPTED, domain.REVIEW_OBSERVED), required=True)
    review_reason = fields.String(allow_none=True, required=True)
    current = fields.Boolean(required=True, metadata={"description": "false: una corrección posterior la sustituye"})
    supersedes = fields.String(allow_none=True, required=True)
    document = fields.Nested(TestimonioInfoSchema, required=True)


class InstrumentSearchQuerySchema(ContractSchema):
    """Query of GET /api/v1/protocol/instruments: any of the criteria, combined."""

    bar_number = bar_number_field(required=False)
    notary = text(200, required=False, metadata={"description": "Nombre del notario (palabras o su comienzo)"})
    year = year_field(required=False)
    number = number_field(required=False)
    act_type = one_of(domain.ACT_TYPES, required=False)
    grantor = text(200, required=False, metadata={
        "description": "Nombre de un otorgante: sin importar mayúsculas, tildes ni el orden de las palabras; "
                       "palabras parciales (su comienzo)"})
    from_ = fields.Date(data_key="from", required=False, metadata={"description": "Autorizado desde (AAAA-MM-DD)"})
    to = fields.Date(required=False, metadata={"description": "Autorizado hasta (AAAA-MM-DD)"})
    limit = limit_field(MAX_SEARCH_LIMIT, required=False)
    cursor = cursor_field(required=False)

    @validates_schema
    def dates_in_order(self, data, **kwargs):
        if data.get("from_") and data.get("to") and data["from_"] > data["to"]:
            raise ValidationError("Debe ser posterior o igual a from.", "to")


class InstrumentPageSchema(ContractSchema):
    items = fields.List(fields.Nested(InstrumentSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class DepositReviewSchema(ContractSchema):
    """Body of POST /api/v1/protocol/instruments/{instrument_id}/review (AGP staff)."""

    decision = one_of(("accept", "observe"), required=True)
    reason = text(1000, required=False, allow_none=True, metadata={"description": "Obligatoria al observar"})

    @validates_schema
    def reason_to_observe(self, data, **kwargs):
        if data.get("decision") == "observe" and not data.get("reason"):
            raise ValidationError("Indique por qué se observa el depósito.", "reason")


# --- the annual index -------------------------------------------------------------------------------------------
class IndexEntrySchema(ContractSchema):
    number = number_field(required=True)
    act_type = one_of(domain.ACT_TYPES, required=False)


class IndexSubmitSchema(ContractSchema):
    """Body of POST /api/v1/protocol/indexes/{year} (the notary): the year's instruments."""

    instruments = fields.List(fields.Nested(IndexEntrySchema), required=True, validate=validate.Length(
        min=0, max=MAX_INDEX_ENTRIES, error=f"Máximo {MAX_INDEX_ENTRIES} instrumentos."))

    @validates_schema
    def numbers_once(self, data, **kwargs):
        numbers = [e["number"] for e in data.get("instruments") or []]
        if len(numbers) != len(set(numbers)):
            raise ValidationError("Cada número aparece una sola vez en el índice.", "instruments")


class YearReportSchema(ContractSchema):
    """A notary's year as AGP sees it: deposits late, missing and observed, and the index compared."""

    bar_number = fields.String(required=True)
    year = fields.Integer(required=True)
    deposited = fields.Integer(required=True)
    late = fields.List(fields.Dict(), required=True, metadata={"description": "{number, business_days_late}"})
    missing = fields.List(fields.Integer(), required=True, metadata={"description": "Números saltados"})
    observed = fields.List(fields.Dict(), required=True, metadata={"description": "{number, instrument_id, reason}"})
    index_submitted_at = fields.String(allow_none=True, required=True)
    in_index_not_deposited = fields.List(fields.Integer(), required=True)
    deposited_not_in_index = fields.List(fields.Integer(), required=True)
    act_type_mismatch = fields.List(fields.Integer(), required=True)


# --- certified copies ---------------------------------------------------------------------------------------------
class CopyRequestSchema(ContractSchema):
    """Body of POST /api/v1/protocol/instruments/{instrument_id}/copies."""

    kind = one_of(domain.COPY_KINDS, required=True)
    purpose = text(500, required=True)


class ApproveSchema(ContractSchema):
    """Body of POST /api/v1/protocol/copies/{copy_id}/approve (AGP staff)."""

    note = text(1000, required=False, allow_none=True)
    death_certificate_reviewed = fields.Boolean(required=False, metadata={
        "description": "Copia de un testamento pedida por quien no es su notario: el oficial revisó la "
                       "certificación de defunción del testador"})


class CopyRevokeSchema(ContractSchema):
    reason = text(1000, required=True)


class CopySchema(ContractSchema):
    copy_id = fields.String(required=True)
    instrument_id = fields.String(required=True)
    kind = one_of(domain.COPY_KINDS, required=True)
    purpose = fields.String(required=True)
    status = one_of(domain.COPY_STATUSES, required=True)
    needs_approval = fields.Boolean(required=True)
    pages = fields.Integer(required=True)
    payment = fields.Nested(PaymentSchema, required=True)
    requested_at = fields.String(required=True)
    paid_at = fields.String(allow_none=True, required=True)
    approved_at = fields.String(allow_none=True, required=True)
    issued_at = fields.String(allow_none=True, required=True)
    serial = fields.String(allow_none=True, required=True)
    verification_code = fields.String(allow_none=True, required=True)


class CopyListSchema(ContractSchema):
    items = fields.List(fields.Nested(CopySchema), required=True)
