"""The chat's web channel, through the gateway's API on the real stack: a signed-in lawyer writes to the court from the
portal; the conversation reaches the staff inbox as a web one with the lawyer's name and bar number, classified
(complaints caught), SLA-counted and assignable like a WhatsApp one; an agent's reply is delivered to the lawyer's
conversation (read with GET and live on their own stream) and nothing reaches the loopback Graph API; the lawyer's
read marks the court's replies read, once, and the staff's stream hears it. Another lawyer
reads nothing of it and receives none of its events. Hostile input on every new endpoint answers its error and stores
nothing; an authorization matrix."""
import csv
import io
import time
import uuid

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.chat import LiveChangesSchema
from contracts.live import LIVE_SYSTEM_ACTOR
from services.runtime.config import load_config
from services.runtime.errors import Forbidden, ValidationFailed
from tests.support import whatsapp as wa
from tests.support.polling import wait
from tests.support.sse import Stream

pytestmark = pytest.mark.stack

WEB_LINE = wa.LINES[0]  # CHAT_WEB_LINE and CHAT_LINK_LINE are empty in the suite: the first line
CONVERSATION = "/api/v1/chat/web/conversation"
MESSAGES = "/api/v1/chat/web/messages"
STREAM = "/api/v1/chat/web/stream"
COMPLAINT = "Llevo tres semanas esperando y nadie contesta el teléfono del juzgado"
QUESTION = "¿Cuál es el horario de la oficialía de partes?"


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.web", "chat_agent", name="Agente Web")


def new_lawyer(api, name="Lcda. Web"):
    sub = f"abogada.web.{uuid.uuid4().hex[:8]}"
    bar = str(40000 + uuid.uuid4().int % 50000)
    return sub, bar, api.lawyer(sub, name=name, bar_number=bar)


def write(api, token, text, key=None):
    headers = {"Idempotency-Key": key} if key else {}
    return api.post_json(MESSAGES, {"text": text}, token, headers=headers)


def web_doc(stack, sub):
    return stack.db("chat").conversations.find_one({"line": WEB_LINE, "wa_id": f"web:{sub}"})


def stored(stack, sub):
    """What the lawyer's web channel has stored: their conversations, messages and idempotency records."""
    db = stack.db("chat")
    ids = [d["_id"] for d in db.conversations.find({"wa_id": f"web:{sub}"}, {"_id": 1})]
    return {"conversations": len(ids), "messages": db.messages.count_documents({"conversation_id": {"$in": ids}}),
            "records": db.idempotency.count_documents({"_id": {"$regex": f"^{sub}\\|"}})}


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"], body
    if code:
        assert body["error"] == code, body
    return body


def graph_texts(graph):
    with graph.lock:
        return [str(attempt.body) for attempt in graph.attempts]


