"""Rules of the electronic case file as plain Python (services/filings/domain.py): no I/O.

Case numbering in the court's time zone, the filing state machine, who may do
what, filenames as data and what an Idempotency-Key covers.
"""
import unicodedata
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from contracts.documents import check_filename
from services.filings import domain
from services.runtime.errors import Conflict, Forbidden, NotFound, PortalError, ValidationFailed

UTC = timezone.utc
GUATEMALA = ZoneInfo("America/Guatemala")


# --- identities and a case ---------------------------------------------------
def lawyer(sub, bar_number="12345"):
    return {"sub": sub, "role": "lawyer", "name": f"Lic. {sub}", "bar_number": bar_number}


def staff(role, court_id, sub=None):
    return {"sub": sub or f"{role}-{court_id}", "role": role, "name": f"{role} {court_id}", "court_id": court_id}


CASE = {
    "_id": "01001-2026-00007",
    "court_id": "01001",
    "matter": "civil",
    "parties": [{"name": "Actor Uno, S.A.", "role": "actor"},
                {"name": "Demandado Dos", "role": "demandado", "id_number": "1234567890101"}],
    "attorneys": [{"sub": "abogado.actor", "name": "Lic. Actor", "bar_number": "111", "represents": "Actor Uno, S.A."}],
}
FILING_BY_NEWCOMER = {"_id": "f-appearance", "case_number": CASE["_id"], "court_id": "01001",
                      "filed_by": {"sub": "abogado.nuevo", "name": "Lic. Nuevo", "bar_number": "222"}}

ON_CASE = lawyer("abogado.actor", "111")
NEWCOMER = lawyer("abogado.nuevo", "222")
OTHER_LAWYER = lawyer("abogado.ajeno", "333")
CLERK = staff("clerk", "01001")
JUDGE = staff("judge", "01001")
CLERK_ELSEWHERE = staff("clerk", "01002")
JUDGE_ELSEWHERE = staff("judge", "01002")
CITIZEN = {"sub": "ciudadano", "role": "citizen", "name": "Ciudadano"}
ADMIN = {"sub": "admin", "role": "admin", "name": "Administración"}


def assert_error(excinfo, cls, status, code, field=None):
    exc = excinfo.value
    assert isinstance(exc, cls)
    assert exc.status == status and exc.code == code
    assert exc.message and exc.message[0].isupper()
    if field:
        assert field in exc.details.get("fields", {})


# --- numbering ---------------------------------------------------------------
@pytest.mark.parametrize("court_id, year, sequence, expected", [
    ("01001", 2026, 1, "01001-2026-00001"),
    ("01001", 2026, 42, "01001-2026-00042"),
    ("00001", 2027, 99999, "00001-2027-99999"),
])
def test_case_number_is_court_year_and_five_digit_sequence(court_id, year, sequence, expected):
    number = domain.format_case_number(court_id, year, sequence)
    assert number == expected
    assert domain.check_case_number(number) == number


@pytest.mark.parametrize("sequence", [0, -1, 100000])
def test_sequence_out_of_range_never_makes_a_number(sequence):
    with pytest.raises(ValueError):
        domain.format_case_number("01001", 2026, sequence)


def test_counter_is_per_court_and_year():
    assert domain.counter_key("01001", 2026) == "01001-2026"
    assert domain.counter_key("01001", 2026) != domain.counter_key("01002", 2026)
    assert domain.counter_key("01001", 2026) != domain.counter_key("01001", 2027)


@pytest.mark.parametrize("instant, year", [
    # late on New Year's Eve in Guatemala (UTC-6) is still the old year, although UTC is already in the new one
    (datetime(2026, 12, 31, 23, 30, tzinfo=GUATEMALA), 2026),
    (datetime(2027, 1, 1, 5, 30, tzinfo=UTC), 2026),
    (datetime(2027, 1, 1, 5, 59, 59, 999000, tzinfo=UTC), 2026),
    # local midnight is 06:00 UTC
    (datetime(2027, 1, 1, 6, 0, tzinfo=UTC), 2027),
    (datetime(2027, 1, 1, 0, 0, tzinfo=GUATEMALA), 2027),
    (datetime(2026, 6, 15, 12, 0, tzinfo=UTC), 2026),
])
def test_case_year_is_the_local_year_of_the_court(instant, year):
    assert domain.case_year(instant) == year
    assert domain.case_year(instant, "America/Guatemala") == year


