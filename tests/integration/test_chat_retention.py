"""Retention against the real stack (a stack of its own: CHAT_RETENTION_DAYS=30, a run every second).

Conversations are made through the real flow (signed webhooks, a document fetched from the loopback Graph API, a
note, an inquiry answered, a corrected classification, the resolve with its survey), then moved back in time in
the chat's database, every instant of them at once, while the test holds the retention's lease so no run sees them
half moved. Released: the ones resolved and untouched for 45 days are erased (the API answers 404, their media is
gone from GridFS, no document of the chat's database holds their number or their words, the reports count them as
before), while a recent resolved one, an open one, one with an inquiry unanswered and one with a recent note stay
whole. A conversation left half erased (as by a run that died) is finished. More runs change nothing."""
import datetime
import hashlib
import time
from zoneinfo import ZoneInfo

import bson
import pytest

from services.chat.store.reports import MESSAGE_FIGURES
from services.runtime import devstack
from tests.support import whatsapp as wa
from tests.support.api import Api
from tests.support.graph import graph_server
from tests.support.polling import wait
from tests.support.stack import TestStack

pytestmark = pytest.mark.stack

SERVICES = [s for s in devstack.SERVICES if s[0] in ("chat", "gateway")]
LINE = wa.LINES[1]  # Tijuana
RETENTION_DAYS = 30
OLD, RECENT = datetime.timedelta(days=45), datetime.timedelta(days=10)
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n" + b"expediente 01001-2026-04417 " * 20
LOCK_HELD_UNTIL = datetime.datetime(2100, 1, 1, tzinfo=datetime.timezone.utc)


@pytest.fixture(scope="module")
def stack():
    own = TestStack(services=SERVICES, extra_env={"CHAT_RETENTION_DAYS": str(RETENTION_DAYS),
                                                   "CHAT_RETENTION_INTERVAL": "1"})
    try:
        yield own.start()
    finally:
        own.stop()


@pytest.fixture(scope="module")
def api(stack):
    return Api(stack)


@pytest.fixture(scope="module")
def tokens(stack, api):
    found = {"agent": stack.token("agente.retencion", "chat_agent", name="Agente Retención"),
             "supervisor": stack.token("supervisora.retencion", "chat_supervisor", name="Supervisora Retención")}
    for token in found.values():
        assert api.get("/api/v1/chat/lines", token).status_code == 200
    return found


def write(stack, text, media=None):
    """A new number writes ``text`` (and a document) on the line; returns (conversation_id, wa_id)."""
    conversation_id, wa_id = wa.open_conversation(stack, LINE, text, wa.WebhookSender(stack.url))
    if media is not None:
        wamid = wa.new_wamid()
        payload = wa.messages_payload(LINE, wa_id, [wa.message(wa_id, "document", media, wamid)])
        assert wa.WebhookSender(stack.url).send(payload).status_code == 200
        stored = wait(lambda: stack.db("chat").messages.find_one({"wamid": wamid, "media.status": "stored"}),
                      what="the document stored")
        assert stored["conversation_id"] == conversation_id
    return conversation_id, wa_id


def resolve(api, stack, token, conversation_id):
    response = api.post_json(f"/api/v1/chat/conversations/{conversation_id}/status", {"status": "resolved"}, token)
    assert response.status_code == 200, response.text
    wait(lambda: stack.db("chat").messages.find_one({"conversation_id": conversation_id, "survey_id": {"$ne": None},
                                                      "status": "sent"}), what="the survey sent")


def shifted(value, delta):
    if isinstance(value, datetime.datetime):
        return value - delta
    if isinstance(value, dict):
        return {key: shifted(item, delta) for key, item in value.items()}
    if isinstance(value, list):
        return [shifted(item, delta) for item in value]
    return value


