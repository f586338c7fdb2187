"""Events carried by a single-document write (``Store.update_carrying``): written only when the write
matched, moved to the outbox exactly once (a crash in the middle of the move, two relays moving at once),
then published."""
import contextlib
import threading
import uuid

import pytest
from kombu import Connection, Queue

from services.runtime.audit import record
from services.runtime.mongo import PENDING_EVENTS, Store
from services.runtime.outbox import OutboxRelay, event_exchange

SOURCE = "carrytest"


class CarrierStore(Store):
    database = "carried"
    publishes_events = True
    event_carriers = ("things",)


@pytest.fixture
def db(stack):
    database = stack.client[f"{stack.prefix}_carried_{uuid.uuid4().hex[:6]}"]
    CarrierStore.ensure_indexes(database)
    yield database
    stack.client.drop_database(database.name)


def relay_for(stack, db):
    return OutboxRelay(db, stack.amqp_uri, SOURCE, catalogue={}, carriers=CarrierStore.event_carriers)


@contextlib.contextmanager
def listening(stack):
    """A queue bound to the test source's ``thing_done`` events, removed afterwards."""
    with Connection(stack.amqp_uri) as connection:
        listener = Queue(f"carrytest-{uuid.uuid4().hex[:6]}", exchange=event_exchange(SOURCE), routing_key="thing_done",
                         auto_delete=False, durable=False)(connection.default_channel)
        listener.declare()
        try:
            yield listener
        finally:
            listener.delete()


def pending(db):
    return db.things.count_documents({f"{PENDING_EVENTS}._id": {"$exists": True}})


def test_an_event_is_carried_only_by_a_write_that_matched(stack, db):
    store = CarrierStore(db, stack.client)
    db.things.insert_one({"_id": "t1", "state": "new"})
    rows = store.update_carrying("things", {"_id": "t1", "state": "done"}, {"$set": {"state": "again"}},
                                 [(SOURCE, "thing_done", {"thing_id": "t1"})])
    assert rows == []
    assert db.things.find_one({"_id": "t1"}) == {"_id": "t1", "state": "new"}

    rows = store.update_carrying("things", {"_id": "t1", "state": "new"}, {"$set": {"state": "done"}},
                                 [(SOURCE, "thing_done", {"thing_id": "t1"})])
    assert len(rows) == 1 and rows[0]["event_type"] == "thing_done" and rows[0]["published"] is False
    stored = db.things.find_one({"_id": "t1"})
    assert stored["state"] == "done" and [row["_id"] for row in stored[PENDING_EVENTS]] == [rows[0]["_id"]]
    assert db.outbox.count_documents({}) == 0  # not in the outbox until a relay moves it


def test_a_move_interrupted_by_a_crash_and_done_again_leaves_the_event_once_and_publishes_it(stack, db):
    store = CarrierStore(db, stack.client)
    db.things.insert_one({"_id": "t2", "state": "new"})
    [row] = store.update_carrying("things", {"_id": "t2", "state": "new"}, {"$set": {"state": "done"}},
                                  [(SOURCE, "thing_done", {"thing_id": "t2"})])
    with listening(stack) as listener:
        crashed = relay_for(stack, db)
        with pytest.raises(RuntimeError):
            crashed.collect_carried(crash_after_insert=True)
        assert db.outbox.count_documents({}) == 1 and pending(db) == 1  # moved, not yet pulled

        second = relay_for(stack, db)
        assert second.publish_pending() == 1
        second._reset_connection()
        assert pending(db) == 0
        assert [d["_id"] for d in db.outbox.find()] == [row["_id"]]
        assert db.outbox.find_one({"_id": row["_id"]})["published"] is True
        message = listener.get(no_ack=True)
        assert message is not None and message.payload["event_id"] == row["_id"]
        assert message.payload["data"] == {"thing_id": "t2"}
        assert listener.get(no_ack=True) is None  # published once


def test_two_relays_moving_at_once_leave_each_event_once(stack, db):
    store = CarrierStore(db, stack.client)
    db.things.insert_many([{"_id": f"m{i}", "state": "new"} for i in range(300)])
    expected = set()
    for i in range(300):
        [row] = store.update_carrying("things", {"_id": f"m{i}", "state": "new"}, {"$set": {"state": "done"}},
                                      [(SOURCE, "thing_done", {"thing_id": f"m{i}"})])
        expected.add(row["_id"])
    relays = [relay_for(stack, db) for _ in range(2)]
    errors = []

    def move(relay):
        try:
            while pending(db):
                relay.collect_carried()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=move, args=(relay,)) for relay in relays]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors
    assert pending(db) == 0
    moved = [d["_id"] for d in db.outbox.find({}, {"_id": 1})]
    assert len(moved) == len(expected) and set(moved) == expected


def test_a_batch_is_published_with_one_wait_for_its_confirms_and_every_event_arrives_once(stack, db):
    """The relay writes a whole batch, then waits once for the broker's confirms; every event still arrives,
    once, and the batch is marked published only after the broker confirmed all of it."""
    store = CarrierStore(db, stack.client)
    db.things.insert_many([{"_id": f"b{i}", "state": "new"} for i in range(250)])
    expected = set()
    for i in range(250):
        [row] = store.update_carrying("things", {"_id": f"b{i}", "state": "new"}, {"$set": {"state": "done"}},
                                      [(SOURCE, "thing_done", {"thing_id": f"b{i}"})], durable=False)
        expected.add(row["_id"])
    record(db.audit, {"sub": "relay.test", "role": "admin"}, "read", "things", "allowed")  # the majority write after
    with listening(stack) as listener:
        relay = relay_for(stack, db)
        assert relay.publish_pending() == 250
        channel = relay._channel
        assert channel.last_tag == 250 and channel.unconfirmed == set()
        assert relay.publish_pending() == 0  # nothing left: the same channel publishes the next batch
        relay._reset_connection()
        assert db.outbox.count_documents({"published": True}) == 250
        received = []
        while True:
            message = listener.get(no_ack=True)
            if message is None:
                break
            received.append(message.payload["event_id"])
        assert sorted(received) == sorted(expected)


def test_a_write_not_awaited_in_the_journal_is_acknowledged_and_carries_its_event(stack, db):
    """``durable=False`` (the first opening of a notice, made durable by the audit entry written after it):
    the write is applied and visible at once, with its event; the relay moves that event once the majority
    has it, which the majority-acknowledged audit entry written after it guarantees."""
    store = CarrierStore(db, stack.client)
    db.things.insert_one({"_id": "w1", "state": "new"})
    [row] = store.update_carrying("things", {"_id": "w1", "state": "new"}, {"$set": {"state": "done"}},
                                  [(SOURCE, "thing_done", {"thing_id": "w1"})], durable=False)
    assert db.things.find_one({"_id": "w1"})["state"] == "done"
    record(db.audit, {"sub": "relay.test", "role": "admin"}, "read", "thing:w1", "allowed")
    relay = relay_for(stack, db)
    try:
        assert relay.collect_carried() == 1
    finally:
        relay._reset_connection()
    assert [d["_id"] for d in db.outbox.find()] == [row["_id"]]
