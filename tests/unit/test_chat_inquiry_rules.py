"""The rules of inquiries to a court or an area, without a database: when one is due and overdue (the clock passed
in), who sees which, who answers, which areas exist; and the setting of their SLA."""
import datetime
from zoneinfo import ZoneInfo

import pytest

from services.chat import domain, hours, live
from services.chat.settings import ChatSettings, DEV_LINES
from services.runtime.config import ConfigurationError

UTC = datetime.timezone.utc
ASKED = datetime.datetime(2026, 12, 4, 16, 30, tzinfo=UTC)  # a Friday, 8:30 in Tijuana
H = datetime.timedelta(hours=1)


TIJUANA = ChatSettings({}).hours[DEV_LINES[1]["phone_number_id"]]  # weekdays 08:00-15:00, Mexico's days of rest
NEVER_OPEN = hours.parse_hours({"holidays": []}, "America/Tijuana", "cerrada")


def tijuana(day, hour, minute=0):
    return datetime.datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo("America/Tijuana"))


@pytest.mark.parametrize("asked_at,sla_hours,due", [
    # asked on Friday 8:30: one hour later the same morning
    (ASKED, 1, tijuana(4, 9, 30)),
    # a business day (7 h): Friday's 6.5 h, then Monday's first half hour; the weekend does not count
    (ASKED, 7, tijuana(7, 8, 30)),
    # asked on Friday 14:00: one hour on Friday, six on Monday
    (tijuana(4, 14), 7, tijuana(7, 14)),
    # asked on a Saturday: Monday's whole day
    (tijuana(5, 10), 7, tijuana(7, 15)),
    # asked after hours on a weekday: from the next opening
    (tijuana(8, 20), 0.5, tijuana(9, 8, 30)),
    # Christmas (a day of rest) and the weekend after it do not count
    (tijuana(24, 14), 2, tijuana(28, 9)),
    # 24 business hours: three and a half days of seven
    (tijuana(7, 8), 24, tijuana(10, 11)),
])
def test_an_inquiry_is_due_its_sla_in_the_lines_business_hours(asked_at, sla_hours, due):
    assert hours.inquiry_due_at(TIJUANA, asked_at, sla_hours) == due


@pytest.mark.parametrize("line_hours", [None, NEVER_OPEN])
def test_a_line_without_hours_or_never_open_counts_elapsed_hours(line_hours):
    assert hours.inquiry_due_at(line_hours, ASKED, 7) == ASKED + 7 * H
    assert hours.inquiry_due_at(line_hours, ASKED, 72) == datetime.datetime(2026, 12, 7, 16, 30, tzinfo=UTC)


DUE = ASKED + 24 * H


@pytest.mark.parametrize("answered_at,now,overdue", [
    (None, ASKED, False),                                      # just asked
    (None, DUE - datetime.timedelta(seconds=1), False),        # a second before it is due
    (None, DUE, True),                                         # due now and still open
    (None, DUE + 5 * H, True),
    (ASKED + H, DUE + 5 * H, False),                           # answered in time stays in time
    (DUE, DUE + 5 * H, False),                                 # answered at the due instant: in time
    (DUE + datetime.timedelta(seconds=1), DUE + 5 * H, True),  # answered late stays a breach
    (DUE + H, ASKED, True),                                    # whatever the clock says now
])
def test_overdue_open_past_due_or_answered_after_it(answered_at, now, overdue):
    assert domain.inquiry_overdue(DUE, answered_at, now) is overdue


@pytest.mark.parametrize("actor,scope", [
    ({"sub": "a", "role": "chat_agent"}, {}),
    ({"sub": "s", "role": "chat_supervisor"}, {}),
    ({"sub": "c", "role": "clerk", "court_id": "00001"}, {"court_id": "00001"}),
    ({"sub": "c", "role": "clerk", "court_id": None}, None),   # a clerk with no court sees none
    ({"sub": "c", "role": "clerk"}, None),
    ({"sub": "j", "role": "judge", "court_id": "00001"}, {"court_id": "00001"}),  # a judge sees their court's
    ({"sub": "j", "role": "judge", "court_id": None}, None),    # a judge with no court sees none
    ({"sub": "j", "role": "judge"}, None),
    ({"sub": "l", "role": "lawyer", "court_id": "00001"}, None),
    ({"sub": "x", "role": "admin"}, None),
    ({"sub": "x", "role": "citizen"}, None),
])
def test_who_sees_which_inquiries(actor, scope):
    assert domain.inquiry_scope(actor) == scope


