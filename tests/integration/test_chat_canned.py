"""Canned responses of the chat against the real stack: supervisors add, change and delete them (each write audited),
chat staff list them, nobody else touches them (an authorization matrix, enforced by the chat service too); hostile
bodies get a clear error and store nothing; a reply that starts with /shortcode reaches the loopback Graph API
server with the canned text in its place, and an unknown or malformed shortcode is refused with nothing queued or
sent."""
import datetime
import itertools
import json
import time
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.runtime.config import load_config
from services.runtime.errors import Forbidden
from tests.support import whatsapp as wa

pytestmark = pytest.mark.stack

LINE = wa.LINES[1]
BASE = "/api/v1/chat/canned-responses"
HORARIO = "Nuestro horario de atención es de lunes a viernes de 8:00 a 15:00."
_serial = itertools.count(1)


def new_shortcode(prefix="atajo"):
    return f"{prefix}-{uuid.uuid4().hex[:6]}{next(_serial)}"


@pytest.fixture(scope="module")
def tokens(stack, api):
    return {"chat_agent": stack.token("agente.atajos", "chat_agent", name="Agente Atajos"),
            "chat_supervisor": stack.token("supervisora.atajos", "chat_supervisor", name="Supervisora Atajos"),
            "lawyer": api.lawyer("abogado.atajos"), "clerk": api.clerk(), "judge": api.judge(),
            "citizen": api.citizen(), "admin": api.admin(),
            "notary": stack.token("notario.atajos", "notary", name="Notario", bar_number="777"),
            "anonymous": None}


def put(api, path, body, token):
    return api.http.put(f"{api.url}{path}", json=body, headers=api.auth(token), timeout=30)


def delete(api, path, token):
    return api.http.delete(f"{api.url}{path}", headers=api.auth(token), timeout=30)


def add(api, token, shortcode, text=HORARIO):
    return api.post_json(BASE, {"shortcode": shortcode, "text": text}, token)


def added(api, tokens, text=HORARIO, prefix="atajo"):
    shortcode = new_shortcode(prefix)
    response = add(api, tokens["chat_supervisor"], shortcode, text)
    assert response.status_code == 201, response.text
    return shortcode


def snapshot(stack):
    db = stack.db("chat")
    return {"canned": sorted((d["_id"], d["text"], d["updated_at"]) for d in db.canned_responses.find()),
            "messages": db.messages.count_documents({}), "sends": db.sends.count_documents({}),
            "allowed_writes": db.audit.count_documents({"action": {"$in": ["add_canned_response",
                                                                            "update_canned_response",
                                                                            "delete_canned_response"]},
                                                        "outcome": "allowed"})}


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"]
    if code:
        assert body["error"] == code, body
    return body


def reply(api, token, conversation_id, text):
    return api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages", {"text": text}, token)


# --- create, list, edit, delete -------------------------------------------------------------------------------------
def test_a_supervisor_adds_changes_and_deletes_and_every_write_is_audited(stack, api, tokens):
    supervisor, agent = tokens["chat_supervisor"], tokens["chat_agent"]
    shortcode = new_shortcode("horario")
    created = add(api, supervisor, shortcode)
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["shortcode"] == shortcode and body["text"] == HORARIO
    assert body["created_by"] == body["updated_by"] == {"sub": "supervisora.atajos", "name": "Supervisora Atajos"}
    assert body["created_at"] == body["updated_at"]
    # chat staff list them, in shortcode order
    listed = api.get(BASE, agent)
    assert listed.status_code == 200, listed.text
    items = listed.json()["items"]
    assert body in items and [i["shortcode"] for i in items] == sorted(i["shortcode"] for i in items)
    # a new text; the shortcode stays
    changed = put(api, f"{BASE}/{shortcode}", {"text": "Horario: *lunes a viernes*, de 8:00 a 15:30."}, supervisor)
    assert changed.status_code == 200, changed.text
    assert changed.json()["text"] == "Horario: *lunes a viernes*, de 8:00 a 15:30."
    assert changed.json()["created_at"] == body["created_at"] and changed.json()["updated_at"] >= body["updated_at"]
    stored = stack.db("chat").canned_responses.find_one({"_id": shortcode})
    assert stored["text"] == "Horario: *lunes a viernes*, de 8:00 a 15:30."
    removed = delete(api, f"{BASE}/{shortcode}", supervisor)
    assert removed.status_code == 200 and removed.json()["shortcode"] == shortcode
    assert stack.db("chat").canned_responses.find_one({"_id": shortcode}) is None
    assert shortcode not in [i["shortcode"] for i in api.get(BASE, agent).json()["items"]]
    entries = list(stack.db("chat").audit.find({"target": f"canned_response:{shortcode}"}).sort("at", 1))
    assert [(e["action"], e["outcome"], e["actor"]["sub"]) for e in entries] == [
        ("add_canned_response", "allowed", "supervisora.atajos"),
        ("update_canned_response", "allowed", "supervisora.atajos"),
        ("delete_canned_response", "allowed", "supervisora.atajos")]
    assert entries[0]["details"]["text"] == HORARIO
    assert entries[1]["details"]["previous_text"] == HORARIO
    assert entries[2]["details"]["text"] == "Horario: *lunes a viernes*, de 8:00 a 15:30."
    # gone: 404 for both, nothing written
    before = snapshot(stack)
    error_of(put(api, f"{BASE}/{shortcode}", {"text": "Otro"}, supervisor), 404, "canned_response_not_found")
    error_of(delete(api, f"{BASE}/{shortcode}", supervisor), 404, "canned_response_not_found")
    assert snapshot(stack) == before


