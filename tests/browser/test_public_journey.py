"""A member of the public, with the keyboard alone, finds a hearing in the agenda, opens its amparo and verifies
the court's resolution (by its PDF and by its SHA-256), on a stack where a lawyer opened the amparo and its judge
issued the resolution and scheduled the hearing through the API; searches an antejuicio by the name of its
complainant and opens it (its official and office, its stage, the resolution that named the investigating judge).
Every page on the way passes axe-core and fits a 360 px phone. A service that does not answer shows «el servicio no está disponible» and keeps what was typed;
a refusal of the API shows its Spanish message next to the field it names."""
import datetime
import hashlib
import uuid

import pytest

from tests.support.browser import check_page, choose_files, tab_to
from tests.support.hearings import (amparo_metadata, antejuicio_metadata, future, hearing_body, open_with,
                                    resolve_to, room, schedule)
from tests.support.pdfgen import make_pdf
from tests.support.queries import wait_for

SUPREME = "00001"
MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
          "noviembre", "diciembre"]


@pytest.fixture(scope="module")
def amparo(api):
    lawyer, judge = api.lawyer(), api.judge(SUPREME)
    metadata = amparo_metadata()
    opened = open_with(api, lawyer, metadata)
    assert opened.status_code == 201, opened.text
    number = opened.json()["case_number"]
    pdf = make_pdf(seed=161616)
    resolution = api.post_multipart(f"/api/v1/cases/{number}/resolutions",
                                    {"kind": "auto", "summary": "Se admite el amparo para su trámite",
                                     "stage": "admitido"}, [("auto-admision.pdf", pdf)], judge,
                                    document_field="document")
    assert resolution.status_code == 201, resolution.text
    starts = future(days=9, hour=16)  # 10:00 in Guatemala
    hearing = schedule(api, judge, number, hearing_body(starts, room(), kind="vista"))
    assert hearing.status_code == 201, hearing.text
    day = (starts - datetime.timedelta(hours=6)).date()

    def public():
        case = api.get(f"/api/v1/public/cases/{number}")
        return case.status_code == 200 and case.json()["actuaciones"] and \
            case.json()["actuaciones"][0]["document"]["available"] and case.json()["upcoming_hearings"]

    assert wait_for(public, timeout=30), api.get(f"/api/v1/public/cases/{number}").text
    return {"number": number, "pdf": pdf, "day": day, "party": metadata["parties"][0]["name"]}


def test_the_public_finds_the_hearing_and_verifies_the_resolution_with_the_keyboard(new_page, amparo, tmp_path):
    page = new_page()
    page.goto("/")
    tab_to(page, "Audiencias")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Agenda de audiencias").wait_for()
    # the court: type-ahead in the focused list, as a keyboard user does
    tab_to(page, "Tribunal")
    page.keyboard.type("Corte Suprema")
    page.wait_for_url("**tribunal=00001**")
    # the day, in the calendar: to the hearing's month, then its day (marked "con audiencias")
    today = datetime.date.fromisoformat(page.evaluate(
        "() => new Intl.DateTimeFormat('en-CA', {timeZone: 'America/Guatemala'}).format(new Date())"))
    months_ahead = (amparo["day"].year - today.year) * 12 + amparo["day"].month - today.month
    if months_ahead:
        tab_to(page, "Mes siguiente")
        for _ in range(months_ahead):
            page.keyboard.press("Enter")
    day_label = f"{amparo['day'].day} de {MONTHS[amparo['day'].month - 1]}, con audiencias"
    page.get_by_role("button", name=day_label, exact=True).wait_for()
    tab_to(page, day_label, exact=True)
    page.keyboard.press("Enter")
    page.wait_for_url(f"**fecha={amparo['day'].isoformat()}**")
    listed = page.get_by_test_id("agenda-list")
    listed.get_by_text("10:00").first.wait_for()
    assert page.get_by_role("link", name="Agregar a mi calendario").get_attribute("href") == \
        "/api/v1/public/hearings.ics?court_id=00001"
    check_page(page, "agenda con la audiencia")
    # the amparo of the hearing
    tab_to(page, amparo["number"])
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Expediente {amparo['number']}").wait_for()
    assert page.get_by_test_id("case-stage").inner_text().startswith("Admitido")
    page.get_by_text(amparo["party"], exact=True).wait_for()
    download = page.get_by_role("link", name="Descargar la resolución (PDF)")
    assert download.get_attribute("href").startswith(f"/api/v1/public/cases/{amparo['number']}/resolutions/")
    check_page(page, "amparo público")
    # verify the resolution's PDF (the file chooser opened with the keyboard)
    tab_to(page, "Verificar")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Verificar un documento").wait_for()
    pdf_path = tmp_path / "auto-admision.pdf"
    pdf_path.write_bytes(amparo["pdf"])
    choose_files(page, "El documento en PDF", str(pdf_path))
    tab_to(page, "Verificar", exact=True)
    page.keyboard.press("Enter")
    verdict = page.get_by_test_id("verdict")
    verdict.get_by_text("Documento auténtico").wait_for()
    assert amparo["number"] in verdict.inner_text() and "Cámara de Amparo" in verdict.inner_text()
    check_page(page, "verificación con veredicto")
    # and by its code: the SHA-256 printed on it
    page.goto("/verificar")
    page.get_by_label("Código SHA-256 del documento").fill(hashlib.sha256(amparo["pdf"]).hexdigest())
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.get_by_test_id("verdict").get_by_text("Documento auténtico").wait_for()
    # a PDF no court issued
    page.goto("/verificar")
    other = tmp_path / "otro.pdf"
    other.write_bytes(make_pdf(seed=99))
    page.get_by_label("El documento en PDF").set_input_files(str(other))
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.get_by_test_id("verdict").get_by_text("Documento no reconocido").wait_for()


