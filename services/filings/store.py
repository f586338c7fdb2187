"""MongoDB persistence of the filings service (database ``<prefix>_filings``).

Collections: courts, counters (case numbering), cases, filings, resolutions,
idempotency (Idempotency-Key records), audit (reads and denied attempts), and
the GridFS bucket ``documents`` (PDFs, byte for byte).
"""
import datetime
import hashlib
import uuid

import gridfs
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from contracts import paging
from contracts.base import json_text
from services.filings import domain
from services.runtime.errors import Conflict, NotFound, ValidationFailed
from services.runtime.memo import BoundedMemo
from services.runtime.mongo import Store, utcnow

SOURCE = "filings"
STAGED_TTL = datetime.timedelta(hours=1)
CLIENT_KEY_TTL = datetime.timedelta(days=30)   # an Idempotency-Key sent by the client
AUTO_KEY_TTL = datetime.timedelta(days=2)      # a key the gateway made for one request

COURTS = [
    {"_id": "01001", "name": "Juzgado Primero de Primera Instancia Civil", "matters": ["civil", "familia"]},
    {"_id": "01002", "name": "Juzgado Segundo de Primera Instancia Civil", "matters": ["civil", "familia"]},
    {"_id": "01010", "name": "Juzgado Primero de Primera Instancia Penal", "matters": ["penal"]},
    {"_id": "01020", "name": "Juzgado Primero de Trabajo y Previsión Social", "matters": ["laboral"]},
    {"_id": "00001", "name": "Corte Suprema de Justicia, Cámara de Amparo y Antejuicio", "matters": ["amparo", "antejuicio"]},
]


# Per-process read caches (see FilingsStore.get_court and FilingsStore.docket): {(database, key): value}
_COURTS = {}
DOCKET_CACHE_SIZE = 256
_DOCKETS = BoundedMemo(DOCKET_CACHE_SIZE)
# (database, case_number) -> (case document, version, body): the case file view of the document last read
_CASE_VIEWS = BoundedMemo(DOCKET_CACHE_SIZE)


def new_id():
    return uuid.uuid4().hex


class Replay(Exception):
    """An Idempotency-Key seen before: carries the stored record."""

    def __init__(self, record):
        super().__init__(record["_id"])
        self.record = record


