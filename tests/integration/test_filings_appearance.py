"""Appearing in a case (apersonamiento) through the API, on the real stack.

GET /api/v1/cases/{case_number}/appearance tells a signed-in lawyer what a writ of appearance must name (the
court, the matter, each party's name and role) and nothing more; only lawyers ask it; a reserved case the
caller does not act in answers exactly as a case that does not exist, and so does a filing in it that is not an
appearance naming one of its parties (POST /api/v1/cases/{n}/filings); every attempt is in the audit log and
nothing else is stored. Then the whole appearance: the clerk's queue names the party, the acceptance puts the
lawyer on the case, in «Mis expedientes», able to file and served with the case's notices.
"""
import json
import re
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from types import SimpleNamespace
from urllib.parse import quote

import pytest
import requests

from gateway.auth import DEV_SECRET, mint_token
from tests.support.filings_state import snapshot
from tests.support.mailbox import wait_for
from tests.support.pdfgen import make_pdf

COURT = "01001"
FACTS_KEYS = {"case_number", "court_id", "court_name", "matter", "parties", "on_case", "represents",
              "pending_appearance"}
_SPANISH = re.compile(r"[áéíóúñ]|\b(el|la|de|no|su|un|este|se|para|debe|con|ese)\b", re.IGNORECASE)


def lawyer(api, tag):
    return mint_token(DEV_SECRET, f"aperso.{tag}.{uuid.uuid4().hex[:6]}", "lawyer", name=f"Lic. {tag}",
                      bar_number=str(30000 + len(tag)))


def facts_path(case_number):
    return f"/api/v1/cases/{case_number}/appearance"


def assert_error(response, status, code):
    assert response.status_code == status, response.text[:500]
    body = response.json()
    assert set(body) == {"error", "message", "details"}, body
    assert body["error"] == code, body
    assert _SPANISH.search(body["message"]), body["message"]
    return body


def audits(stack, **query):
    return stack.db("filings").audit.count_documents({"action": "read_appearance_facts", **query})


def sub_of(token):
    from gateway.auth import decode_actor

    return decode_actor(DEV_SECRET, f"Bearer {token}")["sub"]


@pytest.fixture(scope="module")
def world(api):
    owner = lawyer(api, "titular")
    clerk = api.clerk(COURT)
    judge = api.judge(COURT)
    civil = api.accepted_case(owner, clerk, COURT)["case_number"]
    family = api.new_case(owner, COURT, matter="familia", subject="Divorcio voluntario")["case_number"]
    reserved = api.accepted_case(owner, clerk, COURT)["case_number"]
    answer = api.post_json(f"/api/v1/cases/{reserved}/reserve", {"reason": "Protección de una menor de edad"}, judge)
    assert answer.status_code == 200, answer.text
    return SimpleNamespace(owner=owner, clerk=clerk, judge=judge, civil=civil, family=family, reserved=reserved)


# --- who may ask, and what they see ------------------------------------------------------------------------
def test_a_lawyer_off_the_case_sees_the_court_the_matter_and_the_parties_names_and_nothing_else(api, stack, world):
    stranger = lawyer(api, "ajeno")
    before, audited = snapshot(stack), audits(stack, **{"actor.sub": sub_of(stranger), "outcome": "allowed"})
    response = api.get(facts_path(world.civil), stranger)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == FACTS_KEYS
    assert body["case_number"] == world.civil and body["court_id"] == COURT and body["matter"] == "civil"
    assert body["court_name"] == "Juzgado Primero de Primera Instancia Civil"
    # names and roles only: the id number the case holds for «Demandado Dos» is not shown
    assert body["parties"] == [{"name": "Actor Uno, S.A.", "role": "actor"},
                               {"name": "Demandado Dos", "role": "demandado"}]
    assert "1234567890101" not in response.text and "Juicio ordinario" not in response.text
    assert (body["on_case"], body["represents"], body["pending_appearance"]) == (False, [], None)
    assert snapshot(stack) == before
    assert audits(stack, **{"actor.sub": sub_of(stranger), "outcome": "allowed",
                            "target": f"case:{world.civil}"}) == audited + 1


