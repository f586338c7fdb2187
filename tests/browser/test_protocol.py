"""The notarial protocol archive in the portal, in real Chromium against the real stack. A notary deposits a
testimonio with its PDF using the keyboard alone; a lawyer finds the instrument in the archive's search, asks
for a copy, the loopback bank pays it, the page shows it issued without a reload and the PDF is signed. The
Archive sees a notary's late, missing and observed deposits and observes one. A refused deposit shows the API's
message beside its field and stores nothing; a stopped service keeps what was typed."""
import datetime

import pytest
from playwright.sync_api import expect

from tests.support.bank import BankSimulator
from tests.support.browser import check_page, choose_files, sign_in, tab_to
from tests.support.certificates import pdfsig
from tests.support.pdfgen import make_pdf
from tests.support.protocol import deposit, metadata, new_notary, officer, today

UNAVAILABLE = "El servicio no está disponible, intente de nuevo."


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


def instruments_of(stack, bar_number):
    return stack.db("certificates").instruments.count_documents({"bar_number": bar_number})


def stored_testimonios(stack):
    return stack.db("certificates")["testimonios.files"].count_documents({})


def type_into(page, label, text, exact=False):
    tab_to(page, label, exact=exact)
    page.keyboard.type(text)


def test_a_notary_deposits_and_a_lawyer_finds_it_and_gets_a_signed_copy_with_the_keyboard(new_page, api, stack, bank,
                                                                                          tmp_path):
    bar_number, notary = new_notary(api, stack, name="Lucía Teclado Fernández")
    day = today()
    page = new_page()
    sign_in(page, stack, token=notary)
    tab_to(page, "Depositar testimonio")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Depositar un testimonio especial").wait_for()
    check_page(page, "depositar un testimonio")
    assert page.get_by_label("Año del protocolo").input_value() == str(day.year)
    type_into(page, "Número del instrumento", "1")
    tab_to(page, "Fecha de autorización")
    page.keyboard.type(day.strftime("%m%d%Y"))  # headless Chromium shows month first
    assert page.get_by_label("Fecha de autorización").input_value() == day.isoformat()
    type_into(page, "Lugar de autorización", "Ciudad de Guatemala")
    tab_to(page, "Acto o contrato")
    page.keyboard.type("Compraventa")
    assert page.get_by_label("Acto o contrato").input_value() == "compraventa"
    type_into(page, "Nombre del otorgante 1", "Eulalia Quiñónez Batz")
    type_into(page, "Calidad con que comparece el otorgante 1", "vendedora")
    tab_to(page, "Agregar otro otorgante")
    page.keyboard.press("Enter")  # the focus moves to the new grantor's name
    expect(page.locator("#campo-grantors-1-name")).to_be_focused()  # no eval: the page's CSP refuses it
    page.keyboard.type("Tomás Ajú")
    type_into(page, "Calidad con que comparece el otorgante 2", "comprador")
    type_into(page, "Resumen del instrumento", "Compraventa de la finca 4512, folio 12 del libro 300")
    type_into(page, "Número de páginas", "2")
    pdf = tmp_path / "testimonio.pdf"
    pdf.write_bytes(make_pdf(pages=2, text="Testimonio especial"))
    choose_files(page, "El testimonio especial (PDF)", str(pdf))
    tab_to(page, "Depositar el testimonio")
    page.keyboard.press("Enter")
    done = page.get_by_test_id("deposit-done")
    done.get_by_text(f"instrumento 1 de {day.year}").wait_for()
    assert "Dentro del plazo" in done.inner_text()
    assert page.get_by_label("Número del instrumento").input_value() == ""  # ready for the next one
    check_page(page, "testimonio depositado")
    assert instruments_of(stack, bar_number) == 1

    # a lawyer finds it by a grantor's name, written another way, and asks for a copia simple
    lawyer_page = new_page()
    sign_in(lawyer_page, stack, token=api.lawyer())
    tab_to(lawyer_page, "Archivo de Protocolos")
    lawyer_page.keyboard.press("Enter")
    lawyer_page.get_by_role("heading", name="Consulta del Archivo de Protocolos").wait_for()
    type_into(lawyer_page, "Nombre de un otorgante", "quinonez eulal")
    lawyer_page.keyboard.press("Enter")
    results = lawyer_page.get_by_test_id("instrument-results")
    results.get_by_role("link", name=f"Compraventa n.º 1 de {day.year}").wait_for()
    assert "Lucía Teclado Fernández" in results.inner_text() and "Tomás Ajú" in results.inner_text()
    check_page(lawyer_page, "resultados de la consulta del archivo")
    tab_to(lawyer_page, f"Compraventa n.º 1 de {day.year}")
    lawyer_page.keyboard.press("Enter")
    lawyer_page.get_by_test_id("instrument").get_by_text("Compraventa de la finca 4512", exact=False).wait_for()
    check_page(lawyer_page, "instrumento")
    type_into(lawyer_page, "Para qué la necesita", "Juicio ordinario de nulidad")
    tab_to(lawyer_page, "Pedir la copia")
    lawyer_page.keyboard.press("Enter")
    followed = lawyer_page.get_by_test_id("followed-copy")
    reference = followed.get_by_test_id("payment-reference")
    reference.wait_for()
    assert followed.get_by_test_id("copy-status").get_attribute("data-status") == "awaiting_payment"
    check_page(lawyer_page, "copia pendiente de pago")
    lawyer_page.evaluate("() => { window.__sameDocument = true; }")
    amount = followed.get_by_test_id("payment-order").get_attribute("data-amount")
    assert amount == "2.00"  # a copia simple: 1.00 a page in development, two pages
    paid = bank.pay(reference.get_attribute("data-reference"), amount=amount)
    assert paid.status_code == 200, paid.text
    lawyer_page.locator("[data-testid='followed-copy'] [data-testid='copy-status'][data-status='issued']").wait_for(
        timeout=30_000)
    assert lawyer_page.evaluate("() => window.__sameDocument === true")
    check_page(lawyer_page, "copia emitida")
    tab_to(lawyer_page, "Descargar la copia")
    with lawyer_page.expect_download() as download:
        lawyer_page.keyboard.press("Enter")
    path = tmp_path / "copia.pdf"
    download.value.save_as(path)
    report = pdfsig(path.read_bytes())
    assert "Signature is Valid." in report, report
    verdict = api.post_multipart("/api/v1/public/certificates/verify", "{}", [("copia.pdf", path.read_bytes())],
                                 document_field="document")
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["signature"] == "valid" and verdict.json()["registry"] == "issued"


