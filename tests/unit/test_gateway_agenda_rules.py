"""The gateway's kept agenda pages (gateway.agenda.KeptPages): a page is served again only while no change to its
court (or to every page) has been seen since, and kept only when the queries service's answer is at least as new as
every change the gateway has seen for that court; nothing is kept or served while changes are not being followed."""
import pytest

from gateway.agenda import MAX_KEPT_BYTES, KeptPages, page_key


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def answer(position, body=b"{}"):
    return {"body": body, "etag": '"e"', "position": position}


class Queries:
    """What the gateway asks: the next answer, and how many times it was asked."""

    def __init__(self, position="0100"):
        self.position = position
        self.asked = 0
        self.during = None  # something that happens while the page is being asked for

    def __call__(self):
        self.asked += 1
        if self.during:
            self.during()
        return answer(self.position, body=f"page {self.asked}".encode())


def following(token="0100", clock=None):
    kept = KeptPages(max_pages=10, ttl=60, clock=clock or Clock())
    kept.follow_from(token)
    return kept


KEY = ("court", "C1")


def test_a_page_is_asked_for_once_and_then_served_from_here():
    kept, queries = following(), Queries()
    assert kept.get(KEY, "C1", queries)["body"] == b"page 1"
    assert kept.get(KEY, "C1", queries)["body"] == b"page 1"
    assert queries.asked == 1


def test_a_change_to_the_court_makes_its_pages_asked_for_again_and_not_other_courts():
    kept, queries = following(), Queries()
    kept.get(KEY, "C1", queries)
    kept.get(("court", "C2"), "C2", queries)
    kept.apply({"id": "0200", "type": "court", "data": {"court_id": "C1"}})
    queries.position = "0200"
    assert kept.get(KEY, "C1", queries)["body"] == b"page 3"
    assert kept.get(("court", "C2"), "C2", queries)["body"] == b"page 2"
    assert kept.get(KEY, "C1", queries)["body"] == b"page 3"


def test_an_answer_older_than_the_courts_last_change_is_given_but_not_kept():
    """A replica of queries whose watcher has not reached the change answers the page without it."""
    kept, queries = following(), Queries(position="0150")
    kept.apply({"id": "0200", "type": "court", "data": {"court_id": "C1"}})
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 2
    queries.position = "0200"  # the watcher reached it
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 3


@pytest.mark.parametrize("position", [None, "", "0099"])
def test_an_answer_without_a_position_or_from_before_following_began_is_not_kept(position):
    kept, queries = following("0100"), Queries(position=position)
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 2


def test_a_change_seen_while_the_page_was_being_asked_for_keeps_it_from_being_kept():
    kept, queries = following(), Queries(position="0300")
    queries.during = lambda: kept.apply({"id": "0200", "type": "court", "data": {"court_id": "C1"}})
    kept.get(KEY, "C1", queries)
    queries.during = None
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 2


def test_a_change_to_every_page_forgets_them_all_and_raises_the_floor():
    kept, queries = following(), Queries()
    kept.get(KEY, "C1", queries)
    kept.apply({"id": "0200", "type": "all", "data": {}})  # a reservation, a rebuild's switch
    kept.get(KEY, "C1", queries)  # answered at 0100: older than the change, not kept
    queries.position = "0250"
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 3


def test_nothing_is_served_or_kept_while_changes_are_not_followed_and_none_is_missed_after():
    kept, queries = following(), Queries(position="0500")
    kept.get(KEY, "C1", queries)
    kept.apply({"id": "0300", "type": "court", "data": {"court_id": "C1"}})
    kept.lost()  # the long poll failed
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 3
    kept.resumed()
    queries.position = "0250"  # a replica behind the change seen before the failure: its floor was not forgotten
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    assert queries.asked == 5


def test_a_page_is_not_older_than_its_ttl():
    clock = Clock()
    kept, queries = following(clock=clock), Queries()
    kept.get(KEY, "C1", queries)
    clock.now += 59
    kept.get(KEY, "C1", queries)
    clock.now += 2
    kept.get(KEY, "C1", queries)
    assert queries.asked == 2


def test_no_page_is_kept_before_following_begins_or_when_keeping_is_off():
    queries = Queries()
    kept = KeptPages(max_pages=10)
    kept.get(KEY, "C1", queries)
    kept.get(KEY, "C1", queries)
    off = KeptPages(max_pages=0)
    off.follow_from("0100")
    off.get(KEY, "C1", queries)
    off.get(KEY, "C1", queries)
    assert queries.asked == 4


@pytest.mark.parametrize("query, kept", [
    ({"court_id": "C1", "date": "2026-12-07"}, True),
    ({"court_id": "C1", "from": "2026-12-07", "to": "2026-12-11", "limit": "200"}, True),
    ({"court_id": "C1"}, False),                        # today: moves at midnight
    ({"court_id": "C1", "from": "2026-12-07"}, False),  # refused by the service anyway
    ({"date": "2026-12-07"}, False),                    # every court
])
def test_which_requests_are_kept(query, kept):
    assert (page_key(query) is not None) == kept
    if kept:
        assert page_key(dict(reversed(list(query.items())))) == page_key(query)


def test_a_page_too_large_to_keep_is_given_and_asked_for_again():
    kept, queries = following(), Queries()
    large = {"body": b"x" * (MAX_KEPT_BYTES + 1), "etag": '"e"', "position": "0100"}
    asked = []
    kept.get(KEY, "C1", lambda: asked.append(1) or large)
    kept.get(KEY, "C1", lambda: asked.append(1) or large)
    assert len(asked) == 2
    kept.get(("court", "C2"), "C2", queries)
    kept.get(("court", "C2"), "C2", queries)
    assert queries.asked == 1


def test_pages_read_often_outlive_pages_read_once():
    kept, queries = KeptPages(max_pages=2, ttl=60, clock=Clock()), Queries()
    kept.follow_from("0100")
    kept.get(("court", "hot"), "C1", queries)
    kept.get(("court", "once-1"), "C1", queries)
    kept.get(("court", "hot"), "C1", queries)       # read again: the newest
    kept.get(("court", "once-2"), "C1", queries)    # forgets the oldest: once-1, not hot
    asked = queries.asked
    kept.get(("court", "hot"), "C1", queries)
    assert queries.asked == asked
    kept.get(("court", "once-1"), "C1", queries)
    assert queries.asked == asked + 1