class FilingsStore(Store):
    database = "filings"
    publishes_events = True
    cached_collections = ("cases",)
    indexes = {
        "cases": [IndexModel([("court_id", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)]),
                  IndexModel([("attorneys.sub", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)])],
        "filings": [IndexModel([("case_number", ASCENDING), ("status", ASCENDING), ("folio", ASCENDING)]),
                    IndexModel([("court_id", ASCENDING), ("status", ASCENDING), ("received_at", ASCENDING)]),
                    IndexModel([("filed_by.sub", ASCENDING), ("received_at", DESCENDING)])],
        "resolutions": [IndexModel([("case_number", ASCENDING), ("folio", ASCENDING)])],
        "idempotency": [IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=0)],
        "documents.files": [IndexModel([("metadata.state", ASCENDING), ("metadata.staged_at", ASCENDING)])],
    }

    @property
    def bucket(self):
        return gridfs.GridFSBucket(self.db, bucket_name="documents")

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

    # --- documents ---------------------------------------------------------
    def stage_document(self, actor, filename, data, info):
        document_id = new_id()
        self.bucket.upload_from_stream_with_id(document_id, filename, data, metadata={
            "state": "staged", "staged_by": actor["sub"], "staged_at": utcnow(),
            "sha256": info.sha256, "pages": info.pages, "content_type": "application/pdf",
        })
        return {"document_id": document_id, "filename": filename, "size": len(data),
                "sha256": info.sha256, "pages": info.pages}

    def discard_staged(self, actor, document_ids):
        for doc in self.db["documents.files"].find({"_id": {"$in": list(document_ids)}, "metadata.state": "staged",
                                                    "metadata.staged_by": actor["sub"]}, {"_id": 1}):
            self.bucket.delete(doc["_id"])

    def purge_stale_staged(self, now=None):
        cutoff = (now or utcnow()) - STAGED_TTL
        count = 0
        for doc in self.db["documents.files"].find({"metadata.state": "staged", "metadata.staged_at": {"$lt": cutoff}}, {"_id": 1}):
            self.bucket.delete(doc["_id"])
            count += 1
        return count

    def staged_documents(self, actor, document_ids, session=None):
        docs = {d["_id"]: d for d in self.db["documents.files"].find(
            {"_id": {"$in": list(document_ids)}, "metadata.state": "staged", "metadata.staged_by": actor["sub"]},
            session=session)}
        if len(docs) != len(set(document_ids)) or len(document_ids) != len(set(document_ids)):
            raise ValidationFailed("document_not_found", "Uno o más documentos no existen o ya fueron utilizados.",
                                   {"fields": {"documents": "Documento no disponible."}})
        return [document_info(docs[i]) for i in document_ids]

    def own_documents(self, actor, document_ids):
        """The documents with these ids that ``actor`` sent, staged or attached, in that order;
        ``None`` unless every one of them is there."""
        docs = {d["_id"]: d for d in self.db["documents.files"].find(
            {"_id": {"$in": document_ids}, "metadata.staged_by": actor["sub"]})}
        if not document_ids or len(docs) != len(set(document_ids)):
            return None
        return [document_info(docs[i]) for i in document_ids]

    def _attach(self, tx, document_ids, owner):
        result = self.db["documents.files"].update_many(
            {"_id": {"$in": list(document_ids)}, "metadata.state": "staged"},
            {"$set": {"metadata.state": "attached", **{f"metadata.{k}": v for k, v in owner.items()}},
             "$unset": {"metadata.staged_at": ""}},
            session=tx.session)
        if result.modified_count != len(document_ids):
            raise ValidationFailed("document_not_found", "Uno o más documentos no existen o ya fueron utilizados.",
                                   {"fields": {"documents": "Documento no disponible."}})

    def get_document_file(self, document_id):
        return self.db["documents.files"].find_one({"_id": document_id, "metadata.state": "attached"})

    def read_document(self, document_id):
        return self.bucket.open_download_stream(document_id).read()

    # --- idempotency -------------------------------------------------------
    @staticmethod
    def idempotency_id(actor, scope, key):
        return f"{actor['sub']}|{scope}|{key}"

    def find_idempotency(self, actor, scope, key, session=None):
        if not key:
            return None
        return self.db.idempotency.find_one({"_id": self.idempotency_id(actor, scope, key)}, session=session)

    def _check_replay(self, tx, actor, scope, idempotency):
        if idempotency:
            record = self.find_idempotency(actor, scope, idempotency["key"], session=tx.session)
            if record:
                raise Replay(record)

    def _remember(self, tx, actor, scope, idempotency, fingerprint, response):
        if idempotency:
            now = utcnow()
            self.db.idempotency.insert_one({"_id": self.idempotency_id(actor, scope, idempotency["key"]),
                                            "request_hash": fingerprint, "response": response, "at": now,
                                            "expires_at": now + (AUTO_KEY_TTL if idempotency["key"].startswith("auto-")
                                                                 else CLIENT_KEY_TTL)},
                                           session=tx.session)

    # --- cases and filings -------------------------------------------------
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
            raise NotFound("case_not_found", "No existe un expediente con ese número.", {"case_number": case_number})
        return case

    def require_filing(self, filing_id, session=None):
        filing = self.db.filings.find_one({"_id": filing_id}, session=session)
        if filing is None:
            raise NotFound("filing_not_found", "No existe un escrito con ese identificador.", {"filing_id": filing_id})
        return filing

    def open_case(self, actor, metadata, documents, idempotency, fingerprint, timezone):
        """Create the case with its number, the initial filing (demanda) and its events, atomically."""
        def work(tx):
            self._check_replay(tx, actor, "open_case", idempotency)
            now = utcnow()
            year = domain.case_year(now, timezone)
            counter = self.db.counters.find_one_and_update(
                {"_id": domain.counter_key(metadata["court_id"], year)}, {"$inc": {"seq": 1}},
                upsert=True, return_document=ReturnDocument.AFTER, session=tx.session)
            case_number = domain.format_case_number(metadata["court_id"], year, counter["seq"])
            lawyer = {**domain.person(actor), "represents": metadata["represents"], "since": now}
            case = {"_id": case_number, "court_id": metadata["court_id"], "matter": metadata["matter"],
                    "subject": metadata["subject"], "parties": metadata["parties"], "attorneys": [lawyer],
                    "opened_at": now, "opened_by": domain.person(actor), "next_folio": 1}
            self.db.cases.insert_one(case, session=tx.session)
            filing = self._insert_filing(tx, actor, case, {"kind": "demanda", "summary": metadata["subject"],
                                                           "represents": metadata["represents"]}, documents, now)
            tx.emit(SOURCE, "case_opened", {"case_number": case_number, "court_id": case["court_id"],
                                            "matter": case["matter"], "subject": case["subject"],
                                            "opened_at": domain.iso(now), "opened_by": domain.person(actor)})
            response = {"case_number": case_number, "receipt": receipt(filing)}
            self._remember(tx, actor, "open_case", idempotency, fingerprint, response)
            return response
        return self.transaction(work)

    def submit_filing(self, actor, case_number, metadata, documents, idempotency, fingerprint):
        scope = f"filing:{case_number}"

        def work(tx):
            self._check_replay(tx, actor, scope, idempotency)
            case = self.require_case(case_number, session=tx.session)
            domain.require_can_file(actor, case, metadata)
            if metadata["kind"] == "apersonamiento" and self.db.filings.find_one(
                    {"case_number": case_number, "kind": "apersonamiento", "status": "received",
                     "filed_by.sub": actor["sub"]}, session=tx.session):
                raise Conflict("appearance_pending", "Ya tiene un apersonamiento pendiente de calificación en este expediente.",
                               {"case_number": case_number})
            filing = self._insert_filing(tx, actor, case, metadata, documents, utcnow())
            response = receipt(filing)
            self._remember(tx, actor, scope, idempotency, fingerprint, response)
            return response
        return self.transaction(work)

    def _insert_filing(self, tx, actor, case, metadata, documents, now):
        filing_id = new_id()
        self._attach(tx, [d["document_id"] for d in documents],
                     {"case_number": case["_id"], "filing_id": filing_id, "court_id": case["court_id"]})
        filing = {"_id": filing_id, "case_number": case["_id"], "court_id": case["court_id"],
                  "kind": metadata["kind"], "summary": metadata["summary"], "represents": metadata.get("represents"),
                  "filed_by": domain.person(actor), "received_at": now, "status": domain.RECEIVED,
                  "documents": documents, "folio": None, "review": None}
        self.db.filings.insert_one(filing, session=tx.session)
        tx.emit(SOURCE, "filing_received", {"filing_id": filing_id, "case_number": case["_id"], "court_id": case["court_id"],
                                            "kind": filing["kind"], "received_at": domain.iso(now),
                                            "filed_by": filing["filed_by"], "document_count": len(documents)})
        return filing

    def get_filing(self, filing_id):
        return self.db.filings.find_one({"_id": filing_id})

    def review_filing(self, actor, filing_id, decision, reason):
        def work(tx):
            filing = self.require_filing(filing_id, session=tx.session)
            domain.require_can_review(actor, filing)
            if domain.is_repeated_review(filing, actor, decision, reason):
                return filing
            status = domain.review_transition(filing["status"], decision)
            now = utcnow()
            folio = None
            if status == domain.ACCEPTED:
                folio = self._next_folio(tx, filing["case_number"])
                if filing["kind"] == "apersonamiento":
                    self.db.cases.update_one(
                        {"_id": filing["case_number"], "attorneys.sub": {"$ne": filing["filed_by"]["sub"]}},
                        {"$push": {"attorneys": {**filing["filed_by"], "represents": filing["represents"], "since": now}}},
                        session=tx.session)
            review = {"decision": decision, "reason": reason, "reviewed_by": domain.person(actor), "reviewed_at": now}
            updated = self.db.filings.find_one_and_update(
                {"_id": filing_id, "status": domain.RECEIVED},
                {"$set": {"status": status, "folio": folio, "review": review}},
                return_document=ReturnDocument.AFTER, session=tx.session)
            if updated is None:
                domain.review_transition(None, decision)
            tx.emit(SOURCE, "filing_reviewed", {"filing_id": filing_id, "case_number": filing["case_number"],
                                                "court_id": filing["court_id"], "kind": filing["kind"],
                                                "decision": decision, "reason": reason, "folio": folio,
                                                "reviewed_at": domain.iso(now), "filed_by": filing["filed_by"]})
            return updated
        updated = self.transaction(work)
        self._changed(updated["case_number"])
        return updated

    def _next_folio(self, tx, case_number):
        case = self.db.cases.find_one_and_update({"_id": case_number}, {"$inc": {"next_folio": 1}},
                                                 return_document=ReturnDocument.BEFORE, session=tx.session)
        return case["next_folio"]

    # --- resolutions ---------------------------------------------------------
    def issue_resolution(self, actor, case_number, metadata, document, court_name, idempotency, fingerprint):
        """Issue the resolution with its folio and its event, once per idempotency key; its receipt."""
        scope = f"resolution:{case_number}"

        def work(tx):
            self._check_replay(tx, actor, scope, idempotency)
            case = self.require_case(case_number, session=tx.session)
            domain.require_can_issue_resolution(actor, case)
            now = utcnow()
            resolution_id = new_id()
            self._attach(tx, [document["document_id"]], {"case_number": case_number, "resolution_id": resolution_id,
                                                         "court_id": case["court_id"]})
            folio = self._next_folio(tx, case_number)
            recipients = domain.recipients_of(case)
            resolution = {"_id": resolution_id, "case_number": case_number, "court_id": case["court_id"],
                          "kind": metadata["kind"], "summary": metadata["summary"],
                          "term_days": metadata.get("term_days"), "folio": folio, "issued_at": now,
                          "issued_by": domain.person(actor), "document": document,
                          "recipients": [r["sub"] for r in recipients]}
            self.db.resolutions.insert_one(resolution, session=tx.session)
            tx.emit(SOURCE, "resolution_issued", {
                "resolution_id": resolution_id, "case_number": case_number, "court_id": case["court_id"],
                "court_name": court_name, "kind": resolution["kind"], "summary": resolution["summary"],
                "term_days": resolution["term_days"], "folio": folio, "document_id": document["document_id"],
                "document_sha256": document["sha256"], "document_size": document["size"],
                "document_filename": document["filename"], "issued_at": domain.iso(now),
                "issued_by": resolution["issued_by"], "recipients": recipients})
            response = resolution_receipt(resolution)
            self._remember(tx, actor, scope, idempotency, fingerprint, response)
            return response
        response = self.transaction(work)
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
                  "parties": case["parties"],
                  "attorneys": [{**a, "since": domain.iso(a["since"])} for a in case["attorneys"]]}
        # the docket part is encoded once per version (docket_json); the gateway sends the bytes as they are
        docket = self.docket_json(case["_id"], case["next_folio"])
        body = (json_text(header)[:-1] + ',"entries":' + docket + "}").encode("utf-8")
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
                 "received_at": domain.iso(f["received_at"]), "filed_by": f["filed_by"]})
        items = [{"case_number": c["_id"], "court_id": c["court_id"], "matter": c["matter"], "subject": c["subject"],
                  "opened_at": domain.iso(c["opened_at"]), "pending_filings": pending.get(c["_id"], [])} for c in cases]
        if status == domain.RECEIVED:
            # the clerk's queue: the oldest waiting filing first
            items.sort(key=lambda i: i["pending_filings"][0]["received_at"] if i["pending_filings"] else "")
        return items, next_cursor


