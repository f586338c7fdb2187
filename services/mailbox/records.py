"""The shape of the mailbox's records: a notice (the stored record, its views, its evidence and its events),
and the views of a profile, a closure, the summary and the holidays. No I/O.

A notice (notificación) is one document of the ``notifications`` collection,
``_id`` = ``notification_id``. Its facts are written once: the fields copied
from the ``resolution_issued`` event and ``available_at`` when it is created;
``accessed_at`` on the first opening; ``served_at``/``served_by``/``due_date``/
``due_at`` when it is served. ``deemed_service_at`` is the projected instant of
service by lapse with the calendar known at the time; it may only move later
(a court closure added afterwards) and only while the notice is not served.
"""
import datetime
import hashlib
from typing import Any, Mapping, Optional

from contracts.base import json_text
from services.mailbox.domain import (DUE_SOON_BUSINESS_DAYS, deemed_service_at, due_at, due_date,
                                     status_of_service)
from services.runtime.court_calendar import CourtCalendar

MAX_TERM_DAYS = 365  # a resolution_issued event with a longer term cannot apply

UTC = datetime.timezone.utc



def iso(instant):
    """UTC ISO-8601 with milliseconds and a Z (None stays None)."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def parse_iso(value, field):
    """An aware UTC datetime from ISO-8601 text, truncated to milliseconds; ValueError otherwise."""
    if not isinstance(value, str) or len(value) > 40:
        raise ValueError(f"{field}: not an ISO-8601 instant")
    instant = datetime.datetime.fromisoformat(value)
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{field}: the instant must carry its time zone")
    instant = instant.astimezone(UTC)
    return instant.replace(microsecond=(instant.microsecond // 1000) * 1000)


def check_resolution_issued(data: Mapping[str, Any]) -> None:
    """Raise ValueError if a ``resolution_issued`` event can never apply (it is kept in dead_letters)."""
    parse_iso(data["issued_at"], "issued_at")
    if data.get("term_days") is not None and not 0 <= data["term_days"] <= MAX_TERM_DAYS:
        raise ValueError("term_days out of range")


def person(ref):
    return {"sub": ref["sub"], "name": ref.get("name"), "bar_number": ref.get("bar_number")}


def unique_recipients(recipients):
    seen, result = set(), []
    for recipient in recipients:
        if recipient["sub"] not in seen:
            seen.add(recipient["sub"])
            result.append(person(recipient))
    return result


def shared_fields(data, issued_at, available_at, deemed_at, source_event_id):
    """What every notice of one resolution shares (computed once for a mass notification)."""
    return {
        "case_number": data["case_number"], "court_id": data["court_id"], "court_name": data["court_name"],
        "resolution_id": data["resolution_id"], "resolution_kind": data["kind"], "summary": data["summary"],
        "folio": data["folio"], "document_id": data["document_id"], "document_sha256": data["document_sha256"],
        "document_size": data["document_size"], "document_filename": data["document_filename"],
        "term_days": data.get("term_days") or None, "issued_at": issued_at, "available_at": available_at,
        "deemed_service_at": deemed_at, "accessed_at": None, "served_at": None, "served_by": None,
        "due_date": None, "due_at": None, "source_event_id": source_event_id,
    }


def service_fields(doc: Mapping[str, Any], served_at: datetime.datetime, served_by: str, calendar: CourtCalendar,
                   days: int) -> dict:
    """What serving ``doc`` at ``served_at`` (by ``served_by``) writes: the service, the term's end and the
    deemed instant as the calendar says now."""
    due = due_date(served_at, doc.get("term_days"), calendar, doc["court_id"])
    return {"served_at": served_at, "served_by": served_by, "due_date": due.isoformat() if due else None,
            "due_at": due_at(served_at, doc.get("term_days"), calendar, doc["court_id"]),
            "deemed_service_at": deemed_service_at(doc["available_at"], calendar, doc["court_id"], days)}


def document_matches(doc: Mapping[str, Any], data: bytes, document_id: Optional[str] = None) -> bool:
    """Whether ``data`` are the bytes of the notice's document (its SHA-256; and its id, if one is given)."""
    if hashlib.sha256(data).hexdigest() != doc["document_sha256"]:
        return False
    return document_id is None or document_id == doc["document_id"]


def status_of(doc, today):
    """The status of a stored notice on ``today`` (the rule: ``domain.status_of_service``)."""
    due = doc.get("due_date")
    return status_of_service(doc.get("served_at"), datetime.date.fromisoformat(due) if due else None, today)


LIST_FIELDS = ("case_number", "court_id", "court_name", "resolution_id", "resolution_kind", "folio", "term_days",
               "due_date")
TIME_FIELDS = ("issued_at", "available_at", "deemed_service_at", "accessed_at", "served_at", "due_at")


def is_settled(doc):
    """Opened and served: nothing of the notice changes any more."""
    return doc.get("accessed_at") is not None and doc.get("served_at") is not None


def _list_fields(doc):
    return {"notification_id": doc["_id"], **{k: doc.get(k) for k in LIST_FIELDS},
            **{k: iso(doc.get(k)) for k in TIME_FIELDS}, "served_by": doc.get("served_by"),
            "opened": doc.get("accessed_at") is not None}


def _full_fields(doc):
    return {**_list_fields(doc), "recipient": doc["recipient"], "summary": doc["summary"],
            "document_id": doc["document_id"], "document_sha256": doc["document_sha256"],
            "document_size": doc["document_size"], "document_filename": doc["document_filename"]}


def list_view(doc, today):
    return {**_list_fields(doc), "status": status_of(doc, today)}


