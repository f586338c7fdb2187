"""Authorization matrix: every endpoint of the electronic case file against every caller.

One case (at court 01001) whose initial filing was accepted. The callers are
its lawyer, a lawyer of another case, the clerk and the judge of its court and
of another court, a citizen, an administrator, and five ways of not being
authenticated. Forged tokens impersonate the identity the endpoint *would*
allow, so that accepting one would show.

For every denied write nothing is stored; every denied read that reaches the
service is in the audit log; a 401 never reaches the service.
"""
import base64
import datetime
import hashlib
import json
import re
import uuid
from types import SimpleNamespace

import pytest

from gateway.auth import DEV_SECRET, mint_token
from tests.support.pdfgen import make_pdf
from tests.support.filings_state import snapshot

COURT, OTHER_COURT = "01001", "01002"

ROLES = ("lawyer_on_case", "lawyer_other_case", "clerk_of_court", "clerk_other_court", "judge_of_court",
         "judge_other_court", "citizen", "admin", "no_token", "expired_token", "wrong_secret", "alg_none", "garbage_token")
UNAUTHENTICATED = {"no_token": "missing_token", "expired_token": "token_expired", "wrong_secret": "invalid_token",
                   "alg_none": "invalid_token", "garbage_token": "invalid_token"}

# Expected HTTP status of each endpoint (rows) for each caller (columns, in the order of ROLES).
MATRIX = {
    #                        lawyer       clerk        judge
    #                        on   other   of   other   of   other  citizen admin  none  expired secret  none  garbage
    "GET courts":           (200, 200,    200, 200,    200, 200,   200,    200,   200,  200,    200,    200,  200),
    "GET cases":            (200, 200,    200, 200,    200, 200,   403,    403,   401,  401,    401,    401,  401),
    "GET case":             (200, 403,    200, 403,    200, 403,   403,    403,   401,  401,    401,    401,  401),
    "POST case":            (201, 201,    403, 403,    403, 403,   403,    403,   401,  401,    401,    401,  401),
    "POST escrito":         (201, 403,    403, 403,    403, 403,   403,    403,   401,  401,    401,    401,  401),
    "POST apersonamiento":  (409, 201,    403, 403,    403, 403,   403,    403,   401,  401,    401,    401,  401),
    "GET filing":           (200, 403,    200, 403,    200, 403,   403,    403,   401,  401,    401,    401,  401),
    "GET document":         (200, 403,    200, 403,    200, 403,   403,    403,   401,  401,    401,    401,  401),
    "POST review":          (403, 403,    200, 403,    403, 403,   403,    403,   401,  401,    401,    401,  401),
    "POST resolution":      (403, 403,    201, 403,    201, 403,   403,    403,   401,  401,    401,    401,  401),
}
assert all(len(row) == len(ROLES) for row in MATRIX.values())

READS = {"GET courts", "GET cases", "GET case", "GET filing", "GET document"}
# reads of one record: the service audits every attempt, allowed or denied, under this target
AUDITED_READS = {"GET case": "case", "GET filing": "filing", "GET document": "document"}
# the identity a forged token claims: one the endpoint would let in
IMPERSONATES = {"POST review": "clerk_of_court", "POST resolution": "judge_of_court"}


# --- the world ---------------------------------------------------------------------------------
def identity(role):
    return {
        "lawyer_on_case": dict(sub="matriz.abogado", role="lawyer", name="Lic. Matriz", bar_number="55501"),
        "lawyer_other_case": dict(sub="matriz.ajeno", role="lawyer", name="Lic. Ajeno", bar_number="55502"),
        "clerk_of_court": dict(sub="matriz.secretario", role="clerk", name="Secretario", court_id=COURT),
        "clerk_other_court": dict(sub="matriz.secretario2", role="clerk", name="Secretario 2", court_id=OTHER_COURT),
        "judge_of_court": dict(sub="matriz.juez", role="judge", name="Juez", court_id=COURT),
        "judge_other_court": dict(sub="matriz.juez2", role="judge", name="Juez 2", court_id=OTHER_COURT),
        "citizen": dict(sub="matriz.ciudadano", role="citizen", name="Ciudadano"),
        "admin": dict(sub="matriz.admin", role="admin", name="Administración"),
    }[role]


def _b64(data):
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def token_for(role, endpoint):
    if role == "no_token":
        return None
    if role == "garbage_token":
        return "esto-no-es-un-token"
    claims = identity(IMPERSONATES.get(endpoint, "lawyer_on_case")) if role in UNAUTHENTICATED else identity(role)
    sub, role_claim = claims.pop("sub"), claims.pop("role")
    if role == "expired_token":
        past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(hours=9)
        return mint_token(DEV_SECRET, sub, role_claim, now=past, **claims)
    if role == "wrong_secret":
        return mint_token("otro-secreto-que-no-es-el-del-portal", sub, role_claim, **claims)
    if role == "alg_none":
        exp = int((datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)).timestamp())
        return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({'sub': sub, 'role': role_claim, 'exp': exp, **claims})}."
    return mint_token(DEV_SECRET, sub, role_claim, **claims)


