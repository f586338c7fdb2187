"""The registry (``records``, ``cancellations``, GridFS bucket ``court_documents``): convictions as they were
recorded, never edited or deleted. A cancellation is an entry of its own (``cancellations``, one per
record: its ``_id`` is the record's), with the court's PDF; a record is active while it has none.

Both collections are read by CUI, the look-up every issuance makes (indexed on ``id_number``); ``key`` (the
person and the case) is unique, so the same conviction is never recorded twice, whichever way it arrives. A search
by name reads the records holding one key of its words (``name_keys``, the shared rule of every search by name:
``services.runtime.names``), never a regular expression over every name.
"""
import hashlib

import gridfs
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.certificates import domain
from services.certificates.errors import already_cancelled, record_exists, record_not_found
from services.certificates.store.common import SOURCE, new_id
from services.runtime import names
from services.runtime.mongo import backfill, bounded, utcnow

MAX_SEARCH = 200
SEARCH_FIELDS = {"name_prefixes": 0, "name_keys": 0}  # what a search reads, never shown
BY_NAME_KEY = "by_name_key"


class Registry:
    # the folded names' index served a prefix and then an unanchored regular expression, which read every name of
    # the registry (5,000,000 in the bench) whenever fewer than a page began with the words typed
    retired_indexes = {"records": ["name_search_1"]}
    indexes = {
        "records": [IndexModel([("id_number", ASCENDING), ("recorded_at", ASCENDING)]),
                    IndexModel([("key", ASCENDING)], unique=True),
                    IndexModel([("name_keys", ASCENDING)], name=BY_NAME_KEY)],
        "cancellations": [IndexModel([("id_number", ASCENDING)])],
    }

    # --- data of earlier versions ------------------------------------------------------------------------------
    @classmethod
    def backfill_name_search(cls, db, batch=1000):
        """Records stored before the shared name search get its fields (``domain.name_search``), once per
        database (``services.runtime.mongo.backfill``)."""
        return backfill(db, "record_name_search", "records", "name_keys", {"name": 1},
                        lambda doc: {"$set": domain.name_search(doc.get("name") or "")}, batch)

    @property
    def court_documents(self):
        return gridfs.GridFSBucket(self.db, bucket_name="court_documents")

    # --- writing -------------------------------------------------------------------------------------
    @staticmethod
    def new_record(fields, source, actor_person, now, origin=None):
        record = {"_id": new_id(), "name": fields["name"], "id_number": fields["id_number"],
                  "case_number": fields["case_number"], "court": fields["court"],
                  "offences": list(fields["offences"]), "penalty": fields["penalty"],
                  "sentence_date": str(fields["sentence_date"]), "final_date": str(fields["final_date"]),
                  "source": source, "recorded_at": now, "recorded_by": actor_person,
                  "origin": origin or {}, **domain.name_search(fields["name"])}
        record["key"] = domain.record_key(record)
        return record

    @staticmethod
    def recorded_event(record):
        return {"record_id": record["_id"], "id_number": record["id_number"], "case_number": record["case_number"],
                "court": record["court"], "source": record["source"], "recorded_at": domain.iso(record["recorded_at"])}

    def add_records(self, records, tx):
        """Insert records and their ``conviction_recorded`` events in the caller's transaction."""
        if not records:
            return
        self.db.records.insert_many(records, session=tx.session)
        tx.emit_many(SOURCE, "conviction_recorded", [self.recorded_event(r) for r in records])

    def add_record(self, record):
        """One record by hand; 409 if that person already has a record for that case."""
        def work(tx):
            if self.db.records.find_one({"key": record["key"]}, {"_id": 1}, session=tx.session):
                raise record_exists(record["case_number"])
            self.add_records([record], tx)
        try:
            self.transaction(work)
        except DuplicateKeyError:
            raise record_exists(record["case_number"])
        return record

    def existing_keys(self, keys):
        return {doc["key"] for doc in self.db.records.find({"key": {"$in": list(keys)}}, {"key": 1})}

    def import_records(self, records):
        """All of them, or none (one transaction); a key recorded meanwhile makes the whole import fail."""
        try:
            self.transaction(lambda tx: self.add_records(records, tx))
        except DuplicateKeyError:
            raise record_exists(None)

    def cancel(self, record_id, reason, note, actor_person, filename, data):
        """The cancellation entry of a record, with the court's PDF; once (409 after)."""
        record = self.db.records.find_one({"_id": record_id})
        if record is None:
            raise record_not_found(record_id)
        if self.db.cancellations.find_one({"_id": record_id}, {"_id": 1}):
            raise already_cancelled(record_id)
        document_id = new_id()
        document = {"document_id": document_id, "filename": filename, "size": len(data),
                    "sha256": hashlib.sha256(data).hexdigest()}
        self.court_documents.upload_from_stream_with_id(document_id, filename, data,
                                                        metadata={"record_id": record_id, **document})
        cancellation = {"_id": record_id, "record_id": record_id, "id_number": record["id_number"], "reason": reason,
                        "note": note, "cancelled_at": utcnow(), "cancelled_by": actor_person, "document": document}

        def work(tx):
            self.db.cancellations.insert_one(cancellation, session=tx.session)
        try:
            self.transaction(work)
        except DuplicateKeyError:
            self.court_documents.delete(document_id)
            raise already_cancelled(record_id)
        return record, cancellation

    # --- reading -------------------------------------------------------------------------------------
    def records_of(self, id_number, session=None):
        """(records, cancellations) of one CUI: two index reads."""
        records = list(self.db.records.find({"id_number": id_number}, session=session).sort("recorded_at", 1))
        cancellations = list(self.db.cancellations.find({"id_number": id_number}, session=session)) if records else []
        return records, cancellations

    def active_records(self, id_number, session=None):
        return domain.active_records(*self.records_of(id_number, session))

    def search(self, id_number=None, name_words=None, limit=50):
        """Records of one CUI (in the order recorded), or of the people one of whose name's words begins with each
        of ``name_words`` (``names.query_words``; in any order), by name; with their cancellations by record id.
        A search by words that narrow nothing is refused (``bounded``: 422 search_too_broad)."""
        limit = min(limit, MAX_SEARCH)
        if id_number:
            records, cancellations = self.records_of(id_number)
            records = records[:limit]
        else:
            query = {"name_prefixes": {"$all": list(name_words)}}
            key = names.search_key(name_words, whole=False)
            if key is not None:
                query["name_keys"] = {"$in": [key, names.LONG_NAME]}
            # the first ``limit`` found in the key's index, then by name: a search as broad as one common word
            # reads no more than its page (ordering every record holding «~gar» by name would read them all)
            found = self.db.records.find(query, SEARCH_FIELDS).limit(limit)
            if key is not None:
                found = found.hint(BY_NAME_KEY)
            records = sorted(bounded(found, "name"), key=lambda r: (r["name_search"], r["_id"]))
            ids = [r["_id"] for r in records]
            cancellations = list(self.db.cancellations.find({"_id": {"$in": ids}})) if ids else []
        return records, {c["_id"]: c for c in cancellations}

    def get_record(self, record_id):
        record = self.db.records.find_one({"_id": record_id})
        return record, (self.db.cancellations.find_one({"_id": record_id}) if record else None)

