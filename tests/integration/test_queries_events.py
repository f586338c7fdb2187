"""Events into the public read model, published as filings' relay publishes them: duplicated, out of order and
late events apply once and in version order; a reservation hides a case everywhere, even from facts that arrive
after it; the queries service stopped while events are produced loses nothing and doubles nothing."""
import datetime
import time

import pytest

from tests.support.queries import (QueriesDb, case_opened, case_reserved, event, fake_case_number, hearing,
                                   publish, resolution, wait_for)

pytestmark = pytest.mark.stack
UTC = datetime.timezone.utc


def agenda(api, day, **params):
    response = api.get("/api/v1/public/hearings", params={"date": day.isoformat(), "limit": 200, **params})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def local_day(instant):
    return (instant - datetime.timedelta(hours=6)).date()  # America/Guatemala, no daylight saving


def test_duplicated_out_of_order_and_late_hearing_states_leave_the_newest_once(api, stack):
    db = QueriesDb(stack)
    number = fake_case_number()
    starts = datetime.datetime.now(UTC).replace(microsecond=0, second=0) + datetime.timedelta(days=5)
    hid = None
    states = {}
    for version, status, shift in ((1, "programada", 0), (2, "reprogramada", 2), (3, "reprogramada", 4)):
        data = hearing(number, version, hearing_id=hid, starts_at=starts + datetime.timedelta(hours=shift),
                       status=status, reason=None if version == 1 else f"Cambio {version}")
        hid = data["hearing_id"]
        states[version] = data
    v3 = event("hearing_changed", states[3])
    # the newest first, then the oldest, the middle one, the newest again (same event id) and the middle under a
    # new id (a replay): only version 3 may remain
    publish(stack, v3, event("hearing_scheduled", states[1]), event("hearing_changed", states[2]), v3,
            event("hearing_changed", states[2]))
    assert wait_for(lambda: db.hearing(hid) and db.hearing(hid)["version"] == 3)
    time.sleep(1)
    held = db.hearing(hid)
    assert held["version"] == 3 and held["reason"] == "Cambio 3"
    assert held["starts_at"] == starts + datetime.timedelta(hours=4)
    assert db.col("hearings").count_documents({"_id": hid}) == 1
    items = [i for i in agenda(api, local_day(held["starts_at"]), case_number=number)]
    assert [(i["hearing_id"], i["version"], i["status"]) for i in items] == [(hid, 3, "reprogramada")]
    # the parties of an amparo are public; the hearing came before its case was ever opened
    assert items[0]["parties"][0]["name"] == "María José Peña Gómez"
    # a late version 1 under yet another id changes nothing either
    publish(stack, event("hearing_scheduled", states[1]))
    time.sleep(1)
    assert db.hearing(hid)["version"] == 3


def test_resolutions_before_their_case_and_stages_out_of_order_end_in_the_newest_stage(api, stack):
    db = QueriesDb(stack)
    number = fake_case_number()
    admitted = resolution(number, 2, stage="admitido")
    provisional = resolution(number, 3, stage="amparo_provisional_otorgado")
    plain = resolution(number, 4, stage=None, kind="decreto", summary="Se tiene por recibido el informe")
    publish(stack, event("resolution_issued", plain), event("resolution_issued", provisional),
            event("resolution_issued", admitted))
    assert wait_for(lambda: db.col("actuaciones").count_documents({"case_number": number}) == 3)
    # not opened yet: not public
    assert api.get(f"/api/v1/public/cases/{number}").status_code == 404
    publish(stack, event("case_opened", case_opened(number)))
    found = wait_for(lambda: (r := api.get(f"/api/v1/public/cases/{number}")).status_code == 200 and r.json())
    assert found["stage"] == "amparo_provisional_otorgado"
    assert [a["stage"] for a in found["actuaciones"]] == ["admitido", "amparo_provisional_otorgado", None]
    assert found["parties_by_role"]["postulante"] == [{"name": "María José Peña Gómez", "office": None}]
    assert found["act_complained"].startswith("Acuerdo")
    # a late duplicate of the opening (stage "ingresado", version 1) does not take the stage back
    publish(stack, event("case_opened", case_opened(number)))
    time.sleep(1)
    assert api.get(f"/api/v1/public/cases/{number}").json()["stage"] == "amparo_provisional_otorgado"
    assert db.col("actuaciones").count_documents({"case_number": number}) == 3


