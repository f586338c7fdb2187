"""The read model's own copies of the public resolutions' PDFs (amparo, antejuicio) and the queue of those
still to fetch.

A resolution of a public matter enqueues one job (``fetches``, ``_id`` = the resolution id) in the transaction
that applies it; a timer of the service fetches it from filings by RPC, checks its SHA-256 against the event's
and keeps it in the GridFS bucket ``pdfs`` (file ``_id`` = the resolution id). Filings down: the job waits
with exponential backoff (``services.runtime.workqueue``). Both are shared by every generation of the model:
a rebuild fetches nothing already held. A public request only ever reads the bucket.
"""
import hashlib

import gridfs
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.runtime.mongo import utcnow
from services.runtime.workqueue import WorkQueue

FETCHES = "fetches"
BUCKET = "pdfs"


class Documents:
    """Mixin of ``QueriesStore``."""

    indexes = {FETCHES: WorkQueue.indexes(),
               f"{BUCKET}.files": [IndexModel([("metadata.sha256", ASCENDING)])]}

    def fetch_queue(self, policy, owner=None):
        return WorkQueue(self.db[FETCHES], policy, owner=owner)

    @property
    def bucket(self):
        return gridfs.GridFSBucket(self.db, bucket_name=BUCKET)

    def ensure_fetch(self, session, actuacion):
        """Enqueue the fetch of a resolution's PDF, once (a job or a copy already there: nothing)."""
        resolution_id = actuacion["_id"]
        if self.db[FETCHES].find_one({"_id": resolution_id}, {"_id": 1}, session=session):
            return False
        if self.db[f"{BUCKET}.files"].find_one({"_id": resolution_id}, {"_id": 1}, session=session):
            return False
        job = WorkQueue(self.db[FETCHES]).new_job(
            {"resolution_id": resolution_id, "case_number": actuacion["case_number"],
             "sha256": actuacion["document_sha256"], "filename": actuacion["document_filename"]},
            job_id=resolution_id)
        self.db[FETCHES].insert_one(job, session=session)
        return True

    def pdfs_held(self, resolution_ids):
        """Which of ``resolution_ids`` have their copy here (one query)."""
        return {doc["_id"] for doc in self.db[f"{BUCKET}.files"].find({"_id": {"$in": list(resolution_ids)}},
                                                                      {"_id": 1})}

    def pdf(self, resolution_id):
        """(file document, bytes) of the copy kept, or None."""
        found = self.db[f"{BUCKET}.files"].find_one({"_id": resolution_id})
        if found is None:
            return None
        return found, self.bucket.open_download_stream(resolution_id).read()

    def keep_pdf(self, job, data):
        """Keep a fetched copy whose SHA-256 is the one the event stated; False if it is not."""
        sha256 = hashlib.sha256(data).hexdigest()
        if sha256 != job["sha256"]:
            return False
        try:
            self.bucket.upload_from_stream_with_id(job["_id"], job["filename"], data, metadata={
                "sha256": sha256, "resolution_id": job["_id"], "case_number": job["case_number"],
                "kept_at": utcnow()})
        except (DuplicateKeyError, gridfs.errors.FileExists):
            pass  # another replica kept it first
        return True
