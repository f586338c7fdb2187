"""Service by lapse, to the millisecond, with two mailbox replicas running the lapse job at once.

How the test gets notices whose deemed instant is already past, honestly: the service sets
``available_at`` itself (now), so a notice made available today cannot lapse for three business
days. The notices are created by the real service from real events; then the test moves their
``issued_at``/``available_at`` back to chosen instants (a Friday night, Holy Week, a holiday, New
Year's Eve), as if they had been made available then, and leaves ``deemed_service_at`` at what the
calendar of that time would have said. Nothing else is touched: the lapse jobs of both replicas
find them, recompute the deemed instant with the current calendar (including a closure added
afterwards), and serve each one by lapse at exactly the instant the rule gives, written out by hand
below. No clock offset or test-only switch exists in the service.
"""
import datetime
import json
import re
import time
import uuid

import pytest
import requests
from kombu import Connection

from services.runtime import devstack
from tests.support.mailbox import emitted, envelope, publish, resolution_data, wait_for

UTC = datetime.timezone.utc


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


def end_of_local_day(y, m, d):
    """23:59:59.999 in Guatemala (UTC-6) of y-m-d, as UTC: 05:59:59.999 of the next day."""
    return utc(y, m, d, 5, 59, 59, 999000) + datetime.timedelta(days=1)


# (name, court, available_at UTC, stale deemed instant, expected served_at, expected due_date for a 3-day term)
CASES = [
    ("viernes 22:00", "01001", utc(2025, 3, 8, 4, 0),  # Fri 07-03-2025 22:00 local -> Mon 10, Tue 11, Wed 12
     end_of_local_day(2025, 3, 12), end_of_local_day(2025, 3, 12), "2025-03-17"),  # term: Thu 13, Fri 14, Mon 17
    ("miércoles santo 21:30", "01001", utc(2026, 4, 2, 3, 30),  # Holy Wed 01-04-2026 -> Mon 6, Tue 7, Wed 8
     end_of_local_day(2026, 4, 8), end_of_local_day(2026, 4, 8), "2026-04-13"),  # Thu 9, Fri 10, Mon 13
    ("año nuevo 10:00", "01010", utc(2026, 1, 1, 16, 0),  # holiday Thu 01-01-2026 -> Fri 2, Mon 5, Tue 6
     end_of_local_day(2026, 1, 6), end_of_local_day(2026, 1, 6), "2026-01-09"),  # Wed 7, Thu 8, Fri 9
    ("31 dic 23:00 (ya 1 ene en UTC)", "01010", utc(2026, 1, 1, 5, 0),  # local date 31-12-2025 -> Fri 2, Mon 5, Tue 6
     end_of_local_day(2026, 1, 6), end_of_local_day(2026, 1, 6), "2026-01-09"),
    ("viernes 22:00 con cierre el martes", "01020", utc(2025, 3, 8, 4, 0),  # closure Tue 11 -> Mon 10, Wed 12, Thu 13
     end_of_local_day(2025, 3, 12), end_of_local_day(2025, 3, 13), "2025-03-18"),  # Fri 14, Mon 17, Tue 18
]
PER_CASE = 400


def rpc_consumers(stack):
    with Connection(stack.amqp_uri, connect_timeout=2) as connection:
        return connection.default_channel.queue_declare(queue="rpc-mailbox", passive=True)[2]


@pytest.fixture(scope="module")
def second_replica(stack):
    port = devstack.free_port()
    process = devstack.ServiceProcess("mailbox-2", "services.mailbox.service:MailboxService",
                                      {**stack.env, "METRICS_PORT": str(port)},
                                      stack.tmp / "logs" / "mailbox-2.log").start()
    process.metrics_url = f"http://127.0.0.1:{port}/metrics"
    assert wait_for(lambda: rpc_consumers(stack) >= 2, timeout=60)
    yield process
    process.stop()


def served_by_lapse_metric(url, name="portal_mailbox_notifications_served_total"):
    text = requests.get(url, timeout=5).text
    found = re.search(rf'^{name}\{{served_by="lapse"\}} ([0-9.e+]+)$', text, re.M)
    return float(found.group(1)) if found else 0.0


def make_notices(stack, court_id, subs):
    data = resolution_data(subs, court_id=court_id, case_number=f"{court_id}-2025-{uuid.uuid4().int % 90000 + 10000:05d}")
    publish(stack, envelope(data))
    notifications = stack.db("mailbox").notifications
    assert wait_for(lambda: notifications.count_documents({"resolution_id": data["resolution_id"]}) == len(subs))
    return data["resolution_id"]


def move_back(stack, resolution_id, available_at, stale_deemed, chunk=None, pause=0.0):
    """As if the notices had been made available at ``available_at`` (issued five minutes before);
    ``chunk``/``pause``: a few at a time, so the overdue notices keep coming while the jobs run."""
    notifications = stack.db("mailbox").notifications
    ids = [d["_id"] for d in notifications.find({"resolution_id": resolution_id, "served_at": None}, {"_id": 1})]
    chunk = chunk or len(ids) or 1
    moved = 0
    for start in range(0, len(ids), chunk):
        moved += notifications.update_many(
            {"_id": {"$in": ids[start:start + chunk]}, "served_at": None},
            {"$set": {"issued_at": available_at - datetime.timedelta(minutes=5), "available_at": available_at,
                      "deemed_service_at": stale_deemed}}).modified_count
        time.sleep(pause)
    return moved


def lapse_counts(text):
    return sum(json.loads(line).get("count", 0) for line in text.splitlines()
               if line.startswith("{") and '"notices served by lapse"' in line)


