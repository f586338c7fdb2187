"""The public verification page with the other two kinds of documents: a notice's evidence of delivery (the JSON
the mailbox gives the lawyer), intact and altered, and a certificate code that no certificate has."""
import json

from tests.support.browser import check_page
from tests.support.mailbox import MailboxCase


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
