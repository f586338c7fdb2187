"""iCalendar feeds of hearings (RFC 5545) that a calendar application can subscribe to.

- one VEVENT per hearing, ``UID`` = ``<hearing id>@audiencias.oj.gob.gt`` (stable for the hearing's life);
- ``SEQUENCE`` = the hearing's version (it rises with each change, so applications replace what they hold);
- ``STATUS:CANCELLED`` when the hearing was cancelled or suspended, ``CONFIRMED`` otherwise;
- ``DTSTART``/``DTEND``/``DTSTAMP``/``LAST-MODIFIED`` in UTC (``...Z``): no time zone definition needed;
- text values escaped (backslash, semicolon, comma, line breaks; other control characters dropped) and
  content lines folded at 75 octets (never inside a UTF-8 character), lines ending in CRLF.
"""
import datetime
import re
from typing import Iterable, Mapping

from services.queries import domain

UID_DOMAIN = "audiencias.oj.gob.gt"
PRODID = "-//Organismo Judicial de Guatemala//Portal Judicial - Audiencias//ES"
MAX_LINE_OCTETS = 75
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
MODE_LABELS = {"presencial": "presencial", "virtual": "virtual"}
STATUS_LABELS = {"programada": "Programada", "reprogramada": "Reprogramada", "realizada": "Realizada",
                 "suspendida": "Suspendida", "cancelada": "Cancelada"}


def escape_text(value) -> str:
    """A TEXT value (RFC 5545 §3.3.11)."""
    text = _CONTROL.sub("", str(value if value is not None else ""))
    text = text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return text.replace("\r\n", "\\n").replace("\n", "\\n").replace("\r", "\\n")


def fold(line: str) -> str:
    """One content line folded into lines of at most 75 octets (§3.1), without splitting a character."""
    data = line.encode("utf-8")
    if len(data) <= MAX_LINE_OCTETS:
        return line
    pieces, current, size, limit = [], [], 0, MAX_LINE_OCTETS
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            pieces.append("".join(current))
            current, size, limit = [], 0, MAX_LINE_OCTETS - 1  # continuation lines start with a space
        current.append(char)
        size += width
    pieces.append("".join(current))
    return "\r\n ".join(pieces)


def utc_stamp(instant: datetime.datetime) -> str:
    return instant.astimezone(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def event_lines(hearing: Mapping) -> list[str]:
    kind = domain.KIND_LABELS.get(hearing["kind"], hearing["kind"])
    status = STATUS_LABELS.get(hearing["status"], hearing["status"])
    description = [f"Tribunal: {hearing['court_name']} ({hearing['court_id']})",
                   f"Expediente: {hearing['case_number']}", f"Materia: {hearing['matter']}",
                   f"Modalidad: {MODE_LABELS.get(hearing['mode'], hearing['mode'])}", f"Estado: {status}"]
    if hearing.get("reason"):
        description.append(f"Motivo del último cambio: {hearing['reason']}")
    for party in hearing.get("parties") or ():
        description.append(f"{party['role']}: {party['name']}")
    cancelled = hearing["status"] in domain.CANCELLED_STATUSES
    return [
        "BEGIN:VEVENT",
        f"UID:{hearing['_id']}@{UID_DOMAIN}",
        f"SEQUENCE:{int(hearing['version'])}",
        f"DTSTAMP:{utc_stamp(hearing['changed_at'])}",
        f"LAST-MODIFIED:{utc_stamp(hearing['changed_at'])}",
        f"DTSTART:{utc_stamp(hearing['starts_at'])}",
        f"DTEND:{utc_stamp(hearing['ends_at'])}",
        "SUMMARY:" + escape_text(f"{kind} - expediente {hearing['case_number']}"),
        f"LOCATION:{escape_text(hearing['room'] + (' (virtual)' if hearing['mode'] == 'virtual' else ''))}",
        f"DESCRIPTION:{escape_text(chr(10).join(description))}",
        f"CATEGORIES:{escape_text(kind)}",
        f"STATUS:{'CANCELLED' if cancelled else 'CONFIRMED'}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
    ]


def calendar(name: str, hearings: Iterable[Mapping], tz_name: str = "America/Guatemala") -> str:
    """The whole feed as text (CRLF line ends); ``tz_name`` only tells applications the courts' zone."""
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN", "METHOD:PUBLISH",
             f"X-WR-CALNAME:{escape_text(name)}", f"X-WR-TIMEZONE:{escape_text(tz_name)}"]
    for hearing in hearings:
        lines.extend(event_lines(hearing))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
