"""A lawyer's WhatsApp number linked to their account (``services.chat.domain``, "a lawyer's WhatsApp number"):

| collection | what | key |
|---|---|---|
| ``links`` | a number and the lawyer it belongs to (sub, name, bar number, when) | ``_id`` = the wa_id: one lawyer a number |
| ``link_codes`` | a lawyer's pending request: the number, the code's HMAC, expiry, tries, how its sending went | ``_id`` = the lawyer's sub: a new request replaces the old |
| ``link_requests`` | one entry per code asked, for the hourly limits per lawyer and per number (kept two hours) | |

The code itself goes to WhatsApp through the ``sends`` work queue (a job with ``link_id``, ``wa_id``, ``line`` and
``code``); the job's ``code`` is erased once WhatsApp took the message, gave up on it, or the request was replaced.
"""
from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument

from services.chat import domain
from services.chat.store.common import SENDS, STATUSES, new_id
from services.runtime.mongo import MAJORITY, utcnow

LINKS = "links"
LINK_CODES = "link_codes"
LINK_REQUESTS = "link_requests"
LINK_GUARDS = "link_guards"  # one document per number asked for: concurrent requests for it conflict (see request_link)
MAX_LINKS_SHOWN = 50


class LinkRateLimited(Exception):
    """Too many codes in the last hour: ``scope`` ``lawyer`` or ``number``; ``retry_after`` seconds."""

    def __init__(self, scope, retry_after):
        super().__init__(scope, retry_after)
        self.scope, self.retry_after = scope, retry_after


