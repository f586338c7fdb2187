"""Real time for the chat staff (GET /api/v1/chat/stream, Server-Sent Events): a signed webhook reaches a connected
stream within a second; assignments, status changes, notes and message statuses arrive; only chat staff open it;
a stream that reconnects with Last-Event-ID gets what happened while it was away."""
import time

import pytest

from tests.support import whatsapp as wa
from tests.support.polling import wait
from tests.support.sse import Stream

pytestmark = pytest.mark.stack

LINE = wa.LINES[1]


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.vivo", "chat_agent", name="Agente En Vivo")


@pytest.fixture(scope="module")
def supervisor(stack):
    return stack.token("supervision.viva", "chat_supervisor", name="Supervisión En Vivo")


def put(api, path, body, token):
    return api.http.put(api.url + path, json=body, headers=api.auth(token), timeout=30)


def write(sender, text, wa_id=None):
    """A user writes on WhatsApp (a signed webhook); returns (wa_id, wamid, the moment the 200 came back)."""
    wa_id, wamid = wa_id or wa.new_wa_id(), wa.new_wamid()
    assert sender.send(wa.text_payload(LINE, wa_id, text, wamid=wamid)).status_code == 200
    return wa_id, wamid, time.monotonic()


def test_an_inbound_message_reaches_a_connected_stream_within_a_second(stack, sender, agent):
    with Stream(stack.url, agent) as stream:
        assert stream.response.status_code == 200
        assert stream.response.headers["Content-Type"].startswith("text/event-stream")
        assert stream.response.headers["Cache-Control"].startswith("no-cache")
        _, wamid, posted = write(sender, "Buenas tardes, ¿ya hay fecha para mi audiencia?")
        event = stream.next("message", lambda d: d["direction"] == "in")
        assert event["at"] - posted < 1.0, f"the event took {event['at'] - posted:.2f} s"
        stored = stack.db("chat").messages.find_one({"wamid": wamid})
        assert event["data"] == {"conversation_id": stored["conversation_id"], "message_id": stored["_id"],
                                 "direction": "in", "status": "received"}
        assert event["id"] and stream.retry == 2000
        # the event carries identifiers and states only: no text, no name, no number
        assert "audiencia" not in str(event["data"]) and stored["wa_id"] not in str(event["data"])
        created = stream.next("conversation", lambda d: d["conversation_id"] == stored["conversation_id"])
        assert created["data"]["line"] == LINE and created["data"]["status"] == "open"


def test_assignment_status_note_and_message_statuses_arrive(stack, api, graph, sender, agent, supervisor):
    _, wamid, _ = write(sender, "Necesito saber si ya resolvieron mi amparo")
    message = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the message")
    cid = message["conversation_id"]
    path = f"/api/v1/chat/conversations/{cid}"
    with Stream(stack.url, supervisor) as stream:
        api.get("/api/v1/chat/lines", agent)  # the agent has used the inbox: it can be assigned
        assert api.post_json(path + "/assign", {"agent": "agente.vivo"}, supervisor).status_code == 200
        assigned = stream.next("conversation", lambda d: d["conversation_id"] == cid and "assignee" in d["changed"])
        assert assigned["data"]["assignee"] == "agente.vivo"
        assert api.post_json(path + "/status", {"status": "pending"}, agent).status_code == 200
        pending = stream.next("conversation", lambda d: d["conversation_id"] == cid and "status" in d["changed"])
        assert pending["data"]["status"] == "pending"
        response = api.post_json(path + "/notes", {"text": "Consultar con el juzgado"}, agent)
        assert response.status_code == 201
        note = stream.next("note", lambda d: d["conversation_id"] == cid)
        assert note["data"]["note_id"] == response.json()["note_id"]
        response = api.post_json(path + "/messages", {"text": "Lo reviso y le aviso."}, agent)
        assert response.status_code == 202, response.text
        reply_id = response.json()["message_id"]
        queued = stream.next("message", lambda d: d["message_id"] == reply_id)
        assert queued["data"]["direction"] == "out" and queued["data"]["status"] == "queued"
        stream.next("message_status", lambda d: d["message_id"] == reply_id and d["status"] == "sent")
        sent = stack.db("chat").messages.find_one({"_id": reply_id})
        delivered_at = time.monotonic()
        assert sender.send(wa.status_payload(LINE, sent["wamid"], message["wa_id"], "delivered")).status_code == 200
        delivered = stream.next("message_status", lambda d: d["message_id"] == reply_id and d["status"] == "delivered")
        assert delivered["at"] - delivered_at < 1.0
        assert delivered["data"] == {"conversation_id": cid, "message_id": reply_id, "status": "delivered",
                                     "error": None}
        assert put(api, "/api/v1/chat/agents/me/presence", {"status": "online"}, agent).status_code == 200
        stream.next("agent", lambda d: d["agent"] == "agente.vivo" and d["presence"] == "online")
        assert put(api, "/api/v1/chat/agents/me/presence", {"status": "away"}, agent).status_code == 200


