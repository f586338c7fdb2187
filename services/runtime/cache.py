"""A per-process read cache of one collection, kept honest by a change stream.

For documents read far more often than written (a case file is read by every
party many times between two filings). Every process watches the collection's
change stream; any insert, update, replace or delete evicts that document, and
a write made by this process evicts it at commit. Without a live stream there is
no caching at all. What a reader may see is therefore at most as old as the
stream's delivery delay (milliseconds) after another replica's commit, and never
older than ``ttl`` seconds even if the stream stalled unnoticed.
"""
import logging
import threading
import time

from pymongo.errors import PyMongoError

from services.runtime.memo import BoundedMemo

log = logging.getLogger(__name__)


class WatchedCache:
    def __init__(self, collection, max_size=2048, ttl=5.0):
        self.collection = collection
        self.max_size = max_size
        self.ttl = ttl
        self._entries = BoundedMemo(max_size)  # the least recently read is forgotten first
        self._lock = threading.Lock()
        self._generation = 0
        self._live = False
        self._stopped = threading.Event()

    # --- reading ------------------------------------------------------------
    def get(self, key, load):
        """The document ``key``: from the cache, or ``load(key)`` (None if absent)."""
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None and self._live and now - entry[1] < self.ttl:
                self._entries.put(key, entry)  # read again: the newest
                return entry[0]
            generation = self._generation
        document = load(key)
        with self._lock:
            # store only if nothing was evicted meanwhile (the read may predate a change)
            if document is not None and self._live and generation == self._generation:
                self._entries.put(key, (document, now))
        return document

    def evict(self, key):
        with self._lock:
            self._generation += 1
            self._entries.pop(key)

    def clear(self):
        with self._lock:
            self._generation += 1
            self._entries.clear()

    # --- the watcher ----------------------------------------------------------
    def stop(self):
        self._stopped.set()

    def watch(self):
        """Run the change stream until stopped (a managed thread of the service)."""
        while not self._stopped.is_set():
            try:
                with self.collection.watch(max_await_time_ms=1000) as stream:
                    self._live = True
                    while not self._stopped.is_set() and stream.alive:
                        change = stream.try_next()
                        if change is None:
                            continue
                        if "documentKey" in change:
                            self.evict(change["documentKey"]["_id"])
                        else:  # drop, rename, invalidate: forget everything
                            self.clear()
            except PyMongoError as exc:
                log.warning("cache change stream lost; caching off until it returns",
                            extra={"collection": self.collection.name, "error": repr(exc)})
            finally:
                self._live = False
                self.clear()
            if not self._stopped.is_set():
                self._stopped.wait(1.0)
