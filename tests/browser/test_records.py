"""The registry of criminal records (UNAP) in the portal, in real Chromium against the real stack: a records
officer, with the keyboard alone, adds a record, finds it by CUI, cancels it with the court's PDF and finds it by
words of the name; a CSV with
bad rows, pasted or uploaded as a file chosen with the keyboard, is refused whole and the page lists each refused
line with its reasons; a refused field shows the API's Spanish message beside it and stores nothing."""
import datetime
import uuid

from tests.support.browser import check_page, choose_files, file_asked_again, focused, sign_in, tab_to
from tests.support.certificates import new_cui, officer, record_body
from tests.support.pdfgen import make_pdf


def records_with(stack, cui):
    return stack.db("certificates").records.count_documents({"id_number": cui})


def type_into(page, label, text):
    tab_to(page, label)
    page.keyboard.type(text)


def type_date(page, label, day):
    """A date input, typed as a keyboard user does, its segments in the order the browser shows them (headless
    Chromium's own language, month first, whatever the page's locale)."""
    tab_to(page, label)
    page.keyboard.type(day.strftime("%m%d%Y"))
    assert page.get_by_label(label).input_value() == day.isoformat()


def test_an_officer_adds_finds_and_cancels_a_record_with_the_keyboard(new_page, api, stack, tmp_path):
    cui = new_cui()
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    tab_to(page, "Agregar antecedente")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Agregar un antecedente").wait_for()
    check_page(page, "agregar un antecedente")
    type_into(page, "Nombre completo", "Teclado Condenado Pérez")
    type_into(page, "CUI", cui)
    type_into(page, "Número del proceso penal", "01010-2021-00042")
    type_into(page, "Tribunal que dictó la sentencia", "Tribunal Primero de Sentencia Penal")
    type_into(page, "Delitos", "Robo agravado")
    page.keyboard.press("Enter")
    page.keyboard.type("Portación ilegal de arma")
    type_into(page, "Pena impuesta", "6 años de prisión")
    type_date(page, "Fecha de la sentencia", datetime.date(2021, 5, 10))
    type_date(page, "Fecha en que quedó firme", datetime.date(2021, 6, 15))
    tab_to(page, "Registrar el antecedente")
    page.keyboard.press("Enter")
    page.get_by_text("El antecedente quedó registrado.").wait_for()
    record = page.get_by_test_id("record")
    assert "Robo agravado; Portación ilegal de arma" in record.inner_text() and cui in record.inner_text()
    assert page.get_by_test_id("record-status").get_attribute("data-status") == "vigente"
    check_page(page, "antecedente registrado")

    # find it by its CUI
    tab_to(page, "Volver al registro")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Registro de antecedentes penales").wait_for()
    type_into(page, "CUI", cui)
    page.keyboard.press("Enter")
    link = page.get_by_test_id("record-results").get_by_role("link", name="Teclado Condenado Pérez")
    link.wait_for()
    check_page(page, "resultados del registro")
    tab_to(page, "Teclado Condenado Pérez — 01010-2021-00042")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Cancelar este antecedente").wait_for()

    # cancel it with the court's resolution
    tab_to(page, "Motivo de la cancelación")
    page.keyboard.type("Rehab")
    assert page.get_by_label("Motivo de la cancelación").input_value() == "rehabilitacion"
    type_into(page, "Resolución que la ordena", "Auto del Juzgado Segundo de Ejecución Penal, 2026")
    pdf = tmp_path / "auto-rehabilitacion.pdf"
    pdf.write_bytes(make_pdf(seed=5150))
    choose_files(page, "La resolución del tribunal (PDF)", str(pdf))
    tab_to(page, "Cancelar el antecedente")
    page.keyboard.press("Enter")
    page.get_by_text("El antecedente quedó cancelado.").wait_for()
    assert page.get_by_test_id("record-status").get_attribute("data-status") == "cancelado"
    assert page.get_by_role("heading", name="Cancelar este antecedente").count() == 0
    check_page(page, "antecedente cancelado")
    answer = api.get("/api/v1/criminal-records", officer(stack), params={"id_number": cui})
    assert answer.status_code == 200, answer.text
    found = answer.json()["items"]
    assert [r["status"] for r in found] == ["cancelado"]
    assert found[0]["cancellation"]["reason"] == "rehabilitacion"

    # and by words of the name as the officer remembers them: another order, partial, without the accent
    page.goto("/registro")
    page.get_by_role("heading", name="Registro de antecedentes penales").wait_for()
    type_into(page, "Nombre", "perez teclado cond")
    page.keyboard.press("Enter")
    page.get_by_test_id("record-results").get_by_role("link", name="Teclado Condenado Pérez").first.wait_for()


