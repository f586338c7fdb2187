"""The chat's rules as plain Python, no I/O; the clock is passed in.

- the shape of a WhatsApp Cloud API webhook payload (``object: whatsapp_business_account``,
  ``entry[].changes[].value`` with ``metadata.phone_number_id``, ``contacts[]``, ``messages[]``,
  ``statuses[]``) and what each message type means for an agent (``message_record``);
- message statuses: ``queued`` → ``sent`` → ``delivered`` → ``read``, or ``failed``; a ``read`` without
  a ``delivered`` is normal, a late ``delivered`` after ``read`` changes nothing;
- the 24-hour customer service window;
- what a Graph API send error means (retry with backoff, or fail with a Spanish reason);
- conversation statuses and who may assign;
- canned responses: a reply that starts with ``/shortcode`` and what is sent in its place.
"""
import base64
import binascii
import datetime
import hashlib
import hmac
import json
import re
import zlib
from dataclasses import dataclass
from typing import Optional

from contracts.chat import SHORTCODE_PATTERN

STAFF_ROLES = ("chat_agent", "chat_supervisor")
SUPERVISOR = "chat_supervisor"

WEBHOOK_OBJECT = "whatsapp_business_account"
KNOWN_TYPES = ("text", "image", "document", "audio", "video", "sticker", "location", "contacts", "interactive",
               "button")
MEDIA_TYPES = ("image", "document", "audio", "video", "sticker")
MAX_TEXT = 4096
MAX_RAW_JSON = 64 * 1024

# --- conversation statuses -------------------------------------------------------------------------------
OPEN, PENDING, SNOOZED, RESOLVED = "open", "pending", "snoozed", "resolved"
CONVERSATION_STATUSES = (OPEN, PENDING, SNOOZED, RESOLVED)
MAX_SNOOZE = datetime.timedelta(days=90)

# --- message statuses ---------------------------------------------------------------------------------------
RECEIVED = "received"  # every inbound message
QUEUED, SENT, DELIVERED, READ, FAILED = "queued", "sent", "delivered", "read", "failed"
MESSAGE_STATUSES = (RECEIVED, QUEUED, SENT, DELIVERED, READ, FAILED)
WEBHOOK_STATUSES = (SENT, DELIVERED, READ, FAILED)
_RANK = {QUEUED: 0, SENT: 1, DELIVERED: 2, READ: 3}

WINDOW = datetime.timedelta(hours=24)


# --- webhook payloads -----------------------------------------------------------------------------------------
def webhook_problems(payload) -> dict:
    """What makes ``payload`` something Meta would never send: {field path: Spanish reason}; empty when it
    has the envelope of a WhatsApp Business Account webhook. Only the envelope is checked: unknown fields,
    message types and change fields are kept and shown as such."""
    if not isinstance(payload, dict):
        return {"body": "Se esperaba un objeto JSON."}
    if payload.get("object") != WEBHOOK_OBJECT:
        return {"object": f"Debe ser «{WEBHOOK_OBJECT}»."}
    entries = payload.get("entry")
    if not isinstance(entries, list) or not entries:
        return {"entry": "Debe ser una lista no vacía."}
    problems = {}
    for i, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("changes"), list):
            problems[f"entry.{i}.changes"] = "Debe ser una lista."
            continue
        for j, change in enumerate(entry["changes"]):
            where = f"entry.{i}.changes.{j}"
            if not isinstance(change, dict) or not isinstance(change.get("field"), str):
                problems[f"{where}.field"] = "Debe ser un texto."
            elif not isinstance(change.get("value"), dict):
                problems[f"{where}.value"] = "Debe ser un objeto."
            elif change["field"] == "messages":
                problems.update(_messages_value_problems(change["value"], f"{where}.value"))
    return problems


def _messages_value_problems(value, where):
    problems = {}
    metadata = value.get("metadata")
    if not isinstance(metadata, dict) or not isinstance(metadata.get("phone_number_id"), str):
        problems[f"{where}.metadata.phone_number_id"] = "Debe ser un texto."
    for name in ("contacts", "messages", "statuses", "errors"):
        if name in value and not isinstance(value[name], list):
            problems[f"{where}.{name}"] = "Debe ser una lista."
    for k, message in enumerate(value.get("messages") or [] if isinstance(value.get("messages"), list) else []):
        if not isinstance(message, dict) or not _short_text(message.get("id")) or not _short_text(
                message.get("from")) or not _short_text(message.get("type")):
            problems[f"{where}.messages.{k}"] = "Cada mensaje lleva id, from y type (textos)."
    for k, status in enumerate(value.get("statuses") or [] if isinstance(value.get("statuses"), list) else []):
        if not isinstance(status, dict) or not _short_text(status.get("id")) or not _short_text(
                status.get("status")):
            problems[f"{where}.statuses.{k}"] = "Cada estado lleva id y status (textos)."
    return problems


def _short_text(value, limit=256):
    return isinstance(value, str) and 0 < len(value) <= limit and "\x00" not in value


@dataclass(frozen=True)
class Change:
    """One ``messages`` change of a payload: the line it arrived on and what it carries."""
    phone_number_id: str
    names: dict        # wa_id -> profile name
    messages: list
    statuses: list


def message_changes(payload) -> list:
    """The ``messages`` changes of a payload that passed ``webhook_problems`` (other fields are kept with the
    payload and ignored here)."""
    changes = []
    for entry in payload["entry"]:
        for change in entry["changes"]:
            if change["field"] != "messages":
                continue
            value = change["value"]
            names = {}
            for contact in value.get("contacts") or []:
                if isinstance(contact, dict) and isinstance(contact.get("wa_id"), str):
                    profile = contact.get("profile") if isinstance(contact.get("profile"), dict) else {}
                    names[contact["wa_id"]] = clean_text(profile.get("name"), 200) or None
            changes.append(Change(value["metadata"]["phone_number_id"], names, list(value.get("messages") or []),
                                  list(value.get("statuses") or [])))
    return changes


