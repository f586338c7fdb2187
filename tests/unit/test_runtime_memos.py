"""Per-process memos on the hot path: what they remember never changes an answer."""
import gc

import pytest

from contracts import base
from contracts.base import load_actor
from services.runtime.errors import ValidationFailed
from services.runtime.heap import release_worker


def test_a_remembered_identity_is_the_validated_one_and_a_bad_one_is_always_refused():
    actor = {"sub": "memo.uno", "role": "lawyer", "name": "Lic. Uno", "bar_number": "111"}
    first = load_actor(actor)
    again = load_actor(dict(actor))
    assert first == again == actor
    again["role"] = "admin"  # a caller changing its copy does not change what is remembered
    assert load_actor(actor)["role"] == "lawyer"
    for bad in ({"sub": "memo.uno", "role": "root"}, {"sub": "x" * 129, "role": "lawyer"}, {"role": "lawyer"},
                {"sub": 5, "role": "lawyer"}, ["memo.uno", "lawyer"], None):
        for _ in range(2):  # refused the first time and every time after
            with pytest.raises(ValidationFailed):
                load_actor(bad)


def test_the_identity_memo_is_bounded():
    for i in range(base.ACTOR_MEMO_SIZE + 10):
        load_actor({"sub": f"memo.{i}", "role": "citizen"})
    assert len(base._actor_memo) <= base.ACTOR_MEMO_SIZE


def test_a_released_worker_is_freed_by_reference_counting():
    class Proxy:
        def __init__(self, worker_ctx):
            self.worker_ctx = worker_ctx

    class Service:
        pass

    class WorkerContext:
        def __init__(self):
            self.service = Service()
            self.service.proxy = Proxy(self)  # the cycle nameko's calls make

    import weakref
    gc.disable()
    try:
        kept = WorkerContext()
        kept_ref = weakref.ref(kept)
        del kept
        assert kept_ref() is not None  # the cycle keeps it until a collection
        released = WorkerContext()
        released_ref = weakref.ref(released)
        release_worker(released)
        del released
        assert released_ref() is None
    finally:
        gc.enable()
        gc.collect()