def test_a_shortcode_taken_is_409_and_the_stored_text_stays(stack, api, tokens):
    shortcode = added(api, tokens)
    before = snapshot(stack)
    body = error_of(add(api, tokens["chat_supervisor"], shortcode, "Otro texto"), 409, "canned_response_exists")
    assert f"/{shortcode}" in body["message"] and "shortcode" in body["details"]["fields"]
    assert snapshot(stack) == before
    assert stack.db("chat").canned_responses.find_one({"_id": shortcode})["text"] == HORARIO


def test_past_the_bound_a_new_one_is_409_and_nothing_is_stored(stack, api, tokens):
    """At most MAX_CANNED_RESPONSES (the inbox lists them all without paging): filled to the bound directly in the
    database, then taken away again."""
    from services.chat.domain import MAX_CANNED_RESPONSES
    collection = stack.db("chat").canned_responses
    missing = MAX_CANNED_RESPONSES - collection.count_documents({})
    filler = [f"relleno-{uuid.uuid4().hex[:8]}" for _ in range(max(missing, 0))]
    by = {"sub": "relleno", "name": None}
    now = datetime.datetime.now(datetime.timezone.utc)
    if filler:
        collection.insert_many([{"_id": code, "text": "Relleno", "created_at": now, "created_by": by,
                                 "updated_at": now, "updated_by": by} for code in filler])
    try:
        before = snapshot(stack)
        body = error_of(add(api, tokens["chat_supervisor"], new_shortcode("lleno")), 409, "canned_responses_full")
        assert "500" in body["message"]
        assert snapshot(stack) == before
        assert len(api.get(BASE, tokens["chat_agent"]).json()["items"]) == MAX_CANNED_RESPONSES
    finally:
        collection.delete_many({"_id": {"$in": filler}})


# --- who may ---------------------------------------------------------------------------------------------------------
def attempts(shortcode):
    return [("GET", BASE, None), ("POST", BASE, {"shortcode": new_shortcode("matriz"), "text": "Texto de la matriz"}),
            ("PUT", f"{BASE}/{shortcode}", {"text": "Cambiado por la matriz"}), ("DELETE", f"{BASE}/{shortcode}", None)]


def call(api, method, path, body, token):
    if method == "GET":
        return api.get(path, token)
    if method == "POST":
        return api.post_json(path, body, token)
    return put(api, path, body, token) if method == "PUT" else delete(api, path, token)


