"""Business hours and SLA against the real stack (services.chat.hours, store/levels.py): a message outside
business hours gets one out-of-office reply at the loopback Graph API, never a second one that day (another
message, a redelivered webhook, two replicas at once); an SLA target that passes unmet is flagged by the
timer with nothing else happening, and the inbox filters on it; hostile filter values are refused."""
import datetime as dt
import threading
import time
import uuid

import pytest

from services.chat import domain, hours, workers
from services.chat.settings import ChatSettings
from services.chat.store import ChatStore
from services.chat.store.levels import InboundLevels, LevelRules
from services.runtime.mongo import utcnow
from services.runtime.workqueue import RetryPolicy
from tests.support import whatsapp as wa
from tests.support.hours import CLOSED_LINE, FAST_SLA_LINE, OUT_OF_OFFICE_TEXT, chat_hours_env
from tests.support.polling import wait

pytestmark = pytest.mark.stack

CONVERSATIONS = "/api/v1/chat/conversations"


@pytest.fixture(scope="module")
def agent(stack):
    return stack.token("agente.horario", "chat_agent", name="Agente Horario")


def write(stack, sender, line, wa_id, text, wamid=None, name="Lic. Laura Gómez"):
    wamid = wamid or wa.new_wamid()
    assert sender.send(wa.text_payload(line, wa_id, text, wamid=wamid, name=name)).status_code == 200
    return wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid}), what="the inbound message")


def automatic_replies(stack, conversation_id):
    return list(stack.db("chat").messages.find({"conversation_id": conversation_id, "automatic": "out_of_office"}))


def test_a_message_outside_business_hours_gets_one_out_of_office_reply_a_day(stack, api, graph, sender, agent):
    wa_id = wa.new_wa_id()
    first = write(stack, sender, CLOSED_LINE, wa_id, "Buenas noches, ¿cuándo es mi audiencia?")
    [sent] = graph.wait_for(wa_id)
    assert sent.phone_number_id == CLOSED_LINE
    assert sent.body == {"messaging_product": "whatsapp", "recipient_type": "individual", "to": wa_id,
                         "type": "text", "text": {"preview_url": False, "body": OUT_OF_OFFICE_TEXT}}
    conversation_id = first["conversation_id"]
    # through the durable send queue like any reply: queued, then sent with its wamid
    [reply] = automatic_replies(stack, conversation_id)
    assert reply["direction"] == "out" and reply["author"] is None
    wait(lambda: stack.db("chat").messages.find_one({"_id": reply["_id"], "status": "sent"}), what="sent")
    assert stack.db("chat").sends.count_documents({"message_id": reply["_id"]}) == 1
    shown = api.get(f"{CONVERSATIONS}/{conversation_id}", agent).json()
    assert [(m["text"], m["automatic"], m["author"]) for m in shown["messages"] if m["direction"] == "out"] == [
        (OUT_OF_OFFICE_TEXT, "out_of_office", None)]
    # an automatic reply is no answer: the conversation still waits for a person, its first response unmet
    assert shown["unanswered"] == 1 and shown["sla"]["first_response_at"] is None
    local_day = dt.datetime.now(dt.timezone.utc).astimezone(hours.ZoneInfo("America/Tijuana")).date().isoformat()
    assert stack.db("chat").conversations.find_one({"_id": conversation_id})["out_of_office_day"] == local_day
    # a second message the same day: none
    write(stack, sender, CLOSED_LINE, wa_id, "¿Me confirman por favor?")
    # the first message again, in another body (Meta's redelivery): kept once, no reply
    assert sender.send(wa.text_payload(CLOSED_LINE, wa_id, "Buenas noches, ¿cuándo es mi audiencia?",
                                       wamid=first["wamid"], name="Laura")).status_code == 200
    time.sleep(1.5)  # several runs of the inbound and send timers
    assert len(graph.to(wa_id)) == 1
    assert len(automatic_replies(stack, conversation_id)) == 1
    assert stack.db("chat").messages.count_documents({"conversation_id": conversation_id, "direction": "in"}) == 2


