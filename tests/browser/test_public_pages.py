"""The public pages (no login) in a real browser: each one accessible (axe-core), usable at 360×740 and
served with the portal's security headers."""
from tests.support.browser import check_page


def test_hearings_page_renders_and_passes_the_checks(page, stack):
    response = page.goto("/audiencias?fecha=2030-01-15")
    assert response.status == 200
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
    page.get_by_role("heading", name="Agenda de audiencias").wait_for()
    page.get_by_test_id("agenda-empty").wait_for()
    assert page.get_by_label("Tribunal").locator("option").count() > 1  # the courts came from the API
    check_page(page, "agenda de audiencias")


PAGES = [("/", "Servicios electrónicos del Organismo Judicial"), ("/amparos", "Amparos y antejuicios"),
         ("/verificar", "Verificar un documento"), ("/verificar?tipo=constancia", "Verificar un documento"),
         ("/verificar?tipo=acuse", "Verificar un documento"), ("/entrar", "Entrar al portal"),
         ("/no-existe", "Página no encontrada"), ("/amparos/00001-1999-99999", "Expediente 00001-1999-99999")]


def test_every_public_page_passes_the_checks(page):
    for path, title in PAGES:
        response = page.goto(path)
        assert response.status == 200 and "'unsafe-inline'" not in response.headers["content-security-policy"]
        page.get_by_role("heading", name=title, level=1).wait_for()
        page.wait_for_load_state("networkidle")
        check_page(page, path)


def test_the_menu_opens_with_the_keyboard_on_a_phone(new_page):
    from tests.support.browser import PHONE, tab_to

    page = new_page(viewport=PHONE)
    page.goto("/")
    assert not page.get_by_role("navigation").get_by_role("link", name="Verificar").is_visible()
    tab_to(page, "Menú")
    page.keyboard.press("Enter")
    assert page.get_by_role("button", name="Menú").get_attribute("aria-expanded") == "true"
    tab_to(page, "Verificar")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Verificar un documento").wait_for()
    check_page(page, "menú en el teléfono")


def test_each_role_signs_in_from_the_demo_page_and_gets_its_start_page(new_page):
    from gateway.demo import DEMO_USERS

    page = new_page()
    for user in DEMO_USERS:
        page.goto("/entrar?siguiente=/inicio")
        page.locator(f"button[data-sub='{user['sub']}']").click()
        page.get_by_role("heading", name=f"Bienvenido(a), {user['name']}").wait_for()
        if user["sub"] == DEMO_USERS[0]["sub"]:
            check_page(page, "inicio de un usuario")
        page.get_by_role("button", name="Salir").click()
        page.get_by_role("navigation").get_by_role("link", name="Entrar").wait_for()
