"""Complaints caught early: a lawyer's complaint, posted by the signed webhook as Meta does, is flagged, given priority
and routed to the configured complaints area («quejas»), whose agents take it before conversations that waited longer,
under the area's own SLA targets; it is routed once per conversation (a staff correction or transfer afterwards
stands), and a staff correction to a complaint routes a conversation that never was."""
import datetime as dt
import time

import pytest

from tests.support import whatsapp as wa
from tests.support.hours import COMPLAINT_TARGETS
from tests.support.polling import wait

pytestmark = pytest.mark.stack

LINE = wa.LINES[2]    # Ensenada, team "ensenada"
OTHER = wa.LINES[0]   # Mexicali, team "mexicali": nobody in this module serves it
AGENT = "agente.quejas"
COMPLAINT = "Llevo tres semanas esperando y nadie contesta el teléfono del juzgado"
QUESTION = "¿Cuál es el horario de la oficialía de partes?"


def put(api, path, body, token):
    return api.http.put(f"{api.url}{path}", json=body, headers=api.auth(token), timeout=30)


@pytest.fixture(scope="module")
def staff(stack, api):
    tokens = {"agent": stack.token(AGENT, "chat_agent", name="Agente Quejas"),
              "supervisor": stack.token("supervisora.quejas", "chat_supervisor", name="Supervisora Quejas")}
    assert put(api, "/api/v1/chat/agents/me/presence", {"status": "away"}, tokens["agent"]).status_code == 200
    # the complaints area has staff (a complaint is routed only to an area someone serves)
    assert put(api, f"/api/v1/chat/agents/{AGENT}", {"teams": ["ensenada", "quejas"], "capacity": 1},
               tokens["supervisor"]).status_code == 200
    yield tokens
    put(api, "/api/v1/chat/agents/me/presence", {"status": "away"}, tokens["agent"])  # nobody online for the others


def conversation(stack, wa_id):
    return stack.db("chat").conversations.find_one({"wa_id": wa_id})


def assignee(stack, wa_id):
    return ((conversation(stack, wa_id) or {}).get("assignee") or {}).get("sub")


def write(stack, sender, line, wa_id, text):
    wamid = wa.new_wamid()
    assert sender.send(wa.text_payload(line, wa_id, text, wamid=wamid)).status_code == 200
    return wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the inbound message")


def resolve_waiting_with_priority(api, token):
    """What earlier modules left waiting with priority (their complaints) is resolved: this module's queue order
    is about its own conversations."""
    cursor = None
    while True:
        page = api.get("/api/v1/chat/conversations?status=open&assignee=none&limit=100"
                       + (f"&cursor={cursor}" if cursor else ""), token).json()
        for item in page["items"]:
            if item["priority"]:
                assert api.post_json(f"/api/v1/chat/conversations/{item['conversation_id']}/status",
                                     {"status": "resolved"}, token).status_code == 200
        cursor = page["next_cursor"]
        if not cursor:
            return


def test_a_complaint_goes_first_to_the_complaints_area_with_its_own_sla(stack, api, sender, staff):
    supervisor = staff["supervisor"]
    configured = put(api, f"/api/v1/chat/agents/{AGENT}", {"teams": ["ensenada", "quejas"], "capacity": 1},
                     supervisor)
    assert configured.status_code == 200, configured.text
    resolve_waiting_with_priority(api, supervisor)
    # a question waits first on the Ensenada line (a team the agent is in too)
    calm = wa.new_wa_id()
    write(stack, sender, LINE, calm, QUESTION)
    time.sleep(0.3)
    # later, a lawyer's complaint on the Mexicali line
    angry = wa.new_wa_id()
    message = write(stack, sender, OTHER, angry, COMPLAINT)
    assert message["classification"]["label"] == "queja"
    doc = conversation(stack, angry)
    assert doc["complaint"] is True and doc["priority"] is True
    assert (doc["line"], doc["team"], doc["area"]) == (OTHER, "quejas", "quejas")  # still the number it came to
    assert doc["complaint_routed_at"] is not None
    assert conversation(stack, calm)["waiting_since"] < doc["waiting_since"]  # the question waited longer
    # the inbox shows it flagged, with priority, in the complaints area
    listed = api.get(f"/api/v1/chat/conversations?complaint=true&line={OTHER}&limit=100", supervisor).json()["items"]
    summary = next(c for c in listed if c["contact"]["wa_id"] == angry)
    assert (summary["priority"], summary["team"], summary["area"]) == (True, "quejas", "quejas")
    calm_summary = api.get(f"/api/v1/chat/conversations/{conversation(stack, calm)['_id']}", supervisor).json()
    assert (calm_summary["complaint"], calm_summary["priority"], calm_summary["team"]) == (False, False, "ensenada")
    # the complaints area's SLA targets (every hour is open on the test lines: business time is wall time)
    sla = doc["sla"]
    assert sla["area"] == "quejas" and sla["policy"] == COMPLAINT_TARGETS
    started = sla["started_at"]
    assert sla["first_response_due_at"] == started + dt.timedelta(seconds=COMPLAINT_TARGETS["first_response"])
    assert sla["resolution_due_at"] == started + dt.timedelta(seconds=COMPLAINT_TARGETS["resolution"])
    assert summary["sla"]["area"] == "quejas"
    # nobody is online: both wait
    time.sleep(0.6)
    assert assignee(stack, calm) is None and assignee(stack, angry) is None
    # the agent comes online with room for one: the complaint goes first, although the question waited longer
    assert put(api, "/api/v1/chat/agents/me/presence", {"status": "online"}, staff["agent"]).status_code == 200
    wait(lambda: assignee(stack, angry) == AGENT, what="the complaint to be assigned to the complaints agent")
    time.sleep(0.8)
    assert assignee(stack, calm) is None  # the agent is full: the question keeps waiting
    assert conversation(stack, angry)["assigned_by"] == "auto"


