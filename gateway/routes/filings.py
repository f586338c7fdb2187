"""Routes of the electronic case file: courts, cases, filings, reviews, resolutions, documents."""
import hashlib
import logging


from contracts.filings import (CaseListSchema, CaseSchema, CourtListSchema, FilingMetadataSchema, FilingSchema,
                               OpenCaseResponseSchema, OpenCaseSchema, ReceiptSchema, ResolutionMetadataSchema,
                               ResolutionSchema, ReviewSchema)
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.uploads import idempotency_key, read_multipart
from gateway.web import json_response, json_text_response, pdf_response, query_args, read_json, route
from services.filings.domain import check_filename
from services.runtime.errors import PortalError

log = logging.getLogger(__name__)

UPLOAD_ERRORS = (400, 403, 404, 409, 413, 415, 422)


class FilingsRoutes(GatewayBase):
    # --- helpers ---------------------------------------------------------
    def _limits(self):
        return (self.settings.int("MAX_DOCUMENTS_PER_FILING", 10),
                self.settings.int("MAX_DOCUMENT_BYTES", 20 * 1024 * 1024))

    def _stage(self, actor, uploads):
        """Send each document to the filings service; on any failure, discard what was staged."""
        staged = []
        try:
            for upload in uploads:
                staged.append(self.call(self.filings.stage_document, actor, upload.filename, upload.data)["document_id"])
        except Exception:
            self._discard(actor, staged)
            raise
        return staged

    def _discard(self, actor, document_ids):
        if document_ids:
            try:
                self.call(self.filings.discard_documents, actor, document_ids)
            except PortalError:
                log.warning("could not discard staged documents; the janitor will", extra={"count": len(document_ids)})

    def _submit(self, actor, uploads, prepare, submit):
        """prepare (checks, replay) -> stage each document -> submit; returns (result, replayed).

        Nothing is sent before the checks pass; staged documents of a submission that failed
        for want of the service are discarded here (the service discards them on its own errors)."""
        prepared = prepare()
        if prepared["replay"] is not None:
            return prepared["replay"], True
        staged = self._stage(actor, uploads)
        try:
            return submit(staged), False
        except PortalError as exc:
            if exc.status >= 500:
                self._discard(actor, staged)
            raise

    @staticmethod
    def _created(result, replayed, location):
        headers = {"Idempotent-Replayed": "true"} if replayed else {"Location": location}
        return json_response(result, status=201, headers=headers)

    @staticmethod
    def _fingerprints(uploads, part="documents"):
        """Checked names and hashes of the uploads: what identifies a submission's body."""
        return [{"filename": check_filename(u.filename, part), "sha256": hashlib.sha256(u.data).hexdigest()}
                for u in uploads]

    # --- courts ----------------------------------------------------------
    @route("GET", "/api/v1/courts")
    @doc("Tribunales", "expedientes", auth=False, response=CourtListSchema)
    def list_courts(self, request):
        return json_response(self.call(self.filings.list_courts))

    # --- cases -----------------------------------------------------------
    @route("POST", "/api/v1/cases")
    @doc("Iniciar un expediente con su demanda (abogado)", "expedientes", multipart=(OpenCaseSchema, "documents", True),
         response=OpenCaseResponseSchema, status=201, errors=UPLOAD_ERRORS)
    def open_case(self, request):
        actor = self.auth.actor(request, roles=("lawyer",))
        key = idempotency_key(request)
        max_docs, max_bytes = self._limits()
        metadata, uploads = read_multipart(request, "documents", max_docs, max_bytes)
        result, replayed = self._submit(actor, uploads,
                                        lambda: self.call(self.filings.prepare_case, actor, metadata,
                                                          self._fingerprints(uploads), key),
                                        lambda staged: self.call(self.filings.open_case, actor, metadata, staged, key))
        return self._created(result, replayed, f"/api/v1/cases/{result['case_number']}")

    @route("GET", "/api/v1/cases")
    @doc("Mis expedientes (abogado) o los del tribunal (personal); status=received: escritos por calificar",
         "expedientes", response=CaseListSchema, errors=(403, 422),
         query={"status": {"type": "string", "enum": ["received", "accepted", "rejected"]},
                "limit": {"type": "integer", "minimum": 1, "maximum": 200}})
    def list_cases(self, request):
        actor = self.auth.actor(request)
        query = query_args(request, ("status", "limit"))
        if "limit" in query:
            try:
                query["limit"] = int(query["limit"])
            except ValueError:
                query["limit"] = query["limit"][:20]
        return json_response(self.call(self.filings.list_cases, actor, query))

    @route("GET", "/api/v1/cases/<string:case_number>")
    @doc("Expediente electrónico: partes, abogados y actuaciones por folio", "expedientes", response=CaseSchema,
         errors=(403, 404))
    def get_case(self, request, case_number):
        actor = self.auth.actor(request)
        return json_text_response(self.call(self.filings.get_case, actor, case_number))

    # --- filings ---------------------------------------------------------
    @route("POST", "/api/v1/cases/<string:case_number>/filings")
    @doc("Presentar un escrito (o un apersonamiento) con anexos PDF", "escritos",
         multipart=(FilingMetadataSchema, "documents", True), response=ReceiptSchema, status=201, errors=UPLOAD_ERRORS)
    def submit_filing(self, request, case_number):
        actor = self.auth.actor(request, roles=("lawyer",))
        key = idempotency_key(request)
        max_docs, max_bytes = self._limits()
        metadata, uploads = read_multipart(request, "documents", max_docs, max_bytes)
        result, replayed = self._submit(actor, uploads,
                                        lambda: self.call(self.filings.prepare_filing, actor, case_number, metadata,
                                                          self._fingerprints(uploads), key),
                                        lambda staged: self.call(self.filings.submit_filing, actor, case_number,
                                                                 metadata, staged, key))
        return self._created(result, replayed, f"/api/v1/filings/{result['filing_id']}")

    @route("GET", "/api/v1/filings/<string:filing_id>")
    @doc("Un escrito y su calificación", "escritos", response=FilingSchema, errors=(403, 404))
    def get_filing(self, request, filing_id):
        actor = self.auth.actor(request)
        return json_response(self.call(self.filings.get_filing, actor, filing_id))

    @route("POST", "/api/v1/filings/<string:filing_id>/review")
    @doc("Calificar un escrito: aceptar o rechazar con motivo (secretario del tribunal)", "escritos",
         body=ReviewSchema, response=FilingSchema, errors=(400, 403, 404, 409, 413, 415, 422))
    def review_filing(self, request, filing_id):
        actor = self.auth.actor(request)
        body = read_json(request)
        return json_response(self.call(self.filings.review_filing, actor, filing_id, body))

    # --- resolutions -----------------------------------------------------
    @route("POST", "/api/v1/cases/<string:case_number>/resolutions")
    @doc("Emitir una resolución (juez o secretario del tribunal)", "resoluciones",
         multipart=(ResolutionMetadataSchema, "document", False), response=ResolutionSchema, status=201,
         errors=UPLOAD_ERRORS)
    def issue_resolution(self, request, case_number):
        actor = self.auth.actor(request, roles=("judge", "clerk"))
        key = idempotency_key(request)
        max_docs, max_bytes = self._limits()
        metadata, uploads = read_multipart(request, "document", 1, max_bytes, single=True)
        result, replayed = self._submit(actor, uploads,
                                        lambda: self.call(self.filings.prepare_resolution, actor, case_number, metadata,
                                                          self._fingerprints(uploads, "document"), key),
                                        lambda staged: self.call(self.filings.issue_resolution, actor, case_number,
                                                                 metadata, staged, key))
        return self._created(result, replayed, f"/api/v1/cases/{case_number}")

    # --- documents -------------------------------------------------------
    @route("GET", "/api/v1/documents/<string:document_id>")
    @doc("Descargar un documento: los mismos bytes que se presentaron", "documentos", binary="application/pdf",
         errors=(403, 404))
    def get_document(self, request, document_id):
        actor = self.auth.actor(request)
        result = self.call(self.filings.get_document, actor, document_id)
        return pdf_response(result["content"], result["document"])