def document_info(file_doc):
    meta = file_doc["metadata"]
    return {"document_id": file_doc["_id"], "filename": file_doc["filename"], "size": file_doc["length"],
            "sha256": meta["sha256"], "pages": meta["pages"]}


def resolution_receipt(resolution):
    return {"resolution_id": resolution["_id"], "case_number": resolution["case_number"],
            "court_id": resolution["court_id"], "kind": resolution["kind"], "summary": resolution["summary"],
            "term_days": resolution["term_days"], "folio": resolution["folio"],
            "issued_at": domain.iso(resolution["issued_at"]), "issued_by": resolution["issued_by"],
            "document": resolution["document"], "recipients": resolution["recipients"]}


def receipt(filing):
    return {"filing_id": filing["_id"], "case_number": filing["case_number"], "court_id": filing["court_id"],
            "kind": filing["kind"], "summary": filing["summary"], "filed_by": filing["filed_by"],
            "received_at": domain.iso(filing["received_at"]), "status": filing["status"],
            "documents": filing["documents"]}


def filing_view(filing):
    review = filing.get("review")
    if review:
        review = {**review, "reviewed_at": domain.iso(review["reviewed_at"])}
    return {**receipt(filing), "represents": filing.get("represents"), "folio": filing.get("folio"), "review": review}
