"""Asking the court: an agent sends an inquiry about a conversation to a court (its clerks answer) or to an area
(its chat staff or the supervision answer); the answer appears in the conversation for the agent and nothing is
ever sent to the user by itself. A clerk sees only their own court's inquiries (never the conversation), and so
does a judge of the court, who answers none; every read is audited, who may do what is a matrix, and hostile input on each route stores nothing."""
import datetime
import json
import time

import pytest

from tests.support import whatsapp as wa
from tests.support.sse import Stream

pytestmark = pytest.mark.stack

LINE = wa.LINES[1]  # Tijuana
SUPREME = "00001"
CIVIL = "01001"
ZERO_ID = "0" * 32
QUESTION = "¿Ya se admitió el amparo 00001-2026-00012? El abogado pregunta por la audiencia."
VIEW_KEYS = {"inquiry_id", "conversation_id", "line", "region", "lawyer", "court_id", "court_name", "area", "question",
             "asked_by", "asked_at", "due_at", "status", "overdue", "answer"}


@pytest.fixture(scope="module")
def tokens(stack, api):
    found = {"agent": stack.token("agente.consultas", "chat_agent", name="Agente Consultas"),
             "agent_2": stack.token("agente.area", "chat_agent", name="Agente del Área"),
             "supervisor": stack.token("supervisora.consultas", "chat_supervisor", name="Supervisora Consultas"),
             "clerk": api.clerk(SUPREME, sub="secretaria.corte"), "clerk_other": api.clerk(CIVIL, sub="secretario.civil"),
             "judge": api.judge(SUPREME, sub="juez.consultas"), "judge_other": api.judge(CIVIL, sub="juez.civil"),
             "lawyer": api.lawyer(), "citizen": api.citizen(), "admin": api.admin(),
             "anonymous": None}
    for name in ("agent", "agent_2", "supervisor"):  # each has used the inbox once (an agent the supervision configures)
        assert api.get("/api/v1/chat/lines", found[name]).status_code == 200
    return found


def open_conversation(stack, sender, text="Buenas tardes, ¿me pueden decir si ya admitieron mi amparo?"):
    """A lawyer writes on WhatsApp; returns (conversation_id, wa_id)."""
    return wa.open_conversation(stack, LINE, text, sender)


@pytest.fixture(scope="module")
def conversation(stack, sender):
    return open_conversation(stack, sender)


def ask(api, token, conversation_id, **body):
    return api.post_json(f"/api/v1/chat/conversations/{conversation_id}/inquiries", body, token)


def answer(api, token, inquiry_id, text):
    return api.post_json(f"/api/v1/chat/inquiries/{inquiry_id}/answer", {"text": text}, token)


def listed(api, token, **query):
    response = api.get("/api/v1/chat/inquiries", token, params=query)
    assert response.status_code == 200, response.text
    return response.json()


def error_of(response, status, code=None):
    assert response.status_code == status, (response.status_code, response.text)
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["message"]
    if code:
        assert body["error"] == code, body
    return body


def parse(instant):
    return datetime.datetime.fromisoformat(instant.replace("Z", "+00:00"))


def snapshot(stack):
    db = stack.db("chat")
    return {"inquiries": sorted((i["_id"], i["status"], str(i.get("answer"))) for i in db.inquiries.find()),
            "outbound": db.messages.count_documents({"direction": "out"}), "sends": db.sends.count_documents({}),
            "notes": db.notes.count_documents({})}


def nothing_sent_to(stack, graph, conversation_id, wa_id):
    time.sleep(1.5)  # three runs of the sender (CHAT_SEND_INTERVAL 0.5 s): anything queued would have gone
    assert graph.attempts_to(wa_id) == []
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id, "direction": "out"}) == 0


