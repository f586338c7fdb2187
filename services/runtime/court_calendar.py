"""The court calendar: which days count for legal terms, and local/UTC day boundaries.

Pure rules: no I/O, no database, no clock, shared by every service that counts
business days (notices' deemed service and terms; notaries' deposit deadlines).
Court closures are the mailbox's data; a service loads the closures it knows and
hands them to :class:`CourtCalendar`.

Business days
-------------
A day is a business day (día hábil) for a court unless it is:

* a Saturday or a Sunday;
* a national holiday of Guatemala (see below);
* a closure of that court, or a closure of all courts (``court_id=None``),
  supplied by the caller.

National holidays (Código de Trabajo, art. 127, and its reforms)
----------------------------------------------------------------
Data-driven: :data:`FIXED_HOLIDAYS` (month/day, with an optional "moved to a
Monday" rule) plus :data:`EASTER_HOLIDAYS` (offsets from Easter Sunday,
computed per year with the Gregorian computus, :func:`easter_sunday`).
A change of law is one line in one of those tables.

========================  ==========================================
1 January                 Año Nuevo
Easter - 3 / - 2 / - 1    Jueves Santo, Viernes Santo, Sábado Santo
1 May                     Día del Trabajo
30 June                   Día del Ejército (moved, see below)
15 September              Día de la Independencia
20 October                Día de la Revolución
1 November                Día de Todos los Santos
25 December               Navidad
========================  ==========================================

Decreto 19-2018 (reform of art. 2 of Decreto 42-2010, Ley que Promueve el
Turismo Interno; in force since 18 October 2018): the asuetos of 1 May,
30 June and 20 October are enjoyed on the preceding Monday when they fall on
a Tuesday or Wednesday, and on the following Monday when they fall on a
Thursday, Friday, Saturday or Sunday (on a Monday they stay). The Corte de
Constitucionalidad (expediente 5536-2018, April 2020) left 1 May and
20 October out of that rule, so since then only 30 June moves. The tables
encode exactly that: 1 May and 20 October moved only when their nominal date
fell between 18-10-2018 and 16-04-2020 (20-10-2018, 01-05-2019,
20-10-2019); 30 June moves from 2019 on. When a holiday moves, the nominal
date is an ordinary business day and the Monday is the holiday.

Half-day holidays are business days (explicit choice)
-----------------------------------------------------
Holy Wednesday afternoon, 24 December afternoon and 31 December afternoon are
half-day asuetos. Courts keep business hours in the morning of those days, so
for counting terms they are **business days**. They are listed in
:data:`HALF_DAY_FIXED_HOLIDAYS` / :data:`HALF_DAY_EASTER_HOLIDAYS`
(:func:`half_day_holidays`) for display only; they never make a day non-business.

Not national, hence not in the tables: 15 August (Asunción, Guatemala City
only), local patron-saint days, 10 May (only working mothers), collective
court vacations. Those are court closures the caller supplies.

Time
----
All instants crossing this module's boundary are timezone-aware; naive
datetimes are rejected with :class:`RuleError` (a ``ValueError``). Local days
are computed with :mod:`zoneinfo` in the court's time zone (default
``America/Guatemala``), never with a fixed offset.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Iterable, Mapping, Optional
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "CourtCalendar",
    "Closure",
    "RuleError",
    "FixedHoliday",
    "EasterHoliday",
    "FIXED_HOLIDAYS",
    "EASTER_HOLIDAYS",
    "HALF_DAY_EASTER_HOLIDAYS",
    "HALF_DAY_FIXED_HOLIDAYS",
    "half_day_holidays",
    "DEFAULT_TIMEZONE",
    "easter_sunday",
    "national_holidays",
    "require_aware",
]

DEFAULT_TIMEZONE = "America/Guatemala"
UTC = timezone.utc

# Last representable millisecond of a local day (MongoDB keeps milliseconds).
END_OF_DAY = time(23, 59, 59, 999000)


class RuleError(ValueError):
    """Bad input to a rule: stable ``code``, the offending ``field``, Spanish ``message``."""

    def __init__(self, code: str, message: str, field: Optional[str] = None):
        super().__init__(message)
        self.code = code
        self.field = field
        self.message = message


# --------------------------------------------------------------------------
# Holiday tables
# --------------------------------------------------------------------------

TUESDAY_WEDNESDAY_TO_PREVIOUS_MONDAY_ELSE_NEXT_MONDAY = "tourism_monday"


@dataclass(frozen=True)
class FixedHoliday:
    """A holiday on a fixed month/day.

    ``moved_between`` lists half-open periods ``(from, until)`` (``until`` may
    be ``None`` = open-ended): when the nominal date of a year falls in one of
    them, the holiday is enjoyed on a Monday per Decreto 19-2018 (Tuesday or
    Wednesday -> preceding Monday; Thursday to Sunday -> following Monday).
    """

    month: int
    day: int
    name: str
    moved_between: tuple = ()

    def observed(self, year: int) -> date:
        nominal = date(year, self.month, self.day)
        for start, until in self.moved_between:
            if nominal >= start and (until is None or nominal < until):
                return _tourism_monday(nominal)
        return nominal


@dataclass(frozen=True)
class EasterHoliday:
    """A holiday at a fixed offset (in days) from Easter Sunday."""

    offset: int
    name: str

    def observed(self, year: int) -> date:
        return easter_sunday(year) + timedelta(days=self.offset)


DECRETO_19_2018_IN_FORCE = date(2018, 10, 18)
CC_5536_2018_RULING = date(2020, 4, 16)

FIXED_HOLIDAYS: tuple[FixedHoliday, ...] = (
    FixedHoliday(1, 1, "Año Nuevo"),
    FixedHoliday(5, 1, "Día del Trabajo", ((DECRETO_19_2018_IN_FORCE, CC_5536_2018_RULING),)),
    FixedHoliday(6, 30, "Día del Ejército", ((DECRETO_19_2018_IN_FORCE, None),)),
    FixedHoliday(9, 15, "Día de la Independencia"),
    FixedHoliday(10, 20, "Día de la Revolución", ((DECRETO_19_2018_IN_FORCE, CC_5536_2018_RULING),)),
    FixedHoliday(11, 1, "Día de Todos los Santos"),
    FixedHoliday(12, 25, "Navidad"),
)

EASTER_HOLIDAYS: tuple[EasterHoliday, ...] = (
    EasterHoliday(-3, "Jueves Santo"),
    EasterHoliday(-2, "Viernes Santo"),
    EasterHoliday(-1, "Sábado Santo"),
)

# Display only: these afternoons are asuetos but the days ARE business days.
HALF_DAY_EASTER_HOLIDAYS: tuple[EasterHoliday, ...] = (
    EasterHoliday(-4, "Miércoles Santo (medio día)"),
)
HALF_DAY_FIXED_HOLIDAYS: tuple[FixedHoliday, ...] = (
    FixedHoliday(12, 24, "Nochebuena (medio día)"),
    FixedHoliday(12, 31, "Fin de año (medio día)"),
)


def _tourism_monday(d: date) -> date:
    weekday = d.weekday()  # Monday = 0
    if weekday == 0:
        return d
    if weekday in (1, 2):  # Tuesday, Wednesday -> preceding Monday
        return d - timedelta(days=weekday)
    return d + timedelta(days=7 - weekday)  # Thursday..Sunday -> following Monday


def _require_year(year: Any) -> int:
    if isinstance(year, bool) or not isinstance(year, int) or not 1583 <= year <= 9999:
        raise RuleError("invalid_year", "El año debe ser un entero entre 1583 y 9999.", "year")
    return year


def easter_sunday(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm, Meeus/Jones/Butcher)."""
    _require_year(year)
    a = year % 19
    b, c = divmod(year, 100)
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    l = (32 + 2 * e + 2 * i - h - k) % 7  # noqa: E741 (name from the algorithm)
    m = (a + 11 * h + 22 * l) // 451
    month, day = divmod(h + l - 7 * m + 114, 31)
    return date(year, month, day + 1)


