"""Hearings (audiencias) over HTTP against the real stack: scheduling, the room rule, rescheduling, statuses and
versions, concurrency, who may do it, hostile input, the case file and the events the public read model reads.

Every test takes rooms of its own (the suite's stack is shared), so one test's hearings never block another's.
"""
import datetime
import threading
import uuid

import pytest
from marshmallow import RAISE

from contracts.events import HearingStateSchema
from contracts.filings import CaseSchema, HearingDetailSchema, HearingSchema
from tests.support.filings_state import snapshot
from tests.support.hearings import future, hearing_body, reschedule, room, schedule, set_status, stamp

pytestmark = pytest.mark.stack

COURT, OTHER_COURT = "01001", "01002"


@pytest.fixture(scope="module")
def people(api):
    lawyer = api.lawyer()
    return {"lawyer": lawyer, "clerk": api.clerk(COURT), "judge": api.judge(COURT),
            "other_clerk": api.clerk(OTHER_COURT), "other_judge": api.judge(OTHER_COURT),
            "other_lawyer": api.lawyer(), "citizen": api.citizen()}


@pytest.fixture(scope="module")
def case_number(api, people):
    return api.accepted_case(people["lawyer"], people["clerk"], COURT)["case_number"]


@pytest.fixture(scope="module")
def second_case(api, people):
    return api.accepted_case(people["lawyer"], people["clerk"], COURT)["case_number"]


def events(stack, event_type, **match):
    query = {"event_type": event_type, **{f"data.{k}": v for k, v in match.items()}}
    return list(stack.db("filings").outbox.find(query).sort("created_at", 1))


def scheduled(api, token, case, body, **kwargs):
    response = schedule(api, token, case, body, **kwargs)
    assert response.status_code == 201, response.text
    return response.json()


# --- scheduling ----------------------------------------------------------------------------------
def test_a_clerk_schedules_a_hearing_stored_in_utc_with_its_event(api, stack, people, case_number):
    sala = room()
    local = future(days=40, hour=9).replace(tzinfo=datetime.timezone(datetime.timedelta(hours=-6)))  # 09:00 in Guatemala
    response = schedule(api, people["clerk"], case_number,
                        hearing_body(local.isoformat(), sala, 90, kind="primera_declaracion", mode="virtual",
                                     notes="Enlace por videoconferencia"))
    assert response.status_code == 201, response.text
    hearing = HearingSchema().load(response.json())
    assert response.headers["Location"] == f"/api/v1/hearings/{hearing['hearing_id']}"
    assert hearing["starts_at"] == stamp(local) and hearing["starts_at"].endswith("Z")
    assert hearing["ends_at"] == stamp(local + datetime.timedelta(minutes=90))
    assert (hearing["version"], hearing["status"], hearing["reason"]) == (1, "programada", None)
    assert (hearing["kind"], hearing["mode"], hearing["room"], hearing["case_number"]) == (
        "primera_declaracion", "virtual", sala, case_number)
    stored = stack.db("filings").hearings.find_one({"_id": hearing["hearing_id"]})
    assert stored["starts_at"] == local.astimezone(datetime.timezone.utc)
    [event] = events(stack, "hearing_scheduled", hearing_id=hearing["hearing_id"])
    data = HearingStateSchema().load(event["data"], unknown=RAISE)
    assert data == {"hearing_id": hearing["hearing_id"], "version": 1, "case_number": case_number, "court_id": COURT,
                    "court_name": "Juzgado Primero de Primera Instancia Civil", "matter": "civil",
                    "kind": "primera_declaracion", "starts_at": hearing["starts_at"], "duration_minutes": 90,
                    "room": sala, "mode": "virtual", "status": "programada", "reason": None,
                    "changed_at": hearing["changed_at"], "case_reserved": False, "public_parties": None}
    assert "notes" not in event["data"]  # the notes stay in the case file


