"""The audit log: who read or tried to read what, written before the answer leaves.

Every read of a case file, a document or a mailbox writes one entry, so under
load the log is the hottest write path. Entries are written with group commit:
the first caller that finds no write in progress becomes the leader and inserts
every entry queued so far in one ``insert_many``, repeating while more arrive;
the others wait for the batch that carries their entry. Nobody gets an answer
before its entry is stored, and a failed write fails the read. The leader never
waits on a timer: entries that arrive while an insert is in flight form the next
batch, written as soon as that insert returns, so batches grow with the load by
themselves. (A fixed linger before each insert, 20 ms until December 2026, made larger
batches but held every concurrent read for it: in back-to-back runs on one machine
the case read made 41-55% of the reference with it, 58-73% without; see the
README's speed section.)
"""
import threading

from services.runtime.mongo import utcnow

WAIT_SECONDS = 30
MAX_TARGET_LENGTH = 200  # a target can carry an identifier a caller sent: keep the log bounded

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
        while True:
            with self._lock:
                batch, self._queue = self._queue, []
                if not batch:
                    self._writing = False
                    return
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
