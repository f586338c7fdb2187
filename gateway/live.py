"""The chat staff's real time: ``GET /api/v1/chat/stream``, Server-Sent Events fanned out by one hub per gateway
process.

Where the events come from. The chat service owns its data, so it reads the change stream of its own database
(``services.chat.live``: what each change means; small events of identifiers and states) and answers
``chat.live_changes(actor, {after, wait_seconds, limit})`` over RPC: the events after a resume token, waiting up
to ``wait_seconds`` for the first. Nothing is written for them: the replica set's oplog is the history.

One hub per gateway process (``LiveHub``, a dependency of the gateway). While at least one stream is open, its
greenthread long-polls ``chat.live_changes`` from the last token it reached and puts each event in the bounded
queue of every open stream; with nobody connected it stops asking. So the chat service sees one reader per
gateway process, however many agents are connected.

A stream, when it opens (in the request's worker, with the caller's identity, so the chat service checks the
caller too): it subscribes to the hub first, then reads from the chat service everything after its
``Last-Event-ID`` (or, without one, just the current position) and sends that first; what the hub delivers
meanwhile is skipped when it was already sent. Then: the hub's events, a comment every ``HEARTBEAT_SECONDS``
(proxies keep an idle connection open, and a client that went away is noticed at the next write), and the end
of the stream after ``MAX_STREAM_SECONDS`` (the browser reconnects with Last-Event-ID and is authenticated again:
a session that ended stops receiving). A client too slow to take ``QUEUE_SIZE`` events has its stream ended once
what is queued is sent; it reconnects and reads what it missed from the chat service, so nothing is held for it
without bound. If the chat service cannot resume after the given id (older than the oplog, or not an id of
ours), or more than ``MAX_CATCH_UP`` events happened meanwhile, the stream sends ``event: reset`` first: read
the inbox again.

A lawyer's own stream (``GET /api/v1/chat/web/stream``, ``open_own_stream``) never shares the hub: the hub's events
are every conversation's, and a lawyer must receive only those of their own web conversation. Its greenthread asks
the chat service, with the lawyer's identity, for the events of that conversation only (``chat.web_live_changes``,
filtered where the data lives) every ``OWN_POLL_SECONDS``, without waiting for a change there (a long poll would
hold one of the chat service's workers per connected lawyer); the rest (catch-up from Last-Event-ID, heartbeat,
bounded queue, end after ``MAX_STREAM_SECONDS``) is the same as a staff stream's.
"""
import json
import logging
import time
import uuid

import eventlet
from eventlet.queue import Empty, LightQueue
from nameko.containers import WorkerContext
from werkzeug.wrappers import Response

from services.runtime import rpc
from services.runtime.errors import PortalError

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 5       # one call of the hub waits at most this long for a change
CALL_MARGIN_SECONDS = 5     # ... and gives up on the answer that much later (504: the chat service restarted)
HEARTBEAT_SECONDS = 15
MAX_STREAM_SECONDS = 30 * 60
QUEUE_SIZE = 1000           # events queued for one stream; past it the stream ends (the client catches up)
MAX_CATCH_UP = 2000         # events read for a reconnecting stream; past it: reset
BATCH = 500
RETRY_SECONDS = (0.5, 1, 2, 5)
RECONNECT_MILLISECONDS = 2000  # the "retry:" the browser waits before reconnecting
OWN_POLL_SECONDS = 1.0      # a lawyer's own stream asks the chat service this often (never a long poll: see below)
LAST_EVENT_ID_MAX = 1024


