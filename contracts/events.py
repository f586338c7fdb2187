"""Event payloads (the ``data`` of each envelope) and the event catalogue.

The catalogue names, for every event: the producer, the schema of its data, the
version, and the consumers ("service.method") whose durable queues the producer's
relay declares, so no event is lost before a consumer's first start.
"""
from marshmallow import fields

from contracts.base import LenientSchema


class PersonRefSchema(LenientSchema):
    sub = fields.String(required=True)
    name = fields.String(allow_none=True)
    bar_number = fields.String(allow_none=True)


class PublicPartySchema(LenientSchema):
    """A party of an amparo or antejuicio case: public by law (names and roles; never an id number)."""

    name = fields.String(required=True)
    role = fields.String(required=True)
    office = fields.String(allow_none=True, load_default=None)  # the official's office (cargo), antejuicio


class CaseOpenedSchema(LenientSchema):
    """A case was opened. ``case_version`` numbers the case's public facts (opening 1, each later
    resolution or reservation one more): a consumer keeps the newest stage and never lets an older version
    overwrite it. ``parties``, ``act_complained`` and ``stage`` are sent only for the public matters
    (amparo, antejuicio); ``reserved`` is true from the start for familia."""

    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    matter = fields.String(required=True)
    subject = fields.String(required=True)
    opened_at = fields.String(required=True)
    opened_by = fields.Nested(PersonRefSchema, required=True)
    court_name = fields.String(load_default="")
    case_version = fields.Integer(load_default=1)
    reserved = fields.Boolean(load_default=False)
    parties = fields.List(fields.Nested(PublicPartySchema), allow_none=True, load_default=None)
    act_complained = fields.String(allow_none=True, load_default=None)
    stage = fields.String(allow_none=True, load_default=None)


class CaseReservedSchema(LenientSchema):
    """A judge reserved a case (or it is reserved by its matter): it leaves every public answer, for good."""

    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    matter = fields.String(required=True)
    reason = fields.String(required=True)
    reserved_at = fields.String(required=True)
    reserved_by = fields.Nested(PersonRefSchema, required=True)
    case_version = fields.Integer(required=True)


