"""The audit log: who read or tried to read what, written before the answer leaves.

Every read of a case file, a document or a mailbox writes one entry, so under
load the log is the hottest write path. Entries are written with group commit:
the first caller that finds no write in progress becomes the leader and inserts
every entry queued so far in one ``insert_many``, repeating while more arrive;
the others wait for the batch that carries their entry. Nobody gets an answer
before its entry is stored, and a failed write fails the read. The leader never
waits on a timer: entries that arrive while an insert is in flight form the next
batch, written as soon as that insert returns, so batches grow with the load by
themselves, and when the last batch had more than one entry (reads are arriving
together) the leader first lingers ``AUDIT_LINGER_MS`` (2 ms) so the next ones join:
each insert is one command whatever its size, and a command costs mongod and the
driver far more than a document (a batch of 1 costs mongod 0.40 ms an entry, of 3
0.14, of 10 0.065). A lone read never waits. Measured in alternating runs on one
machine: 2 ms took the case read from 67% to 73% of the reference; 4 and 8 ms saved
more CPU but held the reads long enough to lose rate (73/67% and 66/67%); 20 ms,
the linger until December 2026, gave 41-55%.
"""
import threading
import time

from services.runtime.mongo import utcnow

WAIT_SECONDS = 30
DEFAULT_LINGER_MS = 2.0
LINGER_SECONDS = DEFAULT_LINGER_MS / 1000  # set from AUDIT_LINGER_MS by configure() when a store starts

MAX_TARGET_LENGTH = 200  # a target can carry an identifier a caller sent: keep the log bounded


def configure(linger_ms):
    """How long a leader waits for more entries before an insert, when the last batch had company."""
    global LINGER_SECONDS
    if not 0 <= float(linger_ms) <= 50:
        raise ValueError("AUDIT_LINGER_MS must be between 0 and 50")
    LINGER_SECONDS = float(linger_ms) / 1000


_writers = {}
_writers_lock = threading.Lock()


class _Pending:
    __slots__ = ("doc", "done", "error")

    def __init__(self, doc):
        self.doc = doc
        self.done = threading.Event()
        self.error = None


class GroupWriter:
    def __init__(self, collection):
        self.collection = collection
        self._lock = threading.Lock()
        self._queue = []
        self._writing = False
        self._last_batch = 0

    def write(self, doc):
        entry = _Pending(doc)
        with self._lock:
            self._queue.append(entry)
            leader = not self._writing
            if leader:
                self._writing = True
        if leader:
            self._drain()
        elif not entry.done.wait(WAIT_SECONDS):
            raise TimeoutError("audit log write timed out")
        if entry.error is not None:
            raise entry.error

    def _drain(self):
        if LINGER_SECONDS and self._last_batch > 1:  # concurrent reads: let the next ones join this batch
            time.sleep(LINGER_SECONDS)
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._writing = False
                    return
            self._last_batch = len(batch)
            error = None
            try:
                self.collection.insert_many([entry.doc for entry in batch], ordered=False)
            except Exception as exc:  # every waiter of this batch sees the failure
                error = exc
            for entry in batch:
                entry.error = error
                entry.done.set()


def writer_for(collection):
    return _writer(collection.database, collection.name, collection)


def _writer(database, name, collection=None):
    key = (id(database.client), database.name, name)
    writer = _writers.get(key)
    if writer is None:
        with _writers_lock:
            writer = _writers.get(key)
            if writer is None:
                writer = _writers[key] = GroupWriter(collection if collection is not None else database[name])
    return writer


def entry(actor, action, target, outcome, details=None):
    return {"at": utcnow(), "actor": {"sub": actor.get("sub"), "role": actor.get("role")},
            "action": action, "target": str(target)[:MAX_TARGET_LENGTH], "outcome": outcome,
            "details": details or {}}


def record(collection, actor, action, target, outcome, details=None):
    """Write one audit entry (durably, before returning)."""
    writer_for(collection).write(entry(actor, action, target, outcome, details))


def record_in(database, actor, action, target, outcome, details=None):
    """``record`` into the ``audit`` collection of ``database`` (its writer found without building a
    collection object on every call)."""
    _writer(database, "audit").write(entry(actor, action, target, outcome, details))
