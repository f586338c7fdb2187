"""Published outbox rows are removed after the retention period, unpublished ones never; a document whose
carried events were all moved to the outbox keeps no empty ``pending_events``."""
import datetime
import subprocess
import uuid

import pymongo
import pytest

from services.runtime import devstack
from services.runtime.mongo import OUTBOX_TTL_INDEX, PENDING_EVENTS, Store, retention_seconds, utcnow
from services.runtime.outbox import OutboxRelay, pull_moved
from tests.support.mailbox import wait_for

SOURCE = "retentiontest"


class RetentionStore(Store):
    database = "retention"
    publishes_events = True
    event_carriers = ("things",)


@pytest.fixture
def db(stack):
    database = stack.client[f"{stack.prefix}_retention_{uuid.uuid4().hex[:6]}"]
    yield database
    stack.client.drop_database(database.name)


@pytest.fixture
def fast_ttl_db(tmp_path):
    """A database on a standalone mongod of this test whose TTL monitor wakes every second (MongoDB's
    default is 60 s, and a running server takes a new interval only after its current sleep)."""
    try:
        binary = devstack.mongod_binary()
    except devstack.StackError as exc:
        pytest.skip(str(exc))
    port = devstack.free_port()
    with open(tmp_path / "mongod.log", "ab") as log:
        process = subprocess.Popen([binary, "--dbpath", str(tmp_path), "--port", str(port), "--bind_ip", "127.0.0.1",
                                    "--quiet", "--wiredTigerCacheSizeGB", "0.25", "--setParameter",
                                    "ttlMonitorSleepSecs=1"], stdout=log, stderr=subprocess.STDOUT)
    client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", tz_aware=True,
                                 serverSelectionTimeoutMS=30000)
    try:
        client.admin.command("ping")
        yield client, client["retention"]
    finally:
        client.close()
        devstack.stop_process(process)


def ttl_passes(client):
    return client.admin.command("serverStatus")["metrics"]["ttl"]["passes"]


def ttl_index(db):
    return db.outbox.index_information()[OUTBOX_TTL_INDEX]


def row(published, published_at=None, age=datetime.timedelta(days=3)):
    created = utcnow() - age
    doc = {"_id": uuid.uuid4().hex, "event_type": "thing_done", "source": SOURCE, "version": 1,
           "occurred_at": created, "correlation_id": None, "data": {}, "published": published, "created_at": created}
    if published_at is not None:
        doc["published_at"] = published_at
    return doc


def test_the_outbox_ttl_index_expires_published_rows_after_the_configured_days_and_covers_nothing_else(stack, db):
    RetentionStore.ensure_indexes(db, outbox_retention_days=2)
    index = ttl_index(db)
    assert index["key"] == [("published_at", 1)]
    assert index["expireAfterSeconds"] == 2 * 86400
    assert index["partialFilterExpression"] == {"published": True}

    # a new retention (a changed OUTBOX_RETENTION_DAYS) is applied to the same index at the next start
    RetentionStore.ensure_indexes(db, outbox_retention_days=0.5)
    assert ttl_index(db)["expireAfterSeconds"] == 43200
    RetentionStore.ensure_indexes(db, outbox_retention_days=0.5)  # again: nothing changes, nothing fails
    assert ttl_index(db)["expireAfterSeconds"] == 43200
    for wrong in (0, -1):
        with pytest.raises(ValueError):
            retention_seconds(wrong)


def test_the_running_services_keep_published_rows_for_the_configured_retention(stack):
    days = float(stack.env.get("OUTBOX_RETENTION_DAYS") or 7)  # deploy/config.yaml's default, unless overridden
    for service in ("filings", "mailbox"):
        index = ttl_index(stack.db(service))
        assert index["expireAfterSeconds"] == retention_seconds(days), service
        assert index["partialFilterExpression"] == {"published": True}, service


