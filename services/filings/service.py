"""The filings service: cases, writs, reviews, resolutions, documents. Entrypoints only."""
import logging

from nameko.timer import timer

from contracts import paging
from contracts.base import load, load_actor
from contracts.documents import check_filename
from contracts.filings import FilingMetadataSchema, ListCasesQuerySchema, OpenCaseSchema, ResolutionMetadataSchema, ReviewSchema
from services.filings import domain
from services.filings.settings import FilingsSettings
from services.filings.store import FilingsStore, Replay, document_info, filing_view
from services.runtime.config import SettingsProvider
from services.runtime.errors import Conflict, Forbidden, NotFound, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from services.runtime.mongo import Mongo
from services.runtime.observability import Observability, counter
from services.runtime.pdf import PdfRejected, inspect_pdf
from services.runtime.rpc import rpc

log = logging.getLogger(__name__)

filings_received = counter("filings", "filings_received_total", "Writs received, by kind", ["kind"])
resolutions_issued = counter("filings", "resolutions_issued_total", "Resolutions issued, by kind", ["kind"])


def replay_of(record, fingerprint):
    if record["request_hash"] != fingerprint:
        raise Conflict("idempotency_key_reused",
                       "La clave de idempotencia ya se usó con un contenido distinto; use una clave nueva.")
    return record["response"]


def check_pdf(data, filename):
    try:
        return inspect_pdf(data)
    except PdfRejected as exc:
        error = UnsupportedMediaType if exc.code == "not_pdf" else ValidationFailed
        raise error(f"pdf_{exc.code}", exc.message, {"filename": filename})


