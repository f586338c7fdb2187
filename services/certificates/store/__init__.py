"""MongoDB persistence of the certificates service (database ``<prefix>_certificates``): one
``CertificatesStore`` (``services.runtime.mongo.Store``) composed of one mixin per area.

| area | module | collections |
|---|---|---|
| the registry | ``registry`` | records, cancellations, GridFS bucket ``court_documents`` |
| requests and payments | ``requests`` | requests, payments, issuance (work queue) |
| certificates | ``certificates`` | certificates (with their signed PDF), counters, emails (work queue) |

Besides: ``keys`` (the development signing certificate, ``services.certificates.signing``), the audit log,
the inbox of applied events, the outbox and dead_letters.
"""
from services.certificates.store.certificates import EMAILS, Certificates
from services.certificates.store.registry import Registry
from services.certificates.store.requests import ISSUANCE, Requests
from services.runtime.mongo import Store

__all__ = ["EMAILS", "ISSUANCE", "CertificatesStore"]

AREAS = (Registry, Requests, Certificates)


class CertificatesStore(*AREAS, Store):
    database = "certificates"
    publishes_events = True
    indexes = {collection: models for area in AREAS for collection, models in area.indexes.items()}