def test_a_lawyer_writes_an_agent_answers_and_the_lawyer_reads_it_live_with_nothing_sent_to_whatsapp(
        stack, api, graph, agent):
    sub, bar, lawyer = new_lawyer(api, "Lcda. Rocío Fuentes")
    sends_before = stack.db("chat").sends.count_documents({})
    assert api.get(CONVERSATION, lawyer).json() == {"conversation_id": None, "messages": []}
    with Stream(stack.url, lawyer, path=STREAM) as stream:
        assert stream.response.status_code == 200, stream.response.text
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        response = write(api, lawyer, QUESTION)
        assert response.status_code == 201, response.text
        mine = response.json()
        assert set(mine) == {"message_id", "author", "text", "at", "automatic"}
        assert (mine["author"], mine["text"], mine["automatic"]) == ("lawyer", QUESTION, False)
        event = stream.next("message", lambda d: d["message_id"] == mine["message_id"])
        cid = event["data"]["conversation_id"]
        assert event["data"] == {"conversation_id": cid, "message_id": mine["message_id"], "direction": "in",
                                 "status": "received"}
        # the staff inbox: a web conversation with the lawyer's identity, on the web line, classified
        listed = api.get("/api/v1/chat/conversations", agent, params={"line": WEB_LINE, "limit": 100}).json()
        summary = next(item for item in listed["items"] if item["conversation_id"] == cid)
        assert summary["channel"] == "web"
        assert summary["lawyer"] == {"name": "Lcda. Rocío Fuentes", "bar_number": bar}
        assert summary["contact"]["name"] == "Lcda. Rocío Fuentes"
        assert summary["window_open"] is True and summary["window_closes_at"] is None
        assert summary["status"] == "open" and summary["unanswered"] == 1
        assert summary["sla"] is not None and summary["sla"]["first_response_due_at"]
        detail = api.get(f"/api/v1/chat/conversations/{cid}", agent).json()
        inbound = next(m for m in detail["messages"] if m["message_id"] == mine["message_id"])
        assert inbound["direction"] == "in" and inbound["classification"]["label"] == "consulta"
        # a note and an inquiry are the staff's: never the lawyer's
        assert api.post_json(f"/api/v1/chat/conversations/{cid}/notes", {"text": "Nota interna secreta"},
                             agent).status_code == 201
        reply = api.post_json(f"/api/v1/chat/conversations/{cid}/messages",
                              {"text": "De 8:00 a 15:30, de lunes a viernes."}, agent)
        assert reply.status_code == 202, reply.text
        assert reply.json()["status"] == "delivered"
        reply_id = reply.json()["message_id"]
        live = stream.next("message", lambda d: d["message_id"] == reply_id)
        assert live["data"]["direction"] == "out" and live["data"]["conversation_id"] == cid
        # the lawyer's stream carries only their conversation's messages: no note, no conversation, no agent event
        assert {e["type"] for e in stream.received} <= {"message", "message_status"}
    read = api.get(CONVERSATION, lawyer)
    assert read.status_code == 200
    view = read.json()
    assert view["conversation_id"] == cid
    texts = [(m["author"], m["text"]) for m in view["messages"] if not m["automatic"]]
    assert texts == [("lawyer", QUESTION), ("court", "De 8:00 a 15:30, de lunes a viernes.")]
    assert "Nota interna secreta" not in read.text and "Agente Web" not in read.text
    assert all(set(m) == {"message_id", "author", "text", "at", "automatic"} for m in view["messages"])
    # SLA: the person's reply met the first response; the conversation's counters like WhatsApp's
    doc = web_doc(stack, sub)
    assert doc["channel"] == "web" and doc["lawyer"] == {"sub": sub, "name": "Lcda. Rocío Fuentes",
                                                         "bar_number": bar}
    assert doc["sla"]["first_response_at"] is not None and doc["unanswered"] == 0
    # nothing to WhatsApp: no send job for any of its messages (nor the out-of-office reply), no Graph API call
    time.sleep(0.5)  # several rounds of the sender (CHAT_SEND_INTERVAL 0.1 s in the suite)
    ids = [m["_id"] for m in stack.db("chat").messages.find({"conversation_id": cid})]
    assert stack.db("chat").sends.count_documents({"message_id": {"$in": ids}}) == 0
    assert stack.db("chat").sends.count_documents({}) - sends_before >= 0
    assert not [t for t in graph_texts(graph) if f"web:{sub}" in t or "De 8:00 a 15:30" in t]
    # nothing went through WhatsApp's statuses: the lawyer's message received, the replies read by the lawyer's read
    assert {(m["direction"], m["status"]) for m in stack.db("chat").messages.find({"conversation_id": cid})} == {
        ("in", "received"), ("out", "read")}
    # the lawyer's reads are audited
    audit = stack.db("chat").audit
    assert audit.find_one({"actor.sub": sub, "action": "read_web_conversation", "outcome": "allowed",
                           "target": f"conversation:{cid}"})
    assert audit.find_one({"actor.sub": sub, "action": "web_message", "outcome": "allowed"})