def move_back(stack, conversation_id, wa_id, delta, notes=True, **conversation_extra):
    """Every instant of a conversation and of what hangs from it ``delta`` earlier, the conversation last (so no run
    takes it for old while its parts are not)."""
    db = stack.db("chat")
    message_ids = [m["_id"] for m in db.messages.find({"conversation_id": conversation_id}, {"_id": 1})]
    wamids = [m["wamid"] for m in db.messages.find({"conversation_id": conversation_id, "wamid": {"$type": "string"}})]
    parts = [(db.messages, {"conversation_id": conversation_id}), (db.inquiries, {"conversation_id": conversation_id}),
             (db.surveys, {"conversation_id": conversation_id}), (db.statuses, {"wamid": {"$in": wamids}}),
             (db["media.files"], {"metadata.message_id": {"$in": message_ids}}),
             (db.classification_corrections, {"conversation_id": conversation_id})]
    if wa_id:
        parts.append((db.webhooks, {"raw": {"$regex": wa_id}}))
    if notes:
        parts.append((db.notes, {"conversation_id": conversation_id}))
    for collection, query in parts:
        for doc in collection.find(query):
            collection.replace_one({"_id": doc["_id"]}, shifted(doc, delta))
    doc = db.conversations.find_one({"_id": conversation_id})
    db.conversations.replace_one({"_id": conversation_id}, {**shifted(doc, delta), **conversation_extra})


def whole(stack, conversation_id):
    """Everything of a conversation in the chat's database, to compare before and after (but its SLA clocks, which
    the SLA timer may flag meanwhile, and when the retention will look at it again, which a run that kept it
    writes)."""
    db = stack.db("chat")
    conversation = db.conversations.find_one({"_id": conversation_id})
    for key in ("sla", "sla_check_at", "sla_breached", "retention_check_at"):
        conversation.pop(key, None)
    return {"conversation": conversation,
            "messages": list(db.messages.find({"conversation_id": conversation_id}).sort("_id")),
            "notes": list(db.notes.find({"conversation_id": conversation_id}).sort("_id")),
            "inquiries": list(db.inquiries.find({"conversation_id": conversation_id}).sort("_id"))}


def holds(stack, needles):
    """The (collection, _id) of every document of the chat's database whose BSON holds one of ``needles``."""
    db = stack.db("chat")
    found = []
    for name in db.list_collection_names():
        for doc in db[name].find():
            raw = bson.encode(doc)
            if any(needle.encode("utf-8") in raw for needle in needles):
                found.append((name, doc["_id"]))
    return found


def hold_the_lease(db):
    """Take the retention's lease as a replica does, only once no run holds it (a run in flight could otherwise see
    a conversation moved back and erase it before the test looked): no run starts until the test lets it go."""
    def taken():
        now = datetime.datetime.now(datetime.timezone.utc)
        return db.locks.update_one({"_id": "retention", "until": {"$lt": now}},
                                   {"$set": {"owner": "the-test", "until": LOCK_HELD_UNTIL}}).modified_count
    wait(taken, timeout=30, what="the retention's lease free")


def runs_seen(stack, count):
    """Wait until the retention ran ``count`` more times (each run moves its lease's ``until``)."""
    locks = stack.db("chat").locks
    seen, last = 0, (locks.find_one({"_id": "retention"}) or {}).get("until")
    deadline = time.monotonic() + 60
    while seen < count:
        assert time.monotonic() < deadline, "the retention stopped running"
        now = (locks.find_one({"_id": "retention"}) or {}).get("until")
        if now != last:
            seen, last = seen + 1, now
        time.sleep(0.05)


