"""The gateway's side of the chat's real time (gateway.live), without a stack: the event format, which
Last-Event-ID counts, the catch-up after one, and that a slow client is never buffered without bound."""
import json

from gateway import live


class FakeHub:
    def __init__(self):
        self.subscribers = []
        self.started_at = None

    def subscribe(self, actor):
        subscriber = live.Subscriber(actor)
        self.subscribers.append(subscriber)
        return subscriber

    def unsubscribe(self, subscriber):
        if subscriber in self.subscribers:
            self.subscribers.remove(subscriber)

    def caught_up(self, position):
        self.started_at = position


def event(n, kind="message"):
    return {"id": f"82{n:08X}", "type": kind, "data": {"conversation_id": "c1", "n": n}}


def test_an_event_is_one_block_of_id_event_and_a_single_line_of_json():
    text = live.sse({"id": "82AB", "type": "message", "data": {"texto": "línea\nsegunda"}}).decode("utf-8")
    assert text.endswith("\n\n") and text.count("\n") == 4
    lines = text.strip("\n").split("\n")
    assert lines[0] == "id: 82AB" and lines[1] == "event: message"
    assert json.loads(lines[2][len("data: "):]) == {"texto": "línea\nsegunda"}


def test_only_a_hexadecimal_last_event_id_counts():
    assert live.valid_last_event_id("82ab09") == "82ab09"
    assert live.valid_last_event_id(" 82AB ") == "82AB"
    for value in (None, "", "  ", "<script>", "82 AB", "g1", "1" * (live.LAST_EVENT_ID_MAX + 1)):
        assert live.valid_last_event_id(value) is None


def test_catch_up_reads_until_nothing_is_left_and_resets_past_the_limit():
    pages = [{"events": [event(1), event(2)], "last_id": "8200000002", "reset": False},
             {"events": [event(3)], "last_id": "8200000003", "reset": False},
             {"events": [], "last_id": "8200000004", "reset": False}]
    asked = []

    def call(actor, body):
        asked.append(body["after"])
        return pages.pop(0)

    events, position = live.catch_up(call, {"sub": "a", "role": "chat_agent"}, "8200000000")
    assert [e["data"]["n"] for e in events] == [1, 2, 3] and position == "8200000004"
    assert asked == ["8200000000", "8200000002", "8200000003"]
    lost = live.catch_up(lambda actor, body: {"events": [], "last_id": "82FF", "reset": True}, {}, "8200")
    assert [e["type"] for e in lost[0]] == ["reset"] and lost[1] == "82FF"
    endless = live.catch_up(lambda actor, body: {"events": [event(5)] * live.BATCH, "last_id": "82FE",
                                                 "reset": False}, {}, "8200")
    assert [e["type"] for e in endless[0]] == ["reset"]


def test_a_stream_sends_the_catch_up_first_then_what_is_newer_and_skips_what_it_sent():
    hub = FakeHub()
    subscriber = hub.subscribe({"sub": "a"})
    subscriber.sent, subscriber.position = {event(2)["id"]}, event(2)["id"]
    stream = live.EventStream(hub, subscriber, [event(2)])
    for n in (1, 2, 3):  # the hub, behind: 1 and 2 happened before the catch-up's end
        subscriber.offer(event(n))
    chunks = [next(stream), next(stream), next(stream)]
    assert chunks[0].startswith(b"retry: ")
    assert b"id: " + event(2)["id"].encode() in chunks[1]
    assert b"id: " + event(3)["id"].encode() in chunks[2]
    stream.close()
    assert hub.subscribers == []


def test_a_slow_client_overflows_its_bounded_queue_and_its_stream_ends_after_what_was_queued():
    hub = FakeHub()
    subscriber = hub.subscribe({"sub": "a"})
    for n in range(live.QUEUE_SIZE + 50):
        subscriber.offer(event(n))
    assert subscriber.overflowed and subscriber.queue.qsize() == live.QUEUE_SIZE
    stream = live.EventStream(hub, subscriber, [])
    chunks = list(stream)
    assert len(chunks) == 1 + live.QUEUE_SIZE  # the retry line, then exactly what was queued; then the end
    assert hub.subscribers == []


