"""Timing rules of a notice (notificación) in the electronic mailbox.

Pure rules: no I/O, no clock (``now`` is always an argument). All instants are
timezone-aware (naive ones raise :class:`~services.runtime.court_calendar.RuleError`,
a ``ValueError``); every instant returned is UTC. Legal day arithmetic happens
in the court's time zone through :class:`~services.runtime.court_calendar.CourtCalendar`.

The four moments of a notice
----------------------------
``issued_at``
    the court issued the communication act.
``available_at``
    it was put in the recipient's mailbox (puesta a disposición).
``accessed_at``
    the recipient first opened its content; written once, never overwritten.
``served_at`` + ``served_by``
    the notice is legally served, either by ``"access"`` or by ``"lapse"``.

Rules
-----
1. **Deemed service** (:func:`deemed_service_at`). Let D0 be the local calendar
   date of ``available_at`` in the court's time zone. The notice is deemed
   served at the END of the ``days``-th (default 3) business day strictly after
   D0, i.e. at 23:59:59.999 local of that day. The hour of availability does not
   matter, only its local date: available Friday 22:00 -> deemed served at the
   end of Wednesday (Mon, Tue, Wed) when there are no holidays; available on a
   Saturday or a holiday -> the count starts with the next business day the
   same way; available Holy Wednesday evening -> Thursday to Sunday are skipped.
2. **Service** (:func:`service_outcome`). If the first access happened at or
   before the deemed instant, the notice is served by ``"access"`` at
   ``accessed_at``. Otherwise it is served by ``"lapse"`` at the deemed instant,
   as soon as ``now`` >= that instant; an access after the deemed instant
   changes neither ``served_by`` nor ``served_at``. Until then: not served.
   An access before ``available_at`` is impossible and is rejected.
3. **Term** (:func:`due_date`, :func:`due_at`). A term of N business days runs
   from the business day after the local date of service: the due date is the
   N-th business day strictly after that date, and the term ends at 23:59:59.999
   local of the due date. No term (``None`` or ``0``): no due date.
4. **Status** (:func:`notification_status`), evaluated at ``now``:
   ``"unread"``  not accessed and not served (by access or lapse);
   ``"pending"`` served, with a due date that is today (local date of ``now``)
   or later: the term is still running;
   ``"served"``  served, and either there is no term or its due date is past.
   (An access always serves the notice or comes after service by lapse, so
   "accessed but not served" cannot happen.)
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from typing import Any, Iterable, Mapping, Optional

from services.runtime.court_calendar import CourtCalendar, RuleError, require_aware

__all__ = [
    "SERVED_BY_ACCESS",
    "SERVED_BY_LAPSE",
    "STATUS_UNREAD",
    "STATUS_PENDING",
    "STATUS_SERVED",
    "DEFAULT_DEEMED_DAYS",
    "NoticeTiming",
    "check_chronology",
    "deemed_service_at",
    "service_outcome",
    "due_date",
    "due_at",
    "notification_status",
    "evaluate_notice",
    "business_days_until",
    "is_due_within",
    "ALL_COURTS",
    "DUE_SOON_BUSINESS_DAYS",
    "DUE_SOON_LOOKAHEAD_DAYS",
    "FIRST_CLOSURE_YEAR",
    "CLOSURE_YEARS_AHEAD",
    "local_today",
    "due_soon_window",
    "due_soon",
    "closure_years",
    "closure_in_range",
    "already_non_business",
]

SERVED_BY_ACCESS = "access"
SERVED_BY_LAPSE = "lapse"

STATUS_UNREAD = "unread"
STATUS_PENDING = "pending"
STATUS_SERVED = "served"

DEFAULT_DEEMED_DAYS = 3

ALL_COURTS = "*"  # the court key of a closure of every court

DUE_SOON_BUSINESS_DAYS = 3  # "due soon" on the summary: within this many business days
DUE_SOON_LOOKAHEAD_DAYS = 45  # calendar days ahead looked at for them (more than any run of non-business days)

FIRST_CLOSURE_YEAR = 2000  # closures can be registered from this year ...
CLOSURE_YEARS_AHEAD = 5  # ... up to this many years after the current one


def _require_positive_days(days) -> int:
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise RuleError(
            "invalid_days",
            "Los días hábiles para tener por notificado deben ser un entero mayor o igual a 1.",
            "days",
        )
    return days


def _require_term(term_days) -> Optional[int]:
    if term_days is None:
        return None
    if isinstance(term_days, bool) or not isinstance(term_days, int) or term_days < 0:
        raise RuleError(
            "invalid_term_days",
            "El plazo debe ser un número entero de días hábiles, cero o mayor.",
            "term_days",
        )
    return term_days or None


def check_chronology(issued_at: datetime, available_at: datetime, accessed_at: Optional[datetime] = None) -> None:
    """Reject moments out of order: issued_at <= available_at <= accessed_at."""
    issued = require_aware(issued_at, "issued_at")
    available = require_aware(available_at, "available_at")
    if available < issued:
        raise RuleError(
            "chronology",
            "La puesta a disposición no puede ser anterior a la emisión.",
            "available_at",
        )
    if accessed_at is not None and require_aware(accessed_at, "accessed_at") < available:
        raise RuleError(
            "chronology",
            "El acceso no puede ser anterior a la puesta a disposición.",
            "accessed_at",
        )


def deemed_service_at(
    available_at: datetime,
    calendar: CourtCalendar,
    court_id: str,
    days: int = DEFAULT_DEEMED_DAYS,
) -> datetime:
    """End (23:59:59.999 local, as UTC) of the ``days``-th business day after the local date of availability."""
    available = require_aware(available_at, "available_at")
    days = _require_positive_days(days)
    d0 = calendar.local_date(available)
    return calendar.end_of_local_day(calendar.add_business_days(d0, days, court_id))


def service_outcome(
    available_at: datetime,
    accessed_at: Optional[datetime],
    now: datetime,
    calendar: CourtCalendar,
    court_id: str,
    days: int = DEFAULT_DEEMED_DAYS,
) -> Optional[tuple[datetime, str]]:
    """``(served_at, served_by)`` at ``now``, or None while the notice is not served yet."""
    available = require_aware(available_at, "available_at")
    current = require_aware(now, "now")
    accessed = None if accessed_at is None else require_aware(accessed_at, "accessed_at")
    if accessed is not None and accessed < available:
        raise RuleError(
            "chronology",
            "El acceso no puede ser anterior a la puesta a disposición.",
            "accessed_at",
        )
    deemed = deemed_service_at(available, calendar, court_id, days)
    if accessed is not None and accessed <= deemed:
        return accessed, SERVED_BY_ACCESS
    if current >= deemed:
        return deemed, SERVED_BY_LAPSE
    return None


def due_date(
    served_at: Optional[datetime],
    term_days: Optional[int],
    calendar: CourtCalendar,
    court_id: str,
) -> Optional[date]:
    """The ``term_days``-th business day after the local date of service (None without a term)."""
    term = _require_term(term_days)
    if term is None or served_at is None:
        return None
    served = require_aware(served_at, "served_at")
    return calendar.add_business_days(calendar.local_date(served), term, court_id)


def due_at(
    served_at: Optional[datetime],
    term_days: Optional[int],
    calendar: CourtCalendar,
    court_id: str,
) -> Optional[datetime]:
    """End of the due date (23:59:59.999 local, as UTC), or None without a term."""
    due = due_date(served_at, term_days, calendar, court_id)
    return None if due is None else calendar.end_of_local_day(due)


@dataclass(frozen=True)
class NoticeTiming:
    """Everything the timing rules say about one notice at ``now``."""

    deemed_service_at: datetime
    served_at: Optional[datetime]
    served_by: Optional[str]
    due_date: Optional[date]
    due_at: Optional[datetime]
    status: str


def status_of_service(served_at: Optional[datetime], due: Optional[date], today: date) -> str:
    """The one definition of a notice's status: ``unread`` until it is served; then ``pending`` while its
    term runs (the due date is ``today`` or later); ``served`` otherwise."""
    if served_at is None:
        return STATUS_UNREAD
    if due is not None and due >= today:
        return STATUS_PENDING
    return STATUS_SERVED


def evaluate_notice(
    available_at: datetime,
    accessed_at: Optional[datetime],
    now: datetime,
    calendar: CourtCalendar,
    court_id: str,
    term_days: Optional[int] = None,
    days: int = DEFAULT_DEEMED_DAYS,
) -> NoticeTiming:
    """Apply rules 1-4 at once (see the module docstring)."""
    _require_term(term_days)
    deemed = deemed_service_at(available_at, calendar, court_id, days)
    outcome = service_outcome(available_at, accessed_at, now, calendar, court_id, days)
    if outcome is None:
        return NoticeTiming(deemed, None, None, None, None, STATUS_UNREAD)
    served_at, served_by = outcome
    due = due_date(served_at, term_days, calendar, court_id)
    status = status_of_service(served_at, due, calendar.local_date(now))
    return NoticeTiming(
        deemed,
        served_at,
        served_by,
        due,
        None if due is None else calendar.end_of_local_day(due),
        status,
    )


def notification_status(
    available_at: datetime,
    accessed_at: Optional[datetime],
    now: datetime,
    calendar: CourtCalendar,
    court_id: str,
    term_days: Optional[int] = None,
    days: int = DEFAULT_DEEMED_DAYS,
) -> str:
    """``"unread"``, ``"pending"`` or ``"served"`` at ``now`` (definitions in the module docstring)."""
    return evaluate_notice(available_at, accessed_at, now, calendar, court_id, term_days, days).status


def business_days_until(today: date, target: date, calendar: CourtCalendar, court_id: str) -> int:
    """Business days from ``today`` to ``target``: those in ``(today, target]``.

    0 when ``target`` is ``today`` (or a non-business day right after it with no
    business day in between); negative when ``target`` is past (minus the
    business days in ``(target, today]``).
    """
    return calendar.business_days_between(today, target, court_id)


def is_due_within(due: Optional[date], today: date, business_days: int, calendar: CourtCalendar, court_id: str) -> bool:
    """True when ``today <= due`` and ``due`` is at most ``business_days`` business days ahead.

    For a summary screen: "due within the next 3 business days" (a due date today counts).
    """
    if due is None:
        return False
    if isinstance(business_days, bool) or not isinstance(business_days, int) or business_days < 0:
        raise RuleError("invalid_days", "El número de días hábiles debe ser un entero no negativo.", "business_days")
    ahead = business_days_until(today, due, calendar, court_id)
    return due >= today and ahead <= business_days


def local_today(now: datetime, tz: tzinfo) -> date:
    """The court's local date at ``now``."""
    return require_aware(now, "now").astimezone(tz).date()


