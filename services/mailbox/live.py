"""Real time for a mailbox's owner: what a change of the mailbox database means for their open pages (the unread
badge). Plain functions, no I/O (``services.runtime.live`` reads the change stream; the store adds the unread
count; the gateway serves the events as Server-Sent Events on ``GET /api/v1/mailbox/stream``).

An event is small on purpose: the notice's id and the owner's unread count, never a case, a party or a text (the
notice itself is read through the audited mailbox calls). Its ``audience`` is the owner's ``sub``: the gateway
sends it only to that person's streams, and never sends the field itself. Each event's ``id`` is the resume
token of its change (see ``services.runtime.live``).

| type | when | data |
|---|---|---|
| ``notification_available`` | a notice reached the mailbox | notification_id, unread |
| ``notification_opened`` | the owner opened a notice for the first time (on any page or device) | notification_id, unread |
"""

TYPES = ("notification_available", "notification_opened")

# what the change stream needs of each changed notice (``fullDocument``, looked up on updates)
PROJECTION = {"_id": 1, "operationType": 1, "ns.coll": 1, "documentKey": 1, "fullDocument.recipient.sub": 1}


def pipeline(recipients):
    """The change stream's pipeline: notices of ``recipients`` made available or opened for the first time, and
    only what an event is made of."""
    return [{"$match": {"ns.coll": "notifications", "fullDocument.recipient.sub": {"$in": sorted(recipients)},
                        "$or": [{"operationType": "insert"},
                                {"operationType": "update",
                                 "updateDescription.updatedFields.accessed_at": {"$exists": True}}]}},
            {"$project": PROJECTION}]


def event_of(change):
    """The event a change means for its owner's pages, ``{"id", "type", "data", "audience"}`` (``data.unread``
    still to be counted), or None."""
    doc = change.get("fullDocument") or {}
    key = (change.get("documentKey") or {}).get("_id")
    owner = (doc.get("recipient") or {}).get("sub")
    if (change.get("ns") or {}).get("coll") != "notifications" or key is None or not owner:
        return None
    kind = {"insert": "notification_available", "update": "notification_opened"}.get(change.get("operationType"))
    if kind is None:
        return None
    return {"id": change["_id"]["_data"], "type": kind, "data": {"notification_id": key, "unread": None},
            "audience": owner}


def with_unread(events, count):
    """``events`` with each one's ``data.unread`` filled by ``count(owner)`` (asked once per owner): the count now,
    which is what a badge shows (a page that catches up on older events shows the newest count at once)."""
    counts = {}
    for event in events:
        owner = event["audience"]
        if owner not in counts:
            counts[owner] = count(owner)
        event["data"]["unread"] = counts[owner]
    return events