def test_a_complaint_is_routed_once_and_a_correction_or_transfer_stands(stack, api, sender, staff):
    supervisor = staff["supervisor"]
    wa_id = wa.new_wa_id()
    message = write(stack, sender, LINE, wa_id, "Es una vergüenza, nadie contesta el teléfono")
    doc = conversation(stack, wa_id)
    assert (doc["complaint"], doc["priority"], doc["team"], doc["area"]) == (True, True, "quejas", "quejas")
    routed_at = doc["complaint_routed_at"]
    cid = doc["_id"]
    # the supervisor says it is not a complaint: flag and priority go, the conversation stays where it was routed
    path = f"/api/v1/chat/conversations/{cid}/messages/{message['_id']}/classification"
    assert api.post_json(path, {"label": "consulta"}, supervisor).status_code == 200
    doc = conversation(stack, wa_id)
    assert (doc["complaint"], doc["priority"], doc["team"], doc["area"]) == (False, None, "quejas", "quejas")
    # staff transfer it to the line's team; a later complaint flags it again, with priority, and does not move it
    moved = api.post_json(f"/api/v1/chat/conversations/{cid}/transfer", {"line": LINE}, supervisor)
    assert moved.status_code == 200, moved.text
    write(stack, sender, LINE, wa_id, "Ya les dije que nadie contesta, es una vergüenza")
    doc = conversation(stack, wa_id)
    assert (doc["complaint"], doc["priority"], doc["team"], doc["area"]) == (True, True, "ensenada", None)
    assert doc["complaint_routed_at"] == routed_at
    # a staff correction to a complaint routes a conversation the rules did not flag
    other = wa.new_wa_id()
    question = write(stack, sender, LINE, other, QUESTION)
    doc = conversation(stack, other)
    assert (doc.get("complaint"), doc.get("priority"), doc.get("team")) == (None, None, None)
    path = f"/api/v1/chat/conversations/{doc['_id']}/messages/{question['_id']}/classification"
    corrected = api.post_json(path, {"label": "queja"}, supervisor)
    assert corrected.status_code == 200, corrected.text
    doc = conversation(stack, other)
    assert (doc["complaint"], doc["priority"], doc["team"], doc["area"]) == (True, True, "quejas", "quejas")


def test_a_complaint_waits_in_its_lines_queue_while_nobody_staffs_the_complaints_area(stack, api, sender, staff):
    """Sent to an area with no agent in its team, a complaint would wait unseen: it stays in its line's queue, flagged
    and first, and the next complaint routes it once a supervisor puts an agent in the area."""
    agents = stack.db("chat").agents
    staffed = [doc["_id"] for doc in agents.find({"teams": "quejas"}, {"_id": 1})]
    agents.update_many({"_id": {"$in": staffed}}, {"$pull": {"teams": "quejas"}})
    try:
        wa_id = wa.new_wa_id()
        write(stack, sender, LINE, wa_id, COMPLAINT)
        doc = conversation(stack, wa_id)
        assert (doc["complaint"], doc["priority"], doc.get("team"), doc.get("area")) == (True, True, None, None)
        assert doc.get("complaint_routed_at") is None
        listed = api.get("/api/v1/chat/conversations", staff["supervisor"],
                         params={"line": LINE, "complaint": "true", "limit": 100}).json()["items"]
        assert any(item["conversation_id"] == doc["_id"] for item in listed)
        # a supervisor staffs the area; the lawyer complains again: routed now
        assert put(api, f"/api/v1/chat/agents/{AGENT}", {"teams": ["ensenada", "quejas"], "capacity": 1},
                   staff["supervisor"]).status_code == 200
        write(stack, sender, LINE, wa_id, "Sigo esperando y nadie me responde, es una falta de respeto")
        doc = conversation(stack, wa_id)
        assert (doc["team"], doc["area"]) == ("quejas", "quejas") and doc["complaint_routed_at"] is not None
    finally:
        agents.update_many({"_id": {"$in": staffed}}, {"$addToSet": {"teams": "quejas"}})