def test_two_replicas_serve_each_lapsed_notice_exactly_once_at_the_deemed_instant(api, stack, second_replica):
    admin = api.admin()
    closure = api.post_json("/api/v1/calendar/closures", {"date": "2025-03-11", "court_id": "01020",
                                                          "reason": "Cierre por desinfección de la sede"}, admin)
    assert closure.status_code in (201, 409), closure.text
    groups = []
    for name, court_id, available_at, stale, served_at, due in CASES:
        subs = [f"lapse-{uuid.uuid4().hex[:6]}-{i:03d}" for i in range(PER_CASE)]
        groups.append((name, make_notices(stack, court_id, subs), available_at, stale, served_at, due, subs))
    logs = stack.tmp / "logs"
    before = {name: (logs / f"{name}.log").read_text(errors="replace") for name in ("mailbox", "mailbox-2")}
    metric_before = served_by_lapse_metric(second_replica.metrics_url)
    due_dates_before = served_by_lapse_metric(second_replica.metrics_url, "portal_mailbox_due_dates_total")

    # the passage of time: notices become overdue a few at a time for four seconds, then a whole group at
    # once, while both replicas' jobs run every second
    for index, (_name, resolution_id, available_at, stale, *_) in enumerate(groups):
        if index < len(groups) - 1:
            assert move_back(stack, resolution_id, available_at, stale, chunk=40, pause=0.1) == PER_CASE
        else:
            assert move_back(stack, resolution_id, available_at, stale) == PER_CASE
    notifications = stack.db("mailbox").notifications
    all_ids = [g[1] for g in groups]
    total = PER_CASE * len(groups)
    assert wait_for(lambda: notifications.count_documents({"resolution_id": {"$in": all_ids},
                                                           "served_at": {"$ne": None}}) == total, timeout=60)

    outbox = stack.db("mailbox").outbox
    for name, resolution_id, _available_at, _stale, served_at, due, _subs in groups:
        for notice in notifications.find({"resolution_id": resolution_id}):
            assert notice["served_by"] == "lapse", name
            assert notice["served_at"] == served_at, (name, notice["served_at"], served_at)
            assert notice["deemed_service_at"] == served_at, name
            assert notice["due_date"] == due, (name, notice["due_date"])
            assert notice["accessed_at"] is None
        served_events = list(outbox.find({"event_type": "notification_served", "data.resolution_id": resolution_id}))
        assert len(served_events) == PER_CASE, name  # one event per notice
        assert len({e["data"]["notification_id"] for e in served_events}) == PER_CASE, name
        assert {e["data"]["served_at"] for e in served_events} == {served_at.isoformat(timespec="milliseconds").replace("+00:00", "Z")}

    # the two replicas together served each notice once (and both were running the job)
    time.sleep(1.5)
    served = {name: lapse_counts((logs / f"{name}.log").read_text(errors="replace")[len(before[name]):])
              for name in ("mailbox", "mailbox-2")}
    assert sum(served.values()) == total, served
    assert all(served.values()), served
    # the business counter of the second replica agrees with what it logged
    assert served_by_lapse_metric(second_replica.metrics_url) - metric_before == served["mailbox-2"]
    # each of those notices has a term: its due date was fixed when it was served, and counted once
    due_dates = served_by_lapse_metric(second_replica.metrics_url, "portal_mailbox_due_dates_total")
    assert due_dates - due_dates_before == served["mailbox-2"]
    assert second_replica.alive

    # the lawyer sees it served by lapse, its term already over
    name, resolution_id, *_ , subs = groups[0]
    token = stack.token(subs[0], "lawyer", bar_number="1")
    item = api.get("/api/v1/mailbox/notifications", token).json()["items"][0]
    assert item["served_by"] == "lapse" and item["status"] == "served" and item["opened"] is False
    assert item["served_at"] == "2025-03-13T05:59:59.999Z" and item["due_date"] == "2025-03-17"
    unread = api.get("/api/v1/mailbox/notifications?status=unread", token).json()["items"]
    assert [i["notification_id"] for i in unread] == [item["notification_id"]]  # served, yet never opened


def test_opening_after_the_deemed_instant_records_the_access_and_serves_by_lapse(api, stack):
    sub = f"late-{uuid.uuid4().hex[:6]}"
    token = stack.token(sub, "lawyer", bar_number="1")
    resolution_id = make_notices(stack, "01001", [sub])
    assert move_back(stack, resolution_id, utc(2025, 3, 8, 4, 0), end_of_local_day(2025, 3, 12)) == 1
    notice_id = stack.db("mailbox").notifications.find_one({"resolution_id": resolution_id})["_id"]
    opened_at = datetime.datetime.now(UTC)
    response = api.get(f"/api/v1/mailbox/notifications/{notice_id}", token)
    assert response.status_code == 200, response.text
    notice = response.json()
    # whether the job or the opening got there first, the outcome is the same
    assert notice["served_by"] == "lapse" and notice["served_at"] == "2025-03-13T05:59:59.999Z"
    assert notice["due_date"] == "2025-03-17"
    assert datetime.datetime.fromisoformat(notice["accessed_at"]) >= opened_at - datetime.timedelta(seconds=1)
    time.sleep(1.5)  # the lapse job runs again: nothing changes
    again = api.get(f"/api/v1/mailbox/notifications/{notice_id}", token).json()
    assert again == notice
    assert len(emitted(stack, notice_id, "notification_served")) == 1
    evidence = api.get(f"/api/v1/mailbox/notifications/{notice_id}/evidence", token).json()["evidence"]
    assert evidence["available_at"] == "2025-03-08T04:00:00.000Z" and evidence["served_by"] == "lapse"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$", evidence["accessed_at"])
