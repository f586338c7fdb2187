"""The Archive's own pages of the notarial protocol archive, in real Chromium against the real stack, with the
keyboard alone: the registry of notaries (/protocolo/notarios: register one, find it, disqualify it) and a
certified copy by its code (/protocolo/copias-archivo: approve a lawyer's testimonio, follow it until it is
issued, download it, revoke it, and the public verification says revoked). A notary asks for a copy on the
instrument's page. Each refusal of the API shows its message beside the field it names and stores nothing."""
import datetime
import re

import pytest
from playwright.sync_api import expect

from tests.support.bank import BankSimulator
from tests.support.browser import check_page, sign_in, tab_to
from tests.support.certificates import pdfsig
from tests.support.protocol import (deposit, fresh_bar_number, metadata, new_notary, notary_token, officer, today,
                                    wait_copy)


PATIENCE = 20_000  # ms: the stack shares a loaded machine; a wait ends as soon as the page shows what it waits for


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


@pytest.fixture(autouse=True)
def patient_expect():
    expect.set_options(timeout=PATIENCE)
    yield
    expect.set_options(timeout=5_000)  # Playwright's own default


@pytest.fixture
def patient_page(new_page):
    def make():
        page = new_page()
        page.set_default_timeout(PATIENCE)
        return page
    return make


def type_into(page, label, text, exact=False):
    tab_to(page, label, exact=exact)
    page.keyboard.type(text)


def replace_in(page, label, text, exact=False):
    tab_to(page, label, exact=exact)
    page.keyboard.press("Control+a")
    page.keyboard.type(text)


def type_date(page, label, day):
    tab_to(page, label)
    page.keyboard.type(day.strftime("%m%d%Y"))  # headless Chromium shows month first
    expect(page.get_by_label(label)).to_have_value(day.isoformat())


def press(page, button):
    tab_to(page, button, exact=True)
    page.keyboard.press("Enter")


def shown(day):
    return day.strftime("%d/%m/%Y")


def refused(response, field):
    """The message the API gives for ``field`` in a 422, as the page shows it."""
    assert response.status_code == 422, response.text
    message = response.json()["details"]["fields"][field]
    return " ".join(message) if isinstance(message, list) else message


def assert_beside(page, field, label, message):
    """``message`` is shown under the field labelled ``label`` and tied to it for assistive technology."""
    error = page.locator(f"[data-field-error='{field}']")
    expect(error).to_have_text(message)
    control = page.get_by_label(label, exact=True)
    expect(control).to_have_attribute("aria-invalid", "true")
    expect(control).to_have_attribute("aria-describedby", re.compile(rf"(^|\s){error.get_attribute('id')}(\s|$)"))


def notaries(stack):
    return stack.db("certificates").notaries


def copies_of(stack, instrument_id):
    return stack.db("certificates").protocol_copies.count_documents({"instrument_id": instrument_id})


def deposited(api, notary, number=1, **overrides):
    made = deposit(api, notary, metadata(number, **overrides))
    assert made.status_code == 201, made.text
    return made.json()["instrument_id"]