def test_the_lawyer_on_the_case_is_told_so(api, world):
    body = api.get(facts_path(world.civil), world.owner).json()
    assert body["on_case"] is True and body["represents"] == ["Actor Uno, S.A."]


@pytest.mark.parametrize("who", ["clerk_of_court", "judge_of_court", "clerk_other_court", "citizen", "admin"])
def test_only_lawyers_ask_and_every_refusal_is_audited(api, stack, world, who):
    token = {"clerk_of_court": world.clerk, "judge_of_court": world.judge, "clerk_other_court": api.clerk("01002"),
             "citizen": api.citizen(), "admin": api.admin()}[who]
    before, denied = snapshot(stack), audits(stack, **{"actor.sub": sub_of(token), "outcome": "denied"})
    assert_error(api.get(facts_path(world.civil), token), 403, "forbidden")
    assert snapshot(stack) == before
    assert audits(stack, **{"actor.sub": sub_of(token), "outcome": "denied"}) == denied + 1


@pytest.mark.parametrize("token, code", [
    (None, "missing_token"),
    ("esto-no-es-un-token", "invalid_token"),
    (mint_token("otro-secreto", "aperso.falso", "lawyer", name="Lic. Falso", bar_number="1"), "invalid_token"),
], ids=["no-token", "garbage", "wrong-secret"])
def test_without_a_valid_token_it_is_401_and_the_service_is_not_asked(api, stack, world, token, code):
    before, audited = snapshot(stack), audits(stack)
    assert_error(api.get(facts_path(world.civil), token), 401, code)
    assert snapshot(stack) == before and audits(stack) == audited


# --- reserved cases say nothing ------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["family", "reserved"])
def test_a_reserved_case_answers_as_one_that_does_not_exist(api, stack, world, which):
    case_number = getattr(world, which)
    stranger = lawyer(api, "curioso")
    before, denied = snapshot(stack), audits(stack, **{"actor.sub": sub_of(stranger), "outcome": "denied"})
    hidden = api.get(facts_path(case_number), stranger)
    missing_number = f"{COURT}-2001-{uuid.uuid4().int % 90000 + 10000:05d}"
    missing = api.get(facts_path(missing_number), stranger)
    hidden_body = assert_error(hidden, 404, "case_not_found")
    missing_body = assert_error(missing, 404, "case_not_found")
    assert hidden_body["message"] == missing_body["message"]
    assert hidden_body["details"] == {"case_number": case_number}
    assert missing_body["details"] == {"case_number": missing_number}
    assert set(hidden.headers) == set(missing.headers)
    for secret in ("Actor Uno", "Demandado Dos", "familia", "reserv"):
        assert secret not in hidden.text
    assert snapshot(stack) == before
    assert audits(stack, **{"actor.sub": sub_of(stranger), "outcome": "denied", "target": f"case:{case_number}"}) \
        == denied + 1
    # the lawyer who acts in it still reads it
    own = api.get(facts_path(case_number), world.owner)
    assert own.status_code == 200 and own.json()["on_case"] is True


# --- a filing in a reserved case says no more than the appearance facts do ---------------------------------------
def filing_audits(stack, **query):
    return stack.db("filings").audit.count_documents({"action": "submit_filing", **query})


def missing_number():
    return f"{COURT}-2001-{uuid.uuid4().int % 90000 + 10000:05d}"


HIDDEN_FILINGS = {
    "wrong party": {"kind": "apersonamiento", "represents": "Fulano de Tal"},
    "nearly the party": {"kind": "apersonamiento", "represents": "demandado dos"},
    "a writ, no party": {"kind": "escrito"},
    "a writ for a party": {"kind": "memorial", "represents": "Demandado Dos"},
}


