"""Service of the notices: the first access, service by access or by lapse, and the projected deemed instant.

Every write is conditional and write-once: ``accessed_at`` only where it is still null, the service fields
only where ``served_at`` is still null; the ``notification_served`` event is written with them (in the same
transaction, or, for the common first opening, carried by the same single-document write:
``Store.update_carrying``), and only when the conditional write matched.
"""
from pymongo import ASCENDING

from services.mailbox import records
from services.mailbox.domain import deemed_service_at, service_outcome
from services.mailbox.store.common import SOURCE
from services.runtime.mongo import utcnow

LAPSE_BATCH = 200


class NoticeService:
    """Mixin of ``MailboxStore`` (``services.runtime.mongo.Store``): serving notices."""

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
        fields = {"accessed_at": now, **records.service_fields(doc, served_at, served_by, calendar, days)}
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
        fields = records.service_fields(doc, served_at, served_by, calendar, days)
        result = self.db.notifications.update_one({"_id": doc["_id"], "served_at": None}, {"$set": fields},
                                                  session=tx.session)
        if not result.modified_count:
            return None
        doc.update(fields)
        tx.emit(SOURCE, "notification_served", records.served_event(doc))
        return served_by

    def serve_lapsed(self, calendar, days, limit=LAPSE_BATCH):
        """One batch of the lapse job. Returns (served, moved, seen): the notices served by lapse now (with
        their service fields), how many notices' projected instant moved later (a closure), and how many
        candidates were looked at."""
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
            moved += self._move_deemed(doc, calendar, days)
        if not due:
            return [], moved, len(candidates)

        def work(tx):
            served = [dict(doc) for doc in due]
            return [doc for doc in served if self._serve(tx, doc, calendar, days, now)]
        return self.transaction(work), moved, len(candidates)

    def refresh_deemed(self, calendar, days, court_id, since, limit=5000):
        """After a closure: move the projected deemed instant of the unserved notices it affects."""
        query = {"served_at": None, "deemed_service_at": {"$gte": since}}
        if court_id:
            query["court_id"] = court_id
        projection = {"available_at": 1, "court_id": 1, "deemed_service_at": 1}
        return sum(self._move_deemed(doc, calendar, days)
                   for doc in self.db.notifications.find(query, projection).limit(limit))

    def _move_deemed(self, doc, calendar, days):
        """Write the deemed instant the calendar gives now for an unserved notice, if it changed; 1 if written."""
        deemed = deemed_service_at(doc["available_at"], calendar, doc["court_id"], days)
        if deemed == doc["deemed_service_at"]:
            return 0
        return self.db.notifications.update_one(
            {"_id": doc["_id"], "served_at": None, "deemed_service_at": doc["deemed_service_at"]},
            {"$set": {"deemed_service_at": deemed}}).modified_count
