"""Media users send (photos, documents, voice notes): each one a job of the ``media_jobs`` work queue,
written with its message; the fetcher asks the Graph API for it, checks its size and type, and keeps the
bytes in the GridFS bucket ``media``. The message's ``media.status`` says where it stands: ``pending``,
``stored`` (with size and SHA-256) or ``refused`` (with the reason, in Spanish)."""
import hashlib

import gridfs
from pymongo import ASCENDING, IndexModel

from services.chat.store.common import MESSAGES, new_id
from services.runtime.mongo import utcnow
from services.runtime.workqueue import RetryPolicy, WorkQueue

MEDIA_JOBS = "media_jobs"
BUCKET = "media"
MEDIA_POLICY = RetryPolicy(backoff_seconds=2, backoff_max_seconds=600, max_attempts=10, lease_seconds=120)


class Media:
    """Mixin of ``ChatStore``: media of inbound messages."""

    indexes = {MEDIA_JOBS: WorkQueue.indexes(),
               f"{BUCKET}.files": [IndexModel([("metadata.message_id", ASCENDING)], unique=True)]}

    def media_queue(self, owner=None):
        return WorkQueue(self.db[MEDIA_JOBS], MEDIA_POLICY, owner)

    def media_job(self, message_id):
        return self.media_queue().new_job({"message_id": message_id})

    @property
    def media_bucket(self):
        return gridfs.GridFSBucket(self.db, bucket_name=BUCKET)

    def media_stored(self, message, data, mime_type):
        digest = hashlib.sha256(data).hexdigest()
        existing = self.db[f"{BUCKET}.files"].find_one({"metadata.message_id": message["_id"]})
        file_id = existing["_id"] if existing else new_id()
        if existing is None:
            self.media_bucket.upload_from_stream_with_id(
                file_id, message["media"].get("filename") or message["_id"], data,
                metadata={"message_id": message["_id"], "mime_type": mime_type, "sha256": digest,
                          "stored_at": utcnow()})
        self.db[MESSAGES].update_one({"_id": message["_id"]}, {"$set": {
            "media.status": "stored", "media.file_id": file_id, "media.size": len(data), "media.stored_sha256": digest,
            "media.stored_mime_type": mime_type, "media.reason": None}})

    def media_refused(self, message_id, reason):
        self.db[MESSAGES].update_one({"_id": message_id}, {"$set": {"media.status": "refused",
                                                                    "media.reason": reason}})

    def media_content(self, message):
        file_id = (message.get("media") or {}).get("file_id")
        if not file_id:
            return None
        return self.media_bucket.open_download_stream(file_id).read()
