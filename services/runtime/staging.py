"""Documents uploaded ahead of the request that uses them: staged, then attached, or discarded.

The gateway sends each uploaded document on its own (``StagedDocuments.stage``): its name is checked as data,
its bytes as a PDF that opens (``services.runtime.pdf``), and it is stored in a GridFS bucket of the service's
own database with state ``staged``, owned by who sent it. The request that uses it then attaches it in its
transaction (state ``attached``, plus fields naming what it belongs to); from then on it is never changed.
Documents a request ends up not using are discarded; a janitor (``purge_stale``) removes those staged longer
than ``STAGED_TTL`` ago (the request never came).

The file document (``<bucket>.files``)::

    {_id, filename, length, ..., metadata: {state: "staged" | "attached", staged_by, staged_at (staged only),
                                            sha256, pages, content_type, <what it is attached to>}}

``StagingStore.submit_staged`` is the whole of a request that attaches staged documents, once per
Idempotency-Key (``services.runtime.idempotency``). A store mixes in ``StagingStore`` (and
``IdempotentStore``) and declares their indexes.
"""
import datetime

import gridfs
from pymongo import ASCENDING, IndexModel

from contracts.base import load
from contracts.documents import check_filename
from services.runtime.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from services.runtime.idempotency import Replay, replay
from services.runtime.mongo import new_id, utcnow
from services.runtime.pdf import PdfRejected, inspect_pdf

STAGED, ATTACHED = "staged", "attached"
STAGED_TTL = datetime.timedelta(hours=1)
DEFAULT_BUCKET = "documents"
UNAVAILABLE = "document_not_found"


# --- rules -------------------------------------------------------------------------------------------------
def check_pdf(data, filename):
    """The document's ``PdfInfo``; not a PDF is 415 ``pdf_not_pdf``, encrypted or damaged 422."""
    try:
        return inspect_pdf(data)
    except PdfRejected as exc:
        error = UnsupportedMediaType if exc.code == "not_pdf" else ValidationFailed
        raise error(f"pdf_{exc.code}", exc.message, {"filename": filename})


def check_upload(filename, content, max_bytes):
    """``(filename, PdfInfo)`` of an upload that may be staged: a name that is data, bytes of at most
    ``max_bytes`` that are a PDF."""
    filename = check_filename(filename)
    if not isinstance(content, bytes):
        raise ValidationFailed("validation_error", "El contenido del documento no es válido.", {"filename": filename})
    if len(content) > max_bytes:
        raise PayloadTooLarge("document_too_large", f"El documento excede el máximo de {max_bytes} bytes.",
                              {"filename": filename, "max_bytes": max_bytes})
    return filename, check_pdf(content, filename)


def check_count(document_ids, maximum):
    """A request attaches at least one document and at most ``maximum``."""
    if not document_ids:
        raise ValidationFailed("validation_error", "Adjunte al menos un documento PDF.",
                               {"fields": {"documents": "Obligatorio."}})
    if len(document_ids) > maximum:
        raise PayloadTooLarge("too_many_documents", f"Se permiten como máximo {maximum} documentos por escrito.",
                              {"max_documents": maximum})
    return document_ids


def unavailable():
    return ValidationFailed(UNAVAILABLE, "Uno o más documentos no existen o ya fueron utilizados.",
                            {"fields": {"documents": "Documento no disponible."}})


def document_info(file_doc):
    """What a receipt says of a stored document."""
    meta = file_doc["metadata"]
    return {"document_id": file_doc["_id"], "filename": file_doc["filename"], "size": file_doc["length"],
            "sha256": meta["sha256"], "pages": meta["pages"]}


def in_order(files, document_ids):
    """The ``document_info`` of each of ``document_ids``, in that order, from ``files`` (file documents found
    by id); None when one of them is missing."""
    found = {f["_id"]: f for f in files}
    if not found.keys() >= set(document_ids):
        return None
    return [document_info(found[i]) for i in document_ids]


