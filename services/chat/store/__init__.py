"""MongoDB persistence of the chat service (database ``<prefix>_chat``): one ``ChatStore``
(``services.runtime.mongo.Store``) composed of one mixin per area.

| area | module | collections |
|---|---|---|
| what WhatsApp sends us | ``inbound`` | webhooks (payloads as received: a work queue), messages (inbound), statuses |
| the staff inbox | ``conversations`` | conversations, notes, agents |
| replies | ``outbound`` | messages (outbound), sends (the Graph API work queue) |
| media | ``media`` | media_jobs (fetching from the Graph API: a work queue), GridFS bucket ``media`` |
| auto-assignment | ``assignment`` | agents (presence, teams, capacity), locks (one replica assigns at a time) |

Besides: audit (every read of a conversation, ``Store.audit``).
"""
from services.chat.store.assignment import Assignment
from services.chat.store.common import new_id
from services.chat.store.conversations import Conversations
from services.chat.store.inbound import Inbound, payload_id
from services.chat.store.media import Media
from services.chat.store.outbound import Outbound
from services.runtime.mongo import Store

__all__ = ["ChatStore", "new_id", "payload_id"]

AREAS = (Inbound, Conversations, Outbound, Assignment, Media)


class ChatStore(*AREAS, Store):
    database = "chat"
    indexes = {}
    for _area in AREAS:
        for _collection, _models in _area.indexes.items():
            indexes[_collection] = indexes.get(_collection, []) + list(_models)