# --- the whole flow ---------------------------------------------------------------------------------------------------
def test_an_agent_asks_the_court_its_clerk_answers_and_the_agent_sees_it_nothing_goes_to_whatsapp(
        stack, api, graph, sender, tokens):
    conversation_id, wa_id = open_conversation(stack, sender)
    asked = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question=QUESTION)
    assert asked.status_code == 201, asked.text
    inquiry = asked.json()
    assert set(inquiry) == VIEW_KEYS
    assert inquiry["court_id"] == SUPREME and inquiry["court_name"].startswith("Corte Suprema")
    assert inquiry["area"] is None and inquiry["question"] == QUESTION and inquiry["status"] == "open"
    assert inquiry["asked_by"] == {"sub": "agente.consultas", "name": "Agente Consultas"}
    assert inquiry["region"] == "Tijuana" and inquiry["line"] == LINE and inquiry["lawyer"] is None
    # CHAT_INQUIRY_SLA_HOURS (7) business hours of the line, which is open at every hour in the suite's stack
    assert parse(inquiry["due_at"]) - parse(inquiry["asked_at"]) == datetime.timedelta(hours=7)
    assert inquiry["overdue"] is False and inquiry["answer"] is None
    inquiry_id = inquiry["inquiry_id"]

    # the court's clerk sees it in their queue: the inquiry only, never the WhatsApp number or profile name
    queue = listed(api, tokens["clerk"], status="open", limit=100)
    mine = [i for i in queue["items"] if i["inquiry_id"] == inquiry_id]
    assert mine and mine[0]["question"] == QUESTION and mine[0]["overdue"] is False
    assert all(i["court_id"] == SUPREME and i["status"] == "open" for i in queue["items"])
    assert wa_id not in json.dumps(queue) and "Laura" not in json.dumps(queue)
    error_of(api.get(f"/api/v1/chat/conversations/{conversation_id}", tokens["clerk"]), 403)  # not the conversation

    # another court's clerk sees none of it and cannot answer it (as if it did not exist)
    before = snapshot(stack)
    other = listed(api, tokens["clerk_other"], limit=100)
    assert all(i["court_id"] == CIVIL for i in other["items"])
    assert listed(api, tokens["clerk_other"], court_id=SUPREME)["items"] == []
    assert listed(api, tokens["clerk_other"], conversation_id=conversation_id)["items"] == []
    error_of(answer(api, tokens["clerk_other"], inquiry_id, "Respuesta ajena"), 404, "inquiry_not_found")
    error_of(answer(api, tokens["agent"], inquiry_id, "El agente no responde por el tribunal"), 403)
    error_of(answer(api, tokens["judge"], inquiry_id, "El juez tampoco"), 403)
    assert snapshot(stack) == before

    # the clerk answers, once
    text = "Sí, se admitió el 3 de diciembre; la audiencia es el 15 a las 9:00."
    answered = answer(api, tokens["clerk"], inquiry_id, text)
    assert answered.status_code == 200, answered.text
    view = answered.json()
    assert view["status"] == "answered" and view["overdue"] is False
    assert view["answer"]["text"] == text and view["answer"]["by"]["sub"] == "secretaria.corte"
    before = snapshot(stack)
    error_of(answer(api, tokens["clerk"], inquiry_id, "Otra respuesta"), 409, "inquiry_answered")
    assert snapshot(stack) == before
    assert inquiry_id in [i["inquiry_id"] for i in listed(api, tokens["clerk"], status="answered", limit=100)["items"]]
    assert inquiry_id not in [i["inquiry_id"] for i in listed(api, tokens["clerk"], status="open", limit=100)["items"]]

    # the agent sees the answer in the conversation, as an internal item beside the notes
    shown = api.get(f"/api/v1/chat/conversations/{conversation_id}", tokens["agent"]).json()
    [seen] = shown["inquiries"]
    assert seen["inquiry_id"] == inquiry_id and seen["answer"]["text"] == text and seen["status"] == "answered"
    assert [i["inquiry_id"] for i in listed(api, tokens["agent"], conversation_id=conversation_id)["items"]] == [
        inquiry_id]
    # ... and nothing reached the user
    nothing_sent_to(stack, graph, conversation_id, wa_id)

    # every read and the refusals are in the audit log
    audit = stack.db("chat").audit
    assert audit.find_one({"actor.sub": "secretaria.corte", "action": "list_inquiries", "outcome": "allowed",
                           "details.inquiry_ids": inquiry_id})
    assert audit.find_one({"actor.sub": "secretaria.corte", "action": "answer_inquiry",
                           "target": f"inquiry:{inquiry_id}", "outcome": "allowed"})
    assert audit.find_one({"actor.sub": "secretario.civil", "action": "answer_inquiry",
                           "target": f"inquiry:{inquiry_id}", "outcome": "denied"})
    assert audit.find_one({"actor.sub": "agente.consultas", "action": "ask_inquiry",
                           "target": f"conversation:{conversation_id}", "outcome": "allowed"})


JUDGE_REFUSAL = ("Un juez ve las consultas del chat a su tribunal, pero no las responde: las responde el secretario "
                 "del tribunal.")