def test_case_year_follows_the_configured_time_zone():
    instant = datetime(2027, 1, 1, 3, 0, tzinfo=UTC)
    assert domain.case_year(instant, "America/Guatemala") == 2026
    assert domain.case_year(instant, "UTC") == 2027


@pytest.mark.parametrize("case_number", [
    "01001-2026-1", "1001-2026-00001", "01001_2026_00001", "abc", "", "01001-2026-00001 ", "01001-2026-000011",
    "../01001-2026-00001", None, 1001202600001,
])
def test_malformed_case_number_is_an_unknown_case(case_number):
    with pytest.raises(NotFound) as excinfo:
        domain.check_case_number(case_number)
    assert_error(excinfo, NotFound, 404, "case_not_found")


# --- the filing state machine -------------------------------------------------
@pytest.mark.parametrize("decision, status", [("accept", "accepted"), ("reject", "rejected")])
def test_a_received_filing_is_accepted_or_rejected(decision, status):
    assert domain.review_transition("received", decision) == status


@pytest.mark.parametrize("current", ["accepted", "rejected"])
@pytest.mark.parametrize("decision", ["accept", "reject"])
def test_a_filing_is_reviewed_only_once(current, decision):
    with pytest.raises(Conflict) as excinfo:
        domain.review_transition(current, decision)
    assert_error(excinfo, Conflict, 409, "already_reviewed")


def test_a_filing_that_vanished_mid_review_is_already_reviewed():
    # the store calls this with None when the conditional update found no received filing
    with pytest.raises(Conflict) as excinfo:
        domain.review_transition(None, "accept")
    assert_error(excinfo, Conflict, 409, "already_reviewed")


REVIEWED = {"status": "rejected", "review": {"decision": "reject", "reason": "Falta firma",
                                             "reviewed_by": {"sub": "secretaria1"}}}


@pytest.mark.parametrize("filing, sub, decision, reason, repeated", [
    (REVIEWED, "secretaria1", "reject", "Falta firma", True),       # the same review again: answered as made
    (REVIEWED, "secretaria2", "reject", "Falta firma", False),      # another clerk: already reviewed
    (REVIEWED, "secretaria1", "accept", None, False),               # another decision
    (REVIEWED, "secretaria1", "reject", "Otro motivo", False),      # another reason
    ({"status": "received"}, "secretaria1", "reject", "Falta firma", False),
])
def test_only_the_same_review_by_the_same_clerk_is_a_repetition(filing, sub, decision, reason, repeated):
    assert domain.is_repeated_review(filing, {"sub": sub}, decision, reason) is repeated


@pytest.mark.parametrize("decision", ["approve", "", None, "ACCEPT"])
def test_an_unknown_decision_is_a_validation_error(decision):
    with pytest.raises(ValidationFailed) as excinfo:
        domain.review_transition("received", decision)
    assert_error(excinfo, ValidationFailed, 422, "validation_error", field="decision")


# --- who may read a case -----------------------------------------------------------
@pytest.mark.parametrize("actor, allowed", [
    (ON_CASE, True),
    (CLERK, True),
    (JUDGE, True),
    (OTHER_LAWYER, False),
    (NEWCOMER, False),
    (CLERK_ELSEWHERE, False),
    (JUDGE_ELSEWHERE, False),
    (CITIZEN, False),
    (ADMIN, False),
    # identity is role and subject together: a token with the attorney's sub but another role is not the attorney
    ({**CITIZEN, "sub": "abogado.actor"}, False),
    (staff("clerk", "01002", sub="abogado.actor"), False),
    # a court_id claim means nothing on a lawyer's token
    ({**OTHER_LAWYER, "court_id": "01001"}, False),
    # a citizen or admin claiming the court is not staff
    ({**CITIZEN, "court_id": "01001"}, False),
    ({**ADMIN, "court_id": "01001"}, False),
], ids=lambda v: v if isinstance(v, bool) else f"{v['role']}:{v['sub']}:{v.get('court_id')}")
def test_only_the_lawyers_on_the_case_and_the_staff_of_its_court_read_it(actor, allowed):
    assert domain.can_read_case(actor, CASE) is allowed
    if allowed:
        domain.require_read_case(actor, CASE)
    else:
        with pytest.raises(Forbidden) as excinfo:
            domain.require_read_case(actor, CASE)
        assert_error(excinfo, Forbidden, 403, "forbidden")


