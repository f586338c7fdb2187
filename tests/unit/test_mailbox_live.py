"""What a change of the mailbox database means for its owner's open pages (services.mailbox.live): a notice made
available or opened for the first time, with the owner's unread count; nothing of its content."""
from contracts.base import load_actor
from contracts.live import LIVE_SYSTEM_ACTOR, live_recipients
from services.mailbox import access, live


def change(operation, doc, key="a" * 32, token="82AB", updated=None):
    value = {"_id": {"_data": token}, "operationType": operation, "ns": {"coll": "notifications"},
             "documentKey": {"_id": key}, "fullDocument": doc}
    if operation == "update":
        value["updateDescription"] = {"updatedFields": updated or {}, "removedFields": []}
    return value


def test_a_new_notice_is_an_available_event_for_its_owner_only():
    doc = {"recipient": {"sub": "abogado.ana", "name": "Ana"}, "case_number": "01001-2024-00001",
           "summary": "Se señala audiencia"}
    event = live.event_of(change("insert", doc, token="82FF"))
    assert event == {"id": "82FF", "type": "notification_available",
                     "data": {"notification_id": "a" * 32, "unread": None}, "audience": "abogado.ana"}


def test_a_first_opening_is_an_opened_event():
    event = live.event_of(change("update", {"recipient": {"sub": "abogado.ana"}},
                                 updated={"accessed_at": 1, "served_at": 1}))
    assert event["type"] == "notification_opened" and event["audience"] == "abogado.ana"


def test_a_notice_without_an_owner_or_of_another_collection_is_no_event():
    assert live.event_of(change("insert", None)) is None
    assert live.event_of(change("insert", {"recipient": {}})) is None
    other = change("insert", {"recipient": {"sub": "x"}})
    other["ns"]["coll"] = "alerts"
    assert live.event_of(other) is None
    assert live.event_of(change("delete", {"recipient": {"sub": "x"}})) is None


def test_the_pipeline_reads_the_named_owners_arrivals_and_first_openings_only():
    match = live.pipeline({"beto", "ana"})[0]["$match"]
    assert match["ns.coll"] == "notifications"
    assert match["fullDocument.recipient.sub"] == {"$in": ["ana", "beto"]}
    assert {"operationType": "insert"} in match["$or"]
    assert {"operationType": "update", "updateDescription.updatedFields.accessed_at": {"$exists": True}} in match["$or"]
    # nothing of the notice's content leaves the change stream
    assert set(live.pipeline(["ana"])[1]["$project"]) <= {"_id", "operationType", "ns.coll", "documentKey",
                                                          "fullDocument.recipient.sub"}


def test_each_event_carries_its_owners_unread_count_asked_once_per_owner():
    asked = []

    def count(owner):
        asked.append(owner)
        return {"ana": 3, "beto": 0}[owner]

    events = [live.event_of(change("insert", {"recipient": {"sub": s}}, token=t))
              for s, t in (("ana", "8201"), ("beto", "8202"), ("ana", "8203"))]
    live.with_unread(events, count)
    assert [e["data"]["unread"] for e in events] == [3, 0, 3] and asked == ["ana", "beto"]


def test_only_lawyers_follow_and_only_the_gateways_hub_names_other_owners():
    assert access.may_follow_live({"sub": "a", "role": "lawyer"})
    for role in ("citizen", "clerk", "judge", "admin", "chat_agent", "notary", "system"):
        assert not access.may_follow_live({"sub": "a", "role": role})
    ana = {"sub": "ana", "role": "lawyer"}
    # a lawyer reads their own: recipients absent or exactly theirs; naming anyone else is refused (None)
    assert live_recipients(ana, None) == ["ana"] and live_recipients(ana, ["ana"]) == ["ana"]
    for named in (["beto"], ["ana", "beto"], ["ana", "ana"], []):
        assert live_recipients(ana, named) is None
    # the hub's own identity names the owners of its streams (and must name someone); another system
    # identity is nobody special
    hub = load_actor(LIVE_SYSTEM_ACTOR)
    assert live_recipients(hub, ["beto", "ana", "beto"]) == ["ana", "beto"] and live_recipients(hub, None) is None
    assert live_recipients({"sub": "system:retention", "role": "system"}, ["ana"]) is None
