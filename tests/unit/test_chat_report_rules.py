"""The chat reports' rules without a database: the period, percentiles, each conversation's row, the summary of
many rows, the export's page keys and CSV cells."""
import csv
import datetime
import io

import pytest

from services.chat import reports

UTC = datetime.timezone.utc
NOW = datetime.datetime(2026, 12, 6, 18, 0, tzinfo=UTC)  # 10:00 in Tijuana (UTC-8 in December)
TZ = "America/Tijuana"
LINES = {"1": {"team": "mexicali", "region": "Mexicali"}, "2": {"team": "tijuana", "region": "Tijuana"}}
T0 = datetime.datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


def day(text):
    return datetime.date.fromisoformat(text)


# --- the period ------------------------------------------------------------------------------------------------
def test_the_period_is_whole_local_days_in_utc():
    span, problems = reports.period(day("2026-12-01"), day("2026-12-06"), TZ, NOW)
    assert problems is None
    assert span.start == datetime.datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
    assert span.end == datetime.datetime(2026, 12, 7, 8, 0, tzinfo=UTC)


def test_without_days_the_last_30_up_to_today_and_one_day_alone_is_allowed():
    span, _ = reports.period(None, None, TZ, NOW)
    assert (span.first_day, span.last_day) == (day("2026-11-07"), day("2026-12-06"))
    span, _ = reports.period(None, day("2026-06-30"), TZ, NOW)
    assert (span.first_day, span.last_day) == (day("2026-06-01"), day("2026-06-30"))
    span, _ = reports.period(day("2026-12-06"), day("2026-12-06"), TZ, NOW)
    assert span.end - span.start == datetime.timedelta(days=1)


def test_summer_days_follow_the_lines_offset():
    span, _ = reports.period(day("2026-07-01"), day("2026-07-01"), TZ, NOW)
    assert span.start == datetime.datetime(2026, 7, 1, 7, 0, tzinfo=UTC)  # UTC-7 in summer


@pytest.mark.parametrize("first,last,field", [("2026-12-07", "2026-12-06", "from"), ("2025-01-01", "2026-12-06", "to"),
                                              ("0001-01-01", "9999-12-31", "to"), ("9999-12-31", None, "from"),
                                              (None, "0001-01-05", "from"), ("2020-01-01", None, "from")])
def test_from_after_to_a_range_too_long_or_dates_out_of_range_are_refused(first, last, field):
    span, problems = reports.period(first and day(first), last and day(last), TZ, NOW)
    assert span is None and set(problems) == {field}


# --- percentiles ------------------------------------------------------------------------------------------------
def test_percentiles_interpolate_between_the_closest_ranks():
    values = [60, 120, 180, 240, 300, 360, 420, 480, 540, 600]
    assert reports.median(values) == 330.0
    assert reports.percentile(values, 90) == 546.0
    assert reports.median([5, 1, 3]) == 3.0 and reports.percentile([7], 90) == 7.0
    assert reports.median([]) is None and reports.percentile([], 90) is None
    assert reports.percentile([10, 20], 0) == 10.0 and reports.percentile([10, 20], 100) == 20.0


# --- rows and the summary ------------------------------------------------------------------------------------------
def conversation(i, **extra):
    first_in = T0 + datetime.timedelta(hours=i)
    doc = {"_id": f"{i:032x}", "line": "1", "status": "open", "created_at": first_in + datetime.timedelta(seconds=1),
           "assignee": {"sub": "ana"}, "labels": [],
           "stats": {"first_in": first_in, "first_reply": first_in + datetime.timedelta(minutes=i + 1),
                     "messages_in": 2, "messages_out": 1, "cues": [], "classes": ["consulta"]}}
    doc.update(extra)
    return doc


def test_a_row_measures_from_the_first_user_message():
    doc = conversation(0, status="resolved", resolved_at=T0 + datetime.timedelta(hours=2),
                       csat={"status": "answered", "score": 5}, complaint=True, team="ensenada",
                       sla={"breaches": ["resolution", "first_response", "otra"]}, sla_breached=True)
    row = reports.conversation_row(doc, LINES)
    assert row["opened_at"] == T0 and row["first_response_seconds"] == 60.0 and row["resolution_seconds"] == 7200.0
    assert row["area"] == "ensenada" and row["region"] == "Mexicali" and row["agent"] == "ana"
    assert row["csat_score"] == 5 and row["complaint"] is True
    assert row["sla_breaches"] == ["first_response", "resolution"] and row["sla_breached"] is True


def test_a_row_without_replies_resolution_sla_or_survey():
    doc = conversation(0, stats={"first_in": T0, "messages_in": 1}, status="open", resolved_at=T0, assignee=None)
    row = reports.conversation_row(doc, LINES)
    assert row["first_response_seconds"] is None and row["resolution_seconds"] is None  # reopened: not resolved now
    assert row["sla_breached"] is False and row["sla_breaches"] == [] and row["csat_score"] is None
    assert row["area"] == "mexicali" and row["agent"] is None and row["messages_out"] == 0
    no_messages = reports.conversation_row({"_id": "x", "line": "9", "created_at": T0}, LINES)
    assert no_messages["opened_at"] == T0 and no_messages["area"] is None


