"""Waiting in tests for what background work (timers, queues, webhooks) writes a moment later."""
import time


def wait(predicate, timeout=15, what="condition", pause=0.05):
    """The first truthy value of ``predicate()`` within ``timeout`` seconds; AssertionError naming ``what`` if none."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(pause)
    raise AssertionError(f"timed out waiting for {what}")
