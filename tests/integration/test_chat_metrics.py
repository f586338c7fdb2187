"""The chat's business counters against a real MongoDB, in process and on a database of each test's own: a stored
answer to the satisfaction survey counts once by its score, and a complaint counts once by its area when it flags
a conversation (or reopens a resolved one), never again for the same message delivered twice, as the service counts
them once the message's transaction committed (``ChatService._inbound_heard``)."""
import time
import uuid

import pytest
from prometheus_client import REGISTRY

from services.chat import domain, workers
from services.chat.service import ChatService
from services.chat.settings import ChatSettings
from services.chat.store import ChatStore
from services.chat.store.levels import LevelRules
from services.runtime.mongo import utcnow
from tests.support import whatsapp as wa
from tests.support.hours import chat_hours_env

pytestmark = pytest.mark.stack

LINE = wa.LINES[2]
SETTINGS = ChatSettings(chat_hours_env())
RULES = LevelRules(SETTINGS.hours, SETTINGS.sla_policies, workers.send_policy(SETTINGS), SETTINGS.complaints_area)
COMPLAINT = "Quiero presentar una queja: llevo tres semanas esperando y nadie contesta el teléfono del juzgado"


def value(name, **labels):
    return REGISTRY.get_sample_value(name, labels) or 0


@pytest.fixture
def store(stack):
    db = stack.client[f"{stack.prefix}_chatmetrics_{uuid.uuid4().hex[:6]}"]
    ChatStore.ensure_indexes(db)
    yield ChatStore(db, stack.client)
    stack.client.drop_database(db.name)


def user_writes(store, wa_id, text, wamid=None):
    """A WhatsApp text message applied as the payload applier does; returns its wamid (None if a duplicate)."""
    wamid = wamid or wa.new_wamid()
    now = utcnow()
    record = domain.message_record({"from": wa_id, "id": wamid, "type": "text", "timestamp": str(int(time.time())),
                                    "text": {"body": text}}, now)
    stored = workers.apply_message(store, LINE, record, "Lic. Laura Gómez", now, RULES, ChatService._inbound_heard)
    return wamid if stored else None


def resolve(store, wa_id):
    conversation = store.db.conversations.find_one({"wa_id": wa_id})
    store.set_status(conversation["_id"], domain.RESOLVED, None)
    return conversation["_id"]


def test_a_survey_answer_counts_once_by_its_score(store):
    wa_id = wa.new_wa_id()
    user_writes(store, wa_id, "¿Dónde consulto mi expediente?")
    conversation_id = resolve(store, wa_id)
    store.queue_survey(conversation_id, None, utcnow(), workers.send_policy(SETTINGS), SETTINGS.survey_template())
    assert store.db.conversations.find_one({"_id": conversation_id})["csat"]["status"] == "sent"
    fives, fours = value("portal_chat_csat_answers_total", score="5"), value("portal_chat_csat_answers_total", score="4")

    answer = user_writes(store, wa_id, "5")
    assert store.db.conversations.find_one({"_id": conversation_id})["csat"]["score"] == 5
    assert value("portal_chat_csat_answers_total", score="5") == fives + 1
    assert user_writes(store, wa_id, "5", wamid=answer) is None           # the same webhook delivered again
    user_writes(store, wa_id, "4")                                         # answered already: a new message
    assert store.db.conversations.find_one({"_id": conversation_id})["csat"]["score"] == 5
    assert value("portal_chat_csat_answers_total", score="5") == fives + 1
    assert value("portal_chat_csat_answers_total", score="4") == fours


def test_a_complaint_counts_once_by_its_area_when_it_flags_the_conversation(store):
    wa_id = wa.new_wa_id()
    area = SETTINGS.complaints_area
    before = value("portal_chat_complaints_total", area=area)

    user_writes(store, wa_id, "¿Cuál es el horario de la oficialía de partes?")
    assert value("portal_chat_complaints_total", area=area) == before               # a question is no complaint
    first = user_writes(store, wa_id, COMPLAINT)
    assert store.db.conversations.find_one({"wa_id": wa_id})["complaint"] is True
    assert value("portal_chat_complaints_total", area=area) == before + 1
    assert user_writes(store, wa_id, COMPLAINT, wamid=first) is None                 # delivered again
    user_writes(store, wa_id, "Es una queja, exijo que me atiendan")                 # the same matter, flagged already
    assert value("portal_chat_complaints_total", area=area) == before + 1

    resolve(store, wa_id)
    user_writes(store, wa_id, COMPLAINT)                                             # a new matter reopens it
    assert value("portal_chat_complaints_total", area=area) == before + 2
