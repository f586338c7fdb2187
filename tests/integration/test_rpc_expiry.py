"""A request the gateway gave up on is never carried out later: while a service is stopped its requests wait in
its queue, but only as long as their caller waits (the broker's per-message TTL, ``services.runtime.rpc.call``).
The user was answered 504 «intente de nuevo»; when the service comes back, that request must not quietly happen
behind the retry they may already have made."""
import datetime
import time
import uuid

import pytest

pytestmark = pytest.mark.stack


def closures_on(api, date):
    listed = api.get(f"/api/v1/calendar/closures?year={date[:4]}", api.lawyer())
    assert listed.status_code == 200, listed.text
    return [c for c in listed.json()["items"] if c["date"] == date]


def test_a_write_answered_504_while_its_service_was_stopped_is_not_applied_when_it_returns(stack, api):
    admin = api.admin()
    day = datetime.date(2031, 2, 3) + datetime.timedelta(days=uuid.uuid4().int % 50)  # February-March: no holiday
    day += datetime.timedelta(days=max(0, 7 - day.weekday()) if day.weekday() >= 5 else 0)  # a weekday
    date = day.isoformat()
    body = {"date": date, "court_id": None, "reason": "Cierre que nadie confirmó"}
    mailbox = stack.stack.processes["mailbox"]
    mailbox.stop()
    try:
        answer = api.post_json("/api/v1/calendar/closures", body, admin)
        assert answer.status_code == 504, answer.text
        assert answer.json()["error"] == "service_timeout"
    finally:
        mailbox.start()
        stack.stack.wait("mailbox")
    time.sleep(1)  # what the restarted service would take from its queue, it has taken by now
    assert closures_on(api, date) == []
    # the same request once the service is back is applied, once
    created = api.post_json("/api/v1/calendar/closures", body, admin)
    assert created.status_code == 201, created.text
    assert len(closures_on(api, date)) == 1