SENDER_SHARDS = 64  # a payload's share of the webhook queue: the appliers of one process split the shares


def sender_shard(senders) -> int:
    """The share of the webhook queue a payload belongs to: that of its first sender (0 without one). One
    applier works a share in order, so one user's payloads are applied one after another without waiting."""
    return zlib.crc32(senders[0].encode("utf-8")) % SENDER_SHARDS if senders else 0


def shards_of(worker: int, workers: int) -> list:
    """The shares of the webhook queue the ``worker``-th of ``workers`` appliers takes."""
    return [shard for shard in range(SENDER_SHARDS) if shard % workers == worker]


def payload_senders(payload) -> list:
    """``"<phone_number_id>:<wa_id>"`` of each user whose messages a payload that passed ``webhook_problems``
    carries, sorted, once each (statuses name no sender: they apply in any order). Payloads are applied side
    by side; one waits for the earlier payloads of the same senders, so a user's messages apply in order."""
    senders = set()
    for change in message_changes(payload):
        for message in change.messages:
            if isinstance(message, dict) and isinstance(message.get("from"), str):
                senders.add(f"{change.phone_number_id}:{message['from']}")
    return sorted(senders)


def clean_text(value, limit=MAX_TEXT) -> str:
    """Text as the inbox keeps it: a string, no NUL or other control characters but newline and tab,
    at most ``limit`` characters. Never HTML: it is stored as the user wrote it and escaped on display."""
    if not isinstance(value, str):
        return ""
    kept = "".join(ch for ch in value if ch in "\n\t" or (ord(ch) >= 32 and ord(ch) != 127))
    try:
        kept.encode("utf-8")
    except UnicodeEncodeError:
        kept = kept.encode("utf-8", "replace").decode("utf-8")
    return kept[:limit]


def message_instant(message, received_at: datetime.datetime) -> datetime.datetime:
    """When the user sent it: the payload's Unix ``timestamp``; never after it reached us (a clock ahead,
    or a value that is not a number, counts as the moment it arrived)."""
    try:
        seconds = int(str(message.get("timestamp")))
        instant = datetime.datetime.fromtimestamp(seconds, datetime.timezone.utc)
    except (TypeError, ValueError, OverflowError, OSError):
        return received_at
    return min(instant, received_at)


def _obj(message, key):
    value = message.get(key)
    return value if isinstance(value, dict) else {}


def message_record(message, received_at: datetime.datetime) -> dict:
    """What the inbox shows of one inbound message: ``type`` (as WhatsApp named it), ``known`` (a type this
    service understands), ``text`` (what an agent reads, plain text), and the parts of its type
    (``media``, ``location``, ``contacts``, ``reply``). The original message is kept as JSON (``raw``)."""
    kind = clean_text(message.get("type"), 64) or "unknown"
    record = {"wamid": clean_text(message.get("id"), 256), "wa_id": clean_text(message.get("from"), 64),
              "type": kind, "known": kind in KNOWN_TYPES, "text": "", "media": None, "location": None,
              "contacts": None, "reply": None, "at": message_instant(message, received_at),
              "context_wamid": clean_text(_obj(message, "context").get("id"), 256) or None,
              "raw": raw_json(message)}
    if kind == "text":
        record["text"] = clean_text(_obj(message, "text").get("body"))
    elif kind in MEDIA_TYPES:
        media = _obj(message, kind)
        record["media"] = {"id": clean_text(media.get("id"), 128) or None,
                           "mime_type": clean_text(media.get("mime_type"), 128) or None,
                           "sha256": clean_text(media.get("sha256"), 128) or None,
                           "filename": clean_text(media.get("filename"), 255) or None}
        record["text"] = clean_text(media.get("caption")) or clean_text(media.get("filename"), 255)
    elif kind == "location":
        place = _obj(message, "location")
        lat, lon = place.get("latitude"), place.get("longitude")
        numbers = all(type(x) in (int, float) for x in (lat, lon))
        record["location"] = {"latitude": lat if numbers else None, "longitude": lon if numbers else None,
                              "name": clean_text(place.get("name"), 500) or None,
                              "address": clean_text(place.get("address"), 1000) or None}
        parts = [p for p in (record["location"]["name"], record["location"]["address"]) if p]
        if numbers:
            parts.append(f"({lat}, {lon})")
        record["text"] = "Ubicación: " + " ".join(parts) if parts else "Ubicación"
    elif kind == "contacts":
        cards = []
        for card in message.get("contacts") if isinstance(message.get("contacts"), list) else []:
            if not isinstance(card, dict):
                continue
            name = clean_text(_obj(card, "name").get("formatted_name"), 200)
            phones = [clean_text(p.get("phone"), 64) for p in card.get("phones") or []
                      if isinstance(p, dict) and clean_text(p.get("phone"), 64)]
            cards.append({"name": name or None, "phones": phones[:10]})
        record["contacts"] = cards[:20]
        record["text"] = "Contactos: " + "; ".join(
            " ".join(x for x in [c["name"] or "", ", ".join(c["phones"])] if x) for c in record["contacts"])
    elif kind == "interactive":
        interactive = _obj(message, "interactive")
        sub = clean_text(interactive.get("type"), 64)
        if sub in ("button_reply", "list_reply"):
            reply = _obj(interactive, sub)
            record["reply"] = {"kind": sub, "id": clean_text(reply.get("id"), 256) or None,
                               "title": clean_text(reply.get("title"), 256) or None,
                               "description": clean_text(reply.get("description"), 512) or None}
            record["text"] = " — ".join(x for x in (record["reply"]["title"], record["reply"]["description"]) if x)
        else:
            record["known"] = False
            record["text"] = f"[Respuesta interactiva de tipo «{sub or 'desconocido'}» no soportada]"
    elif kind == "button":
        button = _obj(message, "button")
        record["reply"] = {"kind": "button", "id": clean_text(button.get("payload"), 256) or None,
                           "title": clean_text(button.get("text"), 256) or None, "description": None}
        record["text"] = record["reply"]["title"] or ""
    if not record["known"] and kind != "interactive":
        record["text"] = f"[Mensaje de tipo «{kind}» no soportado]"
    return record