def test_a_failed_send_arrives_with_its_reason(stack, api, graph, sender, agent):
    _, wamid, _ = write(sender, "Consulta sobre notificaciones")
    cid = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the message")["conversation_id"]
    with Stream(stack.url, agent) as stream:
        graph.fail(131026, 400, times=1)
        reply_id = api.post_json(f"/api/v1/chat/conversations/{cid}/messages", {"text": "Hola"}, agent).json()[
            "message_id"]
        failed = stream.next("message_status", lambda d: d["message_id"] == reply_id and d["status"] == "failed")
        assert failed["data"]["error"]["retrying"] is False and failed["data"]["error"]["reason"]


@pytest.mark.parametrize("role", ["lawyer", "clerk", "judge", "citizen", "admin", "records_officer", "notary"])
def test_anyone_but_chat_staff_is_refused_and_opens_nothing(stack, api, role, sender):
    token = {"lawyer": api.lawyer(), "clerk": api.clerk(), "judge": api.judge(), "citizen": api.citizen(),
             "admin": api.admin(), "notary": stack.token("notario.stream", "notary", bar_number="7788")}.get(role) \
        or api.staff(role, sub=f"{role}.stream")
    stream = Stream(stack.url, token)
    try:
        assert stream.response.status_code == 403, stream.response.text
        assert stream.response.headers["Content-Type"].startswith("application/json")
        assert stream.response.json()["error"] == "forbidden"
    finally:
        stream.close()


def test_without_a_token_or_with_a_bad_one_it_is_401(stack):
    for token in (None, "no-es-un-token"):
        stream = Stream(stack.url, token)
        try:
            assert stream.response.status_code == 401
            assert stream.response.json()["error"] in ("missing_token", "invalid_token")
        finally:
            stream.close()


def test_a_stream_takes_no_query_parameters(stack, agent):
    stream = Stream(stack.url, agent, path="/api/v1/chat/stream?desde=0")
    try:
        assert stream.response.status_code == 422
    finally:
        stream.close()


def test_reconnecting_with_last_event_id_loses_nothing_that_happened_meanwhile(stack, api, sender, agent):
    with Stream(stack.url, agent) as first:
        write(sender, "Primer mensaje antes de desconectarme")
        first.next("message", lambda d: d["direction"] == "in")
        first.next("conversation")
        time.sleep(0.3)
        seen = list(first.received)
        last_id = first.last_id
    assert last_id == seen[-1]["id"]
    # while nobody is connected: two messages, an assignment and a resolution
    wa_id, wamid_2, _ = write(sender, "Segundo mensaje, sin nadie conectado")
    _, wamid_3, _ = write(sender, "Tercer mensaje, tampoco", wa_id=wa_id)
    message_3 = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid_3}), what="the third message")
    cid = message_3["conversation_id"]
    assert api.post_json(f"/api/v1/chat/conversations/{cid}/assign", {"agent": "agente.vivo"}, agent).status_code == 200
    assert api.post_json(f"/api/v1/chat/conversations/{cid}/status", {"status": "resolved"}, agent).status_code == 200
    message_2 = stack.db("chat").messages.find_one({"wamid": wamid_2})
    with Stream(stack.url, agent, last_event_id=last_id) as again:
        got_2 = again.next("message", lambda d: d["message_id"] == message_2["_id"], timeout=5)
        got_3 = again.next("message", lambda d: d["message_id"] == message_3["_id"], timeout=5)
        again.next("conversation", lambda d: d["conversation_id"] == cid and "assignee" in d["changed"], timeout=5)
        resolved = again.next("conversation", lambda d: d["conversation_id"] == cid and d["status"] == "resolved",
                              timeout=5)
        assert got_2["id"] < got_3["id"] < resolved["id"]  # in the order they happened
        # nothing from before the id is sent again, and nothing twice
        ids = [event["id"] for event in again.received]
        assert not set(ids) & {event["id"] for event in seen} and len(ids) == len(set(ids))
        # and it goes on live
        _, wamid_4, _ = write(sender, "Cuarto mensaje, ya conectado de nuevo")
        again.next("message", lambda d: d["direction"] == "in" and
                   d["message_id"] == stack.db("chat").messages.find_one({"wamid": wamid_4})["_id"])