def answer(api, agent, cid, text):
    reply = api.post_json(f"/api/v1/chat/conversations/{cid}/messages", {"text": text}, agent)
    assert reply.status_code == 202, reply.text
    assert reply.json()["status"] == "delivered"
    return reply.json()["message_id"]


def test_the_lawyer_s_read_marks_the_court_s_replies_read_once_and_the_staff_see_it_live(stack, api, agent):
    """Reading the web conversation is the lawyer's read receipt: the court's delivered replies it returns become
    ``read`` (never the lawyer's own messages), the staff's stream gets one ``message_status`` for each and their
    conversation shows it; a reply stored after that read stays delivered until the next read; reading again changes
    nothing; each read's audit entry names the replies it marked."""
    sub, _, lawyer = new_lawyer(api, "Lic. Lectura")
    mine = write(api, lawyer, QUESTION).json()["message_id"]
    cid = web_doc(stack, sub)["_id"]
    first = answer(api, agent, cid, "Primera respuesta del tribunal")
    db = stack.db("chat")
    given = {m["_id"] for m in db.messages.find({"conversation_id": cid, "direction": "out"})}  # the out-of-office too
    assert first in given and {m["status"] for m in db.messages.find({"_id": {"$in": list(given)}})} == {"delivered"}
    with Stream(stack.url, agent) as staff:
        assert staff.response.status_code == 200, staff.response.text
        assert api.get(CONVERSATION, lawyer).status_code == 200

        def statuses_of_this_conversation():
            return [e["data"] for e in staff.received if e["type"] == "message_status"
                    and e["data"]["conversation_id"] == cid]

        events = wait(lambda: {e["message_id"] for e in statuses_of_this_conversation()} == given
                      and statuses_of_this_conversation(), what="the staff's message_status events of the replies")
        assert {(e["message_id"], e["status"], e["error"]) for e in events} == {(m, "read", None) for m in given}
        read_at = db.messages.find_one({"_id": first})["status_at"]["read"]
        assert db.messages.find_one({"_id": mine})["status"] == "received"  # the lawyer's own message: untouched
        # a reply after the read: delivered until the lawyer reads again
        second = answer(api, agent, cid, "Segunda respuesta del tribunal")
        staff.next("message", lambda d: d["message_id"] == second)
        assert db.messages.find_one({"_id": second})["status"] == "delivered"
        detail = api.get(f"/api/v1/chat/conversations/{cid}", agent).json()
        statuses = {m["message_id"]: m["status"] for m in detail["messages"]}
        assert (statuses[first], statuses[second], statuses[mine]) == ("read", "delivered", "received")
        assert api.get(CONVERSATION, lawyer).status_code == 200
        staff.next("message_status", lambda d: d["message_id"] == second and d["status"] == "read")
        assert api.get(CONVERSATION, lawyer).status_code == 200  # once more: nothing left to mark
        time.sleep(1)  # more than a round of the staff's stream
        marked = [e["message_id"] for e in statuses_of_this_conversation()]
        assert sorted(marked) == sorted([*given, second])  # one event per reply, none for a read that marked nothing
    assert db.messages.find_one({"_id": first})["status_at"]["read"] == read_at  # read once, when first read
    assert db.messages.find_one({"_id": mine})["status"] == "received"
    reads = list(db.audit.find({"actor.sub": sub, "action": "read_web_conversation", "outcome": "allowed",
                                "target": f"conversation:{cid}"}).sort("at", 1))
    assert [sorted(entry["details"]["read"]) for entry in reads] == [sorted(given), [second], []]