def raw_json(value) -> str:
    """The original JSON of a message, as text (its keys need not be valid MongoDB field names)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text if len(text) <= MAX_RAW_JSON else text[:MAX_RAW_JSON]


def preview(text: str, limit=120) -> str:
    return " ".join(text.split())[:limit]


# --- statuses --------------------------------------------------------------------------------------------------
def status_record(status, received_at: datetime.datetime) -> dict:
    """One entry of ``value.statuses``: the message it names, its status, when, and its error codes."""
    errors = []
    for error in status.get("errors") if isinstance(status.get("errors"), list) else []:
        if isinstance(error, dict):
            code = error.get("code")
            errors.append({"code": code if type(code) is int else None,
                           "title": clean_text(error.get("title"), 500) or None})
    return {"wamid": clean_text(status.get("id"), 256), "status": clean_text(status.get("status"), 32),
            "at": message_instant(status, received_at), "errors": errors[:5]}


def advance(current: str, reported: str) -> Optional[str]:
    """The message status after WhatsApp reported ``reported`` for a message at ``current``, or None when it
    changes nothing: statuses only move forward (a ``read`` may come without ``delivered``; a late
    ``delivered`` after ``read`` is ignored); ``failed`` ends a message not yet delivered or read."""
    if reported == FAILED:
        return FAILED if current in (QUEUED, SENT) else None
    if reported not in _RANK or current not in _RANK:
        return None
    return reported if _RANK[reported] > _RANK[current] else None


# --- sending -----------------------------------------------------------------------------------------------------
RETRY_CODES = {130429: "WhatsApp limitó la cantidad de mensajes por segundo de esta línea; se reintentará.",
               131056: "Demasiados mensajes a este número en poco tiempo; se reintentará."}
FAILURE_REASONS = {
    131047: "Pasaron más de 24 horas desde el último mensaje del usuario: WhatsApp solo permite enviarle una "
            "plantilla aprobada.",
    131026: "WhatsApp no pudo entregar el mensaje: el número no usa WhatsApp o no aceptó sus condiciones.",
    131051: "WhatsApp no admite este tipo de mensaje.",
    131031: "La cuenta de WhatsApp de la institución está bloqueada; avise a soporte.",
    190: "El token de acceso de WhatsApp venció o no es válido; avise a soporte.",
}
SERVER_REASON = "WhatsApp no está disponible en este momento; se reintentará."
NETWORK_REASON = "No se pudo conectar con WhatsApp; se reintentará."
EXHAUSTED_REASON = "No se pudo enviar el mensaje después de varios intentos."


@dataclass(frozen=True)
class SendOutcome:
    retry: bool
    code: Optional[int]
    reason: str  # Spanish, for the agent


def send_failure(http_status: Optional[int], code: Optional[int]) -> SendOutcome:
    """What a failed send means: retried with backoff on the throughput and pair-rate limits (130429,
    131056), on 5xx and when WhatsApp could not be reached (``http_status`` None); otherwise failed for
    good with a reason in Spanish (131047: outside the 24-hour window)."""
    if code in RETRY_CODES:
        return SendOutcome(True, code, RETRY_CODES[code])
    if http_status is None:
        return SendOutcome(True, code, NETWORK_REASON)
    if code in FAILURE_REASONS:
        return SendOutcome(False, code, FAILURE_REASONS[code])
    if http_status >= 500 or http_status == 429:
        return SendOutcome(True, code, SERVER_REASON)
    return SendOutcome(False, code, f"WhatsApp rechazó el mensaje (código {code if code is not None else http_status}).")


def status_failure_reason(errors: list) -> dict:
    """The error an agent sees when a ``failed`` status arrives by webhook."""
    code = next((e["code"] for e in errors if e.get("code") is not None), None)
    reason = FAILURE_REASONS.get(code) or RETRY_CODES.get(code) or (
        f"WhatsApp no pudo entregar el mensaje (código {code})." if code is not None
        else "WhatsApp no pudo entregar el mensaje.")
    return {"code": code, "reason": reason, "retrying": False}


def text_message_body(wa_id: str, text: str) -> dict:
    """The Graph API request that sends a free-form text."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id, "type": "text",
            "text": {"preview_url": False, "body": text}}


def template_message_body(wa_id: str, template: dict) -> dict:
    """The Graph API request that sends an approved template with its body parameters."""
    body = {"name": template["name"], "language": {"code": template["language"]}}
    if template.get("parameters"):
        body["components"] = [{"type": "body", "parameters": [{"type": "text", "text": p}
                                                              for p in template["parameters"]]}]
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id, "type": "template",
            "template": body}


def template_problem(template: dict, configured: list) -> Optional[str]:
    """Why a template cannot be sent (Spanish), or None: it must be configured, in that language, with as many
    parameters as it takes."""
    match = next((t for t in configured if t["name"] == template["name"] and t["language"] == template["language"]),
                 None)
    if match is None:
        return "No hay una plantilla aprobada con ese nombre e idioma."
    given = len(template.get("parameters") or [])
    if given != match["parameters"]:
        return f"La plantilla lleva {match['parameters']} parámetro(s); se enviaron {given}."
    return None


