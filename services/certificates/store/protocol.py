"""The notarial protocol archive's collections (Archivo General de Protocolos).

| collection | what |
|---|---|
| ``notaries`` | the registry of notaries (``_id`` = bar number), with their status history |
| ``instruments`` | deposits of testimonios especiales; a correction is a new version, the old one kept |
| ``protocol_indexes`` | each notary's annual index (``_id`` = ``<bar number>:<year>``) |
| ``protocol_copies`` | certified copies: a payment order (``PAYS_FOR`` kind ``protocol_copy``) and, once issued, their document |
| ``copy_issuance`` | the durable work queue of copies paid (and approved) to issue |
| GridFS ``testimonios`` | the deposited PDFs: staged by the upload, attached by the deposit (``services.runtime.staging``) |
| GridFS ``copy_documents`` | the signed PDF of each copy (``_id`` = the copy's) |

One current deposit per notary, year and number: the current one holds ``current_key`` under a unique index, a
correction takes it over in one transaction (the old version keeps everything, ``current: false``). A search
reads only current deposits, through indexed arrays of name keys and tokens (``services.runtime.names``), never a
regular expression.
"""
import gridfs
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from contracts import paging
from services.certificates import domain as certificates_domain
from services.certificates.protocol import domain, errors
from services.certificates.store.common import SOURCE, new_id
from services.runtime import names
from services.runtime.idempotency import IdempotentStore
from services.runtime.mongo import backfill, bounded
from services.runtime.staging import StagedDocuments, StagingStore
from services.runtime.workqueue import WorkQueue

COPY_ISSUANCE = "copy_issuance"
PROTOCOL_COPY = "protocol_copy"
TESTIMONIOS = "testimonios"
COPY_DOCUMENTS = "copy_documents"
SEARCH_FIELDS = {"grantor_index": 0, "grantor_keys": 0, "grantor_tokens": 0, "notary_tokens": 0}  # never shown
NO_DOCUMENT = {"document_id": 0, **SEARCH_FIELDS}
BY_GRANTOR_KEY = "by_grantor_key"


def current_key(bar_number, year, number):
    return f"{bar_number}:{year}:{number}"