def test_a_quiet_stream_sends_a_comment_and_ends_at_its_deadline():
    hub = FakeHub()
    subscriber = hub.subscribe({"sub": "a"})
    now = [0.0]
    stream = live.EventStream(hub, subscriber, [], clock=lambda: now[0])
    next(stream)
    original = live.HEARTBEAT_SECONDS
    live.HEARTBEAT_SECONDS = 0.01
    try:
        assert next(stream) == b": ping\n\n"
        now[0] = live.MAX_STREAM_SECONDS + 1
        assert list(stream) == []
    finally:
        live.HEARTBEAT_SECONDS = original
    assert hub.subscribers == []


def owned(n, owner, kind="notification_available"):
    return {"id": f"82{n:08X}", "type": kind, "data": {"notification_id": f"n{n}", "unread": 1}, "audience": owner}


def test_a_stream_with_an_audience_gets_only_its_owners_events_and_never_the_audience_field():
    mine, theirs = live.Subscriber({"sub": "ana"}, "ana"), live.Subscriber({"sub": "beto"}, "beto")
    for subscriber in (mine, theirs):
        for event_ in (owned(1, "ana"), owned(2, "beto"), live.reset_event("8200000003")):
            subscriber.offer(event_)
    assert [e["type"] for e in list(mine.queue.queue)] == ["notification_available", "reset"]
    assert [e["data"].get("notification_id") for e in list(theirs.queue.queue)] == ["n2", None]
    assert b"audience" not in live.sse(owned(1, "ana")) and b"ana" not in live.sse(owned(1, "ana"))
    everyone = live.Subscriber({"sub": "agente"})
    everyone.offer(owned(1, "ana"))
    assert everyone.queue.qsize() == 1  # without an audience: every event


def test_an_event_read_again_is_queued_once():
    subscriber = live.Subscriber({"sub": "ana"}, "ana")
    for n in (1, 2, 1, 2, 3):
        subscriber.offer(owned(n, "ana"))
    assert [e["data"]["notification_id"] for e in list(subscriber.queue.queue)] == ["n1", "n2", "n3"]


class AudienceHub(live.LiveHub):
    """The hub's bookkeeping without a container."""

    def __init__(self):
        super().__init__("mailbox", audience=lambda actor: actor["sub"])
        self.subscribers, self.token, self._thread = [], None, None


def test_a_stream_that_joined_during_a_read_makes_the_hub_read_again_from_its_position():
    hub = AudienceHub()
    ana = hub.subscribe({"sub": "ana"})
    ana.position = "8200000001"
    asked = hub.audiences()
    # a read for {ana} starts at ...01; meanwhile beto subscribes and catches up at ...05
    beto = hub.subscribe({"sub": "beto"})
    beto.position = "8200000005"
    assert hub.behind("8200000001", asked) == "8200000005" and ana.covered and not beto.covered
    # the next read asks for both from ...05 (or from before it): beto is covered too
    assert hub.behind("8200000005", hub.audiences()) is None and beto.covered
    # a stream that caught up behind where the hub already is: read again from its position
    cara = hub.subscribe({"sub": "cara"})
    cara.position = "8200000002"
    assert hub.behind("8200000009", hub.audiences()) == "8200000002"
    assert hub.behind("8200000002", hub.audiences()) is None and cara.covered
    assert hub.audiences() == {"ana", "beto", "cara"}


def test_a_hub_without_audience_reads_everything_for_everyone():
    hub = live.LiveHub("chat")
    hub.subscribers, hub.token, hub._thread = [], None, None
    agent = hub.subscribe({"sub": "agente"})
    agent.position = "8200000001"
    assert hub.audiences() is None and agent.covered and hub.behind("8200000009", None) is None


def test_past_the_audiences_a_hub_asks_for_a_new_one_is_refused_and_a_known_one_is_not():
    hub = AudienceHub()
    original = live.MAX_AUDIENCES
    live.MAX_AUDIENCES = 2
    try:
        hub.subscribe({"sub": "ana"})
        hub.subscribe({"sub": "beto"})
        hub.subscribe({"sub": "ana"})  # a second page of ana's
        try:
            hub.subscribe({"sub": "cara"})
        except live.ServiceUnavailable as exc:
            assert exc.status == 503
        else:
            raise AssertionError("a third audience was accepted")
    finally:
        live.MAX_AUDIENCES = original
