"""WhatsApp's webhook, end to end through the gateway: the handshake, the signature (checked before anything
is stored), duplicates kept once, every message type understood (unknown ones kept and shown as such), and
statuses updating the message they name."""
import json
import time

import pytest

from services.chat.settings import DEV_VERIFY_TOKEN
from tests.support import whatsapp as wa

pytestmark = pytest.mark.stack

LINE = wa.LINES[0]


@pytest.fixture(scope="module")
def sender(stack):
    return wa.WebhookSender(stack.url)


@pytest.fixture(scope="module")
def agent(api, stack):
    return stack.token("agente.webhook", "chat_agent", name="Agente Webhook")


def payloads(stack):
    return stack.db("chat").webhooks.count_documents({})


def wait_message(stack, wamid, timeout=15):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = stack.db("chat").messages.find_one({"wamid": wamid})
        if found:
            return found
        time.sleep(0.05)
    raise AssertionError(f"message {wamid} never applied")


def conversation_of(api, token, stack, wa_id):
    doc = stack.db("chat").conversations.find_one({"wa_id": wa_id})
    assert doc, wa_id
    response = api.get(f"/api/v1/chat/conversations/{doc['_id']}", token)
    assert response.status_code == 200, response.text
    return response.json()


# --- the handshake ------------------------------------------------------------------------------------------
def test_handshake_answers_the_challenge_as_plain_text(api):
    response = api.get("/api/v1/chat/whatsapp/webhook", params={"hub.mode": "subscribe",
                                                                "hub.verify_token": DEV_VERIFY_TOKEN,
                                                                "hub.challenge": "1158201444"})
    assert response.status_code == 200, response.text
    assert response.text == "1158201444"
    assert response.headers["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize("params", [
    {"hub.mode": "subscribe", "hub.verify_token": "otro-token", "hub.challenge": "1"},
    {"hub.mode": "unsubscribe", "hub.verify_token": DEV_VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.verify_token": DEV_VERIFY_TOKEN, "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.challenge": "1"},
    {"hub.mode": "subscribe", "hub.verify_token": DEV_VERIFY_TOKEN},
    {},
])
def test_handshake_refuses_anything_else(api, params):
    response = api.get("/api/v1/chat/whatsapp/webhook", params=params)
    assert response.status_code == 403, response.text
    assert response.json()["error"] == "invalid_verify_token"


# --- the signature ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("signature", [
    None, "", "sha256=", "sha256=" + "0" * 64, "sha1=" + "0" * 40, "0" * 64,
    "sha256=" + "g" * 64,
])
def test_a_missing_or_wrong_signature_is_401_and_stores_nothing(stack, sender, signature):
    wamid = wa.new_wamid()
    raw = sender.encode(wa.text_payload(LINE, wa.new_wa_id(), "Hola", wamid=wamid))
    before = payloads(stack)
    response = sender.post_raw(raw, signature=signature)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_signature"
    time.sleep(0.3)
    assert payloads(stack) == before
    assert stack.db("chat").messages.count_documents({"wamid": wamid}) == 0


def test_a_signature_of_other_bytes_is_refused(stack, sender):
    """A body re-encoded after signing (spaces added) no longer matches: the HMAC is of the raw bytes."""
    payload = wa.text_payload(LINE, wa.new_wa_id(), "Hola")
    signed = sender.encode(payload)
    from services.runtime.signatures import sign
    before = payloads(stack)
    response = sender.post_raw(json.dumps(payload).encode(), signature=sign(sender.secret, signed))
    assert response.status_code == 401
    assert payloads(stack) == before


def test_a_forged_signature_with_another_secret_is_refused(stack):
    forger = wa.WebhookSender(stack.url, secret="no-es-el-secreto", retries=0)
    wamid = wa.new_wamid()
    before = payloads(stack)
    response = forger.post_raw(forger.encode(wa.text_payload(LINE, wa.new_wa_id(), "Hola", wamid=wamid)))
    assert response.status_code == 401
    assert payloads(stack) == before


def test_the_right_signature_stores_then_answers_200(stack, sender, api, agent):
    wa_id = wa.new_wa_id()
    wamid = wa.new_wamid()
    response = sender.send(wa.text_payload(LINE, wa_id, "Buenos días, ¿cómo consulto mi expediente?", wamid=wamid))
    assert response.status_code == 200, response.text
    assert response.json() == {"status": "received"}
    stored = stack.db("chat").webhooks.find_one({"raw": {"$regex": wamid}})
    assert stored is not None  # stored before the answer: no waiting needed
    message = wait_message(stack, wamid)
    assert message["direction"] == "in" and message["text"] == "Buenos días, ¿cómo consulto mi expediente?"
    seen = conversation_of(api, agent, stack, wa_id)
    assert seen["contact"] == {"wa_id": wa_id, "name": "Lic. Laura Gómez"}
    assert seen["status"] == "open" and seen["window_open"] is True
    assert [m["text"] for m in seen["messages"]] == ["Buenos días, ¿cómo consulto mi expediente?"]


# --- duplicates -----------------------------------------------------------------------------------------------
def test_the_same_message_delivered_twice_is_kept_once(stack, sender, api, agent):
    wa_id, wamid = wa.new_wa_id(), wa.new_wamid()
    payload = wa.text_payload(LINE, wa_id, "Mensaje repetido", wamid=wamid)
    assert sender.send(payload).status_code == 200
    assert sender.send(payload).status_code == 200  # the same body again (Meta's retry)
    other_body = wa.messages_payload(LINE, wa_id, [wa.message(wa_id, "text", {"body": "Mensaje repetido"}, wamid),
                                                   wa.message(wa_id, "text", {"body": "Otro"})])
    assert sender.send(other_body).status_code == 200  # the same wamid inside another body
    wait_message(stack, wamid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and stack.db("chat").messages.count_documents({"wa_id": wa_id}) < 2:
        time.sleep(0.05)
    time.sleep(0.5)
    assert stack.db("chat").messages.count_documents({"wamid": wamid}) == 1
    assert [m["text"] for m in conversation_of(api, agent, stack, wa_id)["messages"]] == ["Mensaje repetido", "Otro"]
    assert stack.db("chat").conversations.count_documents({"wa_id": wa_id}) == 1
