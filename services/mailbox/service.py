"""The mailbox service (casillero electrónico): notices, their timestamps, evidence and alerts. Entrypoints only."""
import logging
import time

from contracts import paging
from contracts.base import load, load_actor
from contracts.mailbox import (CaseNotificationsQuerySchema, ClosureRequestSchema, HolidaysQuerySchema,
                               ListClosuresQuerySchema, ListNotificationsQuerySchema, ProfileSchema)
from contracts.live import OwnedLiveChangesRequestSchema, is_live_system, live_recipients
from services.mailbox import access, domain, errors, evidence, records
from services.mailbox.alerts import Alerts
from services.mailbox.keys import SigningKey
from services.mailbox.settings import MailboxSettings
from services.mailbox.store import LAPSE_BATCH, MailboxStore
from services.runtime.config import SettingsProvider
from services.runtime.court_calendar import half_day_holidays
from services.runtime.errors import NotFound
from services.runtime.events import event
from services.runtime.mongo import Mongo, utcnow
from services.runtime.observability import Observability, counter, gauge
from services.runtime.rpc import call, proxy, rpc
from services.runtime.timers import config_timer

log = logging.getLogger(__name__)

notifications_available = counter("mailbox", "notifications_available_total", "Notices made available in mailboxes")
notifications_served = counter("mailbox", "notifications_served_total", "Notices served, by how", ["served_by"])
due_dates_fixed = counter("mailbox", "due_dates_total", "Due dates fixed: notices served with a term to answer (the "
                          "term starts running then), by how they were served", ["served_by"])
alerts_sent = counter("mailbox", "alerts_sent_total", "Alert e-mails, by outcome (sent, retry, failed)", ["outcome"])
# a gauge operators alert on (each replica reports its own); the alert queue's are the store's backlogs
lapse_last_success = gauge("mailbox", "lapse_last_success_timestamp_seconds",
                           "Unix time at which this replica's lapse job (deemed service) last finished without error")


