"""The satisfaction survey (CSAT) against the real stack: resolving a conversation queues the survey through the
durable send queue to the loopback Graph API (an interactive list of 1 to 5 within the 24-hour window, the
configured template outside it); the user's signed answer is stored once and does not reopen the conversation;
any other message does; a resolve of a resolved conversation sends nothing, a re-resolve after a reopen sends
again."""
import time

import pytest

from services.chat import csat
from tests.support import whatsapp as wa
from tests.support.polling import wait

pytestmark = pytest.mark.stack

LINE = wa.LINES[1]


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.encuestas", "chat_agent", name="Agente Encuestas")


def user_writes(stack, sender, wa_id, text, hours_ago=0.0):
    wamid = wa.new_wamid()
    payload = wa.text_payload(LINE, wa_id, text, wamid=wamid, timestamp=time.time() - hours_ago * 3600)
    assert sender.send(payload).status_code == 200
    return wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the inbound message")


def user_picks(stack, sender, wa_id, row_id, title, kind="list_reply"):
    """The user's choice in the survey's list (or a reply button), as WhatsApp posts it; returns its payload."""
    wamid = wa.new_wamid()
    payload = wa.messages_payload(LINE, wa_id, [wa.message(
        wa_id, "interactive", {"type": kind, kind: {"id": row_id, "title": title}}, wamid,
        context={"from": "5216632032197", "id": "wamid.SURVEY"})])
    assert sender.send(payload).status_code == 200
    wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the survey answer")
    return payload


def resolve(api, token, conversation_id):
    response = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/status", {"status": "resolved"}, token)
    assert response.status_code == 200, response.text
    return response.json()


def conversation(stack, conversation_id):
    return stack.db("chat").conversations.find_one({"_id": conversation_id})


def test_resolve_sends_the_list_survey_and_the_signed_answer_is_stored_once_without_reopening(
        stack, api, graph, sender, agent):
    wa_id = wa.new_wa_id()
    conversation_id = user_writes(stack, sender, wa_id, "¿Dónde consulto mi expediente?")["conversation_id"]
    assert api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages",
                         {"text": "En el portal, con su usuario."}, agent).status_code == 202
    graph.wait_for(wa_id, 1)
    summary = resolve(api, agent, conversation_id)
    assert summary["status"] == "resolved"
    assert summary["csat"]["status"] == "sent" and summary["csat"]["via"] == "interactive"
    assert summary["csat"]["score"] is None

    # the survey reaches the Graph API as an interactive list with five rows (reply buttons allow three)
    sent = graph.wait_for(wa_id, 2)
    survey = sent[1].body
    assert survey["type"] == "interactive" and survey["to"] == wa_id
    interactive = survey["interactive"]
    assert interactive["type"] == "list" and len(interactive["action"]["button"]) <= 20
    rows = interactive["action"]["sections"][0]["rows"]
    assert [row["title"][0] for row in rows] == ["5", "4", "3", "2", "1"]
    assert all(len(row["title"]) <= 24 and len(row["id"]) <= 200 for row in rows)
    survey_id = conversation(stack, conversation_id)["csat"]["survey_id"]
    assert rows[1]["id"] == f"csat:{survey_id}:4"

    # resolving again sends nothing
    resolve(api, agent, conversation_id)
    time.sleep(0.5)
    assert len(graph.to(wa_id)) == 2

    # the user picks 4: stored, and the conversation stays resolved with nothing waiting
    payload = user_picks(stack, sender, wa_id, rows[1]["id"], rows[1]["title"])
    doc = wait(lambda: (lambda d: d if d["csat"].get("score") else None)(conversation(stack, conversation_id)),
               what="the stored score")
    assert doc["status"] == "resolved" and doc["csat"]["score"] == 4 and doc["csat"]["status"] == "answered"
    assert doc["unanswered"] == 0
    stored = stack.db("chat").surveys.find_one({"_id": survey_id})
    assert stored["score"] == 4 and stored["answered_at"] is not None and stored["line"] == LINE

    # the same webhook delivered again (a new body: Meta's retry of another batch) and a second tap store nothing
    again = wa.WebhookSender(stack.url)
    assert again.post_raw(again.encode(payload)).status_code == 200
    user_picks(stack, sender, wa_id, rows[4]["id"], rows[4]["title"])
    time.sleep(0.5)
    doc = conversation(stack, conversation_id)
    assert doc["csat"]["score"] == 4 and doc["status"] == "resolved"
    assert stack.db("chat").surveys.find_one({"_id": survey_id})["score"] == 4
    shown = api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()
    assert shown["status"] == "resolved" and shown["csat"]["score"] == 4
    assert [m["type"] for m in shown["messages"]].count("interactive") == 3  # the survey and the two taps


