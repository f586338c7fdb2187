"""Machines that call us (WhatsApp's webhooks, a bank's payment notices) prove who they are with an
HMAC-SHA256 of the raw body under a shared secret, sent in a header as ``sha256=<hex>``. Checked before
anything is stored, compared in constant time."""
import hashlib
import hmac
import re

SIGNATURE_RE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")


def sign(secret: str, raw: bytes) -> str:
    """The header value a caller holding ``secret`` sends with ``raw``: ``sha256=<hex>``."""
    return "sha256=" + hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()


def valid_signature(secret: str, raw: bytes, header: object) -> bool:
    """Whether ``header`` is ``sha256=<hex>`` of the HMAC-SHA256 of ``raw`` under ``secret``. A missing,
    malformed or wrong value is False; the comparison takes the same time whatever the digest."""
    if not secret or not isinstance(header, str):
        return False
    found = SIGNATURE_RE.match(header.strip())
    if not found:
        return False
    expected = hmac.new(secret.encode("utf-8"), raw, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, found.group(1).lower())
