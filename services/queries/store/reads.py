"""The public reads, each one indexed query (or one per tier of the name search) on the current generation.

Hearings of reserved cases are excluded by the query itself (``reserved: false``, the condition of the
agenda's partial indexes); cases are listed only when ``public`` (opened, amparo or antejuicio, not reserved).
"""
from pymongo import ASCENDING, DESCENDING

from contracts import paging
from services.queries import domain
from services.runtime.mongo import bounded

FEED_LIMIT = 2000           # hearings in one iCalendar feed at most
CASE_HEARINGS_LIMIT = 1000  # hearings of one case shown at most
ACTUACIONES_LIMIT = 2000
VERIFY_LIMIT = 10
ASC = [("starts_at", ASCENDING), ("_id", ASCENDING)]
NEWEST_FIRST = [("opened_at", DESCENDING), ("_id", DESCENDING)]
HEARING_FILTERS = ("court_id", "case_number", "kind", "status", "mode")
CASE_FILTERS = ("matter", "court_id", "stage", "year")
LISTED = {"parties_index": 0, "search_keys": 0}  # what a case list never shows (the search's own keys)


def _after_ascending(cursor):
    instant, key = cursor
    return {"$or": [{"starts_at": {"$gt": instant}}, {"starts_at": instant, "_id": {"$gt": key}}]}


def search_cursor(cursor_text):
    """(tier, instant, case number) of a search cursor ``<millis>_<tier>-<case number>``; any other key of the
    cursor form is a position in the first tier."""
    instant, key = paging.decode_cursor(cursor_text)
    tier, dash, rest = key.partition("-")
    if dash and tier in ("0", "1") and rest:
        return int(tier), instant, rest
    return 0, instant, key


class Reads:
    """Mixin of ``QueriesStore``."""

    # --- hearings ---------------------------------------------------------------------------------------------
    def hearings_page(self, generation, start, end, filters, limit, cursor=None):
        query = {"reserved": False, "starts_at": {"$gte": start, "$lt": end}}
        query.update({key: filters[key] for key in HEARING_FILTERS if filters.get(key)})
        if cursor is not None:
            query.update(_after_ascending(cursor))
        docs = list(self.col(generation, "hearings").find(query).sort(ASC).limit(limit + 1))
        return paging.page(docs, limit, "starts_at")

    def court_feed(self, generation, court_id, start, end):
        query = {"reserved": False, "court_id": court_id, "starts_at": {"$gte": start, "$lt": end}}
        return list(self.col(generation, "hearings").find(query).sort(ASC).limit(FEED_LIMIT))

    def case_hearings(self, generation, case_number):
        query = {"case_number": case_number, "reserved": False}
        return list(self.col(generation, "hearings").find(query).sort(ASC).limit(CASE_HEARINGS_LIMIT))

    # --- cases --------------------------------------------------------------------------------------------------
    def case(self, generation, case_number):
        return self.col(generation, "cases").find_one({"_id": case_number})

    def actuaciones(self, generation, case_number):
        return list(self.col(generation, "actuaciones").find({"case_number": case_number})
                    .sort([("issued_at", ASCENDING), ("folio", ASCENDING), ("_id", ASCENDING)])
                    .limit(ACTUACIONES_LIMIT))

    def actuacion(self, generation, resolution_id):
        return self.col(generation, "actuaciones").find_one({"_id": resolution_id})

    @staticmethod
    def _case_query(filters, admitted):
        query = {"public": True}
        query.update({key: filters[key] for key in CASE_FILTERS if filters.get(key) is not None})
        if admitted is not None:
            query["opened_at"] = {"$gte": admitted[0], "$lt": admitted[1]}
        return query

    def list_cases(self, generation, filters, admitted, limit, cursor=None):
        """Public cases newest first, one period or all (``admitted``: [start, end) in UTC, or None)."""
        query = self._case_query(filters, admitted)
        if cursor is not None:
            query = {"$and": [query, paging.after(paging.decode_cursor(cursor), "opened_at")]}
        docs = list(self.col(generation, "cases").find(query, LISTED).sort(NEWEST_FIRST).limit(limit + 1))
        return paging.page(docs, limit, "opened_at")

    def search_cases(self, generation, wanted, filters, admitted, limit, cursor=None):
        """Public cases one of whose parties' names has every word of ``wanted``: first those where they are
        whole words (tier 0), then those where they begin words (tier 1); newest first within each. Returns
        (items, each with its ``tier``; the cursor of the next page)."""
        base = self._case_query(filters, admitted)
        whole = {"parties_index": {"$elemMatch": {"words": {"$all": wanted}}}}
        begun = {"parties_index": {"$elemMatch": {"prefixes": {"$all": wanted}}}}
        tiers = [[base, whole], [base, begun, {"$nor": [whole]}]]
        keys = [domain.search_key(wanted, whole=True), domain.search_key(wanted, whole=False)]
        for tier, key in zip(tiers, keys):
            if key is not None:  # only the cases holding the key (and those of very long names) are read
                tier.insert(1, {"search_keys": {"$in": [key, domain.LONG_NAME]}})
        tiers = [{"$and": tier} for tier in tiers]
        start_tier, position = 0, None
        if cursor is not None:
            start_tier, instant, key = search_cursor(cursor)
            position = paging.after((instant, key), "opened_at")
        found = []
        for tier in range(start_tier, len(tiers)):
            query = tiers[tier]
            if tier == start_tier and position is not None:
                query = {"$and": [query, position]}
            wanted_now = limit + 1 - len(found)
            found_here = self.col(generation, "cases").find(query, LISTED).sort(NEWEST_FIRST).limit(wanted_now)
            if keys[tier] is not None:
                found_here = found_here.hint("by_key")
            for doc in bounded(found_here, "q"):
                doc["tier"] = tier
                found.append(doc)
            if len(found) > limit:
                break
        items = found[:limit]
        next_cursor = None
        if len(found) > limit:
            last = items[-1]
            next_cursor = paging.encode_cursor(last["opened_at"], f"{last['tier']}-{last['_id']}")
        return items, next_cursor

    # --- verification -------------------------------------------------------------------------------------------
    def resolutions_by_sha256(self, generation, sha256):
        return list(self.col(generation, "actuaciones").find({"document_sha256": sha256})
                    .sort([("issued_at", ASCENDING), ("_id", ASCENDING)]).limit(VERIFY_LIMIT))