def template_text(template: dict) -> str:
    """What the inbox shows of a template sent."""
    params = ", ".join(template.get("parameters") or [])
    return f"[Plantilla {template['name']} ({template['language']})]" + (f" {params}" if params else "")


# --- the 24-hour window ---------------------------------------------------------------------------------------
def window_closes_at(last_user_message_at: Optional[datetime.datetime]) -> Optional[datetime.datetime]:
    return last_user_message_at + WINDOW if last_user_message_at is not None else None


def window_open(last_user_message_at: Optional[datetime.datetime], now: datetime.datetime) -> bool:
    """A free-form reply is possible only within 24 hours of the user's last message."""
    closes = window_closes_at(last_user_message_at)
    return closes is not None and now < closes


# --- conversations ---------------------------------------------------------------------------------------------
def status_after_user_message(status: str) -> str:
    """A new message from the user reopens a snoozed or resolved conversation."""
    return OPEN if status in (SNOOZED, RESOLVED) else status


def snooze_problem(status: str, snoozed_until: Optional[datetime.datetime], now: datetime.datetime) -> Optional[str]:
    """Why a status change cannot be made (Spanish), or None. ``snoozed_until`` only with ``snoozed``, in
    the future and within 90 days; a snooze without it lasts until the user writes again."""
    if snoozed_until is None:
        return None
    if status != SNOOZED:
        return "Solo una conversación pospuesta (snoozed) lleva snoozed_until."
    if snoozed_until <= now:
        return "snoozed_until debe ser un instante futuro."
    if snoozed_until - now > MAX_SNOOZE:
        return "Una conversación se pospone a lo sumo 90 días."
    return None


def is_staff(actor) -> bool:
    return actor.get("role") in STAFF_ROLES


def may_assign(actor, current_sub: Optional[str], target_sub: Optional[str]) -> bool:
    """A supervisor assigns anyone (or no one); an agent takes an unassigned conversation or one already
    theirs, and may let go of their own."""
    if actor.get("role") == SUPERVISOR:
        return True
    if actor.get("role") != "chat_agent":
        return False
    if target_sub == actor["sub"]:
        return current_sub in (None, actor["sub"])
    return target_sub is None and current_sub == actor["sub"]


# --- transfers ---------------------------------------------------------------------------------------------------
def transfer_destination(line: Optional[str], area: Optional[str], lines: dict, areas) -> Optional[dict]:
    """Where a transfer sends a conversation, as the conversation keeps it: ``{"line", "area", "team"}``; None
    when the line or the area is not configured. Exactly one of ``line`` and ``area`` is given (the request's
    contract checks it).

    - ``line`` (a ``phone_number_id`` of ``lines``): to that line's team queue. The conversation stays on the
      number the user wrote to, so replies still go out from it: WhatsApp ties a conversation to the business
      number the user chose, and no other number may answer it.
    - ``area`` (one of ``areas``, see ``inquiry_areas``): to that area's queue; its staff are the agents a
      supervisor gives the team of the same name."""
    if line is not None:
        if line not in lines:
            return None
        return {"line": line, "area": None, "team": lines[line]["team"]}
    if area is None or area not in set(areas):
        return None
    return {"line": None, "area": area, "team": area}


# --- complaints ---------------------------------------------------------------------------------------------------
# A complaint (a user message the classifier labels ``queja``, or one the staff correct to it) flags its conversation
# (``complaint``), gives it priority (``priority``: first in the waiting queue, before conversations that waited
# longer) and routes it to the configured complaints area (CHAT_COMPLAINTS_AREA, ``quejas`` by default), whose SLA
# targets then apply to the clocks that start. The flags follow the labels that stand; the routing does not.
COMPLAINT = "queja"


def complaint_flags(is_complaint: bool) -> dict:
    """The conversation's flags while some message of it stands as a complaint (or none does). Without one,
    ``priority`` is None, as for a conversation that never had one: the waiting queue sorts it descending, and
    MongoDB puts False before a missing value, which would let a corrected complaint jump the queue."""
    return {"complaint": bool(is_complaint), "priority": True if is_complaint else None}


def complaint_route(routed_at: Optional[datetime.datetime], reopened: bool, assignee_teams: Optional[tuple],
                    area: str, now: datetime.datetime, area_staffed: bool = True) -> dict:
    """The fields that send a conversation flagged as a complaint to the complaints ``area``: its ``team`` and
    ``area``, and ``complaint_routed_at``; {} when it stays where it is.

    Once per conversation: a conversation routed before (``routed_at``) is not moved again by a later complaint,
    so a staff transfer out of the area stands, and a staff correction of the label to a non-complaint clears the
    flag and the priority but leaves the conversation where it is (staff transfer it if it does not belong there).
    A complaint that reopens a resolved conversation (``reopened``: a new matter) is routed again.
    Its agent keeps it if they are in the area's team (``assignee_teams``; None: nobody has it); otherwise it is
    unassigned and waits, first, in the area's queue.
    An area nobody staffs (``area_staffed`` False: no agent has its team) does not take it: a complaint sent there
    would wait unseen. It stays in its line's queue, still flagged and first, and is routed by a later complaint
    once the area has staff."""
    if (routed_at is not None and not reopened) or not area_staffed:
        return {}
    route = {"team": area, "area": area, "complaint_routed_at": now}
    if assignee_teams is not None and area not in assignee_teams:
        route.update(assignee=None, waiting_since=now)
    return route


# --- auto-assignment ---------------------------------------------------------------------------------------------
ONLINE, AWAY = "online", "away"
PRESENCES = (ONLINE, AWAY)
LOADED_STATUSES = (OPEN, PENDING)  # what counts against an agent's capacity


@dataclass(frozen=True)
class AgentSlot:
    sub: str
    presence: str
    teams: tuple
    capacity: int
    load: int                                        # open or pending conversations assigned now
    last_assigned_at: Optional[datetime.datetime]    # None: never assigned


