"""The lawyer's pages in Chromium against the real stack: a lawyer opens a case and files a writ with PDFs (chosen
with the keyboard, or dragged in), sees the printable receipt whose SHA-256 are those of the files sent; after the
clerk accepts and the judge resolves (through the API), the unread badge, the notice opened, its PDF and its
signed evidence downloaded and checked; the case file's docket and hearings, as the API has them; a refusal of the
API beside its field with nothing stored. Every page passes axe-core and fits 360x740."""
import hashlib
import json
import re
import uuid

from playwright.sync_api import expect

from tests.support.browser import DESKTOP, PHONE, check_page, choose_files, sign_in, tab_to
from tests.support.hearings import future, hearing_body, room, schedule
from tests.support.mailbox import wait_for
from tests.support.pdfgen import make_pdf

# how the portal writes an instant: the court's day and time, in Spanish (ui.jsx's formatDateTime)
LOCAL_DATE_TIME = """(iso) => new Intl.DateTimeFormat("es-GT", {timeZone: "America/Guatemala", dateStyle: "medium",
  timeStyle: "short"}).format(new Date(iso))"""


def lawyer_actor():
    tag = uuid.uuid4().hex[:8]
    return {"sub": f"lic-portal-{tag}", "role": "lawyer", "name": f"Lic. Portal {tag}",
            "bar_number": str(20000 + int(tag[:4], 16) % 9999)}


def cases_of(stack, sub):
    return stack.db("filings").cases.count_documents({"attorneys.sub": sub})


def test_a_lawyer_opens_a_case_and_files_a_writ_with_the_keyboard(new_page, stack, api, tmp_path):
    actor = lawyer_actor()
    page = new_page()
    sign_in(page, stack, actor=actor)
    demand = make_pdf(pages=2, seed=4242)
    (tmp_path / "demanda.pdf").write_bytes(demand)
    tab_to(page, "Mis expedientes")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Mis expedientes", exact=True).wait_for()
    check_page(page, "mis expedientes (vacío)")
    tab_to(page, "Iniciar un expediente")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Iniciar un expediente", exact=True).wait_for()
    page.get_by_label("Tribunal").locator("option").nth(1).wait_for(state="attached")
    tab_to(page, "Tribunal")
    page.keyboard.press("ArrowDown")
    tab_to(page, "Asunto")
    page.keyboard.type("Juicio ordinario de cobro de pesos")
    tab_to(page, "Nombre de la parte 1")
    page.keyboard.type("Comercial Uno, S.A.")
    tab_to(page, "Nombre de la parte 2")
    page.keyboard.type("Juan Demandado")
    tab_to(page, "Parte que usted representa")
    page.keyboard.press("ArrowDown")
    choose_files(page, "Demanda y anexos (PDF)", str(tmp_path / "demanda.pdf"))
    page.get_by_test_id("chosen-files").get_by_text("demanda.pdf", exact=True).wait_for()
    check_page(page, "iniciar un expediente")
    tab_to(page, "Presentar la demanda")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Constancia de recepción", exact=True).wait_for()
    receipt = page.get_by_test_id("receipt")
    receipt.wait_for()
    assert page.get_by_test_id("receipt-sha256").all_inner_texts() == [hashlib.sha256(demand).hexdigest()]
    case_number = page.get_by_test_id("receipt-case").inner_text()
    check_page(page, "constancia")
    # printable: on paper only the receipt (no navigation, no buttons)
    page.emulate_media(media="print")
    assert not page.locator(".site-header").is_visible()
    assert not page.get_by_role("button", name="Imprimir la constancia").is_visible()
    assert receipt.is_visible()
    page.emulate_media(media="screen")

    # a writ in that case, two PDFs, with the keyboard
    writ, annex = make_pdf(seed=5151), make_pdf(pages=3, seed=5252)
    (tmp_path / "memorial.pdf").write_bytes(writ)
    (tmp_path / "anexo.pdf").write_bytes(annex)
    tab_to(page, f"Ver el expediente {case_number}")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Expediente {case_number}", exact=True).wait_for()
    check_page(page, "expediente")
    tab_to(page, "Presentar un escrito")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Presentar un escrito", exact=True).wait_for()
    tab_to(page, "Resumen del escrito")
    page.keyboard.type("Evacúo la audiencia conferida")
    choose_files(page, "El escrito y sus anexos (PDF)", [str(tmp_path / "memorial.pdf"), str(tmp_path / "anexo.pdf")])
    page.get_by_test_id("chosen-files").get_by_text("anexo.pdf", exact=True).wait_for()
    check_page(page, "presentar un escrito")
    tab_to(page, "Presentar el escrito")
    page.keyboard.press("Enter")
    page.get_by_test_id("receipt").wait_for()
    assert page.get_by_test_id("receipt-sha256").all_inner_texts() == [
        hashlib.sha256(writ).hexdigest(), hashlib.sha256(annex).hexdigest()]
    filing_id = page.url.rsplit("/", 1)[1].split("?")[0]
    stored = stack.db("filings").filings.find_one({"_id": filing_id})
    assert stored is not None and stored["case_number"] == case_number
    page.goto("/mis-expedientes")
    page.get_by_role("link", name=f"Expediente {case_number}").wait_for()
    check_page(page, "mis expedientes")


