"""Who may use each certificates endpoint (an authorization matrix over every endpoint and every role, enforced
by the certificates service too), and hostile input on every endpoint: each refusal gets its error and stores
nothing (every collection of the certificates database counted before and after; the audit log, which records
refusals, is the one collection that may grow)."""
import json
import time
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.runtime.config import load_config
from services.runtime.errors import Forbidden
from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, new_cui, officer, record_body, wait_issued
from tests.support.pdfgen import make_pdf

pytestmark = pytest.mark.stack

ROLES = ("anonymous", "lawyer", "clerk", "judge", "citizen", "other_citizen", "admin", "records_officer")
ZERO_ID = "0" * 32
UNKNOWN_CODE = "0000-0000-0000"
UNKNOWN_DOWNLOAD = "0" * 20


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


def request_and_pay(api, bank, token):
    response = api.post_json("/api/v1/certificates/requests", {}, token)
    assert response.status_code == 201, response.text
    assert bank.pay(response.json()["payment"]["reference"]).status_code == 200
    issued = wait_issued(api, token, response.json()["request_id"])
    jobs = api.stack.db("certificates").issuance
    deadline = time.monotonic() + 10  # the issuance job is marked done just after the request is issued
    while jobs.count_documents({"_id": issued["request_id"], "status": {"$ne": "done"}}):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return issued


@pytest.fixture(scope="module")
def world(api, stack, bank):
    owner, cui = citizen(stack, name="Dueña de la Constancia")
    other, other_cui = citizen(stack, name="Otra Ciudadana")
    tokens = {"anonymous": None, "lawyer": api.lawyer(), "clerk": api.clerk(), "judge": api.judge(),
              "citizen": owner, "other_citizen": other, "admin": api.admin(), "records_officer": officer(stack)}
    added = api.post_json("/api/v1/criminal-records", record_body(cui, name="Dueña de la Constancia"),
                          tokens["records_officer"])
    assert added.status_code == 201, added.text
    issued = request_and_pay(api, bank, owner)
    certificate = next(c for c in api.get("/api/v1/certificates", owner).json()["items"]
                       if c["certificate_id"] == issued["certificate_id"])
    # an open (unpaid) request of the owner, for the reads
    open_request = api.post_json("/api/v1/certificates/requests", {}, owner).json()
    return {"tokens": tokens, "cui": cui, "other_cui": other_cui, "record_id": added.json()["record_id"],
            "request_id": issued["request_id"], "open_request_id": open_request["request_id"],
            "certificate_id": issued["certificate_id"], "verification_code": certificate["verification_code"],
            "download_code": issued["download_code"]}


def snapshot(stack):
    """Every collection of the certificates database but the audit log, counted; and what changes in place."""
    db = stack.db("certificates")
    state = {name: db[name].count_documents({}) for name in db.list_collection_names() if name != "audit"}
    state["revoked"] = db.certificates.count_documents({"revoked_at": {"$ne": None}})
    state["paid"] = db.requests.count_documents({"status": {"$ne": "awaiting_payment"}})
    state["issuance due"] = db.issuance.count_documents({"status": {"$ne": "done"}})
    return state


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"], body
    if code:
        assert body["error"] == code, body
    return body


def cancel_parts(reason="rehabilitacion", note="Auto del Juzgado de Ejecución"):
    return {"reason": reason, "note": note}


# --- the endpoints, each as (name, call(api, world, token)) -------------------------------------------------------
def _add(api, w, token):
    return api.post_json("/api/v1/criminal-records", record_body(new_cui(), case_number=f"M-{uuid.uuid4().hex[:8]}"),
                         token)


def _search(api, w, token):
    return api.get("/api/v1/criminal-records", token, params={"id_number": w["cui"]})


def _get_record(api, w, token):
    return api.get(f"/api/v1/criminal-records/{w['record_id']}", token)


def _cancel(api, w, token):
    return api.post_multipart(f"/api/v1/criminal-records/{w['record_id']}/cancel", cancel_parts(),
                              [("auto.pdf", make_pdf())], token, document_field="document")


