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


class CaseOpenedSchema(LenientSchema):
    case_number = fields.String(required=True)
    court_id = fields.String(required=True)
    matter = fields.String(required=True)
    subject = fields.String(required=True)
    opened_at = fields.String(required=True)
    opened_by = fields.Nested(PersonRefSchema, required=True)


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


CATALOGUE = {
    "case_opened": {"producer": "filings", "schema": CaseOpenedSchema, "version": 1, "consumers": []},
    "filing_received": {"producer": "filings", "schema": FilingReceivedSchema, "version": 1, "consumers": []},
    "filing_reviewed": {"producer": "filings", "schema": FilingReviewedSchema, "version": 1, "consumers": []},
    "resolution_issued": {"producer": "filings", "schema": ResolutionIssuedSchema, "version": 1,
                          "consumers": ["mailbox.on_resolution_issued"]},
    "notification_available": {"producer": "mailbox", "schema": NotificationAvailableSchema, "version": 1, "consumers": []},
    "notification_served": {"producer": "mailbox", "schema": NotificationServedSchema, "version": 1, "consumers": []},
}


def schema_for(event_type):
    return CATALOGUE[event_type]["schema"]()