def test_a_judge_sees_their_courts_inquiries_answers_none_and_every_read_is_audited(stack, api, graph, sender, tokens):
    conversation_id, wa_id = open_conversation(stack, sender, "¿Ya hay fecha para la vista del amparo?")
    asked = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="¿Hay fecha para la vista?")
    assert asked.status_code == 201, asked.text
    inquiry_id = asked.json()["inquiry_id"]
    civil = ask(api, tokens["agent"], conversation_id, court_id=CIVIL, question="¿Y en el juzgado civil?").json()
    area = ask(api, tokens["agent"], conversation_id, area="ensenada", question="¿Quién atiende?").json()

    # the judge of the court sees it, with the same filter by court as its clerk: only their court's, never the
    # conversation, the WhatsApp number or the profile name
    queue = listed(api, tokens["judge"], status="open", limit=100)
    assert inquiry_id in [i["inquiry_id"] for i in queue["items"]]
    assert all(i["court_id"] == SUPREME for i in queue["items"])
    assert {i["inquiry_id"] for i in queue["items"]} == {
        i["inquiry_id"] for i in listed(api, tokens["clerk"], status="open", limit=100)["items"]}
    assert civil["inquiry_id"] not in json.dumps(queue) and area["inquiry_id"] not in json.dumps(queue)
    assert wa_id not in json.dumps(queue) and "Laura" not in json.dumps(queue)
    assert listed(api, tokens["judge"], court_id=CIVIL)["items"] == []  # a filter never widens the scope
    error_of(api.get(f"/api/v1/chat/conversations/{conversation_id}", tokens["judge"]), 403)

    # a judge of another court sees none of it
    other = listed(api, tokens["judge_other"], limit=100)
    assert inquiry_id not in json.dumps(other) and all(i["court_id"] == CIVIL for i in other["items"])
    assert civil["inquiry_id"] in [i["inquiry_id"] for i in other["items"]]
    assert listed(api, tokens["judge_other"], court_id=SUPREME)["items"] == []
    assert [i["inquiry_id"] for i in listed(api, tokens["judge_other"], conversation_id=conversation_id)["items"]] == [
        civil["inquiry_id"]]

    # neither judge answers, whoever's court it is (a 403 that says who answers), and nothing is stored
    before = snapshot(stack)
    for token, target in ((tokens["judge"], inquiry_id), (tokens["judge_other"], inquiry_id),
                          (tokens["judge"], civil["inquiry_id"]), (tokens["judge"], area["inquiry_id"]),
                          (tokens["judge"], ZERO_ID)):
        body = error_of(answer(api, token, target, "Respuesta del juez"), 403, "forbidden")
        assert body["message"] == JUDGE_REFUSAL
    assert snapshot(stack) == before
    nothing_sent_to(stack, graph, conversation_id, wa_id)

    # the clerk still answers it, and the judge then sees the answer with the answered ones
    assert answer(api, tokens["clerk"], inquiry_id, "Sí, el 15 a las 9:00.").status_code == 200
    seen = {i["inquiry_id"]: i for i in listed(api, tokens["judge"], status="answered", limit=100)["items"]}
    assert seen[inquiry_id]["answer"]["text"] == "Sí, el 15 a las 9:00."

    # every read, with the ids read and the court, and every refusal is in the audit log
    audit = stack.db("chat").audit
    assert audit.find_one({"actor.sub": "juez.consultas", "actor.role": "judge", "action": "list_inquiries",
                           "outcome": "allowed", "details.inquiry_ids": inquiry_id, "details.court_id": SUPREME})
    assert audit.find_one({"actor.sub": "juez.civil", "action": "list_inquiries", "outcome": "allowed",
                           "details.court_id": CIVIL})
    assert not audit.find_one({"actor.sub": "juez.civil", "action": "list_inquiries", "details.inquiry_ids": inquiry_id})
    for sub in ("juez.consultas", "juez.civil"):
        assert audit.find_one({"actor.sub": sub, "action": "answer_inquiry", "target": f"inquiry:{inquiry_id}",
                               "outcome": "denied"})