@pytest.fixture(scope="module")
def antejuicio(api):
    """An antejuicio whose complainant has a name no other case has, its investigating judge named."""
    complainant = f"Pedro Ruiz Teclado{uuid.uuid4().hex[:6]}"
    metadata = antejuicio_metadata(represents=complainant, parties=[
        {"name": complainant, "role": "denunciante"},
        {"name": "Juan Gómez", "role": "funcionario", "office": "Alcalde municipal de Mixco"}])
    opened = open_with(api, api.lawyer(), metadata)
    assert opened.status_code == 201, opened.text
    number = opened.json()["case_number"]
    resolved = resolve_to(api, api.judge(SUPREME), number, stage="juez_pesquisidor_designado",
                          summary="Se designa juez pesquisidor")
    assert resolved.status_code == 201, resolved.text

    def public():
        case = api.get(f"/api/v1/public/cases/{number}")
        return case.status_code == 200 and case.json()["stage"] == "juez_pesquisidor_designado" and \
            case.json()["actuaciones"]

    assert wait_for(public, timeout=30), api.get(f"/api/v1/public/cases/{number}").text
    return {"number": number, "complainant": complainant}


def test_the_public_finds_an_antejuicio_and_opens_it_with_the_keyboard(new_page, antejuicio):
    number = antejuicio["number"]
    page = new_page()
    page.goto("/")
    tab_to(page, "Amparos y antejuicios")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Amparos y antejuicios", level=1).wait_for()
    tab_to(page, "Nombre de una parte")
    page.keyboard.type(antejuicio["complainant"].lower())
    tab_to(page, "Materia")
    page.keyboard.type("Solo ant")  # type-ahead in the focused list
    assert page.get_by_label("Materia").input_value() == "antejuicio"
    tab_to(page, "Buscar", exact=True)
    page.keyboard.press("Enter")
    results = page.get_by_test_id("case-results")
    results.get_by_role("link", name=f"Antejuicio {number}").wait_for()
    assert results.locator(":scope > li").count() == 1
    assert "Juez pesquisidor designado" in results.inner_text()
    tab_to(page, f"Antejuicio {number}")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Expediente {number}", level=1).wait_for()
    assert page.get_by_test_id("case-stage").inner_text() == "Juez pesquisidor designado"
    facts = page.get_by_role("region", name="Datos del expediente")
    assert page.get_by_text("Antejuicio · ").first.inner_text().startswith("Antejuicio · Corte Suprema")
    facts.get_by_text(antejuicio["complainant"], exact=True).wait_for()
    facts.get_by_text("Juan Gómez (Alcalde municipal de Mixco)", exact=True).wait_for()
    facts.get_by_text("Cargo del funcionario").wait_for()
    actuaciones = page.get_by_role("region", name="Actuaciones")
    actuaciones.get_by_text("Se designa juez pesquisidor", exact=True).wait_for()
    actuaciones.get_by_text("Etapa: Juez pesquisidor designado").wait_for()
    check_page(page, "antejuicio público")


def test_the_search_finds_the_amparo_and_a_refusal_names_its_field(new_page, amparo):
    page = new_page()
    page.goto("/amparos")
    field = page.get_by_label("Nombre de una parte")
    field.fill("¡¡¡")
    page.get_by_role("button", name="Buscar").click()
    error = page.locator("[data-field-error='q']")
    error.wait_for()
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == "¡¡¡"
    assert error.get_attribute("id") in field.get_attribute("aria-describedby")
    check_page(page, "búsqueda con error")
    field.fill(amparo["party"].lower().replace("í", "i"))
    page.get_by_role("button", name="Buscar").click()
    page.get_by_test_id("case-results").get_by_role("link", name=f"Amparo {amparo['number']}").wait_for()
    check_page(page, "resultados de la búsqueda")


def test_a_service_that_does_not_answer_keeps_what_was_typed(new_page, stack, amparo):
    page = new_page()
    page.goto("/amparos")
    field = page.get_by_label("Nombre de una parte")
    field.fill(amparo["party"])
    stack.stack.processes["queries"].stop()
    try:
        page.get_by_role("button", name="Buscar").click()
        page.get_by_test_id("form-error").get_by_text("El servicio no está disponible, intente de nuevo.").wait_for(
            timeout=20_000)
        assert field.input_value() == amparo["party"]
    finally:
        stack.stack.processes["queries"].start()
        stack.stack.wait("queries")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_test_id("case-results").get_by_role("link", name=f"Amparo {amparo['number']}").wait_for()