def pick_agent(team: str, agents: list) -> Optional[AgentSlot]:
    """Round robin within capacity: among the online agents of ``team`` with room (load below capacity), the
    one assigned longest ago (never assigned first; ties by sub). None when all are away or full: the
    conversation waits in the queue."""
    candidates = [a for a in agents if a.presence == ONLINE and team in a.teams and a.load < a.capacity]
    if not candidates:
        return None
    epoch = datetime.datetime.min.replace(tzinfo=datetime.timezone.utc)
    return min(candidates, key=lambda a: (a.last_assigned_at or epoch, a.sub))


def assign_queue(waiting: list, teams_of_lines: dict, agents: list, now: datetime.datetime) -> list:
    """Who gets each waiting conversation, in the queue's order (priority first, then oldest wait first: the store's
    ``waiting``): [(conversation_id, agent sub)], applying each
    assignment to the agents' loads before the next. ``waiting``: [(conversation_id, line, team)]: the team a
    conversation was transferred to, or None for its line's team."""
    slots = {a.sub: a for a in agents}
    plan = []
    for conversation_id, line, transferred_to in waiting:
        team = transferred_to or teams_of_lines.get(line)
        chosen = pick_agent(team, list(slots.values())) if team else None
        if chosen is None:
            continue
        slots[chosen.sub] = AgentSlot(chosen.sub, chosen.presence, chosen.teams, chosen.capacity, chosen.load + 1, now)
        plan.append((conversation_id, chosen.sub))
    return plan


# --- media ---------------------------------------------------------------------------------------------------------
# What WhatsApp users may send (its documented media types) and how each starts, so a declared type is
# checked against the bytes. Types without a reliable signature (text/plain, Office's older formats) are kept
# when declared and allowed.
MEDIA_SIGNATURES = {
    "image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",), "audio/ogg": (b"OggS",), "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3",
                                                                          b"\xff\xf2"),
    "audio/amr": (b"#!AMR",), "video/mp4": None, "video/3gpp": None, "audio/mp4": None, "audio/aac": None,
    "text/plain": None, "application/msword": (b"\xd0\xcf\x11\xe0",), "application/vnd.ms-excel": (b"\xd0\xcf\x11\xe0",),
    "application/vnd.ms-powerpoint": (b"\xd0\xcf\x11\xe0",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (b"PK\x03\x04",),
}
ISO_MEDIA = ("video/mp4", "video/3gpp", "audio/mp4")  # "....ftyp" at byte 4


def base_mime(mime_type) -> str:
    """``audio/ogg; codecs=opus`` -> ``audio/ogg``."""
    return str(mime_type or "").split(";")[0].strip().lower()


def media_problem(mime_type, size, limit, head: bytes = b"") -> Optional[str]:
    """Why a medium is not kept (Spanish), or None: its type must be one WhatsApp documents, its size within
    ``limit`` bytes, and (when ``head`` is given) its first bytes those of its type."""
    mime = base_mime(mime_type)
    if mime not in MEDIA_SIGNATURES:
        return f"Tipo de archivo no admitido ({mime or 'sin tipo'})."
    if type(size) is int and size > limit:
        return f"El archivo excede el máximo de {limit} bytes."
    if head:
        if mime in ISO_MEDIA:
            if head[4:8] != b"ftyp":
                return "El contenido no corresponde al tipo declarado."
        elif mime == "audio/aac":
            if not (head[:2] in (b"\xff\xf1", b"\xff\xf9") or head[:4] == b"ADIF"):
                return "El contenido no corresponde al tipo declarado."
        elif MEDIA_SIGNATURES[mime] and not any(head.startswith(sig) for sig in MEDIA_SIGNATURES[mime]):
            return "El contenido no corresponde al tipo declarado."
        elif mime == "image/webp" and head[8:12] != b"WEBP":
            return "El contenido no corresponde al tipo declarado."
    return None


def digest_matches(declared, data: bytes) -> bool:
    """A declared SHA-256 (hex or base64, as WhatsApp writes it) matches ``data``; no declaration: True."""
    if not declared or not isinstance(declared, str):
        return True
    digest = hashlib.sha256(data).digest()
    if declared.lower() == digest.hex():
        return True
    try:
        return base64.b64decode(declared + "=" * (-len(declared) % 4), validate=False) == digest
    except (ValueError, binascii.Error):
        return False


# --- inquiries to a court or an area ("asking the court") ---------------------------------------------------------
# An agent asks a court (its clerks answer; its judges read them too) or an area (a chat team: the staff in it, or a supervisor, answer)
# about a conversation. The answer is internal: it appears in the conversation for the agent and is never
# sent to the user by itself. Each inquiry has its own SLA: due CHAT_INQUIRY_SLA_HOURS business hours of its
# conversation's line after it was asked (``hours.inquiry_due_at``).
INQUIRY_OPEN, INQUIRY_ANSWERED = "open", "answered"
INQUIRY_STATUSES = (INQUIRY_OPEN, INQUIRY_ANSWERED)
CLERK, JUDGE = "clerk", "judge"
COURT_READERS = (CLERK, JUDGE)  # the court's staff who see the inquiries sent to it


def inquiry_overdue(due_at: datetime.datetime, answered_at: Optional[datetime.datetime],
                    now: datetime.datetime) -> bool:
    """An open inquiry is overdue once ``now`` reaches its due instant; an answered one stays overdue when it was
    answered after it (the breach is kept, for the reports)."""
    if answered_at is not None:
        return answered_at > due_at
    return now >= due_at


def inquiry_areas(teams_of_lines, policy_areas=(), complaints_area=None) -> list:
    """The areas of the chat, where an inquiry may be sent and a conversation transferred: the chat teams of the
    configured lines, the areas CHAT_SLA_POLICIES names and the complaints area (CHAT_COMPLAINTS_AREA, ``quejas``
    by default). Their staff are the agents a supervisor gives that team."""
    return sorted(set(teams_of_lines) | set(policy_areas) | ({complaints_area} if complaints_area else set()))