def test_two_active_hearings_never_share_a_room_at_once(api, stack, people, case_number, second_case):
    sala, start = room(), future(days=41, hour=15)
    first = scheduled(api, people["clerk"], case_number, hearing_body(start, sala, 60))
    before = snapshot(stack)
    for offset, duration in ((0, 60), (30, 60), (-30, 60), (10, 10), (-60, 180)):
        response = schedule(api, people["judge"], second_case,
                            hearing_body(start + datetime.timedelta(minutes=offset), sala.upper() + " ", duration))
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "hearing_conflict" and sala in body["message"]
        assert body["details"] == {"hearing_id": first["hearing_id"], "case_number": case_number, "room": sala,
                                   "starts_at": first["starts_at"], "ends_at": first["ends_at"]}
    assert snapshot(stack) == before
    # touching intervals, another room and another court's room of the same name do not conflict
    scheduled(api, people["judge"], second_case, hearing_body(start + datetime.timedelta(minutes=60), sala, 30))
    scheduled(api, people["judge"], second_case, hearing_body(start - datetime.timedelta(minutes=30), sala, 30))
    scheduled(api, people["judge"], second_case, hearing_body(start, room(), 60))
    other_case = api.accepted_case(people["lawyer"], people["other_clerk"], OTHER_COURT)["case_number"]
    scheduled(api, people["other_clerk"], other_case, hearing_body(start, sala, 60))


def test_reschedule_and_status_make_new_versions_and_keep_the_old_ones(api, stack, people, case_number):
    sala, start = room(), future(days=42, hour=14)
    first = scheduled(api, people["clerk"], case_number, hearing_body(start, sala, 60, notes="Primera citación"))
    hearing_id = first["hearing_id"]
    moved = reschedule(api, people["judge"], hearing_id,
                       {"starts_at": (start + datetime.timedelta(days=1)).isoformat(), "duration_minutes": 120,
                        "reason": "Solicitud de la parte demandada"})
    assert moved.status_code == 200, moved.text
    moved = HearingSchema().load(moved.json())
    assert (moved["version"], moved["status"], moved["reason"], moved["duration_minutes"], moved["room"]) == (
        2, "reprogramada", "Solicitud de la parte demandada", 120, sala)
    assert moved["starts_at"] == stamp(start + datetime.timedelta(days=1)) and moved["notes"] == "Primera citación"
    cancelled = set_status(api, people["clerk"], hearing_id, "cancelada", "Desistimiento")
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["version"], cancelled.json()["status"]) == (3, "cancelada")

    detail = api.get(f"/api/v1/hearings/{hearing_id}", people["lawyer"])
    assert detail.status_code == 200, detail.text
    detail = HearingDetailSchema().load(detail.json())
    assert [v["version"] for v in detail["versions"]] == [1, 2, 3]
    assert detail["versions"][0] == {k: v for k, v in first.items() if k in detail["versions"][0]}  # as scheduled
    assert [v["status"] for v in detail["versions"]] == ["programada", "reprogramada", "cancelada"]
    assert stack.db("filings").hearing_versions.count_documents({"hearing_id": hearing_id}) == 3

    changed = events(stack, "hearing_changed", hearing_id=hearing_id)
    assert [e["data"]["version"] for e in changed] == [2, 3]
    assert [e["data"]["status"] for e in changed] == ["reprogramada", "cancelada"]
    assert changed[1]["data"]["reason"] == "Desistimiento" and changed[1]["data"]["duration_minutes"] == 120
    for event in changed:
        HearingStateSchema().load(event["data"], unknown=RAISE)

    # a cancelled hearing never changes, and no longer holds its room
    before = snapshot(stack)
    for response in (set_status(api, people["clerk"], hearing_id, "realizada"),
                     set_status(api, people["clerk"], hearing_id, "cancelada"),
                     reschedule(api, people["clerk"], hearing_id, {"starts_at": future(50).isoformat(), "reason": "X"})):
        assert response.status_code == 409, response.text
        assert response.json()["error"] == "hearing_final" and response.json()["details"]["status"] == "cancelada"
    assert snapshot(stack) == before
    scheduled(api, people["clerk"], case_number, hearing_body(start + datetime.timedelta(days=1), sala, 120))


