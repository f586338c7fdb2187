"""MongoDB persistence of the mailbox service (database ``<prefix>_mailbox``).

Collections: notifications (the notices; see ``records``), profiles (``_id`` =
user sub: e-mail and alert consent), closures (court closure days) and meta
(their version, so every replica rebuilds its calendar when one is added),
alerts (the e-mail queue), audit (reads and denied attempts), keys (the
development signing key only), dead_letters (events that can never apply),
and the GridFS bucket ``documents`` (cache of the resolutions' PDFs).

Every write of a notice is conditional and write-once: ``accessed_at`` only
where it is still null, the service fields only where ``served_at`` is still
null; the event a write causes is written with it (in the same transaction,
or, for the common first opening, carried by the same single-document write:
``Store.update_carrying``), and only when the conditional write matched.
"""
import datetime
import hashlib
import threading
import uuid

import gridfs
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from contracts import paging
from services.mailbox import records
from services.mailbox.alerts import alert_queue
from services.mailbox.availability import availability_instant, crossed_local_midnight
from services.runtime.court_calendar import CourtCalendar
from services.mailbox.domain import deemed_service_at, due_at, due_date, service_outcome
from services.runtime.errors import Conflict
from services.runtime.memo import BoundedMemo
from services.runtime.workqueue import WorkQueue
from services.runtime.mongo import Store, utcnow

SOURCE = "mailbox"
CONSUMER = "mailbox.on_resolution_issued"
ALL_COURTS = "*"
LAPSE_BATCH = 200
SETTLED_CACHE_SIZE = 20_000  # settled notices kept in memory per process (~2 KB each)

_calendar_cache = {}
_calendar_lock = threading.Lock()
# (database, notification_id) -> (notice, full_view_head): settled notices, the oldest kept forgotten first
_settled = BoundedMemo(SETTLED_CACHE_SIZE)


def new_id():
    return uuid.uuid4().hex


class _MidnightPassed(Exception):
    """The transaction would commit on a later local day than the available_at it records: redo it."""


