"""MongoDB persistence of the chat service (database ``<prefix>_chat``): one ``ChatStore``
(``services.runtime.mongo.Store``) composed of one mixin per area.

| area | module | collections |
|---|---|---|
| what WhatsApp sends us | ``inbound`` | webhooks (payloads as received: a work queue), messages (inbound), statuses |
| the staff inbox | ``conversations`` | conversations, notes, agents |
| replies | ``outbound`` | messages (outbound), sends (the Graph API work queue) |
| media | ``media`` | media_jobs (fetching from the Graph API: a work queue), GridFS bucket ``media`` |
| auto-assignment | ``assignment`` | agents (presence, teams, capacity), locks (one replica assigns at a time) |
| real time (the stream's events) | ``live`` | none: reads the change stream of the collections above |
| business hours and SLA | ``levels`` | conversations (``sla``, ``sla_breached``), messages and sends (out-of-office reply) |
| inquiries to a court or an area | ``inquiries`` | inquiries (question, where, due, the one answer) |
| retention | ``retention`` | conversations (``erased_at``, ``erasing``, ``figures``); erases from the others |
| lawyers' numbers linked to their accounts | ``links`` | links, link_codes (pending codes), link_requests (limits) |
| canned responses | ``canned`` | canned_responses (``_id``: the shortcode) |
| the web channel (a lawyer writes from the portal) | ``inbound``, ``conversations`` | conversations (``channel: web``, ``lawyer``), messages; idempotency (the web messages' Idempotency-Key records) |

Besides: audit (every read of a conversation, ``Store.audit``).
"""
from services.chat.domain import OPEN
from services.chat.store.assignment import Assignment
from services.chat.store.canned import Canned
from services.chat.store.common import CONVERSATIONS, SENDS, new_id
from services.chat.store.conversations import Conversations
from services.chat.store.inbound import Inbound, payload_id
from services.chat.store.live import Live
from services.chat.store.inquiries import Inquiries
from services.chat.store.levels import Levels
from services.chat.store.links import Links
from services.chat.store.media import Media
from services.chat.store.outbound import Outbound
from services.runtime.gauges import Backlog, queue_backlog
from services.runtime.idempotency import IdempotentStore
from services.runtime.mongo import Store
from services.chat.store.surveys import Surveys
from services.chat.store.reports import Reports
from services.chat.store.retention import Retention

__all__ = ["ChatStore", "new_id", "payload_id"]

AREAS = (Inbound, Conversations, Outbound, Assignment, Media)
AREAS += (Live,)  # real time: the change stream of the inbox's collections (nothing stored)
AREAS += (Levels,)  # business hours, the out-of-office reply and SLA clocks on the conversations
AREAS += (Surveys,)  # the satisfaction survey (CSAT) sent on resolve, and its answer
AREAS += (Reports,)  # reports: the conversations of a period with their messages' figures (reads only)
AREAS += (Inquiries,)  # inquiries to a court or an area
AREAS += (Links,)  # a lawyer's WhatsApp number linked to their account
AREAS += (Retention,)  # retention: erasing the personal data of old conversations, keeping a shell
AREAS += (Canned,)  # canned responses: texts a reply's /shortcode stands for
AREAS += (IdempotentStore,)  # a lawyer's web message is stored once per Idempotency-Key (services.runtime.idempotency)


class ChatStore(*AREAS, Store):
    database = "chat"
    # open conversations no agent has (new, or transferred to a team), oldest wait first (the assignment index)
    backlogs = (Backlog("waiting_conversations", CONVERSATIONS, {"status": OPEN, "assignee": None},
                        "Open conversations waiting for an agent", age="waiting_oldest_age_seconds",
                        since="waiting_since"),
                queue_backlog("send_queue_messages", SENDS, "Replies waiting to be sent to WhatsApp (pending)",
                              age="send_queue_oldest_age_seconds"))
    indexes = {}
    for _area in AREAS:
        for _collection, _models in _area.indexes.items():
            indexes[_collection] = indexes.get(_collection, []) + list(_models)