def due_soon_window(today: date) -> tuple[date, date]:
    """The due dates (first, last, both included) among which the summary looks for those due soon."""
    return today, today + timedelta(days=DUE_SOON_LOOKAHEAD_DAYS)


def due_soon(
    notices: Iterable[Mapping[str, Any]],
    today: date,
    calendar: CourtCalendar,
    business_days: int = DUE_SOON_BUSINESS_DAYS,
) -> list[tuple[Mapping[str, Any], int]]:
    """The served notices whose term ends within ``business_days`` business days of ``today`` (one ending today
    counts), in the order given, each with its business days left."""
    found = []
    for notice in notices:
        due = date.fromisoformat(notice["due_date"])
        if is_due_within(due, today, business_days, calendar, notice["court_id"]):
            found.append((notice, business_days_until(today, due, calendar, notice["court_id"])))
    return found


def closure_years(today: date) -> tuple[int, int]:
    """The first and the last year in which a closure can be registered on ``today``."""
    return FIRST_CLOSURE_YEAR, today.year + CLOSURE_YEARS_AHEAD


def closure_in_range(day: date, today: date) -> bool:
    first, last = closure_years(today)
    return first <= day.year <= last


def already_non_business(day: date, court_id: Optional[str], tz_name: str) -> Optional[str]:
    """Why ``day`` is already no business day of ``court_id`` (None: every court) without any closure: a weekend
    or a national holiday (Spanish), or None. A closure on such a day is refused, as is an identical closure;
    the closures registered are not looked at here (a repeated one is the store's conflict)."""
    return CourtCalendar(tz_name).non_business_reason(day, court_id or ALL_COURTS)
