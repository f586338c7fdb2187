"""A bank as our payment notices see it: it signs each notice with its secret (HMAC-SHA256 of
``<timestamp>.<raw body>``, headers X-Payment-Timestamp and X-Payment-Signature) and, like banks do, sends it
again until it gets a 2xx (or its patience runs out). Runs over real HTTP against the gateway on loopback."""
import datetime
import itertools
import json
import time
import uuid

import requests

from services.certificates.settings import DEV_BANK, DEV_BANK_SECRET
from services.runtime import signatures

PATH = "/api/v1/payments/notifications"
_transactions = itertools.count(1)


def sign(secret, timestamp, raw):
    return signatures.sign(secret, str(timestamp).encode("ascii") + b"." + raw)


class BankSimulator:
    def __init__(self, gateway_url, bank=DEV_BANK, secret=DEV_BANK_SECRET):
        self.url = gateway_url + PATH
        self.bank = bank
        self.secret = secret
        self.http = requests.Session()
        self.attempts = []  # (status, body) of every delivery

    def notice(self, reference, amount="30.00", currency="GTQ", transaction_id=None, bank=None):
        return {"bank": bank or self.bank, "transaction_id": transaction_id or f"TX-{uuid.uuid4().hex[:12]}",
                "reference": reference, "amount": amount, "currency": currency,
                "paid_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")}

    def raw(self, notice):
        return json.dumps(notice, separators=(",", ":")).encode("utf-8")

    def send_once(self, body, timestamp=None, signature=None, secret=None, headers=None):
        """One delivery of ``body`` (a dict, or raw bytes sent as they are)."""
        raw = body if isinstance(body, bytes) else self.raw(body)
        timestamp = str(int(time.time()) if timestamp is None else timestamp)
        signature = signature if signature is not None else sign(secret or self.secret, timestamp, raw)
        sent = {"Content-Type": "application/json", "X-Payment-Timestamp": timestamp,
                "X-Payment-Signature": signature, **(headers or {})}
        sent = {k: v for k, v in sent.items() if v is not None}
        response = self.http.post(self.url, data=raw, headers=sent, timeout=30)
        self.attempts.append((response.status_code, response.text))
        return response

    def pay(self, reference, patience=30, pause=0.2, **notice_fields):
        """Deliver a notice until a 2xx, as banks retry: each delivery freshly signed. Returns the response."""
        notice = self.notice(reference, **notice_fields)
        deadline = time.monotonic() + patience
        while True:
            try:
                response = self.send_once(notice)
                if 200 <= response.status_code < 300:
                    return response
            except requests.RequestException:
                response = None
            if time.monotonic() > deadline:
                return response
            time.sleep(pause)