@pytest.fixture(scope="module")
def world(api):
    lawyer = token_for("lawyer_on_case", None)
    clerk = token_for("clerk_of_court", None)
    demand = make_pdf(pages=2, seed="matriz-demanda")
    opened = api.open_case(lawyer, COURT, documents=[("demanda.pdf", demand)])
    assert opened.status_code == 201, opened.text
    opened = opened.json()
    assert api.review(clerk, opened["receipt"]["filing_id"]).status_code == 200
    other = api.new_case(token_for("lawyer_other_case", None), OTHER_COURT)
    return SimpleNamespace(case_number=opened["case_number"], filing_id=opened["receipt"]["filing_id"],
                           document_id=opened["receipt"]["documents"][0]["document_id"],
                           document_sha256=hashlib.sha256(demand).hexdigest(), other_case=other["case_number"],
                           lawyer=lawyer)


# --- what was stored ----------------------------------------------------------------------------


def audit_count(stack, **query):
    return stack.db("filings").audit.count_documents(query)


def assert_spanish_error(response, code):
    body = response.json()
    assert set(body) == {"error", "message", "details"}, body
    assert body["error"] == code, body
    assert re.search(r"[áéíóúñ]|\b(el|la|de|no|su|este|se|para|debe)\b", body["message"], re.IGNORECASE), body["message"]


# --- each endpoint, as a client calls it -----------------------------------------------------------
def call(api, world, endpoint, token, filing_id):
    n = world.case_number
    if endpoint == "GET courts":
        return api.get("/api/v1/courts", token)
    if endpoint == "GET cases":
        return api.get("/api/v1/cases", token)
    if endpoint == "GET case":
        return api.get(f"/api/v1/cases/{n}", token)
    if endpoint == "POST case":
        return api.open_case(token, COURT)
    if endpoint == "POST escrito":
        return api.file(token, n)
    if endpoint == "POST apersonamiento":
        return api.file(token, n, kind="apersonamiento", summary="Me apersono", represents="Demandado Dos")
    if endpoint == "GET filing":
        return api.get(f"/api/v1/filings/{world.filing_id}", token)
    if endpoint == "GET document":
        return api.get(f"/api/v1/documents/{world.document_id}", token)
    if endpoint == "POST review":
        return api.review(token, filing_id)
    if endpoint == "POST resolution":
        return api.resolve(token, n)
    raise AssertionError(endpoint)


def audit_target(world, endpoint):
    kind = AUDITED_READS[endpoint]
    return {"case": f"case:{world.case_number}", "filing": f"filing:{world.filing_id}",
            "document": f"document:{world.document_id}"}[kind]


def check_allowed_result(world, endpoint, role, response, before, after):
    """What a 2xx must have returned and stored."""
    body = response.content if endpoint == "GET document" else response.json()
    grew = {k: after[k] - before[k] for k in before}
    if endpoint == "GET courts":
        assert {c["court_id"] for c in body["items"]} >= {"01001", "01002", "01010", "01020", "00001"}
    elif endpoint == "GET cases":
        listed = {c["case_number"] for c in body["items"]}
        assert (world.case_number in listed) == (role in ("lawyer_on_case", "clerk_of_court", "judge_of_court"))
        if role == "lawyer_other_case":
            assert world.other_case in listed
        if role.endswith("other_court"):
            assert body["items"] and all(c["court_id"] == OTHER_COURT for c in body["items"])
    elif endpoint == "GET case":
        assert body["case_number"] == world.case_number and body["entries"][0]["id"] == world.filing_id
    elif endpoint == "GET filing":
        assert body["filing_id"] == world.filing_id and body["status"] == "accepted"
    elif endpoint == "GET document":
        assert response.headers["Content-Type"] == "application/pdf"
        assert hashlib.sha256(body).hexdigest() == world.document_sha256
    elif endpoint == "POST case":
        assert body["receipt"]["filed_by"]["sub"] == identity(role)["sub"]
        assert (grew["cases"], grew["filings"], grew["documents.files"], grew["resolutions"]) == (1, 1, 1, 0)
    elif endpoint in ("POST escrito", "POST apersonamiento"):
        assert body["case_number"] == world.case_number and body["status"] == "received"
        assert (grew["cases"], grew["filings"], grew["documents.files"], grew["attorneys"]) == (0, 1, 1, 0)
    elif endpoint == "POST review":
        assert body["status"] == "accepted" and body["review"]["reviewed_by"]["sub"] == identity(role)["sub"]
        assert (grew["filings"], grew["filings reviewed"]) == (0, 1)
    elif endpoint == "POST resolution":
        assert body["case_number"] == world.case_number and body["issued_by"]["sub"] == identity(role)["sub"]
        assert "matriz.abogado" in body["recipients"]
        assert (grew["resolutions"], grew["filings"], grew["documents.files"]) == (1, 0, 1)
    if endpoint in READS:
        assert grew == {k: 0 for k in grew}, "a read stored something"


