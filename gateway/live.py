"""Real time for the portal: Server-Sent Events fanned out by one hub per service (and kind of stream) in each
gateway process. Three streams use it: ``GET /api/v1/chat/stream`` (the chat staff's inbox: every stream gets every
event), ``GET /api/v1/mailbox/stream`` (a lawyer's mailbox: each stream gets its owner's events only) and
``GET /api/v1/chat/web/stream`` (a lawyer's own web conversation with the court: ``LiveHub("chat",
audience=..., method="web_live_changes")``, each stream gets its owner's events only).

Where the events come from. A service owns its data, so it reads the change stream of its own database
(``services.runtime.live``; the service's ``live`` module says what each change means: small events of
identifiers and states) and answers ``<service>.live_changes(actor, {after, wait_seconds, limit})`` over RPC:
the events after a resume token, waiting up to ``wait_seconds`` for the first. Nothing is written for them: the
replica set's oplog is the history.

One hub per service and gateway process (``LiveHub("chat")``, ``LiveHub("mailbox", audience=...)``, dependencies
of the gateway). While at least one stream is open, its greenthread long-polls the service's ``live_changes`` from
the last token it reached and puts each event in the bounded queue of every open stream it is meant for; with
nobody connected it stops asking. So a service sees one reader per gateway process, however many people are
connected.

Whose events (``audience``). Without one, every stream gets every event (the service refuses callers who may not
see them all). With one (a function of the caller: the mailbox's is the caller's ``sub``), an event carries its
``audience`` (never sent to the browser) and goes only to the streams of that audience; the hub asks the service
for the audiences of its open streams only (``recipients``), as itself (``contracts.live.LIVE_SYSTEM_ACTOR``: the
services answer ``recipients`` to that identity only, and a lawyer who names anyone but themselves gets a 403 that
is audited; ``contracts.live.live_recipients``). A stream whose audience joined after the hub's
current read started (or one that caught up behind the hub) is not lost: the hub reads again from that stream's
position, and a stream never gets an event twice.

A stream, when it opens (in the request's worker, with the caller's identity, so the service checks the caller
too): it subscribes to the hub first, then reads from the service everything after its ``Last-Event-ID`` (or,
without one, just the current position) and sends that first; what the hub delivers meanwhile is skipped when it
was already sent. Then: the hub's events, a comment every ``HEARTBEAT_SECONDS`` (proxies keep an idle connection
open, and a client that went away is noticed at the next write), and the end of the stream after
``MAX_STREAM_SECONDS`` (the browser reconnects with Last-Event-ID and is authenticated again: a session that
ended stops receiving). A client too slow to take ``QUEUE_SIZE`` events has its stream ended once what is queued
is sent; it reconnects and reads what it missed from the service, so nothing is held for it without bound. If
the service cannot resume after the given id (older than the oplog, or not an id of ours), or more than
``MAX_CATCH_UP`` events happened meanwhile, the stream sends ``event: reset`` first: read everything again.
"""
import json
import logging
import time
import uuid

import eventlet
from eventlet.queue import Empty, LightQueue
from nameko.containers import WorkerContext
from werkzeug.wrappers import Response

from contracts.live import LIVE_SYSTEM_ACTOR, MAX_RECIPIENTS
from services.runtime import rpc
from services.runtime.errors import PortalError, ServiceUnavailable

log = logging.getLogger(__name__)

LONG_POLL_SECONDS = 5       # one call of the hub waits at most this long for a change
CALL_MARGIN_SECONDS = 5     # ... and gives up on the answer that much later (504: the service restarted)
HEARTBEAT_SECONDS = 15
MAX_STREAM_SECONDS = 30 * 60
QUEUE_SIZE = 1000           # events queued for one stream; past it the stream ends (the client catches up)
MAX_CATCH_UP = 2000         # events read for a reconnecting stream; past it: reset
BATCH = 500
RETRY_SECONDS = (0.5, 1, 2, 5)
RECONNECT_MILLISECONDS = 2000  # the "retry:" the browser waits before reconnecting
LAST_EVENT_ID_MAX = 1024
MAX_AUDIENCES = MAX_RECIPIENTS  # distinct audiences one hub asks a service for; past it a new one is 503
# the header as the OpenAPI document names it, for every stream's route
LAST_EVENT_ID_HEADER = {"name": "Last-Event-ID", "in": "header", "required": False,
                        "schema": {"type": "string", "maxLength": LAST_EVENT_ID_MAX},
                        "description": "El id del último evento recibido (el navegador lo envía al reconectar); "
                                       "uno que no es de este servicio cuenta como ninguno."}
