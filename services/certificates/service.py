"""The certificates service (antecedentes penales): the registry, requests and payments, issuing signed
certificates and verifying them. Entrypoints only."""
import datetime
import hashlib
import logging

from bson import Binary

from contracts.base import load, load_actor
from contracts.certificates import (CancelMetadataSchema, CertificateRequestSchema, DownloadQuerySchema,
                                    ImportSchema, PaymentNotificationSchema, RecordCreateSchema,
                                    RecordSearchQuerySchema, RevokeSchema)
from services.certificates import domain, errors, imports, views
from services.certificates.delivery import Mailer
from services.certificates.document import CertificateContent, render
from services.certificates.protocol.service import ProtocolEntrypoints
from services.certificates.settings import CertificatesSettings
from services.certificates.signing import CertificateSigning
from services.certificates.store import CertificatesStore
from services.runtime import names
from services.runtime.config import SettingsProvider
from services.runtime.court_calendar import RuleError
from services.runtime.errors import ValidationFailed
from services.runtime.events import event
from services.runtime.mongo import Mongo, utcnow
from services.runtime.observability import Observability, counter
from services.runtime.pdf import PdfRejected, inspect_pdf
from services.runtime.rpc import rpc
from services.runtime.timers import config_timer
from services.runtime.workqueue import RetryPolicy, in_parallel

log = logging.getLogger(__name__)

certificates_issued = counter("certificates", "certificates_issued_total", "Certificates issued, by result",
                              ["result"])
payments_recorded = counter("certificates", "payments_recorded_total", "Bank payment notices, by outcome",
                            ["outcome"])
verifications = counter("certificates", "verifications_total", "Verifications, by how and status",
                        ["how", "status"])

OFFICER = "records_officer"
SYSTEM = {"sub": "system:issuance", "role": "system"}
PUBLIC = {"sub": "public", "role": "public"}
ISSUE_BUDGET_SECONDS = 5
# an issuance that fails is retried (1 s, 2 s, 4 s ... at most 60 s) and never given up
ISSUANCE_RETRY = dict(backoff_seconds=1, backoff_max_seconds=60, max_attempts=1_000_000)


def person(actor):
    return {"sub": actor["sub"], "name": actor.get("name"), "role": actor["role"]}