def test_mongodb_removes_old_published_rows_and_never_an_unpublished_one(fast_ttl_db):
    client, db = fast_ttl_db
    RetentionStore.ensure_indexes(db, outbox_retention_days=1)
    now = utcnow()
    old_published = row(True, now - datetime.timedelta(days=2))
    recent_published = row(True, now - datetime.timedelta(hours=1))
    unpublished = row(False)  # three days old, never published
    # an unpublished row that somehow carries a published_at is still outside the index
    unpublished_with_stamp = row(False, now - datetime.timedelta(days=5))
    db.outbox.insert_many([old_published, recent_published, unpublished, unpublished_with_stamp])

    # two passes of the monitor after the insert (the first may have begun before it)
    passes = ttl_passes(client)
    assert wait_for(lambda: ttl_passes(client) >= passes + 2, timeout=30, interval=0.2)
    assert {d["_id"] for d in db.outbox.find()} == {recent_published["_id"], unpublished["_id"],
                                                     unpublished_with_stamp["_id"]}


def test_a_document_whose_carried_events_were_all_moved_keeps_no_empty_array(stack, db):
    RetentionStore.ensure_indexes(db)
    store = RetentionStore(db, stack.client)
    db.things.insert_many([{"_id": "e1", "state": "new"}, {"_id": "e2", "state": "new"}])
    for thing in ("e1", "e2"):
        assert store.update_carrying("things", {"_id": thing, "state": "new"}, {"$set": {"state": "done"}},
                                     [(SOURCE, "thing_done", {"thing_id": thing})])
    relay = OutboxRelay(db, stack.amqp_uri, SOURCE, catalogue={}, carriers=RetentionStore.event_carriers)
    assert relay.collect_carried() == 2
    assert db.outbox.count_documents({}) == 2
    for thing in ("e1", "e2"):
        assert db.things.find_one({"_id": thing}) == {"_id": thing, "state": "done"}  # no pending_events: []
    assert relay.collect_carried() == 0


def test_an_event_pushed_after_the_relay_read_the_document_stays_with_its_field(stack, db):
    """The relay read a document with one event; before it pulls the moved one, a second write pushes
    another. The pull removes only the moved event, and the field stays because it is not empty."""
    RetentionStore.ensure_indexes(db)
    store = RetentionStore(db, stack.client)
    db.things.insert_one({"_id": "p1", "state": "new"})
    [moved] = store.update_carrying("things", {"_id": "p1", "state": "new"}, {"$set": {"state": "done"}},
                                    [(SOURCE, "thing_done", {"thing_id": "p1"})])
    [pushed] = store.update_carrying("things", {"_id": "p1", "state": "done"}, {"$set": {"state": "again"}},
                                     [(SOURCE, "thing_again", {"thing_id": "p1"})])  # after the relay's read
    pull_moved(db.things, ["p1"], [moved["_id"]])
    assert [event["_id"] for event in db.things.find_one({"_id": "p1"})[PENDING_EVENTS]] == [pushed["_id"]]

    pull_moved(db.things, ["p1"], [pushed["_id"]])
    assert PENDING_EVENTS not in db.things.find_one({"_id": "p1"})
    pull_moved(db.things, ["p1"], [pushed["_id"]])  # a second relay pulling the same event: nothing to do
    assert db.things.find_one({"_id": "p1"}) == {"_id": "p1", "state": "again"}


def test_a_batch_whose_publishing_failed_is_claimed_again_at_once_by_its_relay(stack, db):
    """The broker closing the relay's connection mid-batch must not leave that batch leased for
    LEASE_SECONDS while later events overtake it: the same relay takes it again first; another relay
    still cannot."""
    rows = [row(False, age=datetime.timedelta(seconds=10 - i)) for i in range(3)]
    db.outbox.insert_many(rows)
    relay = OutboxRelay(db, stack.amqp_uri, SOURCE, catalogue={})
    first = relay.claim_batch()  # leased; suppose publishing it failed here
    assert [d["_id"] for d in first] == [r["_id"] for r in rows]
    later = row(False, age=datetime.timedelta(seconds=1))
    db.outbox.insert_one(later)
    other = OutboxRelay(db, stack.amqp_uri, SOURCE, catalogue={})
    assert [d["_id"] for d in other.claim_batch()] == [later["_id"]]  # the leased batch is not another's
    assert [d["_id"] for d in relay.claim_batch()] == [r["_id"] for r in rows]  # but is its own relay's, at once
