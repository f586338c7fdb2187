"""The hearings' area: hearings (audiencias) of a case, each change a new version.

| collection | what |
|---|---|
| ``hearings`` | each hearing as it stands (its latest version): what the room rule and the case file read |
| ``hearing_versions`` | every version of every hearing, written once and never changed (``<hearing_id>:<version>``) |
| ``hearing_rooms`` | one document per court and room, written by every transaction that takes the room |

Two active hearings (programada, reprogramada) of one court never overlap in one room. A transaction that
schedules or moves a hearing into a room first writes that room's document, then looks for an overlapping
hearing: two such transactions at once write the same document, so MongoDB lets only one commit and retries the
other, which then sees the first one's hearing (409 ``hearing_conflict``). Every change also counts on the case
(``hearing_changes``), so the case file's cached view and its ETag follow it.
"""
from pymongo import ASCENDING, IndexModel

from contracts.base import json_text
from contracts.filings import HEARING_ACTIVE_STATUSES, HEARING_RESCHEDULED, HEARING_SCHEDULED
from services.filings import domain
from services.filings.store.common import SOURCE, new_id
from services.runtime.errors import NotFound
from services.runtime.memo import BoundedMemo
from services.runtime.mongo import utcnow

HEARING_CACHE_SIZE = 256
# (database, case_number) -> (hearing_changes, JSON text): the hearings of a case as the case file shows them
_CASE_HEARINGS = BoundedMemo(HEARING_CACHE_SIZE)
VERSION_FIELDS = ("version", "kind", "starts_at", "ends_at", "duration_minutes", "room", "mode", "status", "reason",
                  "notes", "changed_at", "changed_by")


