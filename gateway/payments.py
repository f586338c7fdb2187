"""Banks' payment notices: the signature is checked here, over the raw body, before anything is parsed,
forwarded or stored (DESIGN: machines that call us prove who they are).

``X-Payment-Timestamp: <unix seconds>`` and ``X-Payment-Signature: sha256=<hex>``, the HMAC-SHA256, under the
bank's secret (``services.certificates.settings.bank_secrets``), of ``<timestamp>.<raw body>``
(``services.runtime.signatures``). The bank is named in the body: its secret is found by that name, and the
certificates service checks that the body's bank is the one whose secret signed. A missing or wrong
signature, an unknown bank or a timestamp more than ``PAYMENT_TOLERANCE_SECONDS`` (300) from now is 401.
"""
import io
import json
import time

from nameko.extensions import DependencyProvider

from gateway.web import MAX_JSON_BODY
from services.certificates.settings import bank_secrets
from services.runtime import signatures
from services.runtime.config import Settings
from services.runtime.errors import PayloadTooLarge, Unauthenticated

TIMESTAMP_HEADER = "X-Payment-Timestamp"
SIGNATURE_HEADER = "X-Payment-Signature"
DEFAULT_TOLERANCE_SECONDS = 300
HEADERS = [
    {"name": TIMESTAMP_HEADER, "in": "header", "required": True,
     "schema": {"type": "string", "pattern": r"^[0-9]{1,12}$"},
     "description": "Hora Unix (segundos) en que el banco firmó; más de 5 minutos de diferencia es 401"},
    {"name": SIGNATURE_HEADER, "in": "header", "required": True,
     "schema": {"type": "string", "pattern": r"^sha256=[0-9a-f]{64}$"},
     "description": "sha256=<hex>: HMAC-SHA256, con el secreto del banco, de '<timestamp>.<cuerpo tal cual>'"},
]


def signed_payload(timestamp: str, raw: bytes) -> bytes:
    return timestamp.encode("ascii") + b"." + raw


def _refused(reason):
    return Unauthenticated("invalid_signature", "La notificación no está firmada por un banco autorizado o la "
                           "firma no es válida.", {"reason": reason})


def check(secrets, request, now=None, tolerance=DEFAULT_TOLERANCE_SECONDS):
    """Read the raw body and check its signature; the body is put back for the route to read. Returns the
    bank that signed."""
    if request.content_length is not None and request.content_length > MAX_JSON_BODY:
        raise PayloadTooLarge("payload_too_large", f"El cuerpo excede el máximo de {MAX_JSON_BODY} bytes.")
    raw = request.stream.read(MAX_JSON_BODY + 1)
    if len(raw) > MAX_JSON_BODY:
        raise PayloadTooLarge("payload_too_large", f"El cuerpo excede el máximo de {MAX_JSON_BODY} bytes.")
    request.stream = io.BytesIO(raw)
    timestamp = (request.headers.get(TIMESTAMP_HEADER) or "").strip()
    signature = request.headers.get(SIGNATURE_HEADER)
    if not timestamp or not signature:
        raise _refused("missing")
    if not timestamp.isascii() or not timestamp.isdigit() or len(timestamp) > 12:
        raise _refused("malformed")
    try:
        bank = json.loads(raw).get("bank")
    except (ValueError, UnicodeDecodeError, AttributeError, RecursionError):
        bank = None
    secret = secrets.get(bank) if isinstance(bank, str) else None
    if secret is None or not signatures.valid_signature(secret, signed_payload(timestamp, raw), signature):
        raise _refused("mismatch")
    if abs((now if now is not None else time.time()) - int(timestamp)) > tolerance:
        raise _refused("stale")
    return bank


class BankSecrets(DependencyProvider):
    """Every configured bank's secret, read when the gateway starts (production refuses to start without
    one per bank)."""

    def setup(self):
        settings = Settings(self.container.config)
        self.secrets = bank_secrets(settings)
        self.tolerance = settings.float("PAYMENT_TOLERANCE_SECONDS", DEFAULT_TOLERANCE_SECONDS)

    def get_dependency(self, worker_ctx):
        return self