def inquiry_scope(actor) -> Optional[dict]:
    """Which inquiries ``actor`` may see, as a filter: chat staff see every one ({}); a clerk or a judge, only those
    sent to their own court; anyone else (or a clerk or judge without a court), none (None)."""
    if is_staff(actor):
        return {}
    if actor.get("role") in COURT_READERS and actor.get("court_id"):
        return {"court_id": actor["court_id"]}
    return None


def may_answer_inquiry(actor, inquiry_court_id: Optional[str], inquiry_area: Optional[str],
                       actor_teams=()) -> bool:
    """A court's inquiry is answered by a clerk of that court (its judge reads it, see ``reads_only``); an area's,
    by a chat supervisor or a member of the chat staff in that team (``actor_teams``: the teams a supervisor gave
    them)."""
    if inquiry_court_id is not None:
        return actor.get("role") == CLERK and actor.get("court_id") == inquiry_court_id
    if actor.get("role") == SUPERVISOR:
        return True
    return is_staff(actor) and inquiry_area in tuple(actor_teams or ())


def reads_only(actor) -> bool:
    """A judge sees their court's inquiries but answers none: in the courts the secretario answers administrative
    questions, whichever court the inquiry was sent to (so a judge learns nothing of another court's by trying)."""
    return actor.get("role") == JUDGE


# --- a lawyer's WhatsApp number linked to their account ---------------------------------------------------------------
# A lawyer signed in to the portal asks to link a number; a six-digit code goes to that number over WhatsApp (an
# approved authentication template); the lawyer types it back while signed in, and the number is theirs: staff then
# see the lawyer's name and bar number beside the conversation. One number belongs to one lawyer at a time; another
# lawyer takes it only by proving a code sent to it. The code is kept as an HMAC (a leaked database does not give it
# away: six digits are too few to stand a plain hash), expires, and dies after a few wrong tries.
LINK_CODE_DIGITS = 6
LINK_CODE_TTL = datetime.timedelta(minutes=10)
LINK_MAX_ATTEMPTS = 5
LINK_RATE_WINDOW = datetime.timedelta(hours=1)
LAWYER = "lawyer"
LINK_LINKED, LINK_WRONG, LINK_EXPIRED, LINK_LOCKED = "linked", "wrong", "expired", "locked"


def normalize_wa_id(number: str) -> str:
    """The number as WhatsApp names the user (``wa_id``), so that a link meets the conversations it belongs to.
    Mexico's mobile numbers are +52 and ten digits, but WhatsApp's ``wa_id`` of them carries the old mobile prefix 1
    (521 and ten digits): a Mexican number typed without it gets it."""
    digits = str(number)
    if len(digits) == 12 and digits.startswith("52"):
        return "521" + digits[2:]
    return digits


def new_link_code(randbelow) -> str:
    """A fresh code: ``LINK_CODE_DIGITS`` decimal digits, uniformly drawn (``randbelow``: ``secrets.randbelow``)."""
    return f"{randbelow(10 ** LINK_CODE_DIGITS):0{LINK_CODE_DIGITS}d}"


def link_code_digest(key: bytes, link_id: str, code: str) -> str:
    """What is stored of a code: HMAC-SHA256 with the service's key over the request's id and the code."""
    return hmac.new(key, f"{link_id}:{code}".encode("utf-8"), hashlib.sha256).hexdigest()


def link_code_matches(key: bytes, link_id: str, digest: str, code: str) -> bool:
    """The code typed is the one sent (compared in constant time)."""
    return hmac.compare_digest(link_code_digest(key, link_id, str(code)), str(digest))


def link_expires_at(created_at: datetime.datetime) -> datetime.datetime:
    return created_at + LINK_CODE_TTL


@dataclass(frozen=True)
class CodeCheck:
    """What one typed code does to a pending request: ``outcome`` one of ``linked`` (right code), ``wrong``
    (counted; ``attempts_left`` more, 0: none), ``expired`` or ``locked`` (no tries left before this one): after
    the last two a new code must be asked."""
    outcome: str
    attempts_left: int


def check_link_code(pending: dict, attempts_before: int, code: str, key: bytes, now: datetime.datetime) -> CodeCheck:
    """Judge a code typed for ``pending`` (``link_id``, ``digest``, ``expires_at``), which had ``attempts_before``
    tries before this one (this one is counted too, right or wrong: a guess costs a try, so parallel guesses cannot
    go past ``LINK_MAX_ATTEMPTS``). Expired and exhausted requests refuse even the right code."""
    if now >= pending["expires_at"]:
        return CodeCheck(LINK_EXPIRED, 0)
    if attempts_before >= LINK_MAX_ATTEMPTS:
        return CodeCheck(LINK_LOCKED, 0)
    left = LINK_MAX_ATTEMPTS - attempts_before - 1
    if link_code_matches(key, pending["link_id"], pending["digest"], code):
        return CodeCheck(LINK_LINKED, left)
    return CodeCheck(LINK_WRONG, left)


def link_rate_retry_after(recent: list, limit: int, now: datetime.datetime) -> Optional[int]:
    """Whether one more code request may go, given the instants of the ``recent`` ones (of the same lawyer, or to the
    same number) within ``LINK_RATE_WINDOW``: None when it may, else the whole seconds until the oldest leaves the
    window."""
    within = sorted(at for at in recent if now - at < LINK_RATE_WINDOW)
    if len(within) < limit:
        return None
    oldest = within[len(within) - limit]
    return max(1, int((oldest + LINK_RATE_WINDOW - now).total_seconds() + 0.999))