def test_a_writ_dragged_in_goes_up_with_a_progress_bar(new_page, stack, api):
    actor = lawyer_actor()
    token = stack.token(actor["sub"], "lawyer", name=actor["name"], bar_number=actor["bar_number"])
    case_number = api.new_case(token)["case_number"]
    page = new_page()
    sign_in(page, stack, actor=actor)
    page.add_init_script("""
      window.__progress = [];
      new MutationObserver(() => { const p = document.querySelector('progress');
        if (p) window.__progress.push(Number(p.value)); }).observe(document, {subtree: true, childList: true, attributes: true});
    """)
    page.goto(f"/mis-expedientes/{case_number}/escrito")
    page.get_by_label("Resumen del escrito").fill("Acompaño documentos")
    pdf = make_pdf(pages=4, seed=777, size=400_000)
    handle = page.evaluate_handle("""(bytes) => { const t = new DataTransfer();
        t.items.add(new File([new Uint8Array(bytes)], 'arrastrado.pdf', {type: 'application/pdf'})); return t; }""",
                                  list(pdf))
    page.get_by_test_id("drop-zone").dispatch_event("drop", {"dataTransfer": handle})
    page.get_by_test_id("chosen-files").get_by_text("arrastrado.pdf", exact=True).wait_for()
    page.get_by_role("button", name="Presentar el escrito").click()
    page.get_by_test_id("receipt").wait_for()
    assert page.get_by_test_id("receipt-sha256").inner_text() == hashlib.sha256(pdf).hexdigest()
    assert page.evaluate("window.__progress.length") > 0


def test_a_refused_input_shows_the_apis_message_beside_its_field_and_stores_nothing(new_page, stack, tmp_path):
    actor = lawyer_actor()
    page = new_page()
    sign_in(page, stack, actor=actor)
    page.goto("/mis-expedientes/nuevo")
    page.get_by_label("Tribunal").locator("option").nth(1).wait_for(state="attached")
    page.get_by_label("Tribunal").select_option(index=1)
    page.get_by_label("Asunto").fill("Cobro")
    page.get_by_label("Nombre de la parte 1").fill("Actora Tres")
    # party 2 left without a name: the API names parties.1.name
    (tmp_path / "demanda.pdf").write_bytes(make_pdf(seed=31))
    page.get_by_label("Demanda y anexos (PDF)").set_input_files(str(tmp_path / "demanda.pdf"))
    page.get_by_label("Parte que usted representa").select_option("Actora Tres")
    page.get_by_role("button", name="Presentar la demanda").click()
    error = page.locator("[data-field-error='parties.1.name']")
    error.wait_for()
    field = page.get_by_label("Nombre de la parte 2")
    assert field.get_attribute("aria-invalid") == "true"
    assert error.get_attribute("id") in field.get_attribute("aria-describedby")
    assert page.get_by_label("Asunto").input_value() == "Cobro"
    check_page(page, "demanda con error")
    # a file named .pdf that is not a PDF: the API's Spanish message beside the documents
    page.get_by_label("Nombre de la parte 2").fill("Demandado Tres")
    page.get_by_role("button", name="Quitar demanda.pdf").click()
    (tmp_path / "falso.pdf").write_bytes(b"esto no es un PDF")
    page.get_by_label("Demanda y anexos (PDF)").set_input_files(str(tmp_path / "falso.pdf"))
    page.get_by_role("button", name="Presentar la demanda").click()
    documents_error = page.locator("[data-field-error='documents']")
    documents_error.wait_for()
    assert "PDF" in documents_error.inner_text()
    assert page.get_by_label("Nombre de la parte 2").input_value() == "Demandado Tres"
    assert cases_of(stack, actor["sub"]) == 0
    assert stack.db("filings").filings.count_documents({"filed_by.sub": actor["sub"]}) == 0