RESET_REASON = "Lea de nuevo: no se pudo seguir desde el último evento recibido."


def sse(event):
    """One event in the text/event-stream format (its data is one line of JSON; its audience is not sent)."""
    data = json.dumps(event["data"], ensure_ascii=False, separators=(",", ":"))
    return f"id: {event['id']}\nevent: {event['type']}\ndata: {data}\n\n".encode("utf-8")


def reset_event(last_id):
    return {"id": last_id or "", "type": "reset", "data": {"reason": RESET_REASON}}


def valid_last_event_id(value):
    """The Last-Event-ID a client sent, if it can be one of ours (hexadecimal); anything else counts as none."""
    if not value or len(value) > LAST_EVENT_ID_MAX:
        return None
    value = value.strip()
    return value if value and all(ch in "0123456789abcdefABCDEF" for ch in value) else None


def owner(actor):
    """The audience of a stream of one person's events (the mailbox's, a lawyer's web chat): its owner's ``sub``."""
    return actor["sub"]


class Subscriber:
    """One open stream: its bounded queue, its audience (None: every event) and what it was already sent."""

    def __init__(self, actor, audience=None):
        self.actor = actor
        self.audience = audience
        self.queue = LightQueue(QUEUE_SIZE)
        self.overflowed = False
        self.sent = set()      # ids sent while catching up: the hub's copies of them are skipped
        self.position = None   # the id the catch-up reached (the hub's events up to it were sent already)
        self.offered = None    # the last id the hub queued here (a read again from further back repeats some)
        self.covered = audience is None  # a read of the hub has asked for this audience from its position

    def meant_for(self, event):
        return self.audience is None or event["type"] == "reset" or event.get("audience") == self.audience

    def offer(self, event):
        if self.overflowed or not self.meant_for(event):
            return
        if event["type"] != "reset":
            if self.offered is not None and event["id"] <= self.offered:
                return
            self.offered = event["id"]
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


class _ReaderEntrypoint:
    def __init__(self, method_name):
        self.method_name = method_name


class ServiceReader(rpc.PortalRpcProxy):
    """A proxy to one service that a greenthread of this gateway process calls on its own, outside any request
    (``self._thread``, killed when the container stops): each call through ``_proxy()`` has a worker context of
    its own, named ``entrypoint`` in the logs and the correlation id."""

    entrypoint = "reader"

    def setup(self):
        super().setup()
        self._thread = None

    def stop(self):
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.kill()
        super().stop()

    def kill(self):
        self.stop()

    def _proxy(self):
        context = WorkerContext(self.container, None, _ReaderEntrypoint(self.entrypoint),
                                data={"correlation_id": f"{self.entrypoint}-{uuid.uuid4().hex[:12]}"})
        return rpc.ServiceProxy(context, self.target_service, self.rpc_reply_listener)


