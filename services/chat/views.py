"""What the inbox API shows of stored documents (plain functions, no I/O)."""
import datetime

from services.chat import domain
from services.chat import hours

UTC = datetime.timezone.utc


def iso(instant):
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def person(value):
    return {"sub": value["sub"], "name": value.get("name")} if value else None


def line_view(line):
    return {key: line[key] for key in ("phone_number_id", "display_number", "region", "team", "time_zone")}


def conversation_summary(doc, lines, now):
    line = lines.get(doc["line"])
    last_user = doc.get("last_user_message_at")
    return {"conversation_id": doc["_id"], "line": doc["line"], "region": line["region"] if line else None,
            "contact": {"wa_id": doc["contact"]["wa_id"], "name": doc["contact"].get("name")},
            "status": doc["status"], "snoozed_until": iso(doc.get("snoozed_until")),
            "assignee": person(doc.get("assignee")), "labels": list(doc.get("labels") or []),
            "team": doc.get("team") or (line["team"] if line else None), "area": doc.get("area"),
            "transfer": transfer_view(doc.get("transfer")),
            "last_message_at": iso(doc.get("last_message_at")),
            "last_message_preview": doc.get("last_message_preview") or "",
            "last_user_message_at": iso(last_user), "window_open": domain.reply_window_open(doc, now),
            "window_closes_at": None if domain.is_web(doc) else iso(domain.window_closes_at(last_user)),
            "unanswered": doc.get("unanswered", 0), "channel": domain.channel_of(doc),
            "sla_breached": bool(doc.get("sla_breached")), "sla": sla_view(doc.get("sla")),
            "complaint": bool(doc.get("complaint")), "priority": bool(doc.get("priority")),
            "csat": csat_view(doc.get("csat")),
            "created_at": iso(doc["created_at"])}


def transfer_view(value):
    """The conversation's last transfer (to a line's team or to an area), or None."""
    if not value:
        return None
    return {"line": value.get("line"), "area": value.get("area"), "team": value["team"], "by": person(value["by"]),
            "at": iso(value["at"])}


def csat_view(value):
    """The conversation's current satisfaction survey (sent on its last resolution), or None."""
    if not value:
        return None
    return {"status": value["status"], "via": value.get("via"), "sent_at": iso(value.get("sent_at")),
            "score": value.get("score"), "answered_at": iso(value.get("answered_at"))}


def hours_view(line_hours, now):
    """A line's business hours (``services.chat.hours.BusinessHours``) and whether it is open at ``now``."""
    return {"time_zone": line_hours.time_zone, "week": hours.week_view(line_hours),
            "holidays": sorted(d.isoformat() for d in line_hours.holidays),
            "open_now": hours.is_open(line_hours, now), "next_opening": iso(hours.next_opening(line_hours, now)),
            "out_of_office": line_hours.out_of_office or None}


def sla_view(value):
    """The conversation's service levels (``services.chat.hours``): what is due, when it was met, what was missed."""
    if not value:
        return None
    return {**{key: iso(value.get(key)) for key in SLA_INSTANTS}, "area": value.get("area"),
            "breaches": list(value.get("breaches") or [])}


SLA_INSTANTS = ("first_response_due_at", "first_response_at", "next_response_due_at", "next_response_at",
                "resolution_due_at", "resolved_at")


def agent_view(doc, load, default_capacity):
    return {"agent": doc["_id"], "name": doc.get("name"), "role": doc.get("role"),
            "presence": doc.get("presence") or "away", "teams": list(doc.get("teams") or []),
            "capacity": int(doc.get("capacity") or default_capacity), "load": load}


def message_view(doc):
    error = doc.get("error")
    return {"message_id": doc["_id"], "direction": doc["direction"], "type": doc["type"], "known": doc["known"],
            "text": doc["text"], "status": doc["status"], "at": iso(doc["at"]), "wamid": doc.get("wamid"),
            "author": person(doc.get("author")),
            "error": {"code": error.get("code"), "reason": error["reason"], "retrying": bool(error.get("retrying"))}
            if error else None,
            "media": doc.get("media"), "location": doc.get("location"), "contacts": doc.get("contacts"),
            "reply": doc.get("reply"), "classification": classification_view(doc.get("classification")),
            "automatic": doc.get("automatic"), "canned": doc.get("canned")}


