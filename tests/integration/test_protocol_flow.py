"""The notarial protocol archive end to end over HTTP, against the real stack: staff register a notary; the
notary deposits three instruments (one late, one a will); a lawyer searches by grantor name and finds two, the
will only as existing; the lawyer's copia simple is paid by the bank (the same notice as certificates) and the
signed copy downloads, passes pdfsig and verifies publicly; a testimonio waits for the Archive's approval; the
annual index shows what is missing."""
import datetime
import time

import pytest

from tests.support.bank import BankSimulator
from tests.support.certificates import pdfsig, pdftext
from tests.support.pdfgen import make_pdf
from tests.support.protocol import deposit, metadata, new_notary, officer, today, wait_copy

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


def test_deposit_search_copy_verify_and_index(api, stack, bank):
    agp = officer(stack)
    bar_number, notary = new_notary(api, stack, name="Lucía Fernández Ortiz")
    db = stack.db("certificates")

    # three deposits: one late (authorised 60 days ago), a deed and a will (numbers 1, 2, 4: 3 is missing)
    now = today()
    late_day = now - datetime.timedelta(days=60)
    grantor = {"name": "María José Pérez López", "id_number": "2456789120101", "role": "vendedora"}
    late = deposit(api, notary, metadata(1, late_day, "mandato", [
        {"name": "Roberto Gómez", "id_number": "3000000000101", "role": "mandante"}], summary="Mandato general"))
    assert late.status_code == 201, late.text
    late = late.json()
    assert late["extemporaneo"] is True and late["business_days_late"] > 0
    assert late["deadline"] < now.isoformat() and late["review"] == "pendiente" and late["version"] == 1

    deed = deposit(api, notary, metadata(2, now, "compraventa", [
        grantor, {"name": "Carlos Ruiz", "id_number": "1111111110101", "role": "comprador"}],
        summary="Compraventa de la finca 123", pages=3), pdf=make_pdf(pages=3, text="Testimonio especial 2"))
    assert deed.status_code == 201, deed.text
    deed = deed.json()
    assert deed["extemporaneo"] is False and deed["business_days_late"] == 0 and deed["document"]["pages"] == 3
    will = deposit(api, notary, metadata(4, now, "testamento", [{**grantor, "role": "testadora"}],
                                         summary="Testamento abierto: lega la finca 123"))
    assert will.status_code == 201, will.text
    will = will.json()
    assert "id_number" not in will["grantors"][0]  # never shown, not even to the notary
    # one event per deposit, never with grantors or summary
    events = list(db.outbox.find({"event_type": "instrument_deposited", "data.bar_number": bar_number}))
    assert sorted(e["data"]["number"] for e in events) == [1, 2, 4]
    assert all("grantors" not in e["data"] and "summary" not in e["data"] for e in events)

    # a lawyer searches by grantor: word order, accents, case and partial words do not matter
    lawyer = stack.token("abogado-protocolo", "lawyer", name="Abogado Consultante", bar_number="7777")
    for q in ("perez maria", "MARÍA JOSÉ", "lop mar", "Pérez-López"):
        found = api.get("/api/v1/protocol/instruments", lawyer, params={"grantor": q, "bar_number": bar_number})
        assert found.status_code == 200, found.text
        items = found.json()["items"]
        assert sorted(i["number"] for i in items) == [2, 4], q
    by_number = {i["number"]: i for i in items}
    assert by_number[2]["grantors"][0] == {"name": "María José Pérez López", "role": "vendedora"}
    assert by_number[2]["summary"] == "Compraventa de la finca 123" and by_number[2]["secret"] is False
    assert by_number[4] == {**by_number[4], "secret": True, "grantors": [], "summary": None,
                            "act_type": "testamento"}  # the will: only that it exists
    assert "2456789120101" not in found.text and "id_number" not in found.text
    assert api.get("/api/v1/protocol/instruments", lawyer, params={"grantor": "ose"}).json()["items"] == []
    # the words of one grantor's name: two grantors' words together are nobody's name; words too short to be keyed
    # are still looked for
    for q, numbers in (("maria carlos", []), ("ruiz car", [2]), ("m p j", [2, 4]), ("r", [1, 2])):
        found = api.get("/api/v1/protocol/instruments", lawyer, params={"grantor": q, "bar_number": bar_number})
        assert sorted(i["number"] for i in found.json()["items"]) == numbers, q
    # by notary name and year, paged with the cursor
    first = api.get("/api/v1/protocol/instruments", lawyer,
                    params={"notary": "fernandez lucia", "year": now.year, "limit": 1}).json()
    assert len(first["items"]) == 1 and first["next_cursor"]
    second = api.get("/api/v1/protocol/instruments", lawyer, params={"notary": "fernandez lucia", "year": now.year,
                                                                      "limit": 1, "cursor": first["next_cursor"]})
    assert second.json()["items"][0]["instrument_id"] != first["items"][0]["instrument_id"]
    # the notary's name and bar number together: both must hold; a name no registered notary has finds nothing
    for params, found_any in (({"notary": "fernandez lucia", "bar_number": bar_number}, True),
                              ({"notary": "fernandez lucia", "bar_number": "1"}, False),
                              ({"notary": "nadie registrado"}, False)):
        answer = api.get("/api/v1/protocol/instruments", lawyer, params=params)
        assert answer.status_code == 200 and bool(answer.json()["items"]) is found_any, (params, answer.text)
    # every search is in the audit log, with who made it
    assert db.audit.count_documents({"action": "search_instruments", "actor.sub": "abogado-protocolo"}) >= 7

    # the copia simple: a payment order paid by the bank's one notification route, then issued and signed
    asked = api.post_json(f"/api/v1/protocol/instruments/{deed['instrument_id']}/copies",
                          {"kind": "copia_simple", "purpose": "Juicio sumario de desahucio"}, lawyer)
    assert asked.status_code == 201, asked.text
    copy = asked.json()
    assert copy["status"] == "awaiting_payment" and copy["payment"]["amount"] == "3.00"  # Q1.00 x 3 pages
    assert copy["payment"]["currency"] == "GTQ" and copy["verification_code"] is None
    paid = bank.pay(copy["payment"]["reference"], amount="3.00")
    assert paid.status_code == 200, paid.text
    assert paid.json()["pays_for"] == {"kind": "protocol_copy", "id": copy["copy_id"]}
    issued = wait_copy(api, lawyer, copy["copy_id"])
    assert issued["serial"].startswith("AGP-") and issued["verification_code"]
    document = api.get(f"/api/v1/protocol/copies/{copy['copy_id']}/document", lawyer)
    assert document.status_code == 200 and document.headers["Content-Type"] == "application/pdf"
    report = pdfsig(document.content)
    assert "Signature is Valid." in report and "ETSI.CAdES.detached" in report, report
    text = pdftext(document.content)
    assert "Testimonio especial 2" in text and issued["serial"] in text and issued["verification_code"] in text
    assert "Lucía Fernández Ortiz" in text and "número 2 del protocolo" in text
    assert [c["copy_id"] for c in api.get("/api/v1/protocol/copies", lawyer).json()["items"]] == [copy["copy_id"]]
    # verified like a certificate: by code and by the PDF
    public = api.get(f"/api/v1/public/certificates/{issued['verification_code']}").json()
    assert public["status"] == "valid" and public["serial"] == issued["serial"] and public["result"] == "copia_simple"
    verdict = api.post_multipart("/api/v1/public/certificates/verify", "{}", [("copia.pdf", document.content)],
                                 document_field="document").json()
    assert verdict["signature"] == "valid" and verdict["registry"] == "issued" and verdict["status"] == "valid"
    changed = bytearray(document.content)
    changed[len(changed) // 3] ^= 0x01
    forged = api.post_multipart("/api/v1/public/certificates/verify", "{}", [("copia.pdf", bytes(changed))],
                                document_field="document").json()
    assert forged["registry"] == "not_issued" and forged["signature"] != "valid"
    # the same transaction again answers the same and issues nothing more
    assert db.protocol_copies.count_documents({"issued_at": {"$ne": None}}) >= 1

    # a testimonio waits for the Archive, paid or not
    asked = api.post_json(f"/api/v1/protocol/instruments/{deed['instrument_id']}/copies",
                          {"kind": "testimonio", "purpose": "Inscripción registral"}, lawyer).json()
    assert asked["needs_approval"] is True and asked["payment"]["amount"] == "15.00"
    assert bank.pay(asked["payment"]["reference"], amount="15.00").status_code == 200
    waiting = wait_copy(api, lawyer, asked["copy_id"], status="awaiting_approval")
    time.sleep(1)
    assert api.get(f"/api/v1/protocol/copies/{asked['copy_id']}", lawyer).json()["status"] == "awaiting_approval"
    assert api.get(f"/api/v1/protocol/copies/{asked['copy_id']}/document", lawyer).status_code == 409
    approved = api.post_json(f"/api/v1/protocol/copies/{asked['copy_id']}/approve", {"note": "Conforme"}, agp)
    assert approved.status_code == 200, approved.text
    testimonio = wait_copy(api, lawyer, waiting["copy_id"])
    assert testimonio["approved_at"] and testimonio["verification_code"]

    # revoked: the public verification says so
    revoked = api.post_json(f"/api/v1/protocol/copies/{copy['copy_id']}/revoke", {"reason": "Emitida por error"}, agp)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert api.get(f"/api/v1/public/certificates/{issued['verification_code']}").json()["status"] == "revoked"
    assert api.get("/api/v1/public/certificates/ZZZZ-ZZZZ-ZZZZ").json()["status"] == "unknown"

    # the will: a third party's copy waits for a reviewed death certificate
    will_copy = api.post_json(f"/api/v1/protocol/instruments/{will['instrument_id']}/copies",
                              {"kind": "copia_simple", "purpose": "Proceso sucesorio"}, lawyer).json()
    assert will_copy["needs_approval"] is True
    refused = api.post_json(f"/api/v1/protocol/copies/{will_copy['copy_id']}/approve", {}, agp)
    assert refused.status_code == 422 and refused.json()["error"] == "death_certificate_required"
    assert api.post_json(f"/api/v1/protocol/copies/{will_copy['copy_id']}/approve",
                         {"death_certificate_reviewed": True}, agp).status_code == 200
    own = api.post_json(f"/api/v1/protocol/instruments/{will['instrument_id']}/copies",
                        {"kind": "copia_simple", "purpose": "Archivo propio"}, notary).json()
    assert own["needs_approval"] is False  # its notary gets it once paid

    # staff review: observe, then the notary corrects (a new version, the old one kept)
    observed = api.post_json(f"/api/v1/protocol/instruments/{deed['instrument_id']}/review",
                             {"decision": "observe", "reason": "Falta el número de finca en el resumen"}, agp)
    assert observed.status_code == 200 and observed.json()["review"] == "observado"
    again = deposit(api, notary, metadata(2, now, "compraventa", [grantor], summary="Otra"))
    assert again.status_code == 409 and again.json()["error"] == "number_taken"
    corrected = deposit(api, notary, metadata(2, now, "compraventa", [grantor], correction=True,
                                              summary="Compraventa de la finca 123, folio 9"))
    assert corrected.status_code == 201, corrected.text
    assert corrected.json()["version"] == 2 and corrected.json()["supersedes"] == deed["instrument_id"]
    old = api.get(f"/api/v1/protocol/instruments/{deed['instrument_id']}", notary)
    assert old.status_code == 200 and old.json()["summary"] == "Compraventa de la finca 123"
    assert api.get(f"/api/v1/protocol/instruments/{deed['instrument_id']}", lawyer).status_code == 404

    # the annual index against the deposits, and the year as the Archive sees it
    index = api.post_json(f"/api/v1/protocol/indexes/{now.year}", {"instruments": [
        {"number": n, "act_type": t} for n, t in ((1, "mandato"), (2, "compraventa"), (3, "poder"), (4, "testamento"),
                                                  (5, "mutuo"))]}, notary)
    assert index.status_code == 200, index.text
    report = index.json()
    if late_day.year == now.year:
        assert report["missing"] == [3] and [x["number"] for x in report["late"]] == [1]
        assert report["in_index_not_deposited"] == [3, 5] and report["deposited_not_in_index"] == []
    seen = api.get(f"/api/v1/protocol/notaries/{bar_number}/years/{now.year}", agp)
    assert seen.status_code == 200 and seen.json()["index_submitted_at"]
    assert seen.json()["observed"] == []  # the observed deposit was corrected: the current one is pending