def test_held_is_final_and_suspended_may_be_rescheduled(api, people, case_number):
    held = scheduled(api, people["clerk"], case_number, hearing_body(future(43, 15), room()))
    assert set_status(api, people["judge"], held["hearing_id"], "realizada").json()["status"] == "realizada"
    assert set_status(api, people["judge"], held["hearing_id"], "suspendida").status_code == 409
    suspended = scheduled(api, people["clerk"], case_number, hearing_body(future(43, 18), room()))
    assert set_status(api, people["judge"], suspended["hearing_id"], "suspendida").json()["status"] == "suspendida"
    response = set_status(api, people["judge"], suspended["hearing_id"], "realizada")
    assert response.status_code == 409 and response.json()["error"] == "invalid_hearing_transition"
    again = reschedule(api, people["judge"], suspended["hearing_id"], {"starts_at": future(44, 15).isoformat(),
                                                                       "reason": "Nueva fecha tras la suspensión"})
    assert again.status_code == 200 and again.json()["status"] == "reprogramada" and again.json()["version"] == 3


def test_rescheduling_into_a_taken_slot_is_a_conflict_and_changes_nothing(api, stack, people, case_number):
    sala, start = room(), future(45, 15)
    taken = scheduled(api, people["clerk"], case_number, hearing_body(start, sala, 60))
    moving = scheduled(api, people["clerk"], case_number, hearing_body(start + datetime.timedelta(hours=2), room(), 60))
    before = snapshot(stack)
    response = reschedule(api, people["clerk"], moving["hearing_id"],
                          {"starts_at": (start + datetime.timedelta(minutes=30)).isoformat(), "room": sala,
                           "reason": "Cambio de sala"})
    assert response.status_code == 409 and response.json()["details"]["hearing_id"] == taken["hearing_id"]
    assert snapshot(stack) == before
    # moving a hearing within its own slot does not conflict with itself
    response = reschedule(api, people["clerk"], taken["hearing_id"],
                          {"starts_at": (start + datetime.timedelta(minutes=15)).isoformat(), "reason": "Ajuste"})
    assert response.status_code == 200, response.text


def test_concurrent_schedules_into_one_slot_exactly_one_wins(api, stack, people, case_number, second_case):
    sala, start = room(), future(46, 16)
    results = []
    barrier = threading.Barrier(8)

    def attempt(i):
        barrier.wait()
        case = case_number if i % 2 else second_case
        token = people["clerk"] if i % 2 else people["judge"]
        response = schedule(api, token, case, hearing_body(start + datetime.timedelta(minutes=i), sala, 60),
                            key=f"concurrente-{uuid.uuid4().hex}")
        results.append(response)

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    statuses = sorted(r.status_code for r in results)
    assert statuses == [201] + [409] * 7, [r.text for r in results]
    winner = next(r.json() for r in results if r.status_code == 201)
    assert all(r.json()["details"]["hearing_id"] == winner["hearing_id"] for r in results if r.status_code == 409)
    assert stack.db("filings").hearings.count_documents({"room": sala}) == 1
    assert len(events(stack, "hearing_scheduled", room=sala)) == 1


def test_an_idempotency_key_schedules_once(api, stack, people, case_number):
    sala, key = room(), f"audiencia-{uuid.uuid4().hex}"
    body = hearing_body(future(47, 15), sala)
    first = schedule(api, people["clerk"], case_number, body, key=key)
    assert first.status_code == 201 and "Idempotent-Replayed" not in first.headers
    before = snapshot(stack)
    again = schedule(api, people["clerk"], case_number, body, key=key)
    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    assert again.json() == first.json()
    reused = schedule(api, people["clerk"], case_number, {**body, "room": room()}, key=key)
    assert reused.status_code == 409 and reused.json()["error"] == "idempotency_key_reused"
    assert snapshot(stack) == before
    change_key = f"cambio-{uuid.uuid4().hex}"
    hearing_id = first.json()["hearing_id"]
    done = set_status(api, people["clerk"], hearing_id, "realizada", key=change_key)
    replayed = set_status(api, people["clerk"], hearing_id, "realizada", key=change_key)  # a retry after a lost answer
    assert replayed.status_code == 200 and replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json() == done.json() and replayed.json()["version"] == 2


