"""Business hours and service levels on the conversations (rules in ``services.chat.hours``):

- a user message starts the SLA clocks and, outside business hours, queues the out-of-office reply; both are
  written in the transaction that stores the message (``on_user_message``, called by ``add_inbound``), so a
  redelivered webhook or two replicas at once never queue it twice: the conversation's ``out_of_office_day``
  is set first (a concurrent transaction conflicts and is retried, then sees it) and the reply's ``_id`` is
  ``ooo-<conversation>-<local day>``;
- a person's reply meets the first or the next response (``sla_replied``, inside the reply's transaction);
- resolving stops the clocks (``sla_resolved``);
- a timer flags what passed unmet (``sla_overdue`` and ``flag_breaches``), conversation by conversation, with
  the SLA's ``version`` as the condition of the write: one replica's flag wins, the other's changes nothing.

Conversation fields: ``sla`` (see ``hours``), ``sla_breached``, ``sla_check_at`` (when the timer looks next;
None: nothing running) and ``out_of_office_day``.
"""
from dataclasses import dataclass

from pymongo import ASCENDING, DESCENDING, IndexModel

from services.chat import domain, hours
from services.chat.store.common import CONVERSATIONS, MESSAGES, SENDS
from services.chat.store.outbound import needs_sending, outbound_message
from services.runtime.mongo import MAJORITY

OUT_OF_OFFICE = "out_of_office"
OVERDUE_BATCH = 500


@dataclass(frozen=True)
class LevelRules:
    """What the store needs from the configuration: {line: BusinessHours}, the SLA policies, the retry policy of
    the send queue, and the area complaints are routed to (CHAT_COMPLAINTS_AREA)."""
    hours: dict
    policies: dict
    send_policy: object
    complaints_area: str = hours.COMPLAINTS_AREA


@dataclass
class InboundLevels:
    """What a user message did to the service levels, the satisfaction survey and the complaint flag (filled
    inside the transaction; read after it, so a transaction run again counts only its last run)."""
    out_of_office_id: str = None
    breaches: tuple = ()
    csat_score: int = None       # the survey score it stored (None: no answer stored)
    complaint_area: str = None   # the area of the complaint it flagged (None: none flagged)

    def clear(self):
        self.out_of_office_id, self.breaches, self.csat_score, self.complaint_area = None, (), None, None