@pytest.mark.parametrize("role,expected", [
    ("anonymous", {"GET": 401, "POST": 401, "PUT": 401, "DELETE": 401}),
    ("lawyer", {"GET": 403, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("clerk", {"GET": 403, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("judge", {"GET": 403, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("citizen", {"GET": 403, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("admin", {"GET": 403, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("notary", {"GET": 403, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("chat_agent", {"GET": 200, "POST": 403, "PUT": 403, "DELETE": 403}),
    ("chat_supervisor", {"GET": 200, "POST": 201, "PUT": 200, "DELETE": 200}),
])
def test_authorization_matrix(stack, api, tokens, role, expected):
    shortcode = added(api, tokens, prefix="matriz")
    before = snapshot(stack)
    for method, path, body in attempts(shortcode):
        response = call(api, method, path, body, tokens[role])
        assert response.status_code == expected[method], (role, method, path, response.text)
        if expected[method] >= 400:
            error_of(response, expected[method])
    if role != "chat_supervisor":
        assert snapshot(stack) == before
        assert stack.db("chat").canned_responses.find_one({"_id": shortcode})["text"] == HORARIO
    if role == "chat_agent":  # the service refused the writes itself, on record
        denied = stack.db("chat").audit.count_documents({"actor.sub": "agente.atajos", "outcome": "denied",
                                                         "action": {"$regex": "canned_response$"}})
        assert denied >= 3


@pytest.mark.parametrize("role", ["chat_agent", "lawyer", "admin"])
def test_the_chat_service_refuses_writes_itself_and_audits_them(stack, api, tokens, role):
    """Authorization is the owner's: a call that skips the gateway is refused by the chat service."""
    shortcode = added(api, tokens, prefix="directo")
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    actor = {"sub": f"directo-atajos-{role}", "role": role, "name": "Directo", "bar_number": "1"}
    before = snapshot(stack)
    with ClusterRpcProxy(config, timeout=10) as cluster:
        with pytest.raises(Forbidden):
            cluster.chat.add_canned_response(actor, {"shortcode": new_shortcode("directo"), "text": "Directo"})
        with pytest.raises(Forbidden):
            cluster.chat.update_canned_response(actor, shortcode, {"text": "Directo"})
        with pytest.raises(Forbidden):
            cluster.chat.delete_canned_response(actor, shortcode)
    assert snapshot(stack) == before
    assert stack.db("chat").audit.count_documents({"actor.sub": f"directo-atajos-{role}", "outcome": "denied"}) == 3


# --- hostile input ------------------------------------------------------------------------------------------------------
HOSTILE_CREATE = [
    ("not json", b'{"shortcode": "x", text', "application/json", 400, None),
    ("form", b"shortcode=x&text=hola", "application/x-www-form-urlencoded", 415, None),
    ("array", b"[]", "application/json", 422, None),
    ("missing shortcode", {"text": HORARIO}, None, 422, "shortcode"),
    ("missing text", {"shortcode": "faltante"}, None, 422, "text"),
    ("empty", {}, None, 422, "shortcode"),
    ("text too long", {"shortcode": "largo", "text": "x" * 1025}, None, 422, "text"),
    ("shortcode too long", {"shortcode": "a" * 33, "text": HORARIO}, None, 422, "shortcode"),
    ("body too large", {"shortcode": "enorme", "text": "x" * (70 * 1024)}, None, 413, None),
    ("text a number", {"shortcode": "numero", "text": 5}, None, 422, "text"),
    ("shortcode a number", {"shortcode": 5, "text": HORARIO}, None, 422, "shortcode"),
    ("text an operator", {"shortcode": "operador", "text": {"$ne": None}}, None, 422, "text"),
    ("shortcode an operator", {"shortcode": {"$gt": ""}, "text": HORARIO}, None, 422, "shortcode"),
    ("shortcode a list", {"shortcode": ["lista"], "text": HORARIO}, None, 422, "shortcode"),
    ("null text", {"shortcode": "nulo", "text": None}, None, 422, "text"),
    ("blank text", {"shortcode": "blanco", "text": "  \n\t"}, None, 422, "text"),
    ("NUL", {"shortcode": "nul", "text": "hola\u0000"}, None, 422, "text"),
    ("HTML text", {"shortcode": "html", "text": "<b>Horario</b> de 8 a 15"}, None, 422, "text"),
    ("script text", {"shortcode": "script", "text": "<script>alert('x')</script>"}, None, 422, "text"),
    ("text starting with a slash", {"shortcode": "barra", "text": "/otro atajo"}, None, 422, "text"),
    ("HTML shortcode", {"shortcode": "<b>x</b>", "text": HORARIO}, None, 422, "shortcode"),
    ("uppercase shortcode", {"shortcode": "Horario", "text": HORARIO}, None, 422, "shortcode"),
    ("accented shortcode", {"shortcode": "atención", "text": HORARIO}, None, 422, "shortcode"),
    ("slash in shortcode", {"shortcode": "/horario", "text": HORARIO}, None, 422, "shortcode"),
    ("shortcode with a newline", {"shortcode": "horario\n", "text": HORARIO}, None, 422, "shortcode"),
    ("extra field", {"shortcode": "extra", "text": HORARIO, "author": "yo"}, None, 422, "author"),
]


@pytest.mark.parametrize("name,body,content_type,status,field", HOSTILE_CREATE, ids=[c[0] for c in HOSTILE_CREATE])
def test_hostile_creations_store_nothing(stack, api, tokens, name, body, content_type, status, field):
    before = snapshot(stack)
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = api.http.post(f"{api.url}{BASE}", data=raw, timeout=30,
                             headers={**api.auth(tokens["chat_supervisor"]),
                                      "Content-Type": content_type or "application/json"})
    refused = error_of(response, status)
    if field:
        assert field in refused["details"]["fields"], refused
    assert snapshot(stack) == before


HOSTILE_UPDATE = [
    ("missing text", {}, 422, "text"),
    ("too long", {"text": "x" * 1025}, 422, "text"),
    ("a number", {"text": 12}, 422, "text"),
    ("an operator", {"text": {"$set": "x"}}, 422, "text"),
    ("blank", {"text": " "}, 422, "text"),
    ("HTML", {"text": "<i>cursiva</i>"}, 422, "text"),
    ("script", {"text": "Hola <script src=//x.example/a.js></script>"}, 422, "text"),
    ("renaming", {"text": HORARIO, "shortcode": "otro"}, 422, "shortcode"),
]


@pytest.mark.parametrize("name,body,status,field", HOSTILE_UPDATE, ids=[c[0] for c in HOSTILE_UPDATE])
def test_hostile_updates_change_nothing(stack, api, tokens, name, body, status, field):
    shortcode = added(api, tokens, prefix="cambio")
    before = snapshot(stack)
    refused = error_of(put(api, f"{BASE}/{shortcode}", body, tokens["chat_supervisor"]), status)
    assert field in refused["details"]["fields"], refused
    assert snapshot(stack) == before


@pytest.mark.parametrize("shortcode", ["Horario", "a" * 33, "_x", "%3Cb%3E", "a%20b", "hor%C3%A1rio"])
def test_malformed_shortcodes_in_the_path_are_404_without_reaching_the_service(stack, api, tokens, shortcode):
    supervisor = tokens["chat_supervisor"]
    before = snapshot(stack)
    audits = stack.db("chat").audit.count_documents({})
    error_of(put(api, f"{BASE}/{shortcode}", {"text": "x"}, supervisor), 404)
    error_of(delete(api, f"{BASE}/{shortcode}", supervisor), 404)
    assert snapshot(stack) == before and stack.db("chat").audit.count_documents({}) == audits


def test_a_list_takes_no_query(api, tokens):
    error_of(api.get(f"{BASE}?q=horario", tokens["chat_agent"]), 422)


# --- expansion in a reply ------------------------------------------------------------------------------------------------
@pytest.fixture
def conversation(stack, sender):
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "¿Cuál es el horario del juzgado?", sender=sender)
    return conversation_id, wa_id


def test_a_reply_with_a_shortcode_reaches_whatsapp_with_the_canned_text(stack, api, graph, tokens, conversation):
    conversation_id, wa_id = conversation
    shortcode = added(api, tokens, prefix="horario")
    response = reply(api, tokens["chat_agent"], conversation_id, f"/{shortcode}")
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["text"] == HORARIO and queued["canned"] == shortcode
    [sent] = graph.wait_for(wa_id)
    assert sent.body["text"] == {"preview_url": False, "body": HORARIO} and sent.phone_number_id == LINE
    stored = stack.db("chat").messages.find_one({"_id": queued["message_id"]})
    assert stored["text"] == HORARIO and stored["canned"] == shortcode
    entry = stack.db("chat").audit.find_one({"action": "reply", "details.message_id": queued["message_id"]})
    assert entry["details"]["canned"] == shortcode
    # what follows the shortcode is kept after the canned text, as typed
    more = reply(api, tokens["chat_agent"], conversation_id, f"/{shortcode}\nSu expediente es el 01001-2026-00012.")
    assert more.status_code == 202, more.text
    sent = graph.wait_for(wa_id, count=2)
    assert sent[1].body["text"]["body"] == HORARIO + "\nSu expediente es el 01001-2026-00012."
    # the conversation shows them as sent, with the expanded text
    shown = api.get(f"/api/v1/chat/conversations/{conversation_id}", tokens["chat_agent"]).json()["messages"]
    assert [m["text"] for m in shown if m["direction"] == "out"] == [HORARIO, sent[1].body["text"]["body"]]


def test_an_edited_response_goes_with_its_new_text_and_a_deleted_one_is_refused(stack, api, graph, tokens,
                                                                                  conversation):
    conversation_id, wa_id = conversation
    shortcode = added(api, tokens, prefix="plazo")
    supervisor, agent = tokens["chat_supervisor"], tokens["chat_agent"]
    assert put(api, f"{BASE}/{shortcode}", {"text": "El plazo es de 3 días hábiles."}, supervisor).status_code == 200
    assert reply(api, agent, conversation_id, f"/{shortcode}").status_code == 202
    [sent] = graph.wait_for(wa_id)
    assert sent.body["text"]["body"] == "El plazo es de 3 días hábiles."
    assert delete(api, f"{BASE}/{shortcode}", supervisor).status_code == 200
    before = snapshot(stack)
    body = error_of(reply(api, agent, conversation_id, f"/{shortcode}"), 422, "unknown_canned_response")
    assert f"«/{shortcode}»" in body["message"]
    time.sleep(0.5)
    assert snapshot(stack) == before and len(graph.attempts_to(wa_id)) == 1
    # the message sent before keeps its text
    assert stack.db("chat").messages.find_one({"canned": shortcode})["text"] == "El plazo es de 3 días hábiles."


@pytest.mark.parametrize("text,code,quoted", [
    ("/no-existe-nunca", "unknown_canned_response", "«/no-existe-nunca»"),
    ("/no-existe-nunca y algo más", "unknown_canned_response", "«/no-existe-nunca»"),
    ("/Horario", "invalid_shortcode", "«/Horario»"),
    ("/ hola", "invalid_shortcode", "«/»"),
    ("/", "invalid_shortcode", "«/»"),
    ("/<script>alert(1)</script>", "invalid_shortcode", "«/<script>alert(1)</script>»"),
])
def test_an_unknown_or_malformed_shortcode_is_refused_and_nothing_is_queued_or_sent(stack, api, graph, tokens,
                                                                                    conversation, text, code, quoted):
    conversation_id, wa_id = conversation
    before = snapshot(stack)
    body = error_of(reply(api, tokens["chat_agent"], conversation_id, text), 422, code)
    assert quoted in body["message"] and "//" in body["message"]
    assert body["details"]["fields"]["text"] == body["message"]
    time.sleep(0.5)
    assert snapshot(stack) == before
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id, "direction": "out"}) == 0
    assert graph.attempts_to(wa_id) == []


def test_a_doubled_slash_sends_one_and_a_text_that_does_not_start_with_one_goes_as_typed(stack, api, graph, tokens,
                                                                                          conversation):
    conversation_id, wa_id = conversation
    agent = tokens["chat_agent"]
    assert reply(api, agent, conversation_id, "//horario no es un atajo").status_code == 202
    assert reply(api, agent, conversation_id, "Escriba /horario para ver el horario").status_code == 202
    sent = graph.wait_for(wa_id, count=2)
    assert [s.body["text"]["body"] for s in sent] == ["/horario no es un atajo", "Escriba /horario para ver el horario"]
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id, "canned": {"$ne": None}}) == 0


def test_an_expansion_past_whatsapps_limit_is_refused_and_nothing_is_sent(stack, api, graph, tokens, conversation):
    conversation_id, wa_id = conversation
    shortcode = added(api, tokens, text="x" * 1024, prefix="largo")
    before = snapshot(stack)
    text = f"/{shortcode} " + "y" * (4096 - len(shortcode) - 2)
    body = error_of(reply(api, tokens["chat_agent"], conversation_id, text), 422, "validation_error")
    assert "4096" in body["details"]["fields"]["text"]
    time.sleep(0.3)
    assert snapshot(stack) == before and graph.attempts_to(wa_id) == []


def test_a_shortcode_is_checked_before_the_window(stack, api, graph, tokens, sender):
    """Outside the 24-hour window an unknown shortcode is still a 422 about the text (bad input first), and a known
    one is the usual 409 outside_window: nothing queued either way."""
    conversation_id, wa_id = wa.open_conversation(stack, LINE, "Mensaje viejo", sender=sender,
                                                  timestamp=time.time() - 30 * 3600)
    shortcode = added(api, tokens, prefix="ventana")
    before = snapshot(stack)
    error_of(reply(api, tokens["chat_agent"], conversation_id, "/no-existe-tampoco"), 422, "unknown_canned_response")
    error_of(reply(api, tokens["chat_agent"], conversation_id, f"/{shortcode}"), 409, "outside_window")
    time.sleep(0.3)
    assert snapshot(stack) == before and graph.attempts_to(wa_id) == []
