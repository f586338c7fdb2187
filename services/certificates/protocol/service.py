"""Entrypoints of the notarial protocol archive, mixed into the certificates service (the service of
Servicios Administrativos): notaries, deposits, the annual index, the remote look-up and certified copies.
Thin: rules in ``domain``, storage in ``services.certificates.store.protocol``; payments, the PAdES signature,
public verification and the durable work queue are the certificates service's own."""
import datetime
import hashlib
import logging

from contracts.base import load, load_actor
from contracts.protocol import (ApproveSchema, CopyRequestSchema, CopyRevokeSchema, DepositMetadataSchema,
                                IndexSubmitSchema, InstrumentSearchQuerySchema, NotaryCreateSchema,
                                NotaryStatusSchema, DepositReviewSchema)
from services.certificates.domain import iso, money_text
from services.certificates.protocol import domain, errors, views
from services.certificates.protocol.document import CopyContent, render_copy
from services.certificates.protocol.settings import ProtocolSettings
from services.certificates.store.common import new_id
from services.runtime import names
from services.runtime.config import SettingsProvider
from services.runtime.court_calendar import CourtCalendar, RuleError
from services.runtime.errors import ValidationFailed
from services.runtime.idempotency import Request
from services.runtime.mongo import utcnow
from services.runtime.observability import counter
from services.runtime.rpc import rpc
from services.runtime.timers import config_timer
from services.runtime.workqueue import RetryPolicy

log = logging.getLogger(__name__)

deposits_received = counter("certificates", "protocol_deposits_total", "Protocol deposits, by timeliness",
                            ["timeliness"])
copies_issued = counter("certificates", "protocol_copies_issued_total", "Certified copies issued, by kind", ["kind"])

SYSTEM = {"sub": "system:protocol-copies", "role": "system"}
ISSUE_BUDGET_SECONDS = 5
COPY_RETRY = dict(backoff_seconds=1, backoff_max_seconds=60, max_attempts=1_000_000)
DEPOSIT = "deposit_instrument"


def person(actor):
    return {"sub": actor["sub"], "name": actor.get("name"), "role": actor["role"],
            "bar_number": actor.get("bar_number")}


class _Checked:
    """A schema that validates and hands back the body as it was sent (JSON text values), so that the
    idempotency fingerprint and the stored request are made of JSON values."""

    def __init__(self, schema):
        self.schema = schema

    def load(self, data):
        self.schema.load(data)
        return data