class Protocol(StagingStore, IdempotentStore):
    staging_bucket = TESTIMONIOS
    # a search by the notary's name reads the registry of notaries (a few thousand), then the deposits of those
    # bar numbers: no index of every deposit by its notary's name words (it was a third of the archive's indexes)
    # (the grantors' tokens' index went with the grantors' search keys: ``backfill_grantor_search``)
    retired_indexes = {"instruments": ["notary_tokens_1_deposited_at_-1__id_-1", "grantor_tokens_1_deposited_at_-1__id_-1"]}
    indexes = {
        "notaries": [IndexModel([("name_tokens", ASCENDING)])],
        "instruments": [
            IndexModel([("current_key", ASCENDING)], unique=True,
                       partialFilterExpression={"current_key": {"$type": "string"}}),
            IndexModel([("bar_number", ASCENDING), ("year", ASCENDING), ("number", ASCENDING)]),
            # a search by grantor name reads one key (domain.grantor_search), newest first, current deposits only
            IndexModel([("grantor_keys", ASCENDING), ("deposited_at", DESCENDING), ("_id", DESCENDING)],
                       name=BY_GRANTOR_KEY, partialFilterExpression={"current": True}),
            IndexModel([("bar_number", ASCENDING), ("current", ASCENDING), ("deposited_at", DESCENDING),
                        ("_id", DESCENDING)]),
            IndexModel([("current", ASCENDING), ("deposited_at", DESCENDING), ("_id", DESCENDING)]),
        ],
        "protocol_copies": [IndexModel([("reference", ASCENDING)], unique=True),
                            IndexModel([("verification_code", ASCENDING)], unique=True,
                                       partialFilterExpression={"verification_code": {"$type": "string"}}),
                            IndexModel([("sha256", ASCENDING)]),
                            IndexModel([("sub", ASCENDING), ("requested_at", DESCENDING)])],
        COPY_ISSUANCE: [*WorkQueue.indexes()],
        **StagedDocuments.indexes(TESTIMONIOS),
        **IdempotentStore.indexes,
    }

    PAYS_FOR_PROTOCOL = {PROTOCOL_COPY: "protocol_copies"}

    # --- data of earlier versions ------------------------------------------------------------------------------
    @classmethod
    def backfill_grantor_search(cls, db, batch=1000):
        """Deposits stored before the grantors' search keys get them (``domain.grantor_search``), once per
        database (``services.runtime.mongo.backfill``)."""
        return backfill(db, "grantor_search", "instruments", "grantor_keys", {"grantors": 1},
                        lambda doc: {"$set": domain.grantor_search(doc.get("grantors") or []),
                                     "$unset": {"grantor_tokens": ""}}, batch)

    # --- notaries ------------------------------------------------------------------------------------------
    def notary(self, bar_number, session=None):
        return self.db.notaries.find_one({"_id": bar_number}, session=session)

    def notaries_named(self, words):
        """The bar numbers of the registered notaries one of whose name's words begins with each of ``words``."""
        return [n["_id"] for n in self.db.notaries.find({"name_tokens": {"$all": list(words)}}, {"_id": 1})]

    def register_notary(self, notary):
        try:
            self.db.notaries.insert_one(notary)
        except DuplicateKeyError:
            raise errors.notary_exists(notary["_id"])
        return notary

    def set_notary_status(self, bar_number, change):
        return self.db.notaries.find_one_and_update(
            {"_id": bar_number},
            {"$set": {"status": change["status"], "status_since": change["since"], "status_reason": change["reason"]},
             "$push": {"history": change}}, return_document=ReturnDocument.AFTER)

    # --- deposits ----------------------------------------------------------------------------------------------
    def deposit(self, instrument, correction, request, view):
        """Store a deposit with its ``instrument_deposited`` event, once per Idempotency-Key (``request``);
        a second deposit of a number is 409 unless it is a correction, which supersedes the current version."""
        key = current_key(instrument["bar_number"], instrument["year"], instrument["number"])

        def work(tx):
            current = self.db.instruments.find_one({"current_key": key}, session=tx.session)
            if current is not None and not correction:
                raise errors.number_taken(instrument["year"], instrument["number"])
            if current is None and correction:
                raise errors.nothing_to_correct(instrument["year"], instrument["number"])
            if current is not None:
                self.db.instruments.update_one(
                    {"_id": current["_id"], "current_key": key},
                    {"$unset": {"current_key": ""}, "$set": {"current": False, "superseded_by": instrument["_id"]}},
                    session=tx.session)
            instrument.update(current_key=key, current=True, version=(current["version"] + 1) if current else 1,
                              supersedes=current["_id"] if current else None)
            self.staging.attach(tx.session, [instrument["document"]["document_id"]],
                                {"instrument_id": instrument["_id"], "bar_number": instrument["bar_number"]})
            self.db.instruments.insert_one(instrument, session=tx.session)
            tx.emit(SOURCE, "instrument_deposited", {
                "instrument_id": instrument["_id"], "bar_number": instrument["bar_number"], "year": instrument["year"],
                "number": instrument["number"], "version": instrument["version"], "act_type": instrument["act_type"],
                "authorized_at": instrument["authorized_at"],
                "deposited_at": certificates_domain.iso(instrument["deposited_at"]),
                "extemporaneo": instrument["extemporaneo"], "business_days_late": instrument["business_days_late"],
                "supersedes": instrument["supersedes"]})
            return view(instrument)

        try:
            return self.idempotent_transaction(request, work)
        except DuplicateKeyError:  # another deposit of the same number committed first
            raise errors.number_taken(instrument["year"], instrument["number"])

    def instrument(self, instrument_id, session=None):
        return self.db.instruments.find_one({"_id": instrument_id}, session=session)

    def year_deposits(self, bar_number, year):
        return list(self.db.instruments.find({"bar_number": bar_number, "year": year, "current": True},
                                             SEARCH_FIELDS).sort("number", 1))

    def review(self, instrument_id, decision, reason, reviewer, now):
        return self.db.instruments.find_one_and_update(
            {"_id": instrument_id},
            {"$set": {"review": decision, "review_reason": reason, "reviewed_by": reviewer, "reviewed_at": now}},
            return_document=ReturnDocument.AFTER)

    def testimonio_pdf(self, instrument):
        return self.staging.bucket.open_download_stream(instrument["document"]["document_id"]).read()

    # --- search ---------------------------------------------------------------------------------------------------
    def search_instruments(self, criteria, limit, cursor=None, grantor_words=None):
        """Current deposits matching ``criteria`` (a MongoDB filter of equalities and ``$all`` on token
        arrays) and, with ``grantor_words``, one of whose grantors' names has a word beginning with each of them
        (read through the one key of its longest words, ``services.runtime.names.search_key``); newest first;
        (items, next_cursor)."""
        query = {"current": True, **criteria}
        key = None
        if grantor_words:
            key = names.search_key(grantor_words, whole=False)
            query["grantor_index"] = {"$elemMatch": {"prefixes": {"$all": grantor_words}}}
            if key is not None:
                query["grantor_keys"] = {"$in": [key, names.LONG_NAME]}
        if cursor:
            query = {"$and": [query, paging.after(paging.decode_cursor(cursor), "deposited_at")]}
        found = (self.db.instruments.find(query, SEARCH_FIELDS)
                 .sort([("deposited_at", DESCENDING), ("_id", DESCENDING)]).limit(limit + 1))
        if key is not None:
            found = found.hint(BY_GRANTOR_KEY)
        return paging.page(bounded(found, "grantor" if grantor_words else "notary"), limit, "deposited_at")

    # --- the annual index ----------------------------------------------------------------------------------------
    def save_index(self, bar_number, year, entries, actor_person, now):
        doc = {"_id": f"{bar_number}:{year}", "bar_number": bar_number, "year": year, "entries": entries,
               "submitted_at": now, "submitted_by": actor_person}
        self.db.protocol_indexes.replace_one({"_id": doc["_id"]}, doc, upsert=True)
        return doc

    def index_of(self, bar_number, year):
        return self.db.protocol_indexes.find_one({"_id": f"{bar_number}:{year}"})

    # --- copies ------------------------------------------------------------------------------------------------------
    def copy_queue(self, policy=None, owner=None):
        return WorkQueue(self.db[COPY_ISSUANCE], policy, owner, done_status="done", done_at="done_at")

    def new_copy(self, copy):
        for _ in range(5):
            copy["reference"] = certificates_domain.new_reference()
            try:
                self.db.protocol_copies.insert_one(copy)
                return copy
            except DuplicateKeyError:
                continue
        raise RuntimeError("could not create a payment reference")

    def copy(self, copy_id):
        return self.db.protocol_copies.find_one({"_id": copy_id})

    def copies_of(self, sub, limit=100):
        return list(self.db.protocol_copies.find({"sub": sub}).sort("requested_at", -1).limit(limit))

    def order_paid(self, kind, order, payment_id, now, tx):
        """A copy paid (inside the payment's transaction): ready to issue unless it waits for an officer."""
        if kind != PROTOCOL_COPY:
            raise ValueError(kind)
        copy = self.db.protocol_copies.find_one_and_update(
            {"_id": order["_id"], "paid_at": None}, {"$set": {"paid_at": now, "payment_id": payment_id}},
            session=tx.session, return_document=ReturnDocument.AFTER)
        if copy is not None and domain.ready_to_issue(copy):
            self._enqueue_copy(copy, now, tx)
        return copy or order

    def approve_copy(self, copy_id, approver, note, now):
        def work(tx):
            copy = self.db.protocol_copies.find_one_and_update(
                {"_id": copy_id, "approved_at": None, "needs_approval": True},
                {"$set": {"approved_at": now, "approved_by": approver, "approval_note": note}},
                session=tx.session, return_document=ReturnDocument.AFTER)
            if copy is not None and domain.ready_to_issue(copy):
                self._enqueue_copy(copy, now, tx)
            return copy
        return self.transaction(work)

    def _enqueue_copy(self, copy, now, tx):
        self.db[COPY_ISSUANCE].insert_one(self.copy_queue().new_job({"copy_id": copy["_id"]}, now, job_id=copy["_id"]),
                                          session=tx.session)

    def reserve_copy(self, copy, now):
        """The copy's serial and verification code, written once (a retried issuance reuses them)."""
        if copy.get("serial"):
            return copy
        counter = self.db.counters.find_one_and_update({"_id": f"copy-serial-{now.year}"}, {"$inc": {"value": 1}},
                                                       upsert=True, return_document=ReturnDocument.AFTER)
        identity = {"serial": domain.copy_serial(now.year, counter["value"]),
                    "verification_code": certificates_domain.new_verification_code()}
        self.db.protocol_copies.update_one({"_id": copy["_id"], "serial": None}, {"$set": identity})
        return self.db.protocol_copies.find_one({"_id": copy["_id"]})

    @property
    def copy_documents(self):
        return gridfs.GridFSBucket(self.db, bucket_name=COPY_DOCUMENTS)

    def issue_copy(self, copy, pdf, sha256, now):
        """Store the signed PDF and mark the copy issued, once."""
        bucket = self.copy_documents
        for old in self.db[f"{COPY_DOCUMENTS}.files"].find({"_id": copy["_id"]}, {"_id": 1}):
            if copy.get("issued_at"):
                return copy
            bucket.delete(old["_id"])  # a retry after a failure between storing and marking
        bucket.upload_from_stream_with_id(copy["_id"], f"copia-{copy['serial']}.pdf", pdf,
                                          metadata={"sha256": sha256, "content_type": "application/pdf"})
        return self.db.protocol_copies.find_one_and_update(
            {"_id": copy["_id"], "issued_at": None},
            {"$set": {"issued_at": now, "sha256": sha256, "size": len(pdf)}}, return_document=ReturnDocument.AFTER)

    def copy_pdf(self, copy):
        return self.copy_documents.open_download_stream(copy["_id"]).read()

    def copy_by_code(self, code):
        return self.db.protocol_copies.find_one({"verification_code": code})

    def copies_by_digest(self, sha256):
        return list(self.db.protocol_copies.find({"sha256": sha256}).limit(2))

    def revoke_copy(self, copy_id, reason, actor_person, now):
        done = self.db.protocol_copies.find_one_and_update(
            {"_id": copy_id, "issued_at": {"$ne": None}, "revoked_at": None},
            {"$set": {"revoked_at": now, "revoked_by": actor_person, "revocation_reason": reason}},
            return_document=ReturnDocument.AFTER)
        return done, done is not None


def new_instrument_id():
    return new_id()