CELLS = [(endpoint, role, status) for endpoint, row in MATRIX.items() for role, status in zip(ROLES, row)]


@pytest.mark.parametrize("endpoint, role, expected", CELLS, ids=[f"{e}-{r}" for e, r, _ in CELLS])
def test_authorization_matrix(api, stack, world, endpoint, role, expected):
    token = token_for(role, endpoint)
    filing_id = None
    if endpoint == "POST review":  # a filing waiting for review, for each caller
        pending = api.file(world.lawyer, world.case_number, summary=f"Escrito por calificar {uuid.uuid4().hex[:6]}")
        assert pending.status_code == 201, pending.text
        filing_id = pending.json()["filing_id"]
    sub = identity(role)["sub"] if role not in UNAUTHENTICATED else None
    before = snapshot(stack)
    audit_before = audit_count(stack)
    denied_before = audit_count(stack, **{"actor.sub": sub, "outcome": "denied"})

    response = call(api, world, endpoint, token, filing_id)

    assert response.status_code == expected, response.text[:500]
    after = snapshot(stack)
    if expected < 300:
        check_allowed_result(world, endpoint, role, response, before, after)
        if endpoint in AUDITED_READS:
            assert audit_count(stack, **{"actor.sub": sub, "outcome": "allowed",
                                         "target": audit_target(world, endpoint)}) >= 1
        return

    # denied: a clear error in Spanish, and nothing stored
    if expected == 401:
        assert_spanish_error(response, UNAUTHENTICATED[role])
    elif expected == 409:
        assert_spanish_error(response, "already_on_case")
    else:
        assert_spanish_error(response, "forbidden")
    assert after == before, "a denied request stored something"
    if filing_id:
        filing = stack.db("filings").filings.find_one({"_id": filing_id})
        assert filing["status"] == "received" and filing["review"] is None

    # who knocked on the case file: every denied read the service saw is audited; a 401 never reaches it
    if expected == 401:
        assert audit_count(stack) == audit_before
    elif endpoint in READS:
        assert audit_count(stack, **{"actor.sub": sub, "outcome": "denied"}) == denied_before + 1
        if endpoint in AUDITED_READS:
            assert audit_count(stack, **{"actor.sub": sub, "outcome": "denied",
                                         "target": audit_target(world, endpoint)}) >= 1


def test_a_lawyer_who_appeared_reads_own_filing_but_not_the_case_until_accepted(api, stack, world):
    """The one extra row of the matrix: the filer of a pending appearance."""
    newcomer = mint_token(DEV_SECRET, "matriz.recien", "lawyer", name="Lic. Recién", bar_number="55509")
    appearance = api.file(newcomer, world.case_number, kind="apersonamiento", summary="Me apersono",
                          represents="Actor Uno, S.A.")
    assert appearance.status_code == 201, appearance.text
    filing_id = appearance.json()["filing_id"]
    document_id = appearance.json()["documents"][0]["document_id"]
    assert api.get(f"/api/v1/filings/{filing_id}", newcomer).status_code == 200
    assert api.get(f"/api/v1/documents/{document_id}", newcomer).status_code == 200
    assert api.get(f"/api/v1/cases/{world.case_number}", newcomer).status_code == 403
    assert api.get(f"/api/v1/documents/{world.document_id}", newcomer).status_code == 403
    assert api.get(f"/api/v1/filings/{world.filing_id}", newcomer).status_code == 403
    assert api.file(newcomer, world.case_number).status_code == 403
    # another lawyer cannot read it
    stranger = token_for("lawyer_other_case", None)
    assert api.get(f"/api/v1/filings/{filing_id}", stranger).status_code == 403
    assert api.get(f"/api/v1/documents/{document_id}", stranger).status_code == 403


@pytest.mark.parametrize("header", ["Basic bWF0cml6OmNsYXZl", "Bearer", "Bearer ", "bearer-sin-espacio",
                                    "Bearer " + "a" * 8100], ids=["basic", "bearer-empty", "bearer-space", "no-scheme",
                                                                  "long-garbage"])
def test_malformed_authorization_headers_are_401(api, stack, world, header):
    audit_before = audit_count(stack)
    response = api.http.get(f"{api.url}/api/v1/cases/{world.case_number}", headers={"Authorization": header}, timeout=30)
    assert response.status_code == 401, response.text
    assert response.json()["error"] in ("invalid_token", "missing_token")
    assert audit_count(stack) == audit_before


@pytest.mark.parametrize("role", ["lawyer", "clerk", "judge", "superuser"],
                         ids=["lawyer-without-bar-number", "clerk-without-court", "judge-without-court", "unknown-role"])
def test_tokens_without_a_usable_identity_are_401(api, stack, world, role):
    audit_before = audit_count(stack)
    response = api.get(f"/api/v1/cases/{world.case_number}", mint_token(DEV_SECRET, "matriz.abogado", role))
    assert response.status_code == 401, response.text
    assert_spanish_error(response, "invalid_token")
    assert audit_count(stack) == audit_before
