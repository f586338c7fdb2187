"""Auto-assignment: round robin among the online agents of the line's team, within each agent's capacity;
conversations wait in the queue when all are full and are assigned as soon as a place frees."""
import time

import pytest

from tests.support import whatsapp as wa
from tests.support.polling import wait

pytestmark = pytest.mark.stack

LINE = wa.LINES[1]  # Tijuana, team "tijuana"


@pytest.fixture(scope="module")
def team(stack, api):
    tokens = {"ana": stack.token("agente.ana", "chat_agent", name="Ana"),
              "luis": stack.token("agente.luis", "chat_agent", name="Luis"),
              "sofia": stack.token("supervisora.sofia", "chat_supervisor", name="Sofía")}
    for name in ("ana", "luis"):
        response = api.http.put(f"{api.url}/api/v1/chat/agents/me/presence", json={"status": "away"},
                                headers=api.auth(tokens[name]), timeout=30)
        assert response.status_code == 200, response.text
    yield tokens
    for name in ("ana", "luis"):  # leave nobody online for the other modules' conversations
        api.http.put(f"{api.url}/api/v1/chat/agents/me/presence", json={"status": "away"},
                     headers=api.auth(tokens[name]), timeout=30)


def put(api, path, body, token):
    return api.http.put(f"{api.url}{path}", json=body, headers=api.auth(token), timeout=30)


def conversation(stack, wa_id):
    return stack.db("chat").conversations.find_one({"wa_id": wa_id})


def assignee(stack, wa_id):
    doc = conversation(stack, wa_id)
    return (doc.get("assignee") or {}).get("sub") if doc else None


def test_only_a_supervisor_configures_agents(api, team):
    error = put(api, "/api/v1/chat/agents/agente.luis", {"teams": ["tijuana"], "capacity": 1}, team["ana"])
    assert error.status_code == 403, error.text
    missing = put(api, "/api/v1/chat/agents/nadie.registrado", {"teams": ["tijuana"], "capacity": 1}, team["sofia"])
    assert missing.status_code == 404 and missing.json()["error"] == "agent_not_found"
    for body in ({"teams": ["Tijuana"], "capacity": 1}, {"teams": ["tijuana"], "capacity": 0},
                 {"teams": "tijuana", "capacity": 1}, {"teams": ["tijuana"]}):
        assert put(api, "/api/v1/chat/agents/agente.luis", body, team["sofia"]).status_code == 422, body


def test_round_robin_within_capacity_with_a_queue(stack, api, team):
    sofia = team["sofia"]
    for sub in ("agente.ana", "agente.luis"):
        configured = put(api, f"/api/v1/chat/agents/{sub}", {"teams": ["tijuana"], "capacity": 1}, sofia)
        assert configured.status_code == 200, configured.text
        assert configured.json()["teams"] == ["tijuana"] and configured.json()["capacity"] == 1
    # an empty queue for the team first: what earlier tests left waiting is resolved, on this line and wherever it
    # was transferred to the team from (the area filter: a conversation's area, else its transfer's team, else its
    # line's), so Ana and Luis take only this test's conversations
    for scope in (f"line={LINE}", "area=tijuana"):
        waiting = api.get(f"/api/v1/chat/conversations?{scope}&status=open&assignee=none&limit=100", sofia).json()
        for item in waiting["items"]:
            assert api.post_json(f"/api/v1/chat/conversations/{item['conversation_id']}/status",
                                 {"status": "resolved"}, sofia).status_code == 200
    sender = wa.WebhookSender(stack.url)
    users = [wa.new_wa_id() for _ in range(3)]
    for wa_id in users:
        assert sender.send(wa.text_payload(LINE, wa_id, "Buenas tardes, tengo una consulta")).status_code == 200
        wait(lambda: conversation(stack, wa_id), what="the conversation")
    time.sleep(0.6)
    assert [assignee(stack, u) for u in users] == [None, None, None]  # everyone is away: all wait
    for name in ("ana", "luis"):
        assert put(api, "/api/v1/chat/agents/me/presence", {"status": "online"}, team[name]).status_code == 200
    wait(lambda: sum(1 for u in users if assignee(stack, u)) == 2, what="two assignments")
    time.sleep(0.6)
    given = [assignee(stack, u) for u in users]
    assert sorted(filter(None, given)) == ["agente.ana", "agente.luis"]  # one each: both are at capacity
    third = users[given.index(None)]
    agents = {a["agent"]: a for a in api.get("/api/v1/chat/agents", sofia).json()["items"]}
    assert agents["agente.ana"]["load"] == 1 and agents["agente.luis"]["load"] == 1
    # Luis resolves his: the waiting conversation goes to him at once
    luis_conversation = conversation(stack, users[given.index("agente.luis")])["_id"]
    assert api.post_json(f"/api/v1/chat/conversations/{luis_conversation}/status", {"status": "resolved"},
                         team["luis"]).status_code == 200
    wait(lambda: assignee(stack, third) == "agente.luis", what="the queued conversation to be assigned")
    # Ana goes away and Luis is full: a new conversation waits
    assert put(api, "/api/v1/chat/agents/me/presence", {"status": "away"}, team["ana"]).status_code == 200
    late = wa.new_wa_id()
    assert sender.send(wa.text_payload(LINE, late, "Otra consulta")).status_code == 200
    wait(lambda: conversation(stack, late), what="the late conversation")
    time.sleep(0.8)
    assert assignee(stack, late) is None
    auto = conversation(stack, third)
    assert auto["assigned_by"] == "auto"


