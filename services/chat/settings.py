"""The chat service's settings, checked when the service starts (a bad value refuses to start, naming the key).

``WHATSAPP_LINES``: JSON list of the regional lines, one per WhatsApp ``phone_number_id``::

    [{"phone_number_id": "100000000000001", "display_number": "+52 686 525 3785", "region": "Mexicali",
      "team": "mexicali", "time_zone": "America/Tijuana"}, ...]

Empty: the three development lines of ``DEV_LINES`` (Mexicali, Tijuana, Ensenada).

``WHATSAPP_TEMPLATES``: JSON list of the approved templates an agent may send outside the 24-hour window
(``name``, ``language``, ``parameters``: how many body parameters); empty: ``DEV_TEMPLATES``.

``CHAT_LINK_TEMPLATE`` and ``CHAT_LINK_TEMPLATE_LANGUAGE``: the approved template of category AUTHENTICATION
(a body with the code, and a copy-code button) that carries a lawyer's linking code; kept apart from
``WHATSAPP_TEMPLATES``, which are the agents' (an agent never sends a code). ``CHAT_LINK_LINE``: the line a code
goes from when the number never wrote to any (empty: the first line). ``CHAT_LINK_REQUESTS_PER_HOUR``: codes a
lawyer may ask for, and codes that may go to one number, in an hour.

``CHAT_WEB_LINE``: the line the web channel's conversations belong to (a lawyer writing from the portal): its team
answers them, its business hours and SLA policies count, the reports show them under it (empty: CHAT_LINK_LINE's).

Secrets: ``WHATSAPP_APP_SECRET`` (signs the webhooks), ``WHATSAPP_VERIFY_TOKEN`` (the subscription
handshake) and ``WHATSAPP_ACCESS_TOKEN`` (Bearer token of the Graph API). In development each has a
documented default (``DEV_*``); with ``PORTAL_ENV=production`` the service refuses to start without them.
"""
import hashlib
import hmac
import json
import re

from services.chat import domain, hours
from services.runtime.config import (ConfigurationError, ServiceSettings, Setting, Settings, between, positive,
                                     time_zone)

DEV_APP_SECRET = "chat-dev-app-secret-no-usar-en-produccion"
DEV_VERIFY_TOKEN = "chat-dev-verify-token"
DEV_ACCESS_TOKEN = "chat-dev-access-token"
DEFAULT_GRAPH_URL = "https://graph.facebook.com"
DEFAULT_API_VERSION = "v21.0"
DEFAULT_RETENTION_DAYS = 365
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


def template_name(raw):
    text = str(raw)
    if not TEMPLATE_NAME_RE.match(text):
        raise ValueError("nombre de plantilla: minúsculas, dígitos y _")
    return text


def template_language(raw):
    text = str(raw)
    if not re.match(r"^[a-z]{2,3}(_[A-Z]{2})?$", text):
        raise ValueError("idioma de plantilla, p. ej. es_MX")
    return text


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


# --- business hours and SLA (services.chat.hours) -----------------------------------------------------------------
# Weekdays 08:00-15:00 in the line's time zone; holidays: Mexico's days of rest (Ley Federal del Trabajo, art. 74)
# of 2026 and 2027. A court's own closing days are added in CHAT_BUSINESS_HOURS.
DEFAULT_HOLIDAYS = ["2026-01-01", "2026-02-02", "2026-03-16", "2026-05-01", "2026-09-16", "2026-11-16", "2026-12-25",
                    "2027-01-01", "2027-02-01", "2027-03-15", "2027-05-01", "2027-09-16", "2027-11-15", "2027-12-25"]
DEFAULT_OUT_OF_OFFICE = ("Gracias por escribir al chat de Abogadas y Abogados del Poder Judicial. En este momento "
                         "estamos fuera del horario de atención (lunes a viernes de 8:00 a 15:00, hora del Pacífico). "
                         "Su mensaje quedó registrado y le responderemos a partir del {apertura}.")
DEFAULT_BUSINESS_HOURS = {"default": {**{day: ["08:00-15:00"] for day in ("mon", "tue", "wed", "thu", "fri")},
                                      "holidays": DEFAULT_HOLIDAYS, "out_of_office": DEFAULT_OUT_OF_OFFICE}}
# seconds of business time: first response 15 min, next response 30 min, resolution 2 business days (14 h)
DEFAULT_SLA_POLICIES = {"default": {"first_response": 900, "next_response": 1800, "resolution": 14 * 3600},
                        "lines": {}, "areas": {"quejas": {"first_response": 600, "resolution": 7 * 3600}}}


