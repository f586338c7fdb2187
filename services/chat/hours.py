"""Business hours, the out-of-office reply and service levels (SLA) of the chat's lines, as plain Python: no
I/O, the clock passed in. Every instant crossing this module is timezone-aware (naive ones are refused with
``services.runtime.court_calendar.RuleError``); local days are computed with ``zoneinfo`` in the line's time
zone, so a period keeps its wall-clock hours across a change of daylight saving time (America/Tijuana moves
its clocks on the second Sunday of March and the first Sunday of November, as the United States do).

Why not ``CourtCalendar``: it counts legal business DAYS with Guatemala's national holidays and closed
weekends; a chat line needs hours within a day, periods per weekday (a Saturday morning may be open) and its
own holiday dates (Baja California's lines rest on Mexico's days, not Guatemala's). What the two share is
taken from there: ``require_aware`` and its error.

Business hours
--------------
A line is open during its periods: several per weekday (``08:00-13:00`` and ``14:00-16:30``), none on a
weekday that is closed and none on a holiday (a date of the line's calendar). A period ends at most at
``24:00``. ``add_business_time`` counts a duration forward only while the line is open (a Friday-evening
message with a 15-minute target is due on Monday at 08:15); ``business_seconds`` measures open time between
two instants.

Out-of-office reply
-------------------
A message the user sends while the line is closed gets the line's Spanish auto-reply, at most once per local
day per conversation (``out_of_office_day``); ``{apertura}`` in its text says when the line opens next. None when the line is open now (staff are there and will
answer) or the line has no text.

Service levels
--------------
Targets per kind (``first_response``, ``next_response``, ``resolution``), in seconds of BUSINESS time, from a
default, per line, and per area (an area's target overrides the line's, which overrides the default; ``None``
is no target). The conversation keeps its ``sla``:

- ``first_response_due_at``: the first user message + the target; met at ``first_response_at`` (the first
  reply by a person; automatic replies do not count);
- ``next_response_due_at``: after the first response, a user message that finds no pending cycle starts one
  (due = that message + the target); met at ``next_response_at``;
- ``resolution_due_at``: from the first message (or the message that reopens a resolved conversation); met at
  ``resolved_at``;
- ``breaches``: the kinds missed at least once (each at most once), with ``sla_breached`` beside it; a target
  is missed when the time passes unmet (a timer checks ``sla_check_at``) or when it is met late.

Resolving stops the clocks: what is overdue at that moment is a breach, what is pending no longer is.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from services.runtime.court_calendar import RuleError, require_aware

UTC = dt.timezone.utc
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MINUTES = 24 * 60
SEARCH_DAYS = 800  # a target is looked for this many days ahead at most (a line never open: no due instant)

FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION = "first_response", "next_response", "resolution"
SLA_KINDS = (FIRST_RESPONSE, NEXT_RESPONSE, RESOLUTION)
COMPLAINTS_AREA = "quejas"  # the area whose targets a conversation flagged as a complaint follows
MAX_TARGET_SECONDS = 366 * 24 * 3600

_PERIOD_RE = re.compile(r"^([0-9]{2}):([0-9]{2})-([0-9]{2}):([0-9]{2})$")


@dataclass(frozen=True)
class BusinessHours:
    """When a line is open. ``week``: per weekday (Monday first) its periods as (start, end) minutes after
    local midnight, sorted and not overlapping; ``holidays``: closed dates."""

    time_zone: str
    week: tuple
    holidays: frozenset = frozenset()
    out_of_office: str = ""

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)

    def periods_on(self, day: dt.date) -> list:
        """The open periods of local ``day`` as UTC (start, end) instants, in order."""
        if day in self.holidays:
            return []
        tz = self.tz
        found = []
        for start, end in self.week[day.weekday()]:
            begins, ends = _local_instant(day, start, tz), _local_instant(day, end, tz)
            if ends > begins:
                found.append((begins, ends))
        return found


def _local_instant(day: dt.date, minutes: int, tz: ZoneInfo) -> dt.datetime:
    """``minutes`` after local midnight of ``day`` (1440: the next midnight), in UTC. A wall-clock time that
    does not exist (skipped when clocks move forward) counts with the offset before the change."""
    day = day + dt.timedelta(days=minutes // DAY_MINUTES)
    minutes %= DAY_MINUTES
    return dt.datetime.combine(day, dt.time(minutes // 60, minutes % 60), tzinfo=tz).astimezone(UTC)


def week_view(hours: BusinessHours) -> dict:
    """{weekday: ["HH:MM-HH:MM", ...]}, as configured."""
    def clock(minutes):
        return f"{minutes // 60:02d}:{minutes % 60:02d}"
    return {day: [f"{clock(start)}-{clock(end)}" for start, end in hours.week[i]] for i, day in enumerate(WEEKDAYS)}


def local_date(hours: BusinessHours, instant: dt.datetime) -> dt.date:
    return require_aware(instant, "instant").astimezone(hours.tz).date()


def is_open(hours: BusinessHours, instant: dt.datetime) -> bool:
    instant = require_aware(instant, "instant")
    return any(start <= instant < end for start, end in hours.periods_on(local_date(hours, instant)))


def next_opening(hours: BusinessHours, instant: dt.datetime) -> Optional[dt.datetime]:
    """``instant`` if the line is open then, else when it opens next; None if it never opens."""
    instant = require_aware(instant, "instant")
    day = local_date(hours, instant)
    for _ in range(SEARCH_DAYS):
        for start, end in hours.periods_on(day):
            if end > instant:
                return max(start, instant)
        day += dt.timedelta(days=1)
    return None


def add_business_time(hours: BusinessHours, start: dt.datetime, seconds: float) -> Optional[dt.datetime]:
    """The instant when ``seconds`` of open time have passed after ``start``; None if the line is not open
    that long within ``SEARCH_DAYS``."""
    start = require_aware(start, "start")
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds <= 0:
        raise RuleError("invalid_duration", "La duración debe ser un número de segundos mayor que cero.", "seconds")
    remaining = dt.timedelta(seconds=seconds)
    day = local_date(hours, start)
    for _ in range(SEARCH_DAYS):
        for begins, ends in hours.periods_on(day):
            if ends <= start:
                continue
            begins = max(begins, start)
            if begins + remaining <= ends:
                return begins + remaining
            remaining -= ends - begins
        day += dt.timedelta(days=1)
    return None


def inquiry_due_at(hours: Optional[BusinessHours], asked_at: dt.datetime, sla_hours: float) -> dt.datetime:
    """When an inquiry asked at ``asked_at`` should be answered: ``sla_hours`` of the line's business hours later, as
    the conversations' SLA counts (asked on a Friday afternoon, a court's day goes on on Monday; holidays do not
    count). Elapsed hours only for a line without hours (``hours`` None) or not open that long within
    ``SEARCH_DAYS``: the inquiry still gets a due instant."""
    seconds = sla_hours * 3600
    due = add_business_time(hours, asked_at, seconds) if hours is not None else None
    return due if due is not None else require_aware(asked_at, "asked_at") + dt.timedelta(seconds=seconds)


def business_seconds(hours: BusinessHours, start: dt.datetime, end: dt.datetime) -> float:
    """Open time between ``start`` and ``end`` in seconds (0 when ``end`` is not after ``start``)."""
    start, end = require_aware(start, "start"), require_aware(end, "end")
    total, day, last = 0.0, local_date(hours, start), local_date(hours, end)
    while day <= last:
        for begins, ends in hours.periods_on(day):
            overlap = (min(ends, end) - max(begins, start)).total_seconds()
            if overlap > 0:
                total += overlap
        day += dt.timedelta(days=1)
    return total


# --- the out-of-office reply ---------------------------------------------------------------------------------
def out_of_office_day(hours: BusinessHours, last_day: Optional[str], message_at: dt.datetime,
                      now: dt.datetime) -> Optional[str]:
    """The local day (``AAAA-MM-DD``) to record when a message sent at ``message_at`` gets the out-of-office
    reply now, or None: the line has no reply text, it was open when the user wrote or is open now, or the
    conversation already got one that day (``last_day``; a late message of an earlier day gets none)."""
    if not hours.out_of_office or is_open(hours, message_at) or is_open(hours, now):
        return None
    day = local_date(hours, message_at).isoformat()
    if last_day is not None and last_day >= day:
        return None
    return day


OPENING_PLACEHOLDER = "{apertura}"
WEEKDAY_NAMES = ("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo")
MONTH_NAMES = ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
               "noviembre", "diciembre")
NO_OPENING = "próximo horario de atención"


def opening_text(hours: BusinessHours, now: dt.datetime) -> str:
    """When the line opens next, in Spanish and local time: «lunes 7 de diciembre a las 8:00»."""
    opening = next_opening(hours, now)
    if opening is None:
        return NO_OPENING
    local = opening.astimezone(hours.tz)
    return (f"{WEEKDAY_NAMES[local.weekday()]} {local.day} de {MONTH_NAMES[local.month - 1]} "
            f"a las {local.hour}:{local.minute:02d}")


def out_of_office_text(hours: BusinessHours, now: dt.datetime) -> str:
    """The line's out-of-office reply, with ``{apertura}`` (if it has it) replaced by when it opens next."""
    text = hours.out_of_office
    return text.replace(OPENING_PLACEHOLDER, opening_text(hours, now)) if OPENING_PLACEHOLDER in text else text


