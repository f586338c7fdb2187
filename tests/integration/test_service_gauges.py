"""The gauges operators alert on, read from each service's own metrics endpoint: the outbox backlog and the
age of its oldest event (every service that publishes), the mailbox's e-mail alert queue and the last
successful run of its lapse job. Values are compared with what the database holds at that moment."""
import datetime
import threading
import time
import uuid

import pytest
import requests
from kombu import Connection
from prometheus_client.parser import text_string_to_metric_families

from services.runtime import devstack
from services.runtime.mongo import utcnow
from tests.support.mailbox import wait_for

SERVICES = {"filings": "services.filings.service:FilingsService",
            "mailbox": "services.mailbox.service:MailboxService"}
HELD = datetime.timedelta(hours=1)


def rpc_consumers(stack, service):
    with Connection(stack.amqp_uri, connect_timeout=2) as connection:
        return connection.default_channel.queue_declare(queue=f"rpc-{service}", passive=True)[2]


def read_metrics(url):
    try:
        text = requests.get(url, timeout=5).text
    except requests.RequestException:
        return None
    return {family.name: family for family in text_string_to_metric_families(text)}


def gauge_value(url, name):
    families = read_metrics(url) or {}
    family = families.get(name)
    if family is None:
        return None
    assert family.type == "gauge", (name, family.type)
    [sample] = family.samples
    return sample.value


@pytest.fixture(scope="module")
def replicas(stack):
    """A second replica of each service with its metrics endpoint open and a fast backlog measurement."""
    started = {}
    try:
        for service, module in SERVICES.items():
            port = devstack.free_port()
            env = {**stack.env, "METRICS_PORT": str(port), "OUTBOX_GAUGE_INTERVAL": "0.3"}
            process = devstack.ServiceProcess(f"{service}-gauges", module, env,
                                              stack.tmp / "logs" / f"{service}-gauges.log").start()
            process.metrics_url = f"http://127.0.0.1:{port}/metrics"
            started[service] = process
        for service, process in started.items():
            assert wait_for(lambda: rpc_consumers(stack, service) >= 2, timeout=60), service
            assert wait_for(lambda: read_metrics(process.metrics_url), timeout=30), service
        yield started
    finally:  # both at once: each takes a few seconds to stop gracefully
        stopping = [threading.Thread(target=process.stop) for process in started.values()]
        for thread in stopping:
            thread.start()
        for thread in stopping:
            thread.join()


def held_rows(service, count, age):
    """Unpublished outbox rows another relay holds (a lease for an hour): no relay publishes them meanwhile."""
    now = utcnow()
    created = now - age
    return [{"_id": uuid.uuid4().hex, "event_type": "gauge_probe", "source": service, "version": 1,
             "occurred_at": created, "correlation_id": None, "data": {}, "published": False, "created_at": created,
             "lease_owner": "gauge-test", "lease_until": now + HELD} for _ in range(count)]


def unpublished_now(stack, service):
    """What the database holds as unpublished: outbox rows not published plus events carried by notices."""
    db = stack.db(service)
    count = db.outbox.count_documents({"published": False})
    if service == "mailbox":
        for doc in db.notifications.find({"pending_events._id": {"$exists": True}}, {"pending_events": 1}):
            count += len(doc["pending_events"])
    return count


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_outbox_backlog_and_the_age_of_its_oldest_event(stack, replicas, service):
    url = replicas[service].metrics_url
    backlog = f"portal_{service}_outbox_unpublished_events"
    age = f"portal_{service}_outbox_oldest_unpublished_age_seconds"
    outbox = stack.db(service).outbox
    rows = held_rows(service, 3, datetime.timedelta(minutes=2))
    outbox.insert_many(rows)
    try:
        assert wait_for(lambda: gauge_value(url, backlog) == unpublished_now(stack, service) >= 3, timeout=20), (
            gauge_value(url, backlog), unpublished_now(stack, service))
        waited = (utcnow() - rows[0]["created_at"]).total_seconds()
        value = gauge_value(url, age)
        # the age is that of the held rows (no other event is two minutes old), as of the scrape
        assert 120 <= value <= waited + 5, (value, waited)
        time.sleep(1)
        assert gauge_value(url, age) >= value + 0.5  # it grows between measurements
    finally:
        outbox.delete_many({"_id": {"$in": [r["_id"] for r in rows]}})
    assert wait_for(lambda: gauge_value(url, backlog) == unpublished_now(stack, service), timeout=20)
    assert wait_for(lambda: gauge_value(url, age) < 60, timeout=20)