# --- the registry of notaries -------------------------------------------------------------------------------------
def test_the_archive_registers_a_notary_finds_it_and_disqualifies_it_with_the_keyboard(patient_page, api, stack):
    bar_number = fresh_bar_number()
    registered_at = today().replace(year=today().year - 11, month=3, day=2)
    page = patient_page()
    sign_in(page, stack, token=officer(stack))
    tab_to(page, "Notarios", exact=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Registro de notarios")).to_be_visible()
    check_page(page, "registro de notarios")
    type_into(page, "Número de colegiado", bar_number)
    type_into(page, "Nombre completo", "Teodoro Registro Ixcot")
    type_date(page, "Fecha de registro", registered_at)
    press(page, "Registrar")
    expect(page.get_by_text("Notario registrado.")).to_be_visible()
    card = page.get_by_test_id("notary")
    expect(card.get_by_role("heading")).to_have_text(f"Teodoro Registro Ixcot (colegiado {bar_number})")
    expect(card.get_by_test_id("notary-status")).to_have_text(f"Activo desde el {shown(registered_at)}")
    check_page(page, "notario registrado")
    stored = api.get(f"/api/v1/protocol/notaries/{bar_number}", officer(stack))
    assert stored.status_code == 200, stored.text
    assert (stored.json()["name"], stored.json()["status"], stored.json()["registered_at"]) == (
        "Teodoro Registro Ixcot", "activo", registered_at.isoformat())
    notary = notary_token(stack, bar_number, "Teodoro Registro Ixcot")
    assert deposit(api, notary, metadata(1)).status_code == 201  # registered and active: deposits

    # found again by the bar number, on a fresh load of the page
    page.goto("/protocolo/notarios")
    expect(page.get_by_role("heading", name="Registro de notarios")).to_be_visible()
    type_into(page, "Buscar por colegiado", bar_number)
    page.keyboard.press("Enter")
    expect(card.get_by_role("heading")).to_have_text(f"Teodoro Registro Ixcot (colegiado {bar_number})")
    expect(page.get_by_text("Notario registrado.")).to_have_count(0)

    # disqualified from today: the card says so, the API too, and the notary no longer deposits
    tab_to(page, "Nuevo estado")
    page.keyboard.type("Inhabilitado")
    expect(page.get_by_label("Nuevo estado")).to_have_value("inhabilitado")
    type_date(page, "Desde", today())
    type_into(page, "Motivo", "Sanción del Tribunal de Honor")
    press(page, "Cambiar el estado")
    expect(card.get_by_test_id("notary-status")).to_have_text(
        f"Inhabilitado desde el {shown(today())} (Sanción del Tribunal de Honor)")
    check_page(page, "notario inhabilitado")
    now = api.get(f"/api/v1/protocol/notaries/{bar_number}", officer(stack)).json()
    assert (now["status"], now["status_since"], now["status_reason"]) == (
        "inhabilitado", today().isoformat(), "Sanción del Tribunal de Honor")
    assert [change["status"] for change in now["history"]] == ["activo", "inhabilitado"]
    refused_deposit = deposit(api, notary, metadata(2))
    assert refused_deposit.status_code == 403 and refused_deposit.json()["error"] == "notary_inactive"


def test_a_refused_notary_names_its_field_and_stores_nothing(patient_page, api, stack):
    taken, _ = new_notary(api, stack, name="Notaria Ya Registrada")
    bar_number = fresh_bar_number()
    page = patient_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/protocolo/notarios")
    expect(page.get_by_role("heading", name="Registro de notarios")).to_be_visible()

    # a bar number with letters
    type_into(page, "Número de colegiado", "12AB")
    type_into(page, "Nombre completo", "Rechazada Prueba Colop")
    type_date(page, "Fecha de registro", today() - datetime.timedelta(days=365))
    press(page, "Registrar")
    body = {"bar_number": "12AB", "name": "Rechazada Prueba Colop", "registered_at": today().isoformat()}
    assert_beside(page, "bar_number", "Número de colegiado",
                  refused(api.post_json("/api/v1/protocol/notaries", body, officer(stack)), "bar_number"))
    expect(page.get_by_label("Nombre completo")).to_have_value("Rechazada Prueba Colop")  # kept
    check_page(page, "registro de notario rechazado")

    # registered tomorrow
    replace_in(page, "Número de colegiado", bar_number)
    type_date(page, "Fecha de registro", today() + datetime.timedelta(days=1))
    press(page, "Registrar")
    assert_beside(page, "registered_at", "Fecha de registro", "La fecha de registro no puede ser futura.")
    expect(page.locator("[data-field-error='bar_number']")).to_have_count(0)

    # a bar number already registered: the 409 beside the bar number
    replace_in(page, "Número de colegiado", taken)
    type_date(page, "Fecha de registro", today())
    press(page, "Registrar")
    assert_beside(page, "bar_number", "Número de colegiado",
                  "Ya hay un notario registrado con ese número de colegiado.")
    expect(page.get_by_test_id("notary")).to_have_count(0)
    assert notaries(stack).count_documents({"_id": {"$in": ["12AB", bar_number]}}) == 0
    assert notaries(stack).find_one({"_id": taken})["name"] == "Notaria Ya Registrada"

    # looking up a bar number nobody has: the 404 beside the search field
    tab_to(page, "Buscar por colegiado", backwards=True)
    page.keyboard.type(bar_number)
    page.keyboard.press("Enter")
    assert_beside(page, "lookup", "Buscar por colegiado", "No hay un notario registrado con ese número.")

    # a status change without a reason leaves the notary as it was
    replace_in(page, "Buscar por colegiado", taken)
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("notary").get_by_role("heading")).to_have_text(
        f"Notaria Ya Registrada (colegiado {taken})")
    tab_to(page, "Nuevo estado")
    page.keyboard.type("Fallecido")
    type_date(page, "Desde", today())
    press(page, "Cambiar el estado")
    change = {"status": "fallecido", "since": today().isoformat(), "reason": ""}
    assert_beside(page, "reason", "Motivo", refused(
        api.post_json(f"/api/v1/protocol/notaries/{taken}/status", change, officer(stack)), "reason"))
    expect(page.get_by_label("Nuevo estado")).to_have_value("fallecido")
    check_page(page, "cambio de estado rechazado")
    assert notaries(stack).find_one({"_id": taken})["status"] == "activo"


