"""Real time for the chat staff: what a change of the chat's own database means for a connected inbox.
Plain functions, no I/O (the store reads the change stream; the gateway serves the events as Server-Sent
Events on ``GET /api/v1/chat/stream``).

An event is small on purpose: identifiers and states, never a text, a name or a phone number. A client that
wants the content asks the inbox API, which checks the caller and writes the read to the audit log. Each
event's ``id`` is the resume token of the change it comes from (MongoDB's change stream, an opaque
hexadecimal text that sorts in the order of the changes): a client that reconnects with ``Last-Event-ID``
gets every event after it, as long as the replica set's oplog still holds that change.

| type | when | data |
|---|---|---|
| ``message`` | a message arrived from WhatsApp, or a reply was queued | conversation_id, message_id, direction, status |
| ``message_status`` | a message moved (sent, delivered, read, failed; or a send error that will be retried) | conversation_id, message_id, status, error |
| ``conversation`` | a conversation was created or changed (assignment, status, labels, team, new activity...) | conversation_id, line, status, assignee, changed |
| ``note`` | a private note was added | conversation_id, note_id |
| ``agent`` | an agent's presence, teams or capacity changed | agent, presence |
| ``inquiry`` | an inquiry to a court or an area was asked, or answered | conversation_id, inquiry_id, status |
"""

WATCHED = ("messages", "conversations", "notes", "agents")
WATCHED += ("inquiries",)  # inquiries to a court or an area: asked, then answered (status open -> answered)
OPERATIONS = ("insert", "update", "replace")
# bookkeeping that means nothing on a screen: a change of only these is no event
QUIET_FIELDS = frozenset({"updated_at", "pending_events", "attempts", "lease_owner", "lease_until", "last_seen_at",
                          "raw", "waiting_since", "status_at", "retention_check_at"})
AGENT_FIELDS = frozenset({"presence", "teams", "capacity"})
MESSAGE_FIELDS = frozenset({"status", "error"})

# what the change stream needs of each changed document (``fullDocument``, looked up on updates)
PROJECTION = {"_id": 1, "operationType": 1, "ns.coll": 1, "documentKey": 1, "updateDescription.updatedFields": 1,
              "updateDescription.removedFields": 1, "fullDocument.conversation_id": 1, "fullDocument.direction": 1,
              "fullDocument.status": 1, "fullDocument.error.reason": 1, "fullDocument.error.retrying": 1,
              "fullDocument.line": 1, "fullDocument.assignee.sub": 1, "fullDocument.presence": 1}


def pipeline():
    """The change stream's pipeline: the inbox's collections only, and only what an event is made of."""
    return [{"$match": {"ns.coll": {"$in": list(WATCHED)}, "operationType": {"$in": list(OPERATIONS)}}},
            {"$project": PROJECTION}]


def changed_fields(change):
    """The top-level fields an update touched (``status_at.sent`` counts as ``status_at``); None for an insert
    or a replacement (everything)."""
    if change.get("operationType") != "update":
        return None
    description = change.get("updateDescription") or {}
    names = list((description.get("updatedFields") or {}).keys()) + list(description.get("removedFields") or [])
    return sorted({name.split(".", 1)[0] for name in names})


def event_of(change):
    """The event a change means for the inbox, ``{"id", "type", "data"}``, or None (bookkeeping only, or a
    document that is gone)."""
    collection = (change.get("ns") or {}).get("coll")
    doc = change.get("fullDocument")
    key = (change.get("documentKey") or {}).get("_id")
    if doc is None or key is None:
        return None
    fields = changed_fields(change)
    if fields is not None:
        fields = [name for name in fields if name not in QUIET_FIELDS]
        if not fields:
            return None
    kind, data = None, None
    if collection == "messages":
        if fields is None:
            kind = "message"
            data = {"conversation_id": doc.get("conversation_id"), "message_id": key,
                    "direction": doc.get("direction"), "status": doc.get("status")}
        elif MESSAGE_FIELDS.intersection(fields):
            error = doc.get("error") or None
            kind = "message_status"
            data = {"conversation_id": doc.get("conversation_id"), "message_id": key, "status": doc.get("status"),
                    "error": {"reason": error.get("reason"), "retrying": bool(error.get("retrying"))}
                    if isinstance(error, dict) else None}
    elif collection == "conversations":
        kind = "conversation"
        data = {"conversation_id": key, "line": doc.get("line"), "status": doc.get("status"),
                "assignee": (doc.get("assignee") or {}).get("sub"), "changed": fields if fields is not None
                else ["created"]}
    elif collection == "notes":
        if fields is None:
            kind, data = "note", {"conversation_id": doc.get("conversation_id"), "note_id": key}
    elif collection == "agents":
        if fields is None or AGENT_FIELDS.intersection(fields):
            kind, data = "agent", {"agent": key, "presence": doc.get("presence") or "away"}
    elif collection == "inquiries":
        if fields is None or "status" in fields:
            kind, data = "inquiry", {"conversation_id": doc.get("conversation_id"), "inquiry_id": key,
                                     "status": doc.get("status")}
    if kind is None:
        return None
    return {"id": change["_id"]["_data"], "type": kind, "data": data}
