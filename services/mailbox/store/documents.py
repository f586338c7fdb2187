"""Documents: the GridFS bucket ``documents``, a cache of the resolutions' PDFs (each copy verified against
its notice before it is kept)."""
import hashlib

import gridfs
from pymongo import ASCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.mailbox.store.common import new_id
from services.runtime.mongo import utcnow


class Documents:
    """Mixin of ``MailboxStore`` (``services.runtime.mongo.Store``): the documents' cache."""

    indexes = {"documents.files": [IndexModel([("metadata.document_id", ASCENDING)], unique=True)]}

    @property
    def bucket(self):
        return gridfs.GridFSBucket(self.db, bucket_name="documents")

    def cached_document(self, document_id):
        found = self.db["documents.files"].find_one({"metadata.document_id": document_id})
        if found is None:
            return None
        return self.bucket.open_download_stream(found["_id"]).read()

    def cache_document(self, document_id, filename, data):
        """Keep a verified copy; a concurrent copy of the same document is fine (unique index, random file id)."""
        try:
            self.bucket.upload_from_stream_with_id(new_id(), filename, data, metadata={
                "document_id": document_id, "sha256": hashlib.sha256(data).hexdigest(), "cached_at": utcnow()})
        except (DuplicateKeyError, gridfs.errors.FileExists):
            pass
