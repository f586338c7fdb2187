"""The outbox relay: publishes committed events to RabbitMQ, at least once.

Rows are written by ``Transaction.emit`` in the same transaction as the state
change. The relay claims a batch (a lease, so two replicas do not both publish
it), publishes each event as a persistent message with publisher confirms to
the nameko event exchange ``<source>.events`` (routing key = event type), and
marks the batch published only after the broker confirmed every message of it
(the whole batch is written, then the confirms are awaited once: one round trip
per batch, not one per event). A crash between
publishing and marking publishes the batch again; consumers deduplicate on
``event_id`` (``Store.run_once``), so every handler applies it once.

Events written by ``Store.update_carrying`` wait in their document's
``pending_events``; before each claim the relay moves them to the outbox
(insert with their own ids, duplicates ignored, then pull them from the
documents), so a move interrupted by a crash, or made by two replicas at once,
still leaves each event once in the outbox. A document whose ``pending_events``
the move empties loses the field too (an empty array is not left behind).

The relay also measures its backlog for the service's gauges (``Mongo`` wires them): how many events
are unpublished and when the oldest of them was created, at most every ``gauge_interval`` seconds
(``OUTBOX_GAUGE_INTERVAL``), with index reads of the outbox; the age is computed when scraped from that
creation time, so it keeps growing while nothing can be measured (the database is down).

Before the first publish the relay declares the durable queue of every
consumer listed in the event catalogue, so an event emitted while a consumer
has never run yet still waits for it.
"""
import datetime
import logging
import socket
import threading
import time
import uuid

import kombu.serialization
from kombu import Connection, Exchange, Queue
from pymongo.errors import BulkWriteError
from pymongo.read_concern import ReadConcern

from services.runtime.mongo import MAJORITY, OUTBOX, PENDING_EVENTS, database_down, utcnow

log = logging.getLogger(__name__)

PERSISTENT = 2
LEASE_SECONDS = 30
BATCH = 500
# a commit wakes the relay; the commits of the next 300 ms join its batch (under load, a batch of 100 ms held
# ~6 events and its bookkeeping cost as much as the events: 0.3 s cut the CPU of a first opening measurably)
KICK_LINGER_SECONDS = 0.3
CONFIRM_TIMEOUT_SECONDS = 10  # the broker must confirm a batch within this, or it is published again later
GAUGE_INTERVAL_SECONDS = 5  # the backlog is measured at most this often
BACKLOG_COUNT_LIMIT = 1_000_000  # the count stops there (an index range of the outbox): "at least this many"


class NotConfirmed(Exception):
    """The broker refused (nack) or did not confirm a published batch in time."""


class ConfirmedChannel:
    """A channel in publisher-confirm mode that publishes a batch, then waits once for all its confirms.

    kombu's ``confirm_publish`` waits for the broker after every single message; here the delivery tags of
    the batch (1, 2, ... per channel, as the broker numbers them) are kept until an ack covers them
    (``multiple`` acks cover every tag up to theirs). A nack, or no confirm within the timeout, raises.
    """

    def __init__(self, connection, channel):
        self.connection, self.channel = connection, channel
        channel.confirm_select()
        channel.events["basic_ack"].add(self._on_ack)
        channel.events["basic_nack"].add(self._on_nack)
        self.last_tag = 0
        self.unconfirmed = set()
        self.nacked = False

    def _settle(self, tag, multiple):
        if multiple:
            self.unconfirmed = {t for t in self.unconfirmed if t > tag}
        else:
            self.unconfirmed.discard(tag)

    def _on_ack(self, delivery_tag, multiple):
        self._settle(delivery_tag, multiple)

    def _on_nack(self, delivery_tag, multiple):
        self.nacked = True
        self._settle(delivery_tag, multiple)

    def publish(self, exchange, routing_key, body, headers, properties):
        content_type, encoding, data = kombu.serialization.dumps(body, "json")
        message = self.channel.prepare_message(data, 0, content_type, encoding, headers, properties)
        self.channel.basic_publish(message, exchange=exchange, routing_key=routing_key)
        self.last_tag += 1
        self.unconfirmed.add(self.last_tag)

    def wait_confirms(self, timeout=CONFIRM_TIMEOUT_SECONDS):
        deadline = time.monotonic() + timeout
        while self.unconfirmed and not self.nacked:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise NotConfirmed(f"{len(self.unconfirmed)} events not confirmed in {timeout} s")
            try:
                self.connection.drain_events(timeout=remaining)
            except socket.timeout:
                continue
        if self.nacked:
            raise NotConfirmed("the broker refused (nack) events of the batch")


def event_exchange(source):
    return Exchange(f"{source}.events", type="topic", durable=True, delivery_mode=PERSISTENT)


