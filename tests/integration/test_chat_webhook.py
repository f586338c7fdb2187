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


def test_a_users_messages_apply_in_the_order_their_payloads_were_stored_while_payloads_apply_side_by_side(
        stack, sender):
    """Payloads are applied by several workers at once; a user's messages still apply one after another, in the
    order WhatsApp's posts were stored (what the live stream and the conversation's state follow)."""
    from concurrent.futures import ThreadPoolExecutor

    user, others = wa.new_wa_id(), [wa.new_wa_id() for _ in range(4)]
    posts = [(user, f"Mensaje {i} del mismo abogado") for i in range(10)]
    posts += [(others[i % 4], f"Mensaje {i} de otro abogado") for i in range(20)]
    wamids = {text: wa.new_wamid() for _, text in posts}
    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda post: sender.send(wa.text_payload(LINE, post[0], post[1],
                                                                          wamid=wamids[post[1]])), posts))
    assert all(answer.status_code == 200 for answer in answers)
    for text in wamids:
        wait_message(stack, wamids[text])
    chat = stack.db("chat")
    stored = [job for job in chat.webhooks.find({"senders": f"{LINE}:{user}"}).sort([("created_at", 1), ("_id", 1)])]
    stored_order = [json.loads(job["raw"])["entry"][0]["changes"][0]["value"]["messages"][0]["id"] for job in stored]
    applied_order = [m["wamid"] for m in chat.messages.find({"wa_id": user}).sort([("created_at", 1), ("_id", 1)])]
    assert len(stored_order) == 10 and applied_order == stored_order


# --- duplicates -----------------------------------------------------------------------------------------------
def test_the_same_message_delivered_twice_is_kept_once(stack, sender, api, agent):
    wa_id, wamid = wa.new_wa_id(), wa.new_wamid()
    now = int(time.time())
    payload = wa.text_payload(LINE, wa_id, "Mensaje repetido", wamid=wamid, timestamp=now - 5)
    assert sender.send(payload).status_code == 200
    assert sender.send(payload).status_code == 200  # the same body again (Meta's retry)
    other_body = wa.messages_payload(LINE, wa_id, [
        wa.message(wa_id, "text", {"body": "Mensaje repetido"}, wamid, timestamp=now - 5),
        wa.message(wa_id, "text", {"body": "Otro"}, timestamp=now - 4)])
    assert sender.send(other_body).status_code == 200  # the same wamid inside another body
    wait_message(stack, wamid)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and stack.db("chat").messages.count_documents({"wa_id": wa_id}) < 2:
        time.sleep(0.05)
    time.sleep(0.5)
    assert stack.db("chat").messages.count_documents({"wamid": wamid}) == 1
    assert [m["text"] for m in conversation_of(api, agent, stack, wa_id)["messages"]] == ["Mensaje repetido", "Otro"]
    assert stack.db("chat").conversations.count_documents({"wa_id": wa_id}) == 1