@pytest.mark.parametrize("which", ["family", "reserved"])
@pytest.mark.parametrize("attempt", list(HIDDEN_FILINGS))
def test_a_filing_in_a_reserved_case_by_a_lawyer_off_it_answers_byte_for_byte_as_a_missing_case(api, stack, world,
                                                                                                which, attempt):
    case_number, missing = getattr(world, which), missing_number()
    stranger = lawyer(api, "adivino")
    sub = sub_of(stranger)
    fields = HIDDEN_FILINGS[attempt]
    before = snapshot(stack)
    denied = filing_audits(stack, **{"actor.sub": sub, "outcome": "denied", "target": f"case:{case_number}"})
    hidden = api.file(stranger, case_number, summary="Me apersono", **fields)
    absent = api.file(stranger, missing, summary="Me apersono", **fields)
    assert_error(absent, 404, "case_not_found")
    # the same status, the same body but for the number asked (both numbers have the same length), the same headers
    assert hidden.status_code == absent.status_code == 404
    assert hidden.content.replace(case_number.encode(), missing.encode()) == absent.content
    assert hidden.json()["details"] == {"case_number": case_number}
    assert set(hidden.headers) == set(absent.headers)
    for secret in ("Actor Uno", "Demandado Dos", "familia", "reserv", "parte"):
        assert secret not in hidden.text
    # nothing stored: no filing, no event, no idempotency record, no document left staged
    assert snapshot(stack) == before
    assert stack.db("filings").filings.count_documents({"filed_by.sub": sub}) == 0
    # both attempts are in the audit log: the reserved one as denied (with the reason), the missing one as not found
    assert filing_audits(stack, **{"actor.sub": sub, "outcome": "denied", "target": f"case:{case_number}",
                                   "details.reserved": True}) == denied + 1
    assert filing_audits(stack, **{"actor.sub": sub, "outcome": "not_found", "target": f"case:{missing}"}) == 1


def test_on_a_case_not_reserved_a_wrong_party_is_still_told_as_such(api, stack, world):
    stranger = lawyer(api, "equivocado")
    before = snapshot(stack)
    wrong = api.file(stranger, world.civil, kind="apersonamiento", summary="Me apersono", represents="Fulano de Tal")
    assert_error(wrong, 422, "validation_error")
    assert snapshot(stack) == before


@pytest.mark.parametrize("which", ["family", "reserved"])
def test_a_lawyer_who_names_a_party_of_a_reserved_case_still_appears_in_it(api, stack, world, which):
    """Who knows the case (the legitimate appearance in a family case) names its party exactly, and appears."""
    case_number = getattr(world, which)
    newcomer = lawyer(api, "legitimo")
    appearance = api.file(newcomer, case_number, kind="apersonamiento", summary="Me apersono",
                          represents="Demandado Dos")
    assert appearance.status_code == 201, appearance.text
    stored = stack.db("filings").filings.find_one({"_id": appearance.json()["filing_id"]})
    assert (stored["case_number"], stored["kind"], stored["represents"]) == (case_number, "apersonamiento",
                                                                              "Demandado Dos")
    assert stack.db("filings").audit.count_documents({"action": "submit_filing", "actor.sub": sub_of(newcomer)}) == 0
    # until the clerk accepts it, the case still tells them nothing more
    assert_error(api.get(facts_path(case_number), newcomer), 404, "case_not_found")
    assert_error(api.get(f"/api/v1/cases/{case_number}", newcomer), 403, "forbidden")


# --- hostile input -----------------------------------------------------------------------------------------
HOSTILE_NUMBERS = {
    "short": "01001-2026-1",
    "letters": "ABCDE-2026-00001",
    "oversized": "0" * 5000,
    "operator": quote('{"$ne": null}', safe=""),
    "injection": quote("01001-2026-00001' OR '1'='1", safe=""),
    "regex": quote(".*", safe=""),
    "nul": "01001-2026-0000%00",
    "unicode-digits": quote("٠١٠٠١-٢٠٢٦-٠٠٠٠١", safe=""),
    "trailing-newline": "01001-2026-00001%0A",
}


@pytest.mark.parametrize("name", list(HOSTILE_NUMBERS))
def test_a_malformed_case_number_is_404_and_stores_nothing(api, stack, world, name):
    stranger = lawyer(api, "hostil")
    before = snapshot(stack)
    response = api.get(facts_path(HOSTILE_NUMBERS[name]), stranger)
    body = assert_error(response, 404, "case_not_found")
    assert "parties" not in body
    assert snapshot(stack) == before
    assert audits(stack, **{"actor.sub": sub_of(stranger), "outcome": "allowed"}) == 0