# --- configuration ---------------------------------------------------------------------------------------------
def _minutes(hh: str, mm: str) -> int:
    hours_, minutes = int(hh), int(mm)
    if minutes > 59 or hours_ > 24 or (hours_ == 24 and minutes):
        raise ValueError("hora fuera de rango")
    return hours_ * 60 + minutes


def parse_periods(value: Any, where: str) -> tuple:
    """``["08:00-13:00", "14:00-16:30"]`` -> ((480, 780), (840, 990)); refused when malformed, empty or
    overlapping (ValueError with a Spanish message naming ``where``)."""
    if not isinstance(value, list) or len(value) > 12:
        raise ValueError(f"{where}: se espera una lista de períodos «HH:MM-HH:MM» (a lo sumo 12)")
    periods = []
    for item in value:
        match = _PERIOD_RE.match(item) if isinstance(item, str) else None
        try:
            start, end = (_minutes(*match.groups()[:2]), _minutes(*match.groups()[2:])) if match else (0, 0)
        except ValueError:
            start = end = 0
        if not match or end <= start:
            raise ValueError(f"{where}: período inválido {str(item)[:20]!r} (HH:MM-HH:MM, fin después del inicio, "
                             "hasta 24:00)")
        periods.append((start, end))
    periods.sort()
    for (_, end), (start, _) in zip(periods, periods[1:]):
        if start < end:
            raise ValueError(f"{where}: los períodos se superponen")
    return tuple(periods)


