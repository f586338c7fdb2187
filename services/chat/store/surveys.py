"""The satisfaction survey (CSAT, rules in ``services.chat.csat``): resolving a conversation and queueing its
survey in one transaction, and storing the user's answer once.

A survey is sent once per resolution: only a status change from another status to ``resolved`` asks for one,
and the survey's write is conditional on the conversation's survey being still the one seen before that
change, so of two resolves at once one queues it (with its message and its job of the ``sends`` work queue,
in one transaction). Resolving an already resolved conversation sends nothing; reopened (by the user or by
staff) and resolved again, it is surveyed again.

Each survey is a document of ``surveys`` (``_id`` = the id inside the rows' ids), with the conversation's
line, team and agent at the moment of the resolution, so reports count it as it stood; the conversation keeps
its current one in ``csat``. The answer is a conditional write on both (``score`` still null): a webhook
delivered twice, or a second tap, never stores a second score.
"""
from pymongo import ASCENDING, IndexModel, ReturnDocument

from services.chat import csat, domain
from services.chat.store.common import CONVERSATIONS, MESSAGES, SENDS, new_id
from services.runtime.mongo import utcnow

SURVEYS = "surveys"


class Surveys:
    """Mixin of ``ChatStore``: resolving with its survey, and the survey's answer."""

    indexes = {SURVEYS: [IndexModel([("conversation_id", ASCENDING), ("sent_at", ASCENDING)]),
                         IndexModel([("answered_at", ASCENDING)])]}

    def queue_survey(self, conversation_id, seen_survey_id, now, policy, template=None):
        """The survey of a conversation just resolved, with its message and send job, in one transaction: an
        interactive list within the 24-hour window, otherwise ``template`` (the configured {name, language};
        None: no survey can be sent, recorded as ``skipped``). Written only if the conversation is resolved and
        its current survey is still ``seen_survey_id`` (the one before this resolve): of two resolves at once,
        one queues it. Returns the conversation as it is after."""

        def apply(tx):
            conversations = self.db[CONVERSATIONS]
            doc = conversations.find_one_and_update(
                {"_id": conversation_id, "status": domain.RESOLVED, "csat.survey_id": seen_survey_id},
                {"$set": {"resolved_at": now, "updated_at": now}},
                return_document=ReturnDocument.AFTER, session=tx.session)
            if doc is None:  # another resolve queued it meanwhile, or it was reopened: nothing is sent
                return conversations.find_one({"_id": conversation_id}, session=tx.session)
            survey_id = new_id()
            if domain.is_web(doc):  # the survey is WhatsApp's (an interactive list or a template): skipped
                via, message = None, None
            elif domain.window_open(doc.get("last_user_message_at"), now):
                via, message = csat.INTERACTIVE, self._survey_message(doc, survey_id, now, interactive=True)
            elif template is not None:
                via, message = csat.TEMPLATE, self._survey_message(doc, survey_id, now, template=template)
            else:
                via, message = None, None
            survey = {"_id": survey_id, "conversation_id": doc["_id"], "line": doc["line"],
                      "team": doc.get("team"), "agent": (doc.get("assignee") or {}).get("sub"),
                      "resolved_at": now, "via": via, "status": csat.SENT if via else "skipped",
                      "sent_at": now if via else None, "message_id": message["_id"] if message else None,
                      "score": None, "answered_at": None, "answer_message_id": None}
            self.db[SURVEYS].insert_one(survey, session=tx.session)
            if message is not None:
                self.db[MESSAGES].insert_one(message, session=tx.session)
                self.db[SENDS].insert_one(self.send_queue(policy).new_job({"message_id": message["_id"]}, now),
                                          session=tx.session)
            current = {key: survey[key] for key in ("status", "via", "sent_at", "message_id", "score",
                                                    "answered_at")}
            return conversations.find_one_and_update(
                {"_id": doc["_id"]}, {"$set": {"csat": {"survey_id": survey_id, **current}}},
                return_document=ReturnDocument.AFTER, session=tx.session)

        return self.transaction(apply)

    def survey_by_template(self, failed, template, policy):
        """The survey's list was refused because the 24-hour window had closed (131047): queue the same survey
        as the configured template instead (``template`` None: the survey is ``skipped``). Once: only while the
        conversation's survey is still that one, sent by that message and unanswered."""
        now = utcnow()

        def apply(tx):
            current = {"_id": failed["conversation_id"], "csat.survey_id": failed["survey_id"],
                       "csat.message_id": failed["_id"], "csat.score": None}
            doc = self.db[CONVERSATIONS].find_one(current, session=tx.session)
            if doc is None:
                return None
            message = self._survey_message(doc, failed["survey_id"], now, template=template) if template else None
            change = ({"via": csat.TEMPLATE, "message_id": message["_id"], "sent_at": now} if message
                      else {"via": None, "message_id": None, "status": "skipped"})
            if message is not None:
                self.db[MESSAGES].insert_one(message, session=tx.session)
                self.db[SENDS].insert_one(self.send_queue(policy).new_job({"message_id": message["_id"]}, now),
                                          session=tx.session)
            self.db[SURVEYS].update_one({"_id": failed["survey_id"]}, {"$set": change}, session=tx.session)
            self.db[CONVERSATIONS].update_one(current, {"$set": {f"csat.{key}": value for key, value in change.items()}},
                                              session=tx.session)
            return message

        return self.transaction(apply)

    @staticmethod
    def _survey_message(conversation, survey_id, now, interactive=False, template=None):
        if template is not None:
            template = {"name": template["name"], "language": template["language"], "parameters": []}
        body = csat.list_message_body(conversation["wa_id"], survey_id)["interactive"] if interactive else None
        return {"_id": new_id(), "conversation_id": conversation["_id"], "line": conversation["line"],
                "wa_id": conversation["wa_id"], "direction": "out",
                "type": "interactive" if interactive else "template", "known": True,
                "text": csat.survey_text(csat.TEMPLATE if template else csat.INTERACTIVE,
                                         template and template["name"]),
                "template": template, "interactive": body, "survey_id": survey_id,
                "media": None, "location": None, "contacts": None, "reply": None, "context_wamid": None,
                "wamid": None, "at": now, "created_at": now, "received_at": None, "author": None,
                "status": domain.QUEUED, "status_at": {domain.QUEUED: now}, "error": None, "attempts": 0}

    def survey_answered(self, conversation, message, answer, session):
        """Inside the inbound message's transaction: ``message`` answers a survey (``answer``: a
        ``csat.Answer``). The score is stored if that survey is still unanswered; the conversation is NOT
        reopened (its status, unanswered count and queue place stay), only its last message and the 24-hour
        window move."""
        survey_id, score = answer.survey_id, answer.score
        stored = False
        if score is not None and survey_id:
            answered = {"score": score, "answered_at": message["at"], "answer_message_id": message["_id"]}
            done = self.db[SURVEYS].update_one({"_id": survey_id, "score": None},
                                               {"$set": {**answered, "status": csat.ANSWERED}}, session=session)
            stored = bool(done.modified_count)
            if stored:
                self.db[CONVERSATIONS].update_one(
                    {"_id": conversation["_id"], "csat.survey_id": survey_id, "csat.score": None},
                    {"$set": {"csat.score": score, "csat.answered_at": message["at"], "csat.status": csat.ANSWERED}},
                    session=session)
        self.db[MESSAGES].update_one({"_id": message["_id"]},
                                     {"$set": {"survey_answer": {"survey_id": survey_id, "score": score,
                                                                 "stored": stored}}}, session=session)
        last_user = conversation.get("last_user_message_at")
        update = {"updated_at": message["created_at"],
                  "last_user_message_at": max(last_user, message["at"]) if last_user else message["at"]}
        if conversation.get("last_message_at") is None or message["at"] >= conversation["last_message_at"]:
            update["last_message_at"] = message["at"]
            update["last_message_preview"] = domain.preview(message["text"])
        self.db[CONVERSATIONS].update_one({"_id": conversation["_id"]}, {"$set": update}, session=session)
        return stored