def test_a_reservation_hides_the_case_everywhere_even_from_facts_that_arrive_after_it(api, stack):
    db = QueriesDb(stack)
    number = fake_case_number()
    content = b"%PDF-1.4 documento reservado"
    issued = resolution(number, 2, stage="admitido", content=content)
    first = hearing(number, 1)
    publish(stack, event("case_opened", case_opened(number)), event("resolution_issued", issued),
            event("hearing_scheduled", first))
    assert wait_for(lambda: api.get(f"/api/v1/public/cases/{number}").status_code == 200 and db.hearing(
        first["hearing_id"]))
    day = local_day(db.hearing(first["hearing_id"])["starts_at"])
    assert [i["case_number"] for i in agenda(api, day, case_number=number)] == [number]
    publish(stack, event("case_reserved", case_reserved(number, 3)))
    # late facts of the reserved case that do not say so (versions from before the reservation)
    late = hearing(number, 2, hearing_id=first["hearing_id"], status="reprogramada", reason="Cambio de sala")
    other = hearing(number, 1)
    publish(stack, event("hearing_changed", late), event("hearing_scheduled", other))
    assert wait_for(lambda: db.hearing(other["hearing_id"]) and db.hearing(first["hearing_id"])["version"] == 2)
    assert api.get(f"/api/v1/public/cases/{number}").status_code == 404
    assert agenda(api, day, case_number=number) == []
    assert "BEGIN:VEVENT" not in api.get(f"/api/v1/public/cases/{number}/hearings.ics").text
    verdict = api.get(f"/api/v1/public/documents/{issued['document_sha256']}").json()
    assert verdict["authentic"] and verdict["documents"][0]["case_number"] is None
    assert verdict["documents"][0]["case_reserved"] is True


def test_queries_stopped_while_events_are_produced_then_started_nothing_missing_nothing_doubled(api, stack):
    db = QueriesDb(stack)
    numbers = [fake_case_number() for _ in range(3)]
    queries = stack.stack.processes["queries"]
    queries.stop()
    try:
        sent = []
        for number in numbers:
            opened = event("case_opened", case_opened(number))
            heard = event("hearing_scheduled", hearing(number, 1))
            resolved = event("resolution_issued", resolution(number, 2, stage="admitido"))
            sent += [opened, heard, resolved]
            publish(stack, opened, heard, resolved, heard)  # one of them twice
        time.sleep(0.5)
        assert db.col("cases").count_documents({"_id": {"$in": numbers}}) == 0
    finally:
        queries.start()
        stack.stack.wait("queries")
    consumers = {"case_opened": "queries.on_case_opened", "hearing_scheduled": "queries.on_hearing_scheduled",
                 "resolution_issued": "queries.on_resolution_issued"}
    assert wait_for(lambda: all(db.applied(e["event_id"], consumers[e["event_type"]]) for e in sent), timeout=30)
    time.sleep(1)
    for number in numbers:
        case = api.get(f"/api/v1/public/cases/{number}").json()
        assert case["stage"] == "admitido" and len(case["actuaciones"]) == 1
        assert len(case["upcoming_hearings"]) == 1
        assert db.col("hearings").count_documents({"case_number": number}) == 1
    assert db.db.inbox.count_documents({"_id": {"$in": [f"{consumers[e['event_type']]}:{e['event_id']}"
                                                         for e in sent]}}) == len(sent)


def test_an_event_that_breaks_its_contract_or_cannot_apply_changes_nothing(api, stack):
    db = QueriesDb(stack)
    number = fake_case_number()
    broken = hearing(number, 1, starts_at=None)
    broken["starts_at"] = "mañana a las diez"
    missing = {k: v for k, v in hearing(number, 1).items() if k != "version"}
    bad = event("hearing_scheduled", broken)
    publish(stack, bad, event("hearing_scheduled", missing))
    assert wait_for(lambda: db.db.dead_letters.find_one({"_id": bad["event_id"]}))
    assert db.col("hearings").count_documents({"case_number": number}) == 0
    # and the queue goes on
    good = hearing(number, 1)
    publish(stack, event("hearing_scheduled", good))
    assert wait_for(lambda: db.hearing(good["hearing_id"]))
