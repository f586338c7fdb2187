"""Replies from the inbox to WhatsApp, through the work queue to a real loopback Graph API server: what is
sent, the statuses WhatsApp reports back, the 24-hour window, and what an agent sees for each send error."""
import time

import pytest

from tests.support import whatsapp as wa
from tests.support.polling import wait

pytestmark = pytest.mark.stack

LINE = wa.LINES[2]


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.respuestas", "chat_agent", name="Agente Respuestas")


def open_conversation(stack, sender, text="Necesito información de mi audiencia", hours_ago=0):
    """A user writes (``hours_ago`` before now); returns (conversation_id, wa_id)."""
    wa_id, wamid = wa.new_wa_id(), wa.new_wamid()
    payload = wa.text_payload(LINE, wa_id, text, wamid=wamid, timestamp=time.time() - hours_ago * 3600)
    assert sender.send(payload).status_code == 200
    message = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the inbound message")
    return message["conversation_id"], wa_id


def reply(api, token, conversation_id, text):
    return api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages", {"text": text}, token)


def shown(api, token, conversation_id, message_id):
    conversation = api.get(f"/api/v1/chat/conversations/{conversation_id}", token).json()
    return next(m for m in conversation["messages"] if m["message_id"] == message_id)


def wait_status(api, token, conversation_id, message_id, status, timeout=15):
    return wait(lambda: (lambda m: m if m["status"] == status else None)(shown(api, token, conversation_id,
                                                                                message_id)),
                timeout, f"message status {status}")


def test_a_reply_reaches_the_graph_api_and_walks_through_its_statuses(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    text = "Su audiencia es el 12 de enero a las 9:00 <b>en sala 3</b>."
    response = reply(api, agent, conversation_id, text)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["status"] == "queued" and queued["direction"] == "out" and queued["text"] == text
    assert queued["author"] == {"sub": "agente.respuestas", "name": "Agente Respuestas"}
    [sent] = graph.wait_for(wa_id)
    assert sent.phone_number_id == LINE and sent.version == "v21.0"
    assert sent.authorization == "Bearer chat-dev-access-token"
    assert sent.body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id,
                         "type": "text", "text": {"preview_url": False, "body": text}}
    message = wait_status(api, agent, conversation_id, queued["message_id"], "sent")
    assert message["wamid"].startswith("wamid.TEST") and message["error"] is None
    # WhatsApp reports read without delivered (normal), then a late delivered that changes nothing
    assert sender.send(wa.status_payload(LINE, message["wamid"], wa_id, "read")).status_code == 200
    wait_status(api, agent, conversation_id, queued["message_id"], "read")
    assert sender.send(wa.status_payload(LINE, message["wamid"], wa_id, "delivered")).status_code == 200
    time.sleep(0.5)
    assert shown(api, agent, conversation_id, queued["message_id"])["status"] == "read"
    summary = api.get(f"/api/v1/chat/conversations?line={LINE}", agent).json()["items"]
    assert any(item["conversation_id"] == conversation_id and item["unanswered"] == 0 for item in summary)


