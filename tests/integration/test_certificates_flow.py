"""Criminal-record certificates end to end over HTTP, against the real stack: the registry, a request, the
bank's signed notice, the signed PDF (pdfsig), the e-mail, the download code and public verification."""
import time

import pytest

from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, new_cui, officer, pdfsig, pdftext, record_body, wait_issued
from tests.support.pdfgen import make_pdf
from tests.support.smtp import recording_server

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def smtp(stack):
    # the one recording server of this process on the stack's port: other modules (the mailbox's alerts) use it
    # after this one, so it is not stopped here
    return recording_server(stack.smtp_port)


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


def request_and_pay(api, bank, token, body=None):
    response = api.post_json("/api/v1/certificates/requests", body or {}, token)
    assert response.status_code == 201, response.text
    request = response.json()
    paid = bank.pay(request["payment"]["reference"])
    assert paid.status_code == 200, paid.text
    return wait_issued(api, token, request["request_id"])


def certificate_of(api, token, certificate_id):
    items = api.get("/api/v1/certificates", token).json()["items"]
    return next(c for c in items if c["certificate_id"] == certificate_id)


def test_request_pay_issue_verify_and_cancel(api, stack, bank, smtp):
    unap = officer(stack)
    convicted, cui = citizen(stack, name="Pedro Condenado")
    added = api.post_json("/api/v1/criminal-records", record_body(cui, name="Pedro Condenado"), unap)
    assert added.status_code == 201, added.text
    record = added.json()
    assert record["status"] == "vigente" and record["source"] == "manual"

    # the request: a payment reference with its check digit, Q30.00, 72 hours
    first = api.post_json("/api/v1/certificates/requests", {}, convicted)
    assert first.status_code == 201, first.text
    request = first.json()
    assert request["status"] == "awaiting_payment" and request["payment"]["amount"] == "30.00"
    assert request["payment"]["currency"] == "GTQ" and len(request["payment"]["reference"]) == 12
    again = api.post_json("/api/v1/certificates/requests", {}, convicted)
    assert again.json()["request_id"] == request["request_id"]  # asking again returns the open one

    started = time.monotonic()
    assert bank.pay(request["payment"]["reference"]).status_code == 200
    issued = wait_issued(api, convicted, request["request_id"])
    assert time.monotonic() - started < 10
    assert issued["certificate_id"] and issued["download_code"]  # no e-mail: a download code
    certificate = certificate_of(api, convicted, issued["certificate_id"])
    assert certificate["result"] == "con_antecedentes" and certificate["status"] == "issued"
    assert [r["record_id"] for r in certificate["records"]] == [record["record_id"]]

    document = api.get(f"/api/v1/certificates/{certificate['certificate_id']}/document", convicted)
    assert document.status_code == 200 and document.headers["Content-Type"] == "application/pdf"
    report = pdfsig(document.content)
    assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report, report
    text = pdftext(document.content)
    assert "TIENE ANTECEDENTES PENALES" in text and "NO TIENE" not in text and cui in text
    assert certificate["verification_code"] in text and certificate["serial"] in text

    public = api.get(f"/api/v1/public/certificates/{certificate['verification_code']}").json()
    assert public["status"] == "valid" and public["id_number"] == "*********" + cui[-4:]
    assert public["result"] == "con_antecedentes" and public["name"] == "Pedro Condenado"
    downloaded = api.get("/api/v1/public/certificates/download", params={"code": issued["download_code"]})
    assert downloaded.status_code == 200 and downloaded.content == document.content

    # another citizen, with e-mail: "no tiene", sent by e-mail with the PDF
    clean, _ = citizen(stack, name="Ana Limpia")
    mail = "ana.limpia@correo.example.gt"
    other = request_and_pay(api, bank, clean, {"email": mail})
    assert other["download_code"] is None
    other_certificate = certificate_of(api, clean, other["certificate_id"])
    assert other_certificate["result"] == "sin_antecedentes" and other_certificate["records"] == []
    received = smtp.wait_for(mail)[0].message
    attachment = next(part for part in received.iter_attachments())
    assert attachment.get_content_type() == "application/pdf"
    assert "NO TIENE ANTECEDENTES PENALES" in pdftext(attachment.get_content())

    # UNAP cancels the record: a new certificate says "no tiene", the old one keeps its content
    cancelled = api.post_multipart(f"/api/v1/criminal-records/{record['record_id']}/cancel",
                                   {"reason": "rehabilitacion", "note": "Resolución del Juzgado de Ejecución"},
                                   [("resolucion.pdf", make_pdf())], unap, document_field="document")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelado"
    assert cancelled.json()["cancellation"]["reason"] == "rehabilitacion"
    for criteria in ({"id_number": cui}, {"name": "Pedro Condenado"}):  # a search shows it cancelled
        found = api.get("/api/v1/criminal-records", unap, params=criteria)
        assert found.status_code == 200, found.text
        assert [r["status"] for r in found.json()["items"] if r["record_id"] == record["record_id"]] == ["cancelado"]
    later = request_and_pay(api, bank, convicted)
    assert later["request_id"] != request["request_id"]
    assert certificate_of(api, convicted, later["certificate_id"])["result"] == "sin_antecedentes"
    old = api.get(f"/api/v1/public/certificates/{certificate['verification_code']}").json()
    assert old["status"] == "valid" and old["result"] == "con_antecedentes"
    verdict = api.post_multipart("/api/v1/public/certificates/verify", {}, [("constancia.pdf", document.content)],
                                 document_field="document")
    assert verdict.status_code == 200, verdict.text
    assert verdict.json()["signature"] == "valid" and verdict.json()["registry"] == "issued"
    assert verdict.json()["certificate"]["result"] == "con_antecedentes"

    # every issuance, download and verification is in the audit log
    actions = {entry["action"] for entry in stack.db("certificates").audit.find()}
    assert {"issue_certificate", "download_certificate", "download_by_code", "verify_code",
            "verify_pdf"} <= actions


def test_registry_search_and_import(api, stack):
    unap = officer(stack)
    cui_a, cui_b = new_cui(), new_cui("09", "04")
    csv = ("name,id_number,case_number,court,offences,penalty,sentence_date,final_date\n"
           f"María Histórica,{cui_a},C-1999-001,Juzgado de Sentencia Penal,Estafa;Falsedad,2 años,1999-01-10,1999-03-01\n"
           f"José Antiguo,{cui_b},C-2001-014,Tribunal de Sentencia,Robo,4 años,2001-05-05,2001-07-01\n")
    imported = api.post_json("/api/v1/criminal-records/import", {"csv": csv}, unap)
    assert imported.status_code == 201, imported.text
    assert imported.json() == {"imported": 2, "rejected": []}
    found = api.get("/api/v1/criminal-records", unap, params={"id_number": cui_a}).json()["items"]
    assert [r["offences"] for r in found] == [["Estafa", "Falsedad"]]
    by_name = api.get("/api/v1/criminal-records", unap, params={"name": "jose antig"}).json()["items"]
    assert any(r["id_number"] == cui_b for r in by_name)
    # the same file again: every row is already recorded, nothing is stored
    count = stack.db("certificates").records.count_documents({})
    again = api.post_json("/api/v1/criminal-records/import", {"csv": csv}, unap)
    assert again.status_code == 422 and again.json()["error"] == "import_rejected"
    assert [int(r["row"]) for r in again.json()["details"]["rejected"]] == [2, 3]
    assert stack.db("certificates").records.count_documents({}) == count
