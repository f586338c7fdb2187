"""Webhooks as Meta sends them: payload builders for every message type and status, and a sender that signs
each body (``X-Hub-Signature-256: sha256=<HMAC-SHA256 of the raw body with the app secret>``) and retries
anything but a 200, as Meta does."""
import itertools
import json
import time

import requests

from services.chat.settings import DEV_APP_SECRET, DEV_LINES
from services.runtime.signatures import sign

WEBHOOK_PATH = "/api/v1/chat/whatsapp/webhook"
LINES = [line["phone_number_id"] for line in DEV_LINES]
_ids = itertools.count(1)
_numbers = itertools.count(1)


def new_wamid():
    return f"wamid.HBgM{int(time.time() * 1000)}{next(_ids):06d}"


def new_wa_id():
    """A Mexican mobile number as WhatsApp writes it (no +), unique in this test process."""
    return f"521686{int(time.time()) % 10000:04d}{next(_numbers):03d}"


def envelope(phone_number_id, value):
    line = next((line for line in DEV_LINES if line["phone_number_id"] == phone_number_id), None)
    display = line["display_number"].replace(" ", "").lstrip("+") if line else "5210000000000"
    return {"object": "whatsapp_business_account",
            "entry": [{"id": "102290129340398",
                       "changes": [{"field": "messages",
                                    "value": {"messaging_product": "whatsapp",
                                              "metadata": {"display_phone_number": display,
                                                           "phone_number_id": phone_number_id},
                                              **value}}]}]}


def message(wa_id, kind, content, wamid=None, timestamp=None, **extra):
    return {"from": wa_id, "id": wamid or new_wamid(), "timestamp": str(int(timestamp or time.time())),
            "type": kind, **({kind: content} if content is not None else {}), **extra}


def messages_payload(line, wa_id, messages, name="Lic. Laura Gómez"):
    return envelope(line, {"contacts": [{"profile": {"name": name}, "wa_id": wa_id}], "messages": messages})


def text_payload(line, wa_id, body, wamid=None, timestamp=None, name="Lic. Laura Gómez"):
    return messages_payload(line, wa_id, [message(wa_id, "text", {"body": body}, wamid, timestamp)], name)


def status_payload(line, wamid, wa_id, status, timestamp=None, error_code=None):
    entry = {"id": wamid, "status": status, "timestamp": str(int(timestamp or time.time())), "recipient_id": wa_id}
    if status == "failed":
        entry["errors"] = [{"code": error_code or 131026, "title": "Message undeliverable",
                            "message": "Message undeliverable", "error_data": {"details": "simulated"}}]
    elif status in ("sent", "delivered"):
        entry["conversation"] = {"id": "CONVERSATION_ID", "origin": {"type": "service"}}
        entry["pricing"] = {"billable": True, "pricing_model": "PMP", "category": "service"}
    return envelope(line, {"statuses": [entry]})


class WebhookSender:
    """Posts payloads to the gateway as Meta would: the exact bytes, signed; retried on anything but 200."""

    def __init__(self, url, secret=DEV_APP_SECRET, retries=5, pause=0.2):
        self.url = url + WEBHOOK_PATH
        self.secret = secret
        self.retries = retries
        self.pause = pause
        self.http = requests.Session()

    @staticmethod
    def encode(payload):
        return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")

    def post_raw(self, raw, signature="sign", content_type="application/json"):
        """One POST; ``signature``: "sign" (right), None (missing) or the header value to send."""
        headers = {"Content-Type": content_type}
        if signature == "sign":
            headers["X-Hub-Signature-256"] = sign(self.secret, raw)
        elif signature is not None:
            headers["X-Hub-Signature-256"] = signature
        return self.http.post(self.url, data=raw, headers=headers, timeout=30)

    def send(self, payload):
        """Deliver one payload, retrying until a 200 (or the retries are spent); returns the last response."""
        raw = self.encode(payload)
        response = None
        for attempt in range(self.retries + 1):
            try:
                response = self.post_raw(raw)
            except requests.RequestException:
                response = None
            if response is not None and response.status_code == 200:
                return response
            time.sleep(self.pause * (2 ** attempt))
        return response


def seed_conversation(url, text="Buenos días, ¿dónde consulto el estado de mi expediente?"):
    """One signed text message from a new WhatsApp user on the first line: a conversation for the inbox."""
    wa_id = new_wa_id()
    response = WebhookSender(url).send(text_payload(LINES[0], wa_id, text))
    assert response is not None and response.status_code == 200, response and response.text
    return wa_id


def open_conversation(stack, line, text, sender=None, timeout=15, **payload_options):
    """A new WhatsApp user writes ``text`` on ``line`` (signed, as Meta posts it) and the chat service stores it:
    returns (conversation_id, wa_id)."""
    wa_id, wamid = new_wa_id(), new_wamid()
    response = (sender or WebhookSender(stack.url)).send(text_payload(line, wa_id, text, wamid=wamid,
                                                                      **payload_options))
    assert response is not None and response.status_code == 200, response and response.text
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = stack.db("chat").messages.find_one({"wamid": wamid}, {"conversation_id": 1})
        if message:
            return message["conversation_id"], wa_id
        time.sleep(0.05)
    raise AssertionError(f"the message {wamid} was never stored")