def test_another_lawyer_reads_nothing_of_it_and_receives_none_of_its_events(stack, api, agent):
    _, _, owner = new_lawyer(api, "Lic. Dueño")
    other_sub, _, other = new_lawyer(api, "Lic. Ajeno")
    with Stream(stack.url, other, path=STREAM) as foreign, Stream(stack.url, owner, path=STREAM) as own:
        mine = write(api, owner, "Consulta reservada del abogado dueño").json()
        cid = own.next("message", lambda d: d["message_id"] == mine["message_id"])["data"]["conversation_id"]
        reply_id = api.post_json(f"/api/v1/chat/conversations/{cid}/messages", {"text": "Respuesta reservada"},
                                 agent).json()["message_id"]
        own.next("message", lambda d: d["message_id"] == reply_id)
        time.sleep(1.5)  # more than a round of the other lawyer's stream
        assert not [e for e in foreign.received if e["type"] != "reset"], foreign.received
    view = api.get(CONVERSATION, other).json()
    assert view == {"conversation_id": None, "messages": []}
    assert stored(stack, other_sub)["conversations"] == 0
    # a lawyer is not chat staff: the conversation itself is 403 to them
    assert api.get(f"/api/v1/chat/conversations/{cid}", other).status_code == 403


def test_one_conversation_per_lawyer_resolved_is_reopened_by_a_new_message_without_a_survey(stack, api, graph, agent):
    sub, _, lawyer = new_lawyer(api)
    first = write(api, lawyer, "Primera consulta").json()
    second = write(api, lawyer, "Segunda consulta").json()
    doc = web_doc(stack, sub)
    ids = {m["conversation_id"] for m in stack.db("chat").messages.find(
        {"_id": {"$in": [first["message_id"], second["message_id"]]}})}
    assert ids == {doc["_id"]} and stored(stack, sub)["conversations"] == 1
    resolved = api.post_json(f"/api/v1/chat/conversations/{doc['_id']}/status", {"status": "resolved"}, agent)
    assert resolved.status_code == 200, resolved.text
    assert resolved.json()["status"] == "resolved"
    assert resolved.json()["csat"]["status"] == "skipped"  # the survey is WhatsApp's
    assert stack.db("chat").conversations.find_one({"_id": doc["_id"]})["resolved_at"] is not None
    third = write(api, lawyer, "Una consulta más").json()
    again = web_doc(stack, sub)
    assert again["_id"] == doc["_id"] and again["status"] == "open"
    assert stack.db("chat").messages.find_one({"_id": third["message_id"]})["conversation_id"] == doc["_id"]
    assert not [t for t in graph_texts(graph) if f"web:{sub}" in t]


def test_a_lawyer_keeps_their_conversation_on_its_line_when_the_web_line_changes(stack, api, agent):
    """A conversation opened while CHAT_WEB_LINE named another line (here: moved there in the database, as if the
    setting had changed since): the lawyer's next message continues it on that line, their page reads its whole
    history, and a reply reaches their stream; nothing new is opened on the current web line."""
    other = wa.LINES[1]
    sub, _, lawyer = new_lawyer(api)
    first = write(api, lawyer, "Primera consulta").json()["message_id"]
    doc = web_doc(stack, sub)
    db = stack.db("chat")
    db.conversations.update_one({"_id": doc["_id"]}, {"$set": {"line": other}})
    db.messages.update_many({"conversation_id": doc["_id"]}, {"$set": {"line": other}})
    with Stream(stack.url, lawyer, path=STREAM) as stream:
        second = write(api, lawyer, "Sigo con la misma consulta")
        assert second.status_code == 201, second.text
        message = db.messages.find_one({"_id": second.json()["message_id"]})
        assert message["conversation_id"] == doc["_id"] and message["line"] == other
        assert web_doc(stack, sub) is None and stored(stack, sub)["conversations"] == 1
        read = api.get(CONVERSATION, lawyer).json()
        assert read["conversation_id"] == doc["_id"]
        assert [m["message_id"] for m in read["messages"]][-2:] == [first, second.json()["message_id"]]
        reply = api.post_json(f"/api/v1/chat/conversations/{doc['_id']}/messages", {"text": "Con gusto"}, agent)
        assert reply.status_code == 202, reply.text
        stream.next("message", lambda d: d["conversation_id"] == doc["_id"] and d["direction"] == "out")