class MailboxStore(Store):
    database = "mailbox"
    publishes_events = True
    cached_collections = ("meta",)
    event_carriers = ("notifications",)  # the first opening serves a notice with one write (_first_access)
    indexes = {
        "notifications": [
            IndexModel([("resolution_id", ASCENDING), ("recipient.sub", ASCENDING)], unique=True),
            IndexModel([("recipient.sub", ASCENDING), ("available_at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("recipient.sub", ASCENDING), ("due_date", ASCENDING)]),
            IndexModel([("case_number", ASCENDING), ("available_at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("served_at", ASCENDING), ("deemed_service_at", ASCENDING)]),
        ],
        "closures": [IndexModel([("date", ASCENDING), ("court_key", ASCENDING)], unique=True)],
        "alerts": [*WorkQueue.indexes(),
                   IndexModel([("notification_id", ASCENDING)])],
        "documents.files": [IndexModel([("metadata.document_id", ASCENDING)], unique=True)],
    }

    @classmethod
    def setup_data(cls, db):
        """The closures' version document exists from the start, so every replica caches it (an absent
        document is not cached and would cost a read on every calendar lookup)."""
        db.meta.update_one({"_id": "closures"}, {"$setOnInsert": {"version": 0}}, upsert=True)

    @property
    def bucket(self):
        return gridfs.GridFSBucket(self.db, bucket_name="documents")

    # --- calendar -----------------------------------------------------------------
    def calendar(self, tz):
        """The court calendar with every closure; rebuilt only when a closure was added (any replica)."""
        meta = self.cached_by_id("meta", "closures") or {}
        version = meta.get("version", 0)
        key = (self.db.name, tz)
        with _calendar_lock:
            cached = _calendar_cache.get(key)
            if cached and cached[0] == version:
                return cached[1]
        closures = [{"date": c["date"], "court_id": c.get("court_id"), "reason": c.get("reason")}
                    for c in self.db.closures.find({}, {"date": 1, "court_id": 1, "reason": 1})]
        calendar = CourtCalendar(tz, closures)
        with _calendar_lock:
            _calendar_cache[key] = (version, calendar)
        return calendar

    def add_closure(self, actor, day, court_id, reason):
        doc = {"_id": new_id(), "date": day.isoformat(), "court_id": court_id, "court_key": court_id or ALL_COURTS,
               "reason": reason, "created_by": actor["sub"], "created_at": utcnow()}

        def work(tx):
            self.db.closures.insert_one(doc, session=tx.session)
            self.db.meta.update_one({"_id": "closures"}, {"$inc": {"version": 1}}, upsert=True, session=tx.session)
        try:
            self.transaction(work)
        except DuplicateKeyError:
            raise Conflict("closure_exists", "Ya está registrado ese cierre para ese día.",
                           {"date": doc["date"], "court_id": court_id})
        self.evict("meta", "closures")
        return doc

    def list_closures(self, court_id=None, year=None):
        query = {}
        if court_id:
            query["court_key"] = {"$in": [court_id, ALL_COURTS]}
        if year:
            query["date"] = {"$gte": f"{year:04d}-01-01", "$lte": f"{year:04d}-12-31"}
        return list(self.db.closures.find(query).sort([("date", ASCENDING), ("court_key", ASCENDING)]))

    def refresh_deemed(self, calendar, days, court_id, since, limit=5000):
        """After a closure: move the projected deemed instant of the unserved notices it affects."""
        query = {"served_at": None, "deemed_service_at": {"$gte": since}}
        if court_id:
            query["court_id"] = court_id
        moved = 0
        projection = {"available_at": 1, "court_id": 1, "deemed_service_at": 1}
        for doc in self.db.notifications.find(query, projection).limit(limit):
            deemed = deemed_service_at(doc["available_at"], calendar, doc["court_id"], days)
            if deemed != doc["deemed_service_at"]:
                moved += self.db.notifications.update_one(
                    {"_id": doc["_id"], "served_at": None, "deemed_service_at": doc["deemed_service_at"]},
                    {"$set": {"deemed_service_at": deemed}}).modified_count
        return moved

    # --- notices: creation ---------------------------------------------------------
    def create_notices(self, envelope, tz_name, tz, days, sleep):
        """Apply one ``resolution_issued`` event once: a notice per recipient, the alerts of those who
        opted in, and a ``notification_available`` event per notice, in one transaction.
        Returns the notices created (0 for a redelivered event)."""
        data = envelope["data"]
        issued_at = records.parse_iso(data["issued_at"], "issued_at")
        recipients = records.unique_recipients(data["recipients"])
        subs = [r["sub"] for r in recipients]
        while True:
            available_at = availability_instant(utcnow, sleep, tz, issued_at)
            calendar = self.calendar(tz_name)
            deemed = deemed_service_at(available_at, calendar, data["court_id"], days)
            shared = records.shared_fields(data, issued_at, available_at, deemed, envelope["event_id"])
            created = []

            def apply(tx, event):
                created.clear()
                existing = set()
                if subs:
                    existing = {d["recipient"]["sub"] for d in self.db.notifications.find(
                        {"resolution_id": data["resolution_id"], "recipient.sub": {"$in": subs}},
                        {"recipient.sub": 1}, session=tx.session)}
                docs = [{"_id": new_id(), "recipient": r, **shared} for r in recipients if r["sub"] not in existing]
                if not docs:
                    return
                self.db.notifications.insert_many(docs, ordered=False, session=tx.session)
                alert_queue(self.db).enqueue(self._alerts_for(tx, docs), session=tx.session, now=available_at)
                tx.emit_many(SOURCE, "notification_available", [records.available_event(doc) for doc in docs])
                if crossed_local_midnight(available_at, utcnow(), tz):
                    raise _MidnightPassed()
                created.extend(docs)
            try:
                self.run_once(CONSUMER, envelope, apply)
            except _MidnightPassed:
                continue
            return len(created)

    def _alerts_for(self, tx, docs):
        """The e-mail alerts of the recipients who asked for them: one job each in the alert queue."""
        by_sub = {d["recipient"]["sub"]: d for d in docs}
        return [{"notification_id": by_sub[profile["_id"]]["_id"], "sub": profile["_id"], "email": profile["email"]}
                for profile in self.db.profiles.find({"_id": {"$in": list(by_sub)}, "alerts": True,
                                                      "email": {"$ne": None}}, {"email": 1}, session=tx.session)]

    # --- notices: reading ------------------------------------------------------------
    def get_notice(self, notification_id):
        """The notice as stored now (evidence checks and alerts read it here, never from memory)."""
        return self.find_by_id("notifications", notification_id)

    def notice(self, notification_id):
        """The notice for its owner's requests: once settled (opened and served) nothing of it changes any
        more, so this process keeps it in memory (the oldest kept is dropped past SETTLED_CACHE_SIZE)."""
        kept = _settled.get((self.db.name, notification_id))
        if kept is not None:
            return kept[0]
        doc = self.get_notice(notification_id)
        if doc is not None:
            self.keep(doc)
        return doc

    def keep(self, doc):
        """Keep ``doc`` in memory if it is settled."""
        key = (self.db.name, doc["_id"])
        if key in _settled or not records.is_settled(doc):
            return
        _settled.put(key, (doc, records.full_view_head(doc)))

    def notice_json(self, doc, today):
        """The full view of ``doc`` as JSON text, its fixed part encoded once for a settled notice."""
        kept = _settled.get((self.db.name, doc["_id"]))
        return records.full_view_json(doc, today, kept[1] if kept is not None else None)

    def list_notices(self, sub, query, limit, tz_calendar, today):
        criteria = [{"recipient.sub": sub}]
        status = query.get("status")
        if status == "unread":
            criteria.append({"accessed_at": None})
        elif status == "served":
            criteria.append({"served_at": {"$ne": None}})
        elif status == "pending":
            criteria.append({"served_at": {"$ne": None}, "due_date": {"$gte": today.isoformat()}})
        if query.get("case_number"):
            criteria.append({"case_number": query["case_number"]})
        if query.get("from_"):
            criteria.append({"available_at": {"$gte": tz_calendar.start_of_local_day(query["from_"])}})
        if query.get("to"):
            criteria.append({"available_at": {"$lt": tz_calendar.start_of_local_day(
                query["to"] + datetime.timedelta(days=1))}})
        if query.get("cursor"):
            criteria.append(paging.after(query["cursor"], "available_at"))
        return list(self.db.notifications.find({"$and": criteria})
                    .sort([("available_at", DESCENDING), ("_id", DESCENDING)]).limit(limit + 1))

    def counts(self, sub):
        unread = self.db.notifications.count_documents({"recipient.sub": sub, "accessed_at": None})
        served = self.db.notifications.count_documents({"recipient.sub": sub, "served_at": {"$ne": None}})
        return unread, served

    def due_between(self, sub, first, last):
        return list(self.db.notifications.find(
            {"recipient.sub": sub, "served_at": {"$ne": None},
             "due_date": {"$gte": first.isoformat(), "$lte": last.isoformat()}})
            .sort([("due_at", ASCENDING), ("_id", ASCENDING)]))

    def case_notices(self, case_number, resolution_id, limit, cursor):
        criteria = [{"case_number": case_number}]
        if resolution_id:
            criteria.append({"resolution_id": resolution_id})
        if cursor:
            criteria.append(paging.after(cursor, "available_at"))
        return list(self.db.notifications.find({"$and": criteria})
                    .sort([("available_at", DESCENDING), ("_id", DESCENDING)]).limit(limit + 1))

    # --- notices: access and service --------------------------------------------------
    def record_access(self, notification_id, sub, calendar, days, known=None, durable=True):
        """The owner opens the notice: write the first access once and, if it is not served yet,
        serve it (by access, or by lapse if the deemed instant has passed), all in one transaction.
        ``known``: the notice as the caller just read it, if it has; when it was neither opened nor served
        then, both are written with one conditional update (see ``_first_access``).
        ``durable=False``: the one-write first opening is not awaited in the journal; the caller then writes
        a majority-acknowledged entry (its audit entry) before answering, which makes it durable.
        Returns (notice, served_by or None), or (None, None) if the owner has no such notice."""
        if known is not None and known.get("accessed_at") is None and known.get("served_at") is None:
            first = self._first_access(known, sub, calendar, days, durable)
            if first is not None:
                return first

        def work(tx):
            doc = self.db.notifications.find_one({"_id": notification_id, "recipient.sub": sub}, session=tx.session)
            if doc is None:
                return None, None
            now = max(utcnow(), doc["available_at"])
            if doc.get("accessed_at") is None:
                if self.db.notifications.update_one({"_id": doc["_id"], "accessed_at": None},
                                                    {"$set": {"accessed_at": now}}, session=tx.session).modified_count:
                    doc["accessed_at"] = now
            served_by = None
            if doc.get("served_at") is None:
                served_by = self._serve(tx, doc, calendar, days, now)
            return doc, served_by
        return self.transaction(work)

    def _first_access(self, known, sub, calendar, days, durable=True):
        """The common first opening in one write, without a transaction: ``accessed_at``, the service
        fields and the ``notification_served`` event together (``Store.update_carrying``), on the condition
        that the notice is still neither opened nor served (so both stay written once). What it needs of
        ``known`` (available_at, court_id, term_days and the copied facts) is written once at creation; the
        rest is recomputed here exactly as the two-step path does (access at ``now``, then ``_serve`` at the
        same ``now``). Returns (notice, served_by), or None if the notice changed since it was read
        (another opening, the lapse job): the caller then takes the general path."""
        doc = dict(known)
        now = max(utcnow(), doc["available_at"])
        served_at, served_by = service_outcome(doc["available_at"], now, now, calendar, doc["court_id"], days)
        due = due_date(served_at, doc.get("term_days"), calendar, doc["court_id"])
        fields = {"accessed_at": now, "served_at": served_at, "served_by": served_by,
                  "due_date": due.isoformat() if due else None,
                  "due_at": due_at(served_at, doc.get("term_days"), calendar, doc["court_id"]),
                  "deemed_service_at": deemed_service_at(doc["available_at"], calendar, doc["court_id"], days)}
        doc.update(fields)
        carried = self.update_carrying(
            "notifications", {"_id": doc["_id"], "recipient.sub": sub, "accessed_at": None, "served_at": None},
            {"$set": fields}, [(SOURCE, "notification_served", records.served_event(doc))], durable=durable)
        if not carried:
            return None
        return doc, served_by

    def _serve(self, tx, doc, calendar, days, now):
        outcome = service_outcome(doc["available_at"], doc.get("accessed_at"), now, calendar, doc["court_id"], days)
        if outcome is None:
            return None
        served_at, served_by = outcome
        due = due_date(served_at, doc.get("term_days"), calendar, doc["court_id"])
        fields = {"served_at": served_at, "served_by": served_by, "due_date": due.isoformat() if due else None,
                  "due_at": due_at(served_at, doc.get("term_days"), calendar, doc["court_id"]),
                  "deemed_service_at": deemed_service_at(doc["available_at"], calendar, doc["court_id"], days)}
        result = self.db.notifications.update_one({"_id": doc["_id"], "served_at": None}, {"$set": fields},
                                                  session=tx.session)
        if not result.modified_count:
            return None
        doc.update(fields)
        tx.emit(SOURCE, "notification_served", records.served_event(doc))
        return served_by

    def serve_lapsed(self, calendar, days, limit=LAPSE_BATCH):
        """One batch of the lapse job. Returns (served, moved, seen): notices served by lapse now, notices
        whose projected instant moved later (a closure), and candidates looked at."""
        now = utcnow()
        candidates = list(self.db.notifications.find(
            {"served_at": None, "deemed_service_at": {"$lte": now}},
            {"available_at": 1, "accessed_at": 1, "court_id": 1, "deemed_service_at": 1, "term_days": 1,
             "recipient": 1, "case_number": 1, "resolution_id": 1})
            .sort([("deemed_service_at", ASCENDING), ("_id", ASCENDING)]).limit(limit))
        due, moved = [], 0
        for doc in candidates:
            outcome = service_outcome(doc["available_at"], doc.get("accessed_at"), now, calendar, doc["court_id"], days)
            if outcome is not None:
                due.append(doc)
                continue
            deemed = deemed_service_at(doc["available_at"], calendar, doc["court_id"], days)
            moved += self.db.notifications.update_one(
                {"_id": doc["_id"], "served_at": None, "deemed_service_at": doc["deemed_service_at"]},
                {"$set": {"deemed_service_at": deemed}}).modified_count
        if not due:
            return 0, moved, len(candidates)

        def work(tx):
            return sum(1 for doc in due if self._serve(tx, dict(doc), calendar, days, now))
        return self.transaction(work), moved, len(candidates)

    # --- documents --------------------------------------------------------------------
    def cached_document(self, document_id):
        found = self.db["documents.files"].find_one({"metadata.document_id": document_id})
        if found is None:
            return None
        return self.bucket.open_download_stream(found["_id"]).read()

    def cache_document(self, document_id, filename, data):
        """Keep a verified copy; a concurrent copy of the same document is fine (unique index, random file id)."""
        try:
            self.bucket.upload_from_stream_with_id(new_id(), filename, data, metadata={
                "document_id": document_id, "sha256": hashlib.sha256(data).hexdigest(), "cached_at": utcnow()})
        except (DuplicateKeyError, gridfs.errors.FileExists):
            pass

    # --- profiles ------------------------------------------------------------------------
    def get_profile(self, sub):
        return self.db.profiles.find_one({"_id": sub})

    def put_profile(self, sub, email, alerts):
        return self.db.profiles.find_one_and_update(
            {"_id": sub}, {"$set": {"email": email, "alerts": alerts, "updated_at": utcnow()}},
            upsert=True, return_document=ReturnDocument.AFTER)

    # --- audit ------------------------------------------------------------------------------
    def evidence_issued(self, notification_id, generated_at):
        """The audit record of an evidence document handed out with this ``generated_at`` (ISO text)."""
        return self.db.audit.find_one({"target": f"notification:{notification_id}", "action": "read_evidence",
                                       "details.generated_at": generated_at})