def sse(event):
    """One event in the text/event-stream format (its data is one line of JSON)."""
    data = json.dumps(event["data"], ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n".encode("utf-8")


def reset_event(last_id):
    return {"id": last_id or "", "type": "reset", "data": {"reason": "Lea de nuevo la bandeja: no se pudo seguir "
                                                                     "desde el último evento recibido."}}


def valid_last_event_id(value):
    """The Last-Event-ID a client sent, if it can be one of ours (hexadecimal); anything else counts as none."""
    if not value or len(value) > LAST_EVENT_ID_MAX:
        return None
    value = value.strip()
    return value if value and all(ch in "0123456789abcdefABCDEF" for ch in value) else None


class Subscriber:
    """One open stream: its bounded queue and what it was already sent."""

    def __init__(self, actor):
        self.actor = actor
        self.queue = LightQueue(QUEUE_SIZE)
        self.overflowed = False
        self.sent = set()      # ids sent while catching up: the hub's copies of them are skipped
        self.position = None   # the id the catch-up reached (the hub's events up to it were sent already)

    def offer(self, event):
        if self.overflowed:
            return
        try:
            self.queue.put_nowait(event)
        except eventlet.queue.Full:
            self.overflowed = True

    def wanted(self, event):
        if event["id"] in self.sent:
            return False
        # resume tokens sort in the order of the changes: an event of the hub from before the catch-up's end
        # was among what the catch-up read
        return self.position is None or event["type"] == "reset" or event["id"] > self.position


class _HubEntrypoint:
    method_name = "live_hub"


class LiveHub(rpc.PortalRpcProxy):
    """The one reader of ``chat.live_changes`` in this gateway process (see the module's text)."""

    def __init__(self):
        super().__init__("chat")

    def setup(self):
        super().setup()
        self.subscribers = []
        self.token = None
        self._thread = None
        self.own = {}  # a lawyer's own stream -> its polling greenthread (never fed by the hub's broadcast)

    def stop(self):
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.kill()
        for own in list(self.own):
            self.unsubscribe(own)
        super().stop()

    def kill(self):
        self.stop()

    def get_dependency(self, worker_ctx):
        return self

    # --- streams ---------------------------------------------------------------------------------------------
    def subscribe(self, actor):
        subscriber = Subscriber(actor)
        self.subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber):
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)
        thread = self.own.pop(subscriber, None)
        if thread is not None and thread is not eventlet.getcurrent():
            thread.kill()

    def subscribe_own(self, actor, method, position):
        """A stream of the caller's own events only: a greenthread of its own asks ``chat.<method>`` with the
        caller's identity from ``position`` on (see the module's text)."""
        subscriber = Subscriber(actor)
        subscriber.position = position
        self.own[subscriber] = self.container.spawn_managed_thread(lambda: self._poll_own(subscriber, method))
        return subscriber

    def _poll_own(self, subscriber, method):
        token, failures = subscriber.position, 0
        try:
            while subscriber in self.own and not subscriber.overflowed:
                try:
                    result = rpc.call(getattr(self._proxy(), method), subscriber.actor,
                                      {"after": token, "wait_seconds": 0, "limit": BATCH},
                                      timeout=LONG_POLL_SECONDS + CALL_MARGIN_SECONDS)
                except PortalError as exc:  # the chat service is down or restarting: ask again, from the same place
                    failures += 1
                    log.warning("own live events not read; retrying", extra={"error": exc.code})
                    eventlet.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                    continue
                failures = 0
                if result.get("reset"):
                    subscriber.offer(reset_event(result.get("last_id")))
                for event in result["events"]:
                    subscriber.offer(event)
                token = result.get("last_id") or token
                eventlet.sleep(OWN_POLL_SECONDS)
        except Exception:  # noqa: BLE001 - the stream ends at its deadline; the client reconnects
            log.exception("own live stream stopped")

    def caught_up(self, position):
        """A stream finished catching up at ``position``: the hub starts there if it was not running."""
        if self.token is None:
            self.token = position
        if self._thread is None and self.token is not None:
            self._thread = self.container.spawn_managed_thread(self._run)

    def broadcast(self, event):
        for subscriber in list(self.subscribers):
            subscriber.offer(event)
            if subscriber.overflowed:
                self.unsubscribe(subscriber)

    # --- the long poll ---------------------------------------------------------------------------------------------
    def _proxy(self):
        context = WorkerContext(self.container, None, _HubEntrypoint(),
                                data={"correlation_id": f"live-{uuid.uuid4().hex[:12]}"})
        return rpc.ServiceProxy(context, "chat", self.rpc_reply_listener)

    def _run(self):
        failures = 0
        try:
            while self.subscribers and self.token is not None:
                actor = self.subscribers[-1].actor
                try:
                    result = rpc.call(self._proxy().live_changes, actor,
                                      {"after": self.token, "wait_seconds": LONG_POLL_SECONDS, "limit": BATCH},
                                      timeout=LONG_POLL_SECONDS + CALL_MARGIN_SECONDS)
                except PortalError as exc:  # the chat service is down or restarting: ask again, from the same place
                    failures += 1
                    log.warning("live events not read; retrying", extra={"error": exc.code})
                    eventlet.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                    continue
                failures = 0
                if result.get("reset"):
                    self.broadcast(reset_event(result.get("last_id")))
                for event in result["events"]:
                    self.broadcast(event)
                self.token = result.get("last_id") or self.token
        except Exception:  # noqa: BLE001 - a bug here must not end the gateway; the next stream starts it again
            log.exception("live hub stopped")
        finally:
            self._thread = None
            if not self.subscribers:
                self.token = None  # nobody listens: the next stream starts from its own position


