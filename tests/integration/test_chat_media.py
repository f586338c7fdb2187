"""Media users send: fetched from the loopback Graph API with the access token (info, then the bytes),
checked for size and type, kept, and handed to staff as a download; what fails a check is refused with a
reason the agent sees, and nothing of it is kept."""
import hashlib
import itertools
import time

import pytest

from tests.support import whatsapp as wa

pytestmark = pytest.mark.stack

LINE = wa.LINES[2]
_ids = itertools.count(1)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4
OGG = b"OggS\x00\x02" + b"\x00" * 200


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.medios", "chat_agent", name="Agente Medios")


def media_id():
    return f"9{int(time.time())}{next(_ids):05d}"


def send_media(stack, kind, content):
    wa_id, wamid = wa.new_wa_id(), wa.new_wamid()
    payload = wa.messages_payload(LINE, wa_id, [wa.message(wa_id, kind, content, wamid)])
    assert wa.WebhookSender(stack.url).send(payload).status_code == 200
    return wamid


def settled(stack, wamid, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = stack.db("chat").messages.find_one({"wamid": wamid})
        if message and message["media"]["status"] != "pending":
            return message
        time.sleep(0.05)
    raise AssertionError("the medium never settled")


def download(api, agent, message):
    return api.get(f"/api/v1/chat/conversations/{message['conversation_id']}/messages/{message['_id']}/media", agent)


@pytest.mark.parametrize("kind,mime,data,filename", [
    ("document", "application/pdf", PDF, "demanda.pdf"),
    ("image", "image/jpeg", JPEG, None),
    ("audio", "audio/ogg; codecs=opus", OGG, None),
])
def test_a_medium_is_fetched_with_the_token_checked_kept_and_downloaded(stack, api, graph, agent, kind, mime, data,
                                                                        filename):
    mid = media_id()
    graph.add_media(mid, data, mime)
    content = {"id": mid, "mime_type": mime, "sha256": hashlib.sha256(data).hexdigest()}
    if filename:
        content["filename"] = filename
    message = settled(stack, send_media(stack, kind, content))
    assert message["media"]["status"] == "stored", message["media"]
    fetched = [auth for path, auth in graph.media_requests if mid in path]
    assert fetched == ["Bearer chat-dev-access-token"] * 2  # the info, then the bytes, both with the token
    response = download(api, agent, message)
    assert response.status_code == 200
    assert response.content == data
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["X-Media-Type"] == mime.split(";")[0]
    assert response.headers["X-Content-SHA256"] == hashlib.sha256(data).hexdigest()
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    shown = api.get(f"/api/v1/chat/conversations/{message['conversation_id']}", agent).json()["messages"][0]
    assert shown["media"]["status"] == "stored" and shown["media"]["size"] == len(data)


@pytest.mark.parametrize("declared,data,served_mime,claimed_sha,reason", [
    ("image/jpeg", b"<html><script>alert(1)</script></html>", "image/jpeg", None, "no corresponde al tipo"),
    ("text/html", b"<html></html>", "text/html", None, "Tipo de archivo no admitido"),
    ("application/pdf", PDF + b"x" * (300 * 1024), "application/pdf", None, "excede el máximo"),
    ("application/pdf", PDF, "application/pdf", "0" * 64, "huella SHA-256"),
])
def test_a_medium_that_fails_a_check_is_refused_and_not_kept(stack, api, graph, agent, declared, data, served_mime,
                                                             claimed_sha, reason):
    mid = media_id()
    graph.add_media(mid, data, served_mime, sha256=claimed_sha)
    message = settled(stack, send_media(stack, "document", {"id": mid, "mime_type": declared,
                                                            "filename": "archivo.pdf"}))
    assert message["media"]["status"] == "refused" and reason in message["media"]["reason"], message["media"]
    assert stack.db("chat")["media.files"].count_documents({"metadata.message_id": message["_id"]}) == 0
    response = download(api, agent, message)
    assert response.status_code == 404 and response.json()["error"] == "media_not_found"
    shown = api.get(f"/api/v1/chat/conversations/{message['conversation_id']}", agent).json()["messages"][0]
    assert shown["media"]["status"] == "refused" and reason in shown["media"]["reason"]


def test_a_medium_whatsapp_does_not_know_is_refused(stack, graph, agent):
    message = settled(stack, send_media(stack, "image", {"id": media_id(), "mime_type": "image/jpeg"}))
    assert message["media"]["status"] == "refused"
    assert message["media"]["reason"] == "No se pudo descargar el archivo de WhatsApp."


def test_media_of_another_conversation_or_message_is_404(stack, api, graph, agent):
    mid = media_id()
    graph.add_media(mid, PDF, "application/pdf")
    message = settled(stack, send_media(stack, "document", {"id": mid, "mime_type": "application/pdf"}))
    other = settled(stack, send_media(stack, "document", {"id": mid, "mime_type": "application/pdf"}))
    crossed = api.get(f"/api/v1/chat/conversations/{other['conversation_id']}/messages/{message['_id']}/media",
                      agent)
    assert crossed.status_code == 404
    assert api.get(f"/api/v1/chat/conversations/{message['conversation_id']}/messages/{'0' * 32}/media",
                   agent).status_code == 404
    lawyer = stack.token("abogado.medios", "lawyer", name="Lic. Medios", bar_number="777")
    assert download(api, lawyer, message).status_code == 403