class FilingsService:
    name = "filings"

    store = Mongo(FilingsStore)
    observability = Observability()

    settings = SettingsProvider(FilingsSettings)

    # --- reference data --------------------------------------------------
    @rpc
    def echo(self, value):
        """Returns its argument: the reference path of the benchmark."""
        return value

    @rpc
    def health(self):
        return self.store.health()

    @rpc
    def list_courts(self):
        return {"items": [{"court_id": c["_id"], "name": c["name"], "matters": c["matters"]}
                          for c in self.store.list_courts()]}

    # --- documents -------------------------------------------------------
    @rpc
    def stage_document(self, actor, filename, content):
        """``content``: the document's bytes (RPC travels as msgpack, so bytes stay bytes)."""
        actor = load_actor(actor)
        if actor["role"] not in ("lawyer", "clerk", "judge"):
            raise Forbidden("forbidden", "Su rol no permite presentar documentos.")
        filename = check_filename(filename)
        if not isinstance(content, bytes):
            raise ValidationFailed("validation_error", "El contenido del documento no es válido.", {"filename": filename})
        data = content
        limit = self.settings.max_document_bytes
        if len(data) > limit:
            raise PayloadTooLarge("document_too_large", f"El documento excede el máximo de {limit} bytes.",
                                  {"filename": filename, "max_bytes": limit})
        info = check_pdf(data, filename)
        return self.store.stage_document(actor, filename, data, info)

    @rpc
    def discard_documents(self, actor, document_ids):
        self.store.discard_staged(load_actor(actor), list(document_ids or []))

    @rpc
    def get_document(self, actor, document_id):
        actor = load_actor(actor)
        file_doc = self.store.get_document_file(str(document_id))
        if file_doc is None:
            self.store.audit(actor, "read_document", f"document:{document_id}", "not_found")
            raise NotFound("document_not_found", "No existe un documento con ese identificador.", {"document_id": document_id})
        meta = file_doc["metadata"]
        case = self.store.get_case(meta["case_number"])
        allowed = domain.can_read_case(actor, case)
        if not allowed and meta.get("filing_id"):
            filing = self.store.get_filing(meta["filing_id"])
            allowed = domain.can_read_filing(actor, case, filing)
        if not allowed:
            self.store.audit(actor, "read_document", f"document:{document_id}", "denied")
            raise Forbidden("forbidden", "No tiene acceso a este documento.", {"document_id": document_id})
        self.store.audit(actor, "read_document", f"document:{document_id}", "allowed", {"case_number": case["_id"]})
        return {"document": document_info(file_doc), "content": self.store.read_document(file_doc["_id"])}

    # --- cases -----------------------------------------------------------
    def _fingerprint(self, scope, metadata, documents):
        return domain.request_fingerprint(scope, metadata, documents)

    def _check_court(self, metadata):
        court = self.store.get_court(metadata["court_id"])
        if court is None:
            raise NotFound("court_not_found", "No existe un tribunal con ese código.", {"court_id": metadata["court_id"]})
        domain.require_court_handles(court, metadata["matter"])

    @rpc
    def prepare_case(self, actor, metadata, documents, idempotency_key=None):
        """Everything that can be checked before the documents travel; nothing is stored."""
        actor = load_actor(actor)
        domain.require_lawyer(actor)
        metadata = load(OpenCaseSchema(), metadata)
        self._check_court(metadata)
        record = self.store.find_idempotency(actor, "open_case", idempotency_key)
        if record:
            return {"replay": replay_of(record, self._fingerprint("open_case", metadata, documents))}
        return {"replay": None}

    @rpc
    def open_case(self, actor, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        metadata = self._load_or_discard(actor, document_ids, OpenCaseSchema(), metadata)

        def store(documents, idem, fingerprint):
            domain.require_lawyer(actor)
            self._check_court(metadata)
            return self.store.open_case(actor, metadata, documents, idem, fingerprint, self.settings.court_timezone)

        result = self._submit(actor, "open_case", metadata, document_ids, idempotency_key, store)
        filings_received.labels("demanda").inc()
        return result

    def _load_or_discard(self, actor, document_ids, schema, metadata):
        """The validated metadata; invalid metadata also discards the documents staged for it."""
        try:
            return load(schema, metadata)
        except Exception:
            self.store.discard_staged(actor, document_ids)
            raise

    def _submit(self, actor, scope, metadata, document_ids, idempotency_key, store):
        """Attach the staged documents and store a submission once per idempotency key.

        ``store(documents, idem, fingerprint)`` writes it; a replayed key returns the first
        answer. Whatever happens, staged documents that end up unused are discarded."""
        try:
            try:
                documents = self._documents(actor, document_ids)
            except ValidationFailed as exc:
                replayed = self._redelivered(actor, scope, metadata, document_ids, idempotency_key, exc)
                if replayed is None:
                    raise
                return replayed
            fingerprint = self._fingerprint(scope, metadata, documents)
            try:
                return store(documents, {"key": idempotency_key} if idempotency_key else None, fingerprint)
            except Replay as replay:
                self.store.discard_staged(actor, document_ids)
                return replay_of(replay.record, fingerprint)
        except Exception:
            self.store.discard_staged(actor, document_ids)
            raise

    def _redelivered(self, actor, scope, metadata, document_ids, idempotency_key, error):
        """The first answer when this very request was already stored: the broker delivers a request
        again when the service stopped after storing it but before answering, and by then its staged
        documents are attached. ``None`` when that is not the case (the error stands)."""
        if error.code != "document_not_found" or not idempotency_key:
            return None
        record = self.store.find_idempotency(actor, scope, idempotency_key)
        documents = self.store.own_documents(actor, list(document_ids)) if record else None
        if not documents:
            return None
        return replay_of(record, self._fingerprint(scope, metadata, documents))

    def _documents(self, actor, document_ids):
        maximum = self.settings.max_documents_per_filing
        if not document_ids:
            raise ValidationFailed("validation_error", "Adjunte al menos un documento PDF.", {"fields": {"documents": "Obligatorio."}})
        if len(document_ids) > maximum:
            raise PayloadTooLarge("too_many_documents", f"Se permiten como máximo {maximum} documentos por escrito.",
                                  {"max_documents": maximum})
        return self.store.staged_documents(actor, list(document_ids))

    @rpc
    def get_case(self, actor, case_number, known_version=None):
        """The case file as ``{"version", "body"}``: ``body`` is its JSON (CaseSchema) as bytes, or None when
        the caller already holds ``known_version`` (the gateway keeps the body it last got). Either way the
        read is authorised and audited here, every time."""
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        case = self.store.get_case(case_number)
        if case is None:
            raise NotFound("case_not_found", "No existe un expediente con ese número.", {"case_number": case_number})
        if not domain.can_read_case(actor, case):
            self.store.audit(actor, "read_case", f"case:{case_number}", "denied")
            domain.require_read_case(actor, case)
        self.store.audit(actor, "read_case", f"case:{case_number}", "allowed")
        version, body = self.store.case_view(case)
        return {"version": version, "body": None if version == known_version else body}

    @rpc
    def list_cases(self, actor, query=None):
        actor = load_actor(actor)
        query = load(ListCasesQuerySchema(), query or {})
        if actor["role"] not in ("lawyer", "clerk", "judge"):
            self.store.audit(actor, "list_cases", "cases", "denied")
            raise Forbidden("forbidden", "Su rol no tiene expedientes que listar.", {"role": actor["role"]})
        limit = query.get("limit", 50)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        items, next_cursor = self.store.list_cases(actor, query.get("status"), limit, cursor)
        return {"items": items, "next_cursor": next_cursor}

    # --- filings ---------------------------------------------------------
    @rpc
    def prepare_filing(self, actor, case_number, metadata, documents, idempotency_key=None):
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        metadata = load(FilingMetadataSchema(), metadata)
        scope = f"filing:{case_number}"
        record = self.store.find_idempotency(actor, scope, idempotency_key)
        if record:
            return {"replay": replay_of(record, self._fingerprint(scope, metadata, documents))}
        domain.require_can_file(actor, self.store.require_case(case_number), metadata)
        return {"replay": None}

    @rpc
    def submit_filing(self, actor, case_number, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        metadata = self._load_or_discard(actor, document_ids, FilingMetadataSchema(), metadata)

        def store(documents, idem, fingerprint):
            domain.check_case_number(case_number)
            return self.store.submit_filing(actor, case_number, metadata, documents, idem, fingerprint)

        result = self._submit(actor, f"filing:{case_number}", metadata, document_ids, idempotency_key, store)
        filings_received.labels(metadata["kind"]).inc()
        return result

    @rpc
    def get_filing(self, actor, filing_id):
        actor = load_actor(actor)
        filing = self.store.require_filing(str(filing_id))
        case = self.store.get_case(filing["case_number"])
        if not domain.can_read_filing(actor, case, filing):
            self.store.audit(actor, "read_filing", f"filing:{filing_id}", "denied")
            raise Forbidden("forbidden", "No tiene acceso a este escrito.", {"filing_id": filing_id})
        self.store.audit(actor, "read_filing", f"filing:{filing_id}", "allowed")
        return filing_view(filing)

    @rpc
    def review_filing(self, actor, filing_id, body):
        actor = load_actor(actor)
        body = load(ReviewSchema(), body)
        filing = self.store.require_filing(str(filing_id))
        domain.require_can_review(actor, filing)
        return filing_view(self.store.review_filing(actor, filing["_id"], body["decision"], body.get("reason")))

    # --- resolutions -----------------------------------------------------
    @rpc
    def prepare_resolution(self, actor, case_number, metadata, documents=(), idempotency_key=None):
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        metadata = load(ResolutionMetadataSchema(), metadata)
        scope = f"resolution:{case_number}"
        record = self.store.find_idempotency(actor, scope, idempotency_key)
        if record:
            return {"replay": replay_of(record, self._fingerprint(scope, metadata, documents))}
        domain.require_can_issue_resolution(actor, self.store.require_case(case_number))
        return {"replay": None}

    @rpc
    def issue_resolution(self, actor, case_number, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        metadata = self._load_or_discard(actor, document_ids, ResolutionMetadataSchema(), metadata)

        def store(documents, idem, fingerprint):
            domain.check_case_number(case_number)
            if len(documents) != 1:
                raise ValidationFailed("validation_error", "Una resolución lleva exactamente un documento PDF.",
                                       {"fields": {"document": "Adjunte un solo documento."}})
            case = self.store.require_case(case_number)
            domain.require_can_issue_resolution(actor, case)
            court = self.store.get_court(case["court_id"])
            return self.store.issue_resolution(actor, case_number, metadata, documents[0],
                                               court["name"] if court else "", idem, fingerprint)

        result = self._submit(actor, f"resolution:{case_number}", metadata, document_ids, idempotency_key, store)
        resolutions_issued.labels(metadata["kind"]).inc()
        return result

    # --- internal: the mailbox service (not exposed by the gateway) ----------
    @rpc
    def get_resolution_document(self, resolution_id):
        """The PDF of a resolution, for the mailbox to serve it: {document, content (bytes)}."""
        resolution = self.store.db.resolutions.find_one({"_id": str(resolution_id)}, {"document": 1})
        file_doc = resolution and self.store.get_document_file(resolution["document"]["document_id"])
        if file_doc is None:
            raise NotFound("resolution_not_found", "No existe una resolución con ese identificador.",
                           {"resolution_id": str(resolution_id)[:64]})
        return {"document": document_info(file_doc), "content": self.store.read_document(file_doc["_id"])}

    @rpc
    def case_court(self, case_number):
        """The court of a case: {court_id}, or NotFound."""
        domain.check_case_number(case_number)
        return {"court_id": self.store.require_case(case_number)["court_id"]}

    # --- housekeeping ----------------------------------------------------
    @timer(interval=600)
    def purge_staged_documents(self):
        """Documents uploaded for a submission that never completed are removed after an hour."""
        removed = self.store.purge_stale_staged()
        if removed:
            log.info("purged staged documents", extra={"count": removed})