def _import(api, w, token):
    csv = ("name,id_number,case_number,court,offences,penalty,sentence_date,final_date\n"
           f"Persona Importada,{new_cui()},I-{uuid.uuid4().hex[:8]},Juzgado Penal,Robo,1 año,2001-01-01,2001-02-01\n")
    return api.post_json("/api/v1/criminal-records/import", {"csv": csv}, token)


def _request(api, w, token):
    return api.post_json("/api/v1/certificates/requests", {}, token)


def _get_request(api, w, token):
    return api.get(f"/api/v1/certificates/requests/{w['request_id']}", token)


def _list(api, w, token):
    return api.get("/api/v1/certificates", token)


def _document(api, w, token):
    return api.get(f"/api/v1/certificates/{w['certificate_id']}/document", token)


def _revoke(api, w, token):
    return api.post_json(f"/api/v1/certificates/{w['certificate_id']}/revoke", {"reason": "Emitida por error"}, token)


def _notify(api, w, token):
    notice = {"bank": "banco_demo", "transaction_id": "TX-SIN-FIRMA", "reference": "123456789012", "amount": "30.00",
              "currency": "GTQ", "paid_at": "2026-01-01T00:00:00Z"}
    return api.post_json("/api/v1/payments/notifications", notice, token)


def _download(api, w, token):
    return api.get("/api/v1/public/certificates/download", token, params={"code": w["download_code"]})


def _verify_code(api, w, token):
    return api.get(f"/api/v1/public/certificates/{w['verification_code']}", token)


def _verify_pdf(api, w, token):
    return api.post_multipart("/api/v1/public/certificates/verify", {}, [("constancia.pdf", make_pdf())], token,
                              document_field="document")


OFFICER_ONLY = {role: 403 for role in ROLES} | {"anonymous": 401, "records_officer": None}
CITIZENS_ONLY = {role: 403 for role in ROLES} | {"anonymous": 401, "citizen": None, "other_citizen": None}
PUBLIC = {role: None for role in ROLES}
# None: allowed (its own success status); a number: refused with it, nothing stored
MATRIX = [
    ("add_record", _add, 201, OFFICER_ONLY),
    ("search_records", _search, 200, OFFICER_ONLY),
    ("get_record", _get_record, 200, OFFICER_ONLY),
    ("cancel_record", _cancel, 200, OFFICER_ONLY),
    ("import_records", _import, 201, OFFICER_ONLY),
    ("request_certificate", _request, 201, CITIZENS_ONLY),
    # the owner's request: another citizen learns nothing of it (404, as if it did not exist)
    ("get_request", _get_request, 200, CITIZENS_ONLY | {"other_citizen": 404}),
    ("list_certificates", _list, 200, CITIZENS_ONLY),
    ("certificate_document", _document, 200, CITIZENS_ONLY | {"other_citizen": 404, "records_officer": None}),
    ("revoke_certificate", _revoke, 200, OFFICER_ONLY),
    # a bank's notice is signed, not authenticated by a token: any token without the signature is 401
    ("payment_notification", _notify, 200, {role: 401 for role in ROLES}),
    ("download_certificate", _download, 200, PUBLIC),
    ("verify_certificate_code", _verify_code, 200, PUBLIC),
    ("verify_certificate_pdf", _verify_pdf, 200, PUBLIC),
]
REFUSALS = [(name, call, role, expected[role]) for name, call, _, expected in MATRIX for role in ROLES
            if expected[role] is not None]
ALLOWED = [(name, call, status, role) for name, call, status, expected in MATRIX for role in ROLES
           if expected[role] is None and name not in ("cancel_record", "revoke_certificate")]


@pytest.mark.parametrize("name,call,role,status", REFUSALS, ids=[f"{r[0]}-{r[2]}" for r in REFUSALS])
def test_refused_roles_get_their_error_and_store_nothing(api, stack, world, name, call, role, status):
    before = snapshot(stack)
    body = error_of(call(api, world, world["tokens"][role]), status)
    if status == 403:
        assert body["error"] == "forbidden"
    assert snapshot(stack) == before


