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
from services.certificates.store.protocol import Protocol
from services.certificates.store.registry import Registry
from services.certificates.store.requests import ISSUANCE, Requests
from services.runtime.mongo import Store

__all__ = ["EMAILS", "ISSUANCE", "CertificatesStore"]

AREAS = (Registry, Requests, Certificates, Protocol)


class CertificatesStore(*AREAS, Store):
    database = "certificates"
    publishes_events = True
    indexes = {collection: models for area in AREAS for collection, models in area.indexes.items()}
    PAYS_FOR = {**Requests.PAYS_FOR, **Protocol.PAYS_FOR_PROTOCOL}  # every kind of payment order
