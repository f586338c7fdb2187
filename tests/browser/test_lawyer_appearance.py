"""Appearing in a case (apersonamiento) in Chromium against the real stack: lawyer B, not on a case another lawyer
opened, finds it by its number, chooses the party and sends the writ of appearance with the keyboard; the
receipt shows it; while it waits the page says so; the clerk accepts it in the queue, where it reads
«Apersonamiento» with the party named; then lawyer B finds the case in «Mis expedientes» and files a writ in it.
One sent without a party shows the API's message beside it; a second appearance sent while the first waits
shows the API's 409 in Spanish; neither stores anything. A reserved case
shows nothing. The new page passes axe-core and fits 360x740."""
import hashlib
import uuid

from tests.support.browser import check_page, choose_files, sign_in, tab_to
from tests.support.pdfgen import make_pdf

PENAL = "01010"
PARTIES = [{"name": "Querellante Uno", "role": "querellante"},
           {"name": "Sindicado Dos", "role": "sindicado", "id_number": "2345678901234"}]


def lawyer_actor(tag):
    suffix = uuid.uuid4().hex[:8]
    return {"sub": f"lic-{tag}-{suffix}", "role": "lawyer", "name": f"Lic. {tag.title()} {suffix}",
            "bar_number": str(40000 + int(suffix[:4], 16) % 9999)}


def token_of(stack, actor):
    return stack.token(actor["sub"], "lawyer", name=actor["name"], bar_number=actor["bar_number"])


def penal_case(api, stack, clerk):
    """A penal case lawyer A opened, its complaint accepted."""
    owner = token_of(stack, lawyer_actor("titular"))
    opened = api.new_case(owner, PENAL, matter="penal", subject="Querella por estafa", parties=PARTIES,
                          represents="Querellante Uno")
    assert api.review(clerk, opened["receipt"]["filing_id"]).status_code == 200
    return opened["case_number"]


def press(page, name, key="Enter", **kwargs):
    tab_to(page, name, **kwargs)
    page.keyboard.press(key)


def find_case(page, case_number):
    tab_to(page, "Número de expediente")
    page.keyboard.type(case_number)
    press(page, "Buscar el expediente")


def test_a_lawyer_appears_for_a_party_the_clerk_accepts_and_the_lawyer_files_in_the_case(new_page, stack, api,
                                                                                          tmp_path):
    clerk = api.clerk(PENAL)
    case_number = penal_case(api, stack, clerk)
    newcomer = lawyer_actor("apersonado")
    page = new_page()
    sign_in(page, stack, actor=newcomer)

    press(page, "Mis expedientes")
    page.get_by_role("heading", name="Mis expedientes", exact=True).wait_for()
    press(page, "Apersonarse en un expediente")
    page.get_by_role("heading", name="Apersonarse en un expediente", exact=True).wait_for()
    check_page(page, "apersonarse (sin expediente)")

    # a number that does not exist: the API's message beside the field
    find_case(page, f"{PENAL}-2001-99999")
    error = page.locator("[data-field-error='case_number']")
    error.wait_for()
    assert "No existe un expediente con ese número." in error.inner_text()
    assert page.get_by_label("Número de expediente").get_attribute("aria-invalid") == "true"
    check_page(page, "apersonarse (no existe)")

    page.get_by_label("Número de expediente").fill("")
    find_case(page, case_number)
    shown = page.get_by_test_id("appearance-case")
    shown.get_by_role("heading", name=f"Expediente {case_number}").wait_for()
    assert "Juzgado Primero de Primera Instancia Penal" in shown.inner_text()
    assert "Sindicado Dos" in shown.inner_text()
    # what a lawyer off the case does not see
    assert "2345678901234" not in page.content() and "Querella por estafa" not in page.content()

    writ = make_pdf(pages=2, seed=8181)
    (tmp_path / "apersonamiento.pdf").write_bytes(writ)
    tab_to(page, "Parte que usted representa")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    assert page.get_by_label("Parte que usted representa").input_value() == "Sindicado Dos"
    tab_to(page, "Resumen del escrito")
    page.keyboard.type("Me apersono como abogado defensor del sindicado")
    choose_files(page, "El escrito de apersonamiento y sus anexos (PDF)", str(tmp_path / "apersonamiento.pdf"))
    page.get_by_test_id("chosen-files").get_by_text("apersonamiento.pdf", exact=True).wait_for()
    check_page(page, "apersonarse (formulario)")
    press(page, "Presentar el apersonamiento")

    receipt = page.get_by_test_id("receipt")
    receipt.wait_for()
    assert page.get_by_test_id("receipt-sha256").all_inner_texts() == [hashlib.sha256(writ).hexdigest()]
    assert page.get_by_test_id("receipt-case").inner_text() == case_number
    assert "Apersonamiento" in receipt.inner_text() and "Sindicado Dos" in receipt.inner_text()
    check_page(page, "constancia del apersonamiento")
    filing_id = page.url.rsplit("/", 1)[1].split("?")[0]
    stored = stack.db("filings").filings.find_one({"_id": filing_id})
    assert (stored["kind"], stored["represents"], stored["filed_by"]["sub"]) == (
        "apersonamiento", "Sindicado Dos", newcomer["sub"])

    # while it waits the page says so, and offers no second appearance
    press(page, f"Ver su apersonamiento en el expediente {case_number}")
    pending = page.get_by_test_id("appearance-pending")
    pending.wait_for()
    assert "espera la calificación" in pending.inner_text() and "Sindicado Dos" in pending.inner_text()
    assert page.get_by_role("button", name="Presentar el apersonamiento").count() == 0
    check_page(page, "apersonarse (pendiente)")

    # the clerk: «Apersonamiento», the party named; accepted with the keyboard
    court = new_page()
    sign_in(court, stack, token=clerk)
    press(court, "Escritos por calificar")
    card = court.locator(f"[data-filing='{filing_id}']")
    card.wait_for()
    assert "Apersonamiento" in card.get_by_role("heading").inner_text()
    assert card.get_by_test_id("filing-represents").inner_text() == "Se apersona por: Sindicado Dos"
    check_page(court, "cola con un apersonamiento")
    press(court, f"Aceptar Apersonamiento del expediente {case_number}", max_tabs=300)
    card.get_by_test_id("review-result").get_by_text("Aceptado").wait_for()

    # lawyer B: the case in «Mis expedientes», and a writ filed in it
    page.goto("/inicio")
    page.get_by_test_id("account-name").wait_for()
    press(page, "Mis expedientes")
    page.get_by_role("link", name=f"Expediente {case_number}").wait_for()
    press(page, f"Expediente {case_number}")
    page.get_by_role("heading", name=f"Expediente {case_number}", exact=True).wait_for()
    press(page, "Presentar un escrito")
    page.get_by_role("heading", name="Presentar un escrito", exact=True).wait_for()
    memorial = make_pdf(seed=8282)
    (tmp_path / "memorial.pdf").write_bytes(memorial)
    tab_to(page, "Resumen del escrito")
    page.keyboard.type("Solicito copia de lo actuado")
    choose_files(page, "El escrito y sus anexos (PDF)", str(tmp_path / "memorial.pdf"))
    page.get_by_test_id("chosen-files").get_by_text("memorial.pdf", exact=True).wait_for()
    press(page, "Presentar el escrito")
    page.get_by_test_id("receipt").wait_for()
    assert page.get_by_test_id("receipt-sha256").inner_text() == hashlib.sha256(memorial).hexdigest()
    assert stack.db("filings").filings.count_documents(
        {"case_number": case_number, "kind": "escrito", "filed_by.sub": newcomer["sub"]}) == 1
    # and the appearance page now says the lawyer acts in it
    page.goto(f"/mis-expedientes/apersonarse?expediente={case_number}")
    page.get_by_test_id("appearance-on-case").get_by_text("Sindicado Dos", exact=False).wait_for()


