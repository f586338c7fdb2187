"""What the inbox API shows of stored documents (plain functions, no I/O)."""
import datetime

from services.chat import domain

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
            "team": doc.get("team") or (line["team"] if line else None),
            "last_message_at": iso(doc.get("last_message_at")),
            "last_message_preview": doc.get("last_message_preview") or "",
            "last_user_message_at": iso(last_user), "window_open": domain.window_open(last_user, now),
            "window_closes_at": iso(domain.window_closes_at(last_user)), "unanswered": doc.get("unanswered", 0),
            "complaint": bool(doc.get("complaint")),
            "created_at": iso(doc["created_at"])}


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
            "reply": doc.get("reply"), "classification": classification_view(doc.get("classification"))}


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