# --- every message type ----------------------------------------------------------------------------------------
def typed_messages(wa_id):
    m = wa.message
    return [
        (m(wa_id, "text", {"body": "Consulta sobre mi expediente 01001-2026-00001"}),
         {"type": "text", "known": True, "text": "Consulta sobre mi expediente 01001-2026-00001"}),
        (m(wa_id, "image", {"caption": "Foto del acuse", "mime_type": "image/jpeg", "sha256": "abc=", "id": "111"}),
         {"type": "image", "known": True, "text": "Foto del acuse",
          "media": {"id": "111", "mime_type": "image/jpeg", "sha256": "abc=", "filename": None}}),
        (m(wa_id, "document", {"caption": "Memorial", "filename": "memorial.pdf", "mime_type": "application/pdf",
                               "sha256": "def=", "id": "222"}),
         {"type": "document", "known": True, "text": "Memorial",
          "media": {"id": "222", "mime_type": "application/pdf", "sha256": "def=", "filename": "memorial.pdf"}}),
        (m(wa_id, "audio", {"mime_type": "audio/ogg; codecs=opus", "sha256": "ghi=", "id": "333", "voice": True}),
         {"type": "audio", "known": True, "text": "",
          "media": {"id": "333", "mime_type": "audio/ogg; codecs=opus", "sha256": "ghi=", "filename": None}}),
        (m(wa_id, "video", {"mime_type": "video/mp4", "sha256": "jkl=", "id": "444"}),
         {"type": "video", "known": True, "text": "",
          "media": {"id": "444", "mime_type": "video/mp4", "sha256": "jkl=", "filename": None}}),
        (m(wa_id, "location", {"latitude": 32.5149, "longitude": -117.0382, "name": "Palacio de Justicia",
                               "address": "Tijuana, B.C."}),
         {"type": "location", "known": True,
          "text": "Ubicación: Palacio de Justicia Tijuana, B.C. (32.5149, -117.0382)",
          "location": {"latitude": 32.5149, "longitude": -117.0382, "name": "Palacio de Justicia",
                       "address": "Tijuana, B.C."}}),
        (m(wa_id, "contacts", None, contacts=[{"name": {"formatted_name": "Lic. Pedro Ruiz", "first_name": "Pedro"},
                                               "phones": [{"phone": "+52 664 123 4567", "wa_id": "5216641234567",
                                                           "type": "CELL"}]}]),
         {"type": "contacts", "known": True, "text": "Contactos: Lic. Pedro Ruiz +52 664 123 4567",
          "contacts": [{"name": "Lic. Pedro Ruiz", "phones": ["+52 664 123 4567"]}]}),
        (m(wa_id, "interactive", {"type": "button_reply", "button_reply": {"id": "csat_5", "title": "Excelente"}}),
         {"type": "interactive", "known": True, "text": "Excelente",
          "reply": {"kind": "button_reply", "id": "csat_5", "title": "Excelente", "description": None}}),
        (m(wa_id, "interactive", {"type": "list_reply", "list_reply": {"id": "area_civil", "title": "Civil",
                                                                       "description": "Juzgados civiles"}}),
         {"type": "interactive", "known": True, "text": "Civil — Juzgados civiles",
          "reply": {"kind": "list_reply", "id": "area_civil", "title": "Civil", "description": "Juzgados civiles"}}),
        (m(wa_id, "button", {"payload": "SI_CONFIRMO", "text": "Sí, confirmo"}),
         {"type": "button", "known": True, "text": "Sí, confirmo",
          "reply": {"kind": "button", "id": "SI_CONFIRMO", "title": "Sí, confirmo", "description": None}}),
        (m(wa_id, "reaction", {"message_id": "wamid.X", "emoji": "👍"}),
         {"type": "reaction", "known": False, "text": "[Mensaje de tipo «reaction» no soportado]"}),
        (m(wa_id, "unsupported", None, errors=[{"code": 131051, "title": "Message type unknown"}]),
         {"type": "unsupported", "known": False, "text": "[Mensaje de tipo «unsupported» no soportado]"}),
        (m(wa_id, "interactive", {"type": "nfm_reply", "nfm_reply": {"response_json": "{}"}}),
         {"type": "interactive", "known": False,
          "text": "[Respuesta interactiva de tipo «nfm_reply» no soportada]"}),
    ]


def test_every_message_type_is_understood_and_unknown_ones_are_shown_as_such(stack, sender, api, agent):
    wa_id = wa.new_wa_id()
    cases = typed_messages(wa_id)
    base = int(time.time()) - 60
    for i, (message, _) in enumerate(cases):
        message["timestamp"] = str(base + i)
    assert sender.send(wa.messages_payload(wa.LINES[1], wa_id, [m for m, _ in cases])).status_code == 200
    for message, _ in cases:
        wait_message(stack, message["id"])
    shown = conversation_of(api, agent, stack, wa_id)["messages"]
    assert len(shown) == len(cases)
    for seen, (message, expected) in zip(shown, cases):
        assert seen["wamid"] == message["id"] and seen["direction"] == "in" and seen["status"] == "received"
        for key, value in expected.items():
            if key == "media":  # plus where its download stands (these ids are unknown to the Graph server)
                assert {k: seen["media"][k] for k in value} == value and seen["media"]["status"] in (
                    "pending", "refused"), seen
            else:
                assert seen[key] == value, (key, seen)


def test_html_and_script_in_a_message_are_kept_as_text(stack, sender, api, agent):
    wa_id = wa.new_wa_id()
    hostile = "<script>alert('x')</script><img src=x onerror=alert(1)> & \"comillas\"\x07"
    wamid = wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, wa_id, hostile, wamid=wamid, name="<b>Nombre</b>")).status_code == 200
    wait_message(stack, wamid)
    seen = conversation_of(api, agent, stack, wa_id)
    assert seen["messages"][0]["text"] == hostile.replace("\x07", "")  # control characters dropped, nothing else
    assert seen["contact"]["name"] == "<b>Nombre</b>"  # text, escaped by whoever shows it


def test_a_payload_without_messages_or_of_another_field_is_kept_and_changes_nothing(stack, sender):
    other = {"object": "whatsapp_business_account",
             "entry": [{"id": "1", "changes": [{"field": "message_template_status_update",
                                                "value": {"event": "APPROVED", "message_template_name": "x"}}]}]}
    before = stack.db("chat").conversations.count_documents({})
    assert sender.send(other).status_code == 200
    assert sender.send(wa.envelope(LINE, {})).status_code == 200
    time.sleep(0.5)
    assert stack.db("chat").conversations.count_documents({}) == before