CLERK_00001 = {"sub": "c1", "role": "clerk", "court_id": "00001"}
CLERK_01001 = {"sub": "c2", "role": "clerk", "court_id": "01001"}
AGENT = {"sub": "a", "role": "chat_agent"}
SUPERVISOR = {"sub": "s", "role": "chat_supervisor"}


@pytest.mark.parametrize("actor,court_id,area,teams,allowed", [
    (CLERK_00001, "00001", None, (), True),
    (CLERK_01001, "00001", None, (), False),      # another court's clerk
    ({"sub": "j", "role": "judge", "court_id": "00001"}, "00001", None, (), False),  # the judge does not answer
    (AGENT, "00001", None, ("tijuana",), False),  # chat staff do not answer for a court
    (SUPERVISOR, "00001", None, (), False),
    (SUPERVISOR, None, "tijuana", (), True),      # an area: the supervision
    (AGENT, None, "tijuana", ("mexicali", "tijuana"), True),  # or staff in that team
    (AGENT, None, "tijuana", ("mexicali",), False),
    (AGENT, None, "tijuana", None, False),
    (CLERK_00001, None, "tijuana", ("tijuana",), False),  # a clerk never answers an area's
])
def test_who_answers(actor, court_id, area, teams, allowed):
    assert domain.may_answer_inquiry(actor, court_id, area, teams) is allowed


JUDGE_00001 = {"sub": "j", "role": "judge", "court_id": "00001"}


@pytest.mark.parametrize("actor,reads_only", [
    (JUDGE_00001, True),        # a judge reads their court's inquiries and answers none
    ({"sub": "j", "role": "judge", "court_id": "01001"}, True),
    (CLERK_00001, False), (AGENT, False), (SUPERVISOR, False),
])
def test_a_judge_reads_the_inquiries_and_answers_none(actor, reads_only):
    assert domain.reads_only(actor) is reads_only
    if reads_only:  # whichever court or area it was sent to
        assert not domain.may_answer_inquiry(actor, actor["court_id"], None)
        assert not domain.may_answer_inquiry(actor, None, "tijuana", ("tijuana",))


def test_the_areas_are_the_chat_teams_and_the_sla_areas_once_each_in_order():
    assert domain.inquiry_areas(["tijuana", "mexicali", "tijuana", "ensenada"]) == ["ensenada", "mexicali", "tijuana"]
    assert domain.inquiry_areas(line["team"] for line in DEV_LINES) == ["ensenada", "mexicali", "tijuana"]
    settings = ChatSettings({})  # and the areas the SLA policies name: the complaints area by default
    assert domain.inquiry_areas((line["team"] for line in DEV_LINES), settings.sla_policies["areas"]) == [
        "ensenada", "mexicali", "quejas", "tijuana"]


def test_the_inquiry_sla_setting():
    assert ChatSettings({}).inquiry_sla_hours == 7
    assert ChatSettings({"CHAT_INQUIRY_SLA_HOURS": "8"}).inquiry_sla_hours == 8
    for bad in ("0", "-1", "721", "pronto"):
        with pytest.raises(ConfigurationError):
            ChatSettings({"CHAT_INQUIRY_SLA_HOURS": bad})


def _change(operation, doc, updated=None):
    change = {"_id": {"_data": "82AB"}, "operationType": operation, "ns": {"coll": "inquiries"},
              "documentKey": {"_id": doc["_id"]}, "fullDocument": doc}
    if updated is not None:
        change["updateDescription"] = {"updatedFields": updated, "removedFields": []}
    return change


def test_the_stream_tells_staff_an_inquiry_was_asked_and_answered_with_identifiers_only():
    doc = {"_id": "i1", "conversation_id": "c1", "status": "open", "question": "¿Expediente 01001-2026-00001?"}
    assert "inquiries" in live.WATCHED
    asked = live.event_of(_change("insert", doc))
    assert asked == {"id": "82AB", "type": "inquiry", "data": {"conversation_id": "c1", "inquiry_id": "i1",
                                                               "status": "open"}}
    answered = live.event_of(_change("update", {**doc, "status": "answered"},
                                     {"status": "answered", "answer": {"text": "Sí"}}))
    assert answered["data"] == {"conversation_id": "c1", "inquiry_id": "i1", "status": "answered"}
    assert live.event_of(_change("update", doc, {"due_at": "x"})) is None  # nothing an inbox shows
