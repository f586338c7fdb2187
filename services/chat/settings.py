"""The chat service's settings, checked when the service starts (a bad value refuses to start, naming the key).

``WHATSAPP_LINES``: JSON list of the regional lines, one per WhatsApp ``phone_number_id``::

    [{"phone_number_id": "100000000000001", "display_number": "+52 686 525 3785", "region": "Mexicali",
      "team": "mexicali", "time_zone": "America/Tijuana"}, ...]

Empty: the three development lines of ``DEV_LINES`` (Mexicali, Tijuana, Ensenada).

``WHATSAPP_TEMPLATES``: JSON list of the approved templates an agent may send outside the 24-hour window
(``name``, ``language``, ``parameters``: how many body parameters); empty: ``DEV_TEMPLATES``.

Secrets: ``WHATSAPP_APP_SECRET`` (signs the webhooks), ``WHATSAPP_VERIFY_TOKEN`` (the subscription
handshake) and ``WHATSAPP_ACCESS_TOKEN`` (Bearer token of the Graph API). In development each has a
documented default (``DEV_*``); with ``PORTAL_ENV=production`` the service refuses to start without them.
"""
import json
import re

from services.runtime.config import (ConfigurationError, ServiceSettings, Setting, Settings, between, positive,
                                     time_zone)

DEV_APP_SECRET = "chat-dev-app-secret-no-usar-en-produccion"
DEV_VERIFY_TOKEN = "chat-dev-verify-token"
DEV_ACCESS_TOKEN = "chat-dev-access-token"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
SECRET_KEYS = ("WHATSAPP_APP_SECRET", "WHATSAPP_VERIFY_TOKEN", "WHATSAPP_ACCESS_TOKEN")

DEV_LINES = [
    {"phone_number_id": "100000000000001", "display_number": "+52 686 525 3785", "region": "Mexicali",
     "team": "mexicali", "time_zone": "America/Tijuana"},
    {"phone_number_id": "100000000000002", "display_number": "+52 663 203 2197", "region": "Tijuana",
     "team": "tijuana", "time_zone": "America/Tijuana"},
    {"phone_number_id": "100000000000003", "display_number": "+52 646 148 9756", "region": "Ensenada",
     "team": "ensenada", "time_zone": "America/Tijuana"},
]
DEV_TEMPLATES = [
    {"name": "seguimiento_consulta", "language": "es_MX", "parameters": 1},
    {"name": "encuesta_satisfaccion", "language": "es_MX", "parameters": 0},
]
PHONE_NUMBER_ID_RE = re.compile(r"^[0-9]{1,32}$")
LINE_FIELDS = ("phone_number_id", "display_number", "region", "team", "time_zone")
TEMPLATE_NAME_RE = re.compile(r"^[a-z0-9_]{1,512}$")


def _json_list(raw, default):
    if raw in (None, "", []):
        return default
    value = json.loads(raw) if isinstance(raw, str) else raw
    if not isinstance(value, list) or not value:
        raise ValueError("debe ser una lista JSON no vacía")
    return value


def lines(raw):
    """A type: the configured lines, each checked; keyed by phone_number_id, in the order given."""
    try:
        items = _json_list(raw, DEV_LINES)
    except json.JSONDecodeError as exc:
        raise ValueError("no es JSON válido") from exc
    found = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != set(LINE_FIELDS):
            raise ValueError(f"cada línea lleva exactamente: {', '.join(LINE_FIELDS)}")
        if not all(isinstance(item[key], str) and item[key].strip() for key in LINE_FIELDS):
            raise ValueError("cada campo de una línea es un texto no vacío")
        if not PHONE_NUMBER_ID_RE.match(item["phone_number_id"]):
            raise ValueError("phone_number_id son solo dígitos")
        if item["phone_number_id"] in found:
            raise ValueError(f"phone_number_id repetido: {item['phone_number_id']}")
        time_zone(item["time_zone"])
        found[item["phone_number_id"]] = dict(item)
    return found


def templates(raw):
    """A type: the approved templates (name, language, parameters)."""
    try:
        items = _json_list(raw, DEV_TEMPLATES)
    except json.JSONDecodeError as exc:
        raise ValueError("no es JSON válido") from exc
    for item in items:
        if (not isinstance(item, dict) or set(item) != {"name", "language", "parameters"}
                or not isinstance(item["name"], str) or not TEMPLATE_NAME_RE.match(item["name"])
                or not isinstance(item["language"], str) or not item["language"]
                or type(item["parameters"]) is not int or not 0 <= item["parameters"] <= 10):
            raise ValueError("cada plantilla lleva name (minúsculas, dígitos y _), language y parameters (0-10)")
    return [dict(item) for item in items]


def url(raw):
    text = str(raw).rstrip("/")
    if not re.match(r"^https?://[^\s/]+(/[^\s]*)?$", text):
        raise ValueError("debe ser una URL http(s)")
    return text


def api_version(raw):
    text = str(raw)
    if not re.match(r"^v[0-9]{1,3}\.[0-9]{1,3}$", text):
        raise ValueError("debe tener la forma vNN.N (p. ej. v21.0)")
    return text


class ChatSettings(ServiceSettings):
    lines = Setting("WHATSAPP_LINES", "", lines)
    templates = Setting("WHATSAPP_TEMPLATES", "", templates)
    app_secret = Setting("WHATSAPP_APP_SECRET", "")
    verify_token = Setting("WHATSAPP_VERIFY_TOKEN", "")
    access_token = Setting("WHATSAPP_ACCESS_TOKEN", "")
    graph_url = Setting("WHATSAPP_GRAPH_URL", DEFAULT_GRAPH_URL, url)
    api_version = Setting("WHATSAPP_API_VERSION", DEFAULT_API_VERSION, api_version)
    graph_timeout = Setting("WHATSAPP_GRAPH_TIMEOUT", 10, float, positive)
    send_backoff = Setting("CHAT_SEND_BACKOFF_SECONDS", 2, float, positive)
    send_backoff_max = Setting("CHAT_SEND_BACKOFF_MAX_SECONDS", 300, float, positive)
    send_attempts = Setting("CHAT_SEND_MAX_ATTEMPTS", 8, int, between(1, 100))
    max_media_bytes = Setting("CHAT_MAX_MEDIA_BYTES", 16 * 1024 * 1024, int, between(1024, 100 * 1024 * 1024))
    agent_capacity = Setting("CHAT_AGENT_CAPACITY", 5, int, between(1, 100))
    max_webhook_bytes = Setting("CHAT_MAX_WEBHOOK_BYTES", 1024 * 1024, int, between(1024, 16 * 1024 * 1024))

    def __init__(self, config):
        super().__init__(config)
        production = (config if isinstance(config, Settings) else Settings(config)).production
        for key, attribute, default in (("WHATSAPP_APP_SECRET", "app_secret", DEV_APP_SECRET),
                                        ("WHATSAPP_VERIFY_TOKEN", "verify_token", DEV_VERIFY_TOKEN),
                                        ("WHATSAPP_ACCESS_TOKEN", "access_token", DEV_ACCESS_TOKEN)):
            value = getattr(self, attribute)
            if production and (not value or value == default):
                raise ConfigurationError(key, "", "es obligatorio en producción (PORTAL_ENV=production)")
            setattr(self, attribute, value or default)

    def line(self, phone_number_id):
        return self.lines.get(phone_number_id)
