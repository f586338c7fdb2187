"""The per-process cache of agenda pages: served while the court's version holds, never without a live stream,
and a page read while its court changed is not kept (the change stream itself runs in the integration tests)."""
from services.queries.pages import AgendaPages


def loader(values):
    calls = []

    def load():
        calls.append(1)
        return values[len(calls) - 1]
    return load, calls


def test_a_page_is_served_until_a_hearing_of_its_court_changes():
    pages = AgendaPages()
    pages._live = True
    load, calls = loader(["v1", "v2"])
    assert pages.get("k", "01001", load) == "v1"
    assert pages.get("k", "01001", load) == "v1" and len(calls) == 1
    pages.changed("01002")  # another court: still served
    assert pages.get("k", "01001", load) == "v1" and len(calls) == 1
    pages.changed("01001")
    assert pages.get("k", "01001", load) == "v2" and len(calls) == 2


def test_nothing_is_kept_without_a_live_stream_and_clear_forgets_every_page():
    pages = AgendaPages()
    load, calls = loader(["a", "b", "c", "d"])
    assert pages.get("k", "01001", load) == "a"
    assert pages.get("k", "01001", load) == "b"
    pages._live = True
    assert pages.get("k", "01001", load) == "c"
    pages.clear()
    assert pages.get("k", "01001", load) == "d"


def test_a_page_read_while_its_court_changed_is_not_kept():
    pages = AgendaPages()
    pages._live = True
    values = iter(["old", "new"])

    def load():
        value = next(values)
        if value == "old":
            pages.changed("01001")  # the change stream reports a write while the page is being read
        return value
    assert pages.get("k", "01001", load) == "old"
    assert pages.get("k", "01001", load) == "new"