@pytest.mark.parametrize("query", ["?case_number=01001-2026-00001", "?limit=1", "?" + "x" * 3000 + "=1"],
                         ids=["unknown-key", "another-operations-key", "oversized-key"])
def test_a_query_string_is_refused_with_422_and_stores_nothing(api, stack, world, query):
    stranger = lawyer(api, "consulta")
    before, audited = snapshot(stack), audits(stack)
    response = api.get(facts_path(world.civil) + query, stranger)
    body = assert_error(response, 422, "validation_error")
    assert set(body["details"]["fields"]) == {query[1:].split("=")[0]}
    assert snapshot(stack) == before and audits(stack) == audited


def test_a_body_or_another_method_changes_nothing(api, stack, world):
    stranger = lawyer(api, "metodo")
    before = snapshot(stack)
    with_body = api.http.get(api.url + facts_path(world.civil), data=b'{"on_case": true}' * 1000,
                             headers={**api.auth(stranger), "Content-Type": "application/json"}, timeout=30)
    assert with_body.status_code == 200 and with_body.json()["on_case"] is False
    posted = api.post_json(facts_path(world.civil), {"represents": "Demandado Dos"}, stranger)
    assert posted.status_code == 405, posted.text
    assert snapshot(stack) == before


# --- the appearance, end to end ------------------------------------------------------------------------------
def test_the_appearance_pending_then_accepted_puts_the_lawyer_on_the_case(api, stack, world):
    newcomer = lawyer(api, "nuevo")
    sub = sub_of(newcomer)
    appearance = api.file(newcomer, world.civil, kind="apersonamiento", summary="Me apersono",
                          represents="Demandado Dos")
    assert appearance.status_code == 201, appearance.text
    filing_id = appearance.json()["filing_id"]

    # while it waits, the lawyer is told so; a second one is 409 appearance_pending in Spanish
    pending = api.get(facts_path(world.civil), newcomer).json()["pending_appearance"]
    assert pending["filing_id"] == filing_id and pending["represents"] == "Demandado Dos"
    assert pending["received_at"].endswith("Z")
    again = api.file(newcomer, world.civil, kind="apersonamiento", summary="Otra vez", represents="Demandado Dos")
    body = assert_error(again, 409, "appearance_pending")
    assert body["message"] == "Ya tiene un apersonamiento pendiente de calificación en este expediente."

    # the clerk's queue names the party it appears for
    queue = api.get("/api/v1/cases", world.clerk, params={"status": "received", "limit": 200}).json()["items"]
    waiting = [f for item in queue if item["case_number"] == world.civil for f in item["pending_filings"]
               if f["filing_id"] == filing_id]
    assert waiting and waiting[0]["kind"] == "apersonamiento" and waiting[0]["represents"] == "Demandado Dos"
    assert waiting[0]["filed_by"]["sub"] == sub
    assert world.civil not in {c["case_number"] for c in api.get("/api/v1/cases", newcomer).json()["items"]}

    assert api.review(world.clerk, filing_id).status_code == 200
    facts = api.get(facts_path(world.civil), newcomer).json()
    assert (facts["on_case"], facts["represents"], facts["pending_appearance"]) == (True, ["Demandado Dos"], None)
    assert world.civil in {c["case_number"] for c in api.get("/api/v1/cases", newcomer).json()["items"]}
    assert api.get(f"/api/v1/cases/{world.civil}", newcomer).status_code == 200
    writ = api.file(newcomer, world.civil, summary="Contesto la demanda", represents="Demandado Dos")
    assert writ.status_code == 201, writ.text

    # served with the case's notices from then on
    resolution = api.resolve(world.judge, world.civil, summary="Se tiene por apersonado al abogado")
    assert resolution.status_code == 201 and sub in resolution.json()["recipients"]

    def notice():
        items = api.get("/api/v1/mailbox/notifications", newcomer).json()["items"]
        return [i for i in items if i["case_number"] == world.civil]

    assert wait_for(notice, 30), "the notice never reached the new lawyer's mailbox"