class Levels:
    """Mixin of ``ChatStore``: SLA clocks, breaches and the out-of-office reply."""

    # the timer's query, a range on sla_check_at (null: nothing running) in its order
    indexes = {CONVERSATIONS: [IndexModel([("sla_check_at", ASCENDING), ("_id", ASCENDING)]),
                               IndexModel([("sla_breached", ASCENDING), ("last_message_at", DESCENDING),
                                           ("_id", DESCENDING)])]}

    def on_user_message(self, tx, conversation, message, update, now, rules, outcome=None):
        """Inside ``add_inbound``'s transaction: the SLA after this message (into ``update``, the conversation's
        ``$set``) and the out-of-office reply with its send job when it is due (what they did: into ``outcome``,
        which ``add_inbound`` clears at the start of each run of its transaction)."""
        line_hours = rules.hours.get(conversation["line"])
        if line_hours is None:
            return
        now_routed = {key: update[key] for key in ("complaint", "team", "area") if key in update}
        area = hours.conversation_area({**conversation, **now_routed}, rules.complaints_area)
        policy = hours.policy_for(rules.policies, conversation["line"], area)
        sla = hours.sla_after_user_message(conversation.get("sla"), line_hours, policy, area, message["at"],
                                           reopened=conversation["status"] == domain.RESOLVED)
        sla, missed = hours.sla_with_breaches(sla, now)  # a message that arrives already overdue
        sla = {**sla, "policy": policy.as_dict(), "area": area, "version": int(sla.get("version") or 0) + 1}
        update.update({"sla": sla, "sla_check_at": hours.check_at(sla), "sla_breached": bool(sla["breaches"])})
        day = hours.out_of_office_day(line_hours, conversation.get("out_of_office_day"), message["at"], now)
        if day is not None and not domain.is_web(conversation) and not domain.window_open(message["at"], now):
            day = None  # a message delivered more than 24 hours late: WhatsApp would refuse a free-form reply
        if outcome is not None:
            outcome.breaches = tuple(missed)
        if day is None:
            return
        # the day is marked before the reply is written: a concurrent transaction that marked it first makes
        # this one conflict (and be retried, when it sees the day taken)
        marked = self.db[CONVERSATIONS].update_one(
            {"_id": conversation["_id"], "out_of_office_day": conversation.get("out_of_office_day")},
            {"$set": {"out_of_office_day": day}}, session=tx.session)
        if not marked.modified_count:
            return
        update["out_of_office_day"] = day
        reply = outbound_message(conversation, None, hours.out_of_office_text(line_hours, now), now,
                                 message_id=f"ooo-{conversation['_id']}-{day}", automatic=OUT_OF_OFFICE)
        self.db[MESSAGES].insert_one(reply, session=tx.session)
        if needs_sending(reply):  # on the web channel the lawyer reads it in the portal
            self.db[SENDS].insert_one(self.send_queue(rules.send_policy).new_job({"message_id": reply["_id"]}, now),
                                      session=tx.session)
        if outcome is not None:
            outcome.out_of_office_id = reply["_id"]

    def sla_replied(self, tx, conversation_id, now):
        """Inside a person's reply transaction: the first or the pending next response is met."""
        doc = self.db[CONVERSATIONS].find_one({"_id": conversation_id}, {"sla": 1}, session=tx.session)
        sla = hours.sla_after_reply((doc or {}).get("sla"), now)
        if sla is None:
            return
        sla["version"] = int(sla.get("version") or 0) + 1
        self.db[CONVERSATIONS].update_one({"_id": conversation_id}, {"$set": {
            "sla": sla, "sla_check_at": hours.check_at(sla), "sla_breached": bool(sla["breaches"])}},
            session=tx.session)

    def sla_resolved(self, conversation_id, now):
        """The conversation was resolved at ``now``: what is overdue is a breach, the clocks stop. Returns
        (conversation after, kinds newly breached)."""
        for _ in range(5):
            doc = self.db[CONVERSATIONS].find_one({"_id": conversation_id})
            sla = (doc or {}).get("sla")
            if sla is None or sla.get("resolved_at") is not None or doc["status"] != domain.RESOLVED:
                return doc, []
            sla, missed = hours.sla_after_resolve(sla, now)
            if self._write_sla(doc, sla):
                return self.db[CONVERSATIONS].find_one({"_id": conversation_id}), missed
        return self.db[CONVERSATIONS].find_one({"_id": conversation_id}), []

    def sla_overdue(self, now, limit=OVERDUE_BATCH):
        """Conversations whose next SLA check is due."""
        return list(self.db[CONVERSATIONS].find({"sla_check_at": {"$lte": now}}, {"sla": 1, "line": 1, "status": 1})
                    .sort([("sla_check_at", ASCENDING), ("_id", ASCENDING)]).limit(limit))

    def flag_breaches(self, doc, now):
        """Record what passed unmet on one conversation; returns the kinds newly breached (none when another
        replica, a reply or a resolve changed its SLA meanwhile: the next run looks again)."""
        sla, missed = hours.sla_with_breaches(doc["sla"], now)
        if not missed:  # nothing overdue (checked early): only the next check moves
            self.db[CONVERSATIONS].update_one({"_id": doc["_id"], "sla.version": doc["sla"].get("version")},
                                              {"$set": {"sla_check_at": hours.check_at(sla)}})
            return []
        return missed if self._write_sla(doc, sla) else []

    def _write_sla(self, doc, sla):
        version = doc["sla"].get("version")
        sla = {**sla, "version": int(version or 0) + 1}
        done = self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).update_one(
            {"_id": doc["_id"], "sla.version": version},
            {"$set": {"sla": sla, "sla_check_at": hours.check_at(sla), "sla_breached": bool(sla["breaches"])}})
        return bool(done.modified_count)
