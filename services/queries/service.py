"""The queries service (consultas públicas): the public read model, built from events only. Entrypoints only.

It never reads another service's database and never calls another service while answering a public request:
the PDFs of public resolutions are copied here by a timer, the list of courts by another.
"""
import logging
import time

from contracts import paging
from contracts.base import load, prepared_json
from contracts.events import CATALOGUE
from contracts.live import LiveChangesRequestSchema
from contracts.queries import CourtCalendarQuerySchema, PublicCasesQuerySchema, PublicHearingsQuerySchema
from services.queries import domain, errors, ical, views
from services.queries.pages import AgendaPageCache
from services.queries.settings import QueriesSettings
from services.queries.store import QueriesStore
from services.runtime.config import SettingsProvider
from services.runtime.court_calendar import RuleError
from services.runtime.errors import PortalError
from services.runtime.events import event
from services.runtime.mongo import Mongo, utcnow
from services.runtime.observability import Observability, counter, gauge, histogram
from services.runtime.rpc import call, proxy, rpc
from services.runtime.timers import config_timer

log = logging.getLogger(__name__)

events_applied = counter("queries", "events_total", "Events received, by type and outcome (applied, duplicate, "
                         "dead_letter)", ["event_type", "outcome"])
event_lag = histogram("queries", "event_lag_seconds", "From the event's occurrence to its application here",
                      buckets=(0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300))
documents_fetched = counter("queries", "documents_fetched_total", "Copies of public resolutions' PDFs, by outcome "
                            "(kept, retry, mismatch, failed)", ["outcome"])
COURTS_REFRESH_SECONDS = 300
_courts_refreshed = {"at": float("-inf")}  # this process's last successful refresh (monotonic seconds)
fetch_queue = gauge("queries", "document_fetch_queue_documents", "PDF copies still to fetch, as of the last run")


