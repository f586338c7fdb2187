"""What every area of the chat store shares."""
from services.runtime.mongo import new_id  # noqa: F401 (the areas' ids: one rule for every service)

WEBHOOKS = "webhooks"          # the stored webhook payloads: a work queue (services.runtime.workqueue)
SENDS = "sends"                # outbound messages to send through the Graph API: a work queue
CONVERSATIONS = "conversations"
MESSAGES = "messages"
STATUSES = "statuses"          # every status WhatsApp reported, once per (wamid, status)
NOTES = "notes"
AGENTS = "agents"
CORRECTIONS = "classification_corrections"  # staff's labels of inbound messages, kept for later training



class ConversationGone(Exception):
    """The conversation was marked for erasure (``store.retention``) while a write to it was under way: the write
    is not made (the caller answers 404, as its read would have)."""


def earlier(doc: dict, field: str = "created_at") -> dict:
    """A query for the documents before ``doc`` in the order of ``field`` then ``_id`` (two stored in the same
    millisecond still have an order, the same for every reader)."""
    return {"$or": [{field: {"$lt": doc[field]}}, {field: doc[field], "_id": {"$lt": doc["_id"]}}]}
