"""The writs' area: filings (escritos with their documents) and their review."""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.filings import domain
from services.filings.store.common import SOURCE, new_id
from services.runtime.errors import NotFound
from services.runtime.mongo import utcnow


ONE_PENDING_APPEARANCE = "one_pending_appearance"


class Filings:
    indexes = {
        "filings": [IndexModel([("case_number", ASCENDING), ("status", ASCENDING), ("folio", ASCENDING)]),
                    IndexModel([("court_id", ASCENDING), ("status", ASCENDING), ("received_at", ASCENDING)]),
                    IndexModel([("filed_by.sub", ASCENDING), ("received_at", DESCENDING)]),
                    # one appearance per lawyer and case waiting for review, also when two are sent at once (each
                    # transaction finds none waiting; the second to write collides and is retried, then refused)
                    IndexModel([("case_number", ASCENDING), ("filed_by.sub", ASCENDING)], unique=True,
                               name=ONE_PENDING_APPEARANCE,
                               partialFilterExpression={"kind": "apersonamiento", "status": domain.RECEIVED})],
    }

    def require_filing(self, filing_id, session=None):
        filing = self.db.filings.find_one({"_id": filing_id}, session=session)
        if filing is None:
            raise NotFound("filing_not_found", "No existe un escrito con ese identificador.", {"filing_id": filing_id})
        return filing

    def submit_filing(self, actor, case_number, metadata, documents, request):
        """Store a writ with its documents and its event, once per ``request``; its receipt."""
        domain.check_case_number(case_number)

        def work(tx):
            case = self.require_case(case_number, session=tx.session)
            domain.require_can_file(actor, case, metadata)
            self.require_no_pending_appearance(actor, case_number, metadata, session=tx.session)
            return receipt(self._insert_filing(tx, actor, case, metadata, documents, utcnow()))
        try:
            return self.idempotent_transaction(request, work)
        except DuplicateKeyError as exc:
            if ONE_PENDING_APPEARANCE not in str(exc):
                raise
            raise domain.appearance_pending(case_number) from None

    def _insert_filing(self, tx, actor, case, metadata, documents, now):
        filing_id = new_id()
        self.staging.attach(tx.session, [d["document_id"] for d in documents],
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

    def pending_appearance(self, case_number, sub, session=None):
        """The appearance ``sub`` filed in the case that still waits for its review, or None."""
        return self.db.filings.find_one({"case_number": case_number, "kind": "apersonamiento",
                                         "status": domain.RECEIVED, "filed_by.sub": sub}, session=session)

    def require_no_pending_appearance(self, actor, case_number, metadata, session=None):
        """One appearance at a time: a lawyer whose appearance in the case still waits files no other (409)."""
        if metadata["kind"] == "apersonamiento" and self.pending_appearance(case_number, actor["sub"], session=session):
            raise domain.appearance_pending(case_number)

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
