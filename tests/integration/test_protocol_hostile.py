"""Hostile input on every route of the notarial protocol archive, over HTTP: non-PDF and oversized testimonios,
a number reused, dates in the future or outside their year, malformed metadata, injection attempts in search
strings, bad indexes, reviews, copy requests and payments. Each asserts its error and that nothing was stored."""
import json

import pytest

from tests.support.bank import BankSimulator
from tests.support.pdfgen import make_encrypted_pdf, make_html, make_pdf, make_png, make_truncated_pdf
from tests.support.protocol import deposit, metadata, new_notary, officer, today

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def world(api, stack):
    bar, notary = new_notary(api, stack, name="Notaria Hostil")
    deed = deposit(api, notary, metadata(1))
    assert deed.status_code == 201, deed.text
    return {"bar": bar, "notary": notary, "deed": deed.json(), "officer": officer(stack),
            "lawyer": stack.token("abogado-hostil", "lawyer", bar_number="5555")}


def stored(db):
    return {name: db[name].count_documents({}) for name in
            ("notaries", "instruments", "protocol_indexes", "protocol_copies", "payments", "copy_issuance",
             "testimonios.files", "testimonios.chunks")}


def staged(db, world):
    """The notary's uploads still waiting for a deposit (another test's may be in flight, e.g. one whose service
    was stopped while it uploaded: the janitor removes those)."""
    return db["testimonios.files"].count_documents({"metadata.state": "staged",
                                                    "metadata.staged_by": f"notario-{world['bar']}"})


@pytest.mark.parametrize("content, filename, status, code", [
    (make_png(), "testimonio.pdf", 415, "pdf_not_pdf"),
    (make_html(embed_pdf_header=True), "testimonio.pdf", 415, "pdf_not_pdf"),
    (make_truncated_pdf(), "testimonio.pdf", 422, "pdf_corrupt"),
    (make_encrypted_pdf(), "testimonio.pdf", 422, "pdf_encrypted"),
    (make_pdf(), "../../etc/passwd", 422, "invalid_filename"),
    (make_pdf(), "testimonio.exe", 422, "invalid_filename"),
    (b"", "testimonio.pdf", 422, "empty_document"),
])
def test_deposit_refuses_what_is_not_a_testimonio(api, stack, world, content, filename, status, code):
    db = stack.db("certificates")
    before = stored(db)
    response = deposit(api, world["notary"], metadata(7), pdf=content, filename=filename)
    assert (response.status_code, response.json()["error"]) == (status, code), response.text
    assert stored(db) == before


def test_declared_pages_must_be_the_testimonios(api, stack, world):
    db = stack.db("certificates")
    before = stored(db)
    response = deposit(api, world["notary"], metadata(9, pages=5), pdf=make_pdf(pages=3))
    assert response.status_code == 422, response.text
    assert response.json()["details"]["fields"]["pages"] == "El testimonio adjunto tiene 3 páginas; se declararon 5."
    assert stored(db) == before


def test_oversized_testimonio(api, stack, world):
    db = stack.db("certificates")
    before = stored(db)
    response = deposit(api, world["notary"], metadata(8), pdf=make_pdf(size=20 * 1024 * 1024 + 10))
    assert response.status_code == 413 and response.json()["error"] in ("document_too_large", "payload_too_large")
    assert stored(db) == before


@pytest.mark.parametrize("change, field", [
    ({"authorized_at": "2999-01-01", "year": 2999}, "year"),
    ({"number": 0}, "number"),
    ({"number": "1; drop"}, "number"),
    ({"act_type": "venta_de_almas"}, "act_type"),
    ({"grantors": []}, "grantors"),
    ({"grantors": [{"name": "  ", "role": "vendedor"}]}, "grantors.0.name"),
    ({"grantors": [{"name": "Ana", "role": "x", "id_number": {"$ne": None}}]}, "grantors.0.id_number"),
    ({"summary": "a\u0000b"}, "summary"),
    ({"extra": True}, "extra"),
    ({"pages": -1}, "pages"),
])
def test_deposit_metadata_refused(api, stack, world, change, field):
    db = stack.db("certificates")
    before = stored(db)
    response = deposit(api, world["notary"], {**metadata(12), **change})
    assert response.status_code == 422, response.text
    assert field in json.dumps(response.json()["details"]), response.text
    assert stored(db) == before