def parse_hours(value: Any, time_zone: str, where: str) -> BusinessHours:
    """One line's hours from configuration: ``{"mon": [...periods], ..., "holidays": ["AAAA-MM-DD"],
    "out_of_office": "texto"}``; a weekday left out is closed."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: se espera un objeto")
    unknown = set(value) - set(WEEKDAYS) - {"holidays", "out_of_office"}
    if unknown:
        raise ValueError(f"{where}: claves desconocidas: {', '.join(sorted(map(str, unknown)))[:100]}")
    try:
        ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ValueError(f"{where}: zona horaria desconocida") from exc
    week = tuple(parse_periods(value.get(day, []), f"{where}.{day}") for day in WEEKDAYS)
    holidays = value.get("holidays", [])
    if not isinstance(holidays, list) or len(holidays) > 1000:
        raise ValueError(f"{where}.holidays: se espera una lista de fechas AAAA-MM-DD (a lo sumo 1000)")
    dates = set()
    for item in holidays:
        try:
            dates.add(dt.date.fromisoformat(item) if isinstance(item, str) and len(item) == 10 else None)
        except ValueError:
            dates.add(None)
    if None in dates:
        raise ValueError(f"{where}.holidays: cada feriado es una fecha AAAA-MM-DD")
    text = value.get("out_of_office", "")
    if not isinstance(text, str) or len(text) > 1024:
        raise ValueError(f"{where}.out_of_office: un texto de a lo sumo 1024 caracteres (vacío: sin respuesta)")
    return BusinessHours(time_zone, week, frozenset(dates), text.strip())


@dataclass(frozen=True)
class SlaPolicy:
    """Targets in seconds of business time; None: no target for that kind."""

    first_response: Optional[int] = None
    next_response: Optional[int] = None
    resolution: Optional[int] = None

    def target(self, kind: str) -> Optional[int]:
        return getattr(self, kind)

    def as_dict(self) -> dict:
        return {kind: self.target(kind) for kind in SLA_KINDS}


def parse_targets(value: Any, where: str) -> dict:
    """``{"first_response": 900, "resolution": null}`` -> the kinds it names (seconds, or None)."""
    if not isinstance(value, Mapping):
        raise ValueError(f"{where}: se espera un objeto con first_response, next_response y/o resolution")
    unknown = set(value) - set(SLA_KINDS)
    if unknown:
        raise ValueError(f"{where}: claves desconocidas: {', '.join(sorted(map(str, unknown)))[:100]}")
    for kind, seconds in value.items():
        if seconds is not None and (type(seconds) is not int or not 0 < seconds <= MAX_TARGET_SECONDS):
            raise ValueError(f"{where}.{kind}: segundos (entero de 1 a {MAX_TARGET_SECONDS}) o null")
    return dict(value)


def policy_for(policies: Mapping, line: str, area: Optional[str]) -> SlaPolicy:
    """The targets of a conversation of ``line`` in ``area``: the default's, overridden by the line's, then by
    the area's. ``policies``: {"default": {...}, "lines": {line: {...}}, "areas": {area: {...}}}."""
    merged = dict(policies.get("default") or {})
    merged.update((policies.get("lines") or {}).get(line) or {})
    if area:
        merged.update((policies.get("areas") or {}).get(area) or {})
    return SlaPolicy(**{kind: merged.get(kind) for kind in SLA_KINDS})