def test_the_lawyer_opens_a_notice_downloads_it_and_gets_its_evidence(new_page, stack, api, tmp_path):
    actor = lawyer_actor()
    token = stack.token(actor["sub"], "lawyer", name=actor["name"], bar_number=actor["bar_number"])
    clerk, judge = api.clerk("01001"), api.judge("01001")
    case_number = api.accepted_case(token, clerk)["case_number"]
    pdf = make_pdf(seed=9191)
    resolved = api.resolve(judge, case_number, kind="auto", summary="Se admite la demanda para su trámite",
                           term_days=3, document=("auto.pdf", pdf))
    assert resolved.status_code == 201, resolved.text

    def notice():
        items = api.get("/api/v1/mailbox/notifications", token).json()["items"]
        return items[0] if items else None

    item = wait_for(notice, 30)
    assert item, "the notice never reached the mailbox"
    page = new_page()
    sign_in(page, stack, actor=actor)
    badge = page.get_by_test_id("unread-badge")
    badge.wait_for()
    assert badge.inner_text().split() == [":", "1", "sin", "abrir"]  # «Casillero: 1 sin abrir» for screen readers
    page.get_by_role("link", name=re.compile(r"^Casillero\W+1 sin abrir$")).wait_for()
    # on a phone the navigation is folded into «Menú»: the count is on the button too
    page.set_viewport_size(PHONE)
    assert page.get_by_test_id("unread-badge-menu").is_visible()
    page.get_by_role("button", name=re.compile(r"^Menú\W+1 sin abrir$")).wait_for()
    page.set_viewport_size(DESKTOP)
    tab_to(page, "Casillero")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Casillero electrónico", exact=True).wait_for()
    link = f"Auto, folio {item['folio']} · expediente {case_number}"
    page.get_by_role("link", name=link).wait_for()
    check_page(page, "casillero")
    tab_to(page, link)
    page.keyboard.press("Enter")
    page.get_by_test_id("notice-summary").get_by_text("Se admite la demanda para su trámite").wait_for()
    page.get_by_test_id("unread-badge").wait_for(state="detached")
    check_page(page, "notificación")
    tab_to(page, "Descargar la resolución (PDF)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    path = tmp_path / "descargada.pdf"
    download.value.save_as(path)
    assert path.read_bytes() == pdf
    tab_to(page, "Obtener el acuse de recibo")
    page.keyboard.press("Enter")
    page.get_by_test_id("evidence").wait_for()
    assert page.get_by_test_id("evidence-accessed").inner_text() != "Sin acceso"
    check_page(page, "notificación con acuse")
    tab_to(page, "Descargar el acuse (JSON)")
    with page.expect_download() as download:
        page.keyboard.press("Enter")
    evidence_path = tmp_path / "acuse.json"
    download.value.save_as(evidence_path)
    evidence = json.loads(evidence_path.read_text())
    assert evidence["evidence"]["notification_id"] == item["notification_id"]
    assert evidence["evidence"]["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert evidence["evidence"]["accessed_at"]
    verdict = api.post_json("/api/v1/public/evidence/verify", evidence)
    assert verdict.status_code == 200 and verdict.json()["valid"], verdict.text
    # the deadline, on the calendar
    page.goto("/mis-plazos")
    due = api.get(f"/api/v1/mailbox/notifications/{item['notification_id']}", token).json()["due_date"]
    page.goto(f"/mis-plazos?fecha={due}")
    page.get_by_test_id("day-deadlines").get_by_role("link", name=f"expediente {case_number}").wait_for()
    check_page(page, "mis plazos")


def test_the_case_file_shows_the_docket_and_the_hearings_the_api_has(new_page, stack, api):
    actor = lawyer_actor()
    token = stack.token(actor["sub"], "lawyer", name=actor["name"], bar_number=actor["bar_number"])
    clerk, judge = api.clerk("01001"), api.judge("01001")
    case_number = api.accepted_case(token, clerk)["case_number"]
    writ = api.file(token, case_number, summary="Ofrezco los medios de prueba")
    assert writ.status_code == 201, writ.text
    assert api.review(clerk, writ.json()["filing_id"]).status_code == 200
    resolved = api.resolve(judge, case_number, summary="Se tienen por ofrecidos los medios de prueba", term_days=5)
    assert resolved.status_code == 201, resolved.text
    sala = room()
    hearing = schedule(api, judge, case_number, hearing_body(future(days=14, hour=16), sala, 45, kind="conciliacion"))
    assert hearing.status_code == 201, hearing.text
    case = api.get(f"/api/v1/cases/{case_number}", token).json()
    assert [(e["folio"], e["type"]) for e in case["entries"]] == [(1, "filing"), (2, "filing"), (3, "resolution")]
    [scheduled] = case["hearings"]

    page = new_page()
    sign_in(page, stack, actor=actor)
    tab_to(page, "Mis expedientes")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Mis expedientes", exact=True).wait_for()
    tab_to(page, f"Expediente {case_number}")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=f"Expediente {case_number}", exact=True).wait_for()
    # the docket: each entry with its folio, its kind, its date and its summary
    entries = page.get_by_test_id("docket").locator(":scope > li")
    expect(entries).to_have_count(3)  # the title shows before the case file has loaded
    for entry, kind, shown in zip(case["entries"], ("Demanda", "Escrito", "Decreto"), entries.all()):
        when = page.evaluate(LOCAL_DATE_TIME, entry["at"])
        assert shown.get_by_role("heading").inner_text() == f"Folio {entry['folio']} · {kind} · {when}"
        shown.get_by_text(entry["summary"], exact=True).wait_for()
    assert "plazo de 5 días hábiles" in entries.nth(2).inner_text()
    # the hearing, in the court's time: its day, hour, kind, room, mode, length and status
    hearings = page.get_by_test_id("case-hearings").locator(":scope > li")
    expect(hearings).to_have_count(1)
    [listed] = hearings.all()
    starts = page.evaluate(LOCAL_DATE_TIME, scheduled["starts_at"])
    day = future(days=14).date()
    assert "10:00" in starts and str(day.day) in starts and str(day.year) in starts  # 16:00 UTC is 10:00 there
    assert listed.get_by_role("heading").inner_text() == f"{starts} · Conciliación"
    listed.get_by_text(f"{sala} · Presencial · 45 minutos", exact=True).wait_for()
    listed.get_by_text("Programada", exact=True).wait_for()
    check_page(page, "expediente con actuaciones y audiencia")


def test_a_service_that_does_not_answer_keeps_the_writ_typed_and_chosen(new_page, stack, api, tmp_path):
    actor = lawyer_actor()
    token = stack.token(actor["sub"], "lawyer", name=actor["name"], bar_number=actor["bar_number"])
    case_number = api.new_case(token)["case_number"]
    page = new_page()
    sign_in(page, stack, actor=actor)
    page.goto(f"/mis-expedientes/{case_number}/escrito")
    page.get_by_label("Resumen del escrito").fill("Escrito que espera al servicio")
    pdf = make_pdf(seed=6061)
    (tmp_path / "espera.pdf").write_bytes(pdf)
    page.get_by_label("El escrito y sus anexos (PDF)").set_input_files(str(tmp_path / "espera.pdf"))
    stack.stack.processes["filings"].stop()
    try:
        page.get_by_role("button", name="Presentar el escrito").click()
        page.get_by_test_id("form-error").get_by_text("El servicio no está disponible, intente de nuevo.").wait_for(
            timeout=20_000)
        assert page.get_by_label("Resumen del escrito").input_value() == "Escrito que espera al servicio"
        page.get_by_test_id("chosen-files").get_by_text("espera.pdf", exact=True).wait_for()
    finally:
        stack.stack.processes["filings"].start()
        stack.stack.wait("filings")
    page.get_by_role("button", name="Presentar el escrito").click()
    page.get_by_test_id("receipt").wait_for(timeout=20_000)
    assert page.get_by_test_id("receipt-sha256").inner_text() == hashlib.sha256(pdf).hexdigest()
