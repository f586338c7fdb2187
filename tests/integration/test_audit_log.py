"""The audit log's group commit: every entry stored before its caller goes on."""
import concurrent.futures

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