@pytest.mark.parametrize("name,call,status,role", ALLOWED, ids=[f"{r[0]}-{r[3]}" for r in ALLOWED])
def test_allowed_roles_are_served(api, world, name, call, status, role):
    response = call(api, world, world["tokens"][role])
    assert response.status_code == status, response.text


def test_what_each_citizen_sees_is_their_own(api, world):
    owner, other = world["tokens"]["citizen"], world["tokens"]["other_citizen"]
    mine = [c["certificate_id"] for c in api.get("/api/v1/certificates", owner).json()["items"]]
    theirs = [c["certificate_id"] for c in api.get("/api/v1/certificates", other).json()["items"]]
    assert world["certificate_id"] in mine and world["certificate_id"] not in theirs
    # the other citizen's request is their own, on their own CUI
    request = api.post_json("/api/v1/certificates/requests", {}, other).json()
    assert request["request_id"] not in (world["request_id"], world["open_request_id"])
    error_of(api.get(f"/api/v1/certificates/requests/{world['open_request_id']}", other), 404, "request_not_found")


def test_the_records_officer_cancels_and_revokes_once(api, stack, world, bank):
    unap = world["tokens"]["records_officer"]
    cancelled = _cancel(api, world, unap)
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelado"
    before = snapshot(stack)
    error_of(_cancel(api, world, unap), 409)
    assert snapshot(stack) == before
    token, _ = citizen(stack)
    issued = request_and_pay(api, bank, token)
    target = {**world, "certificate_id": issued["certificate_id"]}
    assert _revoke(api, target, unap).status_code == 200
    before = snapshot(stack)
    error_of(_revoke(api, target, unap), 409)
    assert snapshot(stack) == before


