"""Hostile input on every mailbox, calendar and evidence endpoint: each gets a clear error and changes
nothing. Someone else's notice is a 404 (its existence is not revealed) and the attempt is audited.
A forged or edited evidence document is rejected, naming the field that was altered."""
import base64
import copy
import json

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.mailbox.evidence import EvidenceSigner, generate_key
from services.runtime.config import load_config
from services.runtime.errors import Forbidden, NotFound
from tests.support.mailbox import MailboxCase


@pytest.fixture(scope="module")
def world(api, stack):
    """A case with two lawyers and one notice each; the first lawyer opened theirs and took its evidence."""
    case = MailboxCase(api, count=2, court_id="01002")
    resolution = case.resolve(kind="auto", summary="Se fija audiencia de conciliación", term_days=3)
    owner, other = case.subs
    notices = {sub: case.wait_notice(sub, resolution["resolution_id"])["notification_id"] for sub in case.subs}
    assert api.get(f"/api/v1/mailbox/notifications/{notices[owner]}", case.tokens[owner]).status_code == 200
    evidence = api.get(f"/api/v1/mailbox/notifications/{notices[owner]}/evidence", case.tokens[owner]).json()
    return {"case": case, "owner": owner, "other": other, "notices": notices, "evidence": evidence}


def snapshot(stack):
    db = stack.db("mailbox")
    return {name: sorted(db[name].find({}, {"_id": 1, **({"accessed_at": 1, "served_at": 1, "deemed_service_at": 1}
                                                          if name == "notifications" else {})}), key=lambda d: str(d["_id"]))
            for name in ("notifications", "profiles", "closures", "alerts")}


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"]
    if code:
        assert body["error"] == code, body
    return body


# --- profile ------------------------------------------------------------------------------------------
PROFILE_CASES = [
    ("not json", b"{email: x", "application/json", 400, "malformed_json", None),
    ("form body", b"email=a@b.gt&alerts=true", "application/x-www-form-urlencoded", 415, None, None),
    ("array", b"[]", "application/json", 422, None, "body"),
    ("missing alerts", json.dumps({"email": "ana@bufete.gt"}), "application/json", 422, None, "alerts"),
    ("missing email", json.dumps({"alerts": False}), "application/json", 422, None, "email"),
    ("extra field", json.dumps({"email": "ana@bufete.gt", "alerts": True, "sms": "5555"}), "application/json", 422, None, "sms"),
    ("alerts as text", json.dumps({"email": "ana@bufete.gt", "alerts": "true"}), "application/json", 422, None, "alerts"),
    ("alerts as 1", json.dumps({"email": "ana@bufete.gt", "alerts": 1}), "application/json", 422, None, "alerts"),
    ("not an address", json.dumps({"email": "ana en bufete", "alerts": False}), "application/json", 422, None, "email"),
    ("header injection", json.dumps({"email": "ana@bufete.gt\r\nBcc: todos@ejemplo.gt", "alerts": True}),
     "application/json", 422, None, "email"),
    ("huge address", json.dumps({"email": "a" * 250 + "@bufete.gt", "alerts": True}), "application/json", 422, None, "email"),
    ("alerts without address", json.dumps({"email": None, "alerts": True}), "application/json", 422, None, "email"),
    ("email as object", json.dumps({"email": {"$ne": None}, "alerts": False}), "application/json", 422, None, "email"),
    ("too big", json.dumps({"email": "ana@bufete.gt", "alerts": True, "x": "y" * 70_000}), "application/json", 413, None, None),
]


@pytest.mark.parametrize("name,body,content_type,status,code,field", PROFILE_CASES, ids=[c[0] for c in PROFILE_CASES])
def test_profile_rejects_bad_bodies_and_keeps_the_previous_one(api, stack, name, body, content_type, status, code, field):
    token = api.lawyer("hostile.profile")
    good = api.http.put(api.url + "/api/v1/mailbox/profile", json={"email": "ana@bufete.gt", "alerts": True},
                        headers=api.auth(token))
    assert good.status_code == 200
    before = api.get("/api/v1/mailbox/profile", token).json()
    response = api.http.put(api.url + "/api/v1/mailbox/profile", data=body,
                            headers={**api.auth(token), "Content-Type": content_type})
    error = error_of(response, status, code)
    if field:
        assert field in error["details"]["fields"], error
    assert api.get("/api/v1/mailbox/profile", token).json() == before


