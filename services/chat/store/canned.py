"""Canned responses (``canned_responses``): one document per shortcode (``_id``, so a shortcode is unique by itself),
with its text and who wrote and last changed it. Not personal data: the retention leaves them alone; their history
is in the audit log (each write keeps the text it wrote or removed)."""
from pymongo.errors import DuplicateKeyError
from pymongo import ReturnDocument

from services.runtime.mongo import MAJORITY, utcnow

CANNED = "canned_responses"
ADDED, EXISTS, FULL = "added", "exists", "full"


class Canned:
    """Mixin of ``ChatStore``: canned responses."""

    indexes = {}  # _id is the shortcode

    def _canned(self):
        return self.db.get_collection(CANNED, write_concern=MAJORITY)

    def canned_responses(self, limit):
        return list(self.db[CANNED].find().sort("_id", 1).limit(limit))

    def canned_response(self, shortcode):
        return self.db[CANNED].find_one({"_id": shortcode})

    def add_canned_response(self, shortcode, text, by, limit):
        """(the new document, ``added``), or (None, ``exists``) for a shortcode taken, or (None, ``full``) when
        ``limit`` are stored (two supervisors adding at once may pass it by one each: a bound, not a quota)."""
        if self.db[CANNED].count_documents({}, limit=limit) >= limit:
            return None, FULL
        now = utcnow()
        doc = {"_id": shortcode, "text": text, "created_at": now, "created_by": by, "updated_at": now, "updated_by": by}
        try:
            self._canned().insert_one(doc)
        except DuplicateKeyError:
            return None, EXISTS
        return doc, ADDED

    def update_canned_response(self, shortcode, text, by):
        """(before, after), or None when there is no such shortcode."""
        now = utcnow()
        before = self._canned().find_one_and_update({"_id": shortcode},
                                                    {"$set": {"text": text, "updated_at": now, "updated_by": by}},
                                                    return_document=ReturnDocument.BEFORE)
        if before is None:
            return None
        return before, {**before, "text": text, "updated_at": now, "updated_by": by}

    def delete_canned_response(self, shortcode):
        """The removed document, or None."""
        return self._canned().find_one_and_delete({"_id": shortcode})