class HearingStateSchema(LenientSchema):
    """The whole state of a hearing after a change, and its ``version`` (1 when scheduled, one more per
    change): a consumer keeps the highest version it has seen. ``starts_at`` is UTC ISO-8601;
    ``public_parties`` only on amparo and antejuicio cases; ``case_reserved`` as the case stood."""

    hearing_id = fields.String(required=True)
    version = fields.Integer(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    matter = fields.String(required=True)
    kind = fields.String(required=True)
    starts_at = fields.String(required=True)
    duration_minutes = fields.Integer(required=True)
    room = fields.String(required=True)
    mode = fields.String(required=True)
    status = fields.String(required=True)
    reason = fields.String(allow_none=True, load_default=None)  # why it last changed (None when scheduled)
    changed_at = fields.String(required=True)
    case_reserved = fields.Boolean(load_default=False)
    public_parties = fields.List(fields.Nested(PublicPartySchema), allow_none=True, load_default=None)


class FilingReceivedSchema(LenientSchema):
    filing_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    kind = fields.String(required=True)
    received_at = fields.String(required=True)
    filed_by = fields.Nested(PersonRefSchema, required=True)
    document_count = fields.Integer(required=True)


class FilingReviewedSchema(LenientSchema):
    filing_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    kind = fields.String(required=True)
    decision = fields.String(required=True)
    reason = fields.String(allow_none=True)
    folio = fields.Integer(allow_none=True)
    reviewed_at = fields.String(required=True)
    filed_by = fields.Nested(PersonRefSchema, required=True)


class ResolutionIssuedSchema(LenientSchema):
    """Everything the mailbox needs to serve the notice without calling back."""

    resolution_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    kind = fields.String(required=True)
    summary = fields.String(required=True)
    term_days = fields.Integer(allow_none=True)
    folio = fields.Integer(required=True)
    document_id = fields.String(required=True)
    document_sha256 = fields.String(required=True)
    document_size = fields.Integer(required=True)
    document_filename = fields.String(required=True)
    issued_at = fields.String(required=True)
    issued_by = fields.Nested(PersonRefSchema, required=True)
    recipients = fields.List(fields.Nested(PersonRefSchema), required=True)
    # for the public read model (services.queries): the case's matter, the stage this resolution moved it to
    # (amparo, antejuicio; None when it did not move it), the case's version after it, and whether the case
    # is reserved
    matter = fields.String(allow_none=True, load_default=None)
    stage = fields.String(allow_none=True, load_default=None)
    case_version = fields.Integer(allow_none=True, load_default=None)
    case_reserved = fields.Boolean(load_default=False)


class NotificationAvailableSchema(LenientSchema):
    """A notice was put in a recipient's electronic mailbox (puesta a disposición)."""

    notification_id = fields.String(required=True)
    recipient = fields.Nested(PersonRefSchema, required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    resolution_id = fields.String(required=True)
    resolution_kind = fields.String(required=True)
    folio = fields.Integer(required=True)
    term_days = fields.Integer(allow_none=True)
    document_sha256 = fields.String(required=True)
    issued_at = fields.String(required=True)
    available_at = fields.String(required=True)
    deemed_service_at = fields.String(required=True)


class NotificationServedSchema(LenientSchema):
    """A notice counts as served: by its first access, or by lapse at the deemed instant."""

    notification_id = fields.String(required=True)
    recipient = fields.Nested(PersonRefSchema, required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    resolution_id = fields.String(required=True)
    available_at = fields.String(required=True)
    accessed_at = fields.String(allow_none=True)
    served_at = fields.String(required=True)
    served_by = fields.String(required=True)
    term_days = fields.Integer(allow_none=True)
    due_date = fields.String(allow_none=True)
    due_at = fields.String(allow_none=True)


class ConvictionSchema(LenientSchema):
    name = fields.String(required=True)
    id_number = fields.String(required=True)
    offences = fields.List(fields.String(), required=True)
    penalty = fields.String(required=True)


class ConvictionFinalSchema(LenientSchema):
    """A penal court declared a sentence final (firme), with who it convicted: the registry records each."""

    resolution_id = fields.String(required=True)
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    court_name = fields.String(required=True)
    sentence_date = fields.String(required=True)  # the local date the sentence was issued (AAAA-MM-DD)
    declared_at = fields.String(required=True)    # when it was declared final (UTC ISO-8601)
    declared_by = fields.Nested(PersonRefSchema, required=True)
    convictions = fields.List(fields.Nested(ConvictionSchema), required=True)


class ConvictionRecordedSchema(LenientSchema):
    """A conviction entered the criminal-record registry (from a court, by hand or by import)."""

    record_id = fields.String(required=True)
    id_number = fields.String(required=True)
    case_number = fields.String(required=True)
    court = fields.String(required=True)
    source = fields.String(required=True)
    recorded_at = fields.String(required=True)


class CertificateIssuedSchema(LenientSchema):
    """A criminal-record certificate was issued (signed and stored)."""

    certificate_id = fields.String(required=True)
    request_id = fields.String(required=True)
    serial = fields.String(required=True)
    result = fields.String(required=True)
    record_count = fields.Integer(required=True)
    issued_at = fields.String(required=True)
    valid_until = fields.String(required=True)


class InstrumentDepositedSchema(LenientSchema):
    """A notary deposited the testimonio especial of an instrument (or a correction of one). Never the
    grantors nor the summary: a will is secret."""

    instrument_id = fields.String(required=True)
    bar_number = fields.String(required=True)
    year = fields.Integer(required=True)
    number = fields.Integer(required=True)
    version = fields.Integer(required=True)
    act_type = fields.String(required=True)
    authorized_at = fields.String(required=True)
    deposited_at = fields.String(required=True)
    extemporaneo = fields.Boolean(required=True)
    business_days_late = fields.Integer(required=True)
    supersedes = fields.String(allow_none=True, required=True)


CATALOGUE = {
    "case_opened": {"producer": "filings", "schema": CaseOpenedSchema, "version": 1,
                    "consumers": ["queries.on_case_opened"]},
    "case_reserved": {"producer": "filings", "schema": CaseReservedSchema, "version": 1,
                      "consumers": ["queries.on_case_reserved"]},
    "hearing_scheduled": {"producer": "filings", "schema": HearingStateSchema, "version": 1,
                          "consumers": ["queries.on_hearing_scheduled"]},
    "hearing_changed": {"producer": "filings", "schema": HearingStateSchema, "version": 1,
                        "consumers": ["queries.on_hearing_changed"]},
    "filing_received": {"producer": "filings", "schema": FilingReceivedSchema, "version": 1, "consumers": []},
    "filing_reviewed": {"producer": "filings", "schema": FilingReviewedSchema, "version": 1, "consumers": []},
    "resolution_issued": {"producer": "filings", "schema": ResolutionIssuedSchema, "version": 1,
                          "consumers": ["mailbox.on_resolution_issued", "queries.on_resolution_issued"]},
    "notification_available": {"producer": "mailbox", "schema": NotificationAvailableSchema, "version": 1, "consumers": []},
    "notification_served": {"producer": "mailbox", "schema": NotificationServedSchema, "version": 1, "consumers": []},
    "conviction_final": {"producer": "filings", "schema": ConvictionFinalSchema, "version": 1,
                         "consumers": ["certificates.on_conviction_final"]},
    "conviction_recorded": {"producer": "certificates", "schema": ConvictionRecordedSchema, "version": 1,
                            "consumers": []},
    "certificate_issued": {"producer": "certificates", "schema": CertificateIssuedSchema, "version": 1,
                           "consumers": []},
    "instrument_deposited": {"producer": "certificates", "schema": InstrumentDepositedSchema, "version": 1,
                             "consumers": []},
}


def schema_for(event_type):
    """The one instance of ``event_type``'s data schema (shared: making one costs more than a load)."""
    schema = CATALOGUE[event_type]["schema"]
    return _SCHEMAS.get(schema) or _SCHEMAS.setdefault(schema, schema())


_SCHEMAS = {}
