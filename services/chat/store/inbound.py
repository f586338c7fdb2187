"""What arrives from WhatsApp: the webhook payloads (``webhooks``), stored before the 200 and processed
afterwards, and what processing them writes: inbound messages (once per ``wamid``), their conversations,
and the statuses of the messages we sent (``statuses``, once per wamid and status).

A payload is a job of the ``webhooks`` work queue whose ``_id`` is the SHA-256 of its raw body: the
insert is acknowledged by the majority of the replica set before the gateway answers 200, and Meta's retry
of the same body finds it already there. Processing claims payloads with a lease; a payload whose
processing fails is tried again with backoff. Processing is idempotent: a message is inserted only if its
wamid is new (unique index), a status entry only once, a message status only moves forward.
"""
import hashlib
import logging

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.errors import DuplicateKeyError

from services.chat import csat, domain, hours
from services.chat.store.common import CONVERSATIONS, MESSAGES, STATUSES, WEBHOOKS, earlier, new_id
from services.runtime.mongo import MAJORITY, utcnow
from services.runtime.workqueue import PENDING, RetryPolicy, WorkQueue

log = logging.getLogger(__name__)

# applying one payload takes milliseconds (a few small transactions): a 15 s lease outlasts it by far, and a
# payload whose worker died is taken over 15 s later
WEBHOOK_POLICY = RetryPolicy(backoff_seconds=1, backoff_max_seconds=300, max_attempts=20, lease_seconds=15)


def payload_id(raw: bytes) -> str:
    return hashlib.sha256(raw).hexdigest()


