"""The staff inbox: conversations (one per line and ``wa_id``), their messages and private notes, and the
agents who have used the inbox (``agents``, ``_id`` = the agent's sub)."""
import time

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from contracts import paging
from services.chat import domain, hours
from services.chat.store.common import AGENTS, CONVERSATIONS, CORRECTIONS, MESSAGES, NOTES, new_id
from services.chat.store.reports import area_filter
from services.runtime.mongo import MAJORITY, utcnow

MAX_MESSAGES_SHOWN = 500
MAX_NOTES_SHOWN = 200
SEEN_EVERY_SECONDS = 60
_seen = {}  # agent sub -> ((name, role), monotonic time of the last write) in this process


class Conversations:
    """Mixin of ``ChatStore``: conversations, notes, agents."""

    indexes = {
        CONVERSATIONS: [IndexModel([("line", ASCENDING), ("wa_id", ASCENDING)], unique=True),
                        IndexModel([("last_message_at", DESCENDING), ("_id", DESCENDING)]),
                        IndexModel([("status", ASCENDING), ("last_message_at", DESCENDING), ("_id", DESCENDING)]),
                        IndexModel([("assignee.sub", ASCENDING), ("last_message_at", DESCENDING),
                                    ("_id", DESCENDING)]),
                        IndexModel([("labels", ASCENDING), ("last_message_at", DESCENDING)]),
                        IndexModel([("complaint", ASCENDING), ("last_message_at", DESCENDING), ("_id", DESCENDING)]),
                        IndexModel([("line", ASCENDING), ("last_message_at", DESCENDING), ("_id", DESCENDING)]),
                        IndexModel([("channel", ASCENDING), ("last_message_at", DESCENDING), ("_id", DESCENDING)]),
                        IndexModel([("wa_id", ASCENDING), ("last_message_at", DESCENDING)]),  # a lawyer's web one
                        IndexModel([("snoozed_until", ASCENDING)],
                                   partialFilterExpression={"status": domain.SNOOZED})],
        NOTES: [IndexModel([("conversation_id", ASCENDING), ("created_at", ASCENDING)])],
    }

    def conversation(self, conversation_id):
        """The conversation, or None (also once the retention erased it, or began to: ``store.retention``)."""
        return self.db[CONVERSATIONS].find_one({"_id": conversation_id, "erased_at": None})

    def list_conversations(self, query, limit, cursor, area_lines=()):
        """Newest activity first; fetches one more than ``limit`` (for ``paging.page``). ``area_lines``: the
        lines whose team is the area asked for (``store.reports.area_filter``)."""
        filters = {"erased_at": None}  # what the retention erased is gone (store.retention)
        if query.get("area"):
            filters["$and"] = [area_filter(query["area"], area_lines)]
        for key, field in (("line", "line"), ("status", "status"), ("label", "labels")):
            if query.get(key):
                filters[field] = query[key]
        if query.get("channel"):  # a conversation stored before channels existed is WhatsApp's
            filters["channel"] = domain.WEB if query["channel"] == domain.WEB else {"$ne": domain.WEB}
        if query.get("complaint") is not None:
            filters["complaint"] = True if query["complaint"] else {"$ne": True}
        if query.get("sla_breached") is not None:  # services.chat.store.levels
            filters["sla_breached"] = True if query["sla_breached"] else {"$ne": True}
        if query.get("assignee") == "none":
            filters["assignee.sub"] = None  # the same conversations as "assignee": None, through its index
        elif query.get("assignee"):
            filters["assignee.sub"] = query["assignee"]
        if cursor is not None:
            filters.update(paging.after(cursor, "last_message_at"))
        return list(self.db[CONVERSATIONS].find(filters).sort([("last_message_at", DESCENDING), ("_id", DESCENDING)])
                    .limit(limit + 1))

    def web_conversation(self, contact_id):
        """A lawyer's conversation on the web channel (``domain.web_contact_id``), or None (none yet, or erased).
        Found on whichever line it is: a lawyer keeps their conversation when CHAT_WEB_LINE changes (only a lawyer
        with none starts on the new line), and of two (kept from before that rule) the latest is theirs."""
        return self.db[CONVERSATIONS].find_one({"wa_id": contact_id, "channel": domain.WEB, "erased_at": None},
                                               sort=[("last_message_at", DESCENDING), ("_id", DESCENDING)])

    def web_conversations_of(self, subs):
        """{conversation id: lawyer's sub} of the web conversations of these lawyers (``subs``), on any line."""
        keys = [domain.web_contact_id(sub) for sub in subs]
        return {doc["_id"]: domain.web_sub(doc["wa_id"]) for doc in self.db[CONVERSATIONS].find(
            {"wa_id": {"$in": keys}, "channel": domain.WEB, "erased_at": None}, {"wa_id": 1})}

    def messages_of(self, conversation_id):
        """The conversation's latest messages, oldest first (WhatsApp's times are whole seconds: within one,
        in the order they were stored)."""
        newest = list(self.db[MESSAGES].find({"conversation_id": conversation_id}, {"raw": 0})
                      .sort([("at", DESCENDING), ("created_at", DESCENDING), ("_id", DESCENDING)])
                      .limit(MAX_MESSAGES_SHOWN))
        return newest[::-1]

    def notes_of(self, conversation_id):
        return list(self.db[NOTES].find({"conversation_id": conversation_id}).sort("created_at", ASCENDING)
                    .limit(MAX_NOTES_SHOWN))

    def add_note(self, conversation_id, author, text):
        """The note, or None when the conversation's erasure began meanwhile (nothing is kept)."""
        note = {"_id": new_id(), "conversation_id": conversation_id, "author": author, "text": text,
                "created_at": utcnow()}
        self.db.get_collection(NOTES, write_concern=MAJORITY).insert_one(note)
        return note if self.kept_with_conversation(NOTES, note["_id"], conversation_id) else None

    def kept_with_conversation(self, collection, child_id, conversation_id):
        """After a note, an inquiry or a classification correction ``child_id`` is stored for a conversation: True if
        the conversation is not being erased, or its erasure could still be taken back (this new activity takes it
        back, as the retention's own check would have); otherwise the child is deleted again and False (its erasure
        is destroying the conversation's data, and would have destroyed or missed this child)."""
        doc = self.db[CONVERSATIONS].find_one({"_id": conversation_id}, {"erased_at": 1})
        if doc is not None and doc.get("erased_at") is None:
            return True
        if doc is not None and self.unmark_erasure(conversation_id):
            return True
        if self.db[CONVERSATIONS].find_one({"_id": conversation_id, "erased_at": None}, {"_id": 1}):
            return True  # another caller took the mark back first
        self.db.get_collection(collection, write_concern=MAJORITY).delete_one({"_id": child_id})
        return False

    # The writes below are conditional on ``erased_at`` None: a conversation the retention marked meanwhile is
    # not written into (the caller answers 404, as its read would have).
    def set_status(self, conversation_id, status, snoozed_until):
        return self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).find_one_and_update(
            {"_id": conversation_id, "erased_at": None},
            {"$set": {"status": status, "snoozed_until": snoozed_until if status == domain.SNOOZED else None,
                      "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER)

    def assign(self, conversation_id, expected_sub, assignee):
        """Assign (or unassign, ``assignee`` None) if the conversation is still assigned to ``expected_sub``;
        None when it changed meanwhile."""
        return self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).find_one_and_update(
            {"_id": conversation_id, "erased_at": None, "assignee.sub" if expected_sub else "assignee": expected_sub},
            {"$set": {"assignee": assignee, "updated_at": utcnow(), "assigned_by": "hand",
                      **({"waiting_since": utcnow()} if assignee is None else {})}},
            return_document=ReturnDocument.AFTER)

    def set_labels(self, conversation_id, labels):
        return self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).find_one_and_update(
            {"_id": conversation_id, "erased_at": None}, {"$set": {"labels": labels, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER)

    def transfer(self, conversation_id, destination, by):
        """Hand the conversation to a line's team or to an area (``destination``: ``domain.transfer_destination``):
        unassigned, back in the queue, for that team's agents. Its ``line`` does not change (replies go out from
        the number the user wrote to); ``team`` and ``area`` do, and ``transfer`` records where, who and when."""
        now = utcnow()
        return self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).find_one_and_update(
            {"_id": conversation_id, "erased_at": None},
            {"$set": {"team": destination["team"], "area": destination["area"], "assignee": None,
                      "transfer": {**destination, "by": by, "at": now}, "waiting_since": now, "updated_at": now}},
            return_document=ReturnDocument.AFTER)

    def correct_classification(self, message, label, by, complaints_area=hours.COMPLAINTS_AREA):
        """A person's label for a message, kept beside the rules' one (and in ``classification_corrections``,
        for later training); the conversation's complaint flag and priority follow the labels that now stand, and a
        complaint it now has is routed to ``complaints_area`` once (``domain.complaint_route``: a correction to a
        non-complaint does not move it back). None when the conversation's erasure began meanwhile: the correction,
        which copies the message's text, is not kept (``kept_with_conversation``)."""
        now = utcnow()
        correction_id = new_id()
        self.db.get_collection(CORRECTIONS, write_concern=MAJORITY).insert_one(
            {"_id": correction_id, "message_id": message["_id"], "conversation_id": message["conversation_id"],
             "text": message["text"], "predicted": message["classification"]["label"],
             "cues": message["classification"].get("cues", []), "corrected": label, "by": by, "at": now})
        if not self.kept_with_conversation(CORRECTIONS, correction_id, message["conversation_id"]):
            return None
        self.db.get_collection(MESSAGES, write_concern=MAJORITY).update_one(
            {"_id": message["_id"]}, {"$set": {"classification.corrected": {"label": label, "by": by, "at": now}}})
        complaints = self.db[MESSAGES].count_documents({"conversation_id": message["conversation_id"], "$or": [
            {"classification.corrected.label": domain.COMPLAINT},
            {"classification.label": domain.COMPLAINT, "classification.corrected": None}]}, limit=1)
        update = {**domain.complaint_flags(complaints), "updated_at": now}
        conversation = self.db[CONVERSATIONS].find_one({"_id": message["conversation_id"]})
        if complaints and conversation is not None:
            update.update(domain.complaint_route(conversation.get("complaint_routed_at"), False,
                                                 self.assignee_teams(conversation), complaints_area, now,
                                                 self.area_staffed(complaints_area)))
        self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).update_one(
            {"_id": message["conversation_id"], "erased_at": None}, {"$set": update})
        return self.db[MESSAGES].find_one({"_id": message["_id"]})

    def wake_snoozed(self, now):
        """Snoozed conversations whose instant passed are open again; returns how many."""
        return self.db[CONVERSATIONS].update_many(
            {"status": domain.SNOOZED, "snoozed_until": {"$ne": None, "$lte": now}},
            {"$set": {"status": domain.OPEN, "snoozed_until": None, "updated_at": now}}).modified_count

    # --- agents ---------------------------------------------------------------------------------------------
    def seen_agent(self, actor):
        """Record that a member of the chat staff used the inbox (so they can be assigned conversations): a
        write when the agent is new to this process, changed name or role, or was last written
        ``SEEN_EVERY_SECONDS`` ago, not one per request (an agent's inbox polls and pages all day)."""
        key = (actor.get("name"), actor["role"])
        last = _seen.get(actor["sub"])
        now = time.monotonic()
        if last is not None and last[0] == key and now - last[1] < SEEN_EVERY_SECONDS:
            return
        self.db[AGENTS].update_one({"_id": actor["sub"]},
                                   {"$set": {"name": actor.get("name"), "role": actor["role"],
                                             "last_seen_at": utcnow()}}, upsert=True)
        _seen[actor["sub"]] = (key, now)

    def agent(self, sub):
        return self.db[AGENTS].find_one({"_id": sub})
