"""The resolutions' area: resolutions a court issues in a case, each with its one document."""
from pymongo import ASCENDING, IndexModel

from services.filings import domain
from services.filings.store.common import SOURCE, new_id
from services.runtime.errors import NotFound
from services.runtime.mongo import utcnow


class Resolutions:
    indexes = {"resolutions": [IndexModel([("case_number", ASCENDING), ("folio", ASCENDING)])]}

    def issue_resolution(self, actor, case_number, metadata, documents, request):
        """Issue the resolution (its one document) with its folio and its event, once per ``request``; its
        receipt."""
        domain.check_case_number(case_number)
        document = domain.only_document(documents)

        def work(tx):
            case = self.require_case(case_number, session=tx.session)
            domain.require_can_issue_resolution(actor, case)
            stage = domain.next_stage(case["matter"], case.get("stage"), metadata.get("stage"))
            court = self.get_court(case["court_id"])
            now = utcnow()
            resolution_id = new_id()
            self.staging.attach(tx.session, [document["document_id"]],
                                {"case_number": case_number, "resolution_id": resolution_id, "court_id": case["court_id"]})
            version = domain.case_version(case) + 1
            folio = self._next_folio(tx, case_number, {"case_version": version, "stage": stage})
            recipients = domain.recipients_of(case)
            resolution = {"_id": resolution_id, "case_number": case_number, "court_id": case["court_id"],
                          "kind": metadata["kind"], "summary": metadata["summary"],
                          "term_days": metadata.get("term_days"), "folio": folio, "issued_at": now,
                          "issued_by": domain.person(actor), "document": document,
                          "recipients": [r["sub"] for r in recipients], "matter": case["matter"],
                          "stage": metadata.get("stage"), "case_version": version}
            self.db.resolutions.insert_one(resolution, session=tx.session)
            tx.emit(SOURCE, "resolution_issued",
                    domain.resolution_issued_data(resolution, case, court["name"] if court else "", recipients))
            return resolution_receipt(resolution)
        response = self.idempotent_transaction(request, work)
        self._changed(case_number)
        return response

    def require_resolution_document(self, resolution_id):
        """The file document of a resolution's PDF (for the mailbox to serve it), or NotFound."""
        resolution = self.db.resolutions.find_one({"_id": str(resolution_id)}, {"document": 1})
        file_doc = resolution and self.get_document_file(resolution["document"]["document_id"])
        if file_doc is None:
            raise NotFound("resolution_not_found", "No existe una resolución con ese identificador.",
                           {"resolution_id": str(resolution_id)[:64]})
        return file_doc


def resolution_receipt(resolution):
    return {"resolution_id": resolution["_id"], "case_number": resolution["case_number"],
            "court_id": resolution["court_id"], "kind": resolution["kind"], "summary": resolution["summary"],
            "term_days": resolution["term_days"], "folio": resolution["folio"],
            "issued_at": domain.iso(resolution["issued_at"]), "issued_by": resolution["issued_by"],
            "document": resolution["document"], "recipients": resolution["recipients"],
            "stage": resolution.get("stage"), "case_version": resolution.get("case_version")}