class CertificatesService(ProtocolEntrypoints):  # and the notarial protocol archive's entrypoints
    name = "certificates"

    store = Mongo(CertificatesStore)
    observability = Observability()
    settings = SettingsProvider(CertificatesSettings)
    signing = CertificateSigning()
    mailer = Mailer()

    # --- helpers ---------------------------------------------------------------------------------------
    def _officer(self, actor, action, target):
        if actor["role"] != OFFICER:
            self.store.audit(actor, action, target, "denied")
            raise errors.only_records_officer(actor["role"])

    def _citizen(self, actor, action, target):
        if actor["role"] != "citizen":
            self.store.audit(actor, action, target, "denied")
            raise errors.only_citizens(actor["role"])
        if not actor.get("id_number"):
            self.store.audit(actor, action, target, "denied")
            raise errors.no_id_number()
        problem = domain.cui_problem(actor["id_number"])
        if problem is not None:
            raise errors.invalid_cui("id_number", problem)

    # --- health ------------------------------------------------------------------------------------------
    @rpc
    def health(self):
        return self.store.health()

    # --- the registry -------------------------------------------------------------------------------------
    @rpc
    def add_record(self, actor, body):
        actor = load_actor(actor)
        self._officer(actor, "add_record", "records")
        fields = load(RecordCreateSchema, body)
        problem = domain.dates_problem(fields["sentence_date"], fields["final_date"], self._today())
        if problem:
            raise ValidationFailed("validation_error", "Las fechas del antecedente no son válidas.", {"fields": problem})
        record = self.store.new_record(fields, "manual", person(actor), utcnow())
        self.store.add_record(record)
        self.store.audit(actor, "add_record", f"record:{record['_id']}", "allowed", {"id_number": record["id_number"]})
        return views.record_view(record)

    @rpc
    def search_records(self, actor, query):
        actor = load_actor(actor)
        self._officer(actor, "search_records", "records")
        query = load(RecordSearchQuerySchema, query or {}, "Parámetros de consulta inválidos.")
        name_words = None
        if not query.get("id_number"):
            try:
                name_words = names.query_words(query["name"])
            except RuleError as exc:
                raise ValidationFailed("validation_error", "Parámetros de consulta inválidos.",
                                       {"fields": {"name": exc.message}})
        records, cancellations = self.store.search(query.get("id_number"), name_words, query.get("limit", 50))
        self.store.audit(actor, "search_records", "records", "allowed",
                         {"id_number": query.get("id_number"), "name": query.get("name"), "count": len(records)})
        return {"items": [views.record_view(r, cancellations.get(r["_id"])) for r in records]}

    @rpc
    def get_record(self, actor, record_id):
        actor = load_actor(actor)
        self._officer(actor, "read_record", f"record:{record_id}")
        record, cancellation = self.store.get_record(str(record_id))
        if record is None:
            raise errors.record_not_found(record_id)
        self.store.audit(actor, "read_record", f"record:{record_id}", "allowed")
        return views.record_view(record, cancellation)

    @rpc
    def cancel_record(self, actor, record_id, metadata, filename, content):
        actor = load_actor(actor)
        self._officer(actor, "cancel_record", f"record:{record_id}")
        metadata = load(CancelMetadataSchema, metadata)
        try:
            inspect_pdf(content)
        except PdfRejected as exc:
            raise errors.not_a_pdf(exc.code)
        record, cancellation = self.store.cancel(str(record_id), metadata["reason"], metadata["note"], person(actor),
                                                 filename, content)
        self.store.audit(actor, "cancel_record", f"record:{record_id}", "allowed", {"reason": metadata["reason"]})
        return views.record_view(record, cancellation)

    @rpc
    def import_records(self, actor, body):
        actor = load_actor(actor)
        self._officer(actor, "import_records", "records")
        body = load(ImportSchema, body)
        rows, rejected = imports.parse(body["csv"], self._today())
        if not rejected:
            rejected = imports.already_recorded(rows, self.store.existing_keys([key for _, key, _ in rows]))
        if rejected or not rows:
            self.store.audit(actor, "import_records", "records", "rejected", {"rejected": len(rejected)})
            raise errors.import_rejected(rejected or [{"row": 1, "errors": {"_file": "El archivo no tiene filas."}}])
        now = utcnow()
        records = [self.store.new_record(fields, "import", person(actor), now, {"row": line})
                   for line, _, fields in rows]
        self.store.import_records(records)
        self.store.audit(actor, "import_records", "records", "allowed", {"imported": len(records)})
        return {"imported": len(records), "rejected": []}

    @event("filings", "conviction_final")
    def on_conviction_final(self, envelope):
        data = envelope["data"]
        now = utcnow()
        origin = {"resolution_id": data["resolution_id"], "court_id": data["court_id"], "event_id": envelope["event_id"]}
        final_date = domain.local_date(data["declared_at"], self.settings.tz)  # the court's day, not UTC's
        records = []
        for conviction in data["convictions"]:
            if domain.cui_problem(conviction["id_number"]) is not None:
                log.error("conviction with an invalid CUI kept in dead_letters", extra={"event_id": envelope["event_id"]})
                self.store.dead_letter(envelope, "invalid id_number")
                return
            fields = {**conviction, "case_number": data["case_number"], "court": data["court_name"],
                      "sentence_date": data["sentence_date"], "final_date": final_date}
            records.append(self.store.new_record(fields, "court", data["declared_by"], now, origin))

        def apply(tx, _event):
            keys = [r["key"] for r in records]
            existing = {d["key"] for d in self.store.db.records.find({"key": {"$in": keys}}, {"key": 1},
                                                                      session=tx.session)}
            self.store.add_records([r for r in records if r["key"] not in existing], tx)
        self.store.run_once("certificates.on_conviction_final", envelope, apply)

    # --- requesting and paying -------------------------------------------------------------------------------
    @rpc
    def request_certificate(self, actor, body):
        """(view, created): the citizen's open request, or a new one."""
        actor = load_actor(actor)
        self._citizen(actor, "request_certificate", "requests")
        body = load(CertificateRequestSchema, body or {})
        request, created = self.store.open_request(actor, body.get("email"), self.settings.amount,
                                                   self.settings.currency, self.settings.expiry_hours)
        self.store.audit(actor, "request_certificate", f"request:{request['_id']}", "allowed", {"created": created})
        return {"request": views.request_view(request, utcnow()), "created": created}

    @rpc
    def get_request(self, actor, request_id):
        actor = load_actor(actor)
        request = self.store.get_request(str(request_id))
        if request is None or actor["role"] != "citizen" or request["sub"] != actor["sub"]:
            self.store.audit(actor, "read_request", f"request:{request_id}", "denied" if request else "not_found")
            raise errors.request_not_found(request_id)
        return views.request_view(request, utcnow())

    @rpc
    def payment_notification(self, bank, body):
        """A bank's notice, its signature already checked by the gateway over the raw body."""
        notice = load(PaymentNotificationSchema, body)
        actor = {"sub": f"bank:{bank}", "role": "bank"}
        if notice["bank"] != bank:
            raise ValidationFailed("validation_error", "El banco del cuerpo no es el que firmó.",
                                   {"fields": {"bank": "Debe ser el banco que firma la notificación."}})
        if not domain.reference_valid(notice["reference"]):
            payments_recorded.labels("bad_reference").inc()
            raise errors.reference_invalid(notice["reference"])
        try:
            request, payment, applied = self.store.record_payment(notice, self.settings.amount, self.settings.currency)
        except Exception as exc:
            payments_recorded.labels(getattr(exc, "code", "error")).inc()
            self.store.audit(actor, "payment_notification", f"reference:{notice['reference']}", "refused",
                             {"transaction_id": notice["transaction_id"], "error": getattr(exc, "code", repr(exc))})
            raise
        payments_recorded.labels("applied" if applied else "repeated").inc()
        pays_for = payment.get("pays_for") or {"kind": "certificate_request", "id": request["_id"]}
        self.store.audit(actor, "payment_notification", f"{pays_for['kind']}:{pays_for['id']}", "allowed",
                         {"transaction_id": notice["transaction_id"], "applied": applied})
        # the same answer every time this transaction is notified: it paid the order (request_id: the order's id)
        return {"request_id": request["_id"], "transaction_id": payment["transaction_id"], "status": domain.PAID,
                "recorded_at": domain.iso(payment["recorded_at"]), "pays_for": pays_for}

    # --- issuing -------------------------------------------------------------------------------------------------
    @config_timer("ISSUANCE_INTERVAL", 0.2)
    def issue_paid(self):
        """Issue every paid request whose job is due (the ``issuance`` work queue), ISSUANCE_CONCURRENCY at once (each
        claims its own jobs: while one waits on a majority commit another renders and signs): a failure is
        retried."""
        queue = self.store.issuance_queue(RetryPolicy(lease_seconds=self.settings.issue_lease, **ISSUANCE_RETRY))
        if not queue.due():
            return
        in_parallel(self.settings.issue_concurrency,
                    lambda _: queue.drain(self._issue, ISSUE_BUDGET_SECONDS, "issuance"))

    def _issue(self, job):
        request = self.store.get_request(job["request_id"])
        if request is None or request["status"] == domain.ISSUED:
            return
        request = self.store.reserve(request, utcnow())
        active = self.store.active_records(request["id_number"])
        issued_at = utcnow()
        tz = self.settings.tz
        until = domain.valid_until(issued_at, tz)
        certified = [views.certified_record(r) for r in active]
        content = CertificateContent(
            serial=request["serial"], verification_code=request["verification_code"],
            name=request["name"] or "(sin nombre)", id_number=request["id_number"], records=certified,
            issued_at=issued_at, valid_until=until, verify_url=self.settings.verify_url + request["verification_code"],
            local_tz=tz)
        pdf = self.signing.sign(render(content))
        certificate = {"_id": request["certificate_id"], "request_id": request["_id"], "sub": request["sub"],
                       "id_number": request["id_number"], "name": content.name, "serial": request["serial"],
                       "verification_code": request["verification_code"],
                       "download_code_hash": domain.code_hash(request["download_code"]) if request.get(
                           "download_code") else None,
                       "result": domain.result_of(certified), "records": certified, "issued_at": issued_at,
                       "valid_until": until, "document": Binary(pdf), "size": len(pdf),
                       "sha256": hashlib.sha256(pdf).hexdigest(), "revoked_at": None}
        if certificate["download_code_hash"] is None:
            del certificate["download_code_hash"]
        stored, issued_now = self.store.issue(request, certificate)
        if issued_now:
            certificates_issued.labels(certificate["result"]).inc()
            self.store.audit(SYSTEM, "issue_certificate", f"certificate:{certificate['_id']}", "allowed",
                             {"request_id": request["_id"], "serial": certificate["serial"],
                              "result": certificate["result"], "sha256": certificate["sha256"]})

    @config_timer("CERTIFICATE_EMAIL_INTERVAL", 2)
    def send_emails(self):
        self.mailer.run(self.store, self.settings.tz)

    # --- the citizen's certificates ---------------------------------------------------------------------------------
    @rpc
    def list_certificates(self, actor):
        actor = load_actor(actor)
        self._citizen(actor, "list_certificates", "certificates")
        items = self.store.certificates_of(actor["sub"])
        self.store.audit(actor, "list_certificates", f"certificates:{actor['sub']}", "allowed", {"count": len(items)})
        return {"items": [views.certificate_view(c) for c in items]}

    @rpc
    def get_document(self, actor, certificate_id):
        actor = load_actor(actor)
        certificate = self.store.certificate(str(certificate_id))
        allowed = certificate is not None and (actor["role"] == OFFICER or (
            actor["role"] == "citizen" and certificate["sub"] == actor["sub"]))
        if not allowed:
            self.store.audit(actor, "download_certificate", f"certificate:{certificate_id}",
                             "denied" if certificate else "not_found")
            raise errors.certificate_not_found(certificate_id)
        self.store.audit(actor, "download_certificate", f"certificate:{certificate_id}", "allowed")
        return {"document": views.document_info(certificate), "content": bytes(certificate["document"])}

    @rpc
    def download(self, query):
        query = load(DownloadQuerySchema, query or {}, "Parámetros de consulta inválidos.")
        certificate = self.store.certificate_by_download_code(query["code"])
        now = utcnow()
        if certificate is None or certificate["valid_until"] <= now:
            self.store.audit(PUBLIC, "download_by_code", "download_code", "not_found")
            raise errors.download_not_found()
        self.store.audit(PUBLIC, "download_by_code", f"certificate:{certificate['_id']}", "allowed")
        return {"document": views.document_info(certificate), "content": bytes(certificate["document"])}

    @rpc
    def revoke(self, actor, certificate_id, body):
        actor = load_actor(actor)
        self._officer(actor, "revoke_certificate", f"certificate:{certificate_id}")
        body = load(RevokeSchema, body)
        certificate, revoked_now = self.store.revoke(str(certificate_id), body["reason"], person(actor))
        if certificate is None:
            raise errors.certificate_not_found(certificate_id)
        if not revoked_now:
            raise errors.already_revoked(certificate_id)
        self.store.audit(actor, "revoke_certificate", f"certificate:{certificate_id}", "allowed",
                         {"reason": body["reason"]})
        return views.certificate_view(certificate)

    # --- verifying (public) ------------------------------------------------------------------------------------
    @rpc
    def verify_code(self, code):
        code = str(code)
        certificate = self.store.certificate_by_code(code) if domain.VERIFICATION_CODE.match(code) else None
        copy = self.protocol_copy_by_code(code) if certificate is None and domain.VERIFICATION_CODE.match(code) else None
        if copy is not None:  # a certified copy of the protocol archive verifies like a certificate
            verifications.labels("code", copy["status"]).inc()
            self.store.audit(PUBLIC, "verify_code", f"verification:{code[:20]}", copy["status"], {"kind": "copy"})
            return copy
        view = views.public_view(certificate, code, utcnow())
        verifications.labels("code", view["status"]).inc()
        self.store.audit(PUBLIC, "verify_code", f"verification:{code[:20]}", view["status"])
        return view

    @rpc
    def verify_pdf(self, content):
        content = bytes(content or b"")
        if not content.startswith(b"%PDF-"):
            raise errors.not_a_pdf("not_pdf")
        now = utcnow()
        verdict = self.signing.check(content)
        digest = hashlib.sha256(content).hexdigest()
        matches = self.store.certificates_by_digest(digest)
        certificate = matches[0] if len(matches) == 1 else None
        copy = self.protocol_copy_by_digest(digest) if certificate is None else None
        if copy is not None:  # a certified copy of the protocol archive
            detail = verdict.detail + (" La copia fue revocada." if copy["status"] == domain.REVOKED
                                       else " El Archivo General de Protocolos emitió exactamente este documento.")
            verifications.labels("pdf", copy["status"]).inc()
            self.store.audit(PUBLIC, "verify_pdf", "copy", copy["status"], {"sha256": digest,
                                                                            "signature": verdict.signature})
            return {"signature": verdict.signature, "registry": "issued", "status": copy["status"],
                    "detail": detail.strip(), "certificate": copy}
        registry = "issued" if certificate is not None else "not_issued"
        status = domain.certificate_status(certificate, now)
        if certificate is None:
            detail = verdict.detail + " El registro no emitió este documento exacto."
        elif status == domain.REVOKED:
            detail = verdict.detail + " La constancia fue revocada."
        elif status == domain.EXPIRED_CERTIFICATE:
            detail = verdict.detail + " La constancia ya venció."
        else:
            detail = verdict.detail + " El registro emitió exactamente este documento."
        verifications.labels("pdf", status).inc()
        self.store.audit(PUBLIC, "verify_pdf", f"certificate:{certificate['_id']}" if certificate else "pdf",
                         status, {"sha256": digest, "signature": verdict.signature, "registry": registry})
        public = views.public_view(certificate, certificate["verification_code"], now) if certificate else None
        return {"signature": verdict.signature, "registry": registry, "status": status, "detail": detail.strip(),
                "certificate": public}

    # --- helpers --------------------------------------------------------------------------------------------------
    def _today(self):
        return datetime.datetime.now(self.settings.tz).date()
