"""MongoDB access shared by every service.

A service declares ``store = Mongo(MyStore)``. ``MyStore`` subclasses ``Store``:
it names its database (one per service, prefixed by ``MONGO_DB_PREFIX``),
declares its indexes (created when the service starts) and implements its
queries. A write that causes events commits them with the state change, in one
of two ways, and the relay (``services.runtime.outbox``) publishes them afterwards:

- ``Store.transaction``: any number of writes and ``tx.emit`` rows in the outbox,
  one MongoDB transaction;
- ``Store.update_carrying``: one conditional update of one document that also
  pushes its events into that document's ``pending_events`` (a single-document
  write is atomic without a transaction, which costs the database several round
  trips and a second commit). The relay moves them to the outbox first, with
  their own ids, so a move repeated after a crash inserts nothing twice.

Published outbox rows are kept ``OUTBOX_RETENTION_DAYS`` (7 by default) after they
were published, then MongoDB's TTL monitor removes them: the TTL index is on
``published_at``, which only a published row has, and only covers rows with
``published: true``, so an unpublished row is never removed.
"""
import datetime
import logging
import threading
import uuid

import pymongo
from nameko.extensions import DependencyProvider
from pymongo.errors import (BulkWriteError, ConnectionFailure, ExecutionTimeout, OperationFailure, PyMongoError,
                            WTimeoutError)
from pymongo.read_concern import ReadConcern
from pymongo.write_concern import WriteConcern

from services.runtime.config import Settings
from services.runtime.errors import ValidationFailed
from services.runtime.logs import current_correlation_id

log = logging.getLogger(__name__)

_clients = {}
_clients_lock = threading.Lock()

OUTBOX = "outbox"
INBOX = "inbox"
AUDIT = "audit"
DEAD_LETTERS = "dead_letters"
PENDING_EVENTS = "pending_events"
OUTBOX_TTL_INDEX = "outbox_published_ttl"
DEFAULT_OUTBOX_RETENTION_DAYS = 7
MAJORITY = WriteConcern("majority")
ACKNOWLEDGED = WriteConcern(w=1)  # applied by the primary; durable only once a later majority write is


# Server error codes that mean "this server cannot take writes now" (shutting down, stepped down, not
# primary), whatever the exception that carries them.
UNAVAILABLE_CODES = frozenset({91, 189, 10107, 11600, 11602, 13435, 13436})


class DatabaseUnavailable(Exception):
    """The database could not be reached or could not take the write: the operation may be tried again."""


def database_down(exc):
    """Whether ``exc`` means the database was unavailable (so the caller should answer "try again") rather
    than that the request was wrong. Covers the connection errors and the write-concern errors a server
    that shuts down or steps down reports inside a bulk write's result."""
    if isinstance(exc, (ConnectionFailure, ExecutionTimeout, WTimeoutError, DatabaseUnavailable)):
        return True
    if not isinstance(exc, PyMongoError):
        return False
    if exc.has_error_label("RetryableWriteError") or getattr(exc, "code", None) in UNAVAILABLE_CODES:
        return True
    if isinstance(exc, BulkWriteError):
        details = exc.details or {}
        concern = details.get("writeConcernErrors") or []
        return not details.get("writeErrors") and bool(concern) and all(
            error.get("code") in UNAVAILABLE_CODES or "RetryableWriteError" in (error.get("errorLabels") or [])
            for error in concern)
    return False


def new_id() -> str:
    """A new document id: the 32 hexadecimal digits of a random UUID (every service's documents, events and jobs)."""
    return uuid.uuid4().hex


