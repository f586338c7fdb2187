"""The audit log's group commit: every entry stored before its caller goes on."""
import concurrent.futures
import time

import pytest
from pymongo.errors import BulkWriteError

from services.runtime.audit import GroupWriter, record


def test_concurrent_entries_are_all_stored_before_each_call_returns(stack):
    collection = stack.db("audittest").entries
    actors = [{"sub": f"u{i}", "role": "lawyer"} for i in range(200)]

    def write(actor):
        record(collection, actor, "read_case", "case:x", "allowed")
        # stored by the time the call returns
        return collection.count_documents({"actor.sub": actor["sub"]})

    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        seen = list(pool.map(write, actors))
    assert seen == [1] * 200
    assert collection.count_documents({}) == 200


def test_a_failed_write_fails_the_caller(stack):
    collection = stack.db("audittest").strict
    collection.insert_one({"_id": "taken"})
    with pytest.raises(BulkWriteError):
        GroupWriter(collection).write({"_id": "taken"})


def test_only_reads_that_arrive_together_linger_and_batches_grow(stack, monkeypatch):
    import services.runtime.audit as audit

    monkeypatch.setattr(audit, "LINGER_SECONDS", 0.2)
    collection = stack.db("audittest").linger
    writer = GroupWriter(collection)
    started = time.monotonic()
    writer.write({"n": 0})  # alone: written at once
    assert time.monotonic() - started < 0.15
    sizes = []
    insert_many = collection.insert_many

    def counting(docs, **kwargs):
        sizes.append(len(docs))
        return insert_many(docs, **kwargs)

    monkeypatch.setattr(writer, "collection", type("Spy", (), {"insert_many": staticmethod(counting)})())
    with concurrent.futures.ThreadPoolExecutor(max_workers=20) as pool:
        list(pool.map(lambda n: writer.write({"n": n}), range(1, 41)))
    assert collection.count_documents({}) == 41
    assert max(sizes) > 2 and len(sizes) < 40  # the entries that came together went in few inserts
    with pytest.raises(ValueError):
        audit.configure(51)