@pytest.mark.parametrize("actor, allowed", [
    (NEWCOMER, True),          # follows the appearance they filed, though not (yet) on the case
    (ON_CASE, True),
    (CLERK, True),
    (JUDGE, True),
    (OTHER_LAWYER, False),
    (CLERK_ELSEWHERE, False),
    (JUDGE_ELSEWHERE, False),
    (CITIZEN, False),
    (ADMIN, False),
    ({**CITIZEN, "sub": "abogado.nuevo"}, False),
    (staff("judge", "01002", sub="abogado.nuevo"), False),
], ids=lambda v: v if isinstance(v, bool) else f"{v['role']}:{v['sub']}:{v.get('court_id')}")
def test_a_filing_is_read_by_who_reads_the_case_and_by_its_filer(actor, allowed):
    assert domain.can_read_filing(actor, CASE, FILING_BY_NEWCOMER) is allowed


# --- who may file ----------------------------------------------------------------
def test_a_lawyer_on_the_case_files_writs():
    for kind in ("escrito", "memorial", "contestacion", "recurso", "evidencia"):
        assert domain.require_can_file(ON_CASE, CASE, {"kind": kind, "summary": "x"}) is None


def test_a_lawyer_on_the_case_cannot_appear_again():
    with pytest.raises(Conflict) as excinfo:
        domain.require_can_file(ON_CASE, CASE, {"kind": "apersonamiento", "summary": "x", "represents": "Actor Uno, S.A."})
    assert_error(excinfo, Conflict, 409, "already_on_case")


def test_any_lawyer_may_appear_for_a_party_of_the_case():
    for party in ("Actor Uno, S.A.", "Demandado Dos"):
        assert domain.require_can_file(OTHER_LAWYER, CASE, {"kind": "apersonamiento", "summary": "x",
                                                             "represents": party}) is None


@pytest.mark.parametrize("kind", ["escrito", "memorial", "recurso"])
def test_a_lawyer_off_the_case_files_nothing_but_an_appearance(kind):
    with pytest.raises(Forbidden) as excinfo:
        domain.require_can_file(OTHER_LAWYER, CASE, {"kind": kind, "summary": "x"})
    assert_error(excinfo, Forbidden, 403, "forbidden")
    assert "apersonamiento" in excinfo.value.message


@pytest.mark.parametrize("actor", [OTHER_LAWYER, ON_CASE], ids=["appearing", "on_case"])
@pytest.mark.parametrize("represents", ["Fulano de Tal", "demandado dos", "Demandado Dos "])
def test_represents_must_name_a_party_of_the_case(actor, represents):
    with pytest.raises(ValidationFailed) as excinfo:
        domain.require_can_file(actor, CASE, {"kind": "apersonamiento" if actor is OTHER_LAWYER else "escrito",
                                              "summary": "x", "represents": represents})
    assert_error(excinfo, ValidationFailed, 422, "validation_error", field="represents")


RESERVED_BY_JUDGE = {**CASE, "reserved": True}
FAMILY = {**CASE, "matter": "familia"}


@pytest.mark.parametrize("case", [RESERVED_BY_JUDGE, FAMILY], ids=["reserved", "familia"])
@pytest.mark.parametrize("metadata", [
    {"kind": "apersonamiento", "summary": "x", "represents": "Fulano de Tal"},     # not a party
    {"kind": "apersonamiento", "summary": "x", "represents": "demandado dos"},     # nearly one
    {"kind": "apersonamiento", "summary": "x", "represents": "Demandado Dos "},
    {"kind": "apersonamiento", "summary": "x"},                                    # none named
    {"kind": "escrito", "summary": "x"},                                           # not an appearance
    {"kind": "memorial", "summary": "x", "represents": "Demandado Dos"},
], ids=["stranger", "lowercase", "trailing-space", "no-party", "escrito", "memorial-right-party"])
def test_a_reserved_case_answers_a_lawyer_off_it_as_a_missing_case_unless_they_appear_for_its_party(case, metadata):
    assert domain.hides_case_from_filing(OTHER_LAWYER, case, metadata) is True
    with pytest.raises(NotFound) as excinfo:
        domain.require_can_file(OTHER_LAWYER, case, metadata)
    assert_error(excinfo, NotFound, 404, "case_not_found")
    assert excinfo.value.details == {"case_number": CASE["_id"]}
    missing = domain.case_not_found(CASE["_id"])  # the very answer of a case that does not exist
    assert (excinfo.value.code, excinfo.value.message, excinfo.value.details) == (
        missing.code, missing.message, missing.details)


