"""What a change of the chat database means for a connected inbox (services.chat.live): small events, ids and
states only; bookkeeping is no event."""
from services.chat import live


def change(collection, operation, doc, key="k1", updated=None, removed=None, token="82AB"):
    value = {"_id": {"_data": token}, "operationType": operation, "ns": {"coll": collection},
             "documentKey": {"_id": key}, "fullDocument": doc}
    if operation == "update":
        value["updateDescription"] = {"updatedFields": updated or {}, "removedFields": removed or []}
    return value


def test_a_new_message_is_a_message_event_with_ids_and_state_only():
    doc = {"conversation_id": "c1", "direction": "in", "status": "received", "text": "secreto", "wa_id": "5216"}
    event = live.event_of(change("messages", "insert", doc, key="m1", token="82FF"))
    assert event == {"id": "82FF", "type": "message",
                     "data": {"conversation_id": "c1", "message_id": "m1", "direction": "in", "status": "received"}}


def test_a_status_or_an_error_of_a_message_is_a_message_status_event():
    doc = {"conversation_id": "c1", "status": "failed", "error": {"reason": "No se pudo entregar.", "retrying": False}}
    event = live.event_of(change("messages", "update", doc, key="m1", updated={"status": "failed",
                                                                               "status_at.failed": 1, "error": {}}))
    assert event["type"] == "message_status"
    assert event["data"] == {"conversation_id": "c1", "message_id": "m1", "status": "failed",
                             "error": {"reason": "No se pudo entregar.", "retrying": False}}
    assert live.event_of(change("messages", "update", {"conversation_id": "c1", "status": "sent", "error": None},
                                updated={"status": "sent"}))["data"]["error"] is None


def test_bookkeeping_alone_is_no_event():
    assert live.event_of(change("messages", "update", {"conversation_id": "c1"}, updated={"attempts": 2})) is None
    assert live.event_of(change("conversations", "update", {"status": "open"}, updated={"updated_at": 1})) is None
    assert live.event_of(change("agents", "update", {"presence": "online"}, updated={"last_seen_at": 1,
                                                                                     "name": "x"})) is None
    assert live.event_of(change("messages", "update", {"conversation_id": "c1"},
                                updated={"media.status": "stored"})) is None


def test_a_conversation_change_names_the_fields_that_changed():
    doc = {"line": "100000000000002", "status": "open", "assignee": {"sub": "agente.ana", "name": "Ana"},
           "contact": {"wa_id": "5216", "name": "Lic. Gómez"}, "last_message_preview": "texto"}
    event = live.event_of(change("conversations", "update", doc, key="c1",
                                 updated={"assignee": {}, "assigned_at": 1, "updated_at": 1}))
    assert event["type"] == "conversation"
    assert event["data"] == {"conversation_id": "c1", "line": "100000000000002", "status": "open",
                             "assignee": "agente.ana", "changed": ["assigned_at", "assignee"]}
    created = live.event_of(change("conversations", "insert", {**doc, "assignee": None}, key="c2"))
    assert created["data"]["changed"] == ["created"] and created["data"]["assignee"] is None
    unsnoozed = live.event_of(change("conversations", "update", doc, key="c1", updated={"status": "open"},
                                     removed=["snoozed_until"]))
    assert unsnoozed["data"]["changed"] == ["snoozed_until", "status"]


def test_notes_and_agents():
    assert live.event_of(change("notes", "insert", {"conversation_id": "c1", "text": "privada"}, key="n1"))[
        "data"] == {"conversation_id": "c1", "note_id": "n1"}
    assert live.event_of(change("agents", "update", {"presence": "online"}, key="agente.ana",
                                updated={"presence": "online", "presence_at": 1}))["data"] == {
        "agent": "agente.ana", "presence": "online"}


def test_a_document_that_is_gone_or_another_collection_is_no_event():
    assert live.event_of(change("messages", "update", None, updated={"status": "read"})) is None
    assert live.event_of(change("webhooks", "insert", {"raw": "{}"})) is None
    assert live.event_of(change("surveys", "insert", {"conversation_id": "c1"})) is None


def test_the_pipeline_watches_only_the_inbox_collections():
    match = live.pipeline()[0]["$match"]
    assert set(match["ns.coll"]["$in"]) == {"messages", "conversations", "notes", "agents", "inquiries"}
