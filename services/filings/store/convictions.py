"""The final sentences' area: a penal sentence a judge declared final (firme) with who it convicts, once per
resolution (``final_sentences``, its ``_id`` the resolution's), written with its ``conviction_final`` event
(the criminal-record registry of the certificates service records each conviction)."""
from services.filings import domain
from services.filings.store.common import SOURCE
from services.runtime.errors import NotFound
from services.runtime.mongo import utcnow


class Convictions:
    indexes = {}  # final_sentences is read by _id only

    def declare_final(self, actor, resolution_id, convictions, timezone):
        """Declare the sentence ``resolution_id`` final, with its event, in one transaction; its view.
        Two declarations at once conflict on the one document: the transaction retried sees the first (409)."""
        def work(tx):
            resolution = self.db.resolutions.find_one({"_id": resolution_id}, session=tx.session)
            if resolution is None:
                raise NotFound("resolution_not_found", "No existe una resolución con ese identificador.",
                               {"resolution_id": resolution_id})
            domain.require_can_declare_final(actor, resolution)
            case = self.require_case(resolution["case_number"], session=tx.session)
            domain.require_penal_sentence(resolution, case)
            existing = self.db.final_sentences.find_one({"_id": resolution_id}, session=tx.session)
            if existing is not None:
                raise domain.already_final(existing)
            court = self.get_court(resolution["court_id"])
            declaration = {"_id": resolution_id, "case_number": resolution["case_number"],
                           "court_id": resolution["court_id"],
                           "sentence_date": domain.local_date(resolution["issued_at"], timezone),
                           "declared_at": utcnow(), "declared_by": domain.person(actor),
                           "convictions": [{"name": c["name"], "id_number": c["id_number"],
                                            "offences": list(c["offences"]), "penalty": c["penalty"]}
                                           for c in convictions]}
            self.db.final_sentences.insert_one(declaration, session=tx.session)
            tx.emit(SOURCE, "conviction_final", domain.conviction_final_data(declaration, court["name"] if court else ""))
            return domain.final_sentence_view(declaration)
        return self.transaction(work)
