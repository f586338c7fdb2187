"""The cases' area: courts (reference data), counters (case numbering), cases, the case file as the API
shows it and the list of a caller's cases."""
import hashlib

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from contracts import paging
from contracts.base import json_text
from services.filings import domain
from services.filings.store.common import SOURCE
from services.filings.store.filings import receipt
from services.runtime.errors import NotFound
from services.runtime.memo import BoundedMemo
from services.runtime.mongo import utcnow

COURTS = [
    {"_id": "01001", "name": "Juzgado Primero de Primera Instancia Civil", "matters": ["civil", "familia"]},
    {"_id": "01002", "name": "Juzgado Segundo de Primera Instancia Civil", "matters": ["civil", "familia"]},
    {"_id": "01010", "name": "Juzgado Primero de Primera Instancia Penal", "matters": ["penal"]},
    {"_id": "01020", "name": "Juzgado Primero de Trabajo y Previsión Social", "matters": ["laboral"]},
    {"_id": "00001", "name": "Corte Suprema de Justicia, Cámara de Amparo y Antejuicio", "matters": ["amparo", "antejuicio"]},
]


# Per-process read caches (see Cases.get_court and Cases.docket_json): {(database, key): value}
_COURTS = {}
DOCKET_CACHE_SIZE = 256
_DOCKETS = BoundedMemo(DOCKET_CACHE_SIZE)
# (database, case_number) -> (case document, version, body): the case file view of the document last read
_CASE_VIEWS = BoundedMemo(DOCKET_CACHE_SIZE)