def test_every_mailbox_endpoint_needs_a_valid_token(api, world):
    nid = world["notices"][world["owner"]]
    for method, path in [("GET", "/api/v1/mailbox/profile"), ("PUT", "/api/v1/mailbox/profile"),
                         ("GET", "/api/v1/mailbox/notifications"), ("GET", f"/api/v1/mailbox/notifications/{nid}"),
                         ("GET", f"/api/v1/mailbox/notifications/{nid}/document"),
                         ("GET", f"/api/v1/mailbox/notifications/{nid}/evidence"), ("GET", "/api/v1/mailbox/summary"),
                         ("GET", f"/api/v1/cases/{world['case'].case_number}/notifications"),
                         ("GET", "/api/v1/calendar/closures"), ("POST", "/api/v1/calendar/closures")]:
        for headers in ({}, {"Authorization": "Bearer x.y.z"}, {"Authorization": "Basic YTpi"}):
            response = api.http.request(method, api.url + path, headers=headers, json={}, timeout=30)
            assert response.status_code == 401, (method, path, headers, response.text)


# --- listing ----------------------------------------------------------------------------------------------
LIST_CASES = [
    ("unknown parameter", "?sort=-available_at", "sort"),
    ("repeated parameter", "?status=unread&status=served", "status"),
    ("unknown status", "?status=todas", "status"),
    ("operator injection", "?status[$ne]=x", "status[$ne]"),
    ("limit zero", "?limit=0", "limit"),
    ("limit too big", "?limit=101", "limit"),
    ("limit not a number", "?limit=diez", "limit"),
    ("negative limit", "?limit=-5", "limit"),
    ("garbage cursor", "?cursor=%27%3B%20DROP%20TABLE", "cursor"),
    ("forged cursor", "?cursor=" + base64.urlsafe_b64encode(b'[{"$gt":""},{"$ne":null}]').decode().rstrip("="), "cursor"),
    ("huge cursor", "?cursor=" + "A" * 5000, "cursor"),
    ("bad date", "?from=2026-02-30", "from"),
    ("date and time", "?to=2026-01-01T00:00:00", "to"),
    ("range reversed", "?from=2026-05-02&to=2026-05-01", "from"),
    ("bad case number", "?case_number=../../etc/passwd", "case_number"),
    ("regex case number", "?case_number=.*", "case_number"),
]


@pytest.mark.parametrize("name,query,field", LIST_CASES, ids=[c[0] for c in LIST_CASES])
def test_listing_rejects_bad_queries(api, world, name, query, field):
    token = world["case"].tokens[world["owner"]]
    error = error_of(api.get("/api/v1/mailbox/notifications" + query, token), 422)
    assert field in error["details"]["fields"], error