def _json_object(raw, default):
    if raw in (None, "", {}):
        return default
    try:
        value = json.loads(raw) if isinstance(raw, str) else raw
    except json.JSONDecodeError as exc:
        raise ValueError("no es JSON válido") from exc
    if not isinstance(value, dict):
        raise ValueError("debe ser un objeto JSON")
    return value


def business_hours(raw):
    """A type: {"default": hours, "<phone_number_id>": hours}; each checked (in UTC here: the lines' time zones
    are applied by ``hours_of_lines``). A line's entry replaces the default entirely."""
    value = _json_object(raw, DEFAULT_BUSINESS_HOURS)
    if "default" not in value:
        raise ValueError("falta «default» (el horario de las líneas sin uno propio)")
    for key, entry in value.items():
        if key != "default" and not PHONE_NUMBER_ID_RE.match(str(key)):
            raise ValueError(f"clave {str(key)[:40]!r}: se espera default o el phone_number_id de una línea")
        hours.parse_hours(entry, "UTC", str(key))
    return value


def sla_policies(raw):
    """A type: {"default": targets, "lines": {phone_number_id: targets}, "areas": {area: targets}}; targets:
    {"first_response"|"next_response"|"resolution": seconds of business time, or null}."""
    value = _json_object(raw, DEFAULT_SLA_POLICIES)
    unknown = set(value) - {"default", "lines", "areas"}
    if unknown:
        raise ValueError(f"claves desconocidas: {', '.join(sorted(unknown))[:100]} (default, lines, areas)")
    hours.parse_targets(value.get("default", {}), "default")
    for group in ("lines", "areas"):
        entries = value.get(group, {})
        if not isinstance(entries, dict):
            raise ValueError(f"{group}: se espera un objeto")
        for key, targets in entries.items():
            if not re.match(LABEL_OR_LINE_RE, str(key)):
                raise ValueError(f"{group}: clave inválida {str(key)[:40]!r}")
            hours.parse_targets(targets, f"{group}.{key}")
    return {"default": dict(value.get("default", {})), "lines": dict(value.get("lines", {})),
            "areas": dict(value.get("areas", {}))}


LABEL_OR_LINE_RE = r"^[a-z0-9_-]{1,64}$"


def area_name(raw):
    """A type: an area's name (minúsculas, dígitos, _ y -), as teams and SLA areas are written."""
    text = str(raw).strip()
    if not re.match(LABEL_OR_LINE_RE, text):
        raise ValueError("un nombre de área: minúsculas, dígitos, _ y - (hasta 64)")
    return text


def hours_of_lines(config, lines_):
    """{phone_number_id: BusinessHours} in each line's time zone; a key naming no configured line refuses."""
    for key in config:
        if key != "default" and key not in lines_:
            raise ConfigurationError("CHAT_BUSINESS_HOURS", key, "no es el phone_number_id de una línea configurada")
    try:
        return {line_id: hours.parse_hours(config.get(line_id, config["default"]), line["time_zone"], line_id)
                for line_id, line in lines_.items()}
    except ValueError as exc:
        raise ConfigurationError("CHAT_BUSINESS_HOURS", "", str(exc)) from exc


