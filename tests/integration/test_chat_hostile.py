"""Who may use the chat inbox (an authorization matrix, enforced by the chat service too), every read
audited, and hostile input on every chat endpoint: each gets a clear error and stores nothing."""
import json
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.runtime.config import load_config
from services.runtime.errors import Forbidden
from tests.support import whatsapp as wa

pytestmark = pytest.mark.stack

LINE = wa.LINES[0]
ZERO_ID = "0" * 32


@pytest.fixture(scope="module")
def sender(stack):
    return wa.WebhookSender(stack.url, retries=0)


@pytest.fixture(scope="module")
def world(stack, api, sender):
    tokens = {"chat_agent": stack.token("agente.matriz", "chat_agent", name="Agente Matriz"),
              "chat_agent_2": stack.token("agente.otro", "chat_agent", name="Otro Agente"),
              "chat_supervisor": stack.token("supervisora.matriz", "chat_supervisor", name="Supervisora"),
              "lawyer": api.lawyer("abogado.chat"), "clerk": api.clerk(), "judge": api.judge(),
              "citizen": api.citizen(), "admin": api.admin(), "anonymous": None}
    wa_id, wamid = wa.new_wa_id(), wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, wa_id, "Hola, tengo una duda", wamid=wamid)).status_code == 200
    deadline = time.monotonic() + 15
    message = None
    while message is None and time.monotonic() < deadline:
        message = stack.db("chat").messages.find_one({"wamid": wamid})
        time.sleep(0.05)
    assert message
    for name in ("chat_agent", "chat_agent_2", "chat_supervisor"):  # each has used the inbox once
        assert api.get("/api/v1/chat/lines", tokens[name]).status_code == 200
    return {"tokens": tokens, "conversation_id": message["conversation_id"], "wa_id": wa_id}


def snapshot(stack):
    db = stack.db("chat")
    return {name: db[name].count_documents({}) for name in ("webhooks", "messages", "conversations", "notes",
                                                             "sends", "statuses", "inquiries")} | {
        "states": sorted((c["_id"], c["status"], str(c.get("assignee"))) for c in db.conversations.find())}


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"]
    if code:
        assert body["error"] == code, body
    return body


# --- authorization ---------------------------------------------------------------------------------------------
def endpoints(conversation_id):
    base = f"/api/v1/chat/conversations/{conversation_id}"
    return [("GET", "/api/v1/chat/lines", None), ("GET", "/api/v1/chat/templates", None),
            ("GET", "/api/v1/chat/areas", None),
            ("GET", "/api/v1/chat/conversations", None), ("GET", base, None),
            ("POST", f"{base}/notes", {"text": "Nota de la matriz"}),
            ("POST", f"{base}/status", {"status": "open"}),
            ("POST", f"{base}/inquiries", {"area": "mexicali", "question": "Consulta de la matriz"}),
            ("GET", "/api/v1/chat/inquiries", None)]  # a clerk or judge lists their own court's (test_chat_inquiries.py)


@pytest.mark.parametrize("role,expected", [("anonymous", 401), ("lawyer", 403), ("clerk", 403), ("judge", 403),
                                           ("citizen", 403), ("admin", 403), ("chat_agent", 200),
                                           ("chat_supervisor", 200)])
def test_authorization_matrix(stack, api, world, role, expected):
    token = world["tokens"][role]
    before = snapshot(stack)
    for method, path, body in endpoints(world["conversation_id"]):
        response = api.get(path, token) if method == "GET" else api.post_json(path, body, token)
        wanted = 201 if expected == 200 and method == "POST" and path.endswith(("/notes", "/inquiries")) else expected
        wanted = 200 if role in ("clerk", "judge") and path == "/api/v1/chat/inquiries" else wanted
        assert response.status_code == wanted, (role, method, path, response.text)
    if expected != 200:
        assert snapshot(stack) == before