@pytest.mark.parametrize("case", [RESERVED_BY_JUDGE, FAMILY], ids=["reserved", "familia"])
def test_a_reserved_case_admits_the_appearance_for_one_of_its_parties_and_its_own_lawyers(case):
    for party in ("Actor Uno, S.A.", "Demandado Dos"):
        appearance = {"kind": "apersonamiento", "summary": "x", "represents": party}
        assert domain.hides_case_from_filing(OTHER_LAWYER, case, appearance) is False
        assert domain.require_can_file(OTHER_LAWYER, case, appearance) is None
    writ = {"kind": "escrito", "summary": "x"}
    assert domain.hides_case_from_filing(ON_CASE, case, writ) is False
    assert domain.require_can_file(ON_CASE, case, writ) is None
    with pytest.raises(ValidationFailed):  # its own lawyer knows the case: a wrong name is told as such
        domain.require_can_file(ON_CASE, case, {**writ, "represents": "Fulano de Tal"})
    for actor in (CLERK, JUDGE, CITIZEN):  # not lawyers: refused as such, as before
        assert domain.hides_case_from_filing(actor, case, writ) is False


def test_a_case_not_reserved_tells_a_wrong_party_name_as_before():
    assert domain.hides_case_from_filing(OTHER_LAWYER, CASE, {"kind": "apersonamiento", "summary": "x",
                                                              "represents": "Fulano de Tal"}) is False


@pytest.mark.parametrize("actor", [CLERK, JUDGE, CLERK_ELSEWHERE, CITIZEN, ADMIN], ids=lambda a: a["sub"])
@pytest.mark.parametrize("kind", ["escrito", "apersonamiento"])
def test_only_lawyers_file(actor, kind):
    with pytest.raises(Forbidden) as excinfo:
        domain.require_can_file(actor, CASE, {"kind": kind, "summary": "x", "represents": "Demandado Dos"})
    assert_error(excinfo, Forbidden, 403, "forbidden")
    with pytest.raises(Forbidden):
        domain.require_lawyer(actor)


# --- who may review and issue resolutions --------------------------------------------
@pytest.mark.parametrize("actor, allowed", [
    (CLERK, True),
    (JUDGE, False),            # qualifying filings is the clerk's task
    (CLERK_ELSEWHERE, False),
    (JUDGE_ELSEWHERE, False),
    (ON_CASE, False),
    (NEWCOMER, False),         # nobody reviews their own filing
    ({**NEWCOMER, "court_id": "01001"}, False),
    (CITIZEN, False),
    (ADMIN, False),
    ({**ADMIN, "court_id": "01001"}, False),
], ids=lambda v: v if isinstance(v, bool) else f"{v['role']}:{v['sub']}:{v.get('court_id')}")
def test_only_a_clerk_of_the_filings_court_reviews_it(actor, allowed):
    if allowed:
        assert domain.require_can_review(actor, FILING_BY_NEWCOMER) is None
    else:
        with pytest.raises(Forbidden) as excinfo:
            domain.require_can_review(actor, FILING_BY_NEWCOMER)
        assert_error(excinfo, Forbidden, 403, "forbidden")


@pytest.mark.parametrize("actor, allowed", [
    (JUDGE, True),
    (CLERK, True),
    (JUDGE_ELSEWHERE, False),
    (CLERK_ELSEWHERE, False),
    (ON_CASE, False),
    ({**ON_CASE, "court_id": "01001"}, False),
    (OTHER_LAWYER, False),
    (CITIZEN, False),
    (ADMIN, False),
], ids=lambda v: v if isinstance(v, bool) else f"{v['role']}:{v['sub']}:{v.get('court_id')}")
def test_only_the_judge_or_clerk_of_the_court_issue_resolutions(actor, allowed):
    if allowed:
        assert domain.require_can_issue_resolution(actor, CASE) is None
    else:
        with pytest.raises(Forbidden) as excinfo:
            domain.require_can_issue_resolution(actor, CASE)
        assert_error(excinfo, Forbidden, 403, "forbidden")