def test_the_mailbox_alert_queue_length(stack, replicas):
    url = replicas["mailbox"].metrics_url
    alerts = stack.db("mailbox").alerts
    later = utcnow() + HELD  # queued, not due yet: no sender takes them meanwhile
    rows = [{"_id": uuid.uuid4().hex, "notification_id": uuid.uuid4().hex, "sub": "gauge-test",
             "email": "gauges@bufete.gt", "status": "pending", "attempts": 0, "created_at": utcnow(),
             "next_attempt_at": later, "lease_owner": None, "lease_until": None, "sent_at": None,
             "last_error": None} for _ in range(2)]
    alerts.insert_many(rows)
    name = "portal_mailbox_alert_queue_emails"
    try:
        assert wait_for(lambda: gauge_value(url, name) == alerts.count_documents({"status": "pending"}) >= 2,
                        timeout=20), (gauge_value(url, name), alerts.count_documents({"status": "pending"}))
    finally:
        alerts.delete_many({"_id": {"$in": [r["_id"] for r in rows]}})
    assert wait_for(lambda: gauge_value(url, name) == alerts.count_documents({"status": "pending"}), timeout=20)


def test_the_unix_time_of_the_last_successful_lapse_run(stack, replicas):
    url = replicas["mailbox"].metrics_url
    name = "portal_mailbox_lapse_last_success_timestamp_seconds"
    before = time.time()
    assert wait_for(lambda: (gauge_value(url, name) or 0) >= before, timeout=20)  # LAPSE_JOB_INTERVAL is 1 s here
    assert gauge_value(url, name) <= time.time()


def test_the_backlog_counts_events_still_carried_by_documents_and_their_age(stack):
    """Events carried by a document's own write (``Store.update_carrying``) are unpublished too, until the
    relay moved and published them; measured here on a relay that has not run."""
    from services.runtime.mongo import Store
    from services.runtime.outbox import OutboxRelay

    class Carrier(Store):
        database = "gauges"
        publishes_events = True
        event_carriers = ("things",)

    db = stack.client[f"{stack.prefix}_gauges_{uuid.uuid4().hex[:6]}"]
    try:
        Carrier.ensure_indexes(db)
        relay = OutboxRelay(db, stack.amqp_uri, "gaugetest", catalogue={}, carriers=Carrier.event_carriers)
        assert relay.measure() == (0, None) and relay.oldest_age() == 0
        db.outbox.insert_many(held_rows("gaugetest", 2, datetime.timedelta(minutes=1)))
        db.outbox.insert_one({**held_rows("gaugetest", 1, datetime.timedelta(hours=2))[0], "published": True})
        db.things.insert_one({"_id": "c1", "state": "new"})
        [carried] = Carrier(db, stack.client).update_carrying("things", {"_id": "c1"}, {"$set": {"state": "done"}},
                                                              [("gaugetest", "thing_done", {"thing_id": "c1"})])
        db.things.update_one({"_id": "c1"}, {"$set": {"pending_events.0.created_at":
                                                       utcnow() - datetime.timedelta(minutes=5)}})
        count, oldest = relay.measure()
        assert count == 3  # two rows and one carried event; the published row is not counted
        assert oldest == db.things.find_one({"_id": "c1"})["pending_events"][0]["created_at"]
        assert 300 <= relay.oldest_age() < 330
    finally:
        stack.client.drop_database(db.name)
