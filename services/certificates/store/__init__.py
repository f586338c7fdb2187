"""MongoDB persistence of the certificates service (database ``<prefix>_certificates``): one
``CertificatesStore`` (``services.runtime.mongo.Store``) composed of one mixin per area.

| area | module | collections |
|---|---|---|
| the registry | ``registry`` | records, cancellations, GridFS bucket ``court_documents`` |
| requests and payments | ``requests`` | requests, payments, issuance (work queue) |
| certificates | ``certificates`` | certificates (with their signed PDF), counters, emails (work queue) |
| the notarial protocol archive | ``protocol`` | notaries, instruments, protocol_indexes, protocol_copies, copy_issuance (work queue), GridFS ``testimonios`` and ``copy_documents``, idempotency |

Besides: ``keys`` (the development signing certificate, ``services.certificates.signing``), the audit log,
the inbox of applied events, the outbox and dead_letters.
"""
from services.certificates.store.certificates import EMAILS, Certificates
from services.certificates.store.protocol import COPY_ISSUANCE, Protocol
from services.certificates.store.registry import Registry
from services.certificates.store.requests import ISSUANCE, Requests
from services.runtime.gauges import queue_backlog
from services.runtime.mongo import Store

__all__ = ["EMAILS", "ISSUANCE", "CertificatesStore"]

AREAS = (Registry, Requests, Certificates, Protocol)


class CertificatesStore(*AREAS, Store):
    database = "certificates"
    publishes_events = True
    indexes = {collection: models for area in AREAS for collection, models in area.indexes.items()}
    retired_indexes = {collection: names for area in AREAS
                       for collection, names in getattr(area, "retired_indexes", {}).items()}
    PAYS_FOR = {**Requests.PAYS_FOR, **Protocol.PAYS_FOR_PROTOCOL}  # every kind of payment order
    # paid and not issued yet: an issuance job still pending, or given up (failed) and waiting for an operator
    backlogs = (queue_backlog("paid_not_issued_requests", ISSUANCE,
                              "Certificate requests paid and not issued (issuance pending or given up)",
                              age="paid_not_issued_oldest_age_seconds", statuses=("pending", "failed")),
                queue_backlog("protocol_copies_paid_not_issued", COPY_ISSUANCE,
                              "Protocol copies paid and not issued (issuance pending or given up)",
                              age="protocol_copies_paid_not_issued_oldest_age_seconds",
                              statuses=("pending", "failed")))

    @classmethod
    def setup_data(cls, db):
        Protocol.backfill_grantor_search(db)
        Registry.backfill_name_search(db)