# --- someone else's notice ----------------------------------------------------------------------------------
def test_someone_elses_notice_is_not_found_for_everyone_else_and_audited(api, stack, world):
    case, owner, other = world["case"], world["owner"], world["other"]
    target = world["notices"][other]  # never opened by its owner
    before = snapshot(stack)
    strangers = {"another lawyer on the case": case.tokens[owner], "a lawyer elsewhere": api.lawyer(),
                 "the court's clerk": case.clerk, "the judge": case.judge, "a citizen": api.citizen(),
                 "an admin": api.admin()}
    missing = error_of(api.get("/api/v1/mailbox/notifications/0123456789abcdef0123456789abcdef", case.tokens[owner]),
                       404, "notification_not_found")
    for who, token in strangers.items():
        for suffix in ("", "/document", "/evidence"):
            response = api.get(f"/api/v1/mailbox/notifications/{target}{suffix}", token)
            body = error_of(response, 404, "notification_not_found")
            assert body["message"] == missing["message"], who  # the same answer as for a notice that does not exist
    assert snapshot(stack) == before
    stored = stack.db("mailbox").notifications.find_one({"_id": target})
    assert stored["accessed_at"] is None and stored["served_at"] is None
    denied = stack.db("mailbox").audit.count_documents({"target": f"notification:{target}", "outcome": "denied"})
    assert denied == len(strangers) * 3
    # the service itself refuses, whoever calls it (not only the gateway)
    with ClusterRpcProxy({**load_config(), "AMQP_URI": stack.amqp_uri}) as cluster:
        with pytest.raises(NotFound):
            cluster.mailbox.open_notification({"sub": case.subs[0], "role": "lawyer", "bar_number": "1"}, target)
        with pytest.raises(Forbidden):
            cluster.mailbox.add_closure({"sub": "abogado.astuto", "role": "lawyer"},
                                        {"date": "2027-06-01", "court_id": None, "reason": "Por qué no"})
        with pytest.raises(Forbidden):
            cluster.mailbox.case_notifications({"sub": case.subs[0], "role": "lawyer"}, case.case_number, {})
    assert snapshot(stack) == before


@pytest.mark.parametrize("notification_id", ["x", "0123456789ABCDEF0123456789ABCDEF", "%7B%22%24ne%22%3Anull%7D",
                                             "a" * 4000, "..%2F..%2Fetc", "%00"])
def test_malformed_notice_ids_are_not_found(api, stack, world, notification_id):
    before = snapshot(stack)
    token = world["case"].tokens[world["owner"]]
    for suffix in ("", "/document", "/evidence"):
        response = api.get(f"/api/v1/mailbox/notifications/{notification_id}{suffix}", token)
        assert response.status_code == 404, response.text
    assert snapshot(stack) == before


def test_notices_cannot_be_edited_or_deleted_through_any_method(api, stack, world):
    nid = world["notices"][world["owner"]]
    token = world["case"].tokens[world["owner"]]
    before = stack.db("mailbox").notifications.find_one({"_id": nid})
    for method in ("PUT", "PATCH", "DELETE", "POST"):
        for path in (f"/api/v1/mailbox/notifications/{nid}", "/api/v1/mailbox/notifications",
                     f"/api/v1/mailbox/notifications/{nid}/evidence"):
            response = api.http.request(method, api.url + path, headers=api.auth(token),
                                        json={"accessed_at": None, "served_at": None}, timeout=30)
            assert response.status_code == 405, (method, path, response.text)
    assert stack.db("mailbox").notifications.find_one({"_id": nid}) == before


# --- the court's board ------------------------------------------------------------------------------------------
def test_the_board_is_only_for_the_courts_staff(api, stack, world):
    case = world["case"]
    path = f"/api/v1/cases/{case.case_number}/notifications"
    audit = stack.db("mailbox").audit
    denied_before = audit.count_documents({"target": f"case:{case.case_number}", "outcome": "denied"})
    for token in (case.tokens[world["owner"]], api.lawyer(), api.citizen(), api.admin(), api.clerk("01001"),
                  api.judge("01010")):
        error_of(api.get(path, token), 403, "forbidden")
    assert audit.count_documents({"target": f"case:{case.case_number}", "outcome": "denied"}) == denied_before + 6
    error_of(api.get("/api/v1/cases/01002-2026-99999/notifications", case.clerk), 404, "case_not_found")
    error_of(api.get("/api/v1/cases/no-es-un-numero/notifications", case.clerk), 404, "case_not_found")
    assert "x" in error_of(api.get(path + "?x=1", case.clerk), 422)["details"]["fields"]
    assert "limit" in error_of(api.get(path + "?limit=501", case.clerk), 422)["details"]["fields"]
    assert "cursor" in error_of(api.get(path + "?cursor=%E2%9C%93", case.clerk), 422)["details"]["fields"]
    assert len(api.get(path, case.judge).json()["items"]) == 2


