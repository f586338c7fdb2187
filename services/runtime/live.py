"""Real time from a service's own database: the events after a resume token, read from MongoDB's change stream.
Nothing is written for them: the oplog of the replica set is the history a reconnecting client resumes from.

A service gives the pipeline (which collections and changes, and only the fields an event is made of) and
``event_of(change)`` (what a change means: ``{"id", "type", "data"}`` and, for a stream of one person's
events, ``"audience"``; or None). Each event's ``id`` is the resume token of its change (an opaque
hexadecimal text that sorts in the order of the changes). The gateway's hub (``gateway.live``) serves the
events as Server-Sent Events; ``contracts.live`` holds the request and answer of a service's
``live_changes``.
"""
import logging
import time

from pymongo.errors import OperationFailure

log = logging.getLogger(__name__)

# a resume token the oplog no longer holds (or never held); a token that is not one at all is refused with
# another code (a KeyString format error, 50811): either way the client starts again from now
LOST_HISTORY = (260, 280, 286)
IDLE_AWAIT_MS = 1000  # one getMore waits at most this long for a change when there is none
# A read looks at no more changes than this many per event it may answer (``limit``), and for no longer than
# its wait (at least MIN_SCAN_SECONDS): a read that keeps few of the changes (``keep``, ``event_of`` giving None)
# from an old resume token answers with what it has and ``last_id`` where it stopped, and the caller reads on
# from there, instead of scanning the whole backlog (a lookup each) past its caller's timeout.
SCAN_PER_EVENT = 4
MIN_SCAN_SECONDS = 2


def read_changes(db, pipeline, event_of, after, wait_seconds, limit, clock=time.monotonic, keep=None):
    """Events of ``db`` after the resume token ``after`` (None: from now), as soon as there is one, waiting at
    most ``wait_seconds`` for the first; at most ``limit``. Returns ``{"events", "last_id", "reset"}``:
    ``last_id`` is where the next call resumes (it moves on even when no change was an event); ``reset`` is
    True when ``after`` could not be resumed (too old for the oplog, or not a token of this database): then
    the events start from now and the client must read everything again. ``keep(event)``: only the events it
    accepts (one person's own); the others are passed over, and ``last_id`` moves past them. One read looks at
    ``SCAN_PER_EVENT * limit`` changes at most, for ``max(wait_seconds, MIN_SCAN_SECONDS)`` at most: then it
    answers (perhaps with no event) and ``last_id`` is the position it reached."""
    try:
        return _read(db, pipeline, event_of, {"_data": after} if after else None, wait_seconds, limit, clock, keep)
    except OperationFailure as exc:  # the server refused the token itself (a database down is not this)
        if after is None:
            raise
        log.info("live events not resumable from the given id; reset",
                 extra={"code": exc.code, "lost_history": exc.code in LOST_HISTORY})
    result = _read(db, pipeline, event_of, None, 0, limit, clock, keep)
    result["reset"] = True
    return result


def _read(db, pipeline, event_of, resume_after, wait_seconds, limit, clock, keep=None):
    started = clock()
    deadline = started + max(wait_seconds, 0)
    scan_deadline, scan_left = started + max(wait_seconds, MIN_SCAN_SECONDS), SCAN_PER_EVENT * limit
    events = []
    await_ms = max(1, min(IDLE_AWAIT_MS, int(wait_seconds * 1000) or 1))
    with db.watch(pipeline, resume_after=resume_after, full_document="updateLookup",
                  max_await_time_ms=await_ms, batch_size=limit) as stream:
        while len(events) < limit:
            change = stream.try_next()
            if change is not None:
                scan_left -= 1
                event = event_of(change)
                if event is not None and (keep is None or keep(event)):
                    events.append(event)
                if events and not stream._cursor._has_next():  # the batch is read: answer now
                    break
                if scan_left <= 0 or clock() >= scan_deadline:  # enough looked at: the caller reads on
                    break
                continue
            if events or clock() >= deadline:
                break
        token = stream.resume_token
    return {"events": events, "last_id": token["_data"] if token else resume_after and resume_after["_data"],
            "reset": False}