def test_statuses_in_order_and_a_failed_status_with_its_code(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    first = reply(api, agent, conversation_id, "Primera respuesta").json()
    message = wait_status(api, agent, conversation_id, first["message_id"], "sent")
    for status in ("sent", "delivered"):
        assert sender.send(wa.status_payload(LINE, message["wamid"], wa_id, status)).status_code == 200
    wait_status(api, agent, conversation_id, first["message_id"], "delivered")
    second = reply(api, agent, conversation_id, "Segunda respuesta").json()
    message = wait_status(api, agent, conversation_id, second["message_id"], "sent")
    assert sender.send(wa.status_payload(LINE, message["wamid"], wa_id, "failed", error_code=131026)).status_code == 200
    failed = wait_status(api, agent, conversation_id, second["message_id"], "failed")
    assert failed["error"]["code"] == 131026 and "no pudo entregar" in failed["error"]["reason"]


def test_a_status_that_arrives_before_the_send_is_recorded_is_applied_when_it_is(stack, api, sender, agent):
    """WhatsApp may report a status for a wamid the sender has not written yet: kept, applied later."""
    conversation_id, wa_id = open_conversation(stack, sender)
    from services.chat.store import ChatStore
    store = ChatStore(stack.db("chat"), stack.client)
    early = "wamid.EARLY" + wa.new_wamid()[-10:]
    assert sender.send(wa.status_payload(LINE, early, wa_id, "delivered")).status_code == 200
    wait(lambda: stack.db("chat").statuses.find_one({"wamid": early}), what="the kept status")
    queued = reply(api, agent, conversation_id, "Respuesta").json()
    # the sender is fast; record this reply under the early wamid as the sender would have
    message = wait_status(api, agent, conversation_id, queued["message_id"], "sent")
    stack.db("chat").messages.update_one({"_id": message["message_id"]}, {"$set": {"wamid": early}})
    assert store.apply_known_statuses(early) == "delivered"


def test_outside_the_24_hour_window_a_free_form_reply_is_refused_with_the_templates(stack, api, graph, sender,
                                                                                     agent):
    conversation_id, wa_id = open_conversation(stack, sender, hours_ago=25)
    conversation = api.get(f"/api/v1/chat/conversations/{conversation_id}", agent).json()
    assert conversation["window_open"] is False and conversation["window_closes_at"]
    before = stack.db("chat").messages.count_documents({"conversation_id": conversation_id})
    response = reply(api, agent, conversation_id, "¿Sigue necesitando ayuda?")
    assert response.status_code == 409, response.text
    body = response.json()
    assert body["error"] == "outside_window" and "24 horas" in body["message"]
    assert {t["name"] for t in body["details"]["templates"]} == {"seguimiento_consulta", "encuesta_satisfaccion"}
    assert body["details"]["window_closed_at"] == conversation["window_closes_at"]
    time.sleep(0.3)
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id}) == before
    assert graph.attempts_to(wa_id) == []
    # an error's details cross the broker as data: the parameters are counted, not written as text
    assert all(type(t["parameters"]) is int for t in body["details"]["templates"]), body["details"]
    # the templates the refusal offers are the ones the inbox can list before it ever replies
    listed = api.get("/api/v1/chat/templates", agent)
    assert listed.status_code == 200 and listed.json()["items"] == body["details"]["templates"]
    assert all(set(t) == {"name", "language", "parameters"} for t in listed.json()["items"])


def test_just_inside_the_window_a_reply_is_accepted(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender, hours_ago=23.9)
    assert reply(api, agent, conversation_id, "Aún a tiempo").status_code == 202
    assert graph.wait_for(wa_id)


def test_replies_written_one_after_another_reach_whatsapp_in_that_order_even_when_the_first_is_retried(
        stack, api, graph, sender, agent):
    """Several senders work side by side; a reply waits for the earlier ones of its conversation, so the lawyer
    reads them in the order the agent wrote them (here the first meets a rate limit twice and is retried)."""
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.fail(131056, 400, times=2)
    texts = [f"Parte {i} de 6 de la respuesta" for i in range(1, 7)]
    for text in texts:
        assert reply(api, agent, conversation_id, text).status_code == 202
    sent = graph.wait_for(wa_id, count=len(texts), timeout=30)
    assert [s.body["text"]["body"] for s in sent] == texts
    assert len(graph.attempts_to(wa_id)) == len(texts) + 2  # the two refusals, then each once


@pytest.mark.parametrize("code,http_status", [(130429, 400), (131056, 400), (None, 500), (None, 503)])
def test_rate_limits_and_server_errors_are_retried_until_sent(stack, api, graph, sender, agent, code, http_status):
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.fail(code, http_status, times=2)
    queued = reply(api, agent, conversation_id, f"Reintento tras {code or http_status}").json()
    message = wait_status(api, agent, conversation_id, queued["message_id"], "sent", timeout=20)
    assert message["error"] is None
    assert len(graph.attempts_to(wa_id)) == 3 and len(graph.to(wa_id)) == 1