def test_the_archive_sees_late_missing_and_observed_deposits_and_observes_one(new_page, api, stack):
    bar_number, notary = new_notary(api, stack, name="Notario Atrasado Pérez")
    late_day = today() - datetime.timedelta(days=60)
    year = late_day.year
    first = deposit(api, notary, metadata(1, authorized_at=late_day))
    assert first.status_code == 201, first.text
    third = deposit(api, notary, metadata(3, authorized_at=late_day, act_type="mandato"))
    assert third.status_code == 201, third.text
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    tab_to(page, "Revisión de depósitos")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Revisión de depósitos").wait_for()
    page.get_by_label("Colegiado del notario").fill(bar_number)
    page.get_by_label("Año", exact=True).fill(str(year))
    page.get_by_role("button", name="Ver el año").click()
    report = page.get_by_test_id("year-report")
    report.wait_for()
    assert page.get_by_test_id("report-deposited").inner_text() == "2"
    assert page.get_by_test_id("report-missing").inner_text() == "2"
    late = page.get_by_test_id("report-late").inner_text()
    assert "n.º 1" in late and "n.º 3" in late and "días hábiles de atraso" in late
    assert page.get_by_test_id("report-observed").inner_text() == "Ninguno"
    check_page(page, "revisión del año de un notario")
    # observing needs a reason: the API's message beside the reason of that deposit
    deposit_three = page.locator("[data-testid='deposits'] article[data-number='3']")
    deposit_three.get_by_role("button", name="Observar el n.º 3").click()
    error = deposit_three.locator("[data-field-error]")
    error.wait_for()
    assert "observa" in error.inner_text()
    reason = deposit_three.get_by_label("Motivo para observar el n.º 3")
    assert reason.get_attribute("aria-invalid") == "true"
    reason.fill("Falta la firma del notario en el folio 2")
    deposit_three.get_by_role("button", name="Observar el n.º 3").click()
    deposit_three.locator("[data-review='observado']").wait_for()
    page.get_by_test_id("report-observed").get_by_text("n.º 3: Falta la firma del notario en el folio 2").wait_for()
    page.locator("[data-testid='deposits'] article[data-number='1']").get_by_role("button", name="Aceptar el n.º 1").click()
    page.locator("[data-review='aceptado']").wait_for()
    check_page(page, "depósitos revisados")

    # the notary sees the same year in «Mi protocolo»
    notary_page = new_page()
    sign_in(notary_page, stack, token=notary)
    notary_page.goto(f"/protocolo/mi-protocolo?anio={year}")
    notary_page.get_by_test_id("report-observed").get_by_text("Falta la firma").wait_for()
    assert notary_page.get_by_test_id("report-missing").inner_text() == "2"
    notary_page.get_by_label("Instrumentos del índice").fill("1 compraventa\n2 poder\n3")
    notary_page.get_by_role("button", name="Presentar el índice").click()
    notary_page.get_by_text("El índice quedó presentado").wait_for()
    assert "2" in notary_page.locator("dt:text('En el índice, sin depósito') + dd").inner_text()
    check_page(notary_page, "mi protocolo")


