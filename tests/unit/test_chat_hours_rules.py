"""Business hours, the out-of-office reply and SLA clocks of the chat's lines (services.chat.hours), on real dates
in America/Tijuana: a Friday-evening message answered on Monday, a holiday, the lunch gap between two periods,
and the days the clocks change (second Sunday of March, first Sunday of November, 2026 and 2027)."""
import datetime as dt
import json

import pytest

from services.chat import hours
from services.chat.settings import ChatSettings
from services.runtime.config import ConfigurationError
from services.runtime.court_calendar import RuleError

TZ = "America/Tijuana"
UTC = dt.timezone.utc
COURT = {day: ["08:00-13:00", "14:00-16:30"] for day in ("mon", "tue", "wed", "thu", "fri")}
LINE = hours.parse_hours({**COURT, "holidays": ["2026-12-25", "2027-01-01", "2027-03-15"],
                          "out_of_office": "Estamos fuera de horario."}, TZ, "test")
ALWAYS = hours.parse_hours({day: ["00:00-24:00"] for day in hours.WEEKDAYS}, TZ, "always")


def local(text):
    """'2026-12-04 18:00' in Tijuana, as a UTC instant."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=LINE.tz).astimezone(UTC)


def utc(text):
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize("instant, expected", [
    (local("2026-12-04 10:00"), True),             # a Friday morning
    (local("2026-12-04 13:30"), False),            # the lunch gap between the two periods
    (local("2026-12-04 14:00"), True),             # the afternoon period starts
    (local("2026-12-04 16:29"), True),
    (local("2026-12-04 16:30"), False),            # a period's end is not inside it
    (local("2026-12-05 10:00"), False),            # Saturday
    (local("2026-12-25 10:00"), False),            # a holiday (a Friday)
    (utc("2026-03-09 15:00"), True),               # Monday after clocks moved forward: 08:00 PDT (UTC-7)
    (utc("2026-03-09 14:59"), False),
    (utc("2026-03-06 15:30"), False),              # the Friday before: 07:30 PST (UTC-8)
    (utc("2026-11-02 16:00"), True),               # Monday after clocks moved back: 08:00 PST
    (utc("2026-11-02 15:30"), False),              # 07:30 PST (would be 08:30 with the summer offset)
    (utc("2027-03-16 15:00"), True),               # 2027: Tuesday after the change (Monday 15 a holiday)
    (utc("2027-03-15 17:00"), False),
    (utc("2027-11-08 15:59"), False),              # 2027-11-08 07:59 PST
    (utc("2027-11-08 16:00"), True),
])
def test_is_open(instant, expected):
    assert hours.is_open(LINE, instant) is expected


@pytest.mark.parametrize("start, seconds, due", [
    # a Friday-evening message with a 15-minute target is due on Monday morning
    (local("2026-12-04 18:00"), 15 * 60, local("2026-12-07 08:15")),
    # the lunch gap does not count
    (local("2026-12-08 12:50"), 20 * 60, local("2026-12-08 14:10")),
    # nor does a holiday: Thursday 24 afternoon -> Monday 28 (Friday 25 is Christmas)
    (local("2026-12-24 16:20"), 30 * 60, local("2026-12-28 08:20")),
    # within a day, the rest of the morning, the afternoon and into the next day
    (local("2026-12-07 09:00"), 8 * 3600, local("2026-12-08 09:30")),
    # ends exactly at closing time
    (local("2026-12-07 16:00"), 30 * 60, local("2026-12-07 16:30")),
    # DST 2026: forward on Sunday 8 March, back on Sunday 1 November
    (local("2026-03-06 16:20"), 20 * 60, utc("2026-03-09 15:10")),
    (local("2026-10-30 16:25"), 10 * 60, utc("2026-11-02 16:05")),
    # DST 2027: forward on Sunday 14 March (and Monday 15 a holiday), back on Sunday 7 November
    (local("2027-03-12 16:00"), 3600, utc("2027-03-16 15:30")),
    (local("2027-11-05 16:00"), 3600, utc("2027-11-08 16:30")),
])
def test_add_business_time(start, seconds, due):
    assert hours.add_business_time(LINE, start, seconds) == due


def test_a_line_never_open_has_no_due_instant():
    closed = hours.parse_hours({}, TZ, "closed")
    assert hours.add_business_time(closed, local("2026-12-04 10:00"), 60) is None
    assert hours.next_opening(closed, local("2026-12-04 10:00")) is None
    assert not hours.is_open(closed, local("2026-12-04 10:00"))


@pytest.mark.parametrize("day, length_hours", [("2026-03-08", 23), ("2026-11-01", 25), ("2027-03-14", 23),
                                               ("2027-11-07", 25), ("2026-12-06", 24)])
def test_a_day_open_from_midnight_to_midnight_lasts_what_the_clock_says(day, length_hours):
    start = local(f"{day} 00:00")
    end = local(f"{(dt.date.fromisoformat(day) + dt.timedelta(days=1)).isoformat()} 00:00")
    assert hours.business_seconds(ALWAYS, start, end) == length_hours * 3600
    assert hours.add_business_time(ALWAYS, start, length_hours * 3600) == end


def test_business_seconds_from_friday_evening_to_monday():
    # 10 minutes on Friday and 10 on Monday, across the change to summer time
    assert hours.business_seconds(LINE, local("2026-03-06 16:20"), local("2026-03-09 08:10")) == 20 * 60
    assert hours.business_seconds(LINE, local("2026-03-09 08:10"), local("2026-03-06 16:20")) == 0


def test_next_opening():
    assert hours.next_opening(LINE, local("2026-12-04 18:00")) == local("2026-12-07 08:00")
    assert hours.next_opening(LINE, local("2026-12-04 13:10")) == local("2026-12-04 14:00")
    assert hours.next_opening(LINE, local("2026-12-04 10:00")) == local("2026-12-04 10:00")


@pytest.mark.parametrize("last_day, message_at, now, expected", [
    (None, local("2026-12-05 10:00"), local("2026-12-05 10:00"), "2026-12-05"),          # a Saturday
    ("2026-12-05", local("2026-12-05 18:00"), local("2026-12-05 18:00"), None),           # already today
    ("2026-12-05", local("2026-12-06 09:00"), local("2026-12-06 09:00"), "2026-12-06"),   # the next day again
    (None, local("2026-12-04 10:00"), local("2026-12-04 10:00"), None),                   # open
    (None, local("2026-12-04 13:20"), local("2026-12-04 13:20"), "2026-12-04"),          # the lunch gap
    (None, local("2026-12-04 16:40"), local("2026-12-07 08:01"), None),                  # open by now
    ("2026-12-07", local("2026-12-06 10:00"), local("2026-12-07 18:00"), None),           # a late message
    (None, utc("2026-12-08 07:30"), utc("2026-12-08 07:30"), "2026-12-07"),               # the LOCAL day
    (None, local("2026-12-25 10:00"), local("2026-12-25 10:00"), "2026-12-25"),           # a holiday
])
def test_out_of_office_once_a_local_day(last_day, message_at, now, expected):
    assert hours.out_of_office_day(LINE, last_day, message_at, now) == expected


def test_no_out_of_office_reply_without_its_text():
    silent = hours.parse_hours({**COURT, "out_of_office": ""}, TZ, "silent")
    assert hours.out_of_office_day(silent, None, local("2026-12-05 10:00"), local("2026-12-05 10:00")) is None


POLICIES = {"default": {"first_response": 900, "next_response": 1800, "resolution": 14 * 3600},
            "lines": {"1": {"first_response": 600}},
            "areas": {"quejas": {"resolution": 3600, "next_response": None}}}


def test_policy_default_then_line_then_area():
    assert hours.policy_for(POLICIES, "2", None) == hours.SlaPolicy(900, 1800, 14 * 3600)
    assert hours.policy_for(POLICIES, "1", None) == hours.SlaPolicy(600, 1800, 14 * 3600)
    assert hours.policy_for(POLICIES, "1", "quejas") == hours.SlaPolicy(600, None, 3600)
    assert hours.conversation_area({"complaint": True}) == "quejas"
    assert hours.conversation_area({"complaint": True, "area": "familia"}) == "familia"
    assert hours.conversation_area({"complaint": True, "team": "ensenada"}) == "ensenada"   # transferred
    assert hours.conversation_area({}) is None
    assert hours.conversation_area({"complaint": True}, "atencion") == "atencion"   # CHAT_COMPLAINTS_AREA
    assert hours.conversation_area({"complaint": True, "team": "quejas", "area": "quejas"}, "x") == "quejas"  # routed


def test_sla_of_a_friday_evening_message_answered_on_monday():
    policy = hours.policy_for(POLICIES, "2", None)
    sla = hours.sla_after_user_message(None, LINE, policy, None, local("2026-12-04 18:00"), reopened=False)
    assert sla["first_response_due_at"] == local("2026-12-07 08:15")
    assert sla["resolution_due_at"] == local("2026-12-08 15:30")     # 14 business hours: 7.5 on Monday, 5 + 1.5
    assert sla["next_response_due_at"] is None
    assert hours.check_at(sla) == local("2026-12-07 08:15")
    assert hours.overdue(sla, local("2026-12-07 08:00")) == []
    # the user writes again before any reply: no next-response clock yet
    sla = hours.sla_after_user_message(sla, LINE, policy, None, local("2026-12-05 09:00"), reopened=False)
    assert sla["next_response_due_at"] is None
    # answered on Monday at 08:10: met in time
    sla = hours.sla_after_reply(sla, local("2026-12-07 08:10"))
    assert sla["first_response_at"] == local("2026-12-07 08:10") and sla["breaches"] == []
    assert hours.check_at(sla) == local("2026-12-08 15:30")
    # the user writes at 12:50: the next response is due at 14:20 (the lunch hour does not count)
    sla = hours.sla_after_user_message(sla, LINE, policy, None, local("2026-12-07 12:50"), reopened=False)
    assert sla["next_response_due_at"] == local("2026-12-07 14:20")
    assert hours.check_at(sla) == local("2026-12-07 14:20")
    # a second message does not move it
    sla = hours.sla_after_user_message(sla, LINE, policy, None, local("2026-12-07 14:00"), reopened=False)
    assert sla["next_response_due_at"] == local("2026-12-07 14:20")
    # the timer finds it missed at 14:21
    assert hours.overdue(sla, local("2026-12-07 14:21")) == ["next_response"]
    sla, missed = hours.sla_with_breaches(sla, local("2026-12-07 14:21"))
    assert missed == ["next_response"] and sla["breaches"] == ["next_response"]
    assert hours.overdue(sla, local("2026-12-07 15:00")) == []          # recorded once
    # answered late; resolved in time
    sla = hours.sla_after_reply(sla, local("2026-12-07 14:30"))
    assert sla["next_response_at"] == local("2026-12-07 14:30") and sla["breaches"] == ["next_response"]
    sla, missed = hours.sla_after_resolve(sla, local("2026-12-08 10:00"))
    assert missed == [] and sla["resolved_at"] == local("2026-12-08 10:00")
    assert hours.check_at(sla) is None and hours.pending_dues(sla) == {}


def test_a_late_first_reply_is_a_breach_even_before_the_timer_runs():
    policy = hours.SlaPolicy(900, 1800, None)
    sla = hours.sla_after_user_message(None, LINE, policy, None, local("2026-12-07 09:00"), reopened=False)
    sla = hours.sla_after_reply(sla, local("2026-12-07 09:16"))
    assert sla["breaches"] == ["first_response"]
    assert hours.check_at(sla) is None                                 # no resolution target


def test_resolving_late_is_a_breach_and_reopening_starts_new_clocks():
    policy = hours.SlaPolicy(900, 1800, 3600)
    sla = hours.sla_after_user_message(None, LINE, policy, None, local("2026-12-07 09:00"), reopened=False)
    sla, missed = hours.sla_after_resolve(sla, local("2026-12-07 10:30"))   # never answered, resolved late
    assert missed == ["first_response", "resolution"]
    sla = hours.sla_after_user_message(sla, LINE, policy, None, local("2026-12-07 16:20"), reopened=True)
    assert sla["resolved_at"] is None
    assert sla["resolution_due_at"] == local("2026-12-08 08:50")
    assert sla["first_response_due_at"] == local("2026-12-08 08:05")   # resolved without a reply: again
    assert hours.overdue(sla, local("2026-12-09 08:00")) == []           # both already recorded


def test_naive_instants_are_refused():
    with pytest.raises(RuleError):
        hours.is_open(LINE, dt.datetime(2026, 12, 4, 10, 0))
    with pytest.raises(RuleError):
        hours.add_business_time(LINE, local("2026-12-04 10:00"), 0)


@pytest.mark.parametrize("entry", [
    {"mon": ["08:00-13:00", "12:00-14:00"]},       # overlapping
    {"mon": ["8:00-13:00"]},                         # not HH:MM
    {"mon": ["13:00-08:00"]},                        # ends before it starts
    {"mon": ["08:00-25:00"]},
    {"mon": ["08:00-24:30"]},
    {"mon": ["08:60-09:00"]},
    {"mon": "08:00-13:00"},                          # not a list
    {"mon": [None]},
    {"monday": ["08:00-13:00"]},                     # unknown key
    {"holidays": ["2026-02-30"]},
    {"holidays": ["25/12/2026"]},
    {"holidays": "2026-12-25"},
    {"out_of_office": 5},
    {"out_of_office": "x" * 1025},
    ["08:00-13:00"],
])
def test_hostile_hours_are_refused(entry):
    with pytest.raises(ValueError):
        hours.parse_hours(entry, TZ, "x")


@pytest.mark.parametrize("key, value", [
    ("CHAT_BUSINESS_HOURS", "{"),
    ("CHAT_BUSINESS_HOURS", "[]"),
    ("CHAT_BUSINESS_HOURS", json.dumps({"100000000000001": COURT})),                    # no default
    ("CHAT_BUSINESS_HOURS", json.dumps({"default": COURT, "999": COURT})),              # not a configured line
    ("CHAT_BUSINESS_HOURS", json.dumps({"default": COURT, "$where": COURT})),
    ("CHAT_BUSINESS_HOURS", json.dumps({"default": {"mon": ["09:00-08:00"]}})),
    ("CHAT_SLA_POLICIES", json.dumps({"default": {"first_response": -1}})),
    ("CHAT_SLA_POLICIES", json.dumps({"default": {"first_response": True}})),
    ("CHAT_SLA_POLICIES", json.dumps({"default": {"first_response": "15m"}})),
    ("CHAT_SLA_POLICIES", json.dumps({"default": {"first_response": 1.5}})),
    ("CHAT_SLA_POLICIES", json.dumps({"default": {"answer": 60}})),
    ("CHAT_SLA_POLICIES", json.dumps({"defaults": {}})),
    ("CHAT_SLA_POLICIES", json.dumps({"lines": {"999": {"first_response": 60}}})),      # not a configured line
    ("CHAT_SLA_POLICIES", json.dumps({"areas": {"Quejas!": {"first_response": 60}}})),
    ("CHAT_SLA_POLICIES", json.dumps({"areas": []})),
])
def test_the_service_refuses_to_start_with_hostile_configuration(key, value):
    with pytest.raises(ConfigurationError) as refused:
        ChatSettings({key: value})
    assert key in str(refused.value)


def test_documented_defaults():
    settings = ChatSettings({})
    tijuana = settings.hours["100000000000002"]
    assert tijuana.time_zone == TZ and tijuana.out_of_office
    assert hours.is_open(tijuana, local("2026-12-07 09:00"))                    # a Monday
    assert not hours.is_open(tijuana, local("2026-12-07 15:00"))
    assert not hours.is_open(tijuana, local("2026-11-16 09:00"))                # Revolución (third Monday)
    assert hours.policy_for(settings.sla_policies, "100000000000002", None) == hours.SlaPolicy(900, 1800, 14 * 3600)
    # a line's entry replaces the default for that line only
    own = ChatSettings({"CHAT_BUSINESS_HOURS": json.dumps({"default": COURT, "100000000000003": {
        "sat": ["09:00-12:00"], "out_of_office": ""}})})
    assert hours.is_open(own.hours["100000000000003"], local("2026-12-05 10:00"))
    assert not hours.is_open(own.hours["100000000000001"], local("2026-12-05 10:00"))
    assert hours.is_open(own.hours["100000000000001"], local("2026-12-25 10:00"))   # no holidays given


def test_week_view_writes_the_periods_back():
    assert hours.week_view(LINE)["mon"] == ["08:00-13:00", "14:00-16:30"] and hours.week_view(LINE)["sun"] == []
    assert hours.week_view(ALWAYS)["sun"] == ["00:00-24:00"]


def test_what_a_message_did_is_counted_by_line_and_kind_score_and_area():
    from prometheus_client import REGISTRY

    from services.chat.service import ChatService
    from services.chat.store.levels import InboundLevels

    def value(name, **labels):
        return REGISTRY.get_sample_value(name, labels) or 0

    breaches = value("portal_chat_sla_breaches_total", kind="first_response", line="100000000000009")
    replies = value("portal_chat_out_of_office_replies_total", line="100000000000009")
    fours = value("portal_chat_csat_answers_total", score="4")
    complaints = value("portal_chat_complaints_total", area="quejas")
    ChatService._inbound_heard("100000000000009", InboundLevels("ooo-c1-2026-12-05", ("first_response",)))
    ChatService._inbound_heard("100000000000009", InboundLevels(None, ()))
    ChatService._inbound_heard("100000000000009", InboundLevels(csat_score=4))
    ChatService._inbound_heard("100000000000009", InboundLevels(complaint_area="quejas"))
    assert value("portal_chat_sla_breaches_total", kind="first_response", line="100000000000009") == breaches + 1
    assert value("portal_chat_out_of_office_replies_total", line="100000000000009") == replies + 1
    assert value("portal_chat_csat_answers_total", score="4") == fours + 1
    assert value("portal_chat_complaints_total", area="quejas") == complaints + 1


@pytest.mark.parametrize("now, expected", [
    (local("2026-12-04 18:00"), "Abrimos el lunes 7 de diciembre a las 8:00."),          # Friday evening
    (local("2026-12-04 13:10"), "Abrimos el viernes 4 de diciembre a las 14:00."),       # the lunch gap
    (local("2026-12-24 17:00"), "Abrimos el lunes 28 de diciembre a las 8:00."),         # Christmas in between
    (local("2026-03-06 17:00"), "Abrimos el lunes 9 de marzo a las 8:00."),              # across DST
])
def test_the_out_of_office_reply_says_when_the_line_opens(now, expected):
    line = hours.parse_hours({**COURT, "holidays": ["2026-12-25"], "out_of_office": "Abrimos el {apertura}."}, TZ, "x")
    assert hours.out_of_office_text(line, now) == expected
    assert hours.out_of_office_text(LINE, now) == "Estamos fuera de horario."               # no placeholder
    never = hours.parse_hours({"out_of_office": "Le responderemos en el {apertura}."}, TZ, "never")
    assert hours.out_of_office_text(never, now) == "Le responderemos en el próximo horario de atención."
