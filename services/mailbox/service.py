"""The mailbox service (casillero electrónico): notices, their timestamps, evidence and alerts. Entrypoints only."""
import datetime
import hashlib
import logging
import time

from contracts import paging
from contracts.base import json_depth, load, load_actor
from contracts.filings import CASE_NUMBER_RE
from contracts.mailbox import (NOTIFICATION_ID_RE, CaseNotificationsQuerySchema, ClosureRequestSchema,
                               HolidaysQuerySchema, ListClosuresQuerySchema, ListNotificationsQuerySchema,
                               ProfileSchema)
from services.mailbox import records
from services.mailbox.alerts import Alerts
from services.runtime.court_calendar import CourtCalendar, half_day_holidays
from services.mailbox.domain import business_days_until, is_due_within
from services.mailbox.evidence import diff_fields, verify
from services.mailbox.keys import SigningKey
from services.mailbox.store import ALL_COURTS, LAPSE_BATCH, MailboxStore
from services.mailbox.settings import MailboxSettings
from services.runtime.config import SettingsProvider
from services.runtime.errors import Conflict, Forbidden, NotFound, PortalError, ValidationFailed
from services.runtime.events import event
from services.runtime.mongo import Mongo, utcnow
from services.runtime.observability import Observability, counter, gauge
from services.runtime.rpc import call, proxy, rpc
from services.runtime.timers import config_timer

log = logging.getLogger(__name__)

notifications_available = counter("mailbox", "notifications_available_total", "Notices made available in mailboxes")
notifications_served = counter("mailbox", "notifications_served_total", "Notices served, by how", ["served_by"])
alerts_sent = counter("mailbox", "alerts_sent_total", "Alert e-mails, by outcome (sent, retry, failed)", ["outcome"])
# gauges operators alert on (each replica reports its own; the queue is the same for all of them)
alert_queue = gauge("mailbox", "alert_queue_emails",
                    "Alert e-mails waiting to be sent (pending, due or in backoff), as of the last alert job run")
lapse_last_success = gauge("mailbox", "lapse_last_success_timestamp_seconds",
                           "Unix time at which this replica's lapse job (deemed service) last finished without error")

DUE_SOON_BUSINESS_DAYS = 3
MAX_NESTING = 8
FIRST_CLOSURE_YEAR = 2000
STAFF_ROLES = ("clerk", "judge")


# One instance for every call: building a marshmallow schema deep-copies its fields (41 µs per call, 10 µs with
# a shared instance, on every RPC); loading keeps no state on the instance (marshmallow 4 has no context).


def not_found(notification_id):
    return NotFound("notification_not_found", "No existe una notificación con ese identificador en su casillero.",
                    {"notification_id": str(notification_id)[:64]})


