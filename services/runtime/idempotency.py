"""Idempotency-Key: a request that changes something is applied once per caller, operation and key.

A client sends ``Idempotency-Key`` with a request that creates something (a case, a writ, a payment); the
gateway makes one up (``generated_key``) when the client sent none, so that a call the broker delivers again
after the service restarted is recognised too. The service stores, in the same transaction as the change, a
record of the request: whose it was, what it was for (its *scope*), a fingerprint of its content and the
response it got. The same key again with the same content answers that response without storing anything
new (a replay); with another content it is 409 ``idempotency_key_reused``.

The record (collection ``idempotency`` of the service's database)::

    {_id: "<actor sub>|<scope>|<key>", request_hash, response, at, expires_at}

A key belongs to its caller: another caller's same key is another record. Records expire (a TTL index on
``expires_at``): a client's key after ``CLIENT_KEY_TTL`` (30 days), a generated one after ``AUTO_KEY_TTL``.

The rules (scope, fingerprint, lifetime, the replay decision) are plain functions here, tested without a
database; ``IdempotencyRecords`` turns them into MongoDB reads and writes, and a store mixes in
``IdempotentStore`` to write a change once per request::

    class MyStore(IdempotentStore, Store):
        indexes = {**IdempotentStore.indexes, ...}         # the records' TTL index

        def create(self, actor, body, request):          # request = Request.of(actor, key, "create").with_body(body)
            return self.idempotent_transaction(request, lambda tx: ...)   # raises Replay for a key seen before
"""
import dataclasses
import datetime
import hashlib
import json
import uuid

from pymongo import ASCENDING, IndexModel

from services.runtime.errors import Conflict
from services.runtime.mongo import utcnow

IDEMPOTENCY = "idempotency"                    # the collection of the records
CLIENT_KEY_TTL = datetime.timedelta(days=30)   # an Idempotency-Key sent by the client
AUTO_KEY_TTL = datetime.timedelta(days=2)      # a key the gateway made for one request
AUTO_KEY_PREFIX = "auto-"


# --- rules -------------------------------------------------------------------------------------------------
def scope(operation, subject=None):
    """What a key is used for: the operation, and what it acts on when that is part of it (``"open_case"``,
    ``"filing:01001-2026-00001"``). The same key may serve different scopes without clashing."""
    return operation if subject is None else f"{operation}:{subject}"


def fingerprint(scope_name, body, documents=()):
    """What makes two requests "the same content" for a key: the scope, the validated body (key order does
    not matter) and each document's name and SHA-256, in order; nothing else of a document (its id, size or
    pages) counts, so a fingerprint taken before the documents are stored equals the one taken after.

    The canonical JSON names the body ``metadata``: stored records carry hashes of that form."""
    canonical = json.dumps({"scope": scope_name, "metadata": body,
                            "documents": [[d["filename"], d["sha256"]] for d in documents]},
                           sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def record_id(actor_sub, scope_name, key):
    return f"{actor_sub}|{scope_name}|{key}"


def generated_key():
    """A key for a request whose client sent none (the gateway's)."""
    return AUTO_KEY_PREFIX + uuid.uuid4().hex


def lifetime(key):
    """How long the record of ``key`` is kept: a generated key only has to outlive a redelivery."""
    return AUTO_KEY_TTL if key.startswith(AUTO_KEY_PREFIX) else CLIENT_KEY_TTL


def replay(record, request_fingerprint):
    """The answer to a request whose key has ``record`` already: its stored response when the content is
    the same, else 409 ``idempotency_key_reused``."""
    if record["request_hash"] != request_fingerprint:
        raise Conflict("idempotency_key_reused",
                       "La clave de idempotencia ya se usó con un contenido distinto; use una clave nueva.")
    return record["response"]


@dataclasses.dataclass(frozen=True)
class Request:
    """One caller's request under one key: whose (``actor_sub``), for what (``scope``), the key (None: the
    request is not idempotent) and, once its content is known, its ``fingerprint``."""
    actor_sub: str
    scope: str
    key: str | None
    fingerprint: str | None = None

    @classmethod
    def of(cls, actor, key, operation, subject=None):
        return cls(actor["sub"], scope(operation, subject), key or None)

    def with_body(self, body, documents=()):
        """This request with the fingerprint of its content."""
        return dataclasses.replace(self, fingerprint=fingerprint(self.scope, body, documents))

    @property
    def record_id(self):
        return record_id(self.actor_sub, self.scope, self.key)


def new_record(request, response, now):
    """The record stored for ``request`` (which has its fingerprint) that was answered ``response``."""
    if request.fingerprint is None:
        raise ValueError("a request is remembered with its fingerprint")
    return {"_id": request.record_id, "request_hash": request.fingerprint, "response": response, "at": now,
            "expires_at": now + lifetime(request.key)}


class Replay(Exception):
    """A key seen before, found inside the transaction that would have stored the request: nothing was
    written; carries the stored record (``replay(exc.record, fingerprint)`` gives the answer)."""

    def __init__(self, record):
        super().__init__(record["_id"])
        self.record = record


# --- mechanics ----------------------------------------------------------------------------------------------
class IdempotencyRecords:
    """The records of one collection."""

    def __init__(self, collection):
        self.collection = collection

    @staticmethod
    def indexes():
        """The TTL index that removes expired records; a store declares it for the records' collection."""
        return [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)]

    def find(self, request, session=None):
        """The record of ``request``'s key, or None (always None without a key)."""
        if not request.key:
            return None
        return self.collection.find_one({"_id": request.record_id}, session=session)

    def previous_response(self, request):
        """For a request checked before anything is stored: the response its key already got (a replay), or
        None when the key is new; 409 when the key was used with another content."""
        record = self.find(request)
        return None if record is None else replay(record, request.fingerprint)

    def check(self, request, session):
        """Inside the transaction that stores ``request``: raise ``Replay`` when its key has a record."""
        record = self.find(request, session=session)
        if record is not None:
            raise Replay(record)

    def remember(self, request, response, session, now=None):
        """Store the record of ``request``, in the caller's transaction (nothing without a key)."""
        if request.key:
            self.collection.insert_one(new_record(request, response, now or utcnow()), session=session)


class IdempotentStore:
    """Mixed into a ``services.runtime.mongo.Store``: its idempotency records and writes made once per request.
    The store declares this mixin's ``indexes`` among its own."""

    idempotency_collection = IDEMPOTENCY
    indexes = {IDEMPOTENCY: IdempotencyRecords.indexes()}

    @property
    def idempotency(self):
        return IdempotencyRecords(self.db[self.idempotency_collection])

    def idempotent_transaction(self, request, work):
        """``work(tx)`` in one transaction with the record of ``request`` (which has its fingerprint); its
        return value is the response stored. A key seen before raises ``Replay`` and writes nothing. Two
        requests with one key at once: one commits, the other's transaction is retried and finds its record."""
        def once(tx):
            self.idempotency.check(request, tx.session)
            response = work(tx)
            self.idempotency.remember(request, response, tx.session)
            return response

        return self.transaction(once)