class LiveHub(ServiceReader):
    """The one reader of ``<service>.live_changes`` in this gateway process (see the module's text).
    ``audience``: None (every stream gets every event), or a function of the caller giving the audience its
    stream is for (the service is asked for those audiences only, as ``recipients``)."""

    def __init__(self, service, audience=None, method="live_changes"):
        super().__init__(service)
        self.service, self.audience_of, self.method = service, audience, method

    entrypoint = "live"

    def setup(self):
        super().setup()
        self.subscribers = []
        self.token = None

    def get_dependency(self, worker_ctx):
        return self

    # --- streams ---------------------------------------------------------------------------------------------
    def subscribe(self, actor):
        audience = self.audience_of(actor) if self.audience_of else None
        if audience is not None and audience not in self.audiences() and len(self.audiences()) >= MAX_AUDIENCES:
            raise ServiceUnavailable("too_many_streams", "Hay demasiadas conexiones en vivo; intente más tarde.")
        subscriber = Subscriber(actor, audience)
        self.subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber):
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)

    def audiences(self):
        """The audiences of the open streams (None: the hub reads every event)."""
        if self.audience_of is None:
            return None
        return {subscriber.audience for subscriber in self.subscribers}

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

    def behind(self, start, asked):
        """After a read that started at ``start`` for the audiences ``asked``: the position to read again from
        for the streams that read did not cover (they joined after it started, or caught up behind it); None
        when every stream was covered."""
        lowest = None
        for subscriber in list(self.subscribers):
            if subscriber.covered or subscriber.position is None:
                continue  # every event is read for it, or it is still catching up (the next read covers it)
            if asked is not None and subscriber.audience in asked and start is not None \
                    and start <= subscriber.position:
                subscriber.covered = True
            elif lowest is None or subscriber.position < lowest:
                lowest = subscriber.position
        return lowest

    # --- the long poll ---------------------------------------------------------------------------------------------
    def _run(self):
        failures = 0
        try:
            while self.subscribers and self.token is not None:
                start, asked = self.token, self.audiences()
                # for the owners of its streams the hub asks as itself (the service answers recipients to nobody
                # else); every stream gets every event otherwise, and the service checks a stream's caller
                actor = self.subscribers[-1].actor if asked is None else LIVE_SYSTEM_ACTOR
                body = {"after": start, "wait_seconds": LONG_POLL_SECONDS, "limit": BATCH}
                if asked is not None:
                    body["recipients"] = sorted(asked)
                try:
                    result = rpc.call(getattr(self._proxy(), self.method), actor, body,
                                      timeout=LONG_POLL_SECONDS + CALL_MARGIN_SECONDS)
                except PortalError as exc:  # the service is down or restarting: ask again, from the same place
                    failures += 1
                    log.warning("live events not read; retrying", extra={"error": exc.code, "service": self.service})
                    eventlet.sleep(RETRY_SECONDS[min(failures, len(RETRY_SECONDS)) - 1])
                    continue
                failures = 0
                if result.get("reset"):
                    self.broadcast(reset_event(result.get("last_id")))
                for event in result["events"]:
                    self.broadcast(event)
                token = result.get("last_id") or self.token
                again = self.behind(start, asked)
                self.token = token if again is None or again > token else again
        except Exception:  # noqa: BLE001 - a bug here must not end the gateway; the next stream starts it again
            log.exception("live hub stopped", extra={"service": self.service})
        finally:
            self._thread = None
            if not self.subscribers:
                self.token = None  # nobody listens: the next stream starts from its own position


def catch_up(call, actor, last_event_id):
    """What a stream sends first: the events after ``last_event_id`` (none without one) and the position they
    reach; a reset first when the service could not resume there or too much happened meanwhile. A read that
    answers no event may have stopped at its bound (``services.runtime.live``) short of now: the position is where
    it stopped, and the hub reads on from there for this stream (``LiveHub.behind``), so nothing is lost."""
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

    def __init__(self, hub, subscriber, first_events, clock=time.monotonic, title="flujo de eventos"):
        self.hub, self.subscriber = hub, subscriber
        self.pending = [b"retry: %d\n: %s\n\n" % (RECONNECT_MILLISECONDS, title.encode("utf-8"))]
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


def open_stream(hub, call, actor, last_event_id, title="flujo de eventos"):
    """Subscribe, catch up (the caller's identity goes to the service, which refuses whoever may not read these
    events, and answers a caller's own only), and the streaming response; a refusal or a service that does not
    answer raises before anything opens. ``title``: the comment the stream starts with."""
    subscriber = hub.subscribe(actor)
    try:
        first, position = catch_up(call, actor, valid_last_event_id(last_event_id))
    except BaseException:
        hub.unsubscribe(subscriber)
        raise
    subscriber.sent = {event["id"] for event in first}
    subscriber.position = position
    hub.caught_up(position)
    return _stream_response(hub, subscriber, first, title)


def _stream_response(hub, subscriber, first, title):
    response = Response(EventStream(hub, subscriber, first, title=title), status=200, mimetype="text/event-stream",
                        direct_passthrough=True)
    response.headers["Cache-Control"] = "no-cache, no-transform"
    response.headers["X-Accel-Buffering"] = "no"  # nginx and its kin: pass each event at once
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