def test_a_raised_capacity_and_a_transfer_feed_the_queue(stack, api, team):
    sofia = team["sofia"]
    assert put(api, "/api/v1/chat/agents/agente.luis", {"teams": ["tijuana"], "capacity": 5}, sofia).status_code == 200
    # whatever waits on the Tijuana line now goes to Luis, the only one online with room
    wait(lambda: not api.get(f"/api/v1/chat/conversations?line={LINE}&status=open&assignee=none", sofia
                             ).json()["items"], what="the Tijuana queue to empty")
    sender = wa.WebhookSender(stack.url)
    wa_id = wa.new_wa_id()
    assert sender.send(wa.text_payload(wa.LINES[0], wa_id, "Consulta desde Mexicali")).status_code == 200
    wait(lambda: conversation(stack, wa_id), what="the Mexicali conversation")
    time.sleep(0.6)
    assert assignee(stack, wa_id) is None  # nobody serves team mexicali
    cid = conversation(stack, wa_id)["_id"]
    moved = api.post_json(f"/api/v1/chat/conversations/{cid}/transfer", {"line": LINE}, team["ana"])
    assert moved.status_code == 200, moved.text
    assert moved.json()["team"] == "tijuana" and moved.json()["line"] == wa.LINES[0]  # still the number it came to
    wait(lambda: assignee(stack, wa_id) == "agente.luis", what="the transferred conversation to be assigned")


def test_a_transfer_names_a_line_or_an_area_and_is_recorded(stack, api, team):
    sofia = team["sofia"]
    wa_id = wa.new_wa_id()
    assert wa.WebhookSender(stack.url).send(wa.text_payload(wa.LINES[2], wa_id, "Consulta de traslado")
                                            ).status_code == 200
    wait(lambda: conversation(stack, wa_id), what="the Ensenada conversation")
    cid = conversation(stack, wa_id)["_id"]
    path = f"/api/v1/chat/conversations/{cid}/transfer"
    before = conversation(stack, wa_id)
    # neither, both, the old field, a malformed value: 422 naming the field, nothing changed
    for body in ({}, {"line": LINE, "area": "quejas"}, {"team": "tijuana"}, {"line": "tijuana"}, {"area": "Quejas"},
                 {"line": None}):
        refused = api.post_json(path, body, sofia)
        assert refused.status_code == 422 and refused.json()["error"] == "validation_error", (body, refused.text)
    both = api.post_json(path, {"line": LINE, "area": "quejas"}, sofia).json()
    assert both["details"]["fields"]["line"] == "Indique line (una línea) o area (un área), uno de los dos."
    # an unknown line or area: the valid choices are listed
    unknown = api.post_json(path, {"line": "199999"}, sofia)
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_line"
    assert f"{LINE} (Tijuana)" in unknown.json()["details"]["fields"]["line"]
    unknown = api.post_json(path, {"area": "rosarito"}, sofia)
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_area"
    assert "quejas" in unknown.json()["details"]["fields"]["area"] and "tijuana" in unknown.json()["details"]["fields"]["area"]
    assert conversation(stack, wa_id) == before
    # the areas a transfer may name
    areas = {a["area"]: a for a in api.get("/api/v1/chat/areas", sofia).json()["items"]}
    assert {"ensenada", "mexicali", "quejas", "tijuana"} <= set(areas)  # and the SLA policies' areas
    assert areas["tijuana"] == {"area": "tijuana", "lines": [LINE], "complaints": False}
    assert areas["quejas"] == {"area": "quejas", "lines": [], "complaints": True}
    # to an area: its queue, unassigned; where it went, who and when are kept and audited
    taken = api.post_json(f"/api/v1/chat/conversations/{cid}/assign", {"agent": "agente.ana"}, sofia)
    assert taken.status_code == 200, taken.text
    moved = api.post_json(path, {"area": "quejas"}, sofia)
    assert moved.status_code == 200, moved.text
    summary = moved.json()
    assert summary["line"] == wa.LINES[2] and summary["team"] == "quejas" and summary["area"] == "quejas"
    assert summary["assignee"] is None
    assert summary["transfer"]["line"] is None and summary["transfer"]["area"] == "quejas"
    assert summary["transfer"]["team"] == "quejas"
    assert summary["transfer"]["by"] == {"sub": "supervisora.sofia", "name": "Sofía"}
    stored = conversation(stack, wa_id)
    assert stored["line"] == wa.LINES[2] and stored["waiting_since"] > before["waiting_since"]
    entry = stack.db("chat").audit.find_one({"target": f"conversation:{cid}", "action": "transfer"})
    assert entry["outcome"] == "allowed" and entry["details"] == {"line": None, "area": "quejas", "team": "quejas"}
    # to a line: that line's team; the area is cleared, the number the user wrote to stays
    moved = api.post_json(path, {"line": wa.LINES[0]}, team["ana"]).json()
    assert (moved["line"], moved["team"], moved["area"]) == (wa.LINES[2], "mexicali", None)
    assert moved["transfer"]["line"] == wa.LINES[0] and moved["transfer"]["by"]["sub"] == "agente.ana"
    listed = api.get(f"/api/v1/chat/conversations/{cid}", sofia).json()
    assert listed["transfer"] == moved["transfer"]


