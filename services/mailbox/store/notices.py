"""Notices (``notifications``; their shape: ``services.mailbox.records``): creation from a
``resolution_issued`` event, and reading them (the owner's list and summary counts, a case's board).

A settled notice (opened and served) never changes again: this process keeps it in memory.
"""
import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel

from contracts import paging
from services.mailbox import records
from services.mailbox.alerts import alert_queue
from services.mailbox.availability import availability_instant, crossed_local_midnight
from services.mailbox.domain import deemed_service_at
from services.mailbox.store.common import SOURCE, new_id
from services.runtime.memo import BoundedMemo
from services.runtime.mongo import utcnow
from services.runtime.workqueue import WorkQueue

CONSUMER = "mailbox.on_resolution_issued"
SETTLED_CACHE_SIZE = 20_000  # settled notices kept in memory per process (~2 KB each)

# (database, notification_id) -> (notice, full_view_head): settled notices, the oldest kept forgotten first
_settled = BoundedMemo(SETTLED_CACHE_SIZE)


class _MidnightPassed(Exception):
    """The transaction would commit on a later local day than the available_at it records: redo it."""


class Notices:
    """Mixin of ``MailboxStore`` (``services.runtime.mongo.Store``): creating and reading notices."""

    indexes = {
        "notifications": [
            IndexModel([("resolution_id", ASCENDING), ("recipient.sub", ASCENDING)], unique=True),
            IndexModel([("recipient.sub", ASCENDING), ("available_at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("recipient.sub", ASCENDING), ("due_date", ASCENDING)]),
            IndexModel([("case_number", ASCENDING), ("available_at", DESCENDING), ("_id", DESCENDING)]),
            IndexModel([("served_at", ASCENDING), ("deemed_service_at", ASCENDING)]),
        ],
        # the alert e-mails of new notices (services.mailbox.alerts), queued with them
        "alerts": [*WorkQueue.indexes(),
                   IndexModel([("notification_id", ASCENDING)])],
    }

    # --- creation ---------------------------------------------------------------------
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
                alert_queue(self.db).enqueue(self.alert_jobs(docs, tx.session), session=tx.session, now=available_at)
                tx.emit_many(SOURCE, "notification_available", [records.available_event(doc) for doc in docs])
                if crossed_local_midnight(available_at, utcnow(), tz):
                    raise _MidnightPassed()
                created.extend(docs)
            try:
                self.run_once(CONSUMER, envelope, apply)
            except _MidnightPassed:
                continue
            return len(created)

    # --- one notice ---------------------------------------------------------------------
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

    # --- lists ------------------------------------------------------------------------------
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
        return self._newest_first(criteria, query.get("cursor"), limit)

    def unread_count(self, sub):
        """The notices of ``sub`` never opened (the badge's number)."""
        return self.db.notifications.count_documents({"recipient.sub": sub, "accessed_at": None})

    def counts(self, sub):
        unread = self.unread_count(sub)
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
        return self._newest_first(criteria, cursor, limit)

    def _newest_first(self, criteria, cursor, limit):
        """One page (and one more, to tell whether another follows) of the notices matching all ``criteria``,
        newest available first, after ``cursor``."""
        if cursor:
            criteria = [*criteria, paging.after(cursor, "available_at")]
        return list(self.db.notifications.find({"$and": criteria})
                    .sort([("available_at", DESCENDING), ("_id", DESCENDING)]).limit(limit + 1))