def canned_view(doc):
    return {"shortcode": doc["_id"], "text": doc["text"], "created_at": iso(doc["created_at"]),
            "created_by": person(doc["created_by"]), "updated_at": iso(doc["updated_at"]),
            "updated_by": person(doc["updated_by"])}


def classification_view(value):
    if not value:
        return None
    view = {"label": value["label"], "cues": list(value.get("cues") or [])}
    if value.get("corrected"):
        corrected = value["corrected"]
        view["corrected"] = {"label": corrected["label"], "by": corrected["by"], "at": iso(corrected["at"])}
    return view


def note_view(doc):
    return {"note_id": doc["_id"], "author": person(doc["author"]), "text": doc["text"],
            "created_at": iso(doc["created_at"])}


def conversation_view(doc, messages, notes, lines, now):
    return {**conversation_summary(doc, lines, now), "messages": [message_view(m) for m in messages],
            "notes": [note_view(n) for n in notes]}


def inquiry_view(doc, now):
    """An inquiry to a court or an area, as both the chat staff and the court's clerk see it: the question, where
    it went, its SLA, the answer; of the conversation, only its id and the line's region, and the lawyer only if
    the number is linked to their account (never the WhatsApp number, profile name or messages)."""
    answer = doc.get("answer")
    return {"inquiry_id": doc["_id"], "conversation_id": doc["conversation_id"], "line": doc["line"],
            "region": doc.get("region"), "lawyer": doc.get("lawyer"),
            "court_id": doc.get("court_id"), "court_name": doc.get("court_name"), "area": doc.get("area"),
            "question": doc["question"], "asked_by": person(doc["asked_by"]), "asked_at": iso(doc["asked_at"]),
            "due_at": iso(doc["due_at"]), "status": doc["status"],
            "overdue": domain.inquiry_overdue(doc["due_at"], answer["at"] if answer else None, now),
            "answer": {"text": answer["text"], "by": person(answer["by"]), "at": iso(answer["at"])} if answer else None}


# --- a lawyer's WhatsApp number linked to their account ----------------------------------------------------------------
def linked_lawyer(link):
    """What staff see of the lawyer a number is linked to (name and bar number, from their signed-in account), or
    None when the number is not linked."""
    if not link:
        return None
    return {"name": link.get("name"), "bar_number": link["bar_number"]}


def link_view(doc):
    """One of a lawyer's linked numbers, as they see it."""
    return {"wa_id": doc["_id"], "name": doc.get("name"), "bar_number": doc["bar_number"],
            "linked_at": iso(doc["linked_at"])}


def pending_link_view(doc, lines, now):
    """A lawyer's pending request: the number, the line the code comes from, until when and how many tries are
    left, and how its sending went (queued, sent or failed with the reason); None when there is none or it can no
    longer be used."""
    if not doc or now >= doc["expires_at"] or doc["attempts"] >= domain.LINK_MAX_ATTEMPTS:
        return None
    line = lines.get(doc["line"])
    send = doc.get("send") or {}
    return {"wa_id": doc["wa_id"], "line": doc["line"], "from_number": line["display_number"] if line else None,
            "expires_at": iso(doc["expires_at"]), "attempts_left": domain.LINK_MAX_ATTEMPTS - doc["attempts"],
            "delivery": send.get("status") or domain.QUEUED, "delivery_error": send.get("reason")}


def conversation_lawyer(doc, link):
    """The lawyer staff see beside a conversation: on the web channel, the signed-in lawyer who wrote; on WhatsApp,
    the one the number is linked to (``link``), or None."""
    return linked_lawyer(doc.get("lawyer") if domain.is_web(doc) else link)


# --- the web channel: what the lawyer sees of their own conversation ------------------------------------------------
def web_message_view(doc):
    """One message of a lawyer's web conversation as they see it: who wrote (``lawyer`` or ``court``: never the
    agent's name), the text as written, when, and whether it is an automatic reply (out of office)."""
    return {"message_id": doc["_id"], "author": domain.web_author(doc), "text": doc["text"], "at": iso(doc["at"]),
            "automatic": bool(doc.get("automatic"))}


def web_conversation_view(doc, messages):
    """The lawyer's web conversation: their messages and the court's replies (never notes, inquiries, labels,
    classification or who answered); ``conversation_id`` None before their first message."""
    return {"conversation_id": doc["_id"] if doc else None,
            "messages": [web_message_view(m) for m in messages]}