class QueriesService:
    name = "queries"

    store = Mongo(QueriesStore)
    observability = Observability()
    settings = SettingsProvider(QueriesSettings)
    pages = AgendaPageCache()
    filings = proxy("filings")

    # --- events in ---------------------------------------------------------------------------------------------
    def _apply(self, envelope):
        event_type = envelope["event_type"]
        consumer = next(c for c in CATALOGUE[event_type]["consumers"] if c.startswith("queries."))
        try:
            applied = self.store.run_once(consumer, envelope,
                                          lambda tx, env: self.store.apply_event(tx, event_type, env["data"]))
        except (RuleError, ValueError, KeyError, TypeError) as exc:
            log.error("event cannot be applied; kept in dead_letters",
                      extra={"event_id": envelope["event_id"], "event_type": event_type, "error": repr(exc)})
            self.store.dead_letter(envelope, repr(exc))
            events_applied.labels(event_type, "dead_letter").inc()
            return
        events_applied.labels(event_type, "applied" if applied else "duplicate").inc()
        if applied:
            try:
                event_lag.observe(max(0.0, (utcnow() - domain.parse_instant(envelope["occurred_at"])).total_seconds()))
            except ValueError:
                pass

    @event("filings", "case_opened")
    def on_case_opened(self, envelope):
        self._apply(envelope)

    @event("filings", "case_reserved")
    def on_case_reserved(self, envelope):
        self._apply(envelope)

    @event("filings", "hearing_scheduled")
    def on_hearing_scheduled(self, envelope):
        self._apply(envelope)

    @event("filings", "hearing_changed")
    def on_hearing_changed(self, envelope):
        self._apply(envelope)

    @event("filings", "resolution_issued")
    def on_resolution_issued(self, envelope):
        self._apply(envelope)

    # --- jobs (the only calls to other services) ---------------------------------------------------------------------
    @config_timer("QUERIES_FETCH_INTERVAL", 1)
    def fetch_documents(self):
        """Copy the PDFs of public resolutions from filings, one job after another, until none is due or the run's
        budget has passed; a failure waits its backoff (filings down delays copies, loses none)."""
        queue = self.store.fetch_queue(self.settings.fetch_policy)
        started = time.monotonic()
        while time.monotonic() - started < self.settings.fetch_budget:
            job = queue.claim()
            if job is None:
                break
            try:
                result = call(self.filings.get_resolution_document, job["resolution_id"],
                              timeout=self.settings.rpc_timeout)
            except PortalError as exc:
                outcome = queue.fail(job, exc)
                documents_fetched.labels("failed" if outcome and outcome.give_up else "retry").inc()
                log.warning("resolution document not fetched; retried later",
                            extra={"resolution_id": job["resolution_id"], "error": str(exc)})
                if exc.status >= 500:
                    break  # filings is not answering: the other jobs wait for the next run
                continue
            if self.store.keep_pdf(job, result["content"]):
                queue.complete(job)
                documents_fetched.labels("kept").inc()
            else:
                queue.give_up(job, "SHA-256 distinto del anunciado en el evento")
                documents_fetched.labels("mismatch").inc()
                log.error("resolution document does not match its event", extra={"resolution_id": job["_id"]})
        fetch_queue.set(queue.length())

    @config_timer("QUERIES_COURTS_INTERVAL", 10, eager=True)
    def refresh_courts(self):
        """The courts filings knows (their names), so an agenda query can tell an unknown court: tried every
        QUERIES_COURTS_INTERVAL seconds until it succeeds, then every COURTS_REFRESH_SECONDS."""
        if time.monotonic() - _courts_refreshed["at"] < COURTS_REFRESH_SECONDS:
            return
        try:
            self.store.keep_courts(call(self.filings.list_courts, timeout=self.settings.rpc_timeout)["items"])
            _courts_refreshed["at"] = time.monotonic()
        except PortalError as exc:
            log.warning("courts not refreshed; tried again shortly", extra={"error": str(exc)})

    # --- health ----------------------------------------------------------------------------------------------------
    @rpc
    def health(self):
        return self.store.health()

    # --- the public reads ---------------------------------------------------------------------------------------------
    def _load(self, schema, query):
        return load(schema, query or {}, "Parámetros de consulta inválidos.")

    def _known_court(self, court_id):
        if court_id and self.store.court(court_id) is None:
            raise errors.court_not_found(court_id)

    @rpc
    def hearings(self, query=None):
        """GET /api/v1/public/hearings: the agenda of one local day or range, in start order, as the JSON text the
        gateway sends and its ETag (``contracts.base.prepared_json``)."""
        query = self._load(PublicHearingsQuerySchema, query)
        tz = self.settings.tz
        try:
            days = domain.hearing_range(domain.local_today(utcnow(), tz), query.get("date"), query.get("from_"),
                                        query.get("to"))
        except RuleError as exc:
            raise errors.rule_broken(exc)
        self._known_court(query.get("court_id"))
        limit = query.get("limit", 50)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        start, end = days.bounds(tz)
        generation = self.store.current()

        def page():  # the answer ready to send: its JSON text and ETag, made once per cached page
            items, next_cursor = self.store.hearings_page(generation, start, end, query, limit, cursor)
            return prepared_json({"items": [views.hearing_view(h, tz) for h in items], "next_cursor": next_cursor})

        court_id = query.get("court_id")
        if not court_id:
            return page()
        # one court's agenda: the rendered page, per process, while no hearing of the court changed; with the
        # position of the changes seen here before it was looked up (the gateways keep pages by it)
        position = self.pages.position
        key = (generation, court_id, start, end, limit, query.get("cursor"),
               *(query.get(name) for name in ("case_number", "kind", "status", "mode")))
        return {**self.pages.get(key, court_id, page), "position": position}

    @rpc
    def agenda_changes(self, request=None):
        """The changes to hearings after a resume token, for the gateways' cache of agenda pages
        (``gateway.agenda``): which court's pages each one changes, or all of them (``services.queries.live``).
        Court ids only, what the public agenda shows anyway, so not audited; no route of the API answers it."""
        request = load(LiveChangesRequestSchema, request or {})
        return self.store.agenda_changes(request.get("after"), request.get("wait_seconds", 0),
                                         request.get("limit", 500))

    @rpc
    def court_calendar(self, query=None):
        """GET /api/v1/public/hearings.ics: a court's feed (text/calendar)."""
        query = self._load(CourtCalendarQuerySchema, query)
        court = self.store.court(query["court_id"])
        if court is None:
            raise errors.court_not_found(query["court_id"])
        start, end = domain.feed_window(utcnow())
        hearings = self.store.court_feed(self.store.current(), court["_id"], start, end)
        return ical.calendar(f"Audiencias - {court['name'] or court['_id']}", hearings, self.settings.tz.key)

    @rpc
    def case_calendar(self, case_number):
        """GET /api/v1/public/cases/{n}/hearings.ics: the public hearings of one case (an empty calendar for a case
        with none, reserved or unknown alike: it reveals nothing, and subscribers see its hearings go)."""
        hearings = self.store.case_hearings(self.store.current(), str(case_number))
        return ical.calendar(f"Audiencias del expediente {case_number}", hearings, self.settings.tz.key)

    def _public_case(self, generation, case_number):
        case = self.store.case(generation, str(case_number))
        if case is None or not domain.is_public_case(case):
            raise errors.case_not_public(case_number)
        return case

    @rpc
    def case(self, case_number):
        """GET /api/v1/public/cases/{n}: an amparo or antejuicio, its actuaciones and upcoming hearings."""
        generation = self.store.current()
        case = self._public_case(generation, case_number)
        actuaciones = self.store.actuaciones(generation, case["_id"])
        held = self.store.pdfs_held(a["_id"] for a in actuaciones)
        actuaciones = [(a, a["_id"] in held) for a in actuaciones]
        hearings = self.store.case_hearings(generation, case["_id"])
        return views.case_view(case, actuaciones, hearings, utcnow(), self.settings.tz)

    @rpc
    def resolution_document(self, case_number, resolution_id):
        """The read model's copy of a public resolution's PDF: {document: {filename, sha256, size}, content}."""
        generation = self.store.current()
        case = self._public_case(generation, case_number)
        actuacion = self.store.actuacion(generation, str(resolution_id))
        if actuacion is None or actuacion["case_number"] != case["_id"]:
            raise errors.resolution_not_found(resolution_id)
        kept = self.store.pdf(actuacion["_id"])
        if kept is None:
            raise errors.document_pending(actuacion["_id"])
        file_doc, content = kept
        return {"document": {"filename": file_doc["filename"], "sha256": file_doc["metadata"]["sha256"],
                             "size": len(content)}, "content": content}

    @rpc
    def cases(self, query=None):
        """GET /api/v1/public/cases: by a party's name (best matches first) or a period, always paged."""
        query = self._load(PublicCasesQuerySchema, query)
        tz = self.settings.tz
        try:
            period = domain.period_range(query.get("from_"), query.get("to"))
            wanted = domain.query_words(query["q"]) if query.get("q") is not None else None
        except RuleError as exc:
            raise errors.rule_broken(exc)
        self._known_court(query.get("court_id"))
        admitted = period.bounds(tz) if period is not None else None
        limit = query.get("limit", 20)
        generation = self.store.current()
        if wanted is None:
            items, next_cursor = self.store.list_cases(generation, query, admitted, limit, query.get("cursor"))
        else:
            items, next_cursor = self.store.search_cases(generation, wanted, query, admitted, limit,
                                                         query.get("cursor"))
        return {"items": [views.case_summary(c, tz) for c in items], "next_cursor": next_cursor}

    @rpc
    def verify_document(self, sha256):
        """Whether a document with this SHA-256 was issued (any resolution of any matter): a verdict."""
        sha256 = str(sha256).lower()
        docs = self.store.resolutions_by_sha256(self.store.current(), sha256)
        return views.verification(sha256, docs, self.settings.tz)
