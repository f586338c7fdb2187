"""The filings service: cases, writs, reviews, resolutions, documents. Entrypoints only."""
import logging

from nameko.timer import timer

from contracts import paging
from contracts.base import load, load_actor
from contracts.filings import FinalSentenceSchema
from contracts.filings import (FilingMetadataSchema, HearingConflictsQuerySchema, HearingStatusSchema, ListCasesQuerySchema, OpenCaseSchema,
                               RescheduleHearingSchema, ReserveCaseSchema, ResolutionMetadataSchema, ReviewSchema,
                               ScheduleHearingSchema, SnapshotQuerySchema)
from services.filings import domain
from services.filings.settings import FilingsSettings
from services.filings.store import FilingsStore, filing_view, hearing_view, version_view
from services.filings.store.common import answered_once
from services.runtime.config import SettingsProvider
from services.runtime.errors import Forbidden, NotFound
from services.runtime.idempotency import Request
from services.runtime.mongo import Mongo
from services.runtime.observability import Observability, counter
from services.runtime.rpc import rpc

log = logging.getLogger(__name__)

filings_received = counter("filings", "filings_received_total", "Writs received, by kind", ["kind"])
resolutions_issued = counter("filings", "resolutions_issued_total", "Resolutions issued, by kind", ["kind"])
sentences_declared_final = counter("filings", "sentences_declared_final_total", "Penal sentences declared final", [])
hearing_changes = counter("filings", "hearing_changes_total", "Hearings scheduled and changed, by resulting status",
                          ["status"])


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
        domain.require_can_upload(actor)
        return self.store.staging.stage(actor, filename, content, self.settings.max_document_bytes)

    @rpc
    def discard_documents(self, actor, document_ids):
        self.store.staging.discard(load_actor(actor), list(document_ids or []))

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
        return self.store.download(file_doc)

    # --- cases -----------------------------------------------------------
    # Each submission comes in two calls: prepare_* checks what can be checked before the documents travel
    # (and answers a replayed Idempotency-Key), then the gateway stages the documents and the submission
    # attaches them (services.runtime.staging: once per key, unused documents discarded).
    @rpc
    def prepare_case(self, actor, metadata, documents, idempotency_key=None):
        """Everything that can be checked before the documents travel; nothing is stored."""
        actor = load_actor(actor)
        domain.require_lawyer(actor)
        metadata = load(OpenCaseSchema, metadata)
        self.store.require_court_for(metadata)
        request = Request.of(actor, idempotency_key, domain.OPEN_CASE).with_body(metadata, documents)
        return {"replay": self.store.idempotency.previous_response(request)}

    @rpc
    def open_case(self, actor, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        result = self.store.submit_staged(
            actor, document_ids, Request.of(actor, idempotency_key, domain.OPEN_CASE), OpenCaseSchema, metadata,
            lambda body, documents, request: self.store.open_case(actor, body, documents, request,
                                                                  self.settings.court_timezone),
            self.settings.max_documents_per_filing)
        filings_received.labels("demanda").inc()
        return result

    @rpc
    def get_case(self, actor, case_number, known_version=None):
        """The case file as ``{"version", "body"}``: ``body`` is its JSON (CaseSchema) as bytes, or None when
        the caller already holds ``known_version`` (the gateway keeps the body it last got). Either way the
        read is authorised and audited here, every time."""
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        case = self.store.get_case(case_number)
        if case is None:
            raise domain.case_not_found(case_number)
        if not domain.can_read_case(actor, case):
            self.store.audit(actor, "read_case", f"case:{case_number}", "denied")
            domain.require_read_case(actor, case)
        self.store.audit(actor, "read_case", f"case:{case_number}", "allowed")
        version, body = self.store.case_view(case)
        return {"version": version, "body": None if version == known_version else body}

    @rpc
    def appearance_facts(self, actor, case_number):
        """What a lawyer needs to appear in a case (AppearanceFactsSchema): its court, matter and parties' names
        and roles, and the caller's appearance still waiting in it. A reserved case the caller is not on is
        answered as one that does not exist. Every attempt is audited."""
        actor = load_actor(actor)
        target = f"case:{str(case_number)[:40]}"
        if actor["role"] != "lawyer":
            self.store.audit(actor, "read_appearance_facts", target, "denied")
            domain.require_can_ask_to_appear(actor)
        domain.check_case_number(case_number)
        case = self.store.get_case(case_number)
        if case is None or not domain.reveals_parties_to(actor, case):
            self.store.audit(actor, "read_appearance_facts", target, "not_found" if case is None else "denied",
                             None if case is None else {"reserved": True})
            raise domain.case_not_found(case_number)
        pending = self.store.pending_appearance(case_number, actor["sub"])
        court = self.store.get_court(case["court_id"])
        self.store.audit(actor, "read_appearance_facts", target, "allowed")
        return domain.appearance_facts(actor, case, court["name"] if court else "", pending)

    @rpc
    def list_cases(self, actor, query=None):
        actor = load_actor(actor)
        query = load(ListCasesQuerySchema, query or {})
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
        metadata = load(FilingMetadataSchema, metadata)
        request = Request.of(actor, idempotency_key, domain.FILING, case_number).with_body(metadata, documents)
        replay = self.store.idempotency.previous_response(request)
        if replay is None:
            case = self.store.get_case(case_number)
            if case is None or domain.hides_case_from_filing(actor, case, metadata):
                # a reserved case the lawyer is not on answers as one that does not exist; every such attempt is
                # audited, as the reads of the appearance facts are, to see who walks numbers or guesses names
                self.store.audit(actor, "submit_filing", f"case:{case_number}",
                                 "not_found" if case is None else "denied",
                                 None if case is None else {"reserved": True, "kind": metadata["kind"]})
                raise domain.case_not_found(case_number)
            domain.require_can_file(actor, case, metadata)
            # checked again when it is stored; here so that the documents of a refused one never travel
            self.store.require_no_pending_appearance(actor, case_number, metadata)
        return {"replay": replay}

    @rpc
    def submit_filing(self, actor, case_number, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        result = self.store.submit_staged(
            actor, document_ids, Request.of(actor, idempotency_key, domain.FILING, case_number),
            FilingMetadataSchema, metadata,
            lambda body, documents, request: self.store.submit_filing(actor, case_number, body, documents, request),
            self.settings.max_documents_per_filing)
        filings_received.labels(result["kind"]).inc()
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
        body = load(ReviewSchema, body)
        filing = self.store.require_filing(str(filing_id))
        domain.require_can_review(actor, filing)
        return filing_view(self.store.review_filing(actor, filing["_id"], body["decision"], body.get("reason")))

    # --- resolutions -----------------------------------------------------
    @rpc
    def prepare_resolution(self, actor, case_number, metadata, documents=(), idempotency_key=None):
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        metadata = load(ResolutionMetadataSchema, metadata)
        request = Request.of(actor, idempotency_key, domain.RESOLUTION, case_number).with_body(metadata, documents)
        replay = self.store.idempotency.previous_response(request)
        if replay is None:
            case = self.store.require_case(case_number)
            domain.require_can_issue_resolution(actor, case)
            domain.next_stage(case["matter"], case.get("stage"), metadata.get("stage"))
        return {"replay": replay}

    @rpc
    def issue_resolution(self, actor, case_number, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        result = self.store.submit_staged(
            actor, document_ids, Request.of(actor, idempotency_key, domain.RESOLUTION, case_number),
            ResolutionMetadataSchema, metadata,
            lambda body, documents, request: self.store.issue_resolution(actor, case_number, body, documents,
                                                                         request),
            self.settings.max_documents_per_filing)
        resolutions_issued.labels(result["kind"]).inc()
        return result

    # --- a sentence declared final (firme), with its convictions -----------------------------------------
    @rpc
    def declare_final(self, actor, resolution_id, body):
        """A judge of the court declares its penal sentence final, once: its view, with conviction_final."""
        actor = load_actor(actor)
        body = load(FinalSentenceSchema, body)
        target = f"resolution:{str(resolution_id)[:64]}"
        try:
            view = self.store.declare_final(actor, str(resolution_id), body["convictions"],
                                            self.settings.court_timezone)
        except Forbidden:
            self.store.audit(actor, "declare_final", target, "denied")
            raise
        sentences_declared_final.inc()
        self.store.audit(actor, "declare_final", target, "allowed",
                         {"case_number": view["case_number"], "convictions": len(view["convictions"])})
        return view

    # --- reservation -------------------------------------------------------
    @rpc
    def reserve_case(self, actor, case_number, body, idempotency_key=None):
        """Reserve a case for good (a judge of its court): ``{"response", "replayed"}``."""
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        body = load(ReserveCaseSchema, body)
        request = Request.of(actor, idempotency_key, domain.RESERVE_CASE, case_number).with_body(body)

        def write():
            case = self.store.require_case(case_number)
            domain.require_can_reserve(actor, case)
            domain.require_not_reserved(case)
            return self.store.reserve_case(actor, case_number, body["reason"], request)
        response, replayed = answered_once(self.store.idempotency, request, write)
        return {"response": response, "replayed": replayed}

    # --- hearings ----------------------------------------------------------
    # Each answers ``{"response", "replayed"}``: the hearing, and whether it is the first answer to the same
    # Idempotency-Key and content (nothing stored then).
    @rpc
    def schedule_hearing(self, actor, case_number, body, idempotency_key=None):
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        body = load(ScheduleHearingSchema, body)
        request = Request.of(actor, idempotency_key, domain.SCHEDULE_HEARING, case_number).with_body(
            domain.canonical(body))

        def write():
            case = self.store.require_case(case_number)
            domain.require_can_schedule(actor, case["court_id"], {"case_number": case_number})
            return self.store.schedule_hearing(actor, case, body, request)
        return self._hearing_answer(*answered_once(self.store.idempotency, request, write))

    @rpc
    def hearing_conflicts(self, actor, case_number, query):
        """Whether a slot of the case's court is free (HearingConflictsSchema), asked while a hearing is being
        scheduled or moved, before it is sent: the hearing that holds the room, as 409 hearing_conflict names it."""
        actor = load_actor(actor)
        domain.check_case_number(case_number)
        query = load(HearingConflictsQuerySchema, query)
        case = self.store.require_case(case_number)
        domain.require_can_schedule(actor, case["court_id"], {"case_number": case_number})
        ends_at = domain.hearing_end(query["starts_at"], query["duration_minutes"])
        return domain.slot_answer(self.store.blocking_hearing(case["court_id"], query["room"], query["starts_at"],
                                                              ends_at, query.get("hearing_id")))

    @rpc
    def reschedule_hearing(self, actor, hearing_id, body, idempotency_key=None):
        actor = load_actor(actor)
        body = load(RescheduleHearingSchema, body)
        request = Request.of(actor, idempotency_key, domain.CHANGE_HEARING, str(hearing_id)).with_body(
            {"reschedule": domain.canonical(body)})

        def write():
            hearing = self._hearing_for_staff(actor, hearing_id)
            return self.store.reschedule_hearing(actor, hearing, body, request)
        return self._hearing_answer(*answered_once(self.store.idempotency, request, write))

    @rpc
    def set_hearing_status(self, actor, hearing_id, body, idempotency_key=None):
        actor = load_actor(actor)
        body = load(HearingStatusSchema, body)
        request = Request.of(actor, idempotency_key, domain.CHANGE_HEARING, str(hearing_id)).with_body(
            {"status": body})

        def write():
            hearing = self._hearing_for_staff(actor, hearing_id)
            return self.store.set_hearing_status(actor, hearing, body, request)
        return self._hearing_answer(*answered_once(self.store.idempotency, request, write))

    @rpc
    def get_hearing(self, actor, hearing_id):
        """A hearing with every version (HearingDetailSchema), for whoever may read its case."""
        actor = load_actor(actor)
        hearing = self.store.require_hearing(str(hearing_id))
        case = self.store.get_case(hearing["case_number"])
        if not domain.can_read_case(actor, case):
            self.store.audit(actor, "read_hearing", f"hearing:{hearing_id}", "denied")
            domain.require_read_case(actor, case)
        self.store.audit(actor, "read_hearing", f"hearing:{hearing_id}", "allowed", {"case_number": case["_id"]})
        return {**hearing_view(hearing),
                "versions": [version_view(v) for v in self.store.hearing_versions(hearing["_id"])]}

    def _hearing_for_staff(self, actor, hearing_id):
        hearing = self.store.require_hearing(str(hearing_id))
        domain.require_can_schedule(actor, hearing["court_id"], {"hearing_id": hearing["_id"]})
        return hearing

    @staticmethod
    def _hearing_answer(response, replayed):
        if not replayed:
            hearing_changes.labels(response["status"]).inc()
        return {"response": response, "replayed": replayed}

    # --- internal: the public read model (services.queries; not exposed by the gateway) --------
    @rpc
    def public_snapshot(self, kind, after=None, limit=500):
        """A page of every case, resolution or hearing (``kind``) in ``_id`` order after ``after``, each shaped as
        the data of its event in its current state: ``{"items", "next"}`` (``next``: the ``after`` of the next
        page, None on the last)."""
        query = load(SnapshotQuerySchema, {"kind": kind, "after": after, "limit": limit})
        return self.store.public_snapshot(query["kind"], query.get("after"), query.get("limit", 500))

    # --- internal: the mailbox service (not exposed by the gateway) ----------
    @rpc
    def get_resolution_document(self, resolution_id):
        """The PDF of a resolution, for the mailbox to serve it: {document, content (bytes)}."""
        return self.store.download(self.store.require_resolution_document(resolution_id))

    @rpc
    def case_court(self, case_number):
        """The court of a case: {court_id}, or NotFound."""
        domain.check_case_number(case_number)
        return {"court_id": self.store.require_case(case_number)["court_id"]}

    # --- housekeeping ----------------------------------------------------
    @timer(interval=600)
    def purge_staged_documents(self):
        """Documents uploaded for a submission that never completed are removed after an hour."""
        removed = self.store.staging.purge_stale()
        if removed:
            log.info("purged staged documents", extra={"count": removed})
