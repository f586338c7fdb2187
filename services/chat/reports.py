"""The chat's reports as plain rules, no I/O (the clock and the stored documents are passed in).

- **The period**: ``from`` and ``to`` are days (inclusive) in the time zone of the line asked for, or of the first
  configured line; without them, the last 30 days up to today. ``from`` after ``to`` or more than
  ``MAX_DAYS`` days are refused.
- **Which conversations**: those opened (created) in the period, of the line, agent (the one assigned now) and
  area asked for. Every figure is about those conversations, so the summary is the sum of the per-conversation
  rows.
- **Times, from the stored message instants**: opened = the user's first message; first response = the first
  message written by a person of the staff (automatic messages such as the survey or an out-of-office reply do
  not count); resolution = the last resolution's instant, for a conversation resolved now. Each as seconds
  from the opening.
- **Median and p90**: the percentile by linear interpolation between the closest ranks (numpy's default, Excel's
  PERCENTILE.INC): p of the sorted values x[0..n-1] is x[k] + (x[k+1] - x[k])·f with k + f = p·(n-1).
- **SLA**: ``sla_breached`` and ``sla.breaches`` of each conversation when present (zero when absent).
- **CSAT**: the score of the conversation's current survey (its last resolution's).
- **Area**: the conversation's own (``area``), else the team that attends it (transferred, or its line's).
- **Topics**: the staff's labels, the classifier's cues and labels of the user's messages, most frequent first.
- **By day**: every day of the period (in its time zone), with the conversations opened that day and their
  messages (a conversation's messages count on the day it was opened), so the days add up to the volumes.
- **CSV**: every text cell that a spreadsheet would read as a formula (``= + - @``, tab, carriage return) starts
  with an apostrophe.
"""
import csv
import datetime
import io
import math
from collections import Counter
from dataclasses import dataclass
from typing import Iterable, Optional
from zoneinfo import ZoneInfo

from services.chat.domain import channel_of

MAX_DAYS = 366
DEFAULT_DAYS = 30
TOP_TOPICS = 20
BREACH_KINDS = ("first_response", "next_response", "resolution")
CLASSES = ("queja", "consulta", "sugerencia")
SCORES = (1, 2, 3, 4, 5)

ROW_COLUMNS = ("conversation_id", "channel", "line", "region", "area", "agent", "status", "opened_at", "first_response_at",
               "resolved_at", "first_response_seconds", "resolution_seconds", "messages_in", "messages_out",
               "csat_score", "complaint", "sla_breached", "sla_breaches", "labels")


@dataclass(frozen=True)
class Period:
    first_day: datetime.date
    last_day: datetime.date
    time_zone: str
    start: datetime.datetime  # UTC, inclusive
    end: datetime.datetime    # UTC, exclusive


def period(first_day: Optional[datetime.date], last_day: Optional[datetime.date], time_zone: str,
           now: datetime.datetime):
    """(Period, None), or (None, {field: Spanish reason}) when the days asked for cannot make a report."""
    zone = ZoneInfo(time_zone)
    today = now.astimezone(zone).date()
    if first_day is not None and last_day is not None and first_day > last_day:
        return None, {"from": "La fecha inicial no puede ser posterior a la final."}
    too_long = {"to" if last_day is not None else "from": f"El período abarca a lo sumo {MAX_DAYS} días."}
    try:
        if last_day is None:
            last_day = max(today, first_day) if first_day is not None else today
        if first_day is None:
            first_day = last_day - datetime.timedelta(days=DEFAULT_DAYS - 1)
        if (last_day - first_day).days + 1 > MAX_DAYS:
            return None, too_long
        start = _midnight(first_day, zone)
        end = _midnight(last_day + datetime.timedelta(days=1), zone)
    except (OverflowError, ValueError):
        return None, {"from": "Fecha fuera del rango que se puede consultar."}
    return Period(first_day, last_day, time_zone, start, end), None


def _midnight(day, zone):
    return datetime.datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(datetime.timezone.utc)


