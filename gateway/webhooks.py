"""Calls from machines that sign their body: WhatsApp's webhooks (``X-Hub-Signature-256``, an HMAC-SHA256
of the raw body under the app secret) and its subscription handshake (``hub.verify_token``).

The signature is checked here, on the raw bytes, before any service is called: a missing or wrong one is
401 and nothing is stored. The secrets come from ``WHATSAPP_APP_SECRET`` and ``WHATSAPP_VERIFY_TOKEN``
(development defaults in ``services.chat.settings``); with ``PORTAL_ENV=production`` the gateway refuses to
start without them.
"""
import hmac

from nameko.extensions import DependencyProvider

from services.chat.settings import DEV_APP_SECRET, DEV_VERIFY_TOKEN
from services.runtime.config import Settings
from services.runtime.errors import PortalError, Unauthenticated
from services.runtime.signatures import valid_signature

SIGNATURE_HEADER = "X-Hub-Signature-256"
DEFAULT_MAX_BYTES = 1024 * 1024


class WhatsAppSecrets:
    def __init__(self, app_secret, verify_token, max_bytes):
        self.app_secret = app_secret
        self.verify_token = verify_token
        self.max_bytes = max_bytes

    def handshake(self, query):
        """The challenge to answer, or None (403): ``hub.mode=subscribe`` with the configured token."""
        token = query.get("hub.verify_token")
        challenge = query.get("hub.challenge")
        if query.get("hub.mode") != "subscribe" or not isinstance(token, str) or not challenge:
            return None
        if not hmac.compare_digest(token.encode("utf-8"), self.verify_token.encode("utf-8")):
            return None
        return challenge

    def signed_body(self, request):
        """The raw body, if its signature is right: 413 past the size limit, 401 when the signature is
        missing or wrong."""
        too_large = PortalError("payload_too_large", f"El cuerpo excede el máximo de {self.max_bytes} bytes.",
                                status=413)
        if request.content_length is not None and request.content_length > self.max_bytes:
            raise too_large
        raw = request.stream.read(self.max_bytes + 1)
        if len(raw) > self.max_bytes:
            raise too_large
        if not valid_signature(self.app_secret, raw, request.headers.get(SIGNATURE_HEADER)):
            raise Unauthenticated("invalid_signature",
                                  "La firma X-Hub-Signature-256 falta o no corresponde al cuerpo.")
        return raw, request.headers[SIGNATURE_HEADER]


def resolve(settings):
    values = {}
    for key, default in (("WHATSAPP_APP_SECRET", DEV_APP_SECRET), ("WHATSAPP_VERIFY_TOKEN", DEV_VERIFY_TOKEN)):
        value = settings.get(key)
        if settings.production and (not value or value == default):
            raise RuntimeError(f"{key} must be set when PORTAL_ENV=production")
        values[key] = value or default
    return WhatsAppSecrets(values["WHATSAPP_APP_SECRET"], values["WHATSAPP_VERIFY_TOKEN"],
                           settings.int("CHAT_MAX_WEBHOOK_BYTES", DEFAULT_MAX_BYTES))


class WhatsAppWebhook(DependencyProvider):
    def setup(self):
        self.secrets = resolve(Settings(self.container.config))

    def get_dependency(self, worker_ctx):
        return self.secrets