# --- the case file ----------------------------------------------------------------------------
def test_the_case_file_lists_its_hearings_and_its_etag_follows_them(api, people):
    case = api.accepted_case(people["lawyer"], people["clerk"], COURT)["case_number"]
    path = f"/api/v1/cases/{case}"
    empty = api.get(path, people["lawyer"])
    assert empty.status_code == 200 and CaseSchema().load(empty.json())["hearings"] == []
    etag = empty.headers["ETag"]
    assert api.get(path, people["lawyer"], headers={"If-None-Match": etag}).status_code == 304
    later = scheduled(api, people["clerk"], case, hearing_body(future(48, 16), room()))
    earlier = scheduled(api, people["clerk"], case, hearing_body(future(48, 14), room()))
    listed = api.get(path, people["lawyer"], headers={"If-None-Match": etag})
    assert listed.status_code == 200 and listed.headers["ETag"] != etag
    assert [h["hearing_id"] for h in listed.json()["hearings"]] == [earlier["hearing_id"], later["hearing_id"]]
    etag = listed.headers["ETag"]
    set_status(api, people["clerk"], later["hearing_id"], "suspendida", "Enfermedad del juez")
    changed = api.get(path, people["judge"], headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    shown = {h["hearing_id"]: h for h in changed.json()["hearings"]}[later["hearing_id"]]
    assert (shown["status"], shown["version"], shown["reason"]) == ("suspendida", 2, "Enfermedad del juez")
    CaseSchema().load(changed.json())


# --- who may do it ----------------------------------------------------------------------------
@pytest.mark.parametrize("who, status", [("lawyer", 403), ("other_lawyer", 403), ("other_clerk", 403),
                                         ("other_judge", 403), ("citizen", 403), (None, 401)])
def test_only_the_courts_staff_schedule_and_change_hearings(api, stack, people, case_number, who, status):
    token = people[who] if who else None
    existing = scheduled(api, people["clerk"], case_number, hearing_body(future(49, 15), room()))
    before = snapshot(stack)
    attempts = (schedule(api, token, case_number, hearing_body(future(49, 18), room())),
                reschedule(api, token, existing["hearing_id"], {"starts_at": future(50).isoformat(), "reason": "X"}),
                set_status(api, token, existing["hearing_id"], "cancelada"))
    for response in attempts:
        assert response.status_code == status, response.text
        assert response.json()["error"] in ("forbidden", "missing_token")
    assert snapshot(stack) == before
    if who == "lawyer":  # the case's own lawyer reads the hearing, though they cannot change it
        assert api.get(f"/api/v1/hearings/{existing['hearing_id']}", token).status_code == 200
    elif who:
        assert api.get(f"/api/v1/hearings/{existing['hearing_id']}", token).status_code == 403


# --- hostile input ------------------------------------------------------------------------------
HOSTILE_SCHEDULES = {
    "naive datetime": ({"starts_at": "2031-03-10T09:00:00"}, "starts_at"),
    "date only": ({"starts_at": "2031-03-10"}, "starts_at"),
    "a date that does not exist": ({"starts_at": "2031-02-30T09:00:00Z"}, "starts_at"),
    "in the past": ({"starts_at": "2020-03-10T09:00:00-06:00"}, "starts_at"),
    "duration 4": ({"duration_minutes": 4}, "duration_minutes"),
    "duration 601": ({"duration_minutes": 601}, "duration_minutes"),
    "duration as text": ({"duration_minutes": "60"}, "duration_minutes"),
    "duration as float": ({"duration_minutes": 60.5}, "duration_minutes"),
    "bad kind": ({"kind": "fiesta"}, "kind"),
    "bad mode": ({"mode": "telepatica"}, "mode"),
    "NUL in room": ({"room": "Sala\x001"}, "room"),
    "blank room": ({"room": "   "}, "room"),
    "huge notes": ({"notes": "x" * 100_000}, "notes"),
    "huge room": ({"room": "S" * 101}, "room"),
    "unknown field": ({"judge": "yo"}, "judge"),
    "operator as room": ({"room": {"$gt": ""}}, "room"),
}


@pytest.mark.parametrize("name", list(HOSTILE_SCHEDULES))
def test_hostile_schedules_are_refused_and_store_nothing(api, stack, people, case_number, name):
    override, field = HOSTILE_SCHEDULES[name]
    body = {**hearing_body(future(51, 15), room()), **override}
    before = snapshot(stack)
    response = schedule(api, people["clerk"], case_number, body, key=f"hostil-{uuid.uuid4().hex}")
    assert response.status_code in (413, 422), response.text
    error = response.json()
    if response.status_code == 422:
        assert error["error"] == "validation_error" and field in error["details"]["fields"], error
    assert snapshot(stack) == before


def test_hostile_changes_are_refused_and_store_nothing(api, stack, people, case_number):
    existing = scheduled(api, people["clerk"], case_number, hearing_body(future(52, 15), room()))
    path = f"/api/v1/hearings/{existing['hearing_id']}"
    before = snapshot(stack)
    for suffix, body, field in (
            ("/reschedule", {"starts_at": "2031-03-10T09:00:00", "reason": "X"}, "starts_at"),
            ("/reschedule", {"starts_at": future(53).isoformat()}, "reason"),
            ("/reschedule", {"starts_at": future(53).isoformat(), "reason": "X", "duration_minutes": 601}, "duration_minutes"),
            ("/reschedule", {"starts_at": future(53).isoformat(), "reason": "X", "status": "realizada"}, "status"),
            ("/status", {"status": "programada", "reason": "X"}, "status"),
            ("/status", {"status": "realizada"}, "reason"),
            ("/status", {"status": "realizada", "reason": "\x00"}, "reason")):
        response = api.post_json(path + suffix, body, people["clerk"])
        assert response.status_code == 422, (suffix, body, response.text)
        assert field in response.json()["details"]["fields"], response.json()
    for bad in ("NO-ES-UN-ID", "A" * 32, "g" * 32, "0" * 31):
        response = set_status(api, people["clerk"], bad, "realizada")
        assert response.status_code == 404 and response.json()["error"] == "hearing_not_found", response.text
        assert api.get(f"/api/v1/hearings/{bad}", people["clerk"]).status_code == 404
    unknown = "0" * 32  # of the right form, naming nothing
    for response in (set_status(api, people["clerk"], unknown, "realizada"),
                     reschedule(api, people["clerk"], unknown, {"starts_at": future(53).isoformat(), "reason": "X"}),
                     api.get(f"/api/v1/hearings/{unknown}", people["clerk"])):
        assert response.status_code == 404 and response.json()["error"] == "hearing_not_found", response.text
    response = schedule(api, people["clerk"], "01001-2031-99999", hearing_body(future(53), room()))
    assert response.status_code == 404 and response.json()["error"] == "case_not_found"
    response = api.http.post(api.url + path + "/status", data=b'{"status": "realizada", "reason":', timeout=10,
                             headers={**api.auth(people["clerk"]), "Content-Type": "application/json"})
    assert response.status_code == 400 and response.json()["error"] == "malformed_json"
    response = schedule(api, people["clerk"], case_number, hearing_body(future(53), room()), key="con espacio")
    assert response.status_code == 400 and response.json()["error"] == "invalid_idempotency_key"
    assert snapshot(stack) == before