def test_an_appearance_sent_while_another_waits_shows_the_409_in_spanish_and_stores_nothing(new_page, stack, api,
                                                                                            tmp_path):
    clerk = api.clerk(PENAL)
    case_number = penal_case(api, stack, clerk)
    newcomer = lawyer_actor("doble")
    page = new_page()
    sign_in(page, stack, actor=newcomer)
    page.goto(f"/mis-expedientes/apersonarse?expediente={case_number}")
    (tmp_path / "a.pdf").write_bytes(make_pdf(seed=8383))
    page.get_by_label("El escrito de apersonamiento y sus anexos (PDF)").set_input_files(str(tmp_path / "a.pdf"))
    page.get_by_label("Resumen del escrito").fill("Me apersono")
    # no party chosen: the API's message beside the party, what was typed kept, nothing stored
    page.get_by_role("button", name="Presentar el apersonamiento").click()
    missing = page.locator("[data-field-error='represents']")
    missing.wait_for()
    assert missing.inner_text() == "Un apersonamiento debe indicar la parte que representa."
    assert page.get_by_label("Parte que usted representa").get_attribute("aria-invalid") == "true"
    assert page.get_by_label("Resumen del escrito").input_value() == "Me apersono"
    assert stack.db("filings").filings.count_documents({"filed_by.sub": newcomer["sub"]}) == 0
    check_page(page, "apersonarse (sin parte)")
    page.get_by_label("Parte que usted representa").select_option("Querellante Uno")
    # meanwhile the same lawyer appeared from another device
    first = api.file(token_of(stack, newcomer), case_number, kind="apersonamiento", summary="Me apersono",
                     represents="Querellante Uno")
    assert first.status_code == 201, first.text
    before = stack.db("filings").filings.count_documents({"filed_by.sub": newcomer["sub"]})
    files_before = stack.db("filings")["documents.files"].count_documents({})
    page.get_by_role("button", name="Presentar el apersonamiento").click()
    conflict = page.get_by_test_id("appearance-conflict")
    conflict.wait_for()
    assert conflict.inner_text() == "Ya tiene un apersonamiento pendiente de calificación en este expediente."
    page.get_by_test_id("appearance-pending").wait_for()
    check_page(page, "apersonarse (409)")
    assert stack.db("filings").filings.count_documents({"filed_by.sub": newcomer["sub"]}) == before == 1
    assert stack.db("filings")["documents.files"].count_documents({}) == files_before


def test_a_reserved_case_shows_nothing(new_page, stack, api):
    owner = token_of(stack, lawyer_actor("familia"))
    case_number = api.new_case(owner, "01001", matter="familia", subject="Guarda y custodia")["case_number"]
    page = new_page()
    sign_in(page, stack, actor=lawyer_actor("curioso"))
    page.goto(f"/mis-expedientes/apersonarse?expediente={case_number}")
    error = page.locator("[data-field-error='case_number']")
    error.wait_for()
    assert "No existe un expediente con ese número." in error.inner_text()
    assert page.get_by_test_id("appearance-case").count() == 0
    assert "Actor Uno" not in page.content()