def test_expired_conversations_are_erased_and_the_rest_stay_whole(stack, api, tokens):
    agent, supervisor = tokens["agent"], tokens["supervisor"]
    graph = graph_server(stack.graph_port)
    db = stack.db("chat")
    # the old one: a question, a document, a note, an area's inquiry answered, a corrected classification, resolved
    words = "Mi cliente Rogelio Ibarra Quintero pregunta por el expediente 01001-2026-04417 de su divorcio"
    media_id = f"8{int(time.time())}01"
    graph.add_media(media_id, PDF, "application/pdf")
    old_id, old_wa = write(stack, words, {"id": media_id, "mime_type": "application/pdf", "filename": "ibarra.pdf",
                                          "sha256": hashlib.sha256(PDF).hexdigest()})
    note = api.post_json(f"/api/v1/chat/conversations/{old_id}/notes", {"text": "Llamar al Lic. Ibarra al 6861112233"},
                         agent)
    assert note.status_code == 201, note.text
    asked = api.post_json(f"/api/v1/chat/conversations/{old_id}/inquiries",
                          {"area": "quejas", "question": "¿Qué pasó con el divorcio de Rogelio Ibarra Quintero?"},
                          agent)
    assert asked.status_code == 201, asked.text
    answered = api.post_json(f"/api/v1/chat/inquiries/{asked.json()['inquiry_id']}/answer",
                             {"text": "Se le atendió en ventanilla el lunes."}, supervisor)
    assert answered.status_code == 200, answered.text
    first = db.messages.find_one({"conversation_id": old_id, "direction": "in", "type": "text"})
    corrected = api.post_json(f"/api/v1/chat/conversations/{old_id}/messages/{first['_id']}/classification",
                              {"label": "sugerencia"}, agent)
    assert corrected.status_code == 200, corrected.text
    resolve(api, stack, agent, old_id)
    survey = db.messages.find_one({"conversation_id": old_id, "survey_id": {"$ne": None}})
    assert wa.WebhookSender(stack.url).send(wa.status_payload(LINE, survey["wamid"], old_wa, "delivered")
                                            ).status_code == 200
    wait(lambda: db.statuses.find_one({"wamid": survey["wamid"]}), what="the survey's status kept")
    file_id = db.messages.find_one({"conversation_id": old_id, "type": "document"})["media"]["file_id"]
    document = db.messages.find_one({"conversation_id": old_id, "type": "document"})

    # the others
    halfway_words = "Soy la Lic. Brenda Solís Arreola, pregunto por la audiencia del 4 de marzo"
    halfway_id, halfway_wa = write(stack, halfway_words)
    assert api.post_json(f"/api/v1/chat/conversations/{halfway_id}/notes", {"text": "Pendiente de Brenda"},
                         agent).status_code == 201
    resolve(api, stack, agent, halfway_id)
    recent_id, _ = write(stack, "¿Cuál es el horario de oficialía de partes?")
    resolve(api, stack, agent, recent_id)
    open_id, _ = write(stack, "Necesito una copia certificada de la sentencia")
    waiting_id, _ = write(stack, "¿Ya se admitió mi amparo?")
    pending_inquiry = api.post_json(f"/api/v1/chat/conversations/{waiting_id}/inquiries",
                                    {"area": "quejas", "question": "¿Quién lleva este amparo?"}, agent)
    assert pending_inquiry.status_code == 201, pending_inquiry.text
    resolve(api, stack, agent, waiting_id)
    noted_id, _ = write(stack, "Gracias por la información")
    resolve(api, stack, agent, noted_id)

    # back in time, while the test holds the retention's lease (no run in between)
    hold_the_lease(db)
    try:
        move_back(stack, old_id, old_wa, OLD)
        move_back(stack, recent_id, None, RECENT)
        move_back(stack, open_id, None, OLD + datetime.timedelta(days=2))  # another day
        move_back(stack, waiting_id, None, OLD)
        move_back(stack, noted_id, None, OLD, notes=False)
        assert api.post_json(f"/api/v1/chat/conversations/{noted_id}/notes", {"text": "Revisar mañana"},
                             agent).status_code == 201  # touched today: kept
        # a conversation whose erasure a run began and did not finish: marked, its notes gone, its messages not
        move_back(stack, halfway_id, halfway_wa, OLD)
        figures = next(db.messages.aggregate([{"$match": {"conversation_id": halfway_id}}, *MESSAGE_FIGURES]))
        figures.pop("_id")
        marked_at = datetime.datetime.now(datetime.timezone.utc)
        db.conversations.update_one({"_id": halfway_id}, {"$set": {
            "erased_at": marked_at, "wa_id": f"erased:{halfway_id}", "figures": figures,
            "erasing": {"wa_id": halfway_wa, "since": marked_at, "destroying": True}}})
        db.notes.delete_many({"conversation_id": halfway_id})
        assert api.get(f"/api/v1/chat/conversations/{halfway_id}", agent).status_code == 404  # never seen half
        kept = {cid: whole(stack, cid) for cid in (recent_id, open_id, waiting_id, noted_id)}
        day = (datetime.datetime.now(datetime.timezone.utc) - OLD).astimezone(
            ZoneInfo("America/Tijuana")).date().isoformat()
        report_query = {"from": day, "to": day, "line": LINE}
        before = api.get("/api/v1/chat/reports", supervisor, params=report_query)
        assert before.status_code == 200, before.text
        assert before.json()["volumes"]["conversations"] >= 4
        assert api.get(f"/api/v1/chat/conversations/{old_id}", agent).status_code == 200
    finally:
        db.locks.update_one({"_id": "retention", "owner": "the-test"},
                            {"$set": {"until": datetime.datetime.now(datetime.timezone.utc)}})

    wait(lambda: db.conversations.find_one({"_id": old_id, "erased_at": {"$ne": None}, "erasing": None}), timeout=30,
         what="the old conversation erased")
    wait(lambda: db.conversations.find_one({"_id": halfway_id, "erasing": None}), timeout=30,
         what="the half-erased conversation finished")

    # gone for the API
    for cid in (old_id, halfway_id):
        assert api.get(f"/api/v1/chat/conversations/{cid}", agent).status_code == 404
    assert api.get(f"/api/v1/chat/conversations/{old_id}/messages/{document['_id']}/media", agent).status_code == 404
    listed = api.get("/api/v1/chat/conversations", agent, params={"limit": 100}).json()["items"]
    assert {c["conversation_id"] for c in listed} == {recent_id, open_id, waiting_id, noted_id}
    # gone from the database: the media's bytes, the messages, notes, inquiries, statuses, the payloads; nothing
    # anywhere holds their numbers, names or words
    assert db["media.files"].count_documents({"_id": file_id}) == 0
    assert db["media.chunks"].count_documents({"files_id": file_id}) == 0
    for cid in (old_id, halfway_id):
        for name in ("messages", "notes", "inquiries"):
            assert db[name].count_documents({"conversation_id": cid}) == 0, name
    assert db.statuses.count_documents({"wamid": survey["wamid"]}) == 0
    assert db.classification_corrections.find_one({"conversation_id": old_id})["text"] is None
    assert holds(stack, [old_wa, halfway_wa, "Ibarra", "Brenda", "04417", "6861112233", "ventanilla"]) == []
    shell = db.conversations.find_one({"_id": old_id})
    assert shell["wa_id"] == f"erased:{old_id}" and shell["status"] == "resolved"
    assert "contact" not in shell and "last_message_preview" not in shell
    # the reports count them as before
    after = api.get("/api/v1/chat/reports", supervisor, params=report_query)
    assert after.status_code == 200, after.text
    assert after.json() == before.json()
    # the others, whole
    for cid, was in kept.items():
        assert whole(stack, cid) == was, cid
        assert api.get(f"/api/v1/chat/conversations/{cid}", agent).status_code == 200
    # audited before they went: who, how many, which
    entries = list(db.audit.find({"action": "erase_conversations"}))
    named = [cid for entry in entries for cid in entry["details"]["conversation_ids"]]
    assert sorted(named) == sorted([old_id, halfway_id])
    assert all(entry["actor"] == {"sub": "system:retention", "role": "system"} and entry["outcome"] == "allowed"
               and entry["details"]["count"] == len(entry["details"]["conversation_ids"])
               and entry["details"]["retention_days"] == RETENTION_DAYS for entry in entries)

    # more runs change nothing
    erased = {cid: whole(stack, cid) for cid in (old_id, halfway_id)}
    runs_seen(stack, 3)
    for cid, was in {**kept, **erased}.items():
        assert whole(stack, cid) == was, cid
    assert db.audit.count_documents({"action": "erase_conversations"}) == len(entries)
    # the two it found not expired are put off until they could be (the note's day plus the retention; a day for the
    # unanswered inquiry): the runs pass them by meanwhile instead of reading them again every time
    now = datetime.datetime.now(datetime.timezone.utc)
    waiting = db.conversations.find_one({"_id": waiting_id})["retention_check_at"].replace(tzinfo=datetime.timezone.utc)
    noted = db.conversations.find_one({"_id": noted_id})["retention_check_at"].replace(tzinfo=datetime.timezone.utc)
    assert now + datetime.timedelta(hours=23) < waiting <= now + datetime.timedelta(days=1)
    assert now + datetime.timedelta(days=RETENTION_DAYS - 1) < noted <= now + datetime.timedelta(days=RETENTION_DAYS)

    # the same number writes again: a new conversation, the erased one stays gone
    assert wa.WebhookSender(stack.url).send(wa.text_payload(LINE, old_wa, "Buenos días otra vez")).status_code == 200
    new = wait(lambda: db.conversations.find_one({"line": LINE, "wa_id": old_wa}), what="a new conversation")
    assert new["_id"] != old_id and new["status"] == "open"
    assert api.get(f"/api/v1/chat/conversations/{old_id}", agent).status_code == 404