def test_an_area_is_answered_by_its_staff_or_the_supervision_never_by_a_clerk(stack, api, graph, sender, tokens):
    conversation_id, wa_id = open_conversation(stack, sender, "Quiero presentar una queja por la atención")
    asked = ask(api, tokens["agent"], conversation_id, area="ensenada", question="¿Quién atiende este trámite?")
    assert asked.status_code == 201, asked.text
    inquiry = asked.json()
    assert inquiry["area"] == "ensenada" and inquiry["court_id"] is None and inquiry["court_name"] is None
    inquiry_id = inquiry["inquiry_id"]
    assert inquiry_id not in json.dumps(listed(api, tokens["clerk"], limit=100))  # no court: no clerk sees it
    error_of(answer(api, tokens["clerk"], inquiry_id, "Respuesta"), 404, "inquiry_not_found")
    error_of(answer(api, tokens["agent_2"], inquiry_id, "Respuesta"), 403)  # not in that team
    configured = api.http.put(f"{api.url}/api/v1/chat/agents/agente.area", json={"teams": ["ensenada"], "capacity": 5},
                              headers=api.auth(tokens["supervisor"]), timeout=30)
    assert configured.status_code == 200, configured.text
    answered = answer(api, tokens["agent_2"], inquiry_id, "Lo atiende la oficina de Ensenada, ext. 204.")
    assert answered.status_code == 200, answered.text
    assert answered.json()["answer"]["by"]["sub"] == "agente.area"
    second = ask(api, tokens["agent"], conversation_id, area="ensenada", question="¿Y en qué horario?").json()
    supervised = answer(api, tokens["supervisor"], second["inquiry_id"], "De 8:00 a 15:00.")
    assert supervised.status_code == 200, supervised.text
    shown = api.get(f"/api/v1/chat/conversations/{conversation_id}", tokens["agent"]).json()["inquiries"]
    assert [i["answer"]["text"] for i in shown] == ["Lo atiende la oficina de Ensenada, ext. 204.", "De 8:00 a 15:00."]
    nothing_sent_to(stack, graph, conversation_id, wa_id)


def test_an_inquiry_past_its_due_instant_is_overdue_in_both_lists(stack, api, tokens, conversation):
    conversation_id, _ = conversation
    inquiry = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="¿Hay audiencia mañana?").json()
    late = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="¿Y la resolución?").json()
    past = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(minutes=1)
    stack.db("chat").inquiries.update_many({"_id": {"$in": [inquiry["inquiry_id"], late["inquiry_id"]]}},
                                           {"$set": {"due_at": past}})
    for token, query in ((tokens["clerk"], {"status": "open", "limit": 100}),
                         (tokens["agent"], {"conversation_id": conversation_id})):
        found = {i["inquiry_id"]: i for i in listed(api, token, **query)["items"]}
        assert found[inquiry["inquiry_id"]]["overdue"] is True and found[late["inquiry_id"]]["overdue"] is True
    answered = answer(api, tokens["clerk"], late["inquiry_id"], "Se emitió ayer.").json()
    assert answered["status"] == "answered" and answered["overdue"] is True  # answered late: the breach is kept
    shown = api.get(f"/api/v1/chat/conversations/{conversation_id}", tokens["agent"]).json()["inquiries"]
    assert {i["inquiry_id"]: i["overdue"] for i in shown}[inquiry["inquiry_id"]] is True


def test_the_staff_list_pages_with_a_cursor_and_filters_by_conversation(stack, api, sender, tokens):
    conversation_id, _ = open_conversation(stack, sender, "Tengo varias preguntas")
    ids = [ask(api, tokens["agent"], conversation_id, court_id=CIVIL, question=f"Pregunta {n}").json()["inquiry_id"]
           for n in range(3)]
    first = listed(api, tokens["supervisor"], conversation_id=conversation_id, limit=2)
    assert [i["inquiry_id"] for i in first["items"]] == ids[::-1][:2] and first["next_cursor"]
    second = listed(api, tokens["supervisor"], conversation_id=conversation_id, limit=2, cursor=first["next_cursor"])
    assert [i["inquiry_id"] for i in second["items"]] == ids[:1] and second["next_cursor"] is None
    by_court = listed(api, tokens["agent"], court_id=CIVIL, status="open", limit=100)["items"]
    assert set(ids) <= {i["inquiry_id"] for i in by_court} and all(i["court_id"] == CIVIL for i in by_court)
    # the civil court's clerk sees them; the supreme court's does not
    assert set(ids) <= {i["inquiry_id"] for i in listed(api, tokens["clerk_other"], limit=100)["items"]}
    assert not set(ids) & {i["inquiry_id"] for i in listed(api, tokens["clerk"], limit=100)["items"]}