def national_holidays(year: int) -> dict[date, str]:
    """National holidays of ``year`` (observed dates) with their Spanish names."""
    return _collect(year, (*FIXED_HOLIDAYS, *EASTER_HOLIDAYS))


def half_day_holidays(year: int) -> dict[date, str]:
    """Half-day asuetos of ``year`` (display only: they are business days)."""
    return _collect(year, (*HALF_DAY_FIXED_HOLIDAYS, *HALF_DAY_EASTER_HOLIDAYS))


def _collect(year: int, table) -> dict[date, str]:
    _require_year(year)
    result: dict[date, str] = {}
    for holiday in table:
        observed = holiday.observed(year)
        if observed in result:
            result[observed] = f"{result[observed]} / {holiday.name}"
        else:
            result[observed] = holiday.name
    return dict(sorted(result.items()))


# --------------------------------------------------------------------------
# Closures
# --------------------------------------------------------------------------

@dataclass(frozen=True)
class Closure:
    """A day a court (or every court, ``court_id=None``) is closed."""

    date: date
    court_id: Optional[str] = None
    reason: Optional[str] = None


def _coerce_date(value: Any, field: str) -> date:
    if isinstance(value, datetime):
        # MongoDB has no date type: a closure stored as midnight is accepted.
        if value.time() != time(0) or (value.tzinfo is not None and value.utcoffset() != timedelta(0)):
            raise RuleError(
                "invalid_date",
                "La fecha de cierre debe ser un día (sin hora) o una medianoche UTC.",
                field,
            )
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RuleError("invalid_date", "La fecha de cierre no es una fecha válida (AAAA-MM-DD).", field)