def percentile(values, p: float) -> Optional[float]:
    """The p-th percentile (0..100) by linear interpolation between the closest ranks; None without values."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = (len(ordered) - 1) * p / 100.0
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return float(ordered[low] + (ordered[high] - ordered[low]) * (rank - low))


def median(values) -> Optional[float]:
    return percentile(values, 50)


def seconds_between(start: Optional[datetime.datetime], end: Optional[datetime.datetime]) -> Optional[float]:
    """Seconds from ``start`` to ``end``; None when either is missing or ``end`` comes first."""
    if start is None or end is None or end < start:
        return None
    return (end - start).total_seconds()


def area_of(doc: dict, lines: dict) -> Optional[str]:
    line = lines.get(doc.get("line")) or {}
    return doc.get("area") or doc.get("team") or line.get("team")


def conversation_row(doc: dict, lines: dict) -> dict:
    """One conversation of the report, from its document and its messages' figures (``doc["stats"]``: first_in,
    first_reply, messages_in, messages_out, cues, classes)."""
    stats = doc.get("stats") or {}
    opened = stats.get("first_in") or doc.get("created_at")
    first_reply = stats.get("first_reply")
    resolved = doc.get("resolved_at") if doc.get("status") == "resolved" else None
    sla = doc.get("sla") if isinstance(doc.get("sla"), dict) else {}
    breaches = [kind for kind in BREACH_KINDS if kind in (sla.get("breaches") or [])]
    score = (doc.get("csat") or {}).get("score")
    line = lines.get(doc.get("line")) or {}
    return {"conversation_id": doc["_id"], "created_at": doc.get("created_at"), "channel": channel_of(doc),
            "line": doc.get("line"),
            "region": line.get("region"),
            "area": area_of(doc, lines), "agent": (doc.get("assignee") or {}).get("sub"),
            "status": doc.get("status"), "opened_at": opened, "first_response_at": first_reply,
            "resolved_at": resolved, "first_response_seconds": seconds_between(opened, first_reply),
            "resolution_seconds": seconds_between(opened, resolved),
            "messages_in": int(stats.get("messages_in") or 0), "messages_out": int(stats.get("messages_out") or 0),
            "csat_score": score if score in SCORES else None,
            "csat_sent": bool(doc.get("csat")) and (doc.get("csat") or {}).get("status") in ("sent", "answered"),
            "complaint": bool(doc.get("complaint")),
            "sla_breached": bool(doc.get("sla_breached")) or bool(breaches), "sla_breaches": breaches,
            "labels": [str(label) for label in doc.get("labels") or []],
            "cues": [str(cue) for cue in stats.get("cues") or [] if isinstance(cue, str)],
            "classes": [str(label) for label in stats.get("classes") or [] if label in CLASSES]}


class Summary:
    """The report of many conversation rows, added one at a time (only the durations are kept, as numbers);
    with a ``span`` (a Period), also the volumes of each of its days."""

    def __init__(self, span: Optional[Period] = None):
        self.span = span
        self.days = {}
        self.conversations = self.messages_in = self.messages_out = self.resolved = 0
        self.first_response, self.resolution = [], []
        self.breached = 0
        self.breaches = Counter()
        self.surveys_sent = 0
        self.scores = Counter()
        self.complaints = Counter()
        self.labels, self.cues, self.classes = Counter(), Counter(), Counter()

    def add(self, row: dict):
        self.conversations += 1
        self.messages_in += row["messages_in"]
        self.messages_out += row["messages_out"]
        if self.span is not None and row.get("created_at") is not None:
            day = self.days.setdefault(row["created_at"].astimezone(ZoneInfo(self.span.time_zone)).date(), [0, 0, 0])
            day[0] += 1
            day[1] += row["messages_in"]
            day[2] += row["messages_out"]
        if row["resolved_at"] is not None:
            self.resolved += 1
        if row["first_response_seconds"] is not None:
            self.first_response.append(row["first_response_seconds"])
        if row["resolution_seconds"] is not None:
            self.resolution.append(row["resolution_seconds"])
        if row["sla_breached"]:
            self.breached += 1
        self.breaches.update(row["sla_breaches"])
        if row["csat_sent"]:
            self.surveys_sent += 1
        if row["csat_score"] is not None:
            self.scores[row["csat_score"]] += 1
        if row["complaint"]:
            self.complaints[row["area"] or "sin_area"] += 1
        self.labels.update(set(row["labels"]))
        self.cues.update(row["cues"])
        self.classes.update(row["classes"])

    def result(self) -> dict:
        answered = sum(self.scores.values())
        total = sum(score * count for score, count in self.scores.items())
        return {
            "volumes": {"conversations": self.conversations, "messages_in": self.messages_in,
                        "messages_out": self.messages_out, "resolved": self.resolved},
            "first_response": _times(self.first_response),
            "resolution": _times(self.resolution),
            "sla": {"breached_conversations": self.breached,
                    **{kind: self.breaches.get(kind, 0) for kind in BREACH_KINDS}},
            "csat": {"surveys_sent": self.surveys_sent, "answered": answered,
                     "average": round(total / answered, 2) if answered else None,
                     "distribution": {str(score): self.scores.get(score, 0) for score in SCORES}},
            "complaints": {"total": sum(self.complaints.values()),
                           "by_area": [{"area": area, "count": count} for area, count in _ranked(self.complaints)]},
            "topics": {"labels": _top(self.labels), "cues": _top(self.cues),
                       "classification": {label: self.classes.get(label, 0) for label in CLASSES}},
            "by_day": self._by_day(),
        }

    def _by_day(self):
        if self.span is None:
            return []
        out = []
        day = self.span.first_day
        while day <= self.span.last_day:
            conversations, messages_in, messages_out = self.days.get(day, (0, 0, 0))
            out.append({"day": day.isoformat(), "conversations": conversations, "messages_in": messages_in,
                        "messages_out": messages_out})
            day += datetime.timedelta(days=1)
        return out


def _times(values):
    return {"count": len(values), "median_seconds": _round(median(values)),
            "p90_seconds": _round(percentile(values, 90))}


def _round(value):
    return None if value is None else round(value, 1)


def _ranked(counter):
    return sorted(counter.items(), key=lambda item: (-item[1], item[0]))


def _top(counter):
    return [{"topic": topic, "count": count} for topic, count in _ranked(counter)[:TOP_TOPICS]]


# --- export pages -------------------------------------------------------------------------------------------------
def page_key(doc: dict) -> str:
    """Where the next page of the export starts: after this conversation, in (created_at, _id) order."""
    return f"{doc['created_at'].astimezone(datetime.timezone.utc).isoformat()}|{doc['_id']}"


def parse_page_key(value) -> Optional[tuple]:
    """(created_at, conversation id) of a ``page_key``; None when it is not one."""
    if not isinstance(value, str) or len(value) > 100 or value.count("|") != 1:
        return None
    instant, conversation_id = value.split("|")
    try:
        created_at = datetime.datetime.fromisoformat(instant)
    except ValueError:
        return None
    if created_at.tzinfo is None or not conversation_id or len(conversation_id) > 64:
        return None
    return created_at, conversation_id


# --- CSV ----------------------------------------------------------------------------------------------------------
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value) -> str:
    """A value as a CSV cell: instants in ISO 8601 UTC, booleans true/false, lists joined by '|', nothing as
    empty; a text a spreadsheet would run as a formula is prefixed with an apostrophe."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.timezone.utc).isoformat(timespec="seconds").replace("+00:00", "Z")
    if isinstance(value, float):
        return f"{value:.1f}"
    if isinstance(value, (list, tuple)):
        value = "|".join(str(v) for v in value)
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_text(rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
    return out.getvalue()


def rows_csv(rows: Iterable[dict], header=False) -> str:
    """Per-conversation rows as CSV lines (``ROW_COLUMNS``), with the header line first if asked."""
    lines = [ROW_COLUMNS] if header else []
    lines.extend([row[column] for column in ROW_COLUMNS] for row in rows)
    return csv_text(lines)


def summary_csv(report: dict) -> str:
    """The summary as CSV, one figure a line: ``metric,value`` (metric: its path in the JSON report)."""
    lines = [("metric", "value")]

    def walk(prefix, value):
        if isinstance(value, dict):
            for key, item in value.items():
                walk(f"{prefix}.{key}" if prefix else key, item)
        elif isinstance(value, list):
            for item in value:
                if "day" in item:  # by_day.<day>.<figure>
                    lines.extend((f"{prefix}.{item['day']}.{key}", figure) for key, figure in item.items()
                                 if key != "day")
                    continue
                name = item.get("area") or item.get("topic")
                lines.append((f"{prefix}.{name}", item["count"]))
        else:
            lines.append((prefix, value))

    walk("", {key: value for key, value in report.items() if key not in ("filters",)})
    return csv_text(lines)