def test_an_unknown_court_or_area_or_conversation_stores_nothing(stack, api, tokens, conversation):
    conversation_id, _ = conversation
    before = snapshot(stack)
    body = error_of(ask(api, tokens["agent"], conversation_id, court_id="99999", question="¿Existe?"), 404,
                    "court_not_found")
    assert body["details"]["fields"]["court_id"]
    body = error_of(ask(api, tokens["agent"], conversation_id, area="contraloria", question="¿Existe?"), 422,
                    "unknown_area")
    assert "tijuana" in body["details"]["fields"]["area"]
    error_of(ask(api, tokens["agent"], ZERO_ID, court_id=SUPREME, question="¿Existe?"), 404, "conversation_not_found")
    error_of(answer(api, tokens["clerk"], ZERO_ID, "Respuesta"), 404, "inquiry_not_found")
    assert snapshot(stack) == before


def test_with_filings_down_a_court_inquiry_is_refused_within_seconds_and_an_area_one_still_goes(stack, api, tokens,
                                                                                              conversation):
    """The court is checked with filings at the moment of asking: while it does not answer, 503 or 504 (the RPC
    timeout) and nothing is stored; an area needs no other service."""
    conversation_id, _ = conversation
    before = snapshot(stack)
    stack.stack.processes["filings"].stop()
    try:
        started = time.monotonic()
        response = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="¿Hay alguien?")
        assert response.status_code in (503, 504), response.text
        assert time.monotonic() - started < 15
        assert snapshot(stack) == before
        area = ask(api, tokens["agent"], conversation_id, area="tijuana", question="¿Y el área?")
        assert area.status_code == 201, area.text
    finally:
        stack.stack.processes["filings"].start()
        stack.stack.wait("filings")
    assert ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="¿Ya?").status_code == 201


def test_the_agents_stream_tells_an_inquiry_was_asked_and_answered(stack, api, tokens, conversation):
    conversation_id, _ = conversation
    with Stream(stack.url, tokens["agent"]) as stream:
        assert stream.response.status_code == 200
        inquiry_id = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="¿Al día?").json()[
            "inquiry_id"]
        asked = stream.next("inquiry", lambda d: d["inquiry_id"] == inquiry_id)
        assert asked["data"] == {"conversation_id": conversation_id, "inquiry_id": inquiry_id, "status": "open"}
        answered_at = time.monotonic()
        assert answer(api, tokens["clerk"], inquiry_id, "Al día.").status_code == 200
        event = stream.next("inquiry", lambda d: d["inquiry_id"] == inquiry_id and d["status"] == "answered")
        assert event["at"] - answered_at < 2.0
        assert "Al día" not in str(event["data"])  # identifiers and states only: the answer is read, and audited


# --- who may do what -----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("role,ask_status,list_status", [
    ("anonymous", 401, 401), ("lawyer", 403, 403), ("judge", 403, 200), ("judge_other", 403, 200),
    ("citizen", 403, 403), ("admin", 403, 403), ("clerk", 403, 200), ("clerk_other", 403, 200), ("agent", 201, 200), ("supervisor", 201, 200)])
def test_authorization_matrix_of_the_inquiries(stack, api, tokens, conversation, role, ask_status, list_status):
    conversation_id, _ = conversation
    token = tokens[role]
    before = snapshot(stack)
    asked = ask(api, token, conversation_id, court_id=SUPREME, question="Pregunta de la matriz")
    assert asked.status_code == ask_status, (role, asked.text)
    assert api.get("/api/v1/chat/inquiries", token).status_code == list_status
    if ask_status != 201:
        assert snapshot(stack) == before
        # answering: a refused role is refused before anything is looked up (the gateway, then the service)
        open_one = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="Para responder").json()
        expected = {"anonymous": 401, "clerk": 200, "clerk_other": 404}.get(role, 403)
        response = answer(api, token, open_one["inquiry_id"], "Respuesta de la matriz")
        assert response.status_code == expected, (role, response.text)