def test_future_date_and_date_outside_the_year(api, stack, world):
    db = stack.db("certificates")
    before = stored(db)
    now = today()
    future = now.replace(year=now.year + 1)
    response = deposit(api, world["notary"], metadata(10, future, year=now.year + 1))
    assert response.status_code == 422 and "year" in response.json()["details"]["fields"]
    if now.month < 12 or now.day < 31:  # tomorrow in the same year
        import datetime
        tomorrow = now + datetime.timedelta(days=1)
        if tomorrow.year == now.year:
            response = deposit(api, world["notary"], metadata(10, tomorrow))
            assert response.status_code == 422, response.text
            assert response.json()["details"]["fields"]["authorized_at"] == "La fecha de autorización no puede ser futura."
    response = deposit(api, world["notary"], metadata(10, now, year=now.year - 1))
    assert response.status_code == 422 and "authorized_at" in response.json()["details"]["fields"]
    assert stored(db) == before


def test_a_number_reused_and_a_correction_of_nothing(api, stack, world):
    db = stack.db("certificates")
    before = stored(db)
    again = deposit(api, world["notary"], metadata(1))
    assert again.status_code == 409 and again.json()["error"] == "number_taken"
    nothing = deposit(api, world["notary"], metadata(77, correction=True))
    assert nothing.status_code == 409 and nothing.json()["error"] == "nothing_to_correct"
    assert stored(db) == before
    # the same Idempotency-Key twice: one deposit, the same answer
    headers = {"Idempotency-Key": "deposito-11"}
    first = deposit(api, world["notary"], metadata(11), headers=headers)
    replay = deposit(api, world["notary"], metadata(11), headers=headers)
    assert first.status_code == replay.status_code == 201 and first.json() == replay.json()
    assert db.instruments.count_documents({"bar_number": world["bar"], "number": 11}) == 1
    assert db["testimonios.files"].count_documents({"metadata.instrument_id": first.json()["instrument_id"]}) == 1
    assert staged(db, world) == 0


@pytest.mark.parametrize("params", [
    {"grantor": '{"$ne": null}'}, {"grantor": ".*"}, {"grantor": "^a|b$"}, {"grantor": "'; DROP TABLE x; --"},
    {"grantor": "<script>alert(1)</script>"}, {"notary": "$where: 1"}, {"grantor": "\\"},
])
def test_injection_in_search_strings_finds_nothing(api, stack, world, params):
    db = stack.db("certificates")
    before = stored(db)
    # within this notary's deposits (other tests' grantors may well begin with "a" and "b")
    response = api.get("/api/v1/protocol/instruments", world["lawyer"], params={**params, "bar_number": world["bar"]})
    assert response.status_code in (200, 422), response.text
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert response.json()["error"] == "validation_error"
    assert stored(db) == before


@pytest.mark.parametrize("params, field", [
    ({"grantor": "a\u0000"}, "grantor"), ({"grantor[$ne]": "x"}, "grantor[$ne]"), ({"year": "2026; x"}, "year"),
    ({"cursor": "nope"}, "cursor"), ({"from": "2026-05-01", "to": "2026-04-01"}, "to"), ({"limit": 1000}, "limit"),
    ({"bar_number": "12a"}, "bar_number"), ({"act_type": "x"}, "act_type"), ({"grantor": "!!!"}, "grantor"),
])
def test_search_parameters_refused(api, stack, world, params, field):
    response = api.get("/api/v1/protocol/instruments", world["lawyer"], params=params)
    assert response.status_code == 422, response.text
    assert field in json.dumps(response.json()["details"]), response.text