class Hearings:
    indexes = {
        "hearings": [IndexModel([("court_id", ASCENDING), ("room_key", ASCENDING), ("status", ASCENDING),
                                 ("starts_at", ASCENDING)]),
                     IndexModel([("case_number", ASCENDING), ("starts_at", ASCENDING)])],
        "hearing_versions": [IndexModel([("hearing_id", ASCENDING), ("version", ASCENDING)], unique=True)],
    }

    # --- reading -----------------------------------------------------------------------
    def require_hearing(self, hearing_id, session=None):
        hearing = self.db.hearings.find_one({"_id": hearing_id}, session=session)
        if hearing is None:
            raise NotFound("hearing_not_found", "No existe una audiencia con ese identificador.",
                           {"hearing_id": str(hearing_id)[:64]})
        return hearing

    def hearing_versions(self, hearing_id):
        return list(self.db.hearing_versions.find({"hearing_id": hearing_id}).sort("version", ASCENDING))

    def hearings_json(self, case_number, changes):
        """The case's hearings (HearingSchema, by start) as JSON text, for the case file whose document counts
        ``changes`` hearing changes; cached per process and read again only when that count moves."""
        key = (self.db.name, case_number)
        cached = _CASE_HEARINGS.get(key)
        if cached is not None and cached[0] == changes:
            return cached[1]
        hearings = [hearing_view(h) for h in
                    self.db.hearings.find({"case_number": case_number}).sort([("starts_at", ASCENDING), ("_id", ASCENDING)])]
        text = json_text(hearings)
        _CASE_HEARINGS.put(key, (changes, text))
        return text

    def blocking_hearing(self, court_id, room, starts_at, ends_at, hearing_id=None):
        """The first active hearing of ``room`` at ``court_id`` that overlaps [starts_at, ends_at), other than
        ``hearing_id``; None when the slot is free (a read: the write still checks in its transaction)."""
        key = domain.room_key(room)
        candidates = self.db.hearings.find(
            {"court_id": court_id, "room_key": key, "status": {"$in": list(HEARING_ACTIVE_STATUSES)},
             "starts_at": {"$lt": ends_at}, "ends_at": {"$gt": starts_at}, "_id": {"$ne": hearing_id}}
        ).sort("starts_at", ASCENDING)
        for other in candidates:
            if domain.blocks(other, court_id, key, starts_at, ends_at, hearing_id):
                return other
        return None

    # --- writing ------------------------------------------------------------------------
    def schedule_hearing(self, actor, case, body, request):
        """Schedule a hearing in ``case`` (as read before, to know its court), once per ``request``; the hearing
        (HearingSchema). 409 ``hearing_conflict`` when its room is taken then."""
        now = utcnow()
        domain.require_future(body["starts_at"], now)
        key = domain.room_key(body["room"])
        self._room_exists(case["court_id"], key, body["room"])

        def work(tx):
            current = self.require_case(case["_id"], session=tx.session)
            domain.require_can_schedule(actor, current["court_id"], {"case_number": current["_id"]})
            ends_at = domain.hearing_end(body["starts_at"], body["duration_minutes"])
            self._take_room(tx, current["court_id"], key, body["starts_at"], ends_at)
            hearing = {"_id": new_id(), "case_number": current["_id"], "court_id": current["court_id"],
                       "matter": current["matter"], "kind": body["kind"], "starts_at": body["starts_at"],
                       "ends_at": ends_at, "duration_minutes": body["duration_minutes"], "room": body["room"],
                       "room_key": key, "mode": body["mode"], "notes": body.get("notes"), "status": HEARING_SCHEDULED,
                       "reason": None, "version": 1, "changed_at": now, "changed_by": domain.person(actor)}
            self.db.hearings.insert_one(hearing, session=tx.session)
            self._record(tx, hearing, current, "hearing_scheduled")
            return hearing_view(hearing)
        response = self.idempotent_transaction(request, work)
        self._changed(case["_id"])
        return response

    def reschedule_hearing(self, actor, hearing, body, request):
        """Move ``hearing`` (as read before) to a new start, and optionally duration and room: a new version,
        reprogramada, with the reason. 409 when its room is taken then, or when the hearing was held or cancelled."""
        now = utcnow()
        domain.require_future(body["starts_at"], now)
        domain.require_reschedulable(hearing)
        room = body.get("room", hearing["room"])
        key = domain.room_key(room)
        self._room_exists(hearing["court_id"], key, room)

        def work(tx):
            current = self.require_hearing(hearing["_id"], session=tx.session)
            domain.require_can_schedule(actor, current["court_id"], {"hearing_id": current["_id"]})
            domain.require_reschedulable(current)
            duration = body.get("duration_minutes", current["duration_minutes"])
            ends_at = domain.hearing_end(body["starts_at"], duration)
            self._take_room(tx, current["court_id"], key, body["starts_at"], ends_at, current["_id"])
            return self._change(tx, actor, current, now, {
                "starts_at": body["starts_at"], "ends_at": ends_at, "duration_minutes": duration, "room": room,
                "room_key": key, "status": HEARING_RESCHEDULED, "reason": body["reason"]})
        response = self.idempotent_transaction(request, work)
        self._changed(hearing["case_number"])
        return response

    def set_hearing_status(self, actor, hearing, body, request):
        """Record that ``hearing`` was held, suspended or cancelled, with the reason: a new version."""
        domain.status_transition(hearing, body["status"])

        def work(tx):
            current = self.require_hearing(hearing["_id"], session=tx.session)
            domain.require_can_schedule(actor, current["court_id"], {"hearing_id": current["_id"]})
            status = domain.status_transition(current, body["status"])
            return self._change(tx, actor, current, utcnow(), {"status": status, "reason": body["reason"]})
        response = self.idempotent_transaction(request, work)
        self._changed(hearing["case_number"])
        return response

    # --- inside the transactions ---------------------------------------------------------
    def _room_exists(self, court_id, key, room):
        """The room's document, created outside any transaction the first time the room is used (an update of
        an existing document is what makes two transactions taking the room conflict)."""
        self.db.hearing_rooms.update_one({"_id": f"{court_id}|{key}"},
                                         {"$setOnInsert": {"court_id": court_id, "room": room, "taken": 0}},
                                         upsert=True)

    def _take_room(self, tx, court_id, key, starts_at, ends_at, hearing_id=None):
        """Write the room's document, then refuse the slot if an active hearing of the room overlaps it."""
        self.db.hearing_rooms.update_one({"_id": f"{court_id}|{key}"}, {"$inc": {"taken": 1}}, upsert=True,
                                         session=tx.session)
        candidates = self.db.hearings.find(
            {"court_id": court_id, "room_key": key, "status": {"$in": list(HEARING_ACTIVE_STATUSES)},
             "starts_at": {"$lt": ends_at}, "ends_at": {"$gt": starts_at}, "_id": {"$ne": hearing_id}},
            session=tx.session).sort("starts_at", ASCENDING)
        for other in candidates:
            if domain.blocks(other, court_id, key, starts_at, ends_at, hearing_id):
                raise domain.hearing_conflict(other)

    def _change(self, tx, actor, current, now, changes):
        """The next version of ``current`` with ``changes``: the hearing updated (only if no one changed it
        meanwhile), the version recorded, the event emitted; the hearing (HearingSchema)."""
        hearing = {**current, **changes, "version": current["version"] + 1, "changed_at": now,
                   "changed_by": domain.person(actor)}
        result = self.db.hearings.replace_one({"_id": current["_id"], "version": current["version"]}, hearing,
                                              session=tx.session)
        if result.matched_count != 1:  # cannot happen inside the transaction; never write over another version
            raise RuntimeError("hearing changed during its own transaction")
        case = self.require_case(current["case_number"], session=tx.session)
        self._record(tx, hearing, case, "hearing_changed")
        return hearing_view(hearing)

    def _record(self, tx, hearing, case, event_type):
        """The version's record (never changed afterwards), the case's count of hearing changes (its file's view
        follows it) and the event with the hearing's whole state."""
        self.db.hearing_versions.insert_one(
            {"_id": f"{hearing['_id']}:{hearing['version']}", "hearing_id": hearing["_id"],
             **{name: hearing.get(name) for name in VERSION_FIELDS}}, session=tx.session)
        self.db.cases.update_one({"_id": case["_id"]}, {"$inc": {"hearing_changes": 1}}, session=tx.session)
        court = self.get_court(case["court_id"])
        tx.emit(SOURCE, event_type, domain.hearing_state(hearing, case, court["name"] if court else ""))


def version_view(version):
    return {"version": version["version"], "kind": version["kind"], "starts_at": domain.iso(version["starts_at"]),
            "ends_at": domain.iso(version["ends_at"]), "duration_minutes": version["duration_minutes"],
            "room": version["room"], "mode": version["mode"], "status": version["status"],
            "reason": version.get("reason"), "changed_at": domain.iso(version["changed_at"]),
            "changed_by": version["changed_by"]}


def hearing_view(hearing):
    """A hearing as the API shows it (HearingSchema)."""
    return {"hearing_id": hearing["_id"], "case_number": hearing["case_number"], "court_id": hearing["court_id"],
            **version_view(hearing), "notes": hearing.get("notes")}