def consumer_queue(source, event_type, consumer):
    """The queue nameko declares for ``@event_handler(source, event_type)`` on
    ``consumer`` = "service.method" (handler type SERVICE_POOL)."""
    return Queue(f"evt-{source}-{event_type}--{consumer}", exchange=event_exchange(source),
                 routing_key=event_type, durable=True, auto_delete=False, exclusive=False)


def envelope(doc):
    """The message body consumers receive: the event without relay bookkeeping."""
    return {
        "event_id": doc["_id"],
        "event_type": doc["event_type"],
        "source": doc["source"],
        "version": doc["version"],
        "occurred_at": doc["occurred_at"].astimezone(datetime.timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        "correlation_id": doc.get("correlation_id"),
        "data": doc["data"],
    }


def pull_moved(carrier, doc_ids, event_ids):
    """Remove the moved events ``event_ids`` from the ``pending_events`` of the documents ``doc_ids``, and the
    field itself from a document it leaves empty, in one update of each document (a pipeline update is
    atomic per document): an event pushed meanwhile by ``update_carrying`` is not among ``event_ids``, so it
    stays, and so does the field that holds it."""
    left = {"$filter": {"input": f"${PENDING_EVENTS}",
                        "cond": {"$not": [{"$in": ["$$this._id", {"$literal": event_ids}]}]}}}
    remaining = {"$let": {"vars": {"left": left},
                          "in": {"$cond": [{"$gt": [{"$size": "$$left"}, 0]}, "$$left", "$$REMOVE"]}}}
    # a document another relay already emptied (and unset) is not matched: $size needs an array
    carrier.update_many({"_id": {"$in": doc_ids}, PENDING_EVENTS: {"$type": "array"}},
                        [{"$set": {PENDING_EVENTS: remaining}}])


class OutboxRelay:
    def __init__(self, db, amqp_uri, source, poll_interval=0.5, catalogue=None, carriers=(),
                 gauge_interval=GAUGE_INTERVAL_SECONDS):
        self.collection = db[OUTBOX]
        self.carried = [db[name] for name in carriers]  # read as they are now, for the backlog
        # events carried by a write not awaited in the journal (``update_carrying(durable=False)``) are
        # moved only once the majority has that write
        self.carriers = [db.get_collection(name, write_concern=MAJORITY, read_concern=ReadConcern("majority"))
                         for name in carriers]
        self.amqp_uri = amqp_uri
        self.source = source
        self.exchange = event_exchange(source)
        self.poll_interval = poll_interval
        self.owner = f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"
        self.gauge_interval = gauge_interval
        self.backlog = 0          # unpublished events when last measured
        self.oldest_at = None     # created_at of the oldest of them (None: there was none)
        self._measured_at = None  # time.monotonic() of the last measurement
        self._wake = threading.Event()
        self._stopped = threading.Event()
        self._connection = None
        self._channel = None
        if catalogue is None:
            from contracts.events import CATALOGUE
            catalogue = CATALOGUE
        self.catalogue = catalogue

    # --- lifecycle -------------------------------------------------------
    def kick(self):
        self._wake.set()

    def stop(self):
        self._stopped.set()
        self._wake.set()

    def run(self):
        backoff = self.poll_interval
        while not self._stopped.is_set():
            database_failed = False
            try:
                published = self.publish_pending()
                backoff = self.poll_interval
            except Exception as exc:  # broker or database down: retry later
                log.warning("outbox relay failed, will retry", extra={"error": repr(exc)})
                self._reset_connection()
                published = 0
                backoff = min(max(backoff * 2, 0.5), 10)
                database_failed = database_down(exc)
            if not database_failed:  # a database that just failed would only make the relay wait again
                self.refresh_gauges()
            if published < BATCH:
                # caught up: wait for a commit (or the poll interval), then for the commits right after it,
                # so a steady flow of events goes out in batches rather than one claim per event
                if self._wake.wait(backoff) and not self._stopped.is_set():
                    time.sleep(KICK_LINGER_SECONDS)
                self._wake.clear()
        self._reset_connection()

    # --- gauges ----------------------------------------------------------
    def refresh_gauges(self):
        """Measure the backlog if the last measurement is ``gauge_interval`` old."""
        now = time.monotonic()
        if self._measured_at is not None and now - self._measured_at < self.gauge_interval:
            return
        self._measured_at = now
        try:
            self.measure()
        except Exception as exc:  # the previous values stay; the age keeps growing from the known oldest
            log.warning("outbox backlog not measured", extra={"error": repr(exc)})

    def measure(self):
        """How many events are unpublished and the creation time of the oldest: the outbox rows not yet
        published (counted on the (published, created_at) index, the oldest found at its start) plus the
        events still carried by documents, which the relay moves every cycle (normally none; at most a batch
        of documents is read). While another replica moves carried events the count may be off by that batch."""
        count, oldest = 0, None
        for carrier in self.carried:
            for doc in carrier.find({f"{PENDING_EVENTS}._id": {"$exists": True}},
                                    {f"{PENDING_EVENTS}.created_at": 1}).limit(BATCH):
                for row in doc.get(PENDING_EVENTS, []):
                    count += 1
                    if row.get("created_at") and (oldest is None or row["created_at"] < oldest):
                        oldest = row["created_at"]
        unpublished = {"published": False}
        count += self.collection.count_documents(unpublished, limit=BACKLOG_COUNT_LIMIT)
        first = list(self.collection.find(unpublished, {"created_at": 1}).sort([("created_at", 1)]).limit(1))
        if first and (oldest is None or first[0]["created_at"] < oldest):
            oldest = first[0]["created_at"]
        self.backlog, self.oldest_at = count, oldest
        return count, oldest

    def oldest_age(self):
        """Seconds since the oldest unpublished event was created (0 when there was none), as of now."""
        oldest = self.oldest_at
        if oldest is None:
            return 0.0
        return max((utcnow() - oldest).total_seconds(), 0.0)

    # --- publishing ------------------------------------------------------
    def _ensure_channel(self):
        if self._channel is None:
            connection = Connection(self.amqp_uri, connect_timeout=5)
            connection.ensure_connection(max_retries=1)
            channel = connection.channel()
            self.exchange(channel).declare()
            for event_type, entry in self.catalogue.items():
                if entry["producer"] != self.source:
                    continue
                for consumer in entry.get("consumers", ()):
                    consumer_queue(self.source, event_type, consumer)(channel).declare()
            self._connection = connection
            self._channel = ConfirmedChannel(connection, channel)
        return self._channel

    def _reset_connection(self):
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                pass
        self._connection = None
        self._channel = None

    def claim_batch(self):
        """The oldest unpublished events no other relay holds, leased to this one. Two round trips when no
        other replica claimed any of them meanwhile (the usual case); a third reads back the ones this
        relay got when another did.

        Events this relay leased itself are free to it again: a batch whose publishing failed (the broker
        closed the connection) is retried at once, in its order, instead of waiting out its lease while
        the events after it overtake it."""
        now = utcnow()
        free = {"published": False, "$or": [{"lease_until": {"$exists": False}}, {"lease_until": {"$lt": now}},
                                            {"lease_owner": self.owner}]}
        docs = list(self.collection.find(free).sort([("created_at", 1), ("_id", 1)]).limit(BATCH))
        if not docs:
            return []
        ids = [d["_id"] for d in docs]
        lease = now + datetime.timedelta(seconds=LEASE_SECONDS)
        leased = self.collection.update_many({"_id": {"$in": ids}, **free},
                                             {"$set": {"lease_owner": self.owner, "lease_until": lease}})
        if leased.modified_count == len(ids):
            return docs
        return list(self.collection.find({"_id": {"$in": ids}, "lease_owner": self.owner, "lease_until": lease,
                                          "published": False}).sort([("created_at", 1), ("_id", 1)]))

    def collect_carried(self, crash_after_insert=False):
        """Move the events waiting in documents (``Store.update_carrying``) to the outbox; returns how many
        documents had some."""
        moved = 0
        for carrier in self.carriers:
            docs = list(carrier.find({f"{PENDING_EVENTS}._id": {"$exists": True}}, {PENDING_EVENTS: 1})
                        .limit(BATCH))
            rows = [row for doc in docs for row in doc.get(PENDING_EVENTS, [])]
            if not rows:
                continue
            try:
                self.collection.insert_many(rows, ordered=False)
            except BulkWriteError as exc:
                details = exc.details or {}
                if details.get("writeConcernErrors") or any(
                        error.get("code") != 11000 for error in details.get("writeErrors", [])):
                    raise  # anything but "already moved" (a crash after the insert, another replica)
            if crash_after_insert:
                raise RuntimeError("simulated crash between moving events to the outbox and pulling them")
            pull_moved(carrier, [doc["_id"] for doc in docs], [row["_id"] for row in rows])
            moved += len(docs)
        return moved

    def publish_pending(self, crash_after_publish=False):
        """Publish one claimed batch; returns how many events were published."""
        if self.carriers:
            self.collect_carried()
        docs = self.claim_batch()
        if not docs:
            return 0
        channel = self._ensure_channel()
        for doc in docs:
            headers = {"nameko.correlation_id": doc["correlation_id"]} if doc.get("correlation_id") else {}
            channel.publish(self.exchange.name, doc["event_type"], envelope(doc), headers,
                            {"delivery_mode": PERSISTENT, "message_id": doc["_id"]})
        channel.wait_confirms()
        if crash_after_publish:
            raise RuntimeError("simulated crash between publishing and marking as published")
        self.collection.update_many({"_id": {"$in": [d["_id"] for d in docs]}},
                                    {"$set": {"published": True, "published_at": utcnow()},
                                     "$unset": {"lease_owner": "", "lease_until": ""}})
        log.debug("outbox published", extra={"count": len(docs)})
        return len(docs)