def test_a_csv_with_bad_rows_is_refused_whole_and_lists_each_rejected_line(new_page, api, stack):
    good, bad_check, future_cui = new_cui(), new_cui(), new_cui()
    wrong = bad_check[:8] + str((int(bad_check[8]) + 1) % 10) + bad_check[9:]  # the check digit changed
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    csv = "\n".join([
        "name,id_number,case_number,court,offences,penalty,sentence_date,final_date",
        f"Fila Buena,{good},01010-2019-00001,Juzgado Primero Penal,Robo;Hurto,3 años,2019-01-10,2019-02-10",
        f"Fila Mala,{wrong},01010-2019-00002,Juzgado Primero Penal,Estafa,2 años,2019-01-10,2019-02-10",
        f"Fila Futura,{future_cui},01010-2019-00003,Juzgado Primero Penal,Estafa,2 años,2019-01-10,{tomorrow}",
    ])
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/registro/importar")
    page.get_by_label("El contenido del CSV").fill(csv)
    page.get_by_role("button", name="Importar").click()
    rejected = page.get_by_test_id("rejected-rows")
    rejected.wait_for()
    assert page.get_by_test_id("form-error").get_by_text("no se importó ninguna").is_visible()
    lines = rejected.locator("[data-row]")
    assert [lines.nth(i).get_attribute("data-row") for i in range(lines.count())] == ["3", "4"]
    assert "CUI" in lines.nth(0).inner_text() and "verificador" in lines.nth(0).inner_text().lower()
    assert "Fecha en que quedó firme" in lines.nth(1).inner_text()
    assert page.get_by_label("El contenido del CSV").input_value() == csv
    check_page(page, "importación rechazada")
    assert records_with(stack, good) == 0 and records_with(stack, future_cui) == 0

    # corrected, the same file imports
    fixed = "\n".join(csv.split("\n")[:2])
    page.get_by_label("El contenido del CSV").fill(fixed)
    page.get_by_role("button", name="Importar").click()
    page.get_by_test_id("import-done").get_by_text("Se importó 1 antecedente.").wait_for()
    assert page.get_by_test_id("rejected-rows").count() == 0
    assert records_with(stack, good) == 1


def test_an_uploaded_csv_file_with_a_bad_row_is_refused_whole_with_the_keyboard(new_page, api, stack, tmp_path):
    good, other = new_cui(), new_cui()
    wrong = other[:8] + str((int(other[8]) + 1) % 10) + other[9:]  # the check digit changed
    surname = uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop")).capitalize()
    header = "name,id_number,case_number,court,offences,penalty,sentence_date,final_date"
    good_row = f"Archivo Bueno,{good},01010-2018-00011,Juzgado Primero Penal,Robo,3 años,2018-01-10,2018-02-10"
    bad_row = f"Archivo Malo {surname},{wrong},01010-2018-00012,Juzgado Primero Penal,Estafa,2 años,2018-01-10,2018-02-10"
    upload = tmp_path / "antecedentes.csv"
    upload.write_text("\n".join([header, good_row, bad_row]) + "\n", encoding="utf-8")
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    tab_to(page, "Importar CSV")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Importar antecedentes desde un CSV").wait_for()
    choose_files(page, "El archivo CSV", str(upload))
    tab_to(page, "Importar", exact=True)
    page.keyboard.press("Enter")
    rejected = page.get_by_test_id("rejected-rows")
    rejected.wait_for()
    assert page.get_by_test_id("form-error").get_by_text("no se importó ninguna").is_visible()
    assert rejected.get_by_role("heading", name="1 fila rechazada").is_visible()
    lines = rejected.locator("[data-row]")
    assert [lines.nth(i).get_attribute("data-row") for i in range(lines.count())] == ["3"]
    assert "CUI" in lines.nth(0).inner_text() and "verificador" in lines.nth(0).inner_text().lower()
    for criterion in ({"id_number": good}, {"name": f"Archivo Malo {surname}"}):
        answer = api.get("/api/v1/criminal-records", officer(stack), params=criterion)
        assert answer.status_code == 200, answer.text
        assert answer.json()["items"] == [], criterion

    # the corrected file (saved under another name), chosen in its place: its one row is imported
    corrected = tmp_path / "antecedentes-corregido.csv"
    corrected.write_text("\n".join([header, good_row]) + "\n", encoding="utf-8")
    choose_files(page, "El archivo CSV", str(corrected))
    tab_to(page, "Importar", exact=True)
    page.keyboard.press("Enter")
    page.get_by_test_id("import-done").get_by_text("Se importó 1 antecedente.").wait_for()
    assert page.get_by_test_id("rejected-rows").count() == 0
    answer = api.get("/api/v1/criminal-records", officer(stack), params={"id_number": good})
    assert [(r["name"], r["case_number"]) for r in answer.json()["items"]] == [("Archivo Bueno", "01010-2018-00011")]