def utcnow():
    """Now, in UTC, truncated to milliseconds (what MongoDB stores)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    return now.replace(microsecond=(now.microsecond // 1000) * 1000)


def get_client(uri):
    """One MongoClient per process and URI (pymongo clients are pools)."""
    with _clients_lock:
        client = _clients.get(uri)
        if client is None:
            client = pymongo.MongoClient(
                uri, tz_aware=True, serverSelectionTimeoutMS=5000,
                connectTimeoutMS=5000, socketTimeoutMS=30000, retryWrites=True,
                uuidRepresentation="standard",
            )
            _clients[uri] = client
        return client


def retention_seconds(days):
    """``OUTBOX_RETENTION_DAYS`` as the whole seconds of a TTL index (fractions of a day allowed)."""
    seconds = round(float(days) * 86400)
    if not 0 < seconds <= 2**31 - 1:
        raise ValueError("OUTBOX_RETENTION_DAYS must be a positive number of days (at most ~68 years)")
    return seconds


SEARCH_MAX_MS = 2000  # a search by name that needs longer reads too much of its collection: refused (bounded)


def bounded(cursor, field, max_ms=SEARCH_MAX_MS):
    """The documents of ``cursor`` (a search a user typed), read within ``max_ms`` of the database's time. Words
    that narrow nothing (letters or digits no indexed key holds, say «8 9») could otherwise make one request read
    every document of a collection of millions, again and again; past the limit the search is refused with 422
    ``search_too_broad`` naming ``field`` (nothing is changed), not left to hold the database."""
    try:
        return list(cursor.max_time_ms(max_ms))
    except ExecutionTimeout:
        message = ("La búsqueda es demasiado amplia y no terminó a tiempo: escriba palabras más completas del "
                   "nombre o acótela con otros criterios.")
        raise ValidationFailed("search_too_broad", message, {"fields": {field: message}}) from None


MIGRATIONS = "migrations"


def backfill(db, marker, collection, missing, fields, change, batch=1000):
    """Documents of ``collection`` that an earlier version stored without the field ``missing`` get it: each one
    read with ``fields`` and updated with ``change(doc)`` (a MongoDB update that sets ``missing``), in batches of
    ``batch``, only while it still lacks it. Once per database: a marker ``marker`` in ``migrations`` spares later
    starts the scan (replicas starting together may both write a document; the update is the same). Returns how
    many documents this call updated."""
    if db[MIGRATIONS].find_one({"_id": marker}):
        return 0
    done = 0
    while True:
        docs = list(db[collection].find({missing: {"$exists": False}}, fields).limit(batch))
        if not docs:
            break
        db[collection].bulk_write([pymongo.UpdateOne({"_id": doc["_id"], missing: {"$exists": False}}, change(doc))
                                   for doc in docs], ordered=False)
        done += len(docs)
    db[MIGRATIONS].update_one({"_id": marker}, {"$setOnInsert": {collection: done}}, upsert=True)
    return done


DUPLICATE_KEY = 11000


def build_indexes(collection, models):
    """Create ``models`` on ``collection``. A unique index that documents already stored break (written before
    the index was declared, or restored from an old backup) cannot be built; refusing to start over it would
    stop the whole service, so it is left unbuilt, logged as an error with the duplicate the database named,
    and its name returned (the service's ``portal_<service>_unique_indexes_unbuilt`` gauge, and its alert). The
    rule such an index backs is also checked inside each writing transaction; the index closes the race between
    two at once. Once the duplicates are resolved, the next start builds it."""
    try:
        collection.create_indexes(models)
        return []
    except OperationFailure as exc:
        if exc.code != DUPLICATE_KEY:
            raise
    unbuilt = []
    for model in models:
        try:
            collection.create_indexes([model])
        except OperationFailure as exc:
            if exc.code != DUPLICATE_KEY:
                raise
            name = f"{collection.name}.{model.document['name']}"
            log.error("unique index not built: stored documents break it; resolve them and restart",
                      extra={"index": name, "error": str(exc)[:500]})
            unbuilt.append(name)
    return unbuilt


def ensure_outbox_ttl(db, seconds):
    """The TTL index that removes published outbox rows ``seconds`` after ``published_at``; a changed retention
    is applied to the existing index (``collMod``), so a restart with a new value takes it."""
    outbox = db[OUTBOX]
    partial = {"published": True}
    existing = outbox.index_information().get(OUTBOX_TTL_INDEX)
    if existing is not None and (existing.get("key") != [("published_at", 1)]
                                 or existing.get("partialFilterExpression") != partial):
        outbox.drop_index(OUTBOX_TTL_INDEX)  # an index of that name built otherwise: build it again
        existing = None
    if existing is None:
        try:
            outbox.create_index([("published_at", 1)], name=OUTBOX_TTL_INDEX, expireAfterSeconds=seconds,
                                partialFilterExpression=partial)
            return
        except OperationFailure as exc:
            if exc.code not in (85, 86):  # IndexOptionsConflict, IndexKeySpecsConflict: another replica won
                raise
            existing = outbox.index_information().get(OUTBOX_TTL_INDEX) or {}
    if existing.get("expireAfterSeconds") != seconds:
        db.command("collMod", OUTBOX, index={"name": OUTBOX_TTL_INDEX, "expireAfterSeconds": seconds})
        log.info("outbox retention changed", extra={"seconds": seconds})


def database_name(prefix, service_db):
    return f"{prefix}_{service_db}"


def outbox_rows(source, event_type, items, version=1):
    """The outbox rows of one event per item of ``items`` (their data), unpublished."""
    now = utcnow()
    correlation_id = current_correlation_id()
    return [{"_id": new_id(), "event_type": event_type, "source": source, "version": version,
             "occurred_at": now, "correlation_id": correlation_id, "data": data, "published": False,
             "created_at": now} for data in items]


class Store:
    """Base class of a service's persistence layer."""

    database = None          # e.g. "filings"
    indexes = {}             # {collection: [IndexModel, ...]}: the service's own (the audit log's are declared here)
    retired_indexes = {}     # {collection: [index name, ...]}: indexes earlier versions built, dropped at start
    publishes_events = False  # start an outbox relay for this service
    cached_collections = ()   # read through a per-process WatchedCache (services.runtime.cache)
    event_carriers = ()       # collections whose documents may carry pending events (update_carrying)
    backlogs = ()             # what waits in its collections, as gauges (services.runtime.gauges.Backlog)

    def __init__(self, db, client, on_outbox_commit=None, caches=None):
        self.db = db
        self.client = client
        self._on_outbox_commit = on_outbox_commit
        self.caches = caches or {}

    # --- setup -----------------------------------------------------------
    # every store keeps an audit log (``audit``): looked up by what was read and by who read it
    audit_indexes = [pymongo.IndexModel([("target", pymongo.ASCENDING), ("at", pymongo.DESCENDING)]),
                     pymongo.IndexModel([("actor.sub", pymongo.ASCENDING), ("at", pymongo.DESCENDING)])]

    @classmethod
    def ensure_indexes(cls, db, outbox_retention_days=DEFAULT_OUTBOX_RETENTION_DAYS):
        """Build the store's indexes; the unique ones that documents already stored break are left unbuilt
        (``build_indexes``) and named in what this returns, so that the service still starts."""
        db[AUDIT].create_indexes(cls.audit_indexes)
        for collection, retired in cls.retired_indexes.items():
            built = db[collection].index_information()
            for name in retired:
                if name in built:
                    try:
                        db[collection].drop_index(name)
                        log.info("retired index dropped", extra={"index": f"{collection}.{name}"})
                    except OperationFailure as exc:
                        if exc.code != 27:  # IndexNotFound: another replica dropped it first
                            raise
        unbuilt = []
        for collection, models in cls.indexes.items():
            if models:
                unbuilt.extend(build_indexes(db[collection], models))
        db[OUTBOX].create_index([("published", 1), ("created_at", 1)])
        ensure_outbox_ttl(db, retention_seconds(outbox_retention_days))
        db[INBOX].create_index([("at", 1)])
        for collection in cls.event_carriers:
            db[collection].create_index([(f"{PENDING_EVENTS}._id", 1)],
                                        partialFilterExpression={f"{PENDING_EVENTS}._id": {"$exists": True}})
        return unbuilt

    @classmethod
    def setup_data(cls, db):
        """Reference data the service needs before serving (idempotent); none by default."""

    # --- transactions ----------------------------------------------------
    def transaction(self, fn):
        """Run ``fn(tx)`` in one MongoDB transaction, retried on transient errors.

        ``tx`` carries the session (pass ``session=tx.session`` to every write)
        and ``tx.emit(...)`` adds an event to the outbox in the same transaction.
        """
        with self.client.start_session() as session:
            tx = Transaction(self, session)
            result = session.with_transaction(
                lambda s: fn(tx.reset()),
                read_concern=ReadConcern("snapshot"),
                write_concern=MAJORITY,
            )
        if tx.emitted and self._on_outbox_commit:
            self._on_outbox_commit()
        return result

    def run_once(self, consumer, event, fn):
        """Apply an event exactly once for ``consumer``: ``fn(tx, event)`` and the
        inbox mark commit together; a redelivered event returns False and does nothing."""
        key = f"{consumer}:{event['event_id']}"

        def apply(tx):
            if self.db[INBOX].find_one({"_id": key}, session=tx.session):
                return False
            self.db[INBOX].insert_one({"_id": key, "event_type": event["event_type"], "at": utcnow()},
                                      session=tx.session)
            fn(tx, event)
            return True

        return self.transaction(apply)

    def update_carrying(self, collection, query, update, events, durable=True):
        """One conditional update of one document (``query`` must name it by ``_id``) and the events it
        causes, written together: ``events`` = [(source, event_type, data), ...] are pushed to the
        document's ``pending_events`` in the same write, majority-acknowledged. The events exist only if
        the update matched. ``collection`` must be one of the store's ``event_carriers``. Returns the
        rows written ([] if nothing matched).

        ``durable=False``: only acknowledged by the primary, not awaited in the journal; the caller makes
        it durable before it answers with a majority-acknowledged write issued after this one returned
        (a majority write covers every write before it: the oplog has one order), such as its audit
        entry. The relay only moves events the majority has, so none goes out for a write that a crash
        could still undo."""
        rows = [row for source, event_type, data in events for row in outbox_rows(source, event_type, [data])]
        result = self.db.get_collection(collection, write_concern=MAJORITY if durable else ACKNOWLEDGED).update_one(
            query, {**update, "$push": {PENDING_EVENTS: {"$each": rows}}})
        if not result.modified_count:
            return []
        if self._on_outbox_commit:
            self._on_outbox_commit()
        return rows

    def find_by_id(self, collection, document_id):
        """One document by _id, or None: a single ``find`` command, which costs about a third less
        client CPU than ``find_one`` (no cursor machinery) on the hottest reads."""
        reply = self.db.command({"find": collection, "filter": {"_id": document_id}, "limit": 1, "singleBatch": True},
                                codec_options=self.db.codec_options)
        batch = reply["cursor"]["firstBatch"]
        return batch[0] if batch else None

    def cached_by_id(self, collection, document_id):
        """``find_by_id`` through the per-process cache of ``collection`` when it has one."""
        cache = self.caches.get(collection)
        if cache is None:
            return self.find_by_id(collection, document_id)
        return cache.get(document_id, lambda key: self.find_by_id(collection, key))

    def evict(self, collection, document_id):
        """After this process wrote a cached document: no reader here may see it as it was."""
        cache = self.caches.get(collection)
        if cache is not None:
            cache.evict(document_id)

    def audit(self, actor, action, target, outcome, details=None):
        """Write one entry of the service's audit log (``services.runtime.audit``) before answering."""
        from services.runtime import audit as audit_log  # audit imports this module

        audit_log.record_in(self.db, actor, action, target, outcome, details)

    def dead_letter(self, envelope, reason):
        """Keep an event that can never apply (``dead_letters``, once per event id) instead of dropping it."""
        self.db[DEAD_LETTERS].update_one({"_id": envelope.get("event_id") or new_id()},
                                         {"$setOnInsert": {"envelope": envelope, "reason": reason, "at": utcnow()}},
                                         upsert=True)

    def ping(self):
        try:
            self.client.admin.command("ping")
            return True
        except PyMongoError:
            return False

    def health(self):
        """What a service's ``health`` RPC answers: whether its database answers."""
        return {"database": self.ping()}


class Transaction:
    def __init__(self, store, session):
        self.store = store
        self.session = session
        self.emitted = []

    def reset(self):
        # with_transaction may call the callback again after a transient error
        self.emitted = []
        return self

    def emit(self, source, event_type, data, version=1):
        """Write an event to the outbox; it is published only if the transaction commits."""
        return self.emit_many(source, event_type, [data], version)[0]

    def emit_many(self, source, event_type, items, version=1):
        """Write one event per item of ``items`` (their data) with one insert; returns the event ids."""
        docs = outbox_rows(source, event_type, items, version)
        if docs:
            self.store.db[OUTBOX].insert_many(docs, session=self.session)
        ids = [doc["_id"] for doc in docs]
        self.emitted.extend(ids)
        return ids


class Mongo(DependencyProvider):
    """Gives each worker the service's ``Store``; creates indexes at start and,
    for services that publish events, runs the outbox relay."""

    def __init__(self, store_cls, **kwargs):
        self.store_cls = store_cls
        self.relay = None
        self.gauges = None
        self.caches = {}
        self.unbuilt_indexes = []
        super().__init__(**kwargs)

    def setup(self):
        settings = Settings(self.container.config)
        from services.runtime import audit as audit_log  # audit imports this module

        audit_log.configure(settings.float("AUDIT_LINGER_MS", audit_log.DEFAULT_LINGER_MS))
        self.client = get_client(settings.mongo_uri)
        self.db = self.client[database_name(settings.db_prefix, self.store_cls.database)]
        try:
            self.unbuilt_indexes = self.store_cls.ensure_indexes(
                self.db, settings.float("OUTBOX_RETENTION_DAYS", DEFAULT_OUTBOX_RETENTION_DAYS))
            self.store_cls.setup_data(self.db)
        except PyMongoError as exc:
            log.error("could not prepare the database", extra={"error": str(exc)})
            raise
        from services.runtime.cache import WatchedCache

        self.caches = {name: WatchedCache(self.db[name]) for name in self.store_cls.cached_collections}
        if self.store_cls.publishes_events:
            from services.runtime.outbox import OutboxRelay

            self.relay = OutboxRelay(
                self.db,
                amqp_uri=self.container.config["AMQP_URI"],
                source=self.container.service_name,
                poll_interval=settings.float("OUTBOX_POLL_INTERVAL", 0.5),
                carriers=self.store_cls.event_carriers,
                gauge_interval=settings.float("OUTBOX_GAUGE_INTERVAL", 5),
            )
            self._wire_gauges(self.container.service_name, self.relay)
        self._wire_index_gauge(self.container.service_name, self)
        from services.runtime.gauges import BacklogGauges, DEFAULT_INTERVAL_SECONDS

        self.gauges = BacklogGauges(self.db, self.container.service_name, self.backlogs(self.store_cls),
                                    settings.float("GAUGE_INTERVAL", DEFAULT_INTERVAL_SECONDS))

    @staticmethod
    def backlogs(store_cls):
        """The backlogs measured for a store: its dead letters and its own ``backlogs``."""
        from services.runtime.gauges import DEAD_LETTER_BACKLOG

        return (DEAD_LETTER_BACKLOG, *store_cls.backlogs)

    @classmethod
    def declare_gauges(cls, service, store_cls):
        """Register the gauges a service with this store exposes once set up (the outbox's when it publishes,
        its backlogs'), without measuring anything: what the alert rules and dashboards may name."""
        from services.runtime.gauges import Measurement, wire

        if store_cls.publishes_events:
            cls._wire_gauges(service, type("NoRelay", (), {"backlog": 0, "oldest_age": staticmethod(lambda: 0.0)}))
        cls._wire_index_gauge(service, type("NoStore", (), {"unbuilt_indexes": []}))
        wire(service, [Measurement(b) for b in cls.backlogs(store_cls)])

    @staticmethod
    def _wire_index_gauge(service, holder):
        from services.runtime.observability import gauge

        gauge(service, "unique_indexes_unbuilt",
              "Unique indexes the stored documents kept from being built at this process's start"
              ).set_function(lambda: len(holder.unbuilt_indexes))

    @staticmethod
    def _wire_gauges(service, relay):
        """The outbox gauges operators alert on, read from what the relay last measured (never a query per
        scrape). Every replica measures the same outbox, so each reports the service's whole backlog."""
        from services.runtime.observability import gauge

        gauge(service, "outbox_unpublished_events",
              "Events written but not yet published by the outbox relay (rows and carried events)"
              ).set_function(lambda: relay.backlog)
        gauge(service, "outbox_oldest_unpublished_age_seconds",
              "Age of the oldest event not yet published (0 when none waits)").set_function(relay.oldest_age)

    def start(self):
        if self.relay is not None:
            self.container.spawn_managed_thread(self.relay.run, identifier="outbox_relay")
        if self.gauges is not None:
            self.container.spawn_managed_thread(self.gauges.run, identifier="backlog_gauges")
        for name, cache in self.caches.items():
            self.container.spawn_managed_thread(cache.watch, identifier=f"cache_watch_{name}")

    def stop(self):
        if self.relay is not None:
            self.relay.stop()
        if self.gauges is not None:
            self.gauges.stop()
        for cache in self.caches.values():
            cache.stop()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        kick = self.relay.kick if self.relay is not None else None
        return self.store_cls(self.db, self.client, on_outbox_commit=kick, caches=self.caches)