def conversation_area(conversation: Mapping, complaints_area: str = COMPLAINTS_AREA) -> Optional[str]:
    """The area whose targets apply: the conversation's own (an area it was transferred or routed to), else the team
    it was transferred to (an area is a team of the chat), else the complaints area (CHAT_COMPLAINTS_AREA) for a
    complaint."""
    return (conversation.get("area") or conversation.get("team")
            or (complaints_area if conversation.get("complaint") else None))


# --- service levels ----------------------------------------------------------------------------------------------
def _due(hours: BusinessHours, policy: SlaPolicy, kind: str, start: dt.datetime) -> Optional[dt.datetime]:
    target = policy.target(kind)
    return add_business_time(hours, start, target) if target else None


def _breach(sla: dict, kind: str) -> None:
    if kind not in sla["breaches"]:
        sla["breaches"].append(kind)


def new_sla(policy: SlaPolicy, area: Optional[str]) -> dict:
    return {"policy": policy.as_dict(), "area": area, "started_at": None,
            "first_response_due_at": None, "first_response_at": None,
            "next_response_due_at": None, "next_response_since": None, "next_response_at": None,
            "resolution_due_at": None, "resolved_at": None, "breaches": [], "version": 0}


def sla_after_user_message(sla: Optional[dict], hours: BusinessHours, policy: SlaPolicy, area: Optional[str],
                           at: dt.datetime, reopened: bool) -> dict:
    """The conversation's SLA after the user writes at ``at``: the clocks a message starts (see the module
    docstring). ``reopened``: the message reopened a resolved conversation (a new resolution clock)."""
    at = require_aware(at, "at")
    if sla is None:
        sla = new_sla(policy, area)
        sla.update(started_at=at, first_response_due_at=_due(hours, policy, FIRST_RESPONSE, at),
                   resolution_due_at=_due(hours, policy, RESOLUTION, at))
        return sla
    sla = {**sla, "breaches": list(sla.get("breaches") or [])}
    if reopened:
        sla.update(resolution_due_at=_due(hours, policy, RESOLUTION, at), resolved_at=None)
        if sla.get("first_response_at") is None:  # resolved without a reply: the first response starts again
            sla["first_response_due_at"] = _due(hours, policy, FIRST_RESPONSE, at)
    if sla.get("first_response_at") is not None and not next_response_pending(sla):
        sla.update(next_response_due_at=_due(hours, policy, NEXT_RESPONSE, at), next_response_since=at,
                   next_response_at=None)
    return sla


