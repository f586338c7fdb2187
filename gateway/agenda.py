"""One court's public agenda for a day or a range, kept in each gateway process, so that the most read pages (today's
and this week's hearings of a court) are answered without asking the queries service every time.

Freshness. A page may be kept only while the gateway knows of every change to hearings since the page was made:
one greenthread of this process long-polls ``queries.agenda_changes`` (the change stream of the queries database,
``services.queries.live``) from the last resume token it reached, as the real-time hub does (``gateway.live``),
and for each change raises the version of that court's pages (or of every page: a reservation, a rebuild's
switch), so that a page kept before the change is not served again. The queries service answers a page with the
``position`` its own watcher had reached before it looked the page up (``services.queries.pages``): a page is kept
only when that position is not older than the last change this gateway saw for that court (a replica of
``queries`` whose watcher was behind would answer a page without it) nor older than where following began, and
only when no change to the court arrived while it was being asked for. Resume tokens sort in the order of the
changes. (An idle watcher's position moves on at its await, a second: right after a gateway starts following, a
page is kept from the first answer that reaches where it began.)

While the long poll fails (the queries service restarting, the broker away) nothing is kept or served from here;
when it reads again it resumes from its token, so no change is missed, or, if the token can no longer be resumed,
it forgets everything. A page is also never older than ``ttl`` seconds. What a reader may see is therefore at most
the delivery delay of the long poll behind the read model (milliseconds; the issue allows 2 s from a producer's
commit to a public answer). Requests without a court or without a date (``today`` moves at midnight) are never
kept.
"""
import logging
import time

import eventlet

from gateway.live import ServiceReader
from services.runtime import rpc
from services.runtime.config import Settings
from services.runtime.errors import PortalError
from services.runtime.memo import BoundedMemo
from services.runtime.observability import counter, gauge

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 5
CALL_MARGIN_SECONDS = 5     # a long poll's answer is given up on that much after its wait (then asked again)
FIRST_CALL_SECONDS = 2      # the first read waits for nothing: a request the broker dropped (queries not up yet)
#                             is asked again soon
BATCH = 500
# after a read that brought changes, the next one waits this long: at 200 changes a second a read per change would
# be an RPC and a change stream opened each time; a tenth of a second more before a page shows a change is within
# the 2 s the issue allows
BETWEEN_READS_SECONDS = 0.1
RETRY_SECONDS = (0.5, 1, 2, 5)
DEFAULT_PAGES = 3000
DEFAULT_TTL_SECONDS = 60.0
# a page larger than this (a month of a busy court, say) is not kept: what anyone can make the gateway hold stays
# under DEFAULT_PAGES x MAX_KEPT_BYTES (96 MiB), whatever pages they ask for; a day of one court is a few KiB
MAX_KEPT_BYTES = 32 * 1024

following = gauge("gateway", "agenda_pages_following", "1 while this gateway follows the changes to hearings and "
                  "may keep agenda pages; 0 while it cannot (every page is asked of the queries service)")
pages_answered = counter("gateway", "agenda_pages_total", "Public agenda pages answered, by where from (cache: "
                         "kept in this gateway; queries: asked of the queries service)", ["source"])


def page_key(query):
    """The key of a request's page (its validated query string), or None when it is not kept: no court, or no
    explicit day or range."""
    if not query.get("court_id") or not (query.get("date") or (query.get("from") and query.get("to"))):
        return None
    return tuple(sorted(query.items()))


