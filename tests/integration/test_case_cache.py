"""Case files are cached per process; a change made anywhere reaches every reader at once
(same process) or within the change stream's delay (another replica)."""
import threading
import time

from services.runtime import devstack
from services.runtime.cache import WatchedCache


def test_a_change_by_another_writer_evicts_the_cached_document(stack):
    collection = stack.db("cachetest").docs
    collection.insert_one({"_id": "c1", "v": 1})
    cache = WatchedCache(collection, ttl=60)
    watcher = threading.Thread(target=cache.watch, daemon=True)
    watcher.start()
    try:
        deadline = time.monotonic() + 10
        while not cache._live and time.monotonic() < deadline:
            time.sleep(0.05)

        def load(key):
            return collection.find_one({"_id": key})

        assert cache.get("c1", load)["v"] == 1
        collection.update_one({"_id": "c1"}, {"$set": {"v": 2}})  # another process's write
        deadline = time.monotonic() + 2
        while cache.get("c1", load)["v"] != 2:
            assert time.monotonic() < deadline, "the change stream did not evict the stale entry"
            time.sleep(0.01)
        collection.delete_one({"_id": "c1"})
        deadline = time.monotonic() + 2
        while cache.get("c1", load) is not None:
            assert time.monotonic() < deadline
            time.sleep(0.01)
    finally:
        cache.stop()
        watcher.join(5)


def test_two_replicas_serve_every_write_to_the_next_reader(api, stack):
    replica = devstack.ServiceProcess("filings-2", "services.filings.service:FilingsService", stack.env,
                                      stack.tmp / "logs" / "filings-2.log").start()
    try:
        time.sleep(3)  # both replicas consume rpc-filings from here on
        lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
        case_number = api.accepted_case(lawyer, clerk)["case_number"]
        worst = 0.0
        for i in range(12):
            for _ in range(4):  # warm both replicas' caches
                assert api.get(f"/api/v1/cases/{case_number}", lawyer).status_code == 200
            issued = api.resolve(judge, case_number, summary=f"Decreto {i}").json()
            started = time.monotonic()
            while True:
                folios = [e["folio"] for e in api.get(f"/api/v1/cases/{case_number}", lawyer).json()["entries"]]
                if issued["folio"] in folios:
                    break
                assert time.monotonic() - started < 2, "a replica kept serving a stale case file"
                time.sleep(0.005)
            worst = max(worst, time.monotonic() - started)
        assert worst < 2
    finally:
        replica.stop()
