"""Retention (rules in ``services.chat.domain``, "retention"): the personal data of the conversations resolved and
untouched for CHAT_RETENTION_DAYS is erased, leaving an anonymous shell the reports still count.

An erasure goes in three steps, each safe to repeat, so a process killed at any point leaves nothing visible as if
whole and the next run finishes it:

1. **mark** (one conditional write on the conversation, only while it is still resolved, unerased and untouched
   since the cutoff): ``erased_at`` is set, so every read of the inbox answers as if it did not exist (404, absent
   from the list); its number becomes ``erased:<id>``, so a new message from that number opens a new conversation
   instead of joining this one (a message being stored meanwhile conflicts with the mark and is retried); the
   messages' figures the reports need are kept in ``figures``; ``erasing`` holds the number, in case the mark is
   taken back: the run checks each mark again (``workers.erase_expired``) and a note or an inquiry stored just
   before it gives the conversation back, untouched.
2. **destroy** (``erasing.destroying`` set first: from then on it is never given back, only finished), children
   first: the media's bytes (GridFS chunks, then the file), the statuses WhatsApp reported for its messages, the
   text of the classifier's corrections, the notes, the inquiries, the messages.
3. **shell**: the conversation loses every field but ``domain.SHELL_FIELDS`` (``erasing`` among them).

A run finishes the conversations whose erasure began (``erasing`` present), its own and those of a run that died
or ran out of time. A conversation is kept out of the inbox from the mark on, so none is ever seen half erased.
"""
import logging

from pymongo import ASCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.chat import domain
from services.chat.store.common import CONVERSATIONS, CORRECTIONS, MESSAGES, NOTES, STATUSES, WEBHOOKS
from services.chat.store.inquiries import INQUIRIES
from services.chat.store.media import BUCKET
from services.chat.store.reports import MESSAGE_FIGURES
from services.runtime.mongo import MAJORITY
from services.runtime.workqueue import FAILED

log = logging.getLogger(__name__)

WEBHOOK_SWEEP_BATCH = 1000


