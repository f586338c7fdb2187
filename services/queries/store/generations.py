"""Generations of the read model: every collection built from facts (cases, hearings, actuaciones) exists once
per generation (``g1_cases``, ``g2_cases``...), and one pointer document (``meta``, ``_id: "generation"``)
names the generation that answers (``current``), the one a rebuild is filling (``building``), and the one
just replaced (``previous``, still kept up to date until ``previous_until`` for readers that have not yet
seen the switch). Facts are applied to every live generation in the same transaction; a rebuild fills a new
generation from a snapshot, then the pointer moves to it in one write.
"""
import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel

from services.runtime.mongo import utcnow

META = "meta"
POINTER = "generation"
FIRST_GENERATION = "g1"
KINDS = ("cases", "hearings", "actuaciones")
PREVIOUS_GRACE = datetime.timedelta(seconds=30)

_PUBLIC = {"public": True}
_VISIBLE = {"reserved": False}
GENERATION_INDEXES = {
    "cases": [
        IndexModel([("public", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)], name="period"),
        IndexModel([("public", ASCENDING), ("matter", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_matter"),
        IndexModel([("public", ASCENDING), ("court_id", ASCENDING), ("opened_at", DESCENDING),
                    ("_id", DESCENDING)], name="by_court"),
        IndexModel([("public", ASCENDING), ("stage", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_stage"),
        IndexModel([("public", ASCENDING), ("year", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_year"),
        # the name search: the cases one of whose parties holds the key of the query's longest words (or stems),
        # newest first (domain.search_keys); one key per search, then the exact rule on those cases only
        IndexModel([("search_keys", ASCENDING), ("opened_at", DESCENDING), ("_id", DESCENDING)],
                   name="by_key", partialFilterExpression=_PUBLIC),
    ],
    "hearings": [
        # one court's agenda for a day or a range: one index range, in the order it is shown
        IndexModel([("court_id", ASCENDING), ("starts_at", ASCENDING), ("_id", ASCENDING)], name="agenda_court",
                   partialFilterExpression=_VISIBLE),
        IndexModel([("starts_at", ASCENDING), ("_id", ASCENDING)], name="agenda", partialFilterExpression=_VISIBLE),
        IndexModel([("case_number", ASCENDING), ("starts_at", ASCENDING), ("_id", ASCENDING)], name="by_case"),
    ],
    "actuaciones": [
        IndexModel([("case_number", ASCENDING), ("issued_at", ASCENDING), ("_id", ASCENDING)], name="by_case"),
        IndexModel([("document_sha256", ASCENDING)], name="by_sha256"),
    ],
}


def collection_name(generation, kind):
    return f"{generation}_{kind}"


def next_generation(name):
    return f"g{int(name[1:]) + 1}"


def live(pointer, now):
    """The generations a fact must reach: the current one, the one being built, and the one just replaced
    while readers may still be reading it."""
    names = [pointer["current"]]
    if pointer.get("building"):
        names.append(pointer["building"])
    if pointer.get("previous") and pointer.get("previous_until") and pointer["previous_until"] > now:
        names.append(pointer["previous"])
    return names


class RebuildRunning(RuntimeError):
    """Another rebuild is filling a generation (pass force to start over)."""


class Generations:
    """Mixin of ``QueriesStore``: the pointer and the collections of each generation."""

    @classmethod
    def ensure_generation(cls, db, generation):
        for kind, models in GENERATION_INDEXES.items():
            db[collection_name(generation, kind)].create_indexes(models)

    @classmethod
    def setup_pointer(cls, db):
        db[META].update_one({"_id": POINTER}, {"$setOnInsert": {"current": FIRST_GENERATION, "building": None,
                                                                "previous": None, "previous_until": None}},
                            upsert=True)
        pointer = db[META].find_one({"_id": POINTER})
        for name in (pointer["current"], pointer.get("building")):
            if name:
                cls.ensure_generation(db, name)

    def pointer(self, session=None):
        if session is not None:
            return self.db[META].find_one({"_id": POINTER}, session=session)
        return self.cached_by_id(META, POINTER)

    def current(self):
        return self.pointer()["current"]

    def col(self, generation, kind):
        return self.db[collection_name(generation, kind)]

    def live_generations(self, session):
        return live(self.pointer(session), utcnow())

    # --- rebuild ---------------------------------------------------------------------------------------------
    def begin_rebuild(self, force=False):
        """Name a new generation ``building`` (facts reach it from now on) and create its indexes."""
        pointer = self.db[META].find_one({"_id": POINTER})
        if pointer.get("building") and not force:
            raise RebuildRunning(pointer["building"])
        if pointer.get("building"):
            self.drop_generation(pointer["building"])
        taken = [pointer["current"], pointer.get("building"), pointer.get("previous")]
        new = next_generation(max((g for g in taken if g), key=lambda g: int(g[1:])))
        self.ensure_generation(self.db, new)
        self.db[META].update_one({"_id": POINTER}, {"$set": {"building": new}})
        self.evict(META, POINTER)
        return new

    def switch(self, new):
        """The new generation answers from now on, in one write; the old one keeps receiving facts for
        PREVIOUS_GRACE, for readers that still hold the old pointer."""
        pointer = self.db[META].find_one({"_id": POINTER})
        if pointer.get("building") != new:
            raise RebuildRunning(pointer.get("building"))
        self.db[META].update_one({"_id": POINTER, "building": new},
                                 {"$set": {"current": new, "building": None, "previous": pointer["current"],
                                           "previous_until": utcnow() + PREVIOUS_GRACE}})
        self.evict(META, POINTER)
        return pointer["current"]

    def drop_generation(self, generation):
        pointer = self.db[META].find_one({"_id": POINTER})
        if generation == pointer["current"]:
            raise ValueError("the current generation is never dropped")
        for kind in KINDS:
            self.col(generation, kind).drop()
        if pointer.get("previous") == generation:
            self.db[META].update_one({"_id": POINTER}, {"$set": {"previous": None, "previous_until": None}})
        self.evict(META, POINTER)
