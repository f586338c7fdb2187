"""A lawyer's mailbox in real time (GET /api/v1/mailbox/stream, Server-Sent Events): a judge's resolution reaches
the connected streams of its recipients with their unread count; opening it drops the count on every stream of its
owner; nobody else receives anything of it; a stream that reconnects with Last-Event-ID gets what happened while it
was away; only lawyers open it, and the mailbox service refuses anyone else itself."""
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.live import LIVE_SYSTEM_ACTOR
from contracts.mailbox import MailboxLiveChangesSchema
from services.runtime.config import load_config
from services.runtime.live import MIN_SCAN_SECONDS, SCAN_PER_EVENT, read_changes
from services.runtime.errors import Forbidden, ValidationFailed
from tests.support.mailbox import MailboxCase, envelope, publish, resolution_data, wait_for
from tests.support.sse import Stream

pytestmark = pytest.mark.stack

PATH = "/api/v1/mailbox/stream"


def stream(stack, token, **kwargs):
    return Stream(stack.url, token, path=kwargs.pop("path", PATH), **kwargs)


def unread(api, token):
    response = api.get("/api/v1/mailbox/summary", token)
    assert response.status_code == 200, response.text
    return response.json()["unread"]


@pytest.fixture(scope="module")
def case(api):
    return MailboxCase(api, count=2, court_id="01002")


def snapshot(stack):
    db = stack.db("mailbox")
    return {name: db[name].count_documents({}) for name in ("notifications", "alerts", "profiles", "outbox")}


def test_a_resolution_reaches_its_lawyers_streams_and_opening_it_drops_the_count_on_every_tab(stack, api, case):
    ana, beto = case.subs
    outsider = api.lawyer()
    before = {sub: unread(api, case.tokens[sub]) for sub in case.subs}
    tab_1, tab_2 = stream(stack, case.tokens[ana]), stream(stack, case.tokens[ana])
    other_lawyer, on_the_case = stream(stack, outsider), stream(stack, case.tokens[beto])
    try:
        for s in (tab_1, tab_2, other_lawyer, on_the_case):
            assert s.response.status_code == 200, s.response.text
            assert s.response.headers["Content-Type"].startswith("text/event-stream")
            assert s.response.headers["Cache-Control"].startswith("no-cache")
        issued_at = time.monotonic()
        resolution = case.resolve(summary="Se señala audiencia de conciliación")
        notice = case.wait_notice(ana, resolution["resolution_id"])
        arrived = [s.next("notification_available", lambda d: d["notification_id"] == notice["notification_id"])
                   for s in (tab_1, tab_2)]
        for event in arrived:
            assert event["data"] == {"notification_id": notice["notification_id"], "unread": before[ana] + 1}
            assert event["id"] and event["at"] - issued_at < 10
        assert tab_1.retry == 2000
        # beto's own notice reaches beto's stream, with beto's count
        betos = case.wait_notice(beto, resolution["resolution_id"])
        got = on_the_case.next("notification_available", lambda d: d["notification_id"] == betos["notification_id"])
        assert got["data"]["unread"] == before[beto] + 1
        # ana opens it on one tab: the count drops on both
        opened = api.get(f"/api/v1/mailbox/notifications/{notice['notification_id']}", case.tokens[ana])
        assert opened.status_code == 200, opened.text
        for s in (tab_1, tab_2):
            event = s.next("notification_opened", lambda d: d["notification_id"] == notice["notification_id"])
            assert event["data"] == {"notification_id": notice["notification_id"], "unread": before[ana]}
        assert unread(api, case.tokens[ana]) == before[ana]
        time.sleep(1)  # what the hub read meanwhile has been handed out
        # nobody else receives anything of it: not the lawyer outside the case, not beto of ana's opening
        assert other_lawyer.received == []
        assert [e["data"]["notification_id"] for e in on_the_case.received] == [betos["notification_id"]]
        # the events carry an id and a count only: nothing of the notice, nor whose it is
        for event in tab_1.received:
            assert set(event["data"]) == {"notification_id", "unread"}
            assert "conciliación" not in str(event["data"]) and ana not in str(event["data"])
    finally:
        for s in (tab_1, tab_2, other_lawyer, on_the_case):
            s.close()