def staff_the_complaints_area(stack, api):
    """An agent (away: assigned nothing) in the complaints area's team: a complaint is routed only to an area someone
    serves."""
    member = stack.token("agente.quejas.web", "chat_agent", name="Agente Quejas Web")
    assert api.http.put(f"{api.url}/api/v1/chat/agents/me/presence", json={"status": "away"},
                        headers=api.auth(member), timeout=30).status_code == 200
    supervisor = stack.token("supervisora.web", "chat_supervisor", name="Supervisora Web")
    staffed = api.http.put(f"{api.url}/api/v1/chat/agents/agente.quejas.web", json={"teams": ["quejas"], "capacity": 1},
                           headers=api.auth(supervisor), timeout=30)
    assert staffed.status_code == 200, staffed.text


def test_a_complaint_is_caught_and_routed_to_the_complaints_area(stack, api, agent):
    staff_the_complaints_area(stack, api)
    sub, _, lawyer = new_lawyer(api)
    message = write(api, lawyer, COMPLAINT).json()
    stored_message = stack.db("chat").messages.find_one({"_id": message["message_id"]})
    assert stored_message["classification"]["label"] == "queja"
    doc = web_doc(stack, sub)
    assert (doc["complaint"], doc["priority"], doc["area"]) == (True, True, "quejas")
    summary = api.get(f"/api/v1/chat/conversations/{doc['_id']}", agent).json()
    assert summary["complaint"] is True and summary["channel"] == "web"
    complaints = api.get("/api/v1/chat/conversations", agent, params={"complaint": "true", "limit": 100}).json()
    assert doc["_id"] in [item["conversation_id"] for item in complaints["items"]]


def test_a_template_is_refused_on_a_web_conversation_and_nothing_is_stored(stack, api, agent):
    sub, _, lawyer = new_lawyer(api)
    write(api, lawyer, "Hola")
    doc = web_doc(stack, sub)
    before = stored(stack, sub)
    response = api.post_json(f"/api/v1/chat/conversations/{doc['_id']}/messages",
                             {"template": {"name": "seguimiento_consulta", "language": "es_MX", "parameters": []}},
                             agent)
    error_of(response, 422, "template_not_for_web")
    assert stored(stack, sub) == before


def test_the_same_idempotency_key_stores_one_message(stack, api):
    sub, _, lawyer = new_lawyer(api)
    first = write(api, lawyer, "Una sola vez", key="web-msg-1")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    again = write(api, lawyer, "Una sola vez", key="web-msg-1")
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    before = stored(stack, sub)
    assert before["messages"] == 1 and before["records"] == 1
    error_of(write(api, lawyer, "Otro texto", key="web-msg-1"), 409, "idempotency_key_reused")
    error_of(write(api, lawyer, "Otro texto", key="no valida con espacios"), 400, "invalid_idempotency_key")
    assert stored(stack, sub) == before


def test_html_and_script_are_stored_and_returned_as_text(stack, api, agent):
    sub, _, lawyer = new_lawyer(api)
    hostile = '<script>alert("x")</script><img src=x onerror=alert(1)> & «ñ»\n\tsegunda línea'
    response = write(api, lawyer, hostile)
    assert response.status_code == 201, response.text
    assert response.json()["text"] == hostile
    message = stack.db("chat").messages.find_one({"_id": response.json()["message_id"]})
    assert message["text"] == hostile
    assert api.get(CONVERSATION, lawyer).json()["messages"][0]["text"] == hostile
    doc = web_doc(stack, sub)
    detail = api.get(f"/api/v1/chat/conversations/{doc['_id']}", agent).json()
    assert detail["messages"][0]["text"] == hostile