@pytest.mark.parametrize("role", ["lawyer", "admin", "citizen"])
def test_the_chat_service_refuses_other_roles_itself_and_audits_it(stack, role):
    """Authorization is the owner's: a call that skips the gateway is refused by the chat service."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.runtime.config import load_config
    from services.runtime.errors import Forbidden

    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    actor = {"sub": f"directo-consultas-{role}", "role": role, "name": "Directo", "bar_number": "1",
             "court_id": SUPREME}
    with ClusterRpcProxy(config, timeout=10) as cluster:
        with pytest.raises(Forbidden):
            cluster.chat.list_inquiries(actor, {})
        with pytest.raises(Forbidden):
            cluster.chat.answer_inquiry(actor, ZERO_ID, {"text": "x"})
    assert stack.db("chat").audit.find_one({"actor.sub": f"directo-consultas-{role}", "action": "list_inquiries",
                                           "outcome": "denied"})


def test_the_chat_service_lets_a_judge_read_only_their_court_and_refuses_their_answer_itself(stack, api, tokens,
                                                                                             conversation):
    """Without the gateway, too: the chat service scopes a judge to their court and refuses their answer."""
    from nameko.standalone.rpc import ClusterRpcProxy

    from services.runtime.config import load_config
    from services.runtime.errors import Forbidden

    conversation_id, _ = conversation
    open_one = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="Para el juez directo").json()
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    actor = {"sub": "directo-consultas-juez", "role": "judge", "name": "Directo", "court_id": CIVIL}
    before = snapshot(stack)
    with ClusterRpcProxy(config, timeout=10) as cluster:
        items = cluster.chat.list_inquiries(actor, {"limit": 100})["items"]
        assert items and all(i["court_id"] == CIVIL for i in items)
        with pytest.raises(Forbidden):
            cluster.chat.list_inquiries({**actor, "court_id": None}, {})
        with pytest.raises(Forbidden):
            cluster.chat.answer_inquiry({**actor, "court_id": SUPREME}, open_one["inquiry_id"], {"text": "x"})
    assert snapshot(stack) == before
    assert stack.db("chat").audit.find_one({"actor.sub": "directo-consultas-juez", "action": "answer_inquiry",
                                           "outcome": "denied", "details.reason": "read_only"})


# --- hostile input on each route -------------------------------------------------------------------------------------------
BODY_CASES = [
    ("not json", b"{question: x", "application/json", 400),
    ("form", b"question=hola&court_id=00001", "application/x-www-form-urlencoded", 415),
    ("array", b"[]", "application/json", 422),
    ("string", b'"hola"', "application/json", 422),
    ("over 64 KB", json.dumps({"court_id": SUPREME, "question": "x" * 70_000, "text": "x" * 70_000}).encode(),
     "application/json", 413),
    ("nested too deep", b'{"question":' + b'{"a":' * 40 + b'1' + b'}' * 41, "application/json", 422),
]
ASK_CASES = [
    ("missing question", {"court_id": SUPREME}, "question"),
    ("missing court and area", {"question": "¿Hola?"}, "court_id"),
    ("court and area", {"court_id": SUPREME, "area": "tijuana", "question": "¿Hola?"}, "court_id"),
    ("court too short", {"court_id": "1", "question": "¿Hola?"}, "court_id"),
    ("court a number", {"court_id": 1, "question": "¿Hola?"}, "court_id"),
    ("court an operator", {"court_id": {"$ne": None}, "question": "¿Hola?"}, "court_id"),
    ("court with HTML", {"court_id": "<b>1</b>", "question": "¿Hola?"}, "court_id"),
    ("area with script", {"area": "<script>alert(1)</script>", "question": "¿Hola?"}, "area"),
    ("area uppercase", {"area": "TIJUANA", "question": "¿Hola?"}, "area"),
    ("area null", {"area": None, "question": "¿Hola?"}, "area"),
    ("question blank", {"court_id": SUPREME, "question": "  \n\t"}, "question"),
    ("question NUL", {"court_id": SUPREME, "question": "hola\u0000"}, "question"),
    ("question too long", {"court_id": SUPREME, "question": "x" * 4001}, "question"),
    ("question a number", {"court_id": SUPREME, "question": 5}, "question"),
    ("question a list", {"court_id": SUPREME, "question": ["a"]}, "question"),
    ("extra field", {"court_id": SUPREME, "question": "¿Hola?", "html": "<b>x</b>"}, "html"),
]
ANSWER_CASES = [
    ("missing text", {}, "text"),
    ("text blank", {"text": "   "}, "text"),
    ("text NUL", {"text": "sí\u0000"}, "text"),
    ("text too long", {"text": "x" * 4001}, "text"),
    ("text a number", {"text": 5}, "text"),
    ("text an operator", {"text": {"$ne": None}}, "text"),
    ("text null", {"text": None}, "text"),
    ("extra field", {"text": "Sí", "status": "open"}, "status"),
]


def raw_post(api, token, path, raw, content_type):
    return api.http.post(f"{api.url}{path}", data=raw, timeout=30,
                         headers={**api.auth(token), "Content-Type": content_type})


@pytest.mark.parametrize("name,raw,content_type,status", BODY_CASES, ids=[c[0] for c in BODY_CASES])
def test_hostile_bodies_on_both_writes_store_nothing(stack, api, tokens, conversation, name, raw, content_type,
                                                     status):
    conversation_id, _ = conversation
    open_one = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question="Para el cuerpo hostil").json()
    before = snapshot(stack)
    error_of(raw_post(api, tokens["agent"], f"/api/v1/chat/conversations/{conversation_id}/inquiries", raw,
                      content_type), status)
    error_of(raw_post(api, tokens["clerk"], f"/api/v1/chat/inquiries/{open_one['inquiry_id']}/answer", raw,
                      content_type), status)
    assert snapshot(stack) == before


@pytest.mark.parametrize("name,body,field", ASK_CASES, ids=[c[0] for c in ASK_CASES])
def test_hostile_inquiries_name_the_field_and_store_nothing(stack, api, tokens, conversation, name, body, field):
    conversation_id, _ = conversation
    before = snapshot(stack)
    response = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/inquiries", body, tokens["agent"])
    assert field in error_of(response, 422)["details"]["fields"], response.text
    assert snapshot(stack) == before


@pytest.fixture(scope="module")
def open_inquiry(api, tokens, conversation):
    asked = ask(api, tokens["agent"], conversation[0], court_id=SUPREME, question="Para las respuestas hostiles")
    assert asked.status_code == 201, asked.text
    return asked.json()["inquiry_id"]


@pytest.mark.parametrize("name,body,field", ANSWER_CASES, ids=[c[0] for c in ANSWER_CASES])
def test_hostile_answers_name_the_field_and_store_nothing(stack, api, tokens, open_inquiry, name, body, field):
    before = snapshot(stack)
    response = api.post_json(f"/api/v1/chat/inquiries/{open_inquiry}/answer", body, tokens["clerk"])
    assert field in error_of(response, 422)["details"]["fields"], response.text
    assert snapshot(stack) == before
    assert stack.db("chat").inquiries.find_one({"_id": open_inquiry})["status"] == "open"


@pytest.mark.parametrize("query", ["status=cerrada", "status=open&status=answered", "limit=0", "limit=101",
                                   "limit=dos", "cursor=nada", "conversation_id=abc", "conversation_id=" + "G" * 32,
                                   "court_id=1", "court_id=%3Cscript%3E", "area=%3Cscript%3Ealert(1)%3C/script%3E",
                                   "otro=1"])
def test_hostile_list_queries(api, tokens, query):
    for token in (tokens["clerk"], tokens["agent"]):
        error_of(api.get(f"/api/v1/chat/inquiries?{query}", token), 422)


@pytest.mark.parametrize("inquiry_id", ["abc", "G" * 32, "0" * 31, "../" + "0" * 29, "0" * 33])
def test_malformed_inquiry_ids_are_404_and_store_nothing(stack, api, tokens, inquiry_id):
    before = snapshot(stack)
    error_of(answer(api, tokens["clerk"], inquiry_id, "Respuesta"), 404)
    assert snapshot(stack) == before


def test_html_and_script_are_kept_as_text_never_markup(stack, api, tokens, conversation):
    """A question or an answer with markup is plain text: stored as written, returned as a JSON string."""
    conversation_id, _ = conversation
    question = "<script>alert('x')</script><img src=x onerror=alert(1)> ¿expediente?"
    asked = ask(api, tokens["agent"], conversation_id, court_id=SUPREME, question=question)
    assert asked.status_code == 201 and asked.headers["Content-Type"].startswith("application/json")
    assert asked.json()["question"] == question
    reply = "<b>Sí</b><script>document.cookie</script>"
    answered = answer(api, tokens["clerk"], asked.json()["inquiry_id"], reply)
    assert answered.status_code == 200 and answered.json()["answer"]["text"] == reply
    stored = stack.db("chat").inquiries.find_one({"_id": asked.json()["inquiry_id"]})
    assert stored["question"] == question and stored["answer"]["text"] == reply