def in_area(api, token, area, cid, line):
    """Whether the inbox filtered by ``area`` (and the conversation's line, to keep the pages few) lists ``cid``."""
    cursor = ""
    for _ in range(20):
        page = api.get(f"/api/v1/chat/conversations?area={area}&line={line}&limit=100"
                       + (f"&cursor={cursor}" if cursor else ""), token)
        assert page.status_code == 200, page.text
        if any(item["conversation_id"] == cid for item in page.json()["items"]):
            return True
        cursor = page.json()["next_cursor"]
        if not cursor:
            return False
    raise AssertionError("too many pages")


def test_the_inbox_filters_by_area_the_conversations_own_else_its_team_else_its_lines(stack, api, team):
    sofia = team["sofia"]
    wa_id = wa.new_wa_id()
    assert wa.WebhookSender(stack.url).send(wa.text_payload(wa.LINES[2], wa_id, "Consulta por área")).status_code == 200
    wait(lambda: conversation(stack, wa_id), what="the Ensenada conversation")
    cid = conversation(stack, wa_id)["_id"]
    line = wa.LINES[2]
    assert in_area(api, sofia, "ensenada", cid, line) and not in_area(api, sofia, "quejas", cid, line)  # its line's
    assert api.post_json(f"/api/v1/chat/conversations/{cid}/transfer", {"area": "quejas"}, sofia).status_code == 200
    assert in_area(api, sofia, "quejas", cid, line) and not in_area(api, sofia, "ensenada", cid, line)  # its own
    assert api.post_json(f"/api/v1/chat/conversations/{cid}/transfer", {"line": LINE}, sofia).status_code == 200
    assert in_area(api, sofia, "tijuana", cid, line) and not in_area(api, sofia, "quejas", cid, line)  # its team
    # an area that is not configured is named with the valid ones; a malformed one is refused as such
    unknown = api.get("/api/v1/chat/conversations?area=rosarito", sofia)
    assert unknown.status_code == 422 and unknown.json()["error"] == "unknown_area"
    assert "quejas" in unknown.json()["details"]["fields"]["area"]
    malformed = api.get("/api/v1/chat/conversations?area=Quejas", sofia)
    assert malformed.status_code == 422 and malformed.json()["error"] == "validation_error"


def test_labels_replace_and_filter(stack, api, team):
    sofia = team["sofia"]
    wa_id = wa.new_wa_id()
    assert wa.WebhookSender(stack.url).send(wa.text_payload(wa.LINES[0], wa_id, "Hola")).status_code == 200
    wait(lambda: conversation(stack, wa_id), what="the conversation")
    cid = conversation(stack, wa_id)["_id"]
    path = f"/api/v1/chat/conversations/{cid}/labels"
    labelled = api.post_json(path, {"labels": ["familiar", "urgente", "familiar"]}, team["ana"])
    assert labelled.status_code == 200 and labelled.json()["labels"] == ["familiar", "urgente"]
    found = api.get("/api/v1/chat/conversations?label=urgente&limit=100", sofia).json()["items"]
    assert cid in [c["conversation_id"] for c in found]
    assert api.post_json(path, {"labels": ["familiar"]}, sofia).json()["labels"] == ["familiar"]
    found = api.get("/api/v1/chat/conversations?label=urgente&limit=100", sofia).json()["items"]
    assert cid not in [c["conversation_id"] for c in found]
    before = conversation(stack, wa_id)["labels"]
    for body in ({"labels": ["Urgente"]}, {"labels": "urgente"}, {"labels": ["x"] * 21}, {}, {"labels": ["<b>"]}):
        assert api.post_json(path, body, sofia).status_code == 422, body
    assert conversation(stack, wa_id)["labels"] == before