HOSTILE_BODIES = [
    ({}, 422), ({"text": ""}, 422), ({"text": "   \n\t "}, 422), ({"text": "x" * 4097}, 422),
    ({"text": 42}, 422), ({"text": None}, 422), ({"text": ["hola"]}, 422), ({"text": {"body": "hola"}}, 422),
    ({"text": "con\x00nul"}, 422), ({"text": "\x01\x02\x7f"}, 422), ({"text": "\x1b \x07"}, 422), ({"text": "hola", "conversation_id": "otra"}, 422), ([], 422), ("hola", 422),
]


@pytest.mark.parametrize("body,status", HOSTILE_BODIES)
def test_hostile_messages_are_refused_and_store_nothing(stack, api, body, status):
    sub, _, lawyer = new_lawyer(api)
    response = api.post_json(MESSAGES, body, lawyer)
    error_of(response, status)
    assert stored(stack, sub) == {"conversations": 0, "messages": 0, "records": 0}


def test_malformed_json_and_wrong_content_type_store_nothing(stack, api):
    sub, _, lawyer = new_lawyer(api)
    headers = {**api.auth(lawyer), "Content-Type": "application/json"}
    for raw in (b'{"text": "hola"', b"\xff\xfe", b'{"text": NaN}', b"[" * 40 + b"]" * 40):
        response = api.http.post(api.url + MESSAGES, data=raw, headers=headers, timeout=30)
        assert response.status_code in (400, 422), (raw, response.status_code, response.text)
        assert response.json()["error"]
    response = api.http.post(api.url + MESSAGES, data="text=hola",
                             headers={**api.auth(lawyer), "Content-Type": "application/x-www-form-urlencoded"},
                             timeout=30)
    assert response.status_code in (400, 415, 422), response.text
    assert stored(stack, sub) == {"conversations": 0, "messages": 0, "records": 0}


def test_a_lawyer_s_reads_take_no_query_parameters(stack, api):
    _, _, lawyer = new_lawyer(api)
    error_of(api.get(CONVERSATION, lawyer, params={"sub": "otro.abogado"}), 422)
    stream = Stream(stack.url, lawyer, path=STREAM + "?conversation_id=abc")
    try:
        assert stream.response.status_code == 422
    finally:
        stream.close()


def test_a_bad_last_event_id_counts_as_none(stack, api):
    _, _, lawyer = new_lawyer(api)
    for value in ("no-es-hex", "z" * 2000):
        stream = Stream(stack.url, lawyer, path=STREAM, last_event_id=value)
        try:
            assert stream.response.status_code == 200
        finally:
            stream.close()


OTHERS = ["clerk", "judge", "citizen", "admin", "chat_agent", "chat_supervisor", "notary", "records_officer"]


def token_of(stack, api, role):
    if role == "clerk":
        return api.clerk()
    if role == "judge":
        return api.judge()
    if role == "citizen":
        return api.citizen()
    if role == "admin":
        return api.admin()
    if role == "notary":
        return stack.token("notario.web", "notary", bar_number="7789")
    return api.staff(role, sub=f"{role}.web")


@pytest.mark.parametrize("role", OTHERS)
def test_only_a_lawyer_uses_the_web_channel(stack, api, role):
    token = token_of(stack, api, role)
    before = stack.db("chat").conversations.count_documents({"channel": "web"})
    error_of(api.get(CONVERSATION, token), 403, "forbidden")
    error_of(write(api, token, "Hola"), 403, "forbidden")
    stream = Stream(stack.url, token, path=STREAM)
    try:
        assert stream.response.status_code == 403
    finally:
        stream.close()
    assert stack.db("chat").conversations.count_documents({"channel": "web"}) == before


def test_without_a_token_or_with_a_bad_one_it_is_401(stack, api):
    for token in (None, "no-es-un-token"):
        error_of(api.get(CONVERSATION, token), 401)
        error_of(write(api, token, "Hola"), 401)
        stream = Stream(stack.url, token, path=STREAM)
        try:
            assert stream.response.status_code == 401
        finally:
            stream.close()