def test_index_review_and_status_refused(api, stack, world):
    db = stack.db("certificates")
    before = stored(db)
    year = today().year
    notary, agp = world["notary"], world["officer"]
    for body in ({"instruments": [{"number": 1}, {"number": 1}]}, {"instruments": "1,2"},
                 {"instruments": [{"number": -3}]}, {}, {"instruments": [], "x": 1}):
        assert api.post_json(f"/api/v1/protocol/indexes/{year}", body, notary).status_code == 422, body
    assert api.post_json(f"/api/v1/protocol/indexes/{year + 1}", {"instruments": []}, notary).status_code == 422
    assert api.post_json("/api/v1/protocol/indexes/20x6", {"instruments": []}, notary).status_code == 404
    deed = world["deed"]["instrument_id"]
    assert api.post_json(f"/api/v1/protocol/instruments/{deed}/review", {"decision": "observe"}, agp).status_code == 422
    assert api.post_json(f"/api/v1/protocol/instruments/{deed}/review", {"decision": "burn"}, agp).status_code == 422
    assert api.post_json(f"/api/v1/protocol/instruments/{'0' * 32}/review", {"decision": "accept"},
                         agp).status_code == 404
    assert api.post_json(f"/api/v1/protocol/notaries/{world['bar']}/status",
                         {"status": "fallecido", "since": "2999-01-01", "reason": "x"}, agp).status_code == 422
    assert api.post_json("/api/v1/protocol/notaries/1/status",
                         {"status": "activo", "since": "2020-01-01", "reason": "x"}, agp).status_code == 404
    assert api.post_json("/api/v1/protocol/notaries", {"bar_number": "12", "name": "X",
                                                       "registered_at": "2999-01-01"}, agp).status_code == 422
    assert stored(db) == before
    assert db.instruments.find_one({"_id": deed})["review"] == "pendiente"
    assert db.notaries.find_one({"_id": world["bar"]})["status"] == "activo"


def test_copy_requests_and_payments_refused(api, stack, world):
    db = stack.db("certificates")
    before = stored(db)
    deed = world["deed"]["instrument_id"]
    for body in ({"kind": "original", "purpose": "x"}, {"kind": "copia_simple"}, {"kind": "copia_simple",
                 "purpose": " "}, {"kind": "copia_simple", "purpose": "x", "amount": "0.01"}):
        assert api.post_json(f"/api/v1/protocol/instruments/{deed}/copies", body, world["lawyer"]).status_code == 422
    assert api.post_json(f"/api/v1/protocol/instruments/{'f' * 32}/copies", {"kind": "copia_simple", "purpose": "x"},
                         world["lawyer"]).status_code == 404
    assert stored(db) == before
    copy = api.post_json(f"/api/v1/protocol/instruments/{deed}/copies", {"kind": "copia_simple", "purpose": "x"},
                         world["lawyer"]).json()
    assert api.post_json(f"/api/v1/protocol/copies/{copy['copy_id']}/approve", {},
                         world["officer"]).status_code == 409  # a copia simple needs no approval
    assert api.post_json(f"/api/v1/protocol/copies/{copy['copy_id']}/revoke", {"reason": "x"},
                         world["officer"]).status_code == 409  # not issued
    bank = BankSimulator(stack.url)
    before = stored(db)
    wrong = bank.send_once(bank.notice(copy["payment"]["reference"], amount="1.99"))
    assert wrong.status_code == 422 and wrong.json()["error"] == "payment_amount_mismatch"
    unsigned = bank.send_once(bank.notice(copy["payment"]["reference"], amount=copy["payment"]["amount"]),
                              signature="sha256=" + "0" * 64)
    assert unsigned.status_code == 401
    assert stored(db) == before and db.protocol_copies.find_one({"_id": copy["copy_id"]})["paid_at"] is None


def test_one_number_deposited_twice_at_once(api, stack, world):
    from concurrent.futures import ThreadPoolExecutor

    db = stack.db("certificates")
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda _: deposit(api, world["notary"], metadata(30)), range(4)))
    assert sorted(a.status_code for a in answers) == [201, 409, 409, 409], [a.text for a in answers]
    assert db.instruments.count_documents({"bar_number": world["bar"], "number": 30}) == 1
    assert staged(db, world) == 0  # the losers' PDFs gone
    assert db.outbox.count_documents({"event_type": "instrument_deposited", "data.bar_number": world["bar"],
                                      "data.number": 30}) == 1


def test_the_same_bank_transaction_for_a_copy_twice(api, stack, world):
    db = stack.db("certificates")
    copy = api.post_json(f"/api/v1/protocol/instruments/{world['deed']['instrument_id']}/copies",
                         {"kind": "copia_simple", "purpose": "Dos avisos"}, world["lawyer"]).json()
    bank = BankSimulator(stack.url)
    notice = bank.notice(copy["payment"]["reference"], amount=copy["payment"]["amount"])
    first, second = bank.send_once(notice), bank.send_once(notice)
    assert first.status_code == second.status_code == 200 and first.json() == second.json()
    assert first.json()["pays_for"] == {"kind": "protocol_copy", "id": copy["copy_id"]}
    assert db.payments.count_documents({"pays_for.id": copy["copy_id"]}) == 1
    assert db.copy_issuance.count_documents({"_id": copy["copy_id"]}) == 1