@pytest.mark.parametrize("role", ["lawyer", "clerk", "judge", "admin", "citizen"])
def test_the_certificates_service_refuses_by_itself(stack, world, role):
    """Authorization is the owner's: a call that skips the gateway is refused by the certificates service."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    actor = {"sub": f"directo-{role}-{uuid.uuid4().hex[:6]}", "role": role, "name": "Directo", "bar_number": "1",
             "court_id": "01001", "id_number": world["cui"]}
    before = snapshot(stack)
    with ClusterRpcProxy(config, timeout=10) as cluster:
        with pytest.raises(Forbidden):
            cluster.certificates.add_record(actor, record_body(new_cui()))
        with pytest.raises(Forbidden):
            cluster.certificates.search_records(actor, {"id_number": world["cui"]})
        with pytest.raises(Forbidden):
            cluster.certificates.revoke(actor, world["certificate_id"], {"reason": "x"})
        if role != "citizen":
            with pytest.raises(Forbidden):
                cluster.certificates.request_certificate(actor, {})
    assert snapshot(stack) == before
    assert stack.db("certificates").audit.find_one({"actor.sub": actor["sub"], "outcome": "denied"})


# --- hostile input, endpoint by endpoint ---------------------------------------------------------------------------
def raw_post(api, path, token, data, content_type="application/json"):
    return api.http.post(api.url + path, data=data, headers={**api.auth(token), "Content-Type": content_type},
                         timeout=30)


BAD_RECORDS = [
    ("missing name", {"name": None}, 422),
    ("name a number", {"name": 12}, 422),
    ("name too long", {"name": "x" * 201}, 422),
    ("name with NUL", {"name": "Pedro\x00Pérez"}, 422),
    ("blank name", {"name": "   "}, 422),
    ("CUI as operator", {"id_number": {"$ne": ""}}, 422),
    ("CUI check digit", {"id_number": "1680352240101"}, 422),
    ("CUI department", {"id_number": "1580352242301"}, 422),
    ("CUI municipality", {"id_number": "1580352240118"}, 422),
    ("CUI short", {"id_number": "158035224010"}, 422),
    ("offences a string", {"offences": "Robo"}, 422),
    ("no offences", {"offences": []}, 422),
    ("offence operator", {"offences": [{"$gt": ""}]}, 422),
    ("too many offences", {"offences": ["Robo"] * 21}, 422),
    ("future sentence", {"sentence_date": "2999-01-01", "final_date": "2999-02-01"}, 422),
    ("final before sentence", {"sentence_date": "2020-03-01", "final_date": "2020-01-01"}, 422),
    ("not a date", {"final_date": "ayer"}, 422),
    ("unknown field", {"status": "cancelado"}, 422),
    ("operator key", {"$where": "1"}, 422),
]


@pytest.mark.parametrize("label,change,status", BAD_RECORDS, ids=[b[0] for b in BAD_RECORDS])
def test_hostile_records_store_nothing(api, stack, world, label, change, status):
    body = record_body(new_cui(), case_number=f"H-{uuid.uuid4().hex[:8]}")
    for key, value in change.items():
        if value is None:
            body.pop(key)
        else:
            body[key] = value
    before = snapshot(stack)
    error_of(api.post_json("/api/v1/criminal-records", body, world["tokens"]["records_officer"]), status)
    assert snapshot(stack) == before


JSON_PATHS = ["/api/v1/criminal-records", "/api/v1/criminal-records/import", "/api/v1/certificates/requests",
              f"/api/v1/certificates/{ZERO_ID}/revoke"]


@pytest.mark.parametrize("path", JSON_PATHS)
@pytest.mark.parametrize("data,content_type,status", [
    (b"{", "application/json", 400), (b"[1, 2]", "application/json", 422), (b'"texto"', "application/json", 422),
    (b'{"a": NaN}', "application/json", 400), (b"\xff\xfe", "application/json", 400),
    (b"{}", "text/plain", 415), (b"a=1", "application/x-www-form-urlencoded", 415),
    (b'{"x": "' + b"a" * 70_000 + b'"}', "application/json", 413),
], ids=["malformed", "array", "string", "nan", "not-utf8", "text-plain", "form", "oversized"])
def test_bodies_that_are_not_json_objects_store_nothing(api, stack, world, path, data, content_type, status):
    token = world["tokens"]["citizen" if "requests" in path else "records_officer"]
    before = snapshot(stack)
    error_of(raw_post(api, path, token, data, content_type), status)
    assert snapshot(stack) == before


@pytest.mark.parametrize("params", [
    {}, {"id_number": "1680352240101"}, {"id_number": "abc"}, {"name": "ab"}, {"name": "x" * 201},
    {"name": "pe\x00dro"}, {"limit": "0"}, {"limit": "201"}, {"limit": "diez"}, {"name": "pedro", "otro": "1"},
    {"id_number[$ne]": ""}, {"name": "   "},
], ids=["none", "cui", "cui-form", "short", "long", "nul", "limit0", "limit-big", "limit-text", "unknown",
        "operator", "blank"])
def test_hostile_searches(api, stack, world, params):
    before = snapshot(stack)
    error_of(api.get("/api/v1/criminal-records", world["tokens"]["records_officer"], params=params), 422)
    assert snapshot(stack) == before


def test_a_repeated_search_parameter(api, world):
    response = api.get("/api/v1/criminal-records?name=pedro&name=juan", world["tokens"]["records_officer"])
    error_of(response, 422)


@pytest.mark.parametrize("path,code", [
    (f"/api/v1/criminal-records/{ZERO_ID}", "record_not_found"),
    ("/api/v1/criminal-records/" + "z" * 32, "record_not_found"),
    ("/api/v1/criminal-records/%24ne", "route_not_found"),
    (f"/api/v1/certificates/requests/{ZERO_ID}", "request_not_found"),
    ("/api/v1/certificates/requests/" + "Z" * 32, "request_not_found"),
    (f"/api/v1/certificates/{ZERO_ID}/document", "certificate_not_found"),
    ("/api/v1/certificates/" + "%00" * 32 + "/document", None),
    ("/api/v1/public/certificates/" + "a" * 14, "certificate_not_found"),
])
def test_identifiers_of_nothing_are_404(api, stack, world, path, code):
    token = world["tokens"]["citizen" if "requests" in path or "document" in path else "records_officer"]
    before = snapshot(stack)
    error_of(api.get(path, token), 404, code)
    assert snapshot(stack) == before


def test_an_unknown_verification_code_is_unknown_and_stores_nothing(api, stack):
    before = snapshot(stack)
    response = api.get(f"/api/v1/public/certificates/{UNKNOWN_CODE}")
    assert response.status_code == 200 and response.json()["status"] == "unknown" and response.json()["name"] is None
    assert snapshot(stack) == before


@pytest.mark.parametrize("metadata,documents,status", [
    (cancel_parts(), [("auto.txt", b"no es un PDF", "text/plain")], 422),   # named *.txt: invalid_filename
    (cancel_parts(), [("auto.pdf", b"no es un PDF")], 415),
    (cancel_parts(), [("auto.pdf", b"%PDF-1.7\n roto, sin xref")], 422),
    (cancel_parts(), [("auto.exe", None)], 422),
    (cancel_parts(), [("auto.pdf", b"")], 422),
    (cancel_parts(), [], 422),
    (cancel_parts(), [("a.pdf", None), ("b.pdf", None)], 413),              # too_many_documents
    (None, [("auto.pdf", None)], 422),
    ("{no es json", [("auto.pdf", None)], 400),
    (cancel_parts(reason="perdon"), [("auto.pdf", None)], 422),
    ({"reason": {"$ne": ""}, "note": "x"}, [("auto.pdf", None)], 422),
    (cancel_parts(note="a\x00b"), [("auto.pdf", None)], 422),
    (cancel_parts(note="x" * 2001), [("auto.pdf", None)], 422),
    ({"reason": "error"}, [("auto.pdf", None)], 422),
    ({**cancel_parts(), "cancelled_at": "2020-01-01"}, [("auto.pdf", None)], 422),
], ids=["text", "not-pdf-named-pdf", "corrupt", "exe-name", "empty", "no-document", "two-documents",
        "no-metadata", "malformed-metadata", "reason", "reason-operator", "nul-note", "long-note", "no-note",
        "unknown-field"])
def test_hostile_cancellations_store_nothing(api, stack, world, metadata, documents, status):
    unap = world["tokens"]["records_officer"]
    record = api.post_json("/api/v1/criminal-records", record_body(new_cui(), case_number=f"C-{uuid.uuid4().hex[:8]}"),
                           unap).json()
    documents = [(d[0], make_pdf() if d[1] is None else d[1], *d[2:]) for d in documents]
    before = snapshot(stack)
    response = api.post_multipart(f"/api/v1/criminal-records/{record['record_id']}/cancel", metadata, documents, unap,
                                  document_field="document")
    error_of(response, status)
    assert snapshot(stack) == before
    assert api.get(f"/api/v1/criminal-records/{record['record_id']}", unap).json()["status"] == "vigente"


def test_cancelling_a_record_that_does_not_exist(api, stack, world):
    before = snapshot(stack)
    error_of(api.post_multipart(f"/api/v1/criminal-records/{ZERO_ID}/cancel", cancel_parts(),
                                [("auto.pdf", make_pdf())], world["tokens"]["records_officer"],
                                document_field="document"), 404, "record_not_found")
    assert snapshot(stack) == before


HEADER = "name,id_number,case_number,court,offences,penalty,sentence_date,final_date\n"


@pytest.mark.parametrize("body,code", [
    ({}, "validation_error"), ({"csv": 12}, "validation_error"), ({"csv": ""}, "validation_error"),
    ({"csv": HEADER + "a\x00b,1,2,3,4,5,2001-01-01,2001-01-01\n"}, "validation_error"),
    ({"csv": {"$ne": ""}}, "validation_error"), ({"csv": "x" * 60_001}, "validation_error"),
    ({"csv": HEADER}, "import_rejected"),
    ({"csv": "nombre,cui\nPedro,1580352240101\n"}, "import_rejected"),
    ({"csv": HEADER + "Pedro,1680352240101,X-1,Juzgado,Robo,1 año,2001-01-01,2001-02-01\n"}, "import_rejected"),
    ({"csv": HEADER + "Pedro,{cui},X-1,Juzgado,Robo,1 año,2001-01-01,2001-02-01\n"
                      "Pedro,1680352240101,X-2,Juzgado,Robo,1 año,2001-01-01,2001-02-01\n"}, "import_rejected"),
    ({"csv": HEADER + "Pedro,{cui},X-1,Juzgado,Robo,1 año,2999-01-01,2999-02-01\n"}, "import_rejected"),
    ({"csv": "x", "extra": 1}, "validation_error"),
], ids=["no-csv", "number", "empty", "nul", "operator", "oversized", "header-only", "other-columns", "bad-cui",
        "one-bad-row-of-two", "future", "unknown-field"])
def test_hostile_imports_store_nothing(api, stack, world, body, code):
    if isinstance(body.get("csv"), str):
        body = {**body, "csv": body["csv"].replace("{cui}", new_cui())}
    before = snapshot(stack)
    error_of(api.post_json("/api/v1/criminal-records/import", body, world["tokens"]["records_officer"]), 422, code)
    assert snapshot(stack) == before


@pytest.mark.parametrize("body", [
    {"email": "no-es-correo"}, {"email": 12}, {"email": {"$ne": ""}}, {"email": "a\x00b@correo.gt"},
    {"email": "a" * 250 + "@correo.gt"}, {"id_number": "1580352240101"}, {"sub": "otro"},
], ids=["email", "email-number", "email-operator", "email-nul", "email-long", "another-cui", "another-sub"])
def test_hostile_certificate_requests_store_nothing(api, stack, body):
    token, _ = citizen(stack)
    before = snapshot(stack)
    error_of(api.post_json("/api/v1/certificates/requests", body, token), 422)
    assert snapshot(stack) == before


@pytest.mark.parametrize("claims,status", [({}, 403), ({"id_number": "1680352240101"}, 422),
                                           ({"id_number": "abc"}, 422)], ids=["no-cui", "bad-check", "bad-form"])
def test_a_citizen_without_a_valid_cui_cannot_request(api, stack, claims, status):
    token = stack.token(f"sin-cui-{uuid.uuid4().hex[:6]}", "citizen", name="Sin CUI", **claims)
    before = snapshot(stack)
    error_of(api.post_json("/api/v1/certificates/requests", {}, token), status)
    assert snapshot(stack) == before


def test_a_listing_takes_no_query(api, stack, world):
    before = snapshot(stack)
    error_of(api.get("/api/v1/certificates", world["tokens"]["citizen"], params={"sub": "otro"}), 422)
    assert snapshot(stack) == before


@pytest.mark.parametrize("body,status", [
    ({}, 422), ({"reason": ""}, 422), ({"reason": 1}, 422), ({"reason": {"$ne": ""}}, 422),
    ({"reason": "a\x00b"}, 422), ({"reason": "x" * 1001}, 422), ({"reason": "x", "revoked_at": None}, 422),
], ids=["missing", "empty", "number", "operator", "nul", "long", "unknown-field"])
def test_hostile_revocations_store_nothing(api, stack, world, body, status):
    before = snapshot(stack)
    error_of(api.post_json(f"/api/v1/certificates/{world['certificate_id']}/revoke", body,
                           world["tokens"]["records_officer"]), status)
    assert snapshot(stack) == before
    assert api.get(f"/api/v1/public/certificates/{world['verification_code']}").json()["status"] == "valid"


def test_revoking_a_certificate_that_does_not_exist(api, stack, world):
    before = snapshot(stack)
    error_of(api.post_json(f"/api/v1/certificates/{ZERO_ID}/revoke", {"reason": "Error"},
                           world["tokens"]["records_officer"]), 404, "certificate_not_found")
    assert snapshot(stack) == before


@pytest.mark.parametrize("query,status", [
    ("", 422), ("?code=corto", 422), ("?code=" + "A" * 21, 422), ("?code=%00" * 1, 422),
    ("?code[$ne]=x", 422), (f"?code={UNKNOWN_DOWNLOAD}", 404), (f"?code={UNKNOWN_DOWNLOAD}&code=x", 422),
    (f"?code={UNKNOWN_DOWNLOAD}&otro=1", 422), ("?code=" + "I" * 20, 422),
], ids=["none", "short", "long", "nul", "operator", "unknown", "repeated", "unknown-param", "not-base32"])
def test_hostile_downloads_store_nothing(api, stack, query, status):
    before = snapshot(stack)
    error_of(api.get("/api/v1/public/certificates/download" + query), status)
    assert snapshot(stack) == before


@pytest.mark.parametrize("metadata,documents,status", [
    ({}, [("constancia.txt", b"texto", "text/plain")], 422),
    ({}, [("constancia.pdf", b"<html>no</html>")], 415),
    ({}, [("constancia.pdf", b"")], 422),
    ({}, [], 422),
    ({}, [("a.pdf", None), ("b.pdf", None)], 413),
    ({"certificate_id": ZERO_ID}, [("constancia.pdf", None)], 422),
    ("{", [("constancia.pdf", None)], 400),
    ({}, [("constancia.pdf", b"%PDF-1.7\n" + b"0" * (2 * 1024 * 1024 + 10))], 413),
], ids=["text", "html", "empty", "no-document", "two", "unknown-field", "malformed-metadata",
        "oversized"])
def test_hostile_pdf_verifications_store_nothing(api, stack, metadata, documents, status):
    documents = [(d[0], make_pdf() if d[1] is None else d[1], *d[2:]) for d in documents]
    before = snapshot(stack)
    error_of(api.post_multipart("/api/v1/public/certificates/verify", metadata, documents,
                                document_field="document"), status)
    assert snapshot(stack) == before


def test_a_broken_pdf_presented_for_verification_is_not_valid_and_stores_nothing(api, stack):
    before = snapshot(stack)
    response = api.post_multipart("/api/v1/public/certificates/verify", {}, [("constancia.pdf", b"%PDF-1.7\nroto")],
                                  document_field="document")
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["signature"] in ("invalid", "missing") and verdict["registry"] == "not_issued"
    assert verdict["status"] == "unknown" and verdict["certificate"] is None
    assert snapshot(stack) == before


def test_hostile_payment_notices_signed_or_not_store_nothing(api, stack, bank, world):
    reference = api.get(f"/api/v1/certificates/requests/{world['open_request_id']}",
                        world["tokens"]["citizen"]).json()["payment"]["reference"]
    before = snapshot(stack)
    # the bank is named in the body: a body that names none cannot be checked against a secret (401)
    assert bank.send_once(b"\x00\x01 basura").status_code == 401
    assert bank.send_once(b"[]").status_code == 401
    assert bank.send_once(b'{"bank": "banco_demo", "reference": ').status_code == 401
    assert bank.send_once({**bank.notice(reference), "amount": {"$gt": "0"}}).status_code == 422
    assert bank.send_once({**bank.notice(reference), "reference": reference + "\x00"}).status_code == 422
    assert bank.send_once({**bank.notice(reference), "extra": 1}).status_code == 422
    assert bank.send_once({k: v for k, v in bank.notice(reference).items() if k != "paid_at"}).status_code == 422
    assert bank.send_once(json.dumps({**bank.notice(reference), "pad": "x" * 70_000}).encode()).status_code in (
        401, 413)
    assert raw_post(api, "/api/v1/payments/notifications", None, b"{}").status_code == 401   # unsigned
    assert snapshot(stack) == before
    status = api.get(f"/api/v1/certificates/requests/{world['open_request_id']}", world["tokens"]["citizen"])
    assert status.json()["status"] == "awaiting_payment"