class ProtocolEntrypoints:
    protocol_settings = SettingsProvider(ProtocolSettings)

    # --- helpers ---------------------------------------------------------------------------------------------
    def _calendar(self):
        return CourtCalendar(self.protocol_settings.tz_name)

    def _local_today(self):
        return self._calendar().local_date(utcnow())

    def _staff(self, actor, action, target):
        if actor["role"] != domain.STAFF:
            self.store.audit(actor, action, target, "denied")
            raise errors.only_archive_staff(actor["role"])

    def _notary(self, actor, action, target, active=True):
        """The caller's entry in the registry of notaries: a notary token whose bar number is registered (and
        active, to deposit)."""
        if actor["role"] != domain.NOTARY or not actor.get("bar_number"):
            self.store.audit(actor, action, target, "denied")
            raise errors.only_notaries(actor["role"])
        notary = self.store.notary(actor["bar_number"])
        if notary is None:
            self.store.audit(actor, action, target, "denied", {"reason": "not_registered"})
            raise errors.notary_not_registered()
        if active and notary["status"] != domain.ACTIVE:
            self.store.audit(actor, action, target, "denied", {"reason": notary["status"]})
            raise errors.notary_inactive(notary["status"])
        return notary

    def _role(self, actor, roles, action, target):
        if actor["role"] not in roles:
            self.store.audit(actor, action, target, "denied")
            raise errors.not_allowed(actor["role"])

    # --- notaries ----------------------------------------------------------------------------------------------
    @rpc
    def protocol_register_notary(self, actor, body):
        actor = load_actor(actor)
        self._staff(actor, "register_notary", "notaries")
        fields = load(NotaryCreateSchema, body)
        if fields["registered_at"] > self._local_today():
            raise errors.invalid({"registered_at": "La fecha de registro no puede ser futura."})
        now = utcnow()
        registered = fields["registered_at"].isoformat()
        change = {"status": domain.ACTIVE, "since": registered, "reason": "Registro", "at": now, "by": person(actor)}
        notary = {"_id": fields["bar_number"], "name": fields["name"], "name_tokens": domain.notary_tokens(fields["name"]),
                  "registered_at": registered, "status": domain.ACTIVE, "status_since": registered,
                  "status_reason": None, "history": [change], "registered_by": person(actor), "created_at": now}
        self.store.register_notary(notary)
        self.store.audit(actor, "register_notary", f"notary:{notary['_id']}", "allowed")
        return views.notary_view(notary)

    @rpc
    def protocol_set_notary_status(self, actor, bar_number, body):
        actor = load_actor(actor)
        self._staff(actor, "notary_status", f"notary:{bar_number}")
        fields = load(NotaryStatusSchema, body)
        if fields["since"] > self._local_today():
            raise errors.invalid({"since": "La fecha no puede ser futura."})
        change = {"status": fields["status"], "since": fields["since"].isoformat(), "reason": fields["reason"],
                  "at": utcnow(), "by": person(actor)}
        notary = self.store.set_notary_status(str(bar_number), change)
        if notary is None:
            raise errors.notary_not_found(bar_number)
        self.store.audit(actor, "notary_status", f"notary:{bar_number}", "allowed", {"status": fields["status"]})
        return views.notary_view(notary)

    @rpc
    def protocol_get_notary(self, actor, bar_number):
        actor = load_actor(actor)
        bar_number = str(bar_number)
        own = actor["role"] == domain.NOTARY and actor.get("bar_number") == bar_number
        if actor["role"] != domain.STAFF and not own:
            self.store.audit(actor, "read_notary", f"notary:{bar_number}", "denied")
            raise errors.not_allowed(actor["role"])
        notary = self.store.notary(bar_number)
        if notary is None:
            raise errors.notary_not_found(bar_number)
        return views.notary_view(notary)

    # --- deposits ------------------------------------------------------------------------------------------------
    @rpc
    def protocol_stage_testimonio(self, actor, filename, content):
        """The testimonio's PDF, staged for the deposit that follows (only an active notary's)."""
        actor = load_actor(actor)
        self._notary(actor, "deposit_instrument", "instruments")
        return self.store.staging.stage(actor, filename, content, self.protocol_settings.max_document_bytes)

    @rpc
    def protocol_discard(self, actor, document_ids):
        self.store.staging.discard(load_actor(actor), list(document_ids or []))

    @rpc
    def protocol_deposit(self, actor, metadata, document_ids, idempotency_key=None):
        actor = load_actor(actor)
        request = Request.of(actor, idempotency_key, DEPOSIT)

        def write(body, documents, request):
            notary = self._notary(actor, "deposit_instrument", "instruments")
            now = utcnow()
            calendar = self._calendar()
            today = calendar.local_date(now)
            authorized_at = datetime.date.fromisoformat(body["authorized_at"])
            problem = domain.year_problem(body["year"], today)
            if problem:
                raise errors.invalid({"year": problem})
            problem = domain.authorized_at_problem(authorized_at, body["year"], today)
            if problem:
                raise errors.invalid({"authorized_at": problem})
            problem = domain.pages_problem(body["pages"], documents[0]["pages"])
            if problem:
                raise errors.invalid({"pages": problem})
            timing = domain.timeliness(authorized_at, today, calendar)
            grantors = [{"name": g["name"], "id_number": g.get("id_number"), "role": g["role"]}
                        for g in body["grantors"]]
            instrument = {
                "_id": new_id(), "bar_number": notary["_id"], "notary_name": notary["name"],
                "year": body["year"], "number": body["number"], "authorized_at": body["authorized_at"],
                "place": body["place"], "act_type": body["act_type"], "grantors": grantors,
                **domain.grantor_search(grantors), "summary": body["summary"],
                "declared_pages": body["pages"], "deposited_at": now, "deposited_by": person(actor),
                "deadline": timing.deadline.isoformat(), "extemporaneo": timing.extemporaneo,
                "business_days_late": timing.business_days_late, "review": domain.REVIEW_PENDING,
                "review_reason": None, "document": documents[0]}
            return self.store.deposit(instrument, bool(body.get("correction")), request,
                                      lambda stored: views.deposit_view(stored, actor))

        result = self.store.submit_staged(actor, document_ids, request, _Checked(DepositMetadataSchema()), metadata,
                                          write, 1)
        deposits_received.labels("extemporaneo" if result["extemporaneo"] else "a_tiempo").inc()
        self.store.audit(actor, "deposit_instrument", f"instrument:{result['instrument_id']}", "allowed",
                         {"year": result["year"], "number": result["number"], "version": result["version"]})
        return result

    @rpc
    def protocol_get_instrument(self, actor, instrument_id):
        actor = load_actor(actor)
        self._role(actor, domain.SEARCHERS, "read_instrument", f"instrument:{instrument_id}")
        instrument = self.store.instrument(str(instrument_id))
        if instrument is None:
            self.store.audit(actor, "read_instrument", f"instrument:{instrument_id}", "not_found")
            raise errors.instrument_not_found(instrument_id)
        owner = actor["role"] == domain.STAFF or (actor["role"] == domain.NOTARY
                                                  and actor.get("bar_number") == instrument["bar_number"])
        if not instrument["current"] and not owner:  # an old version is its notary's and the Archive's
            self.store.audit(actor, "read_instrument", f"instrument:{instrument_id}", "not_found")
            raise errors.instrument_not_found(instrument_id)
        self.store.audit(actor, "read_instrument", f"instrument:{instrument_id}", "allowed")
        return views.instrument_view(instrument, actor)

    @rpc
    def protocol_review(self, actor, instrument_id, body):
        actor = load_actor(actor)
        self._staff(actor, "review_instrument", f"instrument:{instrument_id}")
        body = load(DepositReviewSchema, body)
        instrument = self.store.instrument(str(instrument_id))
        if instrument is None:
            raise errors.instrument_not_found(instrument_id)
        if not instrument["current"]:
            raise errors.superseded(instrument_id)
        decision = domain.REVIEW_ACCEPTED if body["decision"] == "accept" else domain.REVIEW_OBSERVED
        instrument = self.store.review(instrument["_id"], decision, body.get("reason"), person(actor), utcnow())
        self.store.audit(actor, "review_instrument", f"instrument:{instrument_id}", "allowed", {"decision": decision})
        return views.deposit_view(instrument, actor)

    # --- the remote look-up ------------------------------------------------------------------------------------------
    @rpc
    def protocol_search(self, actor, query):
        actor = load_actor(actor)
        self._role(actor, domain.SEARCHERS, "search_instruments", "instruments")
        raw = dict(query or {})
        query = load(InstrumentSearchQuerySchema, raw, "Parámetros de consulta inválidos.")
        criteria = {}
        for key in ("bar_number", "year", "number", "act_type"):
            if query.get(key) is not None:
                criteria[key] = query[key]
        wanted = {}
        for key in ("grantor", "notary"):
            if query.get(key):
                try:
                    wanted[key] = names.query_words(query[key])
                except RuleError as exc:
                    raise errors.invalid({key: exc.message}, "Parámetros de consulta inválidos.")
        if wanted.get("notary"):  # the registry's notaries of that name, then their deposits
            named = self.store.notaries_named(wanted["notary"])
            if "bar_number" in criteria:
                named = [bar for bar in named if bar == criteria["bar_number"]]
            criteria["bar_number"] = {"$in": named}
        dates = {}
        if query.get("from_"):
            dates["$gte"] = query["from_"].isoformat()
        if query.get("to"):
            dates["$lte"] = query["to"].isoformat()
        if dates:
            criteria["authorized_at"] = dates
        asked = {"query": {k: raw[k] for k in raw if k != "cursor"}}
        try:
            items, next_cursor = self.store.search_instruments(criteria, query.get("limit", 20), query.get("cursor"),
                                                               grantor_words=wanted.get("grantor"))
        except ValidationFailed as exc:  # too broad to finish in time: refused, and still recorded
            self.store.audit(actor, "search_instruments", "instruments", exc.code, asked)
            raise
        self.store.audit(actor, "search_instruments", "instruments", "allowed", {**asked, "count": len(items)})
        return {"items": [views.instrument_view(i, actor) for i in items], "next_cursor": next_cursor}

    # --- the annual index and the year's report ---------------------------------------------------------------------
    @rpc
    def protocol_submit_index(self, actor, year, body):
        actor = load_actor(actor)
        year = int(year)
        notary = self._notary(actor, "submit_index", f"index:{actor.get('bar_number')}:{year}", active=False)
        body = load(IndexSubmitSchema, body)
        problem = domain.year_problem(year, self._local_today())
        if problem:
            raise errors.invalid({"year": problem})
        entries = sorted(({"number": e["number"], "act_type": e.get("act_type")} for e in body["instruments"]),
                         key=lambda e: e["number"])
        self.store.save_index(notary["_id"], year, entries, person(actor), utcnow())
        self.store.audit(actor, "submit_index", f"index:{notary['_id']}:{year}", "allowed", {"entries": len(entries)})
        return self._year_report(notary["_id"], year)

    @rpc
    def protocol_year_report(self, actor, bar_number, year):
        actor = load_actor(actor)
        bar_number = str(bar_number)
        own = actor["role"] == domain.NOTARY and actor.get("bar_number") == bar_number
        if actor["role"] != domain.STAFF and not own:
            self.store.audit(actor, "year_report", f"index:{bar_number}:{year}", "denied")
            raise errors.not_allowed(actor["role"])
        if self.store.notary(bar_number) is None:
            raise errors.notary_not_found(bar_number)
        self.store.audit(actor, "year_report", f"index:{bar_number}:{year}", "allowed")
        return self._year_report(bar_number, int(year))

    def _year_report(self, bar_number, year):
        deposits = self.store.year_deposits(bar_number, year)
        index = self.store.index_of(bar_number, year)
        compared = domain.reconcile(index["entries"] if index else [], deposits) if index else None
        return {"bar_number": bar_number, "year": year, "deposited": len(deposits),
                "late": [{"number": d["number"], "instrument_id": d["_id"],
                          "business_days_late": d["business_days_late"]} for d in deposits if d["extemporaneo"]],
                "missing": domain.missing_numbers(d["number"] for d in deposits),
                "observed": [{"number": d["number"], "instrument_id": d["_id"], "reason": d.get("review_reason")}
                             for d in deposits if d["review"] == domain.REVIEW_OBSERVED],
                "index_submitted_at": iso(index["submitted_at"]) if index else None,
                "in_index_not_deposited": compared.in_index_not_deposited if compared else [],
                "deposited_not_in_index": compared.deposited_not_in_index if compared else [],
                "act_type_mismatch": compared.act_type_mismatch if compared else []}

    # --- certified copies ----------------------------------------------------------------------------------------------
    @rpc
    def protocol_request_copy(self, actor, instrument_id, body):
        actor = load_actor(actor)
        self._role(actor, domain.REQUESTERS, "request_copy", f"instrument:{instrument_id}")
        body = load(CopyRequestSchema, body)
        instrument = self.store.instrument(str(instrument_id))
        if instrument is None:
            raise errors.instrument_not_found(instrument_id)
        if not instrument["current"]:
            raise errors.superseded(instrument_id)
        now = utcnow()
        pages = instrument["document"]["pages"]
        copy = {"_id": new_id(), "instrument_id": instrument["_id"], "kind": body["kind"], "purpose": body["purpose"],
                "sub": actor["sub"], "requester": person(actor),
                "needs_approval": domain.copy_needs_approval(body["kind"], instrument, actor),
                "death_certificate_required": domain.will_copy_needs_death_certificate(instrument, actor),
                "pages": pages, "fee_per_page": money_text(self.protocol_settings.copy_fees[body["kind"]]),
                "amount": money_text(domain.copy_fee(body["kind"], pages, self.protocol_settings.copy_fees)),
                "currency": self.protocol_settings.currency, "requested_at": now,
                "expires_at": now + datetime.timedelta(hours=self.protocol_settings.expiry_hours),
                "paid_at": None, "payment_id": None, "approved_at": None, "issued_at": None, "serial": None,
                "verification_code": None, "revoked_at": None}
        self.store.new_copy(copy)
        self.store.audit(actor, "request_copy", f"copy:{copy['_id']}", "allowed",
                         {"instrument_id": instrument["_id"], "kind": copy["kind"]})
        return views.copy_view(copy, now)

    def _own_copy(self, actor, copy_id, action):
        copy = self.store.copy(str(copy_id))
        if copy is None or not (actor["role"] == domain.STAFF or copy["sub"] == actor["sub"]):
            self.store.audit(actor, action, f"copy:{copy_id}", "denied" if copy else "not_found")
            raise errors.copy_not_found(copy_id)
        return copy

    @rpc
    def protocol_get_copy(self, actor, copy_id):
        actor = load_actor(actor)
        return views.copy_view(self._own_copy(actor, copy_id, "read_copy"), utcnow())

    @rpc
    def protocol_list_copies(self, actor):
        actor = load_actor(actor)
        self._role(actor, domain.REQUESTERS, "list_copies", f"copies:{actor['sub']}")
        now = utcnow()
        return {"items": [views.copy_view(c, now) for c in self.store.copies_of(actor["sub"])]}

    @rpc
    def protocol_copy_document(self, actor, copy_id):
        actor = load_actor(actor)
        copy = self._own_copy(actor, copy_id, "download_copy")
        if not copy.get("issued_at"):
            raise errors.not_issued(copy_id)
        self.store.audit(actor, "download_copy", f"copy:{copy_id}", "allowed")
        return {"document": views.copy_document_info(copy), "content": self.store.copy_pdf(copy)}

    @rpc
    def protocol_approve_copy(self, actor, copy_id, body):
        actor = load_actor(actor)
        self._staff(actor, "approve_copy", f"copy:{copy_id}")
        body = load(ApproveSchema, body or {})
        copy = self.store.copy(str(copy_id))
        if copy is None:
            raise errors.copy_not_found(copy_id)
        if not copy["needs_approval"] or copy.get("approved_at"):
            raise errors.no_approval_needed(copy_id)
        if copy.get("death_certificate_required") and not body.get("death_certificate_reviewed"):
            raise errors.death_certificate_required()
        approved = self.store.approve_copy(copy["_id"], person(actor), body.get("note"), utcnow())
        if approved is None:
            raise errors.no_approval_needed(copy_id)
        self.store.audit(actor, "approve_copy", f"copy:{copy_id}", "allowed",
                         {"death_certificate_reviewed": bool(body.get("death_certificate_reviewed"))})
        return views.copy_view(approved, utcnow())

    @rpc
    def protocol_revoke_copy(self, actor, copy_id, body):
        actor = load_actor(actor)
        self._staff(actor, "revoke_copy", f"copy:{copy_id}")
        body = load(CopyRevokeSchema, body)
        copy = self.store.copy(str(copy_id))
        if copy is None:
            raise errors.copy_not_found(copy_id)
        if not copy.get("issued_at"):
            raise errors.not_issued(copy_id)
        revoked, done = self.store.revoke_copy(copy["_id"], body["reason"], person(actor), utcnow())
        if not done:
            raise errors.already_revoked(copy_id)
        self.store.audit(actor, "revoke_copy", f"copy:{copy_id}", "allowed", {"reason": body["reason"]})
        return views.copy_view(revoked, utcnow())

    # --- issuing copies (the durable ``copy_issuance`` queue) ------------------------------------------------------------
    @config_timer("COPY_ISSUANCE_INTERVAL", 0.2)
    def issue_copies(self):
        queue = self.store.copy_queue(RetryPolicy(lease_seconds=self.protocol_settings.issue_lease, **COPY_RETRY))
        queue.drain(lambda job: self._issue_copy(job["copy_id"]), ISSUE_BUDGET_SECONDS, "copy issuance")

    def _issue_copy(self, copy_id):
        copy = self.store.copy(copy_id)
        if copy is None or copy.get("issued_at") or not domain.ready_to_issue(copy):
            return
        now = utcnow()
        copy = self.store.reserve_copy(copy, now)
        instrument = self.store.instrument(copy["instrument_id"])
        settings = self.protocol_settings
        content = CopyContent(
            kind=copy["kind"], serial=copy["serial"], verification_code=copy["verification_code"],
            bar_number=instrument["bar_number"], notary_name=instrument["notary_name"], year=instrument["year"],
            number=instrument["number"], act_type=instrument["act_type"], authorized_at=instrument["authorized_at"],
            pages=instrument["document"]["pages"], issued_at=now,
            verify_url=settings.verify_url + copy["verification_code"], local_tz=self._calendar().tz)
        pdf = self.signing.sign(render_copy(self.store.testimonio_pdf(instrument), content))
        issued = self.store.issue_copy(copy, pdf, hashlib.sha256(pdf).hexdigest(), now)
        if issued is not None:
            copies_issued.labels(copy["kind"]).inc()
            self.store.audit(SYSTEM, "issue_copy", f"copy:{copy_id}", "allowed",
                             {"serial": copy["serial"], "instrument_id": instrument["_id"]})

    # --- public verification (called by the certificates' verification entrypoints) -----------------------------------
    def protocol_copy_by_code(self, code):
        copy = self.store.copy_by_code(code)
        if copy is None or not copy.get("issued_at"):
            return None
        return views.copy_public_view(copy, self.store.instrument(copy["instrument_id"]))

    def protocol_copy_by_digest(self, digest):
        matches = self.store.copies_by_digest(digest)
        if len(matches) != 1 or not matches[0].get("issued_at"):
            return None
        return views.copy_public_view(matches[0], self.store.instrument(matches[0]["instrument_id"]))