def test_staff_see_web_conversations_in_the_inbox_and_in_the_reports(stack, api):
    supervisor = stack.token("supervision.web", "chat_supervisor", name="Supervisión Web")
    sub, _, lawyer = new_lawyer(api)
    write(api, lawyer, QUESTION)
    doc = wait(lambda: web_doc(stack, sub), what="the web conversation")
    listed = api.get("/api/v1/chat/conversations", supervisor, params={"limit": 100}).json()
    assert doc["_id"] in [item["conversation_id"] for item in listed["items"]]
    # the inbox's channel filter: web ones only, or WhatsApp's only (those stored before channels existed too)
    web = api.get("/api/v1/chat/conversations", supervisor, params={"channel": "web", "limit": 100}).json()["items"]
    assert doc["_id"] in [item["conversation_id"] for item in web] and {item["channel"] for item in web} == {"web"}
    whatsapp = api.get("/api/v1/chat/conversations", supervisor, params={"channel": "whatsapp", "limit": 100})
    assert doc["_id"] not in [item["conversation_id"] for item in whatsapp.json()["items"]]
    assert {item["channel"] for item in whatsapp.json()["items"]} <= {"whatsapp"}
    error_of(api.get("/api/v1/chat/conversations", supervisor, params={"channel": "telegram"}), 422)
    rows = api.get("/api/v1/chat/reports", supervisor, params={"per": "conversation", "line": WEB_LINE})
    assert rows.status_code == 200, rows.text
    exported = {row["conversation_id"]: row for row in csv.DictReader(io.StringIO(rows.text))}
    assert exported[doc["_id"]]["channel"] == "web"  # the export tells the web channel from WhatsApp


def test_two_lawyers_connected_at_once_each_get_their_own_events_only(stack, api, agent):
    _, _, ana = new_lawyer(api, "Lcda. Ana")
    _, _, beto = new_lawyer(api, "Lic. Beto")
    with Stream(stack.url, ana, path=STREAM) as ana_stream, Stream(stack.url, beto, path=STREAM) as beto_stream:
        ana_first = write(api, ana, "Consulta de Ana").json()["message_id"]
        beto_first = write(api, beto, "Consulta de Beto").json()["message_id"]
        ana_cid = ana_stream.next("message", lambda d: d["message_id"] == ana_first)["data"]["conversation_id"]
        beto_cid = beto_stream.next("message", lambda d: d["message_id"] == beto_first)["data"]["conversation_id"]
        for cid, text in ((ana_cid, "Para Ana"), (beto_cid, "Para Beto")):
            assert api.post_json(f"/api/v1/chat/conversations/{cid}/messages", {"text": text}, agent).status_code == 202
        ana_stream.next("message", lambda d: d["conversation_id"] == ana_cid and d["direction"] == "out")
        beto_stream.next("message", lambda d: d["conversation_id"] == beto_cid and d["direction"] == "out")
        time.sleep(0.5)
        assert {e["data"]["conversation_id"] for e in ana_stream.received if e["type"] != "reset"} == {ana_cid}
        assert {e["data"]["conversation_id"] for e in beto_stream.received if e["type"] != "reset"} == {beto_cid}
        assert not [e for e in ana_stream.received + beto_stream.received if "audience" in (e["data"] or {})]