class Inbound:
    """Mixin of ``ChatStore``: webhook payloads, inbound messages and statuses."""

    indexes = {
        WEBHOOKS: [*WorkQueue.indexes(),
                   IndexModel([("senders", ASCENDING), ("created_at", ASCENDING)],
                              partialFilterExpression={"status": PENDING})],
        MESSAGES: [IndexModel([("wamid", ASCENDING)], unique=True,
                              partialFilterExpression={"wamid": {"$type": "string"}}),
                   IndexModel([("conversation_id", ASCENDING), ("at", DESCENDING), ("created_at", DESCENDING),
                               ("_id", DESCENDING)])],
        STATUSES: [IndexModel([("wamid", ASCENDING)])],
    }

    def webhook_queue(self, owner=None, shards=None):
        """The stored payloads to apply; ``shards``: only those shares (``domain.sender_shard``), the one that
        holds share 0 also takes payloads stored without a share (before shares existed)."""
        scope = None
        if shards is not None:
            scope = {"shard": {"$in": list(shards)}}
            if 0 in shards:
                scope = {"$or": [scope, {"shard": {"$exists": False}}]}
        return WorkQueue(self.db[WEBHOOKS], WEBHOOK_POLICY, owner, scope=scope)

    def store_webhook(self, raw: bytes, senders=()):
        """Keep one payload as it arrived, majority-acknowledged, with the users whose messages it carries
        (``domain.payload_senders``). Returns (id, stored now: False when the same body was already kept)."""
        queue = self.webhook_queue()
        job = queue.new_job({"raw": raw.decode("utf-8"), "size": len(raw), "senders": list(senders),
                             "shard": domain.sender_shard(list(senders))}, job_id=payload_id(raw))
        try:
            self.db.get_collection(WEBHOOKS, write_concern=MAJORITY).insert_one(job)
        except DuplicateKeyError:
            return job["_id"], False
        return job["_id"], True

    def earlier_payload_pending(self, job):
        """Whether a payload stored before ``job`` with messages of one of its senders is still to be applied:
        ``job`` waits for it, so each user's messages apply in the order WhatsApp posted them. Not for one that
        already failed (``attempts`` > 0): a payload that cannot apply must not hold back the user's next
        messages for the hour its retries may take; order gives way there, nothing is lost."""
        if not job.get("senders"):
            return False
        return self.db[WEBHOOKS].find_one(
            {"status": PENDING, "attempts": 0, "senders": {"$in": job["senders"]}, **earlier(job)},
            {"_id": 1}) is not None

    def webhook(self, job_id):
        return self.db[WEBHOOKS].find_one({"_id": job_id})

    # --- applying a payload --------------------------------------------------------------------------------
    def add_inbound(self, line, record, name, received_at, levels=None, levels_outcome=None, web=None,
                    request=None):
        """One inbound message, once per wamid, with its conversation (created, or reopened if it was
        snoozed or resolved) in one transaction. Returns the message id, or None for a duplicate.
        ``levels``: the business hours and SLA rules (``store.levels.LevelRules``): the SLA clocks and the
        out-of-office reply are written in the same transaction (what they did: ``levels_outcome``).
        ``web``: the lawyer who wrote on the web channel (``domain.web_lawyer``): their conversation is a web one,
        with their name and bar number. ``request``: an idempotent request (``services.runtime.idempotency``),
        remembered in the same transaction (a key seen before raises ``Replay``, nothing written)."""

        def apply(tx):
            if levels_outcome is not None:  # a transaction may run again: only its last run counts
                levels_outcome.clear()
            if request is not None:
                self.idempotency.check(request, tx.session)
            messages = self.db[MESSAGES]
            if messages.find_one({"wamid": record["wamid"]}, {"_id": 1}, session=tx.session):
                return None
            conversation = self.db[CONVERSATIONS].find_one({"line": line, "wa_id": record["wa_id"]},
                                                           session=tx.session)
            now = utcnow()
            if conversation is None:
                conversation = {"_id": new_id(), "line": line, "wa_id": record["wa_id"],
                                "contact": {"wa_id": record["wa_id"], "name": name}, "status": domain.OPEN,
                                "snoozed_until": None, "assignee": None, "labels": [], "created_at": now,
                                "updated_at": now, "last_message_at": record["at"], "last_user_message_at": None,
                                "last_message_preview": "", "unanswered": 0, "waiting_since": now}
                if web is not None:
                    conversation.update({"channel": domain.WEB, "lawyer": web})
                self.db[CONVERSATIONS].insert_one(conversation, session=tx.session)
            message = {"_id": new_id(), "conversation_id": conversation["_id"], "line": line,
                       "direction": "in", "status": domain.RECEIVED, "received_at": received_at,
                       "created_at": now, "author": None, "error": None, **record}
            if (record.get("media") or {}).get("id"):
                message["media"] = {**record["media"], "status": "pending", "reason": None}
            messages.insert_one(message, session=tx.session)
            if message["media"] and message["media"].get("id"):
                self.db["media_jobs"].insert_one(self.media_job(message["_id"]), session=tx.session)
            survey = csat.answer(record, conversation["status"], conversation.get("csat"))
            if survey.survey:  # an answer to the satisfaction survey is not a new query: it never reopens
                if self.survey_answered(conversation, message, survey, tx.session) and levels_outcome is not None:
                    levels_outcome.csat_score = survey.score
                return message["_id"]
            newest = conversation["last_message_at"] is None or record["at"] >= conversation["last_message_at"]
            last_user = conversation.get("last_user_message_at")
            update = {"status": domain.status_after_user_message(conversation["status"]), "updated_at": now,
                      "last_user_message_at": max(last_user, record["at"]) if last_user else record["at"]}
            if update["status"] != conversation["status"]:
                update["snoozed_until"] = None
                update["waiting_since"] = now
            if newest:
                update["last_message_at"] = record["at"]
                update["last_message_preview"] = domain.preview(record["text"])
            if name:
                update["contact.name"] = name
            if web is not None:  # the lawyer's name as their account says it now
                update["lawyer"] = web
            if (record.get("classification") or {}).get("label") == domain.COMPLAINT:
                # flagged, first in the waiting queue, and routed to the complaints area (domain.complaint_route)
                update.update(domain.complaint_flags(True))
                area = levels.complaints_area if levels is not None else hours.COMPLAINTS_AREA
                update.update(domain.complaint_route(conversation.get("complaint_routed_at"),
                                                     conversation["status"] == domain.RESOLVED,
                                                     self.assignee_teams(conversation, tx.session), area, now,
                                                     self.area_staffed(area, tx.session)))
                # a complaint is counted when it flags the conversation, or reopens a resolved one (a new matter)
                newly = not conversation.get("complaint") or conversation["status"] == domain.RESOLVED
                if newly and levels_outcome is not None:
                    levels_outcome.complaint_area = hours.conversation_area({**conversation, **update}, area)
            if levels is not None:
                self.on_user_message(tx, conversation, message, update, now, levels, levels_outcome)
            self.db[CONVERSATIONS].update_one({"_id": conversation["_id"]},
                                              {"$set": update, "$inc": {"unanswered": 1}}, session=tx.session)
            if request is not None:
                self.idempotency.remember(request, {"message_id": message["_id"]}, tx.session)
            return message["_id"]

        try:
            return self.transaction(apply)
        except DuplicateKeyError:
            if self.db[MESSAGES].find_one({"wamid": record["wamid"]}, {"_id": 1}):
                return None  # the same wamid committed by another worker meanwhile
            raise  # another unique key (the conversation's): the payload fails and is retried, never dropped

    def add_status(self, status):
        """Keep a status WhatsApp reported (once per wamid and status) and apply it to the message it names,
        if we know it yet (a status may arrive before the send is recorded: ``apply_known_statuses``)."""
        entry_id = f"{status['wamid']}:{status['status']}"
        try:
            self.db.get_collection(STATUSES, write_concern=MAJORITY).insert_one(
                {"_id": entry_id, **status, "created_at": utcnow()})
        except DuplicateKeyError:
            pass
        return self.apply_known_statuses(status["wamid"])

    def apply_known_statuses(self, wamid):
        """Move the message with ``wamid`` through every status reported for it, in order; returns its final
        status, or None when no message of ours has that wamid."""
        message = self.db[MESSAGES].find_one({"wamid": wamid, "direction": "out"})
        if message is None:
            return None
        current = message["status"]
        order = {domain.SENT: 1, domain.DELIVERED: 2, domain.READ: 3, domain.FAILED: 4}
        entries = sorted(self.db[STATUSES].find({"wamid": wamid}), key=lambda e: order.get(e["status"], 9))
        for entry in entries:
            target = domain.advance(current, entry["status"])
            if target is None:
                continue
            update = {"status": target, f"status_at.{target}": entry["at"]}
            if target == domain.FAILED:
                update["error"] = domain.status_failure_reason(entry["errors"])
            done = self.db[MESSAGES].update_one({"_id": message["_id"], "status": current}, {"$set": update})
            if not done.modified_count:  # moved meanwhile by another worker: start again from what it is
                return self.apply_known_statuses(wamid)
            current = target
        return current
