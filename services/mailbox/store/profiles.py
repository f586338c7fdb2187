"""Profiles (``profiles``, ``_id`` = the user's sub): the e-mail address and the consent to alerts."""
from pymongo import ReturnDocument

from services.runtime.mongo import utcnow


class Profiles:
    """Mixin of ``MailboxStore`` (``services.runtime.mongo.Store``): profiles."""

    def get_profile(self, sub):
        return self.db.profiles.find_one({"_id": sub})

    def put_profile(self, sub, email, alerts):
        return self.db.profiles.find_one_and_update(
            {"_id": sub}, {"$set": {"email": email, "alerts": alerts, "updated_at": utcnow()}},
            upsert=True, return_document=ReturnDocument.AFTER)

    def alert_jobs(self, docs, session):
        """The e-mail alerts of the recipients of ``docs`` (new notices) who asked for them: one job each for
        the alert queue, read in the transaction of ``session``."""
        by_sub = {d["recipient"]["sub"]: d for d in docs}
        return [{"notification_id": by_sub[profile["_id"]]["_id"], "sub": profile["_id"], "email": profile["email"]}
                for profile in self.db.profiles.find({"_id": {"$in": list(by_sub)}, "alerts": True,
                                                      "email": {"$ne": None}}, {"email": 1}, session=session)]
