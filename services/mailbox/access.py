"""Who may read what in the mailbox. No I/O: each rule decides on the caller (``actor``) and on what the
store found; the service writes the audit entry of the decision and raises the error.

- A notice is read only by its recipient. Anyone else, and any id that is not a notice id, gets the same
  "not found" (``errors.notice_not_found``): nobody learns whether someone else's notice exists.
- A case's board (its notices) is read only by the staff (clerk, judge) of the case's court.
- Closures are registered only by the administration.
- The live events of a mailbox (its unread badge) are for lawyers: each gets their own mailbox's events only
  (``contracts.live.live_recipients``: only the gateway's hub names other owners, those of its open streams).
"""
from typing import Any, Mapping, Optional

from contracts.filings import CASE_NUMBER_RE
from contracts.mailbox import NOTIFICATION_ID_RE

STAFF_ROLES = ("clerk", "judge")
LIVE_ROLES = ("lawyer",)  # who opens GET /api/v1/mailbox/stream

# outcomes, as the audit log records them
ALLOWED = "allowed"
DENIED = "denied"
NOT_FOUND = "not_found"


def notice_target(notification_id: Any) -> str:
    """The audit target of a read of a notice (the id as sent, cut to its first 64 characters)."""
    return f"notification:{str(notification_id)[:64]}"


def case_target(case_number: Any) -> str:
    """The audit target of a read of a case's board."""
    return f"case:{str(case_number)[:40]}"


def is_notice_id(value: Any) -> bool:
    """Whether ``value`` has the form of a notice id (anything else names no notice)."""
    return isinstance(value, str) and bool(NOTIFICATION_ID_RE.match(value))


def notice_access(actor: Mapping[str, Any], notice: Optional[Mapping[str, Any]]) -> tuple[str, Optional[dict]]:
    """(outcome, audit details) of ``actor`` reading ``notice`` (None: there is no such notice)."""
    if notice is None:
        return NOT_FOUND, None
    owner = notice["recipient"]["sub"]
    if owner != actor["sub"]:
        return DENIED, {"owner": owner}
    return ALLOWED, None


def is_court_staff(actor: Mapping[str, Any]) -> bool:
    return actor["role"] in STAFF_ROLES


def board_refusal(actor: Mapping[str, Any], case_number: Any) -> Optional[str]:
    """What can be refused before asking which court the case is in: ``DENIED`` for a caller who is no court
    staff, ``NOT_FOUND`` for a case number of the wrong form; None to go on."""
    if not is_court_staff(actor):
        return DENIED
    if not isinstance(case_number, str) or not CASE_NUMBER_RE.match(case_number):
        return NOT_FOUND
    return None


def staff_of_court(actor: Mapping[str, Any], court_id: str) -> bool:
    """Whether ``actor`` (court staff) belongs to the court ``court_id``."""
    return actor.get("court_id") == court_id


def may_add_closure(actor: Mapping[str, Any]) -> bool:
    return actor["role"] == "admin"


def may_follow_live(actor: Mapping[str, Any]) -> bool:
    """Whether ``actor`` may follow their mailbox's live events."""
    return actor["role"] in LIVE_ROLES
