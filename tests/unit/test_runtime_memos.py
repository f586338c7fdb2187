"""Per-process memos on the hot path: what they remember never changes an answer."""
import gc

import pytest

from contracts import base
from contracts.base import load_actor
from services.runtime.errors import ValidationFailed
from services.runtime.heap import release_worker
from services.runtime.memo import BoundedMemo


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


def test_a_bounded_memo_forgets_the_oldest_stored_first():
    memo = BoundedMemo(3)
    for key in "abc":
        assert memo.put(key, key.upper()) == key.upper()
    memo.put("a", "A2")  # stored again: now the newest
    memo.put("d", "D")
    assert "b" not in memo and memo.get("b") is None
    assert [memo.get(k) for k in "acd"] == ["A2", "C", "D"]
    assert len(memo) == 3
    memo.put("e", "E")
    assert "c" not in memo and len(memo) == 3
    assert memo.get("missing", "default") == "default"


def test_a_bounded_memo_pops_and_clears():
    memo = BoundedMemo(2)
    memo.put(("db", 1), "one")
    assert memo.pop(("db", 1)) == "one"
    assert memo.pop(("db", 1)) is None and memo.pop("absent", 0) == 0
    memo.put("x", 1)
    memo.put("y", 2)
    memo.clear()
    assert len(memo) == 0 and memo.get("x") is None
    memo.put("z", 3)  # still usable, and get still reads the same entries after a clear
    assert memo.get("z") == 3


def test_a_bounded_memo_needs_a_positive_size():
    for bad in (0, -1, 1.5, None):
        with pytest.raises(ValueError):
            BoundedMemo(bad)


def test_a_full_memo_stays_at_its_size_under_many_distinct_keys():
    memo = BoundedMemo(100)
    for i in range(10_000):
        memo.put(i, i)
    assert len(memo) == 100
    assert memo.get(9_999) == 9_999 and memo.get(9_899) is None and memo.get(9_900) == 9_900


def test_the_watched_cache_forgets_the_least_recently_read_first():
    from services.runtime.cache import WatchedCache

    cache = WatchedCache(collection=None, max_size=2, ttl=60)
    cache._live = True  # as while its change stream runs
    loads = []

    def load(key):
        loads.append(key)
        return {"_id": key}

    for key in ("a", "b", "a", "c"):  # "a" read again before "c" arrives: "b" is the one forgotten
        assert cache.get(key, load) == {"_id": key}
    assert loads == ["a", "b", "c"]
    cache.get("a", load)
    cache.get("b", load)
    assert loads == ["a", "b", "c", "b"]
    cache.evict("a")
    cache.get("a", load)
    assert loads[-1] == "a"


def test_the_identity_memo_forgets_the_oldest_first():
    base._actor_memo.clear()
    first = {"sub": "memo.first", "role": "citizen"}
    load_actor(first)
    for i in range(base.ACTOR_MEMO_SIZE - 1):
        load_actor({"sub": f"memo.fill.{i}", "role": "citizen"})
    assert len(base._actor_memo) == base.ACTOR_MEMO_SIZE
    load_actor({"sub": "memo.one.more", "role": "citizen"})
    assert len(base._actor_memo) == base.ACTOR_MEMO_SIZE  # one forgotten, not all of them
    assert base._actor_key(first) not in base._actor_memo
    assert load_actor(first) == first  # validated again


def test_the_verified_token_memo_is_bounded(monkeypatch):
    from gateway import auth

    monkeypatch.setattr(auth, "_verified", BoundedMemo(2))
    secret = "s" * 32
    tokens = [auth.mint_token(secret, f"memo.{i}", "citizen") for i in range(3)]
    for token in tokens:
        assert auth.decode_actor(secret, f"Bearer {token}")["sub"].startswith("memo.")
    assert len(auth._verified) == 2 and (secret, tokens[0]) not in auth._verified
    assert auth.decode_actor(secret, f"Bearer {tokens[0]}")["sub"] == "memo.0"  # checked again, still valid


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