def test_the_summary_of_known_rows():
    summary = reports.Summary()
    for i in range(10):  # first responses after 1..10 minutes
        extra = {}
        if i < 4:
            extra = {"status": "resolved", "resolved_at": T0 + datetime.timedelta(hours=i, minutes=30 * (i + 1)),
                     "csat": {"status": "answered" if i < 3 else "sent", "score": (5, 4, 4, None)[i]}}
        if i in (2, 7):
            extra.update(complaint=True, area="quejas" if i == 2 else None)
        if i == 5:
            extra.update(sla_breached=True, sla={"breaches": ["first_response", "next_response"]}, labels=["familiar"])
        summary.add(reports.conversation_row(conversation(i, **extra), LINES))
    result = summary.result()
    assert result["volumes"] == {"conversations": 10, "messages_in": 20, "messages_out": 10, "resolved": 4}
    assert result["first_response"] == {"count": 10, "median_seconds": 330.0, "p90_seconds": 546.0}
    assert result["resolution"] == {"count": 4, "median_seconds": 4500.0, "p90_seconds": 6660.0}
    assert result["sla"] == {"breached_conversations": 1, "first_response": 1, "next_response": 1, "resolution": 0}
    assert result["csat"] == {"surveys_sent": 4, "answered": 3, "average": 4.33,
                              "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    assert result["complaints"] == {"total": 2, "by_area": [{"area": "mexicali", "count": 1},
                                                            {"area": "quejas", "count": 1}]}
    assert result["topics"]["labels"] == [{"topic": "familiar", "count": 1}]
    assert result["topics"]["classification"] == {"queja": 0, "consulta": 10, "sugerencia": 0}


def test_an_empty_summary():
    result = reports.Summary().result()
    assert result["first_response"] == {"count": 0, "median_seconds": None, "p90_seconds": None}
    assert result["csat"]["average"] is None and result["complaints"]["by_area"] == []


def test_the_volumes_of_each_day_of_the_period_in_its_time_zone():
    span, _ = reports.period(day("2026-11-30"), day("2026-12-02"), TZ, NOW)
    summary = reports.Summary(span)
    late = conversation(9, created_at=datetime.datetime(2026, 12, 2, 7, 59, tzinfo=UTC))  # 23:59 of the 1st there
    for doc in (conversation(0), conversation(1), late):
        summary.add(reports.conversation_row(doc, LINES))
    result = summary.result()
    assert result["by_day"] == [
        {"day": "2026-11-30", "conversations": 0, "messages_in": 0, "messages_out": 0},
        {"day": "2026-12-01", "conversations": 3, "messages_in": 6, "messages_out": 3},
        {"day": "2026-12-02", "conversations": 0, "messages_in": 0, "messages_out": 0}]
    assert sum(d["conversations"] for d in result["by_day"]) == result["volumes"]["conversations"]
    assert reports.Summary().result()["by_day"] == []
    rows = dict(list(csv.reader(io.StringIO(reports.summary_csv({"filters": {}, **result}))))[1:])
    assert rows["by_day.2026-12-01.conversations"] == "3" and rows["by_day.2026-11-30.messages_out"] == "0"


# --- the export ----------------------------------------------------------------------------------------------------
def test_page_keys_round_trip_and_garbage_is_refused():
    doc = {"_id": "a" * 32, "created_at": T0}
    assert reports.parse_page_key(reports.page_key(doc)) == (T0, "a" * 32)
    for bad in (None, 5, "", "x|y", "2026-12-01T16:00:00|", "2026-12-01T16:00:00|" + "a" * 32, "a|b|c",
                "2026-12-01T16:00:00+00:00|" + "a" * 100, '{"$gt": ""}'):
        assert reports.parse_page_key(bad) is None


def test_csv_cells_never_start_a_formula_and_parse_back():
    row = reports.conversation_row(conversation(0, labels=["=HYPERLINK(\"x\")", "-1", "ok"],
                                                assignee={"sub": "@agente"}), LINES)
    text = reports.rows_csv([row], header=True)
    header, parsed = list(csv.reader(io.StringIO(text)))
    assert tuple(header) == reports.ROW_COLUMNS
    values = dict(zip(header, parsed))
    assert values["agent"] == "'@agente" and values["labels"].startswith("'=HYPERLINK")
    assert values["opened_at"] == "2026-12-01T16:00:00Z" and values["first_response_seconds"] == "60.0"
    assert values["complaint"] == "false" and values["resolved_at"] == ""
    assert values["channel"] == "whatsapp"  # a conversation stored before channels existed is WhatsApp's
    web = reports.conversation_row(conversation(1, channel="web"), LINES)
    assert dict(zip(header, list(csv.reader(io.StringIO(reports.rows_csv([web]))))[0]))["channel"] == "web"


def test_the_summary_as_csv_names_each_figure_by_its_path():
    summary = reports.Summary()
    summary.add(reports.conversation_row(conversation(0, complaint=True), LINES))
    result = {"period": {"from": "2026-12-01", "to": "2026-12-06", "time_zone": TZ}, "filters": {}, **summary.result()}
    rows = dict(list(csv.reader(io.StringIO(reports.summary_csv(result))))[1:])
    assert rows["period.from"] == "2026-12-01" and rows["volumes.conversations"] == "1"
    assert rows["first_response.median_seconds"] == "60.0" and rows["complaints.by_area.mexicali"] == "1"
    assert rows["csat.distribution.5"] == "0" and rows["csat.average"] == ""
