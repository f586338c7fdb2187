"""Garbage-collector hygiene of a service process, so a full collection never stalls every request at once.

Measured under ``make bench`` (20 clients): a full (generation 2) collection walked the ~85,000 objects every
process holds after start-up (modules, classes, nameko's and kombu's machinery) and took 80-110 ms, during which
no request of that process moved; all 20 clients saw the same stall, and those stalls alone set the p99. Two
things remove them:

- ``freeze_startup_heap()``: once the container has started, collect, then move every surviving object to
  the permanent generation (``gc.freeze``). They are never walked again; reference counting still frees them.
- ``release_worker(worker_ctx)``: nameko keeps a cycle per call (the worker context -> the service instance ->
  its injected dependencies, such as an RPC proxy -> the worker context), so the request, its headers and
  everything the call touched survived until a collection found them, and young collections kept running
  with thousands of objects to walk. Dropping the instance at teardown lets reference counting free the call.
"""
import gc
import threading

_frozen = threading.Event()


def freeze_startup_heap():
    """Collect once and freeze what survives (once per process; later calls do nothing)."""
    if _frozen.is_set():
        return
    _frozen.set()
    gc.collect()
    gc.freeze()


def release_worker(worker_ctx):
    """At the end of a call: break the worker context <-> service instance cycle."""
    worker_ctx.service = None