def full_view_head(doc):
    """The JSON text of the full view (``NotificationSchema``) up to its last field, ``status`` (the only one
    that depends on the day)."""
    return json_text(_full_fields(doc))[:-1] + ',"status":'


def full_view_json(doc, today, head=None):
    """The full view as JSON text (UTF-8 bytes); ``head``: ``full_view_head(doc)`` if the caller kept it."""
    return ((head or full_view_head(doc)) + '"' + status_of(doc, today) + '"}').encode("utf-8")


def board_item(doc):
    return {"notification_id": doc["_id"], "recipient": doc["recipient"], "resolution_id": doc["resolution_id"],
            "resolution_kind": doc["resolution_kind"], "folio": doc["folio"], "available_at": iso(doc["available_at"]),
            "deemed_service_at": iso(doc["deemed_service_at"]), "accessed_at": iso(doc.get("accessed_at")),
            "served_at": iso(doc.get("served_at")), "served_by": doc.get("served_by"), "due_date": doc.get("due_date")}


def summary_view(unread: int, served: int, due_soon: list[tuple[Mapping[str, Any], int]],
                 business_days: int = DUE_SOON_BUSINESS_DAYS) -> dict:
    """The owner's summary: counts, and the notices due soon with their business days left
    (``domain.due_soon``)."""
    items = [{"notification_id": doc["_id"], "case_number": doc["case_number"],
              "resolution_kind": doc["resolution_kind"], "due_date": doc["due_date"], "due_at": iso(doc["due_at"]),
              "business_days_left": days_left} for doc, days_left in due_soon]
    return {"unread": unread, "served": served,
            "due_soon": {"business_days": business_days, "count": len(items), "items": items}}


# --- profiles, closures, holidays ------------------------------------------------------------
def profile_email(email: Optional[str]) -> Optional[str]:
    """The e-mail address as kept: without surrounding blanks; none when empty."""
    return email.strip() if email else None


def profile_view(profile: Optional[Mapping[str, Any]]) -> dict:
    profile = profile or {}
    return {"email": profile.get("email"), "alerts": bool(profile.get("alerts")),
            "updated_at": iso(profile.get("updated_at"))}


def closure_view(doc: Mapping[str, Any]) -> dict:
    return {"closure_id": doc["_id"], "date": doc["date"], "court_id": doc.get("court_id"), "reason": doc["reason"],
            "created_by": doc["created_by"], "created_at": iso(doc["created_at"])}


def holidays_view(year: int, holidays: Mapping[datetime.date, str], half_days: Mapping[datetime.date, str]) -> dict:
    """A year's national holidays and half-day holidays, by date (on one date, the whole day first)."""
    items = [{"date": d.isoformat(), "name": name, "half_day": False} for d, name in holidays.items()]
    items += [{"date": d.isoformat(), "name": name, "half_day": True} for d, name in half_days.items()]
    items.sort(key=lambda item: (item["date"], item["half_day"]))
    return {"year": year, "items": items}


# --- evidence ------------------------------------------------------------------------------
# Fields that are null in a snapshot taken before the notice was opened or served, and set later.
LATER_FIELDS = ("accessed_at", "served_at", "served_by", "due_date")


def evidence_fields(doc, generated_at):
    """The evidence (acuse de recibo) of a notice: exactly ``evidence.EVIDENCE_FIELDS``."""
    return {
        "notification_id": doc["_id"],
        "recipient": {"sub": doc["recipient"]["sub"], "name": doc["recipient"].get("name")},
        "case_number": doc["case_number"], "court_id": doc["court_id"], "resolution_id": doc["resolution_id"],
        "resolution_kind": doc["resolution_kind"], "summary": doc["summary"], "document_id": doc["document_id"],
        "document_sha256": doc["document_sha256"], "issued_at": iso(doc["issued_at"]),
        "available_at": iso(doc["available_at"]), "accessed_at": iso(doc.get("accessed_at")),
        "served_at": iso(doc.get("served_at")), "served_by": doc.get("served_by"), "term_days": doc.get("term_days"),
        "due_date": doc.get("due_date"), "generated_at": iso(generated_at),
    }


def split_differences(paths, presented, current):
    """(altered, superseded): a field null in the presented snapshot and set in the record since is a
    later fact (superseded), not an alteration; every other difference is an alteration."""
    altered, superseded = [], []
    for path in paths:
        top = path.split(".", 1)[0]
        if top in LATER_FIELDS and path == top and presented.get(top) is None and current.get(top) is not None:
            superseded.append(path)
        else:
            altered.append(path)
    return altered, superseded


# --- events ---------------------------------------------------------------------------------
def available_event(doc):
    return {"notification_id": doc["_id"], "recipient": doc["recipient"], "case_number": doc["case_number"],
            "court_id": doc["court_id"], "resolution_id": doc["resolution_id"],
            "resolution_kind": doc["resolution_kind"], "folio": doc["folio"], "term_days": doc.get("term_days"),
            "document_sha256": doc["document_sha256"], "issued_at": iso(doc["issued_at"]),
            "available_at": iso(doc["available_at"]), "deemed_service_at": iso(doc["deemed_service_at"])}


def served_event(doc):
    return {"notification_id": doc["_id"], "recipient": doc["recipient"], "case_number": doc["case_number"],
            "court_id": doc["court_id"], "resolution_id": doc["resolution_id"],
            "available_at": iso(doc["available_at"]),
            "accessed_at": iso(doc.get("accessed_at")), "served_at": iso(doc["served_at"]),
            "served_by": doc["served_by"], "term_days": doc.get("term_days"), "due_date": doc.get("due_date"),
            "due_at": iso(doc.get("due_at"))}