def test_after_a_rejection_the_lawyer_may_appear_again(api, world):
    newcomer = lawyer(api, "rechazado")
    first = api.file(newcomer, world.civil, kind="apersonamiento", summary="Me apersono", represents="Actor Uno, S.A.")
    assert first.status_code == 201, first.text
    assert api.review(world.clerk, first.json()["filing_id"], "reject", reason="No acompaña el mandato").status_code == 200
    facts = api.get(facts_path(world.civil), newcomer).json()
    assert (facts["on_case"], facts["pending_appearance"]) == (False, None)
    assert api.file(newcomer, world.civil, kind="apersonamiento", summary="Me apersono con el mandato",
                    represents="Actor Uno, S.A.").status_code == 201


def test_appearances_sent_at_once_leave_one_waiting_and_no_documents_behind(api, stack, world):
    """Each request finds none waiting before it writes; the unique index on the waiting ones makes one win."""
    newcomer = lawyer(api, "simultaneo")
    sub = sub_of(newcomer)
    count = 4
    pdfs = [make_pdf(seed=f"simultaneo-{i}") for i in range(count)]
    files_before = stack.db("filings")["documents.files"].count_documents({})
    barrier = threading.Barrier(count)

    def appear(i):
        metadata = {"kind": "apersonamiento", "summary": f"Me apersono ({i})", "represents": "Demandado Dos"}
        barrier.wait()
        return requests.post(api.url + f"/api/v1/cases/{world.civil}/filings", headers=api.auth(newcomer), timeout=60,
                             files=[("metadata", (None, json.dumps(metadata), "application/json")),
                                    ("documents", (f"apersonamiento-{i}.pdf", pdfs[i], "application/pdf"))])

    with ThreadPoolExecutor(count) as pool:
        answers = list(pool.map(appear, range(count)))
    statuses = sorted(a.status_code for a in answers)
    assert statuses == [201] + [409] * (count - 1), [a.text[:200] for a in answers]
    for refused in (a for a in answers if a.status_code == 409):
        assert_error(refused, 409, "appearance_pending")
    waiting = list(stack.db("filings").filings.find({"case_number": world.civil, "kind": "apersonamiento",
                                                     "status": "received", "filed_by.sub": sub}))
    assert len(waiting) == 1
    assert stack.db("filings")["documents.files"].count_documents({}) == files_before + 1


# --- a lawyer walking case numbers is slowed down --------------------------------------------------------------
@pytest.fixture(scope="module")
def limited_gateway(stack):
    """A second gateway on the suite's services with a low per-user look-up limit (a burst of 3, then one a
    second)."""
    with stack.extra_gateway("gateway-lookups-limited", {"LOOKUP_RATE_PER_MINUTE": "60",
                                                         "LOOKUP_RATE_BURST": "3"}) as url:
        yield url


def test_a_lawyer_over_the_look_up_limit_gets_429_per_user_and_the_service_is_not_asked(api, stack, world,
                                                                                        limited_gateway):
    walker, other = lawyer(api, "recorre"), lawyer(api, "tranquilo")

    def look(token, address):
        return requests.get(limited_gateway + facts_path(world.civil), timeout=10,
                            headers={**api.auth(token), "X-Forwarded-For": address})

    assert [look(walker, "203.0.113.7").status_code for _ in range(3)] == [200] * 3
    before, audited = snapshot(stack), audits(stack, **{"actor.sub": sub_of(walker)})
    refused = look(walker, "198.51.100.9")  # another address or session does not give a new bucket: the user does
    body = assert_error(refused, 429, "rate_limited")
    assert "no actúa" in body["message"]
    assert int(refused.headers["Retry-After"]) == body["details"]["retry_after"] >= 1
    assert snapshot(stack) == before and audits(stack, **{"actor.sub": sub_of(walker)}) == audited
    assert look(other, "203.0.113.7").status_code == 200  # another lawyer, even from the same address
    time.sleep(1.1)  # a token back
    assert look(walker, "203.0.113.7").status_code == 200
