"""Rules of the public read model as plain Python (no I/O; the clock and the court's time zone passed in).

- **Names for search** (the shared rule, ``services.runtime.names``): a name is folded (accents and tildes dropped, so "Peña" is "pena" and "Pérez" is
  "perez"; case folded) and cut into words; a query matches a party when each of its words is a word of the
  party's name, or the beginning of one (partial words), in any order.
- **Versions**: each hearing and each case number their facts (``version``, ``case_version``); a fact is
  applied only if it is newer than what is held, so an older one that arrives late changes nothing.
  The stage of a case is the stage of its newest fact that set one. ``reserved`` never goes back to false.
- **Date ranges** of the agenda: one local ``date``, or ``from`` and ``to`` (both, ``from`` <= ``to``, at most
  31 days counted inclusively); none means today. Local days are the court's (America/Guatemala).
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Optional

from contracts.filings import ALL_STAGES, HEARING_KINDS, INITIAL_STAGE, PUBLIC_MATTERS
from services.runtime.court_calendar import RuleError, require_aware
from services.runtime.names import (LONG_NAME, MAX_PREFIX_LENGTH, MAX_QUERY_WORDS, SEARCH_PAIR_WORDS,  # noqa: F401
                                   SEARCH_STEM, beginnings, fold, name_index, query_words, search_key, search_keys,
                                   words)

UTC = datetime.timezone.utc
MAX_RANGE_DAYS = 31
FEED_DAYS_BEFORE = 30    # an iCalendar feed of a court holds hearings from 30 days ago...
FEED_DAYS_AFTER = 365    # ...to a year ahead

STAGE_LABELS = {
    "ingresado": "Ingresado", "admitido": "Admitido para su trámite",
    "amparo_provisional_otorgado": "Amparo provisional otorgado",
    "amparo_provisional_denegado": "Amparo provisional denegado",
    "informe_circunstanciado": "Informe circunstanciado", "vista": "Vista",
    "sentencia_otorga": "Sentencia: otorga el amparo", "sentencia_deniega": "Sentencia: deniega el amparo",
    "apelado": "Apelado", "ejecutoriado": "Ejecutoriado", "archivado": "Archivado",
    "rechazado_in_limine": "Rechazado in límine", "juez_pesquisidor_designado": "Juez pesquisidor designado",
    "informe_pesquisidor": "Informe del juez pesquisidor", "ha_lugar_formacion_causa": "Ha lugar a formación de causa",
    "no_ha_lugar": "No ha lugar a formación de causa",
}
assert set(STAGE_LABELS) == set(ALL_STAGES), "every stage has its label"
KIND_LABELS = {
    "primera_declaracion": "Primera declaración", "etapa_intermedia": "Etapa intermedia", "debate": "Debate",
    "conciliacion": "Conciliación", "juicio_oral": "Juicio oral", "vista": "Vista",
    "ofrecimiento_prueba": "Ofrecimiento de prueba", "otra": "Audiencia",
}
assert set(KIND_LABELS) == set(HEARING_KINDS), "every hearing kind has its label"
CANCELLED_STATUSES = ("cancelada", "suspendida")  # the hearing will not take place at that time


# --- names (the shared rule: services.runtime.names) ---------------------------------------------------------
party_index = name_index  # what the search looks up for each party: its words and their beginnings


def match_tier(index: list[Mapping[str, Any]], wanted: list[str]) -> Optional[int]:
    """How well a case's parties match the words: 0 every word is a whole word of one party's name, 1 every
    word begins a word of one party's name, None no party matches."""
    best = None
    for party in index:
        if all(word in party["words"] for word in wanted):
            return 0
        if all(word in party["prefixes"] for word in wanted):
            best = 1
    return best


# --- versions ----------------------------------------------------------------------------------------------
def is_newer(incoming: Optional[int], held: Optional[int]) -> bool:
    """A fact of version ``incoming`` replaces what is held at version ``held`` (None: nothing held)."""
    if incoming is None:
        return False
    return held is None or incoming > held


def stage_after(held_stage: Optional[str], held_version: Optional[int], stage: Optional[str],
                version: Optional[int]) -> tuple[Optional[str], Optional[int]]:
    """(stage, the version that set it) once a fact of ``version`` that sets ``stage`` (None: does not move it)
    is known: the newest fact that set a stage wins, whatever the order they arrive in."""
    if stage is None or not is_newer(version, held_version):
        return held_stage, held_version
    return stage, version


def is_public_case(case: Mapping[str, Any]) -> bool:
    """A case the public may look up: its opening is known, its matter is public and it is not reserved."""
    return bool(case.get("opened")) and case.get("matter") in PUBLIC_MATTERS and not case.get("reserved")


def reserved(*flags: Optional[bool]) -> bool:
    """Reserved once is reserved for good: any fact that says so."""
    return any(bool(flag) for flag in flags)


def case_year(case_number: str) -> Optional[int]:
    """The year in a case number CCCCC-AAAA-NNNNN."""
    parts = (case_number or "").split("-")
    return int(parts[1]) if len(parts) == 3 and parts[1].isdigit() else None


