"""A court's public agenda kept in the gateway (gateway.agenda): asked of the queries service once and then
answered from the gateway, yet a hearing scheduled, a case reserved, or a change made while the queries service was
stopped shows in the gateway's answer as soon as the read model holds it."""
import datetime
import re
import time

import pytest

from tests.support.queries import (SUPREME, QueriesDb, case_opened, case_reserved, event, fake_case_number, hearing,
                                   publish, wait_for)

pytestmark = pytest.mark.stack
UTC = datetime.timezone.utc
FRESH_SECONDS = 2  # from the read model holding a change to the public answer showing it (the bound)


def metric(api, line):
    found = re.search(rf"^{re.escape(line)} ([0-9.e+]+)$", api.get("/metrics").text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def answered_from_cache(api):
    return metric(api, 'portal_gateway_agenda_pages_total{source="cache"}')


def asked_of_queries(api):
    return metric(api, 'portal_gateway_agenda_pages_total{source="queries"}')


def following(api):
    """The gateway follows the changes to hearings (after a start, once its first read was answered)."""
    return wait_for(lambda: metric(api, "portal_gateway_agenda_pages_following") == 1, timeout=30)


def agenda(api, day):
    response = api.get("/api/v1/public/hearings", params={"court_id": SUPREME, "date": day.isoformat(), "limit": 200})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def shown(api, day, number):
    return sorted(i["hearing_id"] for i in agenda(api, day) if i["case_number"] == number)


def soon(check):
    """``check()`` holds within FRESH_SECONDS."""
    return wait_for(check, timeout=FRESH_SECONDS)


def a_day_with_a_hearing(api, stack, number):
    db = QueriesDb(stack)
    starts = datetime.datetime.now(UTC).replace(microsecond=0, second=0) + datetime.timedelta(days=9)
    first = hearing(number, 1, starts_at=starts)
    publish(stack, event("case_opened", case_opened(number)), event("hearing_scheduled", first))
    assert wait_for(lambda: db.hearing(first["hearing_id"]))
    return db, (starts - datetime.timedelta(hours=6)).date(), first, starts


def test_a_page_is_kept_and_a_new_hearing_or_a_reservation_shows_at_once(api, stack):
    number = fake_case_number()
    db, day, first, starts = a_day_with_a_hearing(api, stack, number)
    assert following(api)
    # kept once the queries service's answer is at least as new as where the gateway began following (its watcher
    # reaches that within its await, a second); then the page is not asked for again
    before = answered_from_cache(api)
    assert wait_for(lambda: shown(api, day, number) == [first["hearing_id"]] and answered_from_cache(api) > before,
                    timeout=5)
    asked = asked_of_queries(api)
    for _ in range(3):
        assert shown(api, day, number) == [first["hearing_id"]]
    assert asked_of_queries(api) == asked

    second = hearing(number, 1, starts_at=starts + datetime.timedelta(hours=2), room="Sala 2")
    publish(stack, event("hearing_scheduled", second))
    assert wait_for(lambda: db.hearing(second["hearing_id"]))
    assert soon(lambda: shown(api, day, number) == sorted([first["hearing_id"], second["hearing_id"]]))

    publish(stack, event("case_reserved", case_reserved(number, 2)))
    assert wait_for(lambda: db.hearing(first["hearing_id"])["reserved"])
    assert soon(lambda: shown(api, day, number) == [])


def test_a_change_made_while_queries_was_stopped_shows_once_it_is_applied(api, stack):
    number = fake_case_number()
    db, day, first, starts = a_day_with_a_hearing(api, stack, number)
    assert following(api)
    assert soon(lambda: shown(api, day, number) == [first["hearing_id"]])
    shown(api, day, number)  # kept
    queries = stack.stack.processes["queries"]
    queries.stop()
    try:
        moved = hearing(number, 2, hearing_id=first["hearing_id"], status="cancelada", reason="Se cancela",
                        starts_at=starts)
        publish(stack, event("hearing_changed", moved))
        time.sleep(0.5)
        assert db.hearing(first["hearing_id"])["version"] == 1  # nobody applies it yet
        # what the gateway answers meanwhile, if anything, is the read model as it is: the hearing as scheduled
        during = api.get("/api/v1/public/hearings", params={"court_id": SUPREME, "date": day.isoformat()})
        if during.status_code == 200:
            assert [i["status"] for i in during.json()["items"] if i["case_number"] == number] == ["programada"]
        else:
            assert during.status_code == 504, during.text
    finally:
        queries.start()
        stack.stack.wait("queries")
    assert following(api)  # the gateway reads the changes again, from where it was
    assert wait_for(lambda: db.hearing(first["hearing_id"])["version"] == 2, timeout=30)
    assert soon(lambda: [i["status"] for i in agenda(api, day) if i["case_number"] == number] == ["cancelada"])