class KeptPages:
    """The pages and what they depend on (no I/O; ``clock`` passed in)."""

    def __init__(self, max_pages=DEFAULT_PAGES, ttl=DEFAULT_TTL_SECONDS, clock=time.monotonic):
        self.ttl = ttl
        self.clock = clock
        self._pages = BoundedMemo(max_pages) if max_pages > 0 else None
        self._versions = {}   # court id -> version, raised by each change of its hearings
        self._floors = {}     # court id -> resume token of its last change seen
        self._floor = None    # no page older than it is kept: where following began, or the last change seen when
        #                       every page was last forgotten (it covers the courts' floors forgotten with them)
        self._latest = None   # the resume token of the last change seen (or where following began)
        self._epoch = 0       # raised when every page is forgotten
        self._live = False

    def get(self, key, court_id, load):
        """The page ``key`` of court ``court_id``: kept, or ``load()`` (the queries service's answer, with its
        ``position``), kept if it may be."""
        if self._pages is None or key is None:
            pages_answered.labels("queries").inc()
            return load()
        version = (self._epoch, self._versions.get(court_id, 0))
        entry = self._pages.get(key)
        if self.live and entry is not None and entry[1] == version and self.clock() - entry[2] < self.ttl:
            self._pages.put(key, entry)  # the newest again: pages read often outlive those read once
            pages_answered.labels("cache").inc()
            return entry[0]
        started = self.clock()
        answer = load()
        pages_answered.labels("queries").inc()
        if self._keepable(answer, court_id, version):
            self._pages.put(key, (answer, version, started))
        return answer

    def _keepable(self, answer, court_id, version):
        position = answer.get("position")
        return (self.live and bool(position) and self._floor is not None and len(answer["body"]) <= MAX_KEPT_BYTES
                and version == (self._epoch, self._versions.get(court_id, 0))
                and position >= self._floor and position >= self._floors.get(court_id, ""))

    @property
    def live(self):
        return self._live

    @live.setter
    def live(self, value):
        self._live = value
        following.set(1 if value else 0)

    def follow_from(self, token):
        """Changes are known from ``token`` on (the first read, or one that could not resume): forget every page."""
        self._latest = token
        self._forget()
        self.live = token is not None

    def apply(self, event):
        """One change (``services.queries.live.agenda_change``), in order."""
        self._latest = event["id"]
        if event["type"] == "court":
            court_id = event["data"]["court_id"]
            self._versions[court_id] = self._versions.get(court_id, 0) + 1
            self._floors[court_id] = event["id"]
        else:
            self._forget()

    def resumed(self):
        """The long poll read again from where it was: nothing was missed."""
        self.live = self._floor is not None

    def lost(self):
        """The long poll failed: nothing is served or kept from here until it reads again."""
        self.live = False
        self._forget()

    def _forget(self):
        self._epoch += 1
        self._floors = {}
        self._floor = self._latest
        if self._pages is not None:
            self._pages.clear()


class AgendaPages(ServiceReader):
    """``agenda = AgendaPages()`` on the gateway: one ``KeptPages`` per process and its long poll of
    ``queries.agenda_changes`` (a managed greenthread). ``GATEWAY_AGENDA_PAGES`` (3000; 0 keeps none)."""

    entrypoint = "agenda"

    def __init__(self):
        super().__init__("queries")

    def setup(self):
        super().setup()
        self.kept = KeptPages(Settings(self.container.config).int("GATEWAY_AGENDA_PAGES", DEFAULT_PAGES))

    def start(self):
        super().start()
        if self.kept._pages is not None:
            self._thread = self.container.spawn_managed_thread(self._run)

    def get_dependency(self, worker_ctx):
        return self.kept

    def _run(self):
        token, failures = None, 0
        while True:
            wait = LONG_POLL_SECONDS if token else 0
            body = {"after": token, "wait_seconds": wait, "limit": BATCH}
            try:
                result = rpc.call(self._proxy().agenda_changes, body,
                                  timeout=wait + CALL_MARGIN_SECONDS if token else FIRST_CALL_SECONDS)
            except Exception as exc:  # noqa: BLE001 - the service down or restarting, or a bug: keep nothing, retry
                self.kept.lost()
                failures += 1
                if not isinstance(exc, PortalError):
                    log.exception("agenda pages: changes not read")
                elif failures == 1:
                    log.warning("agenda pages: changes not read; keeping none until they are",
                                extra={"error": exc.code})
                eventlet.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                continue
            failures = 0
            if len(result["events"]) >= BATCH:
                # far behind (a rebuild, a bulk load): forgetting every page and following from now costs one read;
                # catching up would be a read per BATCH changes, each page invalidated again and again meanwhile
                self.kept.lost()
                token = None
                continue
            if token is None or result.get("reset"):
                self.kept.follow_from(result.get("last_id"))
            else:
                for event in result["events"]:
                    self.kept.apply(event)
                self.kept.resumed()
            token = result.get("last_id") or token
            if result["events"]:
                eventlet.sleep(BETWEEN_READS_SECONDS)
            if token is None:  # no position to follow from yet (an idle database): ask again in a while
                eventlet.sleep(RETRY_SECONDS[0])