def official_office(parties: Iterable[Mapping[str, Any]]) -> Optional[str]:
    """The office (cargo) of the official an antejuicio is about."""
    for party in parties or ():
        if party.get("role") == "funcionario" and party.get("office"):
            return party["office"]
    return None


def parties_by_role(parties: Iterable[Mapping[str, Any]]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = {}
    for party in parties or ():
        grouped.setdefault(party["role"], []).append({"name": party["name"], "office": party.get("office")})
    return grouped


def initial_stage(matter: Optional[str], stage: Optional[str]) -> Optional[str]:
    """The stage an opening sets: the one it names, else ``ingresado`` for the public matters."""
    if stage:
        return stage
    return INITIAL_STAGE if matter in PUBLIC_MATTERS else None


# --- times -------------------------------------------------------------------------------------------------
def parse_instant(text: str) -> datetime.datetime:
    """An ISO-8601 instant with its offset (a trailing Z allowed), in UTC to the millisecond."""
    value = datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))
    value = require_aware(value, "instant").astimezone(UTC)
    return value.replace(microsecond=value.microsecond // 1000 * 1000)


def iso(instant: Optional[datetime.datetime]) -> Optional[str]:
    """UTC ISO-8601 with milliseconds and a Z."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def local_iso(instant: Optional[datetime.datetime], tz: datetime.tzinfo) -> Optional[str]:
    """The court's local time of ``instant``, ISO-8601 with its offset (e.g. 2026-03-02T09:00:00-06:00)."""
    if instant is None:
        return None
    return instant.astimezone(tz).isoformat(timespec="seconds")


def local_today(now: datetime.datetime, tz: datetime.tzinfo) -> datetime.date:
    return require_aware(now, "now").astimezone(tz).date()


_LOWEST = datetime.datetime(1, 1, 2, tzinfo=UTC)
_HIGHEST = datetime.datetime(9999, 12, 30, tzinfo=UTC)


def start_of_local_day(day: datetime.date, tz: datetime.tzinfo) -> datetime.datetime:
    """The UTC instant a local day begins (clamped at the ends of the calendar, where there is nothing)."""
    if day <= _LOWEST.date():
        return _LOWEST
    if day >= _HIGHEST.date():
        return _HIGHEST
    return datetime.datetime.combine(day, datetime.time(), tz).astimezone(UTC)


@dataclass(frozen=True)
class DayRange:
    """Local days ``first`` to ``last``, both included."""
    first: datetime.date
    last: datetime.date

    def bounds(self, tz: datetime.tzinfo) -> tuple[datetime.datetime, datetime.datetime]:
        """[start, end) in UTC."""
        after = self.last + datetime.timedelta(days=1) if self.last < datetime.date.max else self.last
        return start_of_local_day(self.first, tz), start_of_local_day(after, tz)


def hearing_range(today: datetime.date, day: Optional[datetime.date] = None,
                  first: Optional[datetime.date] = None, last: Optional[datetime.date] = None) -> DayRange:
    """The local days an agenda query covers: ``day``; or ``first`` (from) to ``last`` (to), both given,
    in order, at most MAX_RANGE_DAYS days; or, with none, ``today``."""
    if day is not None:
        if first is not None or last is not None:
            raise RuleError("invalid_range", "Indique «date» o «from» y «to», no ambos.", "date")
        return DayRange(day, day)
    if first is None and last is None:
        return DayRange(today, today)
    if first is None or last is None:
        missing = "from" if first is None else "to"
        raise RuleError("invalid_range", "Indique «from» y «to» juntos.", missing)
    if first > last:
        raise RuleError("invalid_range", "La fecha inicial no puede ser posterior a la final.", "from")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        raise RuleError("range_too_long", f"El rango puede abarcar como máximo {MAX_RANGE_DAYS} días.", "to")
    return DayRange(first, last)


def period_range(first: Optional[datetime.date], last: Optional[datetime.date]) -> Optional[DayRange]:
    """The admission dates a case listing covers (either end may be open), or None for every date."""
    if first is not None and last is not None and first > last:
        raise RuleError("invalid_range", "La fecha inicial no puede ser posterior a la final.", "from")
    if first is None and last is None:
        return None
    return DayRange(first or datetime.date.min, last or datetime.date.max)


def feed_window(now: datetime.datetime) -> tuple[datetime.datetime, datetime.datetime]:
    """The instants a court's iCalendar feed covers."""
    return (now - datetime.timedelta(days=FEED_DAYS_BEFORE), now + datetime.timedelta(days=FEED_DAYS_AFTER))


def hearing_end(starts_at: datetime.datetime, duration_minutes: int) -> datetime.datetime:
    return starts_at + datetime.timedelta(minutes=duration_minutes)


def is_upcoming(hearing: Mapping[str, Any], now: datetime.datetime) -> bool:
    """A hearing still ahead (it has not ended) and still to take place."""
    return hearing["ends_at"] > now and hearing["status"] not in (*CANCELLED_STATUSES, "realizada")


# --- the documents of the read model, after each fact ---------------------------------------------------------
def blank_case(case_number: str) -> dict:
    """A case known only by its number, before any fact about it arrived."""
    return {"_id": case_number, "court_id": None, "court_name": "", "matter": None, "year": case_year(case_number),
            "opened": False, "opened_at": None, "parties": [], "parties_index": [], "search_keys": [],
            "act_complained": None,
            "official_office": None, "stage": None, "stage_version": None, "version": 0, "reserved": False,
            "public": False}


def _known(case: dict, data: Mapping[str, Any]) -> dict:
    """What any fact tells of its case: its court and matter (the first ones known are kept)."""
    case["court_id"] = case.get("court_id") or data.get("court_id")
    case["court_name"] = data.get("court_name") or case.get("court_name") or ""
    case["matter"] = case.get("matter") or data.get("matter")
    return case


def _settled(case: dict) -> dict:
    case["public"] = is_public_case(case)
    return case


def case_after_opened(held: Optional[Mapping[str, Any]], data: Mapping[str, Any]) -> dict:
    """The case once its opening (``case_opened``, or the case as a snapshot pages it out) is known."""
    case = _known(dict(held or blank_case(data["case_number"])), data)
    parties = [{"name": p["name"], "role": p["role"], "office": p.get("office")} for p in data.get("parties") or ()]
    version = data.get("case_version") or 1
    stage, stage_version = stage_after(case["stage"], case["stage_version"],
                                       initial_stage(case["matter"], data.get("stage")), version)
    case.update(opened=True, opened_at=parse_instant(data["opened_at"]), parties=parties,
                parties_index=party_index(parties), search_keys=search_keys(parties), act_complained=data.get("act_complained"),
                official_office=official_office(parties), stage=stage, stage_version=stage_version,
                version=max(case["version"], version), reserved=reserved(case["reserved"], data.get("reserved")))
    return _settled(case)


def case_after_reserved(held: Optional[Mapping[str, Any]], data: Mapping[str, Any]) -> dict:
    case = _known(dict(held or blank_case(data["case_number"])), data)
    case.update(reserved=True, version=max(case["version"], data.get("case_version") or 0))
    return _settled(case)


def case_after_resolution(held: Optional[Mapping[str, Any]], data: Mapping[str, Any]) -> dict:
    case = _known(dict(held or blank_case(data["case_number"])), data)
    version = data.get("case_version")
    stage, stage_version = stage_after(case["stage"], case["stage_version"], data.get("stage"), version)
    case.update(stage=stage, stage_version=stage_version, version=max(case["version"], version or 0),
                reserved=reserved(case["reserved"], data.get("case_reserved")))
    return _settled(case)


def case_after_hearing(held: Optional[Mapping[str, Any]], data: Mapping[str, Any]) -> dict:
    case = _known(dict(held or blank_case(data["case_number"])), data)
    case["reserved"] = reserved(case["reserved"], data.get("case_reserved"))
    return _settled(case)


def actuacion_after(held: Optional[Mapping[str, Any]], data: Mapping[str, Any], case: Mapping[str, Any]) -> dict:
    """A resolution as the read model keeps it: its facts never change; only ``reserved`` may become true."""
    if held is not None:
        return {**held, "reserved": reserved(held["reserved"], case["reserved"], data.get("case_reserved"))}
    return {"_id": data["resolution_id"], "case_number": data["case_number"], "court_id": data["court_id"],
            "court_name": data.get("court_name") or case.get("court_name") or "",
            "matter": data.get("matter") or case.get("matter"), "kind": data["kind"], "stage": data.get("stage"),
            "case_version": data.get("case_version"), "summary": data["summary"], "folio": data["folio"],
            "issued_at": parse_instant(data["issued_at"]), "document_id": data["document_id"],
            "document_sha256": data["document_sha256"].lower(), "document_filename": data["document_filename"],
            "document_size": data["document_size"], "reserved": reserved(case["reserved"], data.get("case_reserved"))}


def hearing_after(held: Optional[Mapping[str, Any]], data: Mapping[str, Any], case: Mapping[str, Any]) -> dict:
    """The hearing once a state of it is known: the newest version's state; ``reserved`` sticks."""
    is_reserved = reserved(held and held["reserved"], case["reserved"], data.get("case_reserved"))
    if held is not None and not is_newer(data["version"], held["version"]):
        return {**held, "reserved": is_reserved}
    starts_at = parse_instant(data["starts_at"])
    parties = data.get("public_parties") if data["matter"] in PUBLIC_MATTERS else None
    return {"_id": data["hearing_id"], "version": data["version"], "case_number": data["case_number"],
            "court_id": data["court_id"], "court_name": data["court_name"], "matter": data["matter"],
            "kind": data["kind"], "starts_at": starts_at, "ends_at": hearing_end(starts_at, data["duration_minutes"]),
            "duration_minutes": data["duration_minutes"], "room": data["room"], "mode": data["mode"],
            "status": data["status"], "reason": data.get("reason"), "changed_at": parse_instant(data["changed_at"]),
            "parties": [{"name": p["name"], "role": p["role"], "office": p.get("office")} for p in parties or ()]
            if parties is not None else None,
            "reserved": is_reserved}
