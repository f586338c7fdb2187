"""What every area of the filings store shares."""
from services.runtime.idempotency import Replay, replay
from services.runtime.mongo import new_id  # noqa: F401 (the areas' ids: one rule for every service)

SOURCE = "filings"  # the source of the events the filings service publishes



def answered_once(idempotency, request, write):
    """``(response, replayed)`` of a JSON request that changes something, once per Idempotency-Key: the first
    response when ``request``'s key was seen before (409 with another content), else ``write()``'s (it stores
    through ``idempotent_transaction``; a key stored meanwhile by the same request is answered as a replay)."""
    previous = idempotency.previous_response(request)
    if previous is not None:
        return previous, True
    try:
        return write(), False
    except Replay as seen:
        return replay(seen.record, request.fingerprint), True
