"""Inquiries to a court or an area about a conversation (``inquiries``): what the agent asked, where, when it is
due, and the one answer. The court's clerks read them here, never the conversation: an inquiry keeps a copy of
the little they need (the line's region, the lawyer if the number is linked to an account)."""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from contracts import paging
from services.chat import domain
from services.chat.store.common import new_id
from services.runtime.mongo import MAJORITY, utcnow

INQUIRIES = "inquiries"
MAX_INQUIRIES_SHOWN = 100  # per conversation, in its view


class Inquiries:
    """Mixin of ``ChatStore``: inquiries to courts and areas."""

    indexes = {INQUIRIES: [IndexModel([("court_id", ASCENDING), ("status", ASCENDING), ("asked_at", DESCENDING),
                                       ("_id", DESCENDING)]),
                           IndexModel([("conversation_id", ASCENDING), ("asked_at", DESCENDING), ("_id", DESCENDING)]),
                           IndexModel([("status", ASCENDING), ("asked_at", DESCENDING), ("_id", DESCENDING)]),
                           IndexModel([("asked_at", DESCENDING), ("_id", DESCENDING)])]}

    def add_inquiry(self, conversation, target, question, asked_by, due_at, region):
        """A new open inquiry; ``target``: {"court_id", "court_name"} or {"area"}. None when the conversation's
        erasure began meanwhile (nothing is kept: ``kept_with_conversation``)."""
        now = utcnow()
        inquiry = {"_id": new_id(), "conversation_id": conversation["_id"], "line": conversation["line"],
                   "region": region, "lawyer": _lawyer(conversation.get("lawyer") or self.linked_lawyers(
                       [conversation["wa_id"]]).get(conversation["wa_id"])),
                   "court_id": target.get("court_id"), "court_name": target.get("court_name"),
                   "area": target.get("area"), "question": question, "asked_by": asked_by, "asked_at": now,
                   "due_at": due_at(now), "status": domain.INQUIRY_OPEN, "answer": None}
        self.db.get_collection(INQUIRIES, write_concern=MAJORITY).insert_one(inquiry)
        return inquiry if self.kept_with_conversation(INQUIRIES, inquiry["_id"], conversation["_id"]) else None

    def inquiry(self, inquiry_id):
        return self.db[INQUIRIES].find_one({"_id": inquiry_id})

    def list_inquiries(self, scope, query, limit, cursor):
        """Newest first, within ``scope`` (a filter from ``domain.inquiry_scope``); one more than ``limit``."""
        filters = dict(scope)
        for key in ("status", "conversation_id", "court_id", "area"):
            if query.get(key):
                if key in filters and filters[key] != query[key]:
                    return []  # a clerk asking for another court's: nothing
                filters[key] = query[key]
        if cursor is not None:
            filters.update(paging.after(cursor, "asked_at"))
        return list(self.db[INQUIRIES].find(filters).sort([("asked_at", DESCENDING), ("_id", DESCENDING)])
                    .limit(limit + 1))

    def inquiries_of(self, conversation_id):
        """A conversation's inquiries, oldest first (shown beside its notes)."""
        newest = list(self.db[INQUIRIES].find({"conversation_id": conversation_id})
                      .sort([("asked_at", DESCENDING), ("_id", DESCENDING)]).limit(MAX_INQUIRIES_SHOWN))
        return newest[::-1]

    def answer_inquiry(self, inquiry_id, text, by):
        """Record the one answer; None when it was answered meanwhile."""
        return self.db.get_collection(INQUIRIES, write_concern=MAJORITY).find_one_and_update(
            {"_id": inquiry_id, "status": domain.INQUIRY_OPEN},
            {"$set": {"status": domain.INQUIRY_ANSWERED, "answer": {"text": text, "by": by, "at": utcnow()}}},
            return_document=ReturnDocument.AFTER)


def _lawyer(linked):
    """The lawyer's name and bar number, only when the WhatsApp number is linked to their account (a verified
    identity); never the WhatsApp profile name or the number."""
    if not isinstance(linked, dict) or not linked.get("bar_number"):
        return None
    return {"name": linked.get("name"), "bar_number": linked["bar_number"]}