def test_writes_that_meet_an_erasure_change_nothing_or_take_it_back(stack, api, tokens):
    """An entrypoint reads the conversation, the retention marks it, then the entrypoint writes: the conversation's
    own writes (status, labels, transfer, assignment, a reply with its send job) are not made, and the API answers
    404 as its read would have. A note or an inquiry stored while the mark can still be taken back takes it back
    (new activity: the conversation is kept, with its number); once the destruction began, neither is kept, nor a
    classification correction (which copies the message's text)."""
    from services.chat import workers
    from services.chat.settings import ChatSettings
    from services.chat.store import ChatStore

    agent = tokens["agent"]
    db = stack.db("chat")
    store = ChatStore(db, stack.client)
    policy = workers.send_policy(ChatSettings({}))
    conversation_id, wa_id = write(stack, "Pregunto por el exhorto 0417 que mandaron de Ensenada")
    resolve(api, stack, agent, conversation_id)
    hold_the_lease(db)
    try:
        move_back(stack, conversation_id, wa_id, OLD)
        read = db.conversations.find_one({"_id": conversation_id})  # what the entrypoint read before the mark
        now = datetime.datetime.now(datetime.timezone.utc)
        cutoff = now - datetime.timedelta(days=RETENTION_DAYS)
        assert store.mark_for_erasure(read, cutoff, now)
        marked, sends = whole(stack, conversation_id), db.sends.count_documents({})

        assert store.set_status(conversation_id, "open", None) is None
        assert store.set_labels(conversation_id, ["urgente"]) is None
        assert store.transfer(conversation_id, {"line": None, "area": "quejas", "team": "quejas"},
                              {"sub": "agente.retencion"}) is None
        assert store.assign(conversation_id, None, {"sub": "agente.retencion", "name": "Agente"}) is None
        assert store.queue_reply(read, {"sub": "agente.retencion"}, "Con gusto le informo", policy) is None
        assert whole(stack, conversation_id) == marked and db.sends.count_documents({}) == sends

        # a note while the mark can be taken back: kept, and the conversation is back with its number
        note = store.add_note(conversation_id, {"sub": "agente.retencion"}, "Llamar mañana")
        assert note is not None and db.notes.find_one({"_id": note["_id"]})
        back = db.conversations.find_one({"_id": conversation_id})
        assert back["erased_at"] is None and back["wa_id"] == wa_id and "erasing" not in back

        # marked again, and its destruction begun: neither a note nor an inquiry is kept
        assert store.mark_for_erasure(back, cutoff, now)
        db.conversations.update_one({"_id": conversation_id}, {"$set": {"erasing.destroying": True}})
        assert store.add_note(conversation_id, {"sub": "agente.retencion"}, "Demasiado tarde") is None
        assert store.add_inquiry(back, {"area": "quejas"}, "¿Llegó el exhorto?", {"sub": "agente.retencion"},
                                 lambda asked_at: asked_at, "Tijuana") is None
        first = db.messages.find_one({"conversation_id": conversation_id, "direction": "in", "type": "text"})
        assert store.correct_classification(first, "queja", "agente.retencion") is None  # it copies the text
        assert db.notes.count_documents({"conversation_id": conversation_id, "text": "Demasiado tarde"}) == 0
        assert db.inquiries.count_documents({"conversation_id": conversation_id}) == 0
        assert db.classification_corrections.count_documents({"conversation_id": conversation_id}) == 0
        assert "corrected" not in db.messages.find_one({"_id": first["_id"]})["classification"]
        assert store.finish_erasure(conversation_id)
    finally:
        db.locks.update_one({"_id": "retention", "owner": "the-test"},
                            {"$set": {"until": datetime.datetime.now(datetime.timezone.utc)}})

    # through the API, every write to the erased conversation is 404 and stores nothing
    path = f"/api/v1/chat/conversations/{conversation_id}"
    shell, sends = whole(stack, conversation_id), db.sends.count_documents({})
    for suffix, body in (("/status", {"status": "open"}), ("/labels", {"labels": ["urgente"]}),
                         ("/transfer", {"area": "quejas"}), ("/assign", {"agent": None}),
                         ("/notes", {"text": "Nota"}), ("/messages", {"text": "Hola"}),
                         ("/inquiries", {"area": "quejas", "question": "¿Y el exhorto?"})):
        response = api.post_json(path + suffix, body, agent)
        assert response.status_code == 404, (suffix, response.text)
        assert response.json()["error"] == "conversation_not_found"
    assert whole(stack, conversation_id) == shell and db.sends.count_documents({}) == sends