class Cases:
    indexes = {
        "cases": [IndexModel([("court_id", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)]),
                  IndexModel([("attorneys.sub", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)])],
    }

    # --- courts ------------------------------------------------------------
    @classmethod
    def setup_data(cls, db):
        """Reference data every deployment has: the courts (idempotent)."""
        for court in COURTS:
            db.courts.update_one({"_id": court["_id"]}, {"$setOnInsert": court}, upsert=True)

    def list_courts(self):
        return list(self.db.courts.find().sort("_id", ASCENDING))

    def get_court(self, court_id):
        # courts are reference data, seeded once and never changed: cache what exists (per process)
        key = (self.db.name, court_id)
        court = _COURTS.get(key)
        if court is None:
            court = self.db.courts.find_one({"_id": court_id})
            if court is not None:
                _COURTS[key] = court
        return court

    def require_court_for(self, metadata):
        """The court a case is opened at exists and hears its matter; an amparo or antejuicio states what its
        matter requires."""
        court = self.get_court(metadata["court_id"])
        if court is None:
            raise NotFound("court_not_found", "No existe un tribunal con ese código.", {"court_id": metadata["court_id"]})
        domain.require_court_handles(court, metadata["matter"])
        domain.require_public_case_facts(metadata)

    # --- cases -------------------------------------------------------------
    def get_case(self, case_number, session=None):
        """A case; outside a transaction through the per-process cache (reads are far more
        frequent than writes; see services.runtime.cache for what that may return)."""
        if session is None:
            return self.cached_by_id("cases", case_number)
        return self.db.cases.find_one({"_id": case_number}, session=session)

    def _changed(self, case_number):
        self.evict("cases", case_number)

    def require_case(self, case_number, session=None):
        case = self.get_case(case_number, session=session)
        if case is None:
            raise domain.case_not_found(case_number)
        return case

    def open_case(self, actor, metadata, documents, request, timezone):
        """Create the case with its number, the initial filing (demanda) and its events, atomically, once per
        ``request`` (services.runtime.idempotency); its receipt."""
        domain.require_lawyer(actor)
        self.require_court_for(metadata)

        def work(tx):
            now = utcnow()
            year = domain.case_year(now, timezone)
            counter = self.db.counters.find_one_and_update(
                {"_id": domain.counter_key(metadata["court_id"], year)}, {"$inc": {"seq": 1}},
                upsert=True, return_document=ReturnDocument.AFTER, session=tx.session)
            case_number = domain.format_case_number(metadata["court_id"], year, counter["seq"])
            lawyer = {**domain.person(actor), "represents": metadata["represents"], "since": now}
            matter = metadata["matter"]
            case = {"_id": case_number, "court_id": metadata["court_id"], "matter": matter,
                    "subject": metadata["subject"], "parties": metadata["parties"], "attorneys": [lawyer],
                    "opened_at": now, "opened_by": domain.person(actor), "next_folio": 1, "case_version": 1,
                    "reserved": domain.reserved_from_opening(matter), "reservation": None,
                    "stage": domain.initial_stage(matter), "act_complained": metadata.get("act_complained"),
                    "hearing_changes": 0}
            self.db.cases.insert_one(case, session=tx.session)
            filing = self._insert_filing(tx, actor, case, {"kind": "demanda", "summary": metadata["subject"],
                                                           "represents": metadata["represents"]}, documents, now)
            court = self.get_court(case["court_id"])
            tx.emit(SOURCE, "case_opened", domain.case_opened_data(case, court["name"] if court else ""))
            return {"case_number": case_number, "receipt": receipt(filing)}
        return self.idempotent_transaction(request, work)

    def _next_folio(self, tx, case_number, also_set=None):
        """The case's next folio, taken; ``also_set``: fields of the case written in the same update."""
        update = {"$inc": {"next_folio": 1}, **({"$set": also_set} if also_set else {})}
        case = self.db.cases.find_one_and_update({"_id": case_number}, update,
                                                 return_document=ReturnDocument.BEFORE, session=tx.session)
        return case["next_folio"]

    # --- reservation ---------------------------------------------------------------
    def reserve_case(self, actor, case_number, reason, request):
        """Reserve the case (for good) with its reason, once per ``request``: the case leaves every public
        answer. Its version goes one up; event case_reserved."""
        def work(tx):
            case = self.require_case(case_number, session=tx.session)
            domain.require_can_reserve(actor, case)
            domain.require_not_reserved(case)
            reservation = {"reason": reason, "reserved_at": utcnow(), "reserved_by": domain.person(actor)}
            changes = {"reserved": True, "reservation": reservation, "case_version": domain.case_version(case) + 1}
            self.db.cases.update_one({"_id": case_number}, {"$set": changes}, session=tx.session)
            reserved = {**case, **changes}
            tx.emit(SOURCE, "case_reserved", domain.case_reserved_data(reserved))
            return {"case_number": case_number, "reserved": True, "case_version": changes["case_version"],
                    "reservation": reservation_view(reservation)}
        response = self.idempotent_transaction(request, work)
        self._changed(case_number)
        return response

    # --- reading -------------------------------------------------------------
    def case_view(self, case):
        """``(version, body)`` of the case file as the API shows it (CaseSchema, JSON bytes) for ``case`` as just
        read. Built once per case document this process holds (the cache hands out the same document until
        it changes) and named by the SHA-256 of its bytes, so every replica gives one view the same version."""
        key = (self.db.name, case["_id"])
        cached = _CASE_VIEWS.get(key)
        if cached is not None and cached[0] is case:
            return cached[1], cached[2]
        court = self.get_court(case["court_id"])
        header = {"case_number": case["_id"], "court_id": case["court_id"], "court_name": court["name"] if court else "",
                  "matter": case["matter"], "subject": case["subject"], "opened_at": domain.iso(case["opened_at"]),
                  "case_version": domain.case_version(case), "reserved": domain.is_reserved(case),
                  "reservation": reservation_view(case.get("reservation")), "stage": case.get("stage"),
                  "act_complained": case.get("act_complained"), "parties": case["parties"],
                  "attorneys": [{**a, "since": domain.iso(a["since"])} for a in case["attorneys"]]}
        # the docket and the hearings are encoded once per version (docket_json, hearings_json); the gateway sends
        # the bytes as they are
        docket = self.docket_json(case["_id"], case["next_folio"])
        hearings = self.hearings_json(case["_id"], case.get("hearing_changes", 0))
        body = (json_text(header)[:-1] + ',"entries":' + docket + ',"hearings":' + hearings + "}").encode("utf-8")
        version = hashlib.sha256(body).hexdigest()[:32]
        _CASE_VIEWS.put(key, (case, version, body))
        return version, body

    def docket_json(self, case_number, next_folio):
        """The docket as JSON text: accepted filings and resolutions below ``next_folio`` (the case
        document's, just read), in folio order.

        Cached per process and encoded once per version: every entry gets its folio in the transaction
        that increments the case's next_folio and never changes afterwards, so the docket below a given
        next_folio is immutable.
        """
        key = (self.db.name, case_number)
        cached = _DOCKETS.get(key)
        if cached is not None and cached[0] == next_folio:
            return cached[1]
        bound = {"folio": {"$lt": next_folio}}
        entries = []
        for f in self.db.filings.find({"case_number": case_number, "status": domain.ACCEPTED, **bound}):
            entries.append({"folio": f["folio"], "type": "filing", "id": f["_id"], "kind": f["kind"],
                            "summary": f["summary"], "at": domain.iso(f["received_at"]), "by": f["filed_by"],
                            "term_days": None, "documents": f["documents"]})
        for r in self.db.resolutions.find({"case_number": case_number, **bound}):
            entries.append({"folio": r["folio"], "type": "resolution", "id": r["_id"], "kind": r["kind"],
                            "summary": r["summary"], "at": domain.iso(r["issued_at"]), "by": r["issued_by"],
                            "term_days": r.get("term_days"), "documents": [r["document"]]})
        entries.sort(key=lambda e: e["folio"])
        text = json_text(entries)
        _DOCKETS.put(key, (next_folio, text))
        return text

    def list_cases(self, actor, status=None, limit=50, cursor=None):
        """A page of the caller's cases, newest first, and the cursor of the next page (or None). With
        ``status=received`` (the clerk's queue) the page's cases come oldest waiting filing first."""
        if actor["role"] == "lawyer":
            case_filter = {"attorneys.sub": actor["sub"]}
            filing_filter = {}
        else:
            case_filter = {"court_id": actor["court_id"]}
            filing_filter = {"court_id": actor["court_id"]}
        if status:
            numbers = self.db.filings.distinct("case_number", {**filing_filter, "status": status})
            case_filter = {"$and": [case_filter, {"_id": {"$in": numbers}}]}
        if cursor:
            case_filter = {"$and": [case_filter, paging.after(cursor, "opened_at")]}
        cases, next_cursor = paging.page(list(self.db.cases.find(case_filter).sort(
            [("opened_at", DESCENDING), ("_id", DESCENDING)]).limit(limit + 1)), limit, "opened_at")
        pending = {}
        for f in self.db.filings.find({"case_number": {"$in": [c["_id"] for c in cases]}, "status": domain.RECEIVED}).sort("received_at", ASCENDING):
            pending.setdefault(f["case_number"], []).append(
                {"filing_id": f["_id"], "kind": f["kind"], "summary": f["summary"],
                 "received_at": domain.iso(f["received_at"]), "filed_by": f["filed_by"],
                 "represents": f.get("represents")})
        items = [{"case_number": c["_id"], "court_id": c["court_id"], "matter": c["matter"], "subject": c["subject"],
                  "opened_at": domain.iso(c["opened_at"]), "pending_filings": pending.get(c["_id"], [])} for c in cases]
        if status == domain.RECEIVED:
            # the clerk's queue: the oldest waiting filing first
            items.sort(key=lambda i: i["pending_filings"][0]["received_at"] if i["pending_filings"] else "")
        return items, next_cursor



def reservation_view(reservation):
    if not reservation:
        return None
    return {**reservation, "reserved_at": domain.iso(reservation["reserved_at"])}