class MailboxService:
    name = "mailbox"

    store = Mongo(MailboxStore)
    observability = Observability()
    keys = SigningKey()
    alerts = Alerts(alerts_sent, alert_queue)
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
        return utcnow().astimezone(self.settings.tz).date()

    # --- events in ---------------------------------------------------------------
    @event("filings", "resolution_issued")
    def on_resolution_issued(self, envelope):
        data = envelope["data"]
        try:
            records.parse_iso(data["issued_at"], "issued_at")
            if data.get("term_days") is not None and not 0 <= data["term_days"] <= 365:
                raise ValueError("term_days out of range")
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
        """Notices not opened by their deemed instant are served by lapse at exactly that instant."""
        started = time.monotonic()
        budget = max(self.settings.lapse_interval, 5)
        total = 0
        while time.monotonic() - started < budget:
            served, moved, seen = self.store.serve_lapsed(self.calendar(), self.deemed_days)
            total += served
            if served:
                notifications_served.labels("lapse").inc(served)
            if seen < LAPSE_BATCH:
                break
        if total:
            log.info("notices served by lapse", extra={"count": total})
        lapse_last_success.set_to_current_time()  # not reached when a batch failed (the database is down)

    @config_timer("ALERT_INTERVAL", 5)
    def send_alerts(self):
        self.alerts.run(self.store)

    # --- helpers ---------------------------------------------------------------------
    def _owned(self, actor, notification_id, action):
        """The caller's own notice, or a 404 that does not reveal whether someone else's exists."""
        target = f"notification:{str(notification_id)[:64]}"
        if not isinstance(notification_id, str) or not NOTIFICATION_ID_RE.match(notification_id):
            self.store.audit(actor, action, target, "not_found")
            raise not_found(notification_id)
        doc = self.store.notice(notification_id)
        if doc is None:
            self.store.audit(actor, action, target, "not_found")
            raise not_found(notification_id)
        if doc["recipient"]["sub"] != actor["sub"]:
            self.store.audit(actor, action, target, "denied", {"owner": doc["recipient"]["sub"]})
            raise not_found(notification_id)
        return doc

    def _open(self, actor, doc, action, details=None):
        """Record the access (once) and serve the notice if it is not served yet, then write the audit entry
        of this read. Access and service are written once, so a notice already opened and served needs no
        write but its audit entry. A first opening in one write is not awaited in the journal: the audit
        entry, majority-acknowledged after it, makes both durable before the answer leaves (and before the
        settled notice is kept in memory)."""
        served_by = None
        if doc.get("accessed_at") is None or doc.get("served_at") is None:
            opened, served_by = self.store.record_access(doc["_id"], actor["sub"], self.calendar(), self.deemed_days,
                                                         known=doc, durable=False)
            if opened is None:
                raise not_found(doc["_id"])
            doc = opened
        self.store.audit(actor, action, f"notification:{doc['_id']}", "allowed", details)
        if served_by:
            notifications_served.labels(served_by).inc()
        self.store.keep(doc)
        return doc

    # --- health ----------------------------------------------------------------------
    @rpc
    def health(self):
        return self.store.health()

    # --- profile ---------------------------------------------------------------------
    @rpc
    def get_profile(self, actor):
        actor = load_actor(actor)
        profile = self.store.get_profile(actor["sub"]) or {}
        return {"email": profile.get("email"), "alerts": bool(profile.get("alerts")),
                "updated_at": records.iso(profile.get("updated_at"))}

    @rpc
    def put_profile(self, actor, body):
        actor = load_actor(actor)
        body = load(ProfileSchema(), body)
        email = body["email"].strip() if body.get("email") else None
        profile = self.store.put_profile(actor["sub"], email, body["alerts"])
        self.store.audit(actor, "put_profile", f"profile:{actor['sub']}", "allowed", {"alerts": body["alerts"]})
        return {"email": profile.get("email"), "alerts": profile["alerts"],
                "updated_at": records.iso(profile["updated_at"])}

    # --- the owner's mailbox -----------------------------------------------------------
    @rpc
    def list_notifications(self, actor, query=None):
        actor = load_actor(actor)
        query = load(ListNotificationsQuerySchema(), query or {})
        limit = query.get("limit", 20)
        if query.get("cursor"):
            query["cursor"] = paging.decode_cursor(query["cursor"])
        calendar = self.calendar()
        today = self.today()
        items, next_cursor = paging.page(self.store.list_notices(actor["sub"], query, limit, calendar, today), limit,
                                         "available_at")
        self.store.audit(actor, "list_notifications", f"mailbox:{actor['sub']}", "allowed", {"count": len(items)})
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

    def _document_bytes(self, doc):
        data = self.store.cached_document(doc["document_id"])
        if data is not None and hashlib.sha256(data).hexdigest() == doc["document_sha256"]:
            return data
        result = call(self.filings.get_resolution_document, doc["resolution_id"], timeout=self.settings.rpc_timeout)
        data = result["content"]
        if (hashlib.sha256(data).hexdigest() != doc["document_sha256"]
                or result["document"]["document_id"] != doc["document_id"]):
            log.error("resolution document does not match the notice", extra={"notification_id": doc["_id"]})
            raise PortalError("document_mismatch", "El documento de la resolución no coincide con el registrado en "
                              "la notificación. Se informó al soporte técnico.", {"notification_id": doc["_id"]},
                              status=502)
        self.store.cache_document(doc["document_id"], doc["document_filename"], data)
        return data

    @rpc
    def get_evidence(self, actor, notification_id):
        actor = load_actor(actor)
        doc = self._owned(actor, notification_id, "read_evidence")
        fields = records.evidence_fields(doc, utcnow())
        signed = self.keys.signer.sign(fields)
        self.store.audit(actor, "read_evidence", f"notification:{doc['_id']}", "allowed",
                         {"generated_at": fields["generated_at"], "key_id": signed["key_id"],
                          "signature": signed["signature"], "evidence": fields})
        return signed

    @rpc
    def summary(self, actor):
        actor = load_actor(actor)
        calendar = self.calendar()
        today = self.today()
        unread, served = self.store.counts(actor["sub"])
        items = []
        for doc in self.store.due_between(actor["sub"], today, today + datetime.timedelta(days=45)):
            due = datetime.date.fromisoformat(doc["due_date"])
            if is_due_within(due, today, DUE_SOON_BUSINESS_DAYS, calendar, doc["court_id"]):
                items.append({"notification_id": doc["_id"], "case_number": doc["case_number"],
                              "resolution_kind": doc["resolution_kind"], "due_date": doc["due_date"],
                              "due_at": records.iso(doc["due_at"]),
                              "business_days_left": business_days_until(today, due, calendar, doc["court_id"])})
        self.store.audit(actor, "mailbox_summary", f"mailbox:{actor['sub']}", "allowed")
        return {"unread": unread, "served": served,
                "due_soon": {"business_days": DUE_SOON_BUSINESS_DAYS, "count": len(items), "items": items}}

    # --- the court's board ------------------------------------------------------------------
    @rpc
    def case_notifications(self, actor, case_number, query=None):
        actor = load_actor(actor)
        target = f"case:{str(case_number)[:40]}"
        if actor["role"] not in STAFF_ROLES:
            self.store.audit(actor, "case_notifications", target, "denied")
            raise Forbidden("forbidden", "Solo el personal del tribunal del expediente puede ver sus notificaciones.",
                            {"case_number": str(case_number)[:40]})
        if not isinstance(case_number, str) or not CASE_NUMBER_RE.match(case_number):
            self.store.audit(actor, "case_notifications", target, "not_found")
            raise NotFound("case_not_found", "No existe un expediente con ese número.",
                           {"case_number": str(case_number)[:40]})
        query = load(CaseNotificationsQuerySchema(), query or {})
        try:
            court = call(self.filings.case_court, case_number, timeout=self.settings.rpc_timeout)
        except NotFound:
            self.store.audit(actor, "case_notifications", target, "not_found")
            raise
        if actor.get("court_id") != court["court_id"]:
            self.store.audit(actor, "case_notifications", target, "denied")
            raise Forbidden("forbidden", "Solo el personal del tribunal del expediente puede ver sus notificaciones.",
                            {"case_number": case_number})
        limit = query.get("limit", 200)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        items, next_cursor = paging.page(self.store.case_notices(case_number, query.get("resolution_id"), limit, cursor),
                                         limit, "available_at")
        self.store.audit(actor, "case_notifications", target, "allowed", {"count": len(items)})
        return {"case_number": case_number, "court_id": court["court_id"],
                "items": [records.board_item(d) for d in items], "next_cursor": next_cursor}

    # --- calendar -----------------------------------------------------------------------------
    @rpc
    def holidays(self, query=None):
        query = load(HolidaysQuerySchema(), query or {})
        calendar = self.calendar()
        year = query.get("year") or self.today().year
        items = [{"date": d.isoformat(), "name": name, "half_day": False}
                 for d, name in calendar.holidays(year).items()]
        items += [{"date": d.isoformat(), "name": name, "half_day": True}
                  for d, name in half_day_holidays(year).items()]
        items.sort(key=lambda item: (item["date"], item["half_day"]))
        return {"year": year, "items": items}

    @rpc
    def list_closures(self, actor, query=None):
        actor = load_actor(actor)
        query = load(ListClosuresQuerySchema(), query or {})
        return {"items": [closure_view(c) for c in self.store.list_closures(query.get("court_id"), query.get("year"))]}

    @rpc
    def add_closure(self, actor, body):
        actor = load_actor(actor)
        if actor["role"] != "admin":
            self.store.audit(actor, "add_closure", "closures", "denied")
            raise Forbidden("forbidden", "Solo la administración puede registrar cierres de tribunales.",
                            {"role": actor["role"]})
        body = load(ClosureRequestSchema(), body)
        calendar = self.calendar()
        today = self.today()
        day, court_id = body["date"], body["court_id"]
        if not FIRST_CLOSURE_YEAR <= day.year <= today.year + 5:
            raise ValidationFailed("validation_error", "La fecha del cierre está fuera del rango permitido.",
                                   {"fields": {"date": f"Entre {FIRST_CLOSURE_YEAR} y {today.year + 5}."}})
        if court_id is not None:
            courts = {c["court_id"] for c in call(self.filings.list_courts, timeout=self.settings.rpc_timeout)["items"]}
            if court_id not in courts:
                raise NotFound("court_not_found", "No existe un tribunal con ese código.", {"court_id": court_id})
        # a weekend or a national holiday is already not a business day: the calendar as it stands refuses the
        # closure, as it refuses an identical one (409 below)
        reason = CourtCalendar(self.tz_name).non_business_reason(day, court_id or ALL_COURTS)
        if reason is not None:
            raise Conflict("already_non_business", f"Ese día ya es inhábil: {reason}.",
                                   {"fields": {"date": f"Día inhábil: {reason}."}})
        closure = self.store.add_closure(actor, day, court_id, body["reason"])
        moved = self.store.refresh_deemed(self.calendar(), self.deemed_days, court_id,
                                          calendar.start_of_local_day(day))
        self.store.audit(actor, "add_closure", f"closure:{closure['_id']}", "allowed",
                         {"date": closure["date"], "court_id": court_id, "notices_moved": moved})
        return closure_view(closure)

    # --- evidence ---------------------------------------------------------------------------------
    @rpc
    def evidence_keys(self):
        return {"keys": self.keys.listing()}

    @rpc
    def verify_evidence(self, document):
        """Check a presented evidence document: its signature, and which fields differ from the record."""
        if json_depth(document, MAX_NESTING) > MAX_NESTING:
            return {"valid": False, "key_id": None, "altered_fields": [], "superseded_fields": [],
                    "errors": [{"field": "document", "code": "invalid_document",
                                "message": "El documento de evidencia tiene una estructura demasiado profunda."}]}
        result = verify(document, self.keys.public_keys)
        errors = list(result.errors)
        altered, superseded = [], []
        evidence = document.get("evidence") if isinstance(document, dict) else None
        if isinstance(evidence, dict):
            altered, superseded, record_errors = self._compare_with_record(evidence, result.valid)
            errors += record_errors
        return {"valid": result.valid and not errors, "key_id": result.key_id, "errors": errors,
                "altered_fields": altered, "superseded_fields": superseded}

    def _compare_with_record(self, evidence, signature_valid):
        notification_id = evidence.get("notification_id")
        stored = None
        if isinstance(notification_id, str) and NOTIFICATION_ID_RE.match(notification_id):
            stored = self.store.get_notice(notification_id)
        if stored is None:
            return [], [], [{"field": "evidence.notification_id", "code": "unknown_notification",
                             "message": "No existe una notificación con ese identificador."}]
        current = records.evidence_fields(stored, None)
        del current["generated_at"]
        generated_at = evidence.get("generated_at")
        issued = self.store.evidence_issued(notification_id, generated_at) if isinstance(generated_at, str) else None
        if signature_valid:
            presented = {k: v for k, v in evidence.items() if k != "generated_at"}
            return [], diff_fields(presented, current), []
        if issued is not None:
            original = issued["details"]["evidence"]
            altered = diff_fields(evidence, original)
            superseded = diff_fields({k: v for k, v in original.items() if k != "generated_at"}, current)
        else:
            presented = {k: v for k, v in evidence.items() if k != "generated_at"}
            altered, superseded = records.split_differences(diff_fields(presented, current), presented, current)
            altered = sorted(altered + ["generated_at"])
        errors = [{"field": f"evidence.{path}", "code": "altered_field",
                   "message": f"El campo «{path}» no coincide con lo registrado y firmado para esta notificación."}
                  for path in altered]
        return altered, superseded, errors


def closure_view(doc):
    return {"closure_id": doc["_id"], "date": doc["date"], "court_id": doc.get("court_id"), "reason": doc["reason"],
            "created_by": doc["created_by"], "created_at": records.iso(doc["created_at"])}
