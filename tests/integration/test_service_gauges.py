"""The gauges operators alert on, read from each service's own metrics endpoint: the outbox backlog and the
age of its oldest event (every service that publishes), the dead letters, the mailbox's e-mail alert queue
and the age of its oldest e-mail, the last successful run of its lapse job; and the backlogs the
certificates and chat stores declare (paid and not issued, conversations waiting for an agent, replies
waiting to be sent), measured on a database of their own. Values are compared with what the database holds
at that moment."""
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
            env = {**stack.env, "METRICS_PORT": str(port), "OUTBOX_GAUGE_INTERVAL": "0.3",
                   "GAUGE_INTERVAL": "0.3"}
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
    queued_at = utcnow() - datetime.timedelta(minutes=10)
    rows = [{"_id": uuid.uuid4().hex, "notification_id": uuid.uuid4().hex, "sub": "gauge-test",
             "email": "gauges@bufete.gt", "status": "pending", "attempts": 0, "created_at": queued_at,
             "next_attempt_at": later, "lease_owner": None, "lease_until": None, "sent_at": None,
             "last_error": None} for _ in range(2)]
    alerts.insert_many(rows)
    name = "portal_mailbox_alert_queue_emails"
    age = "portal_mailbox_alert_queue_oldest_age_seconds"
    try:
        assert wait_for(lambda: gauge_value(url, name) == alerts.count_documents({"status": "pending"}) >= 2,
                        timeout=20), (gauge_value(url, name), alerts.count_documents({"status": "pending"}))
        # the oldest queued e-mail is one of these (no other alert of the suite waits ten minutes)
        assert wait_for(lambda: 600 <= gauge_value(url, age) <= (utcnow() - queued_at).total_seconds() + 5,
                        timeout=20), gauge_value(url, age)
    finally:
        alerts.delete_many({"_id": {"$in": [r["_id"] for r in rows]}})
    assert wait_for(lambda: gauge_value(url, name) == alerts.count_documents({"status": "pending"}), timeout=20)
    assert wait_for(lambda: gauge_value(url, age) < 600, timeout=20)


@pytest.mark.parametrize("service", sorted(SERVICES))
def test_the_dead_letters(stack, replicas, service):
    url = replicas[service].metrics_url
    name = f"portal_{service}_dead_letters"
    dead_letters = stack.db(service).dead_letters
    assert wait_for(lambda: gauge_value(url, name) == dead_letters.count_documents({}), timeout=20)
    rows = [{"_id": uuid.uuid4().hex, "envelope": {"event_type": "gauge_probe"}, "reason": "gauge test",
             "at": utcnow()} for _ in range(2)]
    dead_letters.insert_many(rows)
    try:
        assert wait_for(lambda: gauge_value(url, name) == dead_letters.count_documents({}) >= 2, timeout=20), (
            gauge_value(url, name), dead_letters.count_documents({}))
    finally:
        dead_letters.delete_many({"_id": {"$in": [r["_id"] for r in rows]}})
    assert wait_for(lambda: gauge_value(url, name) == dead_letters.count_documents({}), timeout=20)


def job(status, age, **fields):
    created = utcnow() - age
    return {"_id": uuid.uuid4().hex, **fields, "status": status, "attempts": 0, "created_at": created,
            "next_attempt_at": created, "lease_owner": None, "lease_until": None, "done_at": None,
            "last_error": None}


def test_the_backlogs_of_certificates_and_chat(stack):
    """What the certificates and chat stores declare, measured by ``BacklogGauges`` on a database of their own
    with their indexes, and read from the process's registry as a scrape would."""
    from prometheus_client import REGISTRY

    from services.certificates.store import CertificatesStore
    from services.chat.store import ChatStore
    from services.runtime.gauges import BacklogGauges
    from services.runtime.mongo import Mongo

    minutes = lambda n: datetime.timedelta(minutes=n)  # noqa: E731
    value = REGISTRY.get_sample_value
    databases = []
    try:
        db = stack.client[f"{stack.prefix}_gauges_certificates_{uuid.uuid4().hex[:6]}"]
        databases.append(db)
        CertificatesStore.ensure_indexes(db)
        gauges = BacklogGauges(db, "certificates", Mongo.backlogs(CertificatesStore))
        gauges.measure()
        assert value("portal_certificates_paid_not_issued_requests") == 0
        assert value("portal_certificates_paid_not_issued_oldest_age_seconds") == 0
        db.issuance.insert_many([job("pending", minutes(3), request_id="r1"), job("failed", minutes(40), request_id="r2"),
                                 job("done", minutes(90), request_id="r3")])
        db.copy_issuance.insert_one(job("pending", minutes(7), copy_id="c1"))
        db.dead_letters.insert_one({"_id": "e1", "envelope": {}, "reason": "invalid id_number", "at": utcnow()})
        gauges.measure()
        # a job given up is still a request paid and not issued; a done one is issued
        assert value("portal_certificates_paid_not_issued_requests") == 2
        assert 40 * 60 <= value("portal_certificates_paid_not_issued_oldest_age_seconds") < 41 * 60
        assert value("portal_certificates_protocol_copies_paid_not_issued") == 1
        assert 7 * 60 <= value("portal_certificates_protocol_copies_paid_not_issued_oldest_age_seconds") < 8 * 60
        assert value("portal_certificates_dead_letters") == 1
        before = value("portal_certificates_paid_not_issued_oldest_age_seconds")
        time.sleep(1)  # no new measurement: the age grows from the oldest known
        assert value("portal_certificates_paid_not_issued_oldest_age_seconds") >= before + 0.9

        db = stack.client[f"{stack.prefix}_gauges_chat_{uuid.uuid4().hex[:6]}"]
        databases.append(db)
        ChatStore.ensure_indexes(db)
        gauges = BacklogGauges(db, "chat", Mongo.backlogs(ChatStore))
        now = utcnow()
        db.conversations.insert_many([
            {"_id": "w1", "line": "l", "wa_id": "1", "status": "open", "assignee": None, "waiting_since": now - minutes(12)},
            {"_id": "w2", "line": "l", "wa_id": "2", "status": "open", "assignee": None, "waiting_since": now - minutes(1)},
            {"_id": "a1", "line": "l", "wa_id": "3", "status": "open", "assignee": {"sub": "agente"},
             "waiting_since": now - minutes(60)},
            {"_id": "r1", "line": "l", "wa_id": "4", "status": "resolved", "assignee": None,
             "waiting_since": now - minutes(90)}])
        db.sends.insert_one(job("pending", minutes(2), message_id="m1"))
        gauges.measure()
        assert value("portal_chat_waiting_conversations") == 2
        assert 12 * 60 <= value("portal_chat_waiting_oldest_age_seconds") < 13 * 60
        assert value("portal_chat_send_queue_messages") == 1
        assert 120 <= value("portal_chat_send_queue_oldest_age_seconds") < 180
        assert value("portal_chat_dead_letters") == 0
    finally:
        for db in databases:
            stack.client.drop_database(db.name)


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