class Links:
    """Mixin of ``ChatStore``: linked numbers, pending codes and their limits."""

    indexes = {LINKS: [IndexModel([("sub", ASCENDING), ("linked_at", DESCENDING)])],
               LINK_CODES: [IndexModel([("link_id", ASCENDING)]),
                            IndexModel([("send.wamid", ASCENDING)], sparse=True),
                            IndexModel([("expires_at", ASCENDING)], expireAfterSeconds=3600)],
               LINK_REQUESTS: [IndexModel([("sub", ASCENDING), ("at", DESCENDING)]),
                               IndexModel([("wa_id", ASCENDING), ("at", DESCENDING)]),
                               IndexModel([("at", ASCENDING)], expireAfterSeconds=2 * 3600)],
               LINK_GUARDS: [IndexModel([("at", ASCENDING)], expireAfterSeconds=2 * 3600)]}

    # --- asking for a code -------------------------------------------------------------------------------------
    def request_link(self, actor, wa_id, line, code, key, limit, policy, now):
        """A new pending request of ``actor`` for ``wa_id`` (replacing theirs, if any), its entry in the hourly
        limits, and the job that sends ``code`` from ``line``: one transaction. Raises ``LinkRateLimited`` (nothing
        written) when the lawyer or the number had ``limit`` codes in the last hour. Returns the pending request."""
        link_id = new_id()
        pending = {"_id": actor["sub"], "link_id": link_id, "wa_id": wa_id, "line": line,
                   "digest": domain.link_code_digest(key, link_id, code), "created_at": now,
                   "expires_at": domain.link_expires_at(now), "attempts": 0,
                   "send": {"status": domain.QUEUED, "reason": None, "at": now}}
        since = now - domain.LINK_RATE_WINDOW
        job = self.send_queue(policy).new_job({"link_id": link_id, "wa_id": wa_id, "line": line, "code": code}, now)
        pending["job_id"] = job["_id"]

        def apply(tx):
            session = tx.session
            # Two lawyers asking for one number at once would each count the other's request out (snapshot reads,
            # different documents written) and both pass the number's limit: both write this document first, so
            # one of them conflicts, is retried, and counts the other's. (The lawyer's own limit has its pending
            # request, keyed by the lawyer, for the same.) The write must change the document: setting ``at`` alone
            # to the value it has (two requests in one millisecond) is a no-op that conflicts with nothing.
            self.db[LINK_GUARDS].update_one({"_id": wa_id}, {"$set": {"at": now}, "$inc": {"requests": 1}},
                                            upsert=True, session=session)
            for scope, query in (("lawyer", {"sub": actor["sub"]}), ("number", {"wa_id": wa_id})):
                recent = [r["at"] for r in self.db[LINK_REQUESTS].find({**query, "at": {"$gt": since}}, {"at": 1},
                                                                        session=session).limit(limit + 1)]
                retry_after = domain.link_rate_retry_after(recent, limit, now)
                if retry_after is not None:
                    raise LinkRateLimited(scope, retry_after)
            previous = self.db[LINK_CODES].find_one_and_replace({"_id": actor["sub"]}, pending, upsert=True,
                                                                session=session)
            if previous is not None and previous.get("job_id"):  # the old code is not sent any more if it waits
                self.db[SENDS].update_one({"_id": previous["job_id"]}, {"$unset": {"code": ""}}, session=session)
            self.db[LINK_REQUESTS].insert_one({"_id": link_id, "sub": actor["sub"], "wa_id": wa_id, "at": now},
                                              session=session)
            self.db[SENDS].insert_one(job, session=session)
            return previous

        replaced = self.transaction(apply)
        return pending, replaced

    # --- sending it (services.chat.workers) ---------------------------------------------------------------------
    def link_code_pending(self, link_id):
        """The pending request a send job belongs to, or None when it was replaced or used."""
        return self.db[LINK_CODES].find_one({"link_id": link_id})

    def link_code_sent(self, job, wamid=None, reason=None, retrying=False):
        """How the code's sending went, on its request (``sent`` with the wamid, or a ``failed`` one with the reason,
        or an error being retried); the job's copy of the code is erased unless it will be tried again."""
        now = utcnow()
        if wamid:
            send = {"status": domain.SENT, "reason": None, "at": now, "wamid": wamid}
        else:
            send = {"status": domain.QUEUED if retrying else domain.FAILED, "reason": reason, "at": now}
        self.db[LINK_CODES].update_one({"link_id": job["link_id"]}, {"$set": {"send": send}})
        if not retrying:
            self.forget_link_code(job)
        if wamid:  # WhatsApp may have reported it failed before the send was recorded here
            self.link_code_status(wamid)

    def link_code_status(self, wamid):
        """A ``failed`` status WhatsApp reported for a code's message (the number does not use WhatsApp, say), put
        on its pending request so that the lawyer sees why no code came; other statuses change nothing there."""
        failed = self.db[STATUSES].find_one({"wamid": wamid, "status": domain.FAILED})
        if failed is None:
            return False
        error = domain.status_failure_reason(failed.get("errors") or [])
        return bool(self.db[LINK_CODES].update_one(
            {"send.wamid": wamid, "send.status": domain.SENT},
            {"$set": {"send.status": domain.FAILED, "send.reason": error["reason"], "send.at": utcnow()}}
        ).modified_count)

    def forget_link_code(self, job):
        self.db[SENDS].update_one({"_id": job["_id"]}, {"$unset": {"code": ""}})

    # --- typing it back ------------------------------------------------------------------------------------------
    def count_link_attempt(self, sub):
        """One more try on ``sub``'s pending request, counted before it is judged; the request as it was before
        (None: there is none)."""
        return self.db.get_collection(LINK_CODES, write_concern=MAJORITY).find_one_and_update(
            {"_id": sub}, {"$inc": {"attempts": 1}}, return_document=ReturnDocument.BEFORE)

    def confirm_link(self, actor, pending, now):
        """The number of ``pending`` becomes ``actor``'s (replacing another lawyer's link of it) and the request is
        used up, in one transaction. Returns (the link, the link it replaced or None); None when the request was
        replaced or used meanwhile."""
        link = {"_id": pending["wa_id"], "sub": actor["sub"], "name": actor.get("name"),
                "bar_number": actor.get("bar_number"), "linked_at": now, "line": pending.get("line")}

        def apply(tx):
            done = self.db[LINK_CODES].delete_one({"_id": actor["sub"], "link_id": pending["link_id"]},
                                                  session=tx.session)
            if not done.deleted_count:
                return None
            replaced = self.db[LINKS].find_one_and_replace({"_id": link["_id"]}, link, upsert=True,
                                                           session=tx.session)
            return link, replaced

        return self.transaction(apply)

    # --- reading and unlinking ---------------------------------------------------------------------------------
    def links_of_lawyer(self, sub):
        return list(self.db[LINKS].find({"sub": sub}).sort("linked_at", DESCENDING).limit(MAX_LINKS_SHOWN))

    def pending_link(self, sub):
        return self.db[LINK_CODES].find_one({"_id": sub})

    def unlink(self, sub, wa_id):
        """Remove ``sub``'s link of ``wa_id`` (``sub`` None: whoever's it is, as the supervision does); the link
        removed, or None when that number is not linked (to ``sub``)."""
        return self.db.get_collection(LINKS, write_concern=MAJORITY).find_one_and_delete(
            {"_id": wa_id, **({"sub": sub} if sub is not None else {})})

    def linked_lawyers(self, wa_ids):
        """{wa_id: link} of the numbers among ``wa_ids`` that are linked to a lawyer."""
        wa_ids = sorted({w for w in wa_ids if w})
        if not wa_ids:
            return {}
        return {doc["_id"]: doc for doc in self.db[LINKS].find({"_id": {"$in": wa_ids}})}