def sla_lines_known(policies, lines_):
    for key in policies["lines"]:
        if key not in lines_:
            raise ConfigurationError("CHAT_SLA_POLICIES", key, "no es el phone_number_id de una línea configurada")


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
    # the satisfaction survey outside the 24-hour window: an approved template without body parameters ("none": none)
    csat_template = Setting("CHAT_CSAT_TEMPLATE", "encuesta_satisfaccion")
    inbound_concurrency = Setting("CHAT_INBOUND_CONCURRENCY", 8, int, between(1, 64))
    send_concurrency = Setting("CHAT_SEND_CONCURRENCY", 4, int, between(1, 64))
    max_webhook_bytes = Setting("CHAT_MAX_WEBHOOK_BYTES", 1024 * 1024, int, between(1024, 16 * 1024 * 1024))
    # business hours, the out-of-office reply and the SLA targets (services.chat.hours): JSON, empty: the defaults
    business_hours = Setting("CHAT_BUSINESS_HOURS", "", business_hours)
    sla_policies = Setting("CHAT_SLA_POLICIES", "", sla_policies)
    # the area complaints are routed to (its team's agents take them first; its SLA targets in CHAT_SLA_POLICIES)
    complaints_area = Setting("CHAT_COMPLAINTS_AREA", hours.COMPLAINTS_AREA, area_name)
    # inquiries to a court or an area: due this many business hours of the line after they are asked (7: one day of
    # the default hours, 08:00-15:00); a court is checked with filings
    inquiry_sla_hours = Setting("CHAT_INQUIRY_SLA_HOURS", 7, float, between(0.25, 24 * 30))
    # retention (services.chat.domain, "retention"): days after a conversation was resolved and last touched before
    # its personal data is erased. One year by default: a whole annual cycle of reports and of a complaint's
    # follow-up, and a lawyer who comes back about the same matter months later finds the history; longer keeps
    # personal data that no longer serves the purpose it was given for. At most ten years.
    retention_days = Setting("CHAT_RETENTION_DAYS", DEFAULT_RETENTION_DAYS, int, between(1, 3650, "días"))
    rpc_timeout = Setting("RPC_TIMEOUT", 10, float, positive)
    # a lawyer's number linked to their account: the authentication template of the code, the line that sends it
    # when the number never wrote (empty: the first line), and how many codes an hour per lawyer and per number
    link_template = Setting("CHAT_LINK_TEMPLATE", "codigo_vinculacion", template_name)
    link_template_language = Setting("CHAT_LINK_TEMPLATE_LANGUAGE", "es_MX", template_language)
    link_line = Setting("CHAT_LINK_LINE", "")
    link_requests_per_hour = Setting("CHAT_LINK_REQUESTS_PER_HOUR", 5, int, between(1, 100))
    web_line = Setting("CHAT_WEB_LINE", "")

    def __init__(self, config):
        super().__init__(config)
        if self.csat_template != "none" and self.survey_template() is None:
            raise ConfigurationError("CHAT_CSAT_TEMPLATE", self.csat_template,
                                     "debe ser una plantilla de WHATSAPP_TEMPLATES sin parámetros (o none)")
        if self.link_line and self.link_line not in self.lines:
            raise ConfigurationError("CHAT_LINK_LINE", self.link_line, "no es el phone_number_id de una línea configurada")
        self.link_line = self.link_line or next(iter(self.lines))
        if self.web_line and self.web_line not in self.lines:
            raise ConfigurationError("CHAT_WEB_LINE", self.web_line, "no es el phone_number_id de una línea configurada")
        self.web_line = self.web_line or self.link_line
        self.hours = hours_of_lines(self.business_hours, self.lines)  # {phone_number_id: BusinessHours}
        sla_lines_known(self.sla_policies, self.lines)
        production = (config if isinstance(config, Settings) else Settings(config)).production
        for key, attribute, default in (("WHATSAPP_APP_SECRET", "app_secret", DEV_APP_SECRET),
                                        ("WHATSAPP_VERIFY_TOKEN", "verify_token", DEV_VERIFY_TOKEN),
                                        ("WHATSAPP_ACCESS_TOKEN", "access_token", DEV_ACCESS_TOKEN)):
            value = getattr(self, attribute)
            if production and (not value or value == default):
                raise ConfigurationError(key, "", "es obligatorio en producción (PORTAL_ENV=production)")
            setattr(self, attribute, value or default)
        # the key of the linking codes' HMAC (domain.link_code_digest): derived from the app secret, a secret the
        # database never holds, for this use only
        self.link_key = hmac.new(self.app_secret.encode("utf-8"), b"portal-judicial chat link codes",
                                 hashlib.sha256).digest()

    def line(self, phone_number_id):
        return self.lines.get(phone_number_id)

    def areas(self):
        """The chat's areas (``domain.inquiry_areas``): the lines' teams, the SLA policies' areas and the
        complaints area."""
        return domain.inquiry_areas((line["team"] for line in self.lines.values()), self.sla_policies["areas"],
                                    self.complaints_area)

    def link_code_template(self):
        """The authentication template of the linking code, {name, language}."""
        return {"name": self.link_template, "language": self.link_template_language}

    def survey_template(self):
        """The approved template of the satisfaction survey, {name, language}; None when CHAT_CSAT_TEMPLATE is
        ``none`` or names no template without parameters."""
        match = next((t for t in self.templates if t["name"] == self.csat_template and t["parameters"] == 0), None)
        return {"name": match["name"], "language": match["language"]} if match else None
