"""Gauges operators alert on that a service measures in its own database: one way for every service.

A store names what waits in its collections as ``Backlog`` s (``Store.backlogs``): a collection, the query
of the documents that wait, the field that tells since when each waits, and the names of its two gauges,
``portal_<service>_<count>`` (how many) and ``portal_<service>_<age>`` (seconds the oldest has waited, 0
when none). Every store has one more, ``portal_<service>_dead_letters``: the events it kept because they
can never apply (``Store.dead_letter``).

The ``Mongo`` dependency measures them in a thread of its own every ``GAUGE_INTERVAL`` seconds (5 by
default): a count (stopped at ``COUNT_LIMIT``) and the oldest document's time, index reads where the
store declared the index. A scrape reads the last measurement, never the database; an age is computed at
the scrape from the oldest time last seen, so it keeps growing while the database cannot be measured.
Every replica measures the same database, so each reports the service's whole backlog: alert on the
maximum over replicas. The outbox backlog is measured by the relay itself (``services.runtime.outbox``)
and reported the same way.
"""
import dataclasses
import logging
import threading

from services.runtime.mongo import DEAD_LETTERS, utcnow

log = logging.getLogger(__name__)

DEFAULT_INTERVAL_SECONDS = 5
COUNT_LIMIT = 1_000_000  # a count stops there: "at least this many"


@dataclasses.dataclass(frozen=True)
class Backlog:
    """Documents of ``collection`` matching ``query`` wait; ``since`` is the field of when each started to."""
    count: str                 # the count gauge's name after ``portal_<service>_``
    collection: str
    query: dict
    documentation: str
    age: str = None            # the oldest one's age gauge (None: only the count)
    since: str = "created_at"


DEAD_LETTER_BACKLOG = Backlog("dead_letters", DEAD_LETTERS, {},
                              "Events kept in dead_letters because they can never apply (reviewed by an operator)")


def queue_backlog(count, collection, documentation, age=None, statuses=("pending",)):
    """The backlog of a work queue (``services.runtime.workqueue``): its jobs in ``statuses``, counted on the
    queue's (status, next_attempt_at) index, aged by ``created_at``."""
    query = {"status": statuses[0]} if len(statuses) == 1 else {"status": {"$in": list(statuses)}}
    return Backlog(count, collection, query, documentation, age)


class Measurement:
    """The last measured state of one backlog."""

    def __init__(self, backlog):
        self.backlog = backlog
        self.count = 0
        self.oldest_at = None  # when the oldest waiting document started to wait (None: none waited)

    def measure(self, db):
        backlog = self.backlog
        collection = db[backlog.collection]
        count = collection.count_documents(backlog.query, limit=COUNT_LIMIT)
        oldest = None
        if backlog.age and count:
            first = list(collection.find(backlog.query, {backlog.since: 1}).sort([(backlog.since, 1)]).limit(1))
            oldest = first[0].get(backlog.since) if first else None
        self.count, self.oldest_at = count, oldest
        return count, oldest

    def oldest_age(self):
        """Seconds the oldest waiting document has waited, as of now (0 when none waited)."""
        oldest = self.oldest_at
        if oldest is None:
            return 0.0
        if oldest.tzinfo is None:  # a client without tz_aware reads naive UTC
            oldest = oldest.replace(tzinfo=utcnow().tzinfo)
        return max((utcnow() - oldest).total_seconds(), 0.0)


def wire(service, measurements):
    """Point the service's gauges at ``measurements`` (the process's last ones win, as with the outbox)."""
    from services.runtime.observability import gauge

    for m in measurements:
        gauge(service, m.backlog.count, m.backlog.documentation).set_function(lambda m=m: m.count)
        if m.backlog.age:
            gauge(service, m.backlog.age, f"Age in seconds of the oldest of: {m.backlog.documentation} "
                                          "(0 when none)").set_function(m.oldest_age)


def metric_names(service, backlogs):
    """The gauge names ``backlogs`` give ``service`` (for the alert rules' checks)."""
    names = []
    for backlog in backlogs:
        names.append(f"portal_{service}_{backlog.count}")
        if backlog.age:
            names.append(f"portal_{service}_{backlog.age}")
    return names


class BacklogGauges:
    """Measures a store's backlogs every ``interval`` seconds until stopped (``run`` is the thread's body)."""

    def __init__(self, db, service, backlogs, interval=DEFAULT_INTERVAL_SECONDS):
        self.db = db
        self.service = service
        self.interval = interval
        self.measurements = [Measurement(b) for b in backlogs]
        self._stopped = threading.Event()
        wire(service, self.measurements)

    def measure(self):
        """One round: each backlog measured; one that fails keeps its last values."""
        for m in self.measurements:
            try:
                m.measure(self.db)
            except Exception as exc:  # the database is down: the age keeps growing from the known oldest
                log.warning("backlog not measured", extra={"gauge": m.backlog.count, "error": repr(exc)})

    def run(self):
        while not self._stopped.is_set():
            self.measure()
            self._stopped.wait(self.interval)

    def stop(self):
        self._stopped.set()