def test_any_other_message_reopens_and_a_re_resolve_surveys_again_answered_by_a_plain_number(
        stack, api, graph, sender, agent):
    wa_id = wa.new_wa_id()
    conversation_id = user_writes(stack, sender, wa_id, "Buenas tardes, una pregunta")["conversation_id"]
    resolve(api, agent, conversation_id)
    graph.wait_for(wa_id, 1)
    first_survey = conversation(stack, conversation_id)["csat"]["survey_id"]

    # a new question is not a survey answer: it reopens, and the survey stays unanswered
    user_writes(stack, sender, wa_id, "Otra cosa: ¿atienden el sábado?")
    doc = conversation(stack, conversation_id)
    assert doc["status"] == "open" and doc["csat"]["score"] is None

    # resolved again: a second survey
    resolve(api, agent, conversation_id)
    sent = graph.wait_for(wa_id, 2)
    assert len(sent) == 2 and sent[1].body["type"] == "interactive"
    second_survey = conversation(stack, conversation_id)["csat"]["survey_id"]
    assert second_survey != first_survey

    # a tap on the first survey's list is kept as a message, scores nothing and does not reopen
    user_picks(stack, sender, wa_id, csat.row_id(first_survey, 1), "1 - Muy mala")
    doc = conversation(stack, conversation_id)
    assert doc["status"] == "resolved" and doc["csat"]["score"] is None
    assert stack.db("chat").surveys.find_one({"_id": first_survey})["score"] is None

    # "5" typed as text answers the pending survey
    user_writes(stack, sender, wa_id, " 5 ")
    doc = conversation(stack, conversation_id)
    assert doc["status"] == "resolved" and doc["csat"]["score"] == 5
    # and now that it is answered, a "5" is just a message: it reopens
    user_writes(stack, sender, wa_id, "5")
    assert conversation(stack, conversation_id)["status"] == "open"
    assert stack.db("chat").surveys.count_documents({"conversation_id": conversation_id}) == 2


def test_outside_the_window_the_configured_template_is_sent_and_its_quick_reply_answers(
        stack, api, graph, sender, agent):
    wa_id = wa.new_wa_id()
    conversation_id = user_writes(stack, sender, wa_id, "Consulta de ayer", hours_ago=30)["conversation_id"]
    summary = resolve(api, agent, conversation_id)
    assert summary["csat"]["via"] == "template"
    [sent] = graph.wait_for(wa_id, 1)
    assert sent.body["type"] == "template"
    assert sent.body["template"] == {"name": "encuesta_satisfaccion", "language": {"code": "es_MX"}}
    message = stack.db("chat").messages.find_one({"conversation_id": conversation_id, "direction": "out"})
    wait(lambda: stack.db("chat").messages.find_one({"_id": message["_id"], "status": "sent"}), what="sent")

    # the template's quick-reply button comes back as a "button" message whose text is the score
    wamid = wa.new_wamid()
    payload = wa.messages_payload(LINE, wa_id, [wa.message(wa_id, "button", {"payload": "3 - Regular",
                                                                             "text": "3 - Regular"}, wamid)])
    assert sender.send(payload).status_code == 200
    wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the quick reply")
    doc = conversation(stack, conversation_id)
    assert doc["status"] == "resolved" and doc["csat"]["score"] == 3


def test_a_hostile_or_foreign_answer_id_scores_nothing(stack, api, graph, sender, agent):
    wa_id = wa.new_wa_id()
    conversation_id = user_writes(stack, sender, wa_id, "Hola")["conversation_id"]
    resolve(api, agent, conversation_id)
    graph.wait_for(wa_id, 1)
    survey_id = conversation(stack, conversation_id)["csat"]["survey_id"]
    # a score out of range, another survey's id, an injection attempt: none is stored
    for row_id in (f"csat:{survey_id}:9", f"csat:{survey_id}:0", 'csat:{"$gt":""}:5', "csat:" + "f" * 32 + ":5"):
        user_picks(stack, sender, wa_id, row_id, "<script>alert(1)</script>", kind="button_reply")
    doc = conversation(stack, conversation_id)
    assert doc["csat"]["score"] is None
    assert stack.db("chat").surveys.find_one({"_id": survey_id})["score"] is None


def test_two_resolves_at_once_queue_one_survey(stack, api, graph, sender, agent):
    from concurrent.futures import ThreadPoolExecutor

    wa_id = wa.new_wa_id()
    conversation_id = user_writes(stack, sender, wa_id, "Pregunta rápida")["conversation_id"]
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: api.post_json(f"/api/v1/chat/conversations/{conversation_id}/status",
                                                        {"status": "resolved"}, agent), range(4)))
    assert [a.status_code for a in answers] == [200] * 4
    graph.wait_for(wa_id, 1)
    time.sleep(0.5)
    assert len(graph.to(wa_id)) == 1
    assert stack.db("chat").surveys.count_documents({"conversation_id": conversation_id}) == 1


def test_a_list_refused_for_the_window_by_whatsapp_goes_as_the_template(stack, api, graph, sender, agent):
    """Our clock said the window was open; WhatsApp's had closed it (131047): the same survey goes as the template."""
    wa_id = wa.new_wa_id()
    conversation_id = user_writes(stack, sender, wa_id, "Consulta al filo de las 24 horas")["conversation_id"]
    graph.fail(131047, 400)
    summary = resolve(api, agent, conversation_id)
    assert summary["csat"]["via"] == "interactive"
    [sent] = graph.wait_for(wa_id, 1)
    assert sent.body["type"] == "template" and sent.body["template"]["name"] == "encuesta_satisfaccion"
    assert [a.body["type"] for a in graph.attempts_to(wa_id)] == ["interactive", "template"]
    doc = conversation(stack, conversation_id)
    assert doc["csat"]["via"] == "template" and doc["csat"]["status"] == "sent"
    survey = stack.db("chat").surveys.find_one({"_id": doc["csat"]["survey_id"]})
    assert survey["via"] == "template" and survey["message_id"] == doc["csat"]["message_id"]
    failed = stack.db("chat").messages.find_one({"conversation_id": conversation_id, "type": "interactive"})
    assert failed["status"] == "failed" and failed["error"]["code"] == 131047