def test_a_message_within_business_hours_gets_no_automatic_reply(stack, graph, sender):
    wa_id = wa.new_wa_id()
    message = write(stack, sender, wa.LINES[0], wa_id, "Consulta sobre un expediente")
    time.sleep(1)
    assert graph.to(wa_id) == [] and automatic_replies(stack, message["conversation_id"]) == []


def test_two_replicas_storing_messages_of_one_conversation_at_once_queue_one_reply(stack):
    """Two workers apply two different messages of one new conversation at the same instant (as two replicas
    would, each with its own payload): the conversation and one out-of-office reply, never two."""
    settings = ChatSettings(chat_hours_env())
    rules = LevelRules(settings.hours, settings.sla_policies, RetryPolicy(backoff_seconds=1, backoff_max_seconds=2,
                                                                          max_attempts=2, lease_seconds=60))
    wa_id = wa.new_wa_id()
    barrier = threading.Barrier(4)
    outcomes, failures = [], []

    def replica(n):
        store = ChatStore(stack.db("chat"), stack.client)
        now = utcnow()
        record = domain.message_record({"from": wa_id, "id": wa.new_wamid() + f"r{n}", "type": "text",
                                        "timestamp": str(int(time.time())), "text": {"body": f"Mensaje {n}"}}, now)
        outcome = InboundLevels()
        barrier.wait()
        try:
            if store.add_inbound(CLOSED_LINE, record, "Lic. Laura Gómez", now, rules, outcome):
                outcomes.append(outcome)
        except Exception as exc:  # noqa: BLE001 - reported below
            failures.append(exc)

    threads = [threading.Thread(target=replica, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures and len(outcomes) == 4                       # every message stored
    conversation = stack.db("chat").conversations.find_one({"line": CLOSED_LINE, "wa_id": wa_id})
    assert len(automatic_replies(stack, conversation["_id"])) == 1
    assert sum(1 for o in outcomes if o.out_of_office_id) == 1       # counted once


def test_an_sla_target_missed_is_flagged_by_the_timer_and_filtered(stack, api, sender, agent):
    wa_id = wa.new_wa_id()
    message = write(stack, sender, FAST_SLA_LINE, wa_id, "Necesito saber el estado de mi demanda")
    conversation_id = message["conversation_id"]
    # nothing else happens: the timer flags the first response (1 s) and then the resolution (3 s)
    breached = wait(lambda: next((c for c in api.get(f"{CONVERSATIONS}?line={FAST_SLA_LINE}&sla_breached=true",
                                                     agent).json()["items"]
                                  if c["conversation_id"] == conversation_id
                                  and "resolution" in c["sla"]["breaches"]), None), timeout=20, what="the breach")
    assert breached["sla_breached"] is True and breached["sla"]["breaches"] == ["first_response", "resolution"]
    assert breached["sla"]["first_response_at"] is None and breached["sla"]["first_response_due_at"]
    not_breached = api.get(f"{CONVERSATIONS}?line={FAST_SLA_LINE}&sla_breached=false", agent).json()["items"]
    assert conversation_id not in [c["conversation_id"] for c in not_breached]
    stored = stack.db("chat").conversations.find_one({"_id": conversation_id})
    assert stored["sla_breached"] is True and stored["sla"]["breaches"] == ["first_response", "resolution"]
    assert stored["sla_check_at"] is None                            # nothing left to watch
    # the reply is recorded; the breach stays
    response = api.post_json(f"{CONVERSATIONS}/{conversation_id}/messages", {"text": "Ya la revisamos."}, agent)
    assert response.status_code == 202, response.text
    summary = api.get(f"{CONVERSATIONS}/{conversation_id}", agent).json()
    assert summary["sla"]["first_response_at"] and summary["sla"]["breaches"] == ["first_response", "resolution"]


def test_a_conversation_within_its_targets_is_listed_as_not_breached(stack, api, sender, agent):
    wa_id = wa.new_wa_id()
    conversation_id = write(stack, sender, wa.LINES[1], wa_id, "Consulta de horario de audiencias")["conversation_id"]
    listed = wait(lambda: next((c for c in api.get(f"{CONVERSATIONS}?line={wa.LINES[1]}&sla_breached=false",
                                                   agent).json()["items"]
                                if c["conversation_id"] == conversation_id), None), what="the conversation")
    assert listed["sla_breached"] is False and listed["sla"]["breaches"] == []
    assert listed["sla"]["first_response_due_at"] and listed["sla"]["resolution_due_at"]
    breached = api.get(f"{CONVERSATIONS}?line={wa.LINES[1]}&sla_breached=true", agent).json()["items"]
    assert conversation_id not in [c["conversation_id"] for c in breached]


@pytest.mark.parametrize("value", ["maybe", "2", "", "true&sla_breached=false", "{\"$ne\":true}"])
def test_a_hostile_sla_filter_is_refused(stack, api, agent, value):
    before = stack.db("chat").audit.count_documents({"action": "list_conversations", "actor.sub": "agente.horario"})
    response = api.get(f"{CONVERSATIONS}?sla_breached={value}", agent)
    assert response.status_code == 422, response.text
    assert "sla_breached" in response.text
    after = stack.db("chat").audit.count_documents({"action": "list_conversations", "actor.sub": "agente.horario"})
    assert after == before                                           # nothing listed, nothing read


def test_two_replicas_checking_at_once_flag_and_count_a_breach_once(stack):
    """The timer's work from two replicas at the same instant, on a database of its own: each missed target
    is recorded and counted once."""
    db = stack.client[f"{stack.prefix}_levels_{uuid.uuid4().hex[:6]}"]
    try:
        ChatStore.ensure_indexes(db)
        now = utcnow()
        policy = hours.SlaPolicy(60, 60, 120)
        line_hours = ChatSettings(chat_hours_env()).hours[FAST_SLA_LINE]
        for n in range(20):
            sla = hours.sla_after_user_message(None, line_hours, policy, None, now - dt.timedelta(minutes=5),
                                               reopened=False)
            db.conversations.insert_one({"_id": f"c{n}", "line": FAST_SLA_LINE, "wa_id": str(n), "status": "open",
                                         "sla": sla, "sla_check_at": hours.check_at(sla), "sla_breached": False})
        plan = str(db.conversations.find({"sla_check_at": {"$lte": now}}).sort(
            [("sla_check_at", 1), ("_id", 1)]).explain()["queryPlanner"]["winningPlan"])
        assert "IXSCAN" in plan and "sla_check_at" in plan                # the timer reads an index range
        heard, barrier = [], threading.Barrier(2)

        def replica():
            store = ChatStore(db, stack.client)
            barrier.wait()
            while workers.check_service_levels(store, utcnow(), lambda line, kind: heard.append(kind)):
                pass

        threads = [threading.Thread(target=replica) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(heard) == ["first_response"] * 20 + ["resolution"] * 20
        assert db.conversations.count_documents({"sla_breached": True, "sla_check_at": None}) == 20
    finally:
        stack.client.drop_database(db.name)


def test_the_lines_show_their_business_hours(stack, api, agent):
    lines = {line["phone_number_id"]: line for line in api.get("/api/v1/chat/lines", agent).json()["items"]}
    closed = lines[CLOSED_LINE]["hours"]
    assert closed["time_zone"] == "America/Tijuana" and closed["open_now"] is False
    assert closed["next_opening"] is None and closed["week"]["mon"] == [] and closed["holidays"] == ["2026-12-25"]
    assert closed["out_of_office"] == OUT_OF_OFFICE_TEXT
    always = lines[wa.LINES[0]]["hours"]
    assert always["open_now"] is True and always["week"]["sun"] == ["00:00-24:00"] and always["next_opening"]