def test_a_csv_file_edited_after_it_was_chosen_is_asked_for_again_and_then_imported(new_page, api, stack, tmp_path):
    """The officer fixes the refused row in the same file and presses Importar again: the browser can no longer
    read the file it was given (it changed on disk), so the page says so beside the field, sends nothing and
    empties the field; choosing the same file again (no change event would come for an unchanged input) imports
    the corrected content."""
    good, other = new_cui(), new_cui()
    wrong = other[:8] + str((int(other[8]) + 1) % 10) + other[9:]
    header = "name,id_number,case_number,court,offences,penalty,sentence_date,final_date"
    row = "Archivo Editado,{},01010-2019-00021,Juzgado Primero Penal,Robo,3 años,2019-01-10,2019-02-10"
    upload = tmp_path / "editado.csv"
    upload.write_text("\n".join([header, row.format(wrong)]) + "\n", encoding="utf-8")
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/registro/importar")
    page.get_by_role("heading", name="Importar antecedentes desde un CSV").wait_for()
    choose_files(page, "El archivo CSV", str(upload))
    tab_to(page, "Importar", exact=True)
    page.keyboard.press("Enter")
    page.get_by_test_id("rejected-rows").wait_for()

    upload.write_text("\n".join([header, row.format(good)]) + "\n", encoding="utf-8")  # fixed in the same file
    tab_to(page, "Importar", exact=True)
    page.keyboard.press("Enter")
    file_asked_again(page, "file", "El archivo CSV", "editado.csv")
    assert records_with(stack, good) == 0

    choose_files(page, "El archivo CSV", str(upload))
    tab_to(page, "Importar", exact=True)
    page.keyboard.press("Enter")
    page.get_by_test_id("import-done").get_by_text("Se importó 1 antecedente.").wait_for()
    assert records_with(stack, good) == 1


def test_a_refused_field_shows_the_api_message_beside_it_and_nothing_is_stored(new_page, api, stack):
    cui = new_cui()
    wrong = cui[:8] + str((int(cui[8]) + 1) % 10) + cui[9:]
    body = record_body(wrong, name="Persona Rechazada")
    page = new_page()
    sign_in(page, stack, token=officer(stack))
    page.goto("/registro/nuevo")
    for label, key in (("Nombre completo", "name"), ("CUI", "id_number"), ("Número del proceso penal", "case_number"),
                       ("Tribunal que dictó la sentencia", "court"), ("Pena impuesta", "penalty"),
                       ("Fecha de la sentencia", "sentence_date"), ("Fecha en que quedó firme", "final_date")):
        page.get_by_label(label, exact=True).fill(body[key])
    page.get_by_label("Delitos").fill("Robo agravado")
    page.get_by_role("button", name="Registrar el antecedente").click()
    error = page.locator("[data-field-error='id_number']")
    error.wait_for()
    expected = api.post_json("/api/v1/criminal-records", body, officer(stack)).json()["details"]["fields"]["id_number"]
    assert error.inner_text() == expected
    field = page.get_by_label("CUI", exact=True)
    assert field.get_attribute("aria-invalid") == "true" and field.input_value() == wrong
    assert error.get_attribute("id") in field.get_attribute("aria-describedby")
    assert records_with(stack, wrong) == 0
    check_page(page, "antecedente rechazado")
    # a search without any criterion names its field too
    page.goto("/registro")
    page.get_by_role("button", name="Buscar").click()
    page.locator("[data-field-error='id_number']").wait_for()
    assert focused(page) is not None