def next_response_pending(sla: Mapping) -> bool:
    return sla.get("next_response_since") is not None and sla.get("next_response_at") is None


def sla_after_reply(sla: Optional[dict], now: dt.datetime) -> Optional[dict]:
    """After a person replies at ``now``: the first response, or the pending next response, is met (late: a
    breach). None for a conversation without SLA (started before SLAs were kept)."""
    if sla is None:
        return None
    now = require_aware(now, "now")
    sla = {**sla, "breaches": list(sla.get("breaches") or [])}
    if sla.get("first_response_at") is None:
        sla["first_response_at"] = now
        if sla.get("first_response_due_at") is not None and now > sla["first_response_due_at"]:
            _breach(sla, FIRST_RESPONSE)
    elif next_response_pending(sla):
        sla["next_response_at"] = now
        if sla.get("next_response_due_at") is not None and now > sla["next_response_due_at"]:
            _breach(sla, NEXT_RESPONSE)
    return sla


def pending_dues(sla: Mapping) -> dict:
    """{kind: due instant} of the targets still running (not met, not resolved)."""
    if sla.get("resolved_at") is not None:
        return {}
    dues = {}
    if sla.get("first_response_at") is None and sla.get("first_response_due_at") is not None:
        dues[FIRST_RESPONSE] = sla["first_response_due_at"]
    if next_response_pending(sla) and sla.get("next_response_due_at") is not None:
        dues[NEXT_RESPONSE] = sla["next_response_due_at"]
    if sla.get("resolution_due_at") is not None:
        dues[RESOLUTION] = sla["resolution_due_at"]
    return dues


def overdue(sla: Optional[Mapping], now: dt.datetime) -> list:
    """The kinds missed at ``now`` and not yet recorded as breaches."""
    if not sla:
        return []
    now = require_aware(now, "now")
    recorded = set(sla.get("breaches") or [])
    return [kind for kind, due in pending_dues(sla).items() if kind not in recorded and due < now]


def check_at(sla: Optional[Mapping]) -> Optional[dt.datetime]:
    """When a timer must look at the conversation next: the earliest due of a running target not yet breached."""
    if not sla:
        return None
    recorded = set(sla.get("breaches") or [])
    dues = [due for kind, due in pending_dues(sla).items() if kind not in recorded]
    return min(dues) if dues else None


def sla_with_breaches(sla: dict, now: dt.datetime) -> tuple:
    """(the SLA with what is overdue at ``now`` recorded, the kinds newly breached)."""
    missed = overdue(sla, now)
    if not missed:
        return sla, []
    sla = {**sla, "breaches": list(sla.get("breaches") or []) + missed}
    return sla, missed


def sla_after_resolve(sla: Optional[dict], now: dt.datetime) -> tuple:
    """Resolving at ``now``: what is overdue is recorded, then the clocks stop. (sla or None, newly breached)."""
    if sla is None:
        return None, []
    sla, missed = sla_with_breaches(sla, now)
    return {**sla, "resolved_at": require_aware(now, "now")}, missed
