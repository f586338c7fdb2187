"""Replies to WhatsApp users: the message (status ``queued``) and its job in the ``sends`` work queue are
written in one transaction; the sender claims the job, calls the Graph API, and records the outcome on the
message (``sent`` with its wamid, or the error an agent sees: retrying, or ``failed`` with a reason)."""
from services.chat import domain
from services.chat.store.common import CONVERSATIONS, MESSAGES, SENDS, ConversationGone, earlier, new_id
from services.runtime.mongo import utcnow
from services.runtime.workqueue import WorkQueue


def outbound_message(conversation, author, text, now, template=None, message_id=None, automatic=None, canned=None):
    """A message to the user, ``queued``: a person's reply (``author``; ``canned``: the shortcode of the canned
    response its text started with, already expanded), or an automatic one (``automatic`` names which, e.g.
    ``out_of_office``; no author). On the web channel it is ``delivered`` as it is stored (the lawyer reads it in the
    portal; nothing goes to WhatsApp: ``needs_sending``)."""
    web = domain.is_web(conversation)
    status = domain.DELIVERED if web else domain.QUEUED
    message = {"_id": message_id or new_id(), "conversation_id": conversation["_id"], "line": conversation["line"],
               "wa_id": conversation["wa_id"], "direction": "out", "type": "template" if template else "text",
               "known": True, "text": text, "template": template,
               "media": None, "location": None, "contacts": None, "reply": None, "context_wamid": None,
               "wamid": None, "at": now, "created_at": now, "received_at": None, "author": author,
               "automatic": automatic, "canned": canned,
               "status": status, "status_at": {status: now}, "error": None, "attempts": 0}
    if web:
        message["channel"] = domain.WEB
    return message


def needs_sending(message) -> bool:
    """A message for the Graph API's send queue: every queued one; never one of the web channel."""
    return message["status"] == domain.QUEUED and not domain.is_web(message)


class Outbound:
    """Mixin of ``ChatStore``: replies and their sending."""

    indexes = {SENDS: WorkQueue.indexes()}

    def send_queue(self, policy, owner=None):
        return WorkQueue(self.db[SENDS], policy, owner, done_status="sent", done_at="sent_at")

    def queue_reply(self, conversation, author, text, policy, template=None, canned=None):
        """The reply (a text, or an approved template) and its send job, committed together; returns the
        message, or None when the conversation was marked for erasure meanwhile (nothing is queued)."""
        now = utcnow()
        if template is not None:
            template = {"name": template["name"], "language": template["language"],
                        "parameters": list(template.get("parameters") or [])}
            text = domain.template_text(template)
        message = outbound_message(conversation, author, text, now, template, canned=canned)

        def apply(tx):
            self.db[MESSAGES].insert_one(message, session=tx.session)
            if needs_sending(message):
                self.db[SENDS].insert_one(self.send_queue(policy).new_job({"message_id": message["_id"]}, now),
                                          session=tx.session)
            done = self.db[CONVERSATIONS].update_one(
                {"_id": conversation["_id"], "erased_at": None},
                {"$set": {"last_message_at": now, "last_message_preview": domain.preview(text), "updated_at": now,
                          "unanswered": 0},
                 "$min": {"first_response_at": now}}, session=tx.session)
            if not done.matched_count:
                raise ConversationGone(conversation["_id"])  # the transaction is taken back whole
            self.sla_replied(tx, conversation["_id"], now)  # a person's reply meets the first or next response

        try:
            self.transaction(apply)
        except ConversationGone:
            return None
        return message

    def message(self, message_id):
        return self.db[MESSAGES].find_one({"_id": message_id})

    def mark_sent(self, message_id, wamid):
        now = utcnow()
        self.db[MESSAGES].update_one({"_id": message_id, "status": domain.QUEUED},
                                     {"$set": {"status": domain.SENT, "wamid": wamid, f"status_at.{domain.SENT}": now,
                                               "error": None}, "$inc": {"attempts": 1}})
        self.db[MESSAGES].update_one({"_id": message_id, "wamid": None}, {"$set": {"wamid": wamid}})
        return self.apply_known_statuses(wamid)

    def earlier_queued(self, message):
        """Whether a reply of the same conversation queued before ``message`` is still waiting to be sent (the
        later one waits for it: a contact's replies reach WhatsApp in the order the agents wrote them)."""
        return self.db[MESSAGES].find_one(
            {"conversation_id": message["conversation_id"], "direction": "out", "status": domain.QUEUED,
             **earlier(message)}, {"_id": 1}) is not None

    def mark_retrying(self, message_id, outcome):
        self.db[MESSAGES].update_one({"_id": message_id, "status": domain.QUEUED},
                                     {"$set": {"error": {"code": outcome.code, "reason": outcome.reason,
                                                         "retrying": True}},
                                      "$inc": {"attempts": 1}})

    def mark_web_replies_read(self, conversation_id, message_ids, at):
        """The lawyer was just given these replies of their web conversation: each one still ``delivered`` becomes
        ``read`` at ``at`` (as a WhatsApp read receipt moves a reply: ``apply_known_statuses``), only the court's
        replies (``direction`` out), only forward and once. Returns the ids it moved, in order (none already read,
        nor one another read moved meanwhile)."""
        unread = {"conversation_id": conversation_id, "direction": "out", "status": domain.DELIVERED}
        # one read first: a conversation read again (all of it already read) costs no write at all
        waiting = {doc["_id"] for doc in self.db[MESSAGES].find({**unread, "_id": {"$in": list(message_ids)}},
                                                                 {"_id": 1})}
        moved = []
        for message_id in (m for m in message_ids if m in waiting):
            done = self.db[MESSAGES].update_one(
                {"_id": message_id, "conversation_id": conversation_id, "direction": "out",
                 "status": domain.DELIVERED},
                {"$set": {"status": domain.READ, f"status_at.{domain.READ}": at}})
            if done.modified_count:
                moved.append(message_id)
        return moved

    def mark_failed(self, message_id, code, reason):
        self.db[MESSAGES].update_one({"_id": message_id, "status": domain.QUEUED},
                                     {"$set": {"status": domain.FAILED, f"status_at.{domain.FAILED}": utcnow(),
                                               "error": {"code": code, "reason": reason, "retrying": False}},
                                      "$inc": {"attempts": 1}})