def fill_deposit(page, number, authorized_at, pdf_path):
    page.get_by_label("Número del instrumento").fill(str(number))
    page.get_by_label("Fecha de autorización").fill(authorized_at)
    page.get_by_label("Lugar de autorización").fill("Mixco")
    page.get_by_label("Acto o contrato").select_option("poder")
    page.get_by_label("Nombre del otorgante 1").fill("Rechazo Prueba")
    page.get_by_label("Calidad con que comparece el otorgante 1").fill("poderdante")
    page.get_by_label("Resumen del instrumento").fill("Poder general")
    page.get_by_label("Número de páginas").fill("1")
    page.get_by_label("El testimonio especial (PDF)").set_input_files(str(pdf_path))


def test_a_refused_deposit_names_its_field_and_stores_nothing(new_page, api, stack, tmp_path):
    bar_number, notary = new_notary(api, stack)
    before = stored_testimonios(stack)
    pdf = tmp_path / "testimonio.pdf"
    pdf.write_bytes(make_pdf(pages=1))
    page = new_page()
    sign_in(page, stack, token=notary)
    page.goto("/protocolo/depositar")
    future = (today() + datetime.timedelta(days=3)).isoformat()
    page.get_by_label("Año del protocolo").fill(future[:4])
    fill_deposit(page, 5, future, pdf)
    page.get_by_role("button", name="Depositar el testimonio").click()
    error = page.locator("[data-field-error='authorized_at']")
    error.wait_for()
    expected = deposit(api, notary, metadata(5, authorized_at=datetime.date.fromisoformat(future))).json()
    assert error.inner_text() == expected["details"]["fields"]["authorized_at"]
    field = page.get_by_label("Fecha de autorización")
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == future
    assert page.get_by_label("Lugar de autorización").input_value() == "Mixco"
    check_page(page, "depósito rechazado")
    # a file that is not a PDF: the error beside the file
    not_pdf = tmp_path / "testimonio-falso.pdf"
    not_pdf.write_bytes(b"esto no es un PDF")
    page.get_by_label("Fecha de autorización").fill(today().isoformat())
    page.get_by_label("Año del protocolo").fill(str(today().year))
    page.get_by_label("El testimonio especial (PDF)").set_input_files(str(not_pdf))
    page.get_by_role("button", name="Depositar el testimonio").click()
    page.locator("[data-field-error='document']").wait_for()
    # a grantor without a name: the error beside that grantor's name
    page.get_by_label("El testimonio especial (PDF)").set_input_files(str(pdf))
    page.get_by_label("Nombre del otorgante 1").fill("")
    page.get_by_role("button", name="Depositar el testimonio").click()
    page.locator("[data-field-error='grantors.0.name']").wait_for()
    assert instruments_of(stack, bar_number) == 0 and stored_testimonios(stack) == before


def test_a_stopped_service_keeps_the_deposit_typed(new_page, api, stack, tmp_path):
    bar_number, notary = new_notary(api, stack)
    pdf = tmp_path / "testimonio.pdf"
    pdf.write_bytes(make_pdf(pages=1))
    page = new_page()
    sign_in(page, stack, token=notary)
    page.goto("/protocolo/depositar")
    fill_deposit(page, 9, today().isoformat(), pdf)
    stack.stack.processes["certificates"].stop()
    try:
        page.get_by_role("button", name="Depositar el testimonio").click()
        page.get_by_test_id("form-error").get_by_text(UNAVAILABLE).wait_for(timeout=30_000)
        assert page.get_by_label("Lugar de autorización").input_value() == "Mixco"
        assert page.get_by_label("Número del instrumento").input_value() == "9"
    finally:
        stack.stack.processes["certificates"].start()
        stack.stack.wait("certificates")
    page.get_by_role("button", name="Depositar el testimonio").click()  # the same file, still chosen
    page.get_by_test_id("deposit-done").wait_for(timeout=30_000)
    assert instruments_of(stack, bar_number) == 1
    found = api.get("/api/v1/protocol/instruments", api.lawyer(), params={"bar_number": bar_number}).json()
    assert [item["number"] for item in found["items"]] == [9]