def authentication_template_body(wa_id: str, template: dict, code: str) -> dict:
    """The Graph API request of an approved authentication template: the code as the body's one parameter and as
    the parameter of its copy-code button (Meta requires both)."""
    return {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id, "type": "template",
            "template": {"name": template["name"], "language": {"code": template["language"]},
                         "components": [{"type": "body", "parameters": [{"type": "text", "text": code}]},
                                        {"type": "button", "sub_type": "url", "index": "0",
                                         "parameters": [{"type": "text", "text": code}]}]}}


# --- retention ------------------------------------------------------------------------------------------------------
# Conversations are personal data. CHAT_RETENTION_DAYS after a conversation was resolved and last touched (a message
# either way, a status change, an assignment, a label, a note, an inquiry asked or answered), what identifies the
# person or says what they wrote is erased: the messages (text, media and their bytes, locations, contacts, the
# original JSON), the notes, the inquiries, the contact's name and number, the lawyer linked to it. What is left is
# an anonymous shell that the reports still count (``SHELL_FIELDS``): line, team, area, the agent's id, status and
# instants, SLA, CSAT, the complaint flag, the staff's labels and the messages' figures (``figures``: counts,
# first user message and first reply instants, the classifier's labels and cues). A conversation open, pending or
# snoozed, or with an inquiry still unanswered, is never erased.
ERASED_WA_ID_PREFIX = "erased:"  # the shell's wa_id: unique per conversation (the (line, wa_id) index), no number
SHELL_FIELDS = ("_id", "line", "wa_id", "team", "area", "assignee", "status", "created_at", "updated_at",
                "resolved_at", "csat", "complaint", "sla", "sla_breached", "labels", "figures", "erased_at",
                "channel")  # the channel (web or WhatsApp) says nothing of the person
FIGURES = ("first_in", "first_reply", "messages_in", "messages_out", "cues", "classes")


def retention_cutoff(now: datetime.datetime, days: int) -> datetime.datetime:
    """What was last touched at or before this instant has outlived a retention of ``days`` days."""
    return now - datetime.timedelta(days=days)


def last_activity(*instants) -> Optional[datetime.datetime]:
    """The latest of the instants given (None ignored); None when there is none."""
    known = [instant for instant in instants if instant is not None]
    return max(known) if known else None


def retention_expired(status: str, resolved_at: Optional[datetime.datetime],
                      touched_at: Optional[datetime.datetime], open_inquiries: int, now: datetime.datetime,
                      days: int) -> bool:
    """A conversation's personal data is erased when it is resolved, was resolved and last touched
    (``touched_at``: the latest of its activity, see ``last_activity``) ``days`` days or more before ``now``, and
    no inquiry of it waits for an answer. Without a resolution instant or any activity it is kept (nothing says
    how old it is)."""
    if status != RESOLVED or resolved_at is None or touched_at is None or open_inquiries:
        return False
    cutoff = retention_cutoff(now, days)
    return resolved_at <= cutoff and touched_at <= cutoff


RETENTION_RECHECK = datetime.timedelta(days=1)  # a conversation kept for an unanswered inquiry is looked at again


def retention_recheck_at(resolved_at: Optional[datetime.datetime], touched_at: Optional[datetime.datetime],
                         open_inquiries: int, now: datetime.datetime, days: int) -> datetime.datetime:
    """When the retention should look again at a resolved conversation it found not expired: the instant its
    resolution and its last activity will both have outlived ``days`` days (new activity only moves that later, so
    looking then is never too late), or, while an inquiry waits for its answer (which may come any day), or
    without the instants to tell, a day from ``now``. Until then the runs pass it by: conversations that cannot be
    erased yet do not fill every run's budget ahead of those that can."""
    if open_inquiries or resolved_at is None or touched_at is None:
        return now + RETENTION_RECHECK
    return max(max(resolved_at, touched_at) + datetime.timedelta(days=days), now + datetime.timedelta(seconds=1))


def erased_shell(doc: dict, figures: dict, erased_at: datetime.datetime) -> dict:
    """The update that leaves of a conversation ``doc`` only its anonymous shell: ``{"$set", "$unset"}``. Every
    field not in ``SHELL_FIELDS`` is removed (a field added later is erased unless it is added there); the agent
    is kept by id only; the number becomes ``erased:<conversation id>``."""
    keep = {"wa_id": ERASED_WA_ID_PREFIX + str(doc["_id"]), "erased_at": erased_at,
            "figures": {key: (figures or {}).get(key) for key in FIGURES}}
    assignee = doc.get("assignee")
    keep["assignee"] = {"sub": assignee.get("sub")} if isinstance(assignee, dict) and assignee.get("sub") else None
    unset = {key: "" for key in doc if key not in SHELL_FIELDS}
    return {"$set": keep, "$unset": unset} if unset else {"$set": keep}


# --- canned responses ("respuestas guardadas") ------------------------------------------------------------------------
# Supervisors keep short institutional texts under a shortcode (``horario``). A reply whose text starts with
# ``/shortcode`` is sent with the canned text in place of ``/shortcode``; what follows it is kept as typed, its
# separator included (``/horario Gracias.`` -> ``<canned text> Gracias.``; a line break stays a line break; only
# blanks after it are dropped). The first character decides: a text that starts with ``/`` always names a canned
# response, so a mistyped or unknown shortcode never reaches a lawyer as typed: an unknown one, or a ``/`` followed
# by something that is not a shortcode (``/Horario``, ``/ ``, ``/¿``), is refused and nothing is queued. To send a
# text that starts with a slash, double it: ``//`` sends one ``/`` and the rest as typed. A text that does not start
# with ``/`` (a blank first included) is sent as typed.
PLAIN, ESCAPED, SHORTCODE, NOT_A_SHORTCODE = "plain", "escaped", "shortcode", "not_a_shortcode"
SHORTCUT_PREFIX = "/"
MAX_CANNED_RESPONSES = 500  # a bounded list: the inbox offers them all, without paging
_SHORTCODE = re.compile(SHORTCODE_PATTERN)
_SHOWN_TOKEN = 40  # of what followed a "/" that is not a shortcode, this much is quoted back


