"""The public verification page with the other two kinds of documents: a notice's evidence of delivery (the JSON
the mailbox gives the lawyer), intact and altered; a criminal-record certificate paid through the loopback bank,
valid and then revoked, verified with the keyboard by its code and by its PDF (the holder's name and only the last
four digits of the CUI shown); and a certificate code that no certificate has."""
import json

import pytest

from tests.support.browser import check_page, choose_files, file_asked_again, tab_to
from tests.support.certificates import issued_certificate, officer
from tests.support.mailbox import MailboxCase
from tests.support.pdfgen import make_pdf


def test_an_evidence_of_delivery_is_verified_and_an_altered_one_names_its_field(new_page, api, tmp_path):
    case = MailboxCase(api, count=1)
    resolution = case.resolve(summary="Se señala audiencia")
    sub = case.subs[0]
    notice = case.wait_notice(sub, resolution["resolution_id"])
    answer = api.get(f"/api/v1/mailbox/notifications/{notice['notification_id']}/evidence", case.tokens[sub])
    assert answer.status_code == 200, answer.text
    evidence = answer.json()
    intact = tmp_path / "acuse.json"
    intact.write_text(json.dumps(evidence))
    page = new_page()
    page.goto("/verificar?tipo=acuse")
    page.get_by_label("El archivo del acuse (JSON)").set_input_files(str(intact))
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.get_by_test_id("verdict").get_by_text("Acuse válido").wait_for()
    check_page(page, "acuse válido")
    altered = json.loads(json.dumps(evidence))
    altered["evidence"]["case_number"] = "01002-2026-99999"
    page.goto("/verificar?tipo=acuse")
    page.get_by_label("El contenido del acuse").fill(json.dumps(altered))
    page.get_by_role("button", name="Verificar", exact=True).click()
    verdict = page.get_by_test_id("verdict")
    verdict.get_by_text("Acuse no válido").wait_for()
    assert "case_number" in verdict.inner_text()
    page.get_by_label("El contenido del acuse").fill("{no es json")
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.locator("[data-field-error='evidence_text']").get_by_text("no es un JSON válido").wait_for()
    assert page.get_by_label("El contenido del acuse").input_value() == "{no es json"


def test_a_certificate_code_nobody_was_given_is_unknown(new_page):
    page = new_page()
    page.goto("/verificar?tipo=constancia")
    code = page.get_by_label("Código de verificación")
    code.fill("abcd-efgh")
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.locator("[data-field-error='code']").wait_for()
    code.fill("ZZZZ-ZZZZ-ZZZZ")
    page.get_by_role("button", name="Verificar", exact=True).click()
    page.get_by_test_id("verdict").get_by_text("No existe una constancia con ese código").wait_for()
    check_page(page, "constancia desconocida")


@pytest.mark.parametrize("change", ["rewritten", "moved"])
def test_a_pdf_changed_on_disk_after_it_was_chosen_is_asked_for_again_and_nothing_is_sent(new_page, tmp_path, change):
    """The browser holds a reference to a chosen file, not its content: a PDF saved over or moved away before
    Verificar is not what was chosen. The page says so beside the field and empties it, without sending anything
    (the page notes the file's size and time when it is chosen: the browser itself may look at a file it has not
    read yet only when it sends it, and would then send the new content, or fail as if the network had)."""
    path = tmp_path / "constancia.pdf"
    path.write_bytes(make_pdf(text="Constancia"))
    page = new_page()
    page.goto("/verificar?tipo=constancia")
    posts = []
    page.on("request", lambda request: posts.append(request.url) if request.method == "POST" else None)
    choose_files(page, "El documento en PDF", str(path))
    if change == "rewritten":
        path.write_bytes(make_pdf(text="Otra constancia, guardada encima"))
    else:
        path.rename(tmp_path / "movida.pdf")
    tab_to(page, "Verificar", exact=True)
    page.keyboard.press("Enter")
    file_asked_again(page, "document", "El documento en PDF", "constancia.pdf")
    assert page.get_by_test_id("verdict").count() == 0
    assert [url for url in posts if "/api/v1/" in url] == []


def masked(cui):
    return "*" * (len(cui) - 4) + cui[-4:]


def verify_code_with_the_keyboard(page, code):
    tab_to(page, "Código de verificación")
    page.keyboard.type(code)
    page.keyboard.press("Enter")  # submits the form
    return page.get_by_test_id("verdict")


def verify_pdf_with_the_keyboard(page, path):
    choose_files(page, "El documento en PDF", str(path))
    tab_to(page, "Verificar", exact=True)
    page.keyboard.press("Enter")
    return page.get_by_test_id("verdict")


def test_a_valid_certificate_is_verified_by_its_code_and_by_its_pdf_with_the_keyboard(new_page, api, stack, tmp_path):
    issued = issued_certificate(api, stack, name="Valeria Verificada Cux")
    code, cui = issued["certificate"]["verification_code"], issued["cui"]
    page = new_page()
    page.goto("/")
    tab_to(page, "Verificar")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="Verificar un documento").wait_for()
    # the kind of document: the radio group, moved with the arrow keys
    tab_to(page, "Una resolución u otro documento de un tribunal")
    page.keyboard.press("ArrowDown")
    page.wait_for_url("**tipo=constancia**")
    assert page.get_by_label("Una constancia de antecedentes penales").is_checked()
    verdict = verify_code_with_the_keyboard(page, code)
    verdict.get_by_text("Válida", exact=True).wait_for()
    text = verdict.inner_text()
    assert "Valeria Verificada Cux" in text and masked(cui) in text and cui not in text
    check_page(page, "constancia válida por su código")
    # the PDF the citizen downloaded
    page.goto("/verificar?tipo=constancia")
    pdf = tmp_path / "constancia.pdf"
    pdf.write_bytes(issued["pdf"])
    verdict = verify_pdf_with_the_keyboard(page, pdf)
    verdict.get_by_text("Válida", exact=True).wait_for()
    verdict.get_by_text("La firma electrónica está íntegra.").wait_for()
    verdict.get_by_text("El registro emitió exactamente este archivo.").wait_for()
    text = verdict.inner_text()
    assert "Valeria Verificada Cux" in text and masked(cui) in text and cui not in text
    check_page(page, "constancia válida por su PDF")


def test_a_revoked_certificate_is_shown_revoked_by_its_code_and_by_its_pdf(new_page, api, stack, tmp_path):
    issued = issued_certificate(api, stack, name="Ramiro Revocado Tzul")
    revoked = api.post_json(f"/api/v1/certificates/{issued['certificate']['certificate_id']}/revoke",
                            {"reason": "Emitida por error"}, officer(stack))
    assert revoked.status_code == 200, revoked.text
    page = new_page()
    page.goto("/verificar?tipo=constancia")
    verdict = verify_code_with_the_keyboard(page, issued["certificate"]["verification_code"].lower())
    verdict.get_by_text("Revocada", exact=True).wait_for()
    assert "Ramiro Revocado Tzul" in verdict.inner_text() and masked(issued["cui"]) in verdict.inner_text()
    assert "Válida" not in verdict.inner_text()
    check_page(page, "constancia revocada")
    # its PDF is still the one the registry signed, but the certificate no longer holds
    page.goto("/verificar?tipo=constancia")
    pdf = tmp_path / "revocada.pdf"
    pdf.write_bytes(issued["pdf"])
    verdict = verify_pdf_with_the_keyboard(page, pdf)
    verdict.get_by_text("Revocada", exact=True).wait_for()
    verdict.get_by_text("La firma electrónica está íntegra.").wait_for()
    assert "Válida" not in verdict.inner_text()