def test_a_last_event_id_that_is_not_ours_starts_with_a_reset(stack, agent):
    not_found = ("826B159A58000000082B022C01002B046E5A1004ED5B0BA44A7B48F297F627AFE92C97B8463C5F6964003C36376332"
                 "31303637616332333434613962316535633864346339623038393661000004")  # another database's
    for last_event_id in ("82" + "0" * 60, not_found):
        with Stream(stack.url, agent, last_event_id=last_event_id) as stream:
            assert stream.response.status_code == 200
            reset = stream.next("reset", timeout=5)
            assert reset["data"]["reason"] and reset["id"] != last_event_id
    with Stream(stack.url, agent, last_event_id="<script>") as stream:  # not an id at all: counts as none
        assert stream.response.status_code == 200
        time.sleep(0.3)
        assert [e for e in stream.received if e["type"] == "reset"] == []


def test_many_streams_share_one_reader_and_each_gets_every_event(stack, sender, agent, supervisor):
    streams = [Stream(stack.url, agent if i % 2 else supervisor) for i in range(6)]
    try:
        _, wamid, posted = write(sender, "Mensaje para todos los conectados")
        message = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the message")
        for stream in streams:
            event = stream.next("message", lambda d: d["message_id"] == message["_id"])
            assert event["at"] - posted < 1.0
    finally:
        for stream in streams:
            stream.close()


def test_the_stream_stays_open_while_the_chat_service_restarts_and_misses_nothing(stack, sender, agent):
    with Stream(stack.url, agent) as stream:
        write(sender, "Antes del reinicio")
        stream.next("message", lambda d: d["direction"] == "in")
        stack.restart("chat", kill=True)  # the hub's long poll in flight is lost with the process
        _, wamid, _ = write(sender, "Después del reinicio")
        message = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), timeout=30,
                       what="the message after the restart")
        stream.next("message", lambda d: d["message_id"] == message["_id"], timeout=30)
        assert stream.response.status_code == 200


def test_hostile_requests_are_refused_or_ignored_and_change_nothing(stack, api, agent):
    chat = stack.db("chat")
    counted = ("messages", "conversations", "notes", "agents", "audit")
    before = {name: chat[name].count_documents({}) for name in counted}
    posted = api.post_json("/api/v1/chat/stream", {"x": 1}, agent)
    assert posted.status_code == 405 and posted.json()["error"] == "method_not_allowed"
    # a Last-Event-ID too long to be ours counts as none: the stream opens, with no reset and nothing replayed
    with Stream(stack.url, agent, last_event_id="8" * 5000) as stream:
        assert stream.response.status_code == 200
        time.sleep(0.5)
        assert stream.received == []
    for headers in ({"Accept": "application/json"}, {"Last-Event-ID": "82" * 600}):
        with Stream(stack.url, agent, headers=headers) as stream:
            assert stream.response.status_code == 200
            assert stream.response.headers["Content-Type"].startswith("text/event-stream")
    forged = stack.token("agente.vivo", "chat_agent").rsplit(".", 1)[0] + ".firmafalsa"
    with Stream(stack.url, forged) as stream:
        assert stream.response.status_code == 401
    assert {name: chat[name].count_documents({}) for name in counted} == before
