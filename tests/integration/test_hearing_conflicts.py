"""GET /api/v1/cases/{case_number}/hearings/conflicts over HTTP against the real stack: whether a room is free at
a time, asked before scheduling or moving a hearing (the portal asks while the user types). It answers with the
hearing that holds the room and the same message a 409 hearing_conflict would carry, stores nothing, and only
the court's judge or clerk may ask."""
import datetime

import pytest

from contracts.filings import HearingConflictsSchema
from tests.support.filings_state import snapshot
from tests.support.hearings import future, hearing_body, reschedule, room, schedule, stamp

pytestmark = pytest.mark.stack

COURT, OTHER_COURT = "01001", "01002"


@pytest.fixture(scope="module")
def people(api):
    return {"lawyer": api.lawyer(), "clerk": api.clerk(COURT), "judge": api.judge(COURT),
            "other_clerk": api.clerk(OTHER_COURT)}


@pytest.fixture(scope="module")
def case_number(api, people):
    return api.accepted_case(people["lawyer"], people["clerk"], COURT)["case_number"]


def conflicts(api, token, case_number, **query):
    return api.get(f"/api/v1/cases/{case_number}/hearings/conflicts", token, params=query)


def test_the_conflict_named_is_the_one_scheduling_would_get(api, people, case_number):
    sala, start = room(), future(days=50, hour=15)
    first = schedule(api, people["clerk"], case_number, hearing_body(start, sala, 60))
    assert first.status_code == 201, first.text
    first = first.json()
    # 30 minutes later, same room written otherwise: taken; the answer is the 409's
    later = (start + datetime.timedelta(minutes=30)).astimezone(datetime.timezone(datetime.timedelta(hours=-6)))
    answer = conflicts(api, people["judge"], case_number, starts_at=later.isoformat(), duration_minutes=45,
                       room=f"  {sala.upper()} ")
    assert answer.status_code == 200, answer.text
    body = HearingConflictsSchema().load(answer.json())
    refused = schedule(api, people["judge"], case_number, hearing_body(later, sala, 45))
    assert refused.status_code == 409 and refused.json()["error"] == "hearing_conflict"
    assert body["available"] is False
    assert body["conflict"] == {**refused.json()["details"], "message": refused.json()["message"]}
    assert body["conflict"]["hearing_id"] == first["hearing_id"]
    assert body["conflict"]["starts_at"] == stamp(start)
    # right after it ends, or in another room: free
    for query in ({"starts_at": stamp(start + datetime.timedelta(minutes=60)), "room": sala},
                  {"starts_at": later.isoformat(), "room": room()}):
        free = conflicts(api, people["clerk"], case_number, duration_minutes=30, **query)
        assert free.status_code == 200 and free.json() == {"available": True, "conflict": None}, free.text
    # the hearing being moved does not conflict with itself
    own = conflicts(api, people["clerk"], case_number, starts_at=later.isoformat(), duration_minutes=45, room=sala,
                    hearing_id=first["hearing_id"])
    assert own.json() == {"available": True, "conflict": None}
    moved = reschedule(api, people["clerk"], first["hearing_id"], {"starts_at": later.isoformat(), "reason": "Agenda"})
    assert moved.status_code == 200, moved.text


def test_asking_stores_nothing_and_only_the_courts_staff_may_ask(api, stack, people, case_number):
    before = snapshot(stack)
    query = {"starts_at": future(days=51).isoformat(), "duration_minutes": 30, "room": room()}
    for token in (people["lawyer"], people["other_clerk"]):
        refused = conflicts(api, token, case_number, **query)
        assert refused.status_code == 403, refused.text
    assert conflicts(api, None, case_number, **query).status_code == 401
    assert conflicts(api, people["clerk"], case_number, **query).status_code == 200
    assert snapshot(stack) == before


@pytest.mark.parametrize("field, value", [
    ("starts_at", "2026-03-10T09:00:00"),      # no offset
    ("starts_at", "mañana"),
    ("duration_minutes", "0"),
    ("duration_minutes", "601"),
    ("duration_minutes", "media hora"),
    ("room", ""),
    ("hearing_id", "xyz"),
])
def test_a_bad_query_names_its_field_in_spanish(api, people, case_number, field, value):
    query = {"starts_at": future(days=52).isoformat(), "duration_minutes": "30", "room": room(), field: value}
    answer = conflicts(api, people["clerk"], case_number, **query)
    assert answer.status_code == 422, answer.text
    assert field in answer.json()["details"]["fields"], answer.text


def test_an_unknown_case_is_404(api, people):
    answer = conflicts(api, people["clerk"], "01001-2026-99999", starts_at=future().isoformat(),
                       duration_minutes=30, room=room())
    assert answer.status_code == 404, answer.text
