"""The lawyer's unread badge, pushed (GET /api/v1/mailbox/stream): a lawyer sits on a page; a judge's resolution
made through the API shows in the badge without a navigation or a reload, and opening the notice on another tab
takes it away on this one; the badge's text stays «Casillero: 1 sin abrir» for screen readers, on a phone too, and a
polite live region says «Tiene 1 notificación sin leer» when it arrives (never when a page loads with it already
there). When the stream is refused the badge still comes from the summary, read again on every navigation (and said
when it grows)."""
import re
from urllib.parse import urlsplit

from playwright.sync_api import expect

from tests.support.browser import DESKTOP, PHONE, check_page, sign_in, tab_to
from tests.support.mailbox import MailboxCase

STREAM = "/api/v1/mailbox/stream"
SUMMARY = "/api/v1/mailbox/summary"


def watch_requests(page):
    """The paths of the API requests the page makes, and the stream's answers, as they happen."""
    seen = {"requests": [], "streams": []}
    page.on("request", lambda request: seen["requests"].append(urlsplit(request.url).path))
    page.on("response", lambda response: urlsplit(response.url).path == STREAM and seen["streams"].append(
        response.status))
    return seen


def summaries(seen):
    return seen["requests"].count(SUMMARY)


def announcement(page):
    """The live region that speaks a new notice: one on the page, polite, visually hidden."""
    region = page.get_by_role("status").and_(page.get_by_test_id("unread-announcement"))
    expect(region).to_have_attribute("aria-live", "polite")
    expect(region).to_have_class(re.compile(r"\bvisually-hidden\b"))
    assert page.get_by_test_id("unread-announcement").count() == 1
    return region


def wait_stream_open(page, seen, count=1):
    for _ in range(100):  # the stream answered: it is open
        if len(seen["streams"]) >= count:
            break
        page.wait_for_timeout(100)
    assert seen["streams"] == [200] * count
    page.wait_for_timeout(500)  # the summary read on its opening is done


def test_a_notice_made_while_the_lawyer_sits_on_a_page_shows_in_the_badge_without_a_reload(new_page, api, stack):
    case = MailboxCase(api, count=1, court_id="01001")
    sub = case.subs[0]
    page = new_page()
    seen = watch_requests(page)
    sign_in(page, stack, token=case.tokens[sub])
    tab_to(page, "Mis expedientes")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Mis expedientes", exact=True).wait_for()
    wait_stream_open(page, seen)
    assert page.get_by_test_id("unread-badge").count() == 0
    spoken = announcement(page)
    expect(spoken).to_have_text("")
    page.evaluate("window.__sinRecargar = true")
    asked = summaries(seen)
    resolution = case.resolve(summary="Se señala audiencia de juicio oral")
    badge = page.get_by_test_id("unread-badge")
    badge.wait_for(timeout=10_000)
    assert page.evaluate("window.__sinRecargar") is True  # it came in live, the page was not loaded again
    assert page.get_by_role("heading", name="Mis expedientes", exact=True).is_visible()  # nor left
    assert summaries(seen) == asked  # pushed by the stream, not asked again
    assert badge.inner_text().split() == [":", "1", "sin", "abrir"]
    page.get_by_role("link", name=re.compile(r"^Casillero\W+1 sin abrir$")).wait_for()
    expect(spoken).to_have_text("Tiene 1 notificación sin leer")  # said to a screen reader, politely
    check_page(page, "mis expedientes con el aviso en vivo")
    page.set_viewport_size(PHONE)
    page.get_by_role("button", name=re.compile(r"^Menú\W+1 sin abrir$")).wait_for()
    page.set_viewport_size(DESKTOP)
    # a page loaded with the notice already there shows it, and says nothing: it is not news
    page.reload()
    page.get_by_role("heading", name="Mis expedientes", exact=True).wait_for()
    badge.wait_for()
    wait_stream_open(page, seen, count=2)
    expect(announcement(page)).to_have_text("")
    page.evaluate("window.__sinRecargar = true")
    # opened on another tab (here through the API, with the same lawyer): the badge goes away on this one
    notice = case.wait_notice(sub, resolution["resolution_id"])
    opened = api.get(f"/api/v1/mailbox/notifications/{notice['notification_id']}", case.tokens[sub])
    assert opened.status_code == 200, opened.text
    badge.wait_for(state="detached", timeout=10_000)
    assert page.get_by_test_id("unread-badge-menu").count() == 0
    assert page.evaluate("window.__sinRecargar") is True


def test_with_the_stream_refused_the_badge_still_comes_from_the_summary_on_each_navigation(new_page, api, stack):
    case = MailboxCase(api, count=1, court_id="01001")
    sub = case.subs[0]
    page = new_page()
    page.route(f"**{STREAM}", lambda route: route.fulfill(status=503, content_type="application/json",
                                                          body='{"error":"service_unavailable"}'))
    with page.expect_response(lambda response: urlsplit(response.url).path == SUMMARY):  # the count before
        sign_in(page, stack, token=case.tokens[sub])
    page.get_by_role("navigation", name="Principal").get_by_role("link", name="Mis expedientes").wait_for()
    assert page.get_by_test_id("unread-badge").count() == 0
    resolution = case.resolve(summary="Se tiene por contestada la demanda")
    case.wait_notice(sub, resolution["resolution_id"])
    tab_to(page, "Mis plazos")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Mis plazos", exact=True).wait_for()
    page.get_by_test_id("unread-badge").wait_for(timeout=10_000)
    page.get_by_role("link", name=re.compile(r"^Casillero\W+1 sin abrir$")).wait_for()
    expect(announcement(page)).to_have_text("Tiene 1 notificación sin leer")  # it grew while the lawyer was here
    assert page.locator("[role='alert']").count() == 0  # quietly: the stream's failure is not shown