def catch_up(call, actor, last_event_id):
    """What a stream sends first: the events after ``last_event_id`` (none without one) and the position they
    reach; a reset first when the chat service could not resume there or too much happened meanwhile."""
    events, after = [], last_event_id
    while True:
        result = call(actor, {"after": after, "wait_seconds": 0, "limit": BATCH})
        if result.get("reset"):
            return [reset_event(result.get("last_id"))], result.get("last_id")
        events.extend(result["events"])
        after = result.get("last_id") or after
        if not result["events"] or after is None:
            return events, after
        if len(events) >= MAX_CATCH_UP:
            return [reset_event(after)], after


class EventStream:
    """The body of one stream: an iterable the WSGI server writes chunk by chunk; ``close()`` (the server calls it
    when the client goes away or the stream ends) leaves the hub."""

    def __init__(self, hub, subscriber, first_events, clock=time.monotonic):
        self.hub, self.subscriber = hub, subscriber
        self.pending = [b"retry: %d\n: flujo de eventos del chat\n\n" % RECONNECT_MILLISECONDS]
        self.pending += [sse(event) for event in first_events]
        self.clock = clock
        self.deadline = clock() + MAX_STREAM_SECONDS
        self.closed = False

    def __iter__(self):
        return self

    def __next__(self):
        if self.pending:
            return self.pending.pop(0)
        subscriber = self.subscriber
        while not self.closed:
            remaining = self.deadline - self.clock()
            if remaining <= 0 or (subscriber.overflowed and subscriber.queue.empty()):
                break
            try:
                event = subscriber.queue.get(timeout=min(HEARTBEAT_SECONDS, remaining))
            except Empty:
                return b": ping\n\n"
            if subscriber.wanted(event):
                return sse(event)
        self.close()
        raise StopIteration

    def close(self):
        if not self.closed:
            self.closed = True
            self.hub.unsubscribe(self.subscriber)


def open_stream(hub, call, actor, last_event_id):
    """Subscribe, catch up (the caller's identity goes to the chat service, which refuses anyone but its staff),
    and the streaming response; a refusal or a chat service that does not answer raises before anything opens."""
    subscriber = hub.subscribe(actor)
    try:
        first, position = catch_up(call, actor, valid_last_event_id(last_event_id))
    except BaseException:
        hub.unsubscribe(subscriber)
        raise
    subscriber.sent = {event["id"] for event in first}
    subscriber.position = position
    hub.caught_up(position)
    return _stream_response(hub, subscriber, first)


def open_own_stream(hub, call, method, actor, last_event_id):
    """A lawyer's stream of their own conversation's events: catch up with the caller's identity (the chat service
    refuses anyone but a lawyer and filters to their conversation), then poll ``chat.<method>`` from there."""
    first, position = catch_up(call, actor, valid_last_event_id(last_event_id))
    subscriber = hub.subscribe_own(actor, method, position)
    subscriber.sent = {event["id"] for event in first}
    return _stream_response(hub, subscriber, first)


def _stream_response(hub, subscriber, first):
    response = Response(EventStream(hub, subscriber, first), status=200, mimetype="text/event-stream",
                        direct_passthrough=True)
    response.headers["Cache-Control"] = "no-cache, no-transform"
    response.headers["X-Accel-Buffering"] = "no"  # nginx and its kin: pass each event at once
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