# --- a certified copy, by its code ---------------------------------------------------------------------------------
def test_the_archive_approves_a_lawyers_testimonio_and_revokes_it_with_the_keyboard(patient_page, api, stack, bank,
                                                                                    tmp_path):
    bar_number, notary = new_notary(api, stack, name="Notario Copias Archivo")
    instrument_id = deposited(api, notary)
    lawyer = api.lawyer()
    asked = api.post_json(f"/api/v1/protocol/instruments/{instrument_id}/copies",
                          {"kind": "testimonio", "purpose": "Proceso de titulación supletoria"}, lawyer)
    assert asked.status_code == 201, asked.text
    copy_id = asked.json()["copy_id"]
    paid = bank.pay(asked.json()["payment"]["reference"], amount=asked.json()["payment"]["amount"])
    assert paid.status_code == 200, paid.text
    wait_copy(api, lawyer, copy_id, status="awaiting_approval")

    page = patient_page()
    sign_in(page, stack, token=officer(stack))
    tab_to(page, "Copias", exact=True)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Copias certificadas (Archivo)")).to_be_visible()
    check_page(page, "copias del archivo")
    type_into(page, "Código de la copia", copy_id.upper())  # as read aloud or copied from a letter
    page.keyboard.press("Enter")
    shown_copy = page.get_by_test_id("archive-copy")
    status = shown_copy.get_by_test_id("copy-status")
    expect(status).to_have_attribute("data-status", "awaiting_approval")
    expect(status).to_have_text("Pagada: espera la aprobación del Archivo")
    expect(shown_copy).to_contain_text("Proceso de titulación supletoria")
    expect(page).to_have_url(re.compile(rf"[?&]copia={copy_id}$"))
    check_page(page, "copia que espera la aprobación")

    type_into(page, "Nota (opcional)", "Cotejado con el protocolo")
    press(page, "Aprobar")
    expect(status).to_have_attribute("data-status", "issued", timeout=30_000)  # followed without a reload
    expect(status).to_have_text("Emitida")
    expect(page.get_by_role("heading", name="Aprobar la copia")).to_have_count(0)
    issued = api.get(f"/api/v1/protocol/copies/{copy_id}", lawyer).json()
    assert issued["status"] == "issued" and issued["approved_at"]
    expect(shown_copy).to_contain_text(issued["serial"])
    expect(shown_copy.get_by_test_id("verification-code")).to_have_text(issued["verification_code"])
    check_page(page, "copia aprobada y emitida")
    tab_to(page, "Descargar la copia (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = tmp_path / "copia.pdf"
    download.value.save_as(path)
    assert "Signature is Valid." in pdfsig(path.read_bytes())
    assert path.read_bytes() == api.get(f"/api/v1/protocol/copies/{copy_id}/document", lawyer).content
    code = issued["verification_code"]
    assert api.get(f"/api/v1/public/certificates/{code}").json()["status"] == "valid"

    # revoking needs a reason: the API's message beside it, and the copy stays issued
    press(page, "Revocar")
    assert_beside(page, "reason", "Motivo de la revocación", refused(
        api.post_json(f"/api/v1/protocol/copies/{copy_id}/revoke", {"reason": ""}, officer(stack)), "reason"))
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", lawyer).json()["status"] == "issued"
    type_into(page, "Motivo de la revocación", "Emitida sobre un instrumento equivocado")
    press(page, "Revocar")
    expect(status).to_have_attribute("data-status", "revoked")
    expect(status).to_have_text("Revocada")
    expect(page.get_by_role("link", name="Descargar la copia (PDF)")).to_have_count(0)
    expect(page.get_by_role("heading", name="Revocar la copia")).to_have_count(0)
    check_page(page, "copia revocada")
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", lawyer).json()["status"] == "revoked"
    assert api.get(f"/api/v1/public/certificates/{code}").json()["status"] == "revoked"

    # whoever holds the copy checks its code on the public verification page
    public = patient_page()
    public.goto("/verificar?tipo=constancia")
    type_into(public, "Código de verificación", code)
    public.keyboard.press("Enter")
    verdict = public.get_by_test_id("verdict")
    expect(verdict).to_contain_text("Revocada")
    expect(verdict).to_contain_text(
        f"Testimonio del instrumento 1/{today().year} del notario Notario Copias Archivo (colegiado {bar_number})")
    check_page(public, "verificación de una copia revocada")


def test_a_wills_copy_waits_for_the_death_certificate_and_a_bad_code_names_its_field(patient_page, api, stack):
    _, notary = new_notary(api, stack, name="Notaria del Testamento")
    will = deposited(api, notary, act_type="testamento",
                     grantors=[{"name": "Testador Secreto Coj", "id_number": "2345678900101", "role": "testador"}])
    lawyer = api.lawyer()
    asked = api.post_json(f"/api/v1/protocol/instruments/{will}/copies",
                          {"kind": "copia_simple", "purpose": "Proceso sucesorio testamentario"}, lawyer)
    assert asked.status_code == 201, asked.text
    copy_id = asked.json()["copy_id"]
    page = patient_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/protocolo/copias-archivo")
    expect(page.get_by_role("heading", name="Copias certificadas (Archivo)")).to_be_visible()

    # a code of the right form that no copy has: the API's 404 beside the code
    unknown = "0" * 31 + "f"
    type_into(page, "Código de la copia", unknown)
    page.keyboard.press("Enter")
    missing = api.get(f"/api/v1/protocol/copies/{unknown}", officer(stack))
    assert missing.status_code == 404
    assert_beside(page, "copy_id", "Código de la copia", missing.json()["message"])
    expect(page.get_by_test_id("archive-copy")).to_have_count(0)
    check_page(page, "código de copia desconocido")

    replace_in(page, "Código de la copia", copy_id)
    page.keyboard.press("Enter")
    status = page.get_by_test_id("archive-copy").get_by_test_id("copy-status")
    expect(status).to_have_attribute("data-status", "awaiting_payment")
    expect(page.locator("[data-field-error='copy_id']")).to_have_count(0)

    # approving a will's copy without the death certificate reviewed: refused beside the checkbox
    press(page, "Aprobar")
    assert_beside(page, "death_certificate_reviewed",
                  "Revisé la certificación de defunción del testador (copia de un testamento)", refused(
                      api.post_json(f"/api/v1/protocol/copies/{copy_id}/approve", {}, officer(stack)),
                      "death_certificate_reviewed"))
    check_page(page, "aprobación sin la defunción revisada")
    assert stack.db("certificates").protocol_copies.find_one({"_id": copy_id})["approved_at"] is None

    tab_to(page, "Revisé la certificación de defunción")
    page.keyboard.press("Space")
    expect(page.get_by_label("Revisé la certificación de defunción", exact=False)).to_be_checked()
    press(page, "Aprobar")
    expect(page.get_by_test_id("archive-copy")).to_contain_text("Aprobada")
    expect(page.get_by_role("heading", name="Aprobar la copia")).to_have_count(0)
    expect(status).to_have_attribute("data-status", "awaiting_payment")  # approved; issued once paid
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", lawyer).json()["approved_at"]


# --- a notary asks for a copy --------------------------------------------------------------------------------------
def test_a_notary_asks_for_a_testimonio_and_a_refusal_names_its_field(patient_page, api, stack):
    _, author = new_notary(api, stack, name="Notario Autor Cifuentes")
    instrument_id = deposited(api, author, summary="Compraventa de la finca 9812, folio 3 del libro 77")
    _, requester = new_notary(api, stack, name="Notaria Solicitante Say")
    page = patient_page()
    sign_in(page, stack, token=requester)
    page.goto(f"/protocolo/instrumentos/{instrument_id}")
    expect(page.get_by_test_id("instrument")).to_contain_text("Compraventa de la finca 9812")
    check_page(page, "instrumento visto por un notario")

    tab_to(page, "Clase de copia")
    page.keyboard.type("Testimonio")
    expect(page.get_by_label("Clase de copia")).to_have_value("testimonio")
    press(page, "Pedir la copia")  # without saying what it is for
    assert_beside(page, "purpose", "Para qué la necesita", refused(
        api.post_json(f"/api/v1/protocol/instruments/{instrument_id}/copies", {"kind": "testimonio", "purpose": ""},
                      requester), "purpose"))
    expect(page.get_by_label("Clase de copia")).to_have_value("testimonio")
    check_page(page, "pedido de copia rechazado")
    assert copies_of(stack, instrument_id) == 0

    type_into(page, "Para qué la necesita", "Reposición de protocolo extraviado")
    press(page, "Pedir la copia")
    followed = page.get_by_test_id("followed-copy")
    expect(followed.get_by_test_id("copy-status")).to_have_attribute("data-status", "awaiting_payment")
    expect(followed).to_contain_text("Reposición de protocolo extraviado")
    mine = api.get("/api/v1/protocol/copies", requester).json()["items"]
    assert [(c["instrument_id"], c["kind"], c["needs_approval"]) for c in mine] == [(instrument_id, "testimonio", True)]
    expect(page).to_have_url(re.compile(rf"/protocolo/copias\?copia={mine[0]['copy_id']}$"))
    expect(followed).to_contain_text(mine[0]["copy_id"])  # the code the Archive approves it by
    expect(followed.get_by_test_id("payment-reference")).to_have_attribute(
        "data-reference", mine[0]["payment"]["reference"])
    check_page(page, "copia pedida por un notario")
    assert copies_of(stack, instrument_id) == 1
