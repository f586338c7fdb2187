"""A citizen's criminal-record certificate in the portal, in real Chromium against the real stack: asked for with
the keyboard alone, paid by the loopback bank (the same signed notice the integration tests send), shown issued
without a reload, and downloaded: the PDF is the signed certificate the registry issued (pdfsig and the public
verification). A refused e-mail shows the API's message beside its field and stores no request; a stopped
service shows «el servicio no está disponible» and keeps what was typed."""
import pytest

from tests.support.bank import BankSimulator
from tests.support.browser import check_page, sign_in, tab_to
from tests.support.certificates import citizen, pdfsig

UNAVAILABLE = "El servicio no está disponible, intente de nuevo."


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


def requests_of(stack, cui):
    return stack.db("certificates").requests.count_documents({"id_number": cui})


def test_a_citizen_requests_pays_and_downloads_the_signed_certificate_with_the_keyboard(new_page, api, stack, bank,
                                                                                        tmp_path):
    token, cui = citizen(stack, name="Rosa Keyboard Xol")
    page = new_page()
    sign_in(page, stack, token=token)
    tab_to(page, "Mi constancia")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Constancia de antecedentes penales").wait_for()
    page.get_by_text("Aún no tiene constancias emitidas.").wait_for()
    check_page(page, "constancia sin solicitud")
    tab_to(page, "Solicitar constancia")
    page.keyboard.press("Enter")
    reference = page.get_by_test_id("payment-reference")
    reference.wait_for()
    assert page.get_by_test_id("request-status").get_attribute("data-status") == "awaiting_payment"
    assert "Q30.00" in page.get_by_test_id("payment-order").inner_text()
    check_page(page, "constancia pendiente de pago")

    # the bank pays; the page follows it without a reload (a mark left in the window survives)
    page.evaluate("() => { window.__sameDocument = true; }")
    paid = bank.pay(reference.get_attribute("data-reference"))
    assert paid.status_code == 200, paid.text
    page.locator("[data-testid='request-status'][data-status='issued']").wait_for(timeout=30_000)
    assert page.evaluate("() => window.__sameDocument === true")
    page.get_by_test_id("certificates").get_by_text("No tiene antecedentes penales").wait_for()
    check_page(page, "constancia emitida")

    tab_to(page, "Descargar la constancia (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = tmp_path / "constancia.pdf"
    download.value.save_as(path)
    pdf = path.read_bytes()
    report = pdfsig(pdf)
    assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report, report
    verdict = api.post_multipart("/api/v1/public/certificates/verify", "{}", [("constancia.pdf", pdf)],
                                 document_field="document")
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["signature"] == "valid" and verdict.json()["registry"] == "issued"
    assert verdict.json()["status"] == "valid" and verdict.json()["certificate"]["name"] == "Rosa Keyboard Xol"
    assert requests_of(stack, cui) == 1


def test_a_refused_email_is_shown_beside_its_field_and_nothing_is_stored(new_page, stack):
    token, cui = citizen(stack)
    page = new_page()
    sign_in(page, stack, token=token)
    page.goto("/constancia")
    field = page.get_by_label("Correo electrónico (opcional)")
    field.fill("esto-no-es-un-correo")
    page.get_by_role("button", name="Solicitar constancia").click()
    error = page.locator("[data-field-error='email']")
    error.wait_for()
    assert error.inner_text().strip()
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "esto-no-es-un-correo"
    assert error.get_attribute("id") in field.get_attribute("aria-describedby")
    assert page.get_by_test_id("payment-reference").count() == 0
    assert requests_of(stack, cui) == 0
    check_page(page, "constancia con error en el correo")


def test_a_stopped_service_keeps_what_was_typed(new_page, stack):
    token, cui = citizen(stack)
    page = new_page()
    sign_in(page, stack, token=token)
    page.goto("/constancia")
    field = page.get_by_label("Correo electrónico (opcional)")
    field.fill("rosa@example.org")
    stack.stack.processes["certificates"].stop()
    try:
        page.get_by_role("button", name="Solicitar constancia").click()
        page.get_by_test_id("form-error").get_by_text(UNAVAILABLE).wait_for(timeout=20_000)
        assert field.input_value() == "rosa@example.org"
    finally:
        stack.stack.processes["certificates"].start()
        stack.stack.wait("certificates")
    page.get_by_role("button", name="Solicitar constancia").click()
    page.get_by_test_id("payment-reference").wait_for(timeout=20_000)
    assert requests_of(stack, cui) == 1