# --- calendar -------------------------------------------------------------------------------------------------------
CLOSURE_CASES = [
    ("missing date", {"court_id": "01001", "reason": "Motivo"}, 422, "date"),
    ("impossible date", {"date": "2027-02-30", "court_id": "01001", "reason": "Motivo"}, 422, "date"),
    ("date with time", {"date": "2027-02-03T00:00:00Z", "court_id": "01001", "reason": "Motivo"}, 422, "date"),
    ("date as number", {"date": 20270203, "court_id": "01001", "reason": "Motivo"}, 422, "date"),
    ("far future", {"date": "2099-02-03", "court_id": "01001", "reason": "Motivo"}, 422, "date"),
    ("a Saturday", {"date": "2027-02-06", "court_id": "01001", "reason": "Motivo"}, 409, "date"),
    ("a holiday", {"date": "2027-03-25", "court_id": None, "reason": "Jueves Santo"}, 409, "date"),
    ("court id omitted", {"date": "2027-02-03", "reason": "Motivo"}, 422, "court_id"),
    ("bad court id", {"date": "2027-02-03", "court_id": "1", "reason": "Motivo"}, 422, "court_id"),
    ("unknown court", {"date": "2027-02-03", "court_id": "09999", "reason": "Motivo"}, 404, None),
    ("missing reason", {"date": "2027-02-03", "court_id": "01001"}, 422, "reason"),
    ("empty reason", {"date": "2027-02-03", "court_id": "01001", "reason": ""}, 422, "reason"),
    ("huge reason", {"date": "2027-02-03", "court_id": "01001", "reason": "x" * 301}, 422, "reason"),
    ("extra field", {"date": "2027-02-03", "court_id": "01001", "reason": "Motivo", "retroactive": True}, 422, "retroactive"),
]


@pytest.mark.parametrize("name,body,status,field", CLOSURE_CASES, ids=[c[0] for c in CLOSURE_CASES])
def test_closures_reject_bad_bodies(api, stack, name, body, status, field):
    before = snapshot(stack)
    error = error_of(api.post_json("/api/v1/calendar/closures", body, api.admin()), status)
    if field:
        assert field in error["details"]["fields"], error
    assert snapshot(stack) == before


def test_only_an_admin_adds_closures(api, stack):
    before = snapshot(stack)
    body = {"date": "2027-02-03", "court_id": "01001", "reason": "Motivo"}
    for token in (api.lawyer(), api.clerk("01001"), api.judge("01001"), api.citizen()):
        error_of(api.post_json("/api/v1/calendar/closures", body, token), 403, "forbidden")
    error_of(api.http.post(api.url + "/api/v1/calendar/closures", data="no es json",
                           headers={**api.auth(api.admin()), "Content-Type": "application/json"}), 400, "malformed_json")
    error_of(api.http.post(api.url + "/api/v1/calendar/closures", data=json.dumps(body),
                           headers={**api.auth(api.admin()), "Content-Type": "text/plain"}), 415)
    assert snapshot(stack) == before


@pytest.mark.parametrize("query,field", [("?year=dos mil", "year"), ("?year=1800", "year"), ("?year=2026&year=2027", "year"),
                                         ("?pais=GT", "pais"), ("?year=2026.5", "year")])
def test_holidays_reject_bad_queries(api, query, field):
    assert field in error_of(api.get("/api/v1/calendar/holidays" + query), 422)["details"]["fields"]


def test_closure_listing_rejects_bad_queries(api):
    token = api.lawyer()
    assert "court_id" in error_of(api.get("/api/v1/calendar/closures?court_id=x", token), 422)["details"]["fields"]
    assert "desde" in error_of(api.get("/api/v1/calendar/closures?desde=1", token), 422)["details"]["fields"]


# --- evidence ---------------------------------------------------------------------------------------------------------
def edited(document, path, value):
    copy_ = copy.deepcopy(document)
    target = copy_["evidence"]
    *parents, last = path.split(".")
    for key in parents:
        target = target[key]
    if value is REMOVE:
        del target[last]
    else:
        target[last] = value
    return copy_


