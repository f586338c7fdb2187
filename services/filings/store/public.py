"""The snapshot the public read model (services.queries) is rebuilt from: every case, resolution and hearing,
paged in ``_id`` order, each shaped exactly as the data of its event (domain.case_opened_data,
resolution_issued_data, hearing_state) in its current state, so the consumer applies a snapshot item through the
same code as an event."""
from pymongo import ASCENDING

from services.filings import domain

SNAPSHOT_COLLECTIONS = {"cases": "cases", "resolutions": "resolutions", "hearings": "hearings"}


class PublicSnapshot:
    indexes = {}

    def public_snapshot(self, kind, after=None, limit=500):
        """``{"items": [...], "next": <the ``after`` of the next page, or None on the last>}``: up to ``limit``
        items of ``kind`` (cases, resolutions, hearings) whose ``_id`` follows ``after``."""
        query = {"_id": {"$gt": after}} if after else {}
        docs = list(self.db[SNAPSHOT_COLLECTIONS[kind]].find(query).sort("_id", ASCENDING).limit(limit + 1))
        more = len(docs) > limit
        docs = docs[:limit]
        if kind == "cases":
            items = [domain.case_opened_data(case, self._court_name(case["court_id"])) for case in docs]
        else:
            cases = {case["_id"]: case for case in self.db.cases.find({"_id": {"$in": list({d["case_number"] for d in docs})}})}
            if kind == "resolutions":
                # the stage and version each resolution produced; whether its case is reserved as it stands now (a
                # reservation is never lifted); the recipients are the mailbox's business, not the public's
                items = [domain.resolution_issued_data(r, cases[r["case_number"]], self._court_name(r["court_id"]), [])
                         for r in docs]
            else:
                items = [domain.hearing_state(h, cases[h["case_number"]], self._court_name(h["court_id"])) for h in docs]
        return {"items": items, "next": docs[-1]["_id"] if more else None}

    def _court_name(self, court_id):
        court = self.get_court(court_id)
        return court["name"] if court else ""