def test_while_retrying_the_agent_sees_why(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.fail(131056, 400, times=3)
    queued = reply(api, agent, conversation_id, "Con límite de pares").json()
    retrying = wait(lambda: (lambda m: m if m["error"] else None)(shown(api, agent, conversation_id,
                                                                        queued["message_id"])), what="retrying")
    assert retrying["status"] == "queued"
    assert retrying["error"] == {"code": 131056, "retrying": True,
                                 "reason": "Demasiados mensajes a este número en poco tiempo; se reintentará."}
    wait_status(api, agent, conversation_id, queued["message_id"], "sent", timeout=20)


def test_a_reply_outside_the_window_per_whatsapp_fails_at_once_with_a_spanish_reason(stack, api, graph, sender,
                                                                                      agent):
    """131047: WhatsApp's own clock says the window closed. Not retried; the agent is told why."""
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.fail(131047, 400, times=1)
    queued = reply(api, agent, conversation_id, "Fuera de ventana según WhatsApp").json()
    failed = wait_status(api, agent, conversation_id, queued["message_id"], "failed")
    assert failed["error"]["code"] == 131047 and failed["error"]["retrying"] is False
    assert "24 horas" in failed["error"]["reason"] and "plantilla" in failed["error"]["reason"]
    time.sleep(0.5)
    assert len(graph.attempts_to(wa_id)) == 1


@pytest.mark.parametrize("code,http_status,words", [(131026, 400, "no usa WhatsApp"), (190, 401, "token"),
                                                    (100, 400, "código 100"), (None, 404, "código 404")])
def test_other_refusals_fail_at_once_with_a_reason(stack, api, graph, sender, agent, code, http_status, words):
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.fail(code, http_status, times=1)
    queued = reply(api, agent, conversation_id, f"Rechazo {code}").json()
    failed = wait_status(api, agent, conversation_id, queued["message_id"], "failed")
    assert words in failed["error"]["reason"] and failed["error"]["retrying"] is False
    assert len(graph.attempts_to(wa_id)) == 1


def test_a_server_that_keeps_failing_gives_up_after_the_attempts(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.fail(None, 503, times=4)  # CHAT_SEND_MAX_ATTEMPTS=4 in the test stack
    queued = reply(api, agent, conversation_id, "Servidor caído").json()
    failed = wait_status(api, agent, conversation_id, queued["message_id"], "failed", timeout=30)
    assert failed["error"]["reason"] == "No se pudo enviar el mensaje después de varios intentos."
    assert len(graph.attempts_to(wa_id)) == 4


def test_a_dropped_connection_is_retried(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender)
    graph.drop(times=1)
    queued = reply(api, agent, conversation_id, "Conexión cortada").json()
    wait_status(api, agent, conversation_id, queued["message_id"], "sent", timeout=20)
    assert len(graph.to(wa_id)) == 1


def test_outside_the_window_an_approved_template_is_sent(stack, api, graph, sender, agent):
    conversation_id, wa_id = open_conversation(stack, sender, hours_ago=30)
    body = {"template": {"name": "seguimiento_consulta", "language": "es_MX", "parameters": ["01001-2026-00001"]}}
    response = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages", body, agent)
    assert response.status_code == 202, response.text
    queued = response.json()
    assert queued["type"] == "template" and "seguimiento_consulta" in queued["text"]
    [sent] = graph.wait_for(wa_id)
    assert sent.body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id,
                         "type": "template",
                         "template": {"name": "seguimiento_consulta", "language": {"code": "es_MX"},
                                      "components": [{"type": "body", "parameters": [
                                          {"type": "text", "text": "01001-2026-00001"}]}]}}
    wait_status(api, agent, conversation_id, queued["message_id"], "sent")
    plain = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages",
                          {"template": {"name": "encuesta_satisfaccion", "language": "es_MX"}}, agent)
    assert plain.status_code == 202
    assert graph.wait_for(wa_id, 2)[1].body["template"] == {"name": "encuesta_satisfaccion",
                                                            "language": {"code": "es_MX"}}


@pytest.mark.parametrize("body,field", [
    ({"template": {"name": "no_existe", "language": "es_MX"}}, "template"),
    ({"template": {"name": "seguimiento_consulta", "language": "en_US", "parameters": ["x"]}}, "template"),
    ({"template": {"name": "seguimiento_consulta", "language": "es_MX"}}, "template"),
    ({"template": {"name": "encuesta_satisfaccion", "language": "es_MX", "parameters": ["de más"]}}, "template"),
    ({"text": "hola", "template": {"name": "encuesta_satisfaccion", "language": "es_MX"}}, "text"),
    ({"template": {"name": "Con Espacios", "language": "es_MX"}}, "template.name"),
    ({"template": {"name": "encuesta_satisfaccion", "language": "es_MX", "parameters": [""]}},
     "template.parameters.0"),
])
def test_a_template_that_is_not_configured_as_sent_is_refused_and_nothing_queued(stack, api, graph, sender, agent,
                                                                                  body, field):
    conversation_id, wa_id = open_conversation(stack, sender, hours_ago=30)
    before = stack.db("chat").messages.count_documents({"conversation_id": conversation_id})
    response = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/messages", body, agent)
    assert response.status_code == 422, response.text
    assert field in response.json()["details"]["fields"], response.json()
    time.sleep(0.3)
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id}) == before
    assert graph.attempts_to(wa_id) == []