def test_a_message_for_a_line_that_is_not_configured_is_kept_not_routed(stack, sender):
    wamid = wa.new_wamid()
    assert sender.send(wa.text_payload("999999999999999", wa.new_wa_id(), "Hola", wamid=wamid)).status_code == 200
    assert stack.db("chat").webhooks.find_one({"raw": {"$regex": wamid}}) is not None
    time.sleep(0.5)
    assert stack.db("chat").messages.count_documents({"wamid": wamid}) == 0


# --- a new message reopens ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("status", ["resolved", "snoozed"])
def test_a_new_user_message_reopens_a_resolved_or_snoozed_conversation(stack, sender, api, agent, status):
    wa_id, first = wa.new_wa_id(), wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, wa_id, "Primera", wamid=first)).status_code == 200
    wait_message(stack, first)
    conversation_id = stack.db("chat").conversations.find_one({"wa_id": wa_id})["_id"]
    body = {"status": status}
    changed = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/status", body, agent)
    assert changed.status_code == 200 and changed.json()["status"] == status, changed.text
    second = wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, wa_id, "Sigo esperando", wamid=second)).status_code == 200
    wait_message(stack, second)
    seen = conversation_of(api, agent, stack, wa_id)
    assert seen["status"] == "open" and seen["snoozed_until"] is None
    assert seen["conversation_id"] == conversation_id  # the same conversation, reopened


# --- complaints caught early ------------------------------------------------------------------------------------------
def test_each_inbound_message_is_classified_and_a_complaint_flags_its_conversation(stack, sender, api, agent):
    quiet, angry = wa.new_wa_id(), wa.new_wa_id()
    first, second = wa.new_wamid(), wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, quiet, "¿Cuál es el horario de la oficialía de partes?",
                                       wamid=first)).status_code == 200
    assert sender.send(wa.text_payload(LINE, angry, "Llevo tres semanas esperando y nadie contesta el teléfono",
                                       wamid=second)).status_code == 200
    wait_message(stack, first)
    wait_message(stack, second)
    calm = conversation_of(api, agent, stack, quiet)
    assert calm["complaint"] is False
    assert calm["messages"][0]["classification"] == {"label": "consulta", "cues": []}
    upset = conversation_of(api, agent, stack, angry)
    assert upset["complaint"] is True
    classification = upset["messages"][0]["classification"]
    assert classification["label"] == "queja"
    assert {"tiempo_transcurrido", "sin_respuesta"} <= set(classification["cues"])
    flagged = api.get(f"/api/v1/chat/conversations?complaint=true&line={LINE}&limit=100", agent).json()["items"]
    ids = {c["contact"]["wa_id"] for c in flagged}
    assert angry in ids and quiet not in ids and all(c["complaint"] for c in flagged)
    others = api.get(f"/api/v1/chat/conversations?complaint=false&line={LINE}&limit=100", agent).json()["items"]
    assert quiet in {c["contact"]["wa_id"] for c in others} and not any(c["complaint"] for c in others)


def test_staff_correct_a_classification_and_the_correction_is_kept(stack, sender, api, agent):
    wa_id, wamid = wa.new_wa_id(), wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, wa_id, "Es una vergüenza, nadie contesta el teléfono",
                                       wamid=wamid)).status_code == 200
    message = wait_message(stack, wamid)
    conversation_id = message["conversation_id"]
    path = f"/api/v1/chat/conversations/{conversation_id}/messages/{message['_id']}/classification"
    assert conversation_of(api, agent, stack, wa_id)["complaint"] is True
    for body in ({"label": "enojo"}, {}, {"label": "queja", "extra": 1}):
        assert api.post_json(path, body, agent).status_code == 422
    corrected = api.post_json(path, {"label": "consulta"}, agent)
    assert corrected.status_code == 200, corrected.text
    classification = corrected.json()["classification"]
    assert classification["label"] == "queja" and classification["corrected"]["label"] == "consulta"
    assert classification["corrected"]["by"] == "agente.webhook"
    assert conversation_of(api, agent, stack, wa_id)["complaint"] is False
    kept = stack.db("chat").classification_corrections.find_one({"message_id": message["_id"]})
    assert kept["predicted"] == "queja" and kept["corrected"] == "consulta" and kept["text"].startswith("Es una")
    other = stack.db("chat").conversations.find_one({"_id": {"$ne": conversation_id}})
    crossed = f"/api/v1/chat/conversations/{other['_id']}/messages/{message['_id']}/classification"
    assert api.post_json(crossed, {"label": "queja"}, agent).status_code == 404