def _coerce_closure(entry: Any) -> Closure:
    if isinstance(entry, Closure):
        return entry
    if isinstance(entry, Mapping):
        if "date" not in entry:
            raise RuleError("missing_field", "Cada cierre debe indicar su fecha.", "closures.date")
        raw_date, court_id, reason = entry["date"], entry.get("court_id"), entry.get("reason")
    elif isinstance(entry, tuple) and len(entry) in (2, 3):
        raw_date, court_id = entry[0], entry[1]
        reason = entry[2] if len(entry) == 3 else None
    elif hasattr(entry, "date"):
        raw_date = entry.date
        court_id = getattr(entry, "court_id", None)
        reason = getattr(entry, "reason", None)
    else:
        raise RuleError("invalid_closure", "Cierre no reconocido: se espera fecha y tribunal.", "closures")
    if court_id is not None and (not isinstance(court_id, str) or not court_id):
        raise RuleError(
            "invalid_court_id",
            "El tribunal de un cierre debe ser un identificador o nulo (todos los tribunales).",
            "closures.court_id",
        )
    return Closure(_coerce_date(raw_date, "closures.date"), court_id, reason)


# --------------------------------------------------------------------------
# Validation helpers shared with domain.py
# --------------------------------------------------------------------------

def require_aware(value: Any, field: str) -> datetime:
    """Return ``value`` as UTC if it is a timezone-aware datetime; else RuleError."""
    if not isinstance(value, datetime):
        raise RuleError("invalid_datetime", f"«{field}» debe ser una fecha y hora.", field)
    if value.tzinfo is None or value.utcoffset() is None:
        raise RuleError(
            "naive_datetime",
            f"«{field}» debe incluir zona horaria (se espera UTC).",
            field,
        )
    return value.astimezone(UTC)