class MailboxService:
    name = "mailbox"

    store = Mongo(MailboxStore)
    observability = Observability()
    keys = SigningKey()
    alerts = Alerts(alerts_sent)
    filings = proxy("filings")
    settings = SettingsProvider(MailboxSettings)

    @property
    def tz_name(self):
        return self.settings.tz_name

    @property
    def deemed_days(self):
        return self.settings.deemed_days

    def calendar(self):
        return self.store.calendar(self.tz_name)

    def today(self):
        """The court's local date now."""
        return domain.local_today(utcnow(), self.settings.tz)

    # --- events in ---------------------------------------------------------------
    @event("filings", "resolution_issued")
    def on_resolution_issued(self, envelope):
        data = envelope["data"]
        try:
            records.check_resolution_issued(data)
        except ValueError as exc:
            log.error("resolution_issued cannot be applied; kept in dead_letters",
                      extra={"event_id": envelope["event_id"], "error": str(exc)})
            self.store.dead_letter(envelope, str(exc))
            return
        created = self.store.create_notices(envelope, self.tz_name, self.settings.tz, self.deemed_days, time.sleep)
        if created:
            notifications_available.inc(created)
        log.info("notices made available", extra={"resolution_id": data["resolution_id"], "notices": created,
                                                  "recipients": len(data["recipients"])})

    # --- jobs ------------------------------------------------------------------------
    @config_timer("LAPSE_JOB_INTERVAL", 60)
    def serve_lapsed_notices(self):
        """Notices not opened by their deemed instant are served by lapse at exactly that instant: batch after
        batch, until one is not full or the run's budget has passed."""
        started = time.monotonic()
        total = 0
        while time.monotonic() - started < self.settings.lapse_budget:
            served, moved, seen = self.store.serve_lapsed(self.calendar(), self.deemed_days)
            total += len(served)
            if served:
                notifications_served.labels("lapse").inc(len(served))
                due_dates_fixed.labels("lapse").inc(sum(1 for doc in served if doc.get("due_date")))
            if seen < LAPSE_BATCH:
                break
        if total:
            log.info("notices served by lapse", extra={"count": total})
        lapse_last_success.set_to_current_time()  # not reached when a batch failed (the database is down)

    @config_timer("ALERT_INTERVAL", 5)
    def send_alerts(self):
        self.alerts.run(self.store)

    # --- helpers ---------------------------------------------------------------------
    def _refused(self, actor, action, target, outcome, error, details=None):
        """Write the audit entry of a refused request; returns ``error``, for the caller to raise."""
        self.store.audit(actor, action, target, outcome, details)
        return error

    def _owned(self, actor, notification_id, action):
        """The caller's own notice, or a 404 that does not reveal whether someone else's exists."""
        doc = self.store.notice(notification_id) if access.is_notice_id(notification_id) else None
        outcome, details = access.notice_access(actor, doc)
        if outcome != access.ALLOWED:
            raise self._refused(actor, action, access.notice_target(notification_id), outcome,
                                errors.notice_not_found(notification_id), details)
        return doc

    def _open(self, actor, doc, action, details=None):
        """Record the access (once) and serve the notice if it is not served yet, then write the audit entry
        of this read. Access and service are written once, so a notice already opened and served needs no
        write but its audit entry. A first opening in one write is not awaited in the journal: the audit
        entry, majority-acknowledged after it, makes both durable before the answer leaves (and before the
        settled notice is kept in memory)."""
        served_by = None
        if not records.is_settled(doc):
            opened, served_by = self.store.record_access(doc["_id"], actor["sub"], self.calendar(), self.deemed_days,
                                                         known=doc, durable=False)
            if opened is None:
                raise errors.notice_not_found(doc["_id"])
            doc = opened
        self.store.audit(actor, action, f"notification:{doc['_id']}", access.ALLOWED, details)
        if served_by:
            notifications_served.labels(served_by).inc()
            if doc.get("due_date"):
                due_dates_fixed.labels(served_by).inc()
        self.store.keep(doc)
        return doc

    def _document_bytes(self, doc):
        """The notice's document: the verified copy kept here, or else the one ``filings`` holds, checked."""
        data = self.store.cached_document(doc["document_id"])
        if data is not None and records.document_matches(doc, data):
            return data
        result = call(self.filings.get_resolution_document, doc["resolution_id"], timeout=self.settings.rpc_timeout)
        data = result["content"]
        if not records.document_matches(doc, data, result["document"]["document_id"]):
            log.error("resolution document does not match the notice", extra={"notification_id": doc["_id"]})
            raise errors.document_mismatch(doc["_id"])
        self.store.cache_document(doc["document_id"], doc["document_filename"], data)
        return data

    # --- health ----------------------------------------------------------------------
    @rpc
    def health(self):
        return self.store.health()

    # --- profile ---------------------------------------------------------------------
    @rpc
    def get_profile(self, actor):
        actor = load_actor(actor)
        return records.profile_view(self.store.get_profile(actor["sub"]))

    @rpc
    def put_profile(self, actor, body):
        actor = load_actor(actor)
        body = load(ProfileSchema, body)
        profile = self.store.put_profile(actor["sub"], records.profile_email(body.get("email")), body["alerts"])
        self.store.audit(actor, "put_profile", f"profile:{actor['sub']}", access.ALLOWED, {"alerts": body["alerts"]})
        return records.profile_view(profile)

    # --- the owner's mailbox -----------------------------------------------------------
    @rpc
    def list_notifications(self, actor, query=None):
        actor = load_actor(actor)
        query = load(ListNotificationsQuerySchema, query or {})
        limit = query.get("limit", 20)
        if query.get("cursor"):
            query["cursor"] = paging.decode_cursor(query["cursor"])
        today = self.today()
        items, next_cursor = paging.page(self.store.list_notices(actor["sub"], query, limit, self.calendar(), today),
                                         limit, "available_at")
        self.store.audit(actor, "list_notifications", f"mailbox:{actor['sub']}", access.ALLOWED,
                         {"count": len(items)})
        return {"items": [records.list_view(d, today) for d in items], "next_cursor": next_cursor}

    @rpc
    def open_notification(self, actor, notification_id):
        actor = load_actor(actor)
        doc = self._owned(actor, notification_id, "open_notification")
        doc = self._open(actor, doc, "open_notification")
        return self.store.notice_json(doc, self.today())  # NotificationSchema as JSON text, sent on as it is

    @rpc
    def get_document(self, actor, notification_id):
        actor = load_actor(actor)
        doc = self._owned(actor, notification_id, "download_document")
        data = self._document_bytes(doc)
        self._open(actor, doc, "download_document", {"document_id": doc["document_id"]})
        return {"document": {"document_id": doc["document_id"], "filename": doc["document_filename"],
                             "size": len(data), "sha256": doc["document_sha256"]},
                "content": data}

    @rpc
    def get_evidence(self, actor, notification_id):
        actor = load_actor(actor)
        doc = self._owned(actor, notification_id, "read_evidence")
        fields = records.evidence_fields(doc, utcnow())
        signed = self.keys.signer.sign(fields)
        self.store.audit(actor, "read_evidence", f"notification:{doc['_id']}", access.ALLOWED,
                         {"generated_at": fields["generated_at"], "key_id": signed["key_id"],
                          "signature": signed["signature"], "evidence": fields})
        return signed

    @rpc
    def summary(self, actor):
        actor = load_actor(actor)
        today = self.today()
        unread, served = self.store.counts(actor["sub"])
        due_soon = domain.due_soon(self.store.due_between(actor["sub"], *domain.due_soon_window(today)), today,
                                   self.calendar())
        self.store.audit(actor, "mailbox_summary", f"mailbox:{actor['sub']}", access.ALLOWED)
        return records.summary_view(unread, served, due_soon)

    # --- real time -------------------------------------------------------------------------
    @rpc
    def live_changes(self, actor, request):
        """The mailbox events after a resume token (``services.mailbox.live``), for the gateway's stream:
        lawyers only, each reading their own, and the gateway's hub (``contracts.live.LIVE_SYSTEM_ACTOR``) the
        owners whose streams it holds (``contracts.live.live_recipients``; a lawyer naming anyone else is refused
        and audited). They carry a notice's id and an unread count, nothing of its content, so reading them is
        not audited; the notice is read through the audited calls."""
        actor = load_actor(actor)
        if not (is_live_system(actor) or access.may_follow_live(actor)):
            raise self._refused(actor, "live_changes", f"mailbox:{actor['sub']}", access.DENIED,
                                errors.live_forbidden(actor["role"]))
        request = load(OwnedLiveChangesRequestSchema, request or {})
        recipients = live_recipients(actor, request.get("recipients"))
        if recipients is None:
            raise self._refused(actor, "live_changes", f"mailbox:{actor['sub']}", access.DENIED,
                                errors.live_recipients_forbidden(),
                                {"recipients": sorted(set(request.get("recipients") or []))[:20]})
        return self.store.live_changes(recipients, request.get("after"), request.get("wait_seconds", 0),
                                       request.get("limit", 500))

    # --- the court's board ------------------------------------------------------------------
    @rpc
    def case_notifications(self, actor, case_number, query=None):
        actor = load_actor(actor)
        target = access.case_target(case_number)
        refusal = access.board_refusal(actor, case_number)
        if refusal == access.DENIED:
            raise self._refused(actor, "case_notifications", target, refusal, errors.board_forbidden(case_number))
        if refusal == access.NOT_FOUND:
            raise self._refused(actor, "case_notifications", target, refusal, errors.case_not_found(case_number))
        query = load(CaseNotificationsQuerySchema, query or {})
        try:
            court = call(self.filings.case_court, case_number, timeout=self.settings.rpc_timeout)
        except NotFound as exc:
            raise self._refused(actor, "case_notifications", target, access.NOT_FOUND, exc)
        if not access.staff_of_court(actor, court["court_id"]):
            raise self._refused(actor, "case_notifications", target, access.DENIED,
                                errors.board_forbidden(case_number))
        limit = query.get("limit", 200)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        items, next_cursor = paging.page(self.store.case_notices(case_number, query.get("resolution_id"), limit, cursor),
                                         limit, "available_at")
        self.store.audit(actor, "case_notifications", target, access.ALLOWED, {"count": len(items)})
        return {"case_number": case_number, "court_id": court["court_id"],
                "items": [records.board_item(d) for d in items], "next_cursor": next_cursor}

    # --- calendar -----------------------------------------------------------------------------
    @rpc
    def holidays(self, query=None):
        query = load(HolidaysQuerySchema, query or {})
        year = query.get("year") or self.today().year
        return records.holidays_view(year, self.calendar().holidays(year), half_day_holidays(year))

    @rpc
    def list_closures(self, actor, query=None):
        actor = load_actor(actor)
        query = load(ListClosuresQuerySchema, query or {})
        closures = self.store.list_closures(query.get("court_id"), query.get("year"))
        return {"items": [records.closure_view(c) for c in closures]}

    @rpc
    def add_closure(self, actor, body):
        actor = load_actor(actor)
        if not access.may_add_closure(actor):
            raise self._refused(actor, "add_closure", "closures", access.DENIED,
                                errors.closure_forbidden(actor["role"]))
        body = load(ClosureRequestSchema, body)
        calendar = self.calendar()
        day, court_id = body["date"], body["court_id"]
        today = self.today()
        if not domain.closure_in_range(day, today):
            raise errors.closure_out_of_range(*domain.closure_years(today))
        if court_id is not None and court_id not in self._court_ids():
            raise errors.court_not_found(court_id)
        reason = domain.already_non_business(day, court_id, self.tz_name)
        if reason is not None:
            raise errors.already_non_business(reason)
        closure = self.store.add_closure(actor, day, court_id, body["reason"])
        moved = self.store.refresh_deemed(self.calendar(), self.deemed_days, court_id,
                                          calendar.start_of_local_day(day))
        self.store.audit(actor, "add_closure", f"closure:{closure['_id']}", access.ALLOWED,
                         {"date": closure["date"], "court_id": court_id, "notices_moved": moved})
        return records.closure_view(closure)

    def _court_ids(self):
        return {c["court_id"] for c in call(self.filings.list_courts, timeout=self.settings.rpc_timeout)["items"]}

    # --- evidence ---------------------------------------------------------------------------------
    @rpc
    def evidence_keys(self):
        return {"keys": self.keys.listing()}

    @rpc
    def verify_evidence(self, document):
        """Check a presented evidence document: its signature, and which fields differ from the record."""
        if evidence.too_deep(document):
            return evidence.too_deep_report()
        result = evidence.verify(document, self.keys.public_keys)
        presented = evidence.presented_evidence(document)
        comparison = None
        if presented is not None:
            comparison = evidence.compare_with_record(presented, result.valid, *self._record_of(presented))
        return evidence.verification_report(result, comparison)

    def _record_of(self, presented):
        """(notice, audit entry of its issue) that a presented evidence names; None for what does not exist."""
        notification_id = presented.get("notification_id")
        notice = self.store.get_notice(notification_id) if access.is_notice_id(notification_id) else None
        generated_at = presented.get("generated_at")
        if notice is None or not isinstance(generated_at, str):
            return notice, None
        return notice, self.store.evidence_issued(notification_id, generated_at)