REMOVE = object()
EDITS = [
    ("summary", "Se declara sin lugar la demanda", ["summary"]),
    ("recipient.name", "Lic. Otro Nombre", ["recipient.name"]),
    ("recipient.sub", "abogado.impostor", ["recipient.sub"]),
    ("accessed_at", "2025-01-01T00:00:00.000Z", ["accessed_at"]),
    ("served_by", "lapse", ["served_by"]),
    ("due_date", "2099-12-31", ["due_date"]),
    ("term_days", 30, ["term_days"]),
    ("term_days", "3", ["term_days"]),
    ("document_sha256", "0" * 64, ["document_sha256"]),
    ("available_at", "2026-01-01T00:00:00.000Z", ["available_at"]),
    ("served_at", REMOVE, ["served_at"]),
    ("court_id", "01001", ["court_id"]),
    ("generated_at", "2020-01-01T00:00:00.000Z", ["generated_at"]),
    ("dictamen", "añadido", ["dictamen"]),
]


@pytest.mark.parametrize("path,value,altered", EDITS, ids=[f"{e[0]}={e[1]!r}"[:40] for e in EDITS])
def test_an_edited_evidence_names_the_altered_field(api, stack, world, path, value, altered):
    before = snapshot(stack)
    document = edited(world["evidence"], path, value)
    result = api.post_json("/api/v1/public/evidence/verify", document)
    assert result.status_code == 200, result.text
    result = result.json()
    assert result["valid"] is False
    assert result["altered_fields"] == altered
    codes = {(e["field"], e["code"]) for e in result["errors"]}
    assert ("signature", "bad_signature") in codes
    assert all(("evidence." + field, "altered_field") in codes for field in altered)
    assert all(e["message"] for e in result["errors"])
    assert snapshot(stack) == before


def test_a_forged_evidence_is_rejected_and_its_lies_named(api, stack, world):
    forger = EvidenceSigner(generate_key())
    genuine = world["evidence"]
    # a signature by another key over the true content: the key is unknown
    forged = forger.sign(genuine["evidence"])
    result = api.post_json("/api/v1/public/evidence/verify", forged).json()
    assert result["valid"] is False and result["altered_fields"] == []
    assert ("key_id", "unknown_key") in {(e["field"], e["code"]) for e in result["errors"]}
    # ... and over a lie, claiming the genuine key id
    lie = forger.sign({**genuine["evidence"], "accessed_at": None, "served_by": "lapse"})
    lie["key_id"] = genuine["key_id"]
    result = api.post_json("/api/v1/public/evidence/verify", lie).json()
    assert result["valid"] is False and result["altered_fields"] == ["accessed_at", "served_by"]
    assert ("signature", "bad_signature") in {(e["field"], e["code"]) for e in result["errors"]}
    # a notice that does not exist
    ghost = forger.sign({**genuine["evidence"], "notification_id": "f" * 32})
    ghost["key_id"] = genuine["key_id"]
    result = api.post_json("/api/v1/public/evidence/verify", ghost).json()
    assert result["valid"] is False
    assert ("evidence.notification_id", "unknown_notification") in {(e["field"], e["code"]) for e in result["errors"]}


STRUCTURE = [
    ("signature tampered", lambda d: {**d, "signature": d["signature"][:10] + ("A" if d["signature"][10] != "A" else "B")
                                      + d["signature"][11:]}, ("signature", "bad_signature")),
    ("signature not base64", lambda d: {**d, "signature": "¡firma!"}, ("signature", "invalid_base64")),
    ("signature missing", lambda d: {k: v for k, v in d.items() if k != "signature"}, ("signature", "missing_field")),
    ("algorithm swapped", lambda d: {**d, "algorithm": "none"}, ("algorithm", "unsupported_algorithm")),
    ("key id unknown", lambda d: {**d, "key_id": "0000000000000000"}, ("key_id", "unknown_key")),
    ("evidence not an object", lambda d: {**d, "evidence": "todo en orden"}, ("evidence", "invalid_type")),
    ("extra top-level field", lambda d: {**d, "valid": True}, ("valid", "unexpected_field")),
    ("empty document", lambda d: {}, ("evidence", "missing_field")),
]


