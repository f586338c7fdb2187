"""A per-process cache of rendered agenda pages (one court's agenda: what ``QueriesService.hearings`` answers),
kept honest by a change stream.

Each court has a version in this process; every write to any generation's hearings (an insert or a replace:
the read model's only writes of one hearing) that the database's change stream reports raises the version of
that hearing's court, and any other change (a reservation's ``update_many``, a drop) forgets every page. A page
is kept with the version its court had before it was read and served only while that version holds, so a
change committed while a page was being read makes that page stale at once. Without a live stream nothing is
cached; no page is older than ``ttl`` seconds even if the stream stalled unnoticed. What a reader may see is
therefore at most the stream's delivery delay (milliseconds) behind the read model, well within the 2 s the
issue allows between a producer's commit and a public answer.
"""
import logging
import threading
import time

from nameko.extensions import DependencyProvider
from pymongo.errors import PyMongoError

from services.queries.live import agenda_change, agenda_pipeline, token_of
from services.runtime.config import Settings
from services.runtime.memo import BoundedMemo
from services.runtime.mongo import database_name, get_client

log = logging.getLogger(__name__)


class AgendaPages:
    def __init__(self, max_pages=5000, ttl=60.0):
        self.ttl = ttl
        self._pages = BoundedMemo(max_pages)
        self._versions = {}   # court id -> version
        self._epoch = 0       # raised when everything is forgotten
        self._lock = threading.Lock()
        self._live = False
        self._stopped = threading.Event()
        self.hits = self.misses = 0
        # the resume token up to which every change has been applied to the versions (None while not live): a page
        # this process gives after reading it is at least as new as it (``position``)
        self._position = None

    @property
    def position(self):
        """Every change to hearings up to this resume token had been seen here when it was read, so a page given
        after reading it holds them (the gateway keeps pages by it, ``gateway.agenda``); None without a live
        stream."""
        return self._position if self._live else None

    def get(self, key, court_id, load):
        """The page ``key`` of court ``court_id``: from the cache, or ``load()``."""
        now = time.monotonic()
        with self._lock:
            version = (self._epoch, self._versions.get(court_id, 0))
            entry = self._pages.get(key)
            if entry is not None and self._live and entry[1] == version and now - entry[2] < self.ttl:
                self.hits += 1
                return entry[0]
            self.misses += 1
        page = load()
        with self._lock:
            if self._live and version == (self._epoch, self._versions.get(court_id, 0)):
                self._pages.put(key, (page, version, now))
        return page

    def changed(self, court_id):
        with self._lock:
            self._versions[court_id] = self._versions.get(court_id, 0) + 1

    def clear(self):
        with self._lock:
            self._epoch += 1
            self._pages.clear()

    def stop(self):
        self._stopped.set()

    def watch(self, db):
        """Follow the database's changes to hearings until stopped (a managed thread of the service)."""
        while not self._stopped.is_set():
            try:
                with db.watch(agenda_pipeline(), max_await_time_ms=1000) as stream:
                    self._position = token_of(stream)
                    self._live = True
                    while not self._stopped.is_set() and stream.alive:
                        change = stream.try_next()
                        if change is not None:
                            meaning = agenda_change(change)
                            if meaning["type"] == "court":
                                self.changed(meaning["data"]["court_id"])
                            else:
                                self.clear()
                        self._position = token_of(stream) or self._position  # after the versions moved
            except PyMongoError as exc:
                log.warning("agenda page cache: change stream lost; caching off until it returns",
                            extra={"error": repr(exc)})
            finally:
                self._live = False
                self._position = None
                self.clear()
            if not self._stopped.is_set():
                self._stopped.wait(1.0)


class AgendaPageCache(DependencyProvider):
    """``pages = AgendaPageCache()`` on the service: one ``AgendaPages`` per process, its watcher a managed thread."""

    def setup(self):
        settings = Settings(self.container.config)
        self.db = get_client(settings.mongo_uri)[database_name(settings.db_prefix, "queries")]
        self.pages = AgendaPages(max_pages=settings.int("QUERIES_AGENDA_CACHE_PAGES", 5000))

    def start(self):
        self.container.spawn_managed_thread(lambda: self.pages.watch(self.db), identifier="agenda_page_watch")

    def stop(self):
        self.pages.stop()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self.pages