def test_every_lawyer_on_the_case_is_served_once():
    case = {**CASE, "attorneys": CASE["attorneys"] + [
        {"sub": "abogado.nuevo", "name": "Lic. Nuevo", "bar_number": "222", "represents": "Demandado Dos"},
        {"sub": "abogado.actor", "name": "Lic. Actor", "bar_number": "111", "represents": "Actor Uno, S.A."},
    ]}
    assert [r["sub"] for r in domain.recipients_of(case)] == ["abogado.actor", "abogado.nuevo"]
    assert domain.recipients_of({**CASE, "attorneys": []}) == []


# --- filenames are data ------------------------------------------------------------
@pytest.mark.parametrize("filename", [
    "../../etc/passwd.pdf",
    "..\\..\\windows\\system32\\a.pdf",
    "C:\\x\\a.pdf",
    "C:a.pdf",
    "/etc/passwd.pdf",
    "anexos/demanda.pdf",
    "\\\\servidor\\compartido\\a.pdf",
    "..pdf",
    ".pdf",
    ".oculto.pdf",
    "demanda\x00.pdf",
    "demanda.pdf\x00.exe",
    "dem\nanda.pdf",
    "dem\randa.pdf",
    "dem\tanda.pdf",
    "dem\x1banda.pdf",
    "dem\x7fanda.pdf",
    "dem\x85anda.pdf",            # C1 control (NEL, a line break)
    "dem\x9banda.pdf",            # C1 control (CSI)
    "dem\u2028anda.pdf",          # line separator
    "factura\u202eexe.pdf",       # right-to-left override: shown as another name than stored
    "factura\u2067exe.pdf",       # right-to-left isolate
    "demanda\".pdf",
    "demanda<1>.pdf",
    "demanda|x.pdf",
    "demanda?.pdf",
    "demanda*.pdf",
], ids=repr)
def test_path_tricks_and_control_characters_are_refused(filename):
    with pytest.raises(ValidationFailed) as excinfo:
        check_filename(filename)
    assert_error(excinfo, ValidationFailed, 422, "invalid_filename", field="documents")


@pytest.mark.parametrize("filename", ["", "   ", None, 42, b"demanda.pdf"], ids=repr)
def test_a_document_needs_a_name(filename):
    with pytest.raises(ValidationFailed) as excinfo:
        check_filename(filename)
    assert_error(excinfo, ValidationFailed, 422, "invalid_filename", field="documents")


@pytest.mark.parametrize("filename", ["demanda", "demanda.exe", "demanda.pdf.exe", "demanda.pd", "demanda.pdfx",
                                      "demanda.docx", "pdf"], ids=repr)
def test_a_document_name_ends_in_pdf(filename):
    with pytest.raises(ValidationFailed) as excinfo:
        check_filename(filename)
    assert_error(excinfo, ValidationFailed, 422, "invalid_filename", field="documents")


def test_filename_errors_name_the_part_the_document_came_in():
    with pytest.raises(ValidationFailed) as excinfo:
        check_filename("../auto.pdf", "document")
    assert_error(excinfo, ValidationFailed, 422, "invalid_filename", field="document")


def test_filename_length_limit_is_255_characters():
    longest = "a" * 251 + ".pdf"
    assert check_filename(longest) == longest
    with pytest.raises(ValidationFailed) as excinfo:
        check_filename("a" + longest)
    assert_error(excinfo, ValidationFailed, 422, "invalid_filename")
    assert "255" in excinfo.value.message
    # characters, not bytes: 255 two-byte characters are fine
    accented = "ñ" * 251 + ".pdf"
    assert check_filename(accented) == accented


@pytest.mark.parametrize("filename", [
    "demanda ñandú.pdf",
    "Memorial de evacuación (audiencia) 3.pdf",
    "ANEXO-1_Contrato.PDF",
    "escrito.Pdf",
    "notificación — copia.pdf",
    "契約書.pdf",
    "demanda.v2.pdf",
    "O'Brien & Asociados, S.A.pdf",
], ids=repr)
def test_ordinary_names_including_unicode_are_kept_as_given(filename):
    assert check_filename(filename) == filename


def test_filename_is_normalised_to_nfc_and_trimmed():
    decomposed = unicodedata.normalize("NFD", "demanda ñandú.pdf")
    assert decomposed != "demanda ñandú.pdf"
    assert check_filename(decomposed) == "demanda ñandú.pdf"
    assert check_filename("  demanda.pdf  ") == "demanda.pdf"