# --- mechanics ----------------------------------------------------------------------------------------------
class StagedDocuments:
    """The documents of one GridFS bucket of a service's database."""

    def __init__(self, db, bucket=DEFAULT_BUCKET, ttl=STAGED_TTL):
        self.db = db
        self.bucket_name = bucket
        self.files = db[f"{bucket}.files"]
        self.ttl = ttl

    @staticmethod
    def indexes(bucket=DEFAULT_BUCKET):
        """``{collection: [IndexModel]}``: what the janitor's query needs; a store declares it."""
        return {f"{bucket}.files": [IndexModel([("metadata.state", ASCENDING), ("metadata.staged_at", ASCENDING)])]}

    @property
    def bucket(self):
        return gridfs.GridFSBucket(self.db, bucket_name=self.bucket_name)

    def stage(self, actor, filename, content, max_bytes):
        """Check an upload and store it as staged by ``actor``, under a new id; its ``document_info``."""
        filename, info = check_upload(filename, content, max_bytes)
        document_id = new_id()
        self.bucket.upload_from_stream_with_id(document_id, filename, content, metadata={
            "state": STAGED, "staged_by": actor["sub"], "staged_at": utcnow(),
            "sha256": info.sha256, "pages": info.pages, "content_type": "application/pdf",
        })
        return {"document_id": document_id, "filename": filename, "size": len(content),
                "sha256": info.sha256, "pages": info.pages}

    def _staged_by(self, actor, document_ids):
        return {"_id": {"$in": list(document_ids)}, "metadata.state": STAGED, "metadata.staged_by": actor["sub"]}

    def staged(self, actor, document_ids, session=None):
        """The ``document_info`` of documents ``actor`` staged and nobody attached yet, in order; else 422
        ``document_not_found``."""
        documents = in_order(self.files.find(self._staged_by(actor, document_ids), session=session), document_ids)
        if documents is None or len(set(document_ids)) != len(document_ids):  # a document is attached once
            raise unavailable()
        return documents

    def own(self, actor, document_ids):
        """The ``document_info`` of documents ``actor`` sent, staged or attached, in order; None unless every
        one of them is there."""
        if not document_ids:
            return None
        return in_order(self.files.find({"_id": {"$in": list(document_ids)}, "metadata.staged_by": actor["sub"]}),
                        document_ids)

    def attach(self, session, document_ids, owner):
        """In the caller's transaction: the staged documents become attached, with ``owner``'s fields in their
        metadata (what they belong to); 422 ``document_not_found`` if one was not staged."""
        result = self.files.update_many(
            {"_id": {"$in": list(document_ids)}, "metadata.state": STAGED},
            {"$set": {"metadata.state": ATTACHED, **{f"metadata.{k}": v for k, v in owner.items()}},
             "$unset": {"metadata.staged_at": ""}},
            session=session)
        if result.modified_count != len(document_ids):
            raise unavailable()

    def discard(self, actor, document_ids):
        """Remove what ``actor`` staged of ``document_ids`` and nobody attached (an attached one stays)."""
        for doc in self.files.find(self._staged_by(actor, document_ids or []), {"_id": 1}):
            self.bucket.delete(doc["_id"])

    def purge_stale(self, now=None):
        """The janitor: remove the documents staged more than ``ttl`` ago; how many."""
        cutoff = (now or utcnow()) - self.ttl
        count = 0
        for doc in self.files.find({"metadata.state": STAGED, "metadata.staged_at": {"$lt": cutoff}}, {"_id": 1}):
            self.bucket.delete(doc["_id"])
            count += 1
        return count

    def attached(self, document_id):
        """The file document of an attached document, or None (a staged one is nobody's to read yet)."""
        return self.files.find_one({"_id": document_id, "metadata.state": ATTACHED})

    def download(self, file_doc):
        """``{document, content}``: what the document is and its bytes, exactly as they were uploaded."""
        return {"document": document_info(file_doc), "content": self.bucket.open_download_stream(file_doc["_id"]).read()}


class StagingStore:
    """Mixed into a ``services.runtime.mongo.Store`` with ``IdempotentStore``: its staged documents and the
    requests that attach them. The store declares this mixin's ``indexes`` among its own (with another
    ``staging_bucket``, ``StagedDocuments.indexes(staging_bucket)``)."""

    staging_bucket = DEFAULT_BUCKET
    indexes = StagedDocuments.indexes(DEFAULT_BUCKET)

    @property
    def staging(self):
        return StagedDocuments(self.db, self.staging_bucket)

    def submit_staged(self, actor, document_ids, request, schema, body, write, max_documents):
        """Store a request that attaches documents ``actor`` staged, once per Idempotency-Key.

        ``body`` is validated with ``schema`` (a marshmallow schema); then ``write(body, documents, request)``
        stores it, ``request`` now carrying the fingerprint of the body and the documents: it attaches them
        (``self.staging.attach``) inside ``self.idempotent_transaction(request, ...)``. A key seen before
        answers its first response (409 with another content). The very request stored already (the broker
        delivers it again when the service stopped after storing it, before answering) finds its documents
        attached: it answers the first response too. Whatever else happens, documents left unused (staged) are
        discarded."""
        document_ids = list(document_ids or [])
        try:
            body = load(schema, body)
            try:
                documents = self.staging.staged(actor, check_count(document_ids, max_documents))
            except ValidationFailed as exc:
                response = self._redelivered(actor, document_ids, request, body, exc)
                if response is None:
                    raise
                return response
            request = request.with_body(body, documents)
            try:
                return write(body, documents, request)
            except Replay as seen:
                self.staging.discard(actor, document_ids)
                return replay(seen.record, request.fingerprint)
        except Exception:
            self.staging.discard(actor, document_ids)
            raise

    def _redelivered(self, actor, document_ids, request, body, error):
        """The first response when this very request was stored already (its documents are attached by then
        and its key has a record); None otherwise (``error`` stands)."""
        if error.code != UNAVAILABLE or not request.key:
            return None
        record = self.idempotency.find(request)
        documents = self.staging.own(actor, document_ids) if record else None
        if not documents:
            return None
        return replay(record, request.with_body(body, documents).fingerprint)
