"""Courts the read model knows (``courts``, shared by every generation): learnt from every fact, and from the
filings service's list (a timer, never a public request), so an agenda query can tell an unknown court."""


class Courts:
    """Mixin of ``QueriesStore``."""

    def learn_court(self, session, court_id, name):
        """A court named by a fact; written only when new (a read does not make facts of one court wait on
        each other)."""
        if not court_id or self.court(court_id) is not None:  # known (courts are never removed): no round trip
            return
        if self.db.courts.find_one({"_id": court_id}, {"_id": 1}, session=session):
            return
        self.db.courts.update_one({"_id": court_id}, {"$setOnInsert": {"name": name or ""}}, upsert=True,
                                  session=session)

    def keep_courts(self, courts):
        """The filings service's list of courts (its names win)."""
        for court in courts:
            self.db.courts.update_one({"_id": court["court_id"]}, {"$set": {"name": court["name"]}}, upsert=True)

    def court(self, court_id):
        """A known court, through the per-process cache (every agenda query of one court looks it up)."""
        return self.cached_by_id("courts", court_id)