# --- documents and what an Idempotency-Key covers -----------------------------------------
# (the fingerprint and the replay decision are the runtime's: tests/unit/test_runtime_idempotency.py)
@pytest.mark.parametrize("role, allowed", [("lawyer", True), ("clerk", True), ("judge", True),
                                           ("citizen", False), ("admin", False)])
def test_who_may_send_documents(role, allowed):
    actor = {"sub": "x", "role": role, "court_id": "01001"}
    if allowed:
        domain.require_can_upload(actor)
    else:
        with pytest.raises(Forbidden):
            domain.require_can_upload(actor)


def test_a_resolution_carries_exactly_one_document():
    document = {"document_id": "d1", "filename": "auto.pdf"}
    assert domain.only_document([document]) is document
    for documents in ([], [document, {**document, "document_id": "d2"}]):
        with pytest.raises(ValidationFailed) as refused:
            domain.only_document(documents)
        assert refused.value.details["fields"] == {"document": "Adjunte un solo documento."}


def test_the_scopes_of_keys_are_the_ones_stored_records_carry():
    from services.runtime.idempotency import scope

    assert scope(domain.OPEN_CASE) == "open_case"
    assert scope(domain.FILING, "01001-2026-00001") == "filing:01001-2026-00001"
    assert scope(domain.RESOLUTION, "01001-2026-00001") == "resolution:01001-2026-00001"


# --- timestamps ------------------------------------------------------------------------
def test_instants_are_utc_iso_with_milliseconds():
    local = datetime(2026, 12, 31, 23, 30, 0, 123456, tzinfo=GUATEMALA)
    assert domain.iso(local) == "2027-01-01T05:30:00.123Z"
    assert domain.iso(datetime(2026, 3, 1, 12, 0, tzinfo=UTC) + timedelta(microseconds=1)) == "2026-03-01T12:00:00.000Z"
    assert domain.iso(None) is None


def test_rule_errors_cross_rpc_as_portal_errors():
    for cls in (Conflict, Forbidden, NotFound, ValidationFailed):
        assert issubclass(cls, PortalError)


# --- appearing in a case: what a lawyer off it may know ---------------------------------------------------
CIVIL_CASE = {**CASE, "matter": "civil", "reserved": False}
FAMILY_CASE = {**CASE, "matter": "familia"}  # reserved from its opening, whatever the field says
RESERVED_CASE = {**CASE, "matter": "civil", "reserved": True}


@pytest.mark.parametrize("actor", [CLERK, JUDGE, CITIZEN, ADMIN], ids=["clerk", "judge", "citizen", "admin"])
def test_only_a_lawyer_asks_to_appear(actor):
    with pytest.raises(Forbidden) as excinfo:
        domain.require_can_ask_to_appear(actor)
    assert_error(excinfo, Forbidden, 403, "forbidden")


@pytest.mark.parametrize("case, actor, reveals", [
    (CIVIL_CASE, OTHER_LAWYER, True),
    (FAMILY_CASE, OTHER_LAWYER, False),
    (RESERVED_CASE, OTHER_LAWYER, False),
    (RESERVED_CASE, ON_CASE, True),        # the lawyer on it reads it all anyway
    (FAMILY_CASE, ON_CASE, True),
], ids=["civil-stranger", "family-stranger", "reserved-stranger", "reserved-on-case", "family-on-case"])
def test_a_reserved_case_reveals_its_parties_only_to_its_lawyers(case, actor, reveals):
    assert domain.reveals_parties_to(actor, case) is reveals


def test_the_facts_of_an_appearance_are_names_and_roles_and_never_an_id_number():
    now = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
    pending = {"_id": "f1", "represents": "Demandado Dos", "received_at": now}
    facts = domain.appearance_facts(NEWCOMER, CIVIL_CASE, "Juzgado Primero", pending)
    assert facts["parties"] == [{"name": "Actor Uno, S.A.", "role": "actor"}, {"name": "Demandado Dos", "role": "demandado"}]
    assert "1234567890101" not in repr(facts) and "attorneys" not in facts
    assert (facts["on_case"], facts["represents"]) == (False, [])
    assert facts["pending_appearance"] == {"filing_id": "f1", "represents": "Demandado Dos",
                                           "received_at": "2026-03-10T15:00:00.000Z"}
    own = domain.appearance_facts(ON_CASE, CIVIL_CASE, "Juzgado Primero", None)
    assert (own["on_case"], own["represents"], own["pending_appearance"]) == (True, ["Actor Uno, S.A."], None)
