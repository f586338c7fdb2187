"""Contracts of the queries service (consultas públicas, no login): the query strings of the public routes and
the shapes of their answers.

What a query schema cannot say, the service checks and answers 422 naming the field: ``date`` or ``from`` and
``to`` together (``from`` <= ``to``, 31 days at most) for the agenda; ``from`` <= ``to`` for the case list; a
``q`` with at least one letter or digit.
"""
from marshmallow import fields, validate

from contracts.base import ContractSchema, one_of, text
from contracts.filings import (ALL_STAGES, CASE_NUMBER_RE, HEARING_KINDS, HEARING_MODES, HEARING_STATUSES,
                               PUBLIC_MATTERS, court_id_field)
from contracts.paging import cursor_field, limit_field

MAX_QUERY_LENGTH = 200
SHA256_PATTERN = r"^[0-9a-fA-F]{64}$"


def _case_number(**kwargs):
    return fields.String(validate=validate.Regexp(CASE_NUMBER_RE, error="El número de expediente tiene la forma "
                                                                        "CCCCC-AAAA-NNNNN."), **kwargs)


# --- queries ---------------------------------------------------------------------------------------------------
class PublicHearingsQuerySchema(ContractSchema):
    """Query of GET /api/v1/public/hearings."""

    date = fields.Date(required=False, metadata={"description": "Un día local del tribunal (AAAA-MM-DD); sin date "
                                                                "ni from/to, hoy"})
    from_ = fields.Date(required=False, data_key="from",
                        metadata={"description": "Primer día local (AAAA-MM-DD), junto con «to»"})
    to = fields.Date(required=False, metadata={"description": "Último día local (AAAA-MM-DD), incluido; el rango "
                                                              "abarca 31 días como máximo"})
    court_id = court_id_field(required=False)
    case_number = _case_number(required=False)
    kind = one_of(HEARING_KINDS, required=False)
    status = one_of(HEARING_STATUSES, required=False)
    mode = one_of(HEARING_MODES, required=False)
    limit = limit_field(200, required=False)
    cursor = cursor_field(required=False)


class CourtCalendarQuerySchema(ContractSchema):
    """Query of GET /api/v1/public/hearings.ics."""

    court_id = court_id_field(required=True)


class PublicCasesQuerySchema(ContractSchema):
    """Query of GET /api/v1/public/cases."""

    q = text(MAX_QUERY_LENGTH, required=False,
             metadata={"description": "Nombre (o parte de él) de cualquiera de las partes, en cualquier orden, sin "
                                      "distinguir mayúsculas ni tildes"})
    matter = one_of(PUBLIC_MATTERS, required=False)
    court_id = court_id_field(required=False)
    stage = one_of(ALL_STAGES, required=False)
    year = fields.Integer(required=False, validate=validate.Range(min=1900, max=9999, error="Entre 1900 y 9999."))
    from_ = fields.Date(required=False, data_key="from",
                        metadata={"description": "Admitidos desde este día local (AAAA-MM-DD)"})
    to = fields.Date(required=False, metadata={"description": "Admitidos hasta este día local (AAAA-MM-DD), incluido"})
    limit = limit_field(100, required=False)
    cursor = cursor_field(required=False)


# --- answers ---------------------------------------------------------------------------------------------------
class PublicCasePartySchema(ContractSchema):
    name = fields.String(required=True)
    role = fields.String(required=True)
    office = fields.String(allow_none=True, metadata={"description": "Cargo del funcionario (antejuicio)"})


class RoleHolderSchema(ContractSchema):
    name = fields.String(required=True)
    office = fields.String(allow_none=True)


class PublicHearingSchema(ContractSchema):
    hearing_id = fields.String(required=True)
    version = fields.Integer(required=True, metadata={"description": "Sube con cada cambio"})
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    matter = fields.String(required=True)
    kind = fields.String(required=True)
    kind_label = fields.String(required=True)
    starts_at = fields.String(required=True, metadata={"description": "UTC ISO-8601"})
    starts_at_local = fields.String(required=True, metadata={"description": "Hora local del tribunal, con su "
                                                                            "desfase"})
    ends_at = fields.String(required=True)
    ends_at_local = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    room = fields.String(required=True)
    mode = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True, required=True, metadata={"description": "Motivo del último cambio"})
    changed_at = fields.String(required=True)
    parties = fields.List(fields.Nested(PublicCasePartySchema), allow_none=True, required=True,
                          metadata={"description": "Solo en amparos y antejuicios; null en las demás materias"})


class PublicHearingListSchema(ContractSchema):
    items = fields.List(fields.Nested(PublicHearingSchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class PublicCaseSummarySchema(ContractSchema):
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    matter = fields.String(required=True)
    year = fields.Integer(required=True, allow_none=True)
    admitted_at = fields.String(required=True)
    admitted_at_local = fields.String(required=True)
    stage = fields.String(required=True, allow_none=True)
    stage_label = fields.String(required=True, allow_none=True)
    parties = fields.List(fields.Nested(PublicCasePartySchema), required=True)
    act_complained = fields.String(allow_none=True, required=True, metadata={"description": "Acto reclamado "
                                                                                            "(amparo)"})
    official_office = fields.String(allow_none=True, required=True,
                                    metadata={"description": "Cargo del funcionario (antejuicio)"})


class PublicCaseListSchema(ContractSchema):
    items = fields.List(fields.Nested(PublicCaseSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class ActuacionDocumentSchema(ContractSchema):
    url = fields.String(required=True)
    sha256 = fields.String(required=True)
    filename = fields.String(required=True)
    size = fields.Integer(required=True)
    available = fields.Boolean(required=True, metadata={"description": "La copia pública ya está disponible"})


class ActuacionSchema(ContractSchema):
    resolution_id = fields.String(required=True)
    issued_at = fields.String(required=True)
    issued_at_local = fields.String(required=True)
    kind = fields.String(required=True)
    stage = fields.String(required=True, allow_none=True)
    stage_label = fields.String(required=True, allow_none=True)
    summary = fields.String(required=True)
    folio = fields.Integer(required=True)
    document = fields.Nested(ActuacionDocumentSchema, required=True)


class PublicCaseSchema(PublicCaseSummarySchema):
    parties_by_role = fields.Dict(keys=fields.String(), values=fields.List(fields.Nested(RoleHolderSchema)),
                                  required=True)
    actuaciones = fields.List(fields.Nested(ActuacionSchema), required=True)
    upcoming_hearings = fields.List(fields.Nested(PublicHearingSchema), required=True)


class VerifiedResolutionSchema(ContractSchema):
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    kind = fields.String(required=True)
    issued_at = fields.String(required=True)
    issued_at_local = fields.String(required=True)
    folio = fields.Integer(required=True)
    case_number = fields.String(allow_none=True, required=True,
                                metadata={"description": "null cuando el expediente es reservado"})
    case_reserved = fields.Boolean(required=True)


class DocumentVerdictSchema(ContractSchema):
    authentic = fields.Boolean(required=True)
    sha256 = fields.String(required=True)
    message = fields.String(required=True)
    documents = fields.List(fields.Nested(VerifiedResolutionSchema), required=True)