def _require_date(value: Any, field: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise RuleError("invalid_date", f"«{field}» debe ser una fecha (sin hora).", field)
    return value


def _require_court(court_id: Any) -> str:
    if not isinstance(court_id, str) or not court_id:
        raise RuleError("invalid_court_id", "Se requiere el identificador del tribunal.", "court_id")
    return court_id


# --------------------------------------------------------------------------
# The calendar
# --------------------------------------------------------------------------

class CourtCalendar:
    """Business days and local day boundaries for the courts.

    ``closures``: iterable of :class:`Closure`, dicts ``{"date", "court_id"[, "reason"]}``,
    objects with ``date``/``court_id`` attributes, or tuples ``(date, court_id[, reason])``.
    ``court_id=None`` closes every court. Dates may be ``date``, ISO strings
    ``"AAAA-MM-DD"`` or midnight datetimes (as MongoDB returns them).
    """

    def __init__(self, tz: str = DEFAULT_TIMEZONE, closures: Iterable[Any] = ()):
        if not isinstance(tz, str) or not tz:
            raise RuleError("invalid_timezone", "Zona horaria no válida.", "tz")
        try:
            self.tz = ZoneInfo(tz)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise RuleError("invalid_timezone", f"Zona horaria desconocida: {tz}.", "tz") from exc
        self.tz_name = tz
        self._all_courts: dict[date, Closure] = {}
        self._by_court: dict[tuple[date, str], Closure] = {}
        for entry in closures or ():
            closure = _coerce_closure(entry)
            if closure.court_id is None:
                self._all_courts[closure.date] = closure
            else:
                self._by_court[(closure.date, closure.court_id)] = closure
        self._holiday_cache: dict[int, dict[date, str]] = {}

    # -- holidays ----------------------------------------------------------

    def holidays(self, year: int) -> dict[date, str]:
        """National holidays of ``year``: ``{date: Spanish name}``, sorted by date."""
        if year not in self._holiday_cache:
            self._holiday_cache[year] = national_holidays(year)
        return dict(self._holiday_cache[year])

    def _holiday_name(self, d: date) -> Optional[str]:
        if d.year not in self._holiday_cache:
            self._holiday_cache[d.year] = national_holidays(d.year)
        return self._holiday_cache[d.year].get(d)

    # -- business days -----------------------------------------------------

    def non_business_reason(self, d: date, court_id: str) -> Optional[str]:
        """Why ``d`` is not a business day for ``court_id`` (Spanish), or None if it is one."""
        d = _require_date(d, "date")
        court_id = _require_court(court_id)
        weekday = d.weekday()
        if weekday == 5:
            return "Sábado"
        if weekday == 6:
            return "Domingo"
        name = self._holiday_name(d)
        if name is not None:
            return name
        closure = self._by_court.get((d, court_id)) or self._all_courts.get(d)
        if closure is not None:
            return closure.reason or (
                "Cierre de todos los tribunales" if closure.court_id is None else "Cierre del tribunal"
            )
        return None

    def is_business_day(self, d: date, court_id: str) -> bool:
        return self.non_business_reason(d, court_id) is None

    def next_business_day(self, d: date, court_id: str) -> date:
        """The first business day strictly after ``d``."""
        return self.add_business_days(d, 1, court_id)

    def add_business_days(self, d: date, n: int, court_id: str) -> date:
        """The ``n``-th business day strictly after ``d`` (``n`` >= 1)."""
        d = _require_date(d, "date")
        court_id = _require_court(court_id)
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise RuleError("invalid_days", "El número de días hábiles debe ser un entero mayor o igual a 1.", "days")
        current, counted = d, 0
        while counted < n:
            current += timedelta(days=1)
            if self.is_business_day(current, court_id):
                counted += 1
        return current

    def business_days_between(self, start: date, end: date, court_id: str) -> int:
        """Business days in ``(start, end]``; negative (``-`` those in ``(end, start]``) if end < start."""
        start = _require_date(start, "start")
        end = _require_date(end, "end")
        court_id = _require_court(court_id)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        count, current = 0, start
        while current < end:
            current += timedelta(days=1)
            if self.is_business_day(current, court_id):
                count += 1
        return sign * count

    # -- local / UTC -------------------------------------------------------

    def local_date(self, instant_utc: datetime) -> date:
        """The calendar date of ``instant_utc`` in the court's time zone."""
        instant = require_aware(instant_utc, "instant")
        return instant.astimezone(self.tz).date()

    def start_of_local_day(self, d: date) -> datetime:
        """UTC instant of 00:00:00.000 local on ``d``."""
        d = _require_date(d, "date")
        return datetime.combine(d, time(0), tzinfo=self.tz).astimezone(UTC)

    def end_of_local_day(self, d: date) -> datetime:
        """UTC instant of 23:59:59.999 local on ``d`` (the last millisecond of that day)."""
        d = _require_date(d, "date")
        return datetime.combine(d, END_OF_DAY, tzinfo=self.tz).astimezone(UTC)
