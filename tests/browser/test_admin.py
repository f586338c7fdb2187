"""Administration in a real browser against the real stack: court closures registered with the keyboard alone
appear in the calendar API; a day that is already not a business day is refused beside the date and nothing is
stored; the page passes axe-core and fits a 360 px phone."""
import datetime
import random

from tests.support.browser import check_page, sign_in, tab_to

COURT = "01020"  # a court whose terms few other tests count


def closures(api, year):
    answer = api.get("/api/v1/calendar/closures", api.lawyer(), params={"year": year, "court_id": COURT})
    assert answer.status_code == 200, answer.text
    return answer.json()["items"]


def free_weekday(api, year):
    """A weekday of ``year`` that is neither a holiday nor a closure of COURT already."""
    holidays = {h["date"] for h in api.get("/api/v1/calendar/holidays", params={"year": year}).json()["items"]}
    taken = {c["date"] for c in closures(api, year)}
    while True:
        day = datetime.date(year, 1, 1) + datetime.timedelta(days=random.randrange(360))
        if day.weekday() < 5 and day.isoformat() not in holidays | taken:
            return day


def test_an_admin_adds_a_closure_with_the_keyboard_and_it_is_in_the_calendar_api(new_page, api, stack):
    year = datetime.date.today().year + 2
    day = free_weekday(api, year)
    page = new_page()
    sign_in(page, stack, sub="admin")
    tab_to(page, "Cierres de tribunales")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Cierres de tribunales", level=1).wait_for()
    check_page(page, "cierres de tribunales")
    tab_to(page, "Día del cierre")
    page.keyboard.type(f"{day.month:02d}{day.day:02d}{day.year}")  # this Chromium's date fields: month, day, year
    assert page.get_by_label("Día del cierre").input_value() == day.isoformat()
    tab_to(page, "Tribunal")
    page.keyboard.type("Juzgado Primero de Trabajo")
    tab_to(page, "Motivo")
    page.keyboard.type("Fumigación del edificio")
    tab_to(page, "Registrar el cierre")
    page.keyboard.press("Enter")
    page.get_by_test_id("closure-added").wait_for()
    page.get_by_test_id("closures").get_by_text("Fumigación del edificio").wait_for()
    check_page(page, "cierre registrado")
    [closure] = [c for c in closures(api, year) if c["date"] == day.isoformat()]
    assert (closure["court_id"], closure["reason"]) == (COURT, "Fumigación del edificio")


def test_a_saturday_is_refused_beside_the_date_and_nothing_is_stored(new_page, api, stack):
    year = datetime.date.today().year + 2
    saturday = datetime.date(year, 6, 1)
    saturday += datetime.timedelta(days=(5 - saturday.weekday()) % 7)
    before = closures(api, year)
    page = new_page()
    sign_in(page, stack, sub="admin")
    page.goto("/admin/cierres")
    page.get_by_label("Día del cierre").fill(saturday.isoformat())
    page.get_by_label("Tribunal").select_option(COURT)
    page.get_by_label("Motivo").fill("Cierre de prueba")
    page.get_by_role("button", name="Registrar el cierre").click()
    error = page.locator("[data-field-error='date']")
    error.wait_for()
    assert "inhábil" in error.inner_text()
    assert page.get_by_label("Motivo").input_value() == "Cierre de prueba"
    assert page.get_by_label("Día del cierre").get_attribute("aria-invalid") == "true"
    check_page(page, "cierre rechazado")
    assert closures(api, year) == before
