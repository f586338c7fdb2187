"""Closures: the court closure days (``closures``) and the calendar built with them.

``meta`` holds the closures' version, raised with every closure added, so every replica rebuilds its
calendar when one was added anywhere (and only then).
"""
import threading

from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.mailbox import errors
from services.mailbox.domain import ALL_COURTS
from services.mailbox.store.common import new_id
from services.runtime.court_calendar import CourtCalendar
from services.runtime.mongo import utcnow

_calendar_cache = {}
_calendar_lock = threading.Lock()


class Closures:
    """Mixin of ``MailboxStore`` (``services.runtime.mongo.Store``): closures and the calendar."""

    indexes = {"closures": [IndexModel([("date", ASCENDING), ("court_key", ASCENDING)], unique=True)]}

    @classmethod
    def setup_data(cls, db):
        """The closures' version document exists from the start, so every replica caches it (an absent
        document is not cached and would cost a read on every calendar lookup)."""
        db.meta.update_one({"_id": "closures"}, {"$setOnInsert": {"version": 0}}, upsert=True)

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
            raise errors.closure_exists(day, court_id)
        self.evict("meta", "closures")
        return doc

    def list_closures(self, court_id=None, year=None):
        query = {}
        if court_id:
            query["court_key"] = {"$in": [court_id, ALL_COURTS]}
        if year:
            query["date"] = {"$gte": f"{year:04d}-01-01", "$lte": f"{year:04d}-12-31"}
        return list(self.db.closures.find(query).sort([("date", ASCENDING), ("court_key", ASCENDING)]))
