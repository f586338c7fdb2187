"""What every area of the chat store shares."""
import uuid

WEBHOOKS = "webhooks"          # the stored webhook payloads: a work queue (services.runtime.workqueue)
SENDS = "sends"                # outbound messages to send through the Graph API: a work queue
CONVERSATIONS = "conversations"
MESSAGES = "messages"
STATUSES = "statuses"          # every status WhatsApp reported, once per (wamid, status)
NOTES = "notes"
AGENTS = "agents"


def new_id() -> str:
    return uuid.uuid4().hex