def test_reconnecting_with_last_event_id_loses_nothing_that_happened_meanwhile(stack, api, case):
    ana = case.subs[0]
    token = case.tokens[ana]
    with stream(stack, token) as first:
        resolution = case.resolve(summary="Primera, con la página abierta")
        notice = case.wait_notice(ana, resolution["resolution_id"])
        first.next("notification_available", lambda d: d["notification_id"] == notice["notification_id"])
        time.sleep(0.3)
        seen, last_id = list(first.received), first.last_id
    assert last_id == seen[-1]["id"]
    # while the page is away: one more notice, and the first is opened elsewhere
    second = case.resolve(summary="Segunda, sin nadie conectado")
    second_notice = case.wait_notice(ana, second["resolution_id"])
    assert api.get(f"/api/v1/mailbox/notifications/{notice['notification_id']}", token).status_code == 200
    now_unread = unread(api, token)
    with stream(stack, token, last_event_id=last_id) as again:
        got = again.next("notification_available",
                         lambda d: d["notification_id"] == second_notice["notification_id"], timeout=5)
        opened = again.next("notification_opened", lambda d: d["notification_id"] == notice["notification_id"],
                            timeout=5)
        assert got["id"] < opened["id"] and opened["data"]["unread"] == now_unread
        ids = [event["id"] for event in again.received]
        assert not set(ids) & {event["id"] for event in seen} and len(ids) == len(set(ids))
        assert [e for e in again.received if e["type"] == "reset"] == []
        # and it goes on live
        third = case.resolve(summary="Tercera, ya conectado de nuevo")
        third_notice = case.wait_notice(ana, third["resolution_id"])
        again.next("notification_available", lambda d: d["notification_id"] == third_notice["notification_id"])


def test_a_stream_that_opens_while_another_lawyers_is_open_misses_nothing(stack, api, case):
    """The hub reads for the owners of the streams open when its read started: an owner who joins meanwhile is
    read again from their own position."""
    ana, beto = case.subs
    with stream(stack, api.lawyer()):
        time.sleep(0.5)  # the hub is reading, for someone else
        with stream(stack, case.tokens[ana]) as joined:
            resolution = case.resolve(summary="Llega a quien se conectó después")
            notice = case.wait_notice(ana, resolution["resolution_id"])
            joined.next("notification_available", lambda d: d["notification_id"] == notice["notification_id"])
            betos = case.wait_notice(beto, resolution["resolution_id"])
            assert betos["notification_id"] not in str(joined.received)


def test_a_last_event_id_that_is_not_ours_starts_with_a_reset_and_one_that_is_no_id_counts_as_none(stack, case):
    token = case.tokens[case.subs[0]]
    not_found = ("826B159A58000000082B022C01002B046E5A1004ED5B0BA44A7B48F297F627AFE92C97B8463C5F6964003C36376332"
                 "31303637616332333434613962316535633864346339623038393661000004")  # another database's
    for last_event_id in ("82" + "0" * 60, not_found):
        with stream(stack, token, last_event_id=last_event_id) as s:
            assert s.response.status_code == 200
            reset = s.next("reset", timeout=5)
            assert reset["data"]["reason"] and reset["id"] != last_event_id
    for last_event_id in ("<script>", "8" * 5000, "82 AB"):
        with stream(stack, token, last_event_id=last_event_id) as s:
            assert s.response.status_code == 200
            time.sleep(0.3)
            assert s.received == []


@pytest.mark.parametrize("role", ["clerk", "judge", "citizen", "admin", "chat_agent", "notary"])
def test_anyone_but_a_lawyer_is_refused_and_opens_nothing(stack, api, role):
    token = {"clerk": api.clerk(), "judge": api.judge(), "citizen": api.citizen(), "admin": api.admin(),
             "notary": stack.token("notario.casillero", "notary", bar_number="7789")}.get(role) \
        or api.staff(role, sub=f"{role}.casillero")
    before = snapshot(stack)
    s = stream(stack, token)
    try:
        assert s.response.status_code == 403, s.response.text
        assert s.response.headers["Content-Type"].startswith("application/json")
        assert s.response.json()["error"] == "forbidden"
    finally:
        s.close()
    assert snapshot(stack) == before