class Retention:
    """Mixin of ``ChatStore``: finding, marking and erasing expired conversations; old webhook payloads."""

    indexes = {CONVERSATIONS: [IndexModel([("status", ASCENDING), ("erased_at", ASCENDING), ("resolved_at", ASCENDING)]),
                               IndexModel([("erasing", ASCENDING)], partialFilterExpression={"erasing": {"$exists": True}})],
               CORRECTIONS: [IndexModel([("conversation_id", ASCENDING)])]}

    # --- which ---------------------------------------------------------------------------------------------------
    def retention_candidates(self, cutoff, now):
        """Resolved conversations not erased whose resolution and last update are at or before ``cutoff``, and that
        no earlier run put off past ``now`` (``retention_check_at``: ``put_off_retention``), oldest resolution first
        (a cursor: the caller stops when its run's budget is spent)."""
        return self.db[CONVERSATIONS].find(
            {"status": domain.RESOLVED, "erased_at": None, "resolved_at": {"$lte": cutoff},
             "updated_at": {"$lte": cutoff},
             "$or": [{"retention_check_at": None}, {"retention_check_at": {"$lte": now}}]},
            {"status": 1, "resolved_at": 1, "updated_at": 1, "last_message_at": 1, "wa_id": 1}).sort(
            [("resolved_at", ASCENDING), ("_id", ASCENDING)])

    def unfinished_erasures(self, limit):
        """Conversations whose erasure began and did not end (marked this run, or a run interrupted or out of
        time), with what ``retention_expired`` reads."""
        return list(self.db[CONVERSATIONS].find({"erasing": {"$exists": True}},
                                                {"status": 1, "resolved_at": 1, "updated_at": 1, "last_message_at": 1,
                                                 "erasing": 1}).sort("_id", ASCENDING).limit(limit))

    def retention_expired(self, doc, now, days):
        """``domain.retention_expired`` for one conversation, with its notes' and inquiries' activity."""
        return self.retention_verdict(doc, now, days)[0]

    def retention_verdict(self, doc, now, days):
        """(expired, recheck_at) for one conversation: ``domain.retention_expired`` with its notes' and inquiries'
        activity, and when not expired, when to look again (``domain.retention_recheck_at``)."""
        conversation_id = doc["_id"]
        note = self.db[NOTES].find_one({"conversation_id": conversation_id}, {"created_at": 1},
                                       sort=[("created_at", -1)])
        open_inquiries, touched = 0, []
        for inquiry in self.db[INQUIRIES].find({"conversation_id": conversation_id},
                                               {"status": 1, "asked_at": 1, "answer.at": 1}):
            if inquiry.get("status") != domain.INQUIRY_ANSWERED:
                open_inquiries += 1
            touched += [inquiry.get("asked_at"), (inquiry.get("answer") or {}).get("at")]
        touched_at = domain.last_activity(doc.get("updated_at"), doc.get("last_message_at"),
                                          note["created_at"] if note else None, *touched)
        if domain.retention_expired(doc["status"], doc.get("resolved_at"), touched_at, open_inquiries, now, days):
            return True, None
        return False, domain.retention_recheck_at(doc.get("resolved_at"), touched_at, open_inquiries, now, days)

    def put_off_retention(self, conversation_id, until):
        """The runs pass this conversation by until ``until`` (not an activity: ``updated_at`` stays, and the staff's
        live view ignores the field)."""
        self.db[CONVERSATIONS].update_one({"_id": conversation_id, "erased_at": None},
                                          {"$set": {"retention_check_at": until}})

    # --- 1. mark -------------------------------------------------------------------------------------------------
    def mark_for_erasure(self, doc, cutoff, now):
        """Begin erasing ``doc`` if it is still resolved, unerased and untouched since ``cutoff`` (one write);
        True when this call marked it."""
        figures = self.conversation_figures(doc["_id"])
        done = self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).update_one(
            {"_id": doc["_id"], "status": domain.RESOLVED, "erased_at": None, "resolved_at": {"$lte": cutoff},
             "updated_at": {"$lte": cutoff}, "wa_id": doc["wa_id"]},
            {"$set": {"erased_at": now, "erasing": {"wa_id": doc["wa_id"], "since": now}, "figures": figures,
                      "wa_id": domain.ERASED_WA_ID_PREFIX + str(doc["_id"])}})
        return bool(done.modified_count)

    def unmark_erasure(self, conversation_id):
        """Take a mark back while nothing is destroyed yet: the conversation is visible again with its number (if
        that number wrote meanwhile and has a new conversation, the old one keeps ``erased:<id>``). False once the
        destruction began (it is finished instead)."""
        condition = {"_id": conversation_id, "erasing": {"$exists": True}, "erasing.destroying": {"$exists": False}}
        doc = self.db[CONVERSATIONS].find_one(condition, {"erasing": 1})
        if doc is None:
            return False
        undo = {"$set": {"erased_at": None}, "$unset": {"erasing": "", "figures": ""}}
        collection = self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY)
        try:
            done = collection.update_one(condition, {**undo, "$set": {"erased_at": None,
                                                                        "wa_id": doc["erasing"]["wa_id"]}})
        except DuplicateKeyError:
            log.warning("erasure taken back; the number has a newer conversation, this one keeps a placeholder",
                        extra={"conversation_id": conversation_id})
            done = collection.update_one(condition, undo)
        return bool(done.modified_count)

    def conversation_figures(self, conversation_id):
        """What the reports need of a conversation's messages, as ``store.reports.MESSAGE_FIGURES`` gives it (read
        by the reports instead of the messages once they are gone): counts, the first user message, the first reply
        by a person, the classifier's cues and labels of each user message. Nothing of what was written."""
        row = next(self.db[MESSAGES].aggregate([{"$match": {"conversation_id": conversation_id}}, *MESSAGE_FIGURES]),
                   None) or {}
        return {"first_in": row.get("first_in"), "first_reply": row.get("first_reply"),
                "messages_in": int(row.get("messages_in") or 0), "messages_out": int(row.get("messages_out") or 0),
                "cues": list(row.get("cues") or []), "classes": list(row.get("classes") or [])}

    # --- 2 and 3. destroy, then the shell --------------------------------------------------------------------------
    def finish_erasure(self, conversation_id):
        """Destroy the personal data of a marked conversation and leave its shell; repeatable (each step deletes
        what is left). False when it is not marked (already finished, or taken back)."""
        doc = self.db[CONVERSATIONS].find_one_and_update(
            {"_id": conversation_id, "erasing": {"$exists": True}}, {"$set": {"erasing.destroying": True}},
            return_document=ReturnDocument.AFTER)
        if doc is None:
            return False
        messages = list(self.db[MESSAGES].find({"conversation_id": conversation_id}, {"_id": 1, "wamid": 1}))
        message_ids = [m["_id"] for m in messages]
        files = self.db[f"{BUCKET}.files"]
        for stored in files.find({"metadata.message_id": {"$in": message_ids}}, {"_id": 1}):
            self.db[f"{BUCKET}.chunks"].delete_many({"files_id": stored["_id"]})
            files.delete_one({"_id": stored["_id"]})
        wamids = [m["wamid"] for m in messages if isinstance(m.get("wamid"), str)]
        if wamids:
            self.db[STATUSES].delete_many({"wamid": {"$in": wamids}})
        self.db[CORRECTIONS].update_many({"conversation_id": conversation_id, "text": {"$ne": None}},
                                         {"$set": {"text": None}})
        self.db[NOTES].delete_many({"conversation_id": conversation_id})
        self.db[INQUIRIES].delete_many({"conversation_id": conversation_id})
        self.db[MESSAGES].delete_many({"conversation_id": conversation_id})
        done = self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).update_one(
            {"_id": conversation_id, "erasing": {"$exists": True}},
            domain.erased_shell(doc, doc.get("figures"), doc["erased_at"]))
        return bool(done.modified_count)

    # --- webhook payloads ---------------------------------------------------------------------------------------
    def sweep_webhooks(self, cutoff, keep_going):
        """Delete the webhook payloads (the raw bodies, with names, numbers and texts) processed or given up at or
        before ``cutoff``: once applied, the messages hold what they brought. In batches while ``keep_going()``;
        returns how many."""
        deleted = 0
        while keep_going():
            ids = [job["_id"] for job in self.db[WEBHOOKS].find(
                {"status": {"$in": ["done", FAILED]}, "next_attempt_at": {"$lte": cutoff}}, {"_id": 1})
                .limit(WEBHOOK_SWEEP_BATCH)]
            if not ids:
                break
            deleted += self.db[WEBHOOKS].delete_many({"_id": {"$in": ids}}).deleted_count
        return deleted