@pytest.mark.parametrize("role", ["lawyer", "clerk", "admin", "citizen"])
def test_the_chat_service_refuses_non_staff_itself_and_audits_it(stack, role):
    """Authorization is the owner's: a call that skips the gateway is refused by the chat service."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    actor = {"sub": f"directo-{role}", "role": role, "name": "Directo", "bar_number": "1", "court_id": "01001"}
    with ClusterRpcProxy(config, timeout=10) as cluster:
        with pytest.raises(Forbidden):
            cluster.chat.list_conversations(actor, {})
    assert stack.db("chat").audit.find_one({"actor.sub": f"directo-{role}", "outcome": "denied"})


def test_every_read_of_a_conversation_is_audited(stack, api, world):
    token = world["tokens"]["chat_supervisor"]
    target = f"conversation:{world['conversation_id']}"
    before = stack.db("chat").audit.count_documents({"target": target, "action": "read_conversation"})
    for _ in range(2):
        assert api.get(f"/api/v1/chat/conversations/{world['conversation_id']}", token).status_code == 200
    entries = list(stack.db("chat").audit.find({"target": target, "action": "read_conversation"}).sort("at", 1))
    assert len(entries) == before + 2
    assert [(e["actor"]["sub"], e["outcome"]) for e in entries[-2:]] == [("supervisora.matriz", "allowed")] * 2
    missing = api.get(f"/api/v1/chat/conversations/{ZERO_ID}", token)
    error_of(missing, 404, "conversation_not_found")
    assert stack.db("chat").audit.find_one({"target": f"conversation:{ZERO_ID}", "outcome": "not_found"})


def test_assignment_rules(stack, api, world):
    cid = world["conversation_id"]
    agent, other, supervisor = (world["tokens"][k] for k in ("chat_agent", "chat_agent_2", "chat_supervisor"))
    path = f"/api/v1/chat/conversations/{cid}/assign"
    taken = api.post_json(path, {"agent": "agente.matriz"}, agent)
    assert taken.status_code == 200 and taken.json()["assignee"] == {"sub": "agente.matriz", "name": "Agente Matriz"}
    error_of(api.post_json(path, {"agent": "agente.otro"}, other), 403)  # not theirs to take
    error_of(api.post_json(path, {"agent": "agente.otro"}, agent), 403)  # an agent does not hand over
    error_of(api.post_json(path, {"agent": "nadie.conocido"}, supervisor), 404, "agent_not_found")
    moved = api.post_json(path, {"agent": "agente.otro"}, supervisor)
    assert moved.status_code == 200 and moved.json()["assignee"]["sub"] == "agente.otro"
    mine = api.get("/api/v1/chat/conversations?assignee=agente.otro", other).json()["items"]
    assert [c["conversation_id"] for c in mine] == [cid]
    released = api.post_json(path, {"agent": None}, other)
    assert released.status_code == 200 and released.json()["assignee"] is None
    unassigned = api.get("/api/v1/chat/conversations?assignee=none&limit=100", other).json()["items"]
    assert cid in [c["conversation_id"] for c in unassigned]


# --- hostile webhooks (signed: bodies Meta would never send) ------------------------------------------------------
def _deep(levels):
    value = {}
    for _ in range(levels):
        value = {"a": value}
    return value


HOSTILE_BODIES = [
    ("not json", b"{object: whatsapp", 400, "malformed_json"),
    ("NaN", b'{"object": NaN}', 400, "malformed_json"),
    ("array", b"[]", 422, None),
    ("string", b'"hola"', 422, None),
    ("wrong object", json.dumps({"object": "page", "entry": []}).encode(), 422, "invalid_webhook"),
    ("no entry", json.dumps({"object": "whatsapp_business_account"}).encode(), 422, "invalid_webhook"),
    ("entry not a list", json.dumps({"object": "whatsapp_business_account", "entry": {}}).encode(), 422,
     "invalid_webhook"),
    ("changes missing", json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "1"}]}).encode(), 422,
     "invalid_webhook"),
    ("value not an object", json.dumps({"object": "whatsapp_business_account",
                                        "entry": [{"changes": [{"field": "messages", "value": []}]}]}).encode(),
     422, "invalid_webhook"),
    ("no phone_number_id", json.dumps(wa.envelope(LINE, {"metadata": {}, "messages": []})).encode(), 422,
     "invalid_webhook"),
    ("messages not a list", json.dumps(wa.envelope(LINE, {"messages": {"id": "x"}})).encode(), 422,
     "invalid_webhook"),
    ("message without id", json.dumps(wa.envelope(LINE, {"messages": [{"from": "1", "type": "text"}]})).encode(),
     422, "invalid_webhook"),
    ("message id not text", json.dumps(wa.envelope(LINE, {"messages": [{"id": {"$gt": ""}, "from": "1",
                                                                        "type": "text"}]})).encode(),
     422, "invalid_webhook"),
    ("status without id", json.dumps(wa.envelope(LINE, {"statuses": [{"status": "read"}]})).encode(), 422,
     "invalid_webhook"),
    ("nested too deep", json.dumps({"object": "whatsapp_business_account", "x": _deep(40)}).encode(), 422, None),
]


@pytest.mark.parametrize("name,raw,status,code", HOSTILE_BODIES, ids=[c[0] for c in HOSTILE_BODIES])
def test_signed_bodies_meta_would_never_send_are_refused_and_nothing_is_stored(stack, sender, name, raw, status,
                                                                               code):
    before = snapshot(stack)
    error_of(sender.post_raw(raw), status, code)
    time.sleep(0.2)
    assert snapshot(stack) == before


def test_a_body_over_the_limit_is_413_and_a_wrong_content_type_415(stack, sender):
    before = snapshot(stack)
    huge = json.dumps(wa.text_payload(LINE, wa.new_wa_id(), "x" * (1024 * 1024 + 10))).encode()
    error_of(sender.post_raw(huge), 413)
    error_of(sender.post_raw(huge, signature=None), 413)
    raw = sender.encode(wa.text_payload(LINE, wa.new_wa_id(), "Hola"))
    error_of(sender.post_raw(raw, content_type="text/plain"), 415)
    error_of(sender.post_raw(raw, signature=None, content_type="text/plain"), 401)  # the signature comes first
    assert snapshot(stack) == before


def test_a_replayed_body_changes_nothing(stack, sender, world):
    raw = sender.encode(wa.text_payload(LINE, world["wa_id"], "Repetido", wamid=wa.new_wamid()))
    assert sender.post_raw(raw).status_code == 200
    time.sleep(0.5)
    before = snapshot(stack)
    for _ in range(3):
        assert sender.post_raw(raw).status_code == 200
    time.sleep(0.5)
    assert snapshot(stack) == before


# --- hostile inbox requests ------------------------------------------------------------------------------------------
REPLY_CASES = [
    ("not json", b"{text: x", "application/json", 400),
    ("form", b"text=hola", "application/x-www-form-urlencoded", 415),
    ("array", b"[]", "application/json", 422),
    ("missing text", b"{}", "application/json", 422),
    ("blank", json.dumps({"text": "   \n"}).encode(), "application/json", 422),
    ("NUL", json.dumps({"text": "hola\u0000"}).encode(), "application/json", 422),
    ("too long", json.dumps({"text": "x" * 4097}).encode(), "application/json", 422),
    ("number", json.dumps({"text": 5}).encode(), "application/json", 422),
    ("operator", json.dumps({"text": {"$ne": None}}).encode(), "application/json", 422),
    ("extra field", json.dumps({"text": "hola", "html": "<b>x</b>"}).encode(), "application/json", 422),
]


@pytest.mark.parametrize("target", ["messages", "notes"])
@pytest.mark.parametrize("name,raw,content_type,status", REPLY_CASES, ids=[c[0] for c in REPLY_CASES])
def test_hostile_replies_and_notes_store_nothing(stack, api, world, target, name, raw, content_type, status):
    before = snapshot(stack)
    response = api.http.post(f"{api.url}/api/v1/chat/conversations/{world['conversation_id']}/{target}", data=raw,
                             headers={**api.auth(world["tokens"]["chat_agent"]), "Content-Type": content_type},
                             timeout=30)
    error_of(response, status)
    assert snapshot(stack) == before


STATUS_CASES = [
    ({"status": "closed"}, "status"),
    ({}, "status"),
    ({"status": "open", "snoozed_until": "2099-01-01T00:00:00Z"}, "snoozed_until"),
    ({"status": "snoozed", "snoozed_until": "2020-01-01T00:00:00Z"}, "snoozed_until"),
    ({"status": "snoozed", "snoozed_until": "2099-01-01T00:00:00Z"}, "snoozed_until"),
    ({"status": "snoozed", "snoozed_until": "2099-01-01T00:00:00"}, "snoozed_until"),
    ({"status": "snoozed", "snoozed_until": "mañana"}, "snoozed_until"),
]


@pytest.mark.parametrize("body,field", STATUS_CASES)
def test_hostile_status_changes_store_nothing(stack, api, world, body, field):
    before = snapshot(stack)
    response = api.post_json(f"/api/v1/chat/conversations/{world['conversation_id']}/status", body,
                             world["tokens"]["chat_agent"])
    assert field in error_of(response, 422)["details"]["fields"]
    assert snapshot(stack) == before


@pytest.mark.parametrize("body", [{}, {"agent": ""}, {"agent": "a b"}, {"agent": 5}, {"agent": "x" * 129},
                                  {"agent": "agente.matriz", "extra": 1}])
def test_hostile_assignments_store_nothing(stack, api, world, body):
    before = snapshot(stack)
    error_of(api.post_json(f"/api/v1/chat/conversations/{world['conversation_id']}/assign", body,
                           world["tokens"]["chat_supervisor"]), 422)
    assert snapshot(stack) == before


@pytest.mark.parametrize("query", ["status=cerrada", "line=abc", "assignee=a%20b", "label=MAYUS", "limit=0",
                                   "limit=101", "cursor=nada", "otro=1", "status=open&status=pending"])
def test_hostile_list_queries(api, world, query):
    error_of(api.get(f"/api/v1/chat/conversations?{query}", world["tokens"]["chat_agent"]), 422)


@pytest.mark.parametrize("conversation_id", ["abc", "G" * 32, "0" * 31, "../" + "0" * 29, "0" * 33])
def test_malformed_conversation_ids_are_404_without_reaching_the_service(api, world, conversation_id):
    token = world["tokens"]["chat_agent"]
    error_of(api.get(f"/api/v1/chat/conversations/{conversation_id}", token), 404)
    error_of(api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages", {"text": "x"}, token), 404)