def test_without_a_token_or_with_a_bad_one_it_is_401(stack, case):
    forged = case.tokens[case.subs[0]].rsplit(".", 1)[0] + ".firmafalsa"
    for token in (None, "no-es-un-token", forged):
        s = stream(stack, token)
        try:
            assert s.response.status_code == 401
            assert s.response.json()["error"] in ("missing_token", "invalid_token")
        finally:
            s.close()


def test_hostile_requests_are_refused_and_change_nothing(stack, api, case):
    token = case.tokens[case.subs[0]]
    before = snapshot(stack)
    for path in (PATH + "?desde=0", PATH + "?recipients=otro"):
        s = stream(stack, token, path=path)
        try:
            assert s.response.status_code == 422, s.response.text
        finally:
            s.close()
    posted = api.post_json(PATH, {"recipients": ["otro"]}, token)
    assert posted.status_code == 405 and posted.json()["error"] == "method_not_allowed"
    with stream(stack, token, headers={"Accept": "application/json"}) as s:
        assert s.response.status_code == 200
        assert s.response.headers["Content-Type"].startswith("text/event-stream")
    assert snapshot(stack) == before


def test_the_mailbox_service_refuses_non_lawyers_itself_and_checks_what_it_is_asked(stack):
    """Authorization is the owner's: a call that skips the gateway is refused by the mailbox service (and
    audited), and a malformed request is a 422 that reads nothing."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    with ClusterRpcProxy(config, timeout=10) as cluster:
        for role in ("clerk", "citizen", "admin"):
            actor = {"sub": f"directo-{role}", "role": role, "name": "Directo", "court_id": "01001"}
            with pytest.raises(Forbidden):
                cluster.mailbox.live_changes(actor, {})
            assert wait_for(lambda: stack.db("mailbox").audit.find_one(
                {"actor.sub": f"directo-{role}", "action": "live_changes", "outcome": "denied"}), timeout=5)
        lawyer = {"sub": "directo-abogado", "role": "lawyer", "name": "Directo", "bar_number": "1"}
        for request in ({"after": "<script>"}, {"after": 82}, {"recipients": []}, {"recipients": "todos"},
                        {"recipients": ["x" * 200]}, {"recipients": ["a"] * 5001}, {"limit": 0},
                        {"wait_seconds": 60}, {"desde": 1}):
            with pytest.raises(ValidationFailed):
                cluster.mailbox.live_changes(lawyer, request)
        own = cluster.mailbox.live_changes(lawyer, {})
        assert own["events"] == [] and own["last_id"] and own["reset"] is False
        # without recipients, a lawyer reads their own mailbox's events only, in the contract's shape
        data = resolution_data(["directo-abogado", "directo-otro"])
        publish(stack, envelope(data))
        assert wait_for(lambda: stack.db("mailbox").notifications.count_documents(
            {"resolution_id": data["resolution_id"]}) == 2)
        mine = MailboxLiveChangesSchema().load(cluster.mailbox.live_changes(lawyer, {"after": own["last_id"]}))
        assert [(e["type"], e["audience"], e["data"]["unread"]) for e in mine["events"]] == [
            ("notification_available", "directo-abogado", 1)]


def test_the_document_states_the_stream_for_lawyers_with_its_last_event_id(api):
    operation = api.get("/api/v1/openapi.json").json()["paths"][PATH]["get"]
    assert operation["operationId"] == "mailbox_stream"
    assert "text/event-stream" in operation["responses"]["200"]["content"]
    assert {"401", "403", "503", "504"} <= set(operation["responses"])
    [header] = [p for p in operation["parameters"] if p["in"] == "header"]
    assert header["name"] == "Last-Event-ID" and header["schema"]["maxLength"] == 1024
    assert "notification_available" in operation["description"] and "reset" in operation["description"]


def test_only_the_gateways_hub_names_whose_mailbox_events_it_reads(stack, api):
    """``recipients`` is the gateway hub's (``contracts.live.LIVE_SYSTEM_ACTOR``): a lawyer who names anyone else is
    refused with 403, audited, and reads nothing; their own ``sub`` alone is their own read; the hub's identity
    reads the events of the owners it names; no token carries that identity at the gateway."""
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}
    mailbox = stack.db("mailbox")
    with ClusterRpcProxy(config, timeout=10) as cluster:
        start = cluster.mailbox.live_changes(LIVE_SYSTEM_ACTOR, {"recipients": ["hub-ana", "hub-beto"]})["last_id"]
        data = resolution_data(["hub-ana", "hub-beto"])
        publish(stack, envelope(data))
        assert wait_for(lambda: mailbox.notifications.count_documents({"resolution_id": data["resolution_id"]}) == 2)

        ana = {"sub": "hub-ana", "role": "lawyer", "name": "Ana", "bar_number": "1"}
        for named in (["hub-beto"], ["hub-ana", "hub-beto"]):
            with pytest.raises(Forbidden) as refused:
                cluster.mailbox.live_changes(ana, {"after": start, "recipients": named})
            assert refused.value.details == {"field": "recipients"}
        entry = wait_for(lambda: mailbox.audit.find_one({"actor.sub": "hub-ana", "action": "live_changes",
                                                         "outcome": "denied", "details.recipients": ["hub-beto"]}))
        assert entry and entry["target"] == "mailbox:hub-ana"
        own = cluster.mailbox.live_changes(ana, {"after": start, "recipients": ["hub-ana"]})
        assert [(e["audience"], e["data"]["unread"]) for e in own["events"]] == [("hub-ana", 1)]

        both = MailboxLiveChangesSchema().load(
            cluster.mailbox.live_changes(LIVE_SYSTEM_ACTOR, {"after": start, "recipients": ["hub-beto", "hub-ana"]}))
        assert sorted((e["audience"], e["type"]) for e in both["events"]) == [
            ("hub-ana", "notification_available"), ("hub-beto", "notification_available")]
        # the hub names someone; another component's identity is not the hub's
        with pytest.raises(Forbidden):
            cluster.mailbox.live_changes(LIVE_SYSTEM_ACTOR, {"after": start})
        with pytest.raises(Forbidden):
            cluster.mailbox.live_changes({"sub": "system:retention", "role": "system"},
                                         {"after": start, "recipients": ["hub-ana"]})
    # a token cannot claim the hub's identity at the gateway
    assert api.get("/api/v1/mailbox/summary", stack.token("system:live", "system")).status_code == 401


def test_a_read_that_keeps_nothing_stops_within_its_bound_and_the_next_one_goes_on_from_there(stack):
    """A filtered read of the change stream (``services.runtime.live.read_changes`` with ``keep``) from an old
    position looks at ``SCAN_PER_EVENT * limit`` changes at most (or stops at its time bound), answers with no event
    and the position it reached; reading on from it reaches a later kept event."""
    db = stack.db("livescan")
    pipeline = [{"$match": {"ns.coll": "things"}}]

    def event_of(change):
        doc = change["fullDocument"]
        return {"id": change["_id"]["_data"], "type": "thing", "data": {"n": doc["n"]}, "audience": doc["owner"]}

    def mine(event):
        return event["audience"] == "ana"

    start = read_changes(db, pipeline, event_of, None, 0, 5, keep=mine)["last_id"]
    db.things.insert_many([{"n": n, "owner": "beto"} for n in range(100)])
    db.things.insert_one({"n": 100, "owner": "ana"})

    began = time.monotonic()
    first = read_changes(db, pipeline, event_of, start, 0, 5, keep=mine)
    assert time.monotonic() - began < 5
    assert first["events"] == [] and first["reset"] is False and first["last_id"] > start
    # it stopped after 20 of the 100 changes it passes over: the 21st read from start is where the next one begins
    seen = read_changes(db, pipeline, event_of, start, 0, SCAN_PER_EVENT * 5)
    assert [e["data"]["n"] for e in seen["events"]] == list(range(SCAN_PER_EVENT * 5))
    assert first["last_id"] == seen["events"][-1]["id"]

    # reading on from where each read stopped reaches ana's event, a bounded read at a time
    after, reads, kept = first["last_id"], 1, []
    while not kept and reads < 20:
        result = read_changes(db, pipeline, event_of, after, 0, 5, keep=mine)
        assert result["last_id"] > after
        after, reads, kept = result["last_id"], reads + 1, result["events"]
    assert [e["data"]["n"] for e in kept] == [100] and reads == 6

    # the time bound: a clock past it after the first change looked at stops the read there
    ticks = iter(range(0, 10 ** 6, MIN_SCAN_SECONDS))
    timed = read_changes(db, pipeline, event_of, start, 0, 1000, clock=lambda: next(ticks), keep=mine)
    assert timed["events"] == [] and timed["last_id"] == seen["events"][0]["id"]