@pytest.mark.parametrize("name,change,expected", STRUCTURE, ids=[s[0] for s in STRUCTURE])
def test_structurally_broken_evidence_is_not_valid(api, world, name, change, expected):
    result = api.post_json("/api/v1/public/evidence/verify", change(copy.deepcopy(world["evidence"])))
    assert result.status_code == 200, result.text
    result = result.json()
    assert result["valid"] is False
    assert expected in {(e["field"], e["code"]) for e in result["errors"]}, result


def test_values_the_bus_cannot_carry_get_a_verdict_or_a_named_error_never_a_500(api, stack, world):
    """A JSON integer beyond 64 bits once reached msgpack on its way to the service and answered 500."""
    before = snapshot(stack)
    post = api.http.post
    document = copy.deepcopy(world["evidence"])
    raw = json.dumps(document).replace('"evidence": {', '"evidence": {"big": 123456789012345678901234567890, ', 1)
    verdict = post(api.url + "/api/v1/public/evidence/verify", data=raw, headers={"Content-Type": "application/json"})
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["valid"] is False and "big" in verdict.json()["altered_fields"]
    for name, value in (("term_days", 2 ** 70), ("summary", "con\x00nulo"), ("recipient", {"sub": 10 ** 30})):
        edited_document = copy.deepcopy(world["evidence"])
        edited_document["evidence"][name] = value
        verdict = api.post_json("/api/v1/public/evidence/verify", edited_document)
        assert verdict.status_code == 200, (name, verdict.text)
        assert verdict.json()["valid"] is False
    error = error_of(post(api.url + "/api/v1/public/evidence/verify", data='{"evidence": {"term_days": 1e999}}',
                          headers={"Content-Type": "application/json"}), 422)
    assert "evidence.term_days" in error["details"]["fields"]
    error_of(post(api.url + "/api/v1/public/evidence/verify", data='{"evidence": Infinity}',
                  headers={"Content-Type": "application/json"}), 400, "malformed_json")
    assert snapshot(stack) == before


def test_verify_rejects_what_is_not_a_json_object(api):
    post = api.http.post
    error_of(post(api.url + "/api/v1/public/evidence/verify", data="{", headers={"Content-Type": "application/json"}),
             400, "malformed_json")
    error_of(post(api.url + "/api/v1/public/evidence/verify", data="[1, 2]", headers={"Content-Type": "application/json"}), 422)
    error_of(post(api.url + "/api/v1/public/evidence/verify", data="x", headers={"Content-Type": "text/plain"}), 415)
    deep = "[" * 5000 + "]" * 5000
    assert post(api.url + "/api/v1/public/evidence/verify", data=deep,
                headers={"Content-Type": "application/json"}).status_code in (400, 422)
    nested = {"evidence": {"notification_id": "a"}, "x": [[[[[[[[[[[["hondo"]]]]]]]]]]]]}
    verdict = api.post_json("/api/v1/public/evidence/verify", nested)
    assert verdict.status_code == 200 and verdict.json()["valid"] is False
    assert verdict.json()["errors"][0]["code"] == "invalid_document"
    deeper = {"evidence": {}, "x": json.loads("[" * 40 + "]" * 40)}
    assert "x" in next(iter(error_of(api.post_json("/api/v1/public/evidence/verify", deeper), 422)["details"]["fields"]))
    error_of(api.post_json("/api/v1/public/evidence/verify", {"evidence": "x" * 70_000}), 413)
    # the public keys are always there
    keys = api.get("/api/v1/public/evidence/keys").json()["keys"]
    assert keys and all(len(base64.b64decode(k["public_key"])) == 32 for k in keys)