@dataclass(frozen=True)
class Shortcut:
    """What the start of a reply's text asks for: ``kind`` one of ``plain`` (sent as typed), ``escaped`` (``//``:
    sent without its first ``/``), ``shortcode`` (``shortcode`` names a canned response; ``rest``: what followed it,
    as typed) or ``not_a_shortcode`` (``shortcode``: what followed the ``/``, cut, to quote it back)."""
    kind: str
    shortcode: Optional[str] = None
    rest: str = ""


def is_shortcode(value) -> bool:
    return isinstance(value, str) and _SHORTCODE.fullmatch(value) is not None


def reply_shortcut(text: str) -> Shortcut:
    """How a reply's text starts (see above): the one rule for the API and the inbox's picker."""
    if not text.startswith(SHORTCUT_PREFIX):
        return Shortcut(PLAIN, rest=text)
    if text.startswith(SHORTCUT_PREFIX * 2):
        return Shortcut(ESCAPED, rest=text[1:])
    end = next((i for i, ch in enumerate(text) if ch.isspace()), len(text))
    token, rest = text[1:end], text[end:]
    if is_shortcode(token):
        return Shortcut(SHORTCODE, token, rest if rest.strip() else "")
    return Shortcut(NOT_A_SHORTCODE, token[:_SHOWN_TOKEN], rest)


def expanded_text(shortcut: Shortcut, canned_text: Optional[str] = None) -> str:
    """What is sent: the canned text followed by what was typed after the shortcode, or the text as typed (without
    the escaping ``/`` of ``//``). ``canned_text``: the stored text of ``shortcut.shortcode`` (a ``shortcode`` only;
    the caller refuses an unknown one and a ``not_a_shortcode`` before this)."""
    if shortcut.kind == SHORTCODE:
        return canned_text + shortcut.rest
    return shortcut.rest


def expansion_problem(expanded: str, limit=MAX_TEXT) -> Optional[str]:
    """Why an expanded reply cannot go (Spanish), or None: WhatsApp takes at most ``limit`` characters of text."""
    if len(expanded) > limit:
        return (f"Con la respuesta guardada el texto tiene {len(expanded)} caracteres y WhatsApp admite a lo sumo "
                f"{limit}: acorte lo que escribió después del atajo.")
    return None


# --- the web channel ----------------------------------------------------------------------------------------------
# A lawyer signed in to the portal writes to the court from the web: the same staff inbox, the same conversations
# (channel ``web``), the same path of an inbound message (classified, SLA-counted, assigned, reported). The
# conversation belongs to one configured line (CHAT_WEB_LINE: its team answers and its business hours count) and is
# keyed by the lawyer's account (``wa_id`` = ``web:<sub>``): one per lawyer, reopened by a new message once resolved.
# The staff's replies are never sent to WhatsApp: they are stored as delivered, and the lawyer reads them in the
# portal. WhatsApp's 24-hour window and its templates do not apply (a free reply is always possible; a template is
# refused), and the satisfaction survey is not sent.
WHATSAPP, WEB = "whatsapp", "web"
CHANNELS = (WHATSAPP, WEB)
WEB_CONTACT_PREFIX = "web:"
WEB_ID_PREFIX = "web:"  # the ``wamid`` of a lawyer's web message (the messages' unique key): never a WhatsApp id


def channel_of(conversation) -> str:
    """The channel a conversation (or one of its messages) came through; one stored before channels existed is
    WhatsApp's."""
    return (conversation or {}).get("channel") or WHATSAPP


def is_web(conversation) -> bool:
    return channel_of(conversation) == WEB


def web_contact_id(sub: str) -> str:
    """The conversation key of a lawyer's web conversation (where a WhatsApp one has the user's number)."""
    return WEB_CONTACT_PREFIX + str(sub)


def web_lawyer(actor) -> dict:
    """Who writes on the web channel, from their signed-in account: what staff see beside the conversation."""
    return {"sub": actor["sub"], "name": actor.get("name"), "bar_number": actor.get("bar_number")}


def web_message_record(actor, text: str, message_id: str, at: datetime.datetime) -> dict:
    """A lawyer's web message as ``add_inbound`` stores an inbound one: a text (kept as written: plain text, never
    HTML), its own unique ``wamid`` (``web:<message id>``) and the lawyer's conversation key as ``wa_id``."""
    return {"wamid": WEB_ID_PREFIX + message_id, "wa_id": web_contact_id(actor["sub"]), "type": "text",
            "known": True, "text": clean_text(text), "media": None, "location": None, "contacts": None,
            "reply": None, "at": at, "context_wamid": None, "raw": None, "channel": WEB}


def reply_window_open(conversation, now: datetime.datetime) -> bool:
    """Whether a free-form reply is possible now: always on the web channel; on WhatsApp, within 24 hours of the
    user's last message."""
    return is_web(conversation) or window_open((conversation or {}).get("last_user_message_at"), now)


def web_author(message) -> str:
    """Who wrote a message of a web conversation, as the lawyer sees it: ``lawyer`` (they did) or ``court``."""
    return "lawyer" if message.get("direction") == "in" else "court"


def web_sub(contact_id) -> Optional[str]:
    """The lawyer's ``sub`` of a web conversation's key (``web_contact_id``), or None for any other key."""
    if isinstance(contact_id, str) and contact_id.startswith(WEB_CONTACT_PREFIX):
        return contact_id[len(WEB_CONTACT_PREFIX):] or None
    return None