def test_the_chat_service_refuses_non_lawyers_itself_and_answers_a_lawyer_s_own_events(stack, api):
    """Authorization is the owner's: a call of web_live_changes that skips the gateway is refused by the chat
    service (and audited); a malformed request is a 422; a lawyer without recipients reads their own events only,
    each marked with its owner, in the contract's shape."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    sub, _, lawyer_token = new_lawyer(api, "Lic. Directo")
    with ClusterRpcProxy(config, timeout=10) as cluster:
        for role in ("clerk", "citizen", "chat_agent"):
            actor = {"sub": f"directo-web-{role}", "role": role, "name": "Directo", "court_id": "01001"}
            with pytest.raises(Forbidden):
                cluster.chat.web_live_changes(actor, {})
            assert wait(lambda: stack.db("chat").audit.find_one(
                {"actor.sub": f"directo-web-{role}", "action": "web_live_changes", "outcome": "denied"}),
                what="the refusal audited")
        lawyer = {"sub": sub, "role": "lawyer", "name": "Lic. Directo", "bar_number": "1"}
        for request in ({"after": "<script>"}, {"after": 82}, {"recipients": []}, {"recipients": "todos"},
                        {"recipients": ["x" * 200]}, {"limit": 0}, {"wait_seconds": 60}, {"desde": 1}):
            with pytest.raises(ValidationFailed):
                cluster.chat.web_live_changes(lawyer, request)
        own = cluster.chat.web_live_changes(lawyer, {})
        assert own["events"] == [] and own["last_id"] and own["reset"] is False
        _, _, other = new_lawyer(api)
        write(api, other, "De otro abogado")
        mine = write(api, lawyer_token, "Mío").json()["message_id"]
        answer = LiveChangesSchema().load(cluster.chat.web_live_changes(lawyer, {"after": own["last_id"]}))
        assert [(e["type"], e["audience"], e["data"]["message_id"]) for e in answer["events"]] == [
            ("message", sub, mine)]


def test_only_the_gateways_hub_names_whose_web_chat_events_it_reads(stack, api):
    """``recipients`` is the gateway hub's (``contracts.live.LIVE_SYSTEM_ACTOR``): a lawyer who names another is
    refused with 403, audited, and reads nothing; the hub's identity reads the events of the lawyers it names."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    ana_sub, _, ana_token = new_lawyer(api, "Lic. Ana")
    beto_sub, _, beto_token = new_lawyer(api, "Lic. Beto")
    with ClusterRpcProxy(config, timeout=10) as cluster:
        start = cluster.chat.web_live_changes(LIVE_SYSTEM_ACTOR, {"recipients": [ana_sub]})["last_id"]
        ana_message = write(api, ana_token, "De Ana").json()["message_id"]
        beto_message = write(api, beto_token, "De Beto").json()["message_id"]

        ana = {"sub": ana_sub, "role": "lawyer", "name": "Lic. Ana", "bar_number": "1"}
        for named in ([beto_sub], [ana_sub, beto_sub]):
            with pytest.raises(Forbidden) as refused:
                cluster.chat.web_live_changes(ana, {"after": start, "recipients": named})
            assert refused.value.details == {"field": "recipients"}
        assert wait(lambda: stack.db("chat").audit.find_one(
            {"actor.sub": ana_sub, "action": "web_live_changes", "outcome": "denied",
             "details.recipients": [beto_sub]}), what="the refusal audited")
        own = cluster.chat.web_live_changes(ana, {"after": start, "recipients": [ana_sub]})
        assert [(e["audience"], e["data"]["message_id"]) for e in own["events"]] == [(ana_sub, ana_message)]

        both = LiveChangesSchema().load(
            cluster.chat.web_live_changes(LIVE_SYSTEM_ACTOR, {"after": start, "recipients": [beto_sub, ana_sub]}))
        assert [(e["audience"], e["data"]["message_id"]) for e in both["events"] if e["type"] == "message"] == [
            (ana_sub, ana_message), (beto_sub, beto_message)]
        with pytest.raises(Forbidden):
            cluster.chat.web_live_changes(LIVE_SYSTEM_ACTOR, {"after": start})
        with pytest.raises(Forbidden):
            cluster.chat.web_live_changes({"sub": "system:retention", "role": "system"},
                                          {"after": start, "recipients": [ana_sub]})
