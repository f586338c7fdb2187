"""From the courts to the registry, over HTTP against the real stack: a judge of a penal court declares a
sentencia final (POST /api/v1/resolutions/{id}/final), filings emits conviction_final in the same transaction,
the certificates service records one record per convicted person, once even if the event comes again; the
convicted citizen's certificate lists it; another citizen's says "no tiene"; UNAP cancels the record and a new
certificate says "no tiene" while the old one still verifies with its original content. And every refusal of
the final endpoint (401, 403, 404, 409, 422) stores nothing and emits nothing."""
import threading
import time
import uuid

import pytest

from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, new_cui, officer, pdfsig, pdftext, wait_issued
from tests.support.mailbox import publish
from tests.support.pdfgen import make_pdf

pytestmark = pytest.mark.stack

PENAL_COURT = "01010"     # Juzgado Primero de Primera Instancia Penal
CIVIL_COURT = "01001"
PENAL_PARTIES = [{"name": "Ministerio Público", "role": "actor"},
                 {"name": "Pedro Sindicado", "role": "sindicado"}]


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


@pytest.fixture(scope="module")
def penal_judge(api):
    return api.judge(PENAL_COURT, sub=f"juez-penal-{uuid.uuid4().hex[:6]}")


def open_penal_case(api, court_id=PENAL_COURT, matter="penal"):
    lawyer = api.lawyer()
    parties = PENAL_PARTIES if matter == "penal" else None
    overrides = {"matter": matter, "subject": "Proceso penal por robo agravado"} if matter == "penal" else {}
    if parties:
        overrides.update(parties=parties, represents="Ministerio Público")
    return api.new_case(lawyer, court_id, **overrides)["case_number"]


def issue(api, token, case_number, kind="sentencia"):
    response = api.resolve(token, case_number, kind=kind, summary=f"Se dicta {kind}", term_days=None)
    assert response.status_code == 201, response.text
    return response.json()


def conviction(cui, name="Pedro Sindicado", offences=("Robo agravado",), penalty="6 años de prisión"):
    return {"name": name, "id_number": cui, "offences": list(offences), "penalty": penalty}


def declare(api, token, resolution_id, convictions):
    return api.post_json(f"/api/v1/resolutions/{resolution_id}/final", {"convictions": convictions}, token)


def records_of(api, unap, cui):
    response = api.get("/api/v1/criminal-records", unap, params={"id_number": cui})
    assert response.status_code == 200, response.text
    return response.json()["items"]


def wait_records(api, unap, cui, count=1, timeout=20):
    deadline = time.monotonic() + timeout
    while True:
        items = records_of(api, unap, cui)
        if len(items) >= count:
            return items
        assert time.monotonic() < deadline, f"no record for {cui} in {timeout} s"
        time.sleep(0.1)


def request_and_pay(api, bank, token):
    response = api.post_json("/api/v1/certificates/requests", {}, token)
    assert response.status_code == 201, response.text
    request = response.json()
    assert bank.pay(request["payment"]["reference"]).status_code == 200
    issued = wait_issued(api, token, request["request_id"])
    items = api.get("/api/v1/certificates", token).json()["items"]
    return next(c for c in items if c["certificate_id"] == issued["certificate_id"])


def final_state(stack):
    """What the final endpoint can store: its declarations and their events (filings), the records (certificates)."""
    filings = stack.db("filings")
    return {"final_sentences": filings.final_sentences.count_documents({}),
            "conviction_final": filings.outbox.count_documents({"event_type": "conviction_final"}),
            "records": stack.db("certificates").records.count_documents({})}


def test_a_final_penal_sentence_reaches_the_registry_and_the_certificates(api, stack, bank, penal_judge):
    unap = officer(stack)
    convicted, cui = citizen(stack, name="Pedro Sindicado")
    accomplice_cui = new_cui("09", "04")
    case_number = open_penal_case(api)
    sentence = issue(api, penal_judge, case_number)

    declared = declare(api, penal_judge, sentence["resolution_id"],
                       [conviction(cui), conviction(accomplice_cui, "Juan Cómplice", ("Encubrimiento",), "2 años")])
    assert declared.status_code == 201, declared.text
    body = declared.json()
    assert body["resolution_id"] == sentence["resolution_id"] and body["case_number"] == case_number
    assert body["court_id"] == PENAL_COURT and body["declared_by"]["sub"].startswith("juez-penal-")
    assert len(body["sentence_date"]) == 10 and body["sentence_date"] <= body["declared_at"][:10]
    assert [c["id_number"] for c in body["convictions"]] == [cui, accomplice_cui]

    # the event went out in the same transaction as the declaration, with the catalogue's shape
    event = stack.db("filings").outbox.find_one({"event_type": "conviction_final",
                                                "data.resolution_id": sentence["resolution_id"]})
    assert event is not None and event["data"]["court_name"] == "Juzgado Primero de Primera Instancia Penal"
    from contracts.events import schema_for
    assert schema_for("conviction_final").validate(event["data"]) == {}

    # the registry: one record per convicted person, from the court
    [record] = wait_records(api, unap, cui)
    assert record["source"] == "court" and record["status"] == "vigente"
    assert record["case_number"] == case_number and record["court"] == "Juzgado Primero de Primera Instancia Penal"
    assert record["offences"] == ["Robo agravado"] and record["penalty"] == "6 años de prisión"
    assert record["sentence_date"] == body["sentence_date"] and record["final_date"] >= record["sentence_date"]
    assert [r["offences"] for r in wait_records(api, unap, accomplice_cui)] == [["Encubrimiento"]]

    # the convicted citizen's certificate lists it, signed (pdfsig)
    certificate = request_and_pay(api, bank, convicted)
    assert certificate["result"] == "con_antecedentes"
    assert [r["record_id"] for r in certificate["records"]] == [record["record_id"]]
    assert certificate["records"][0]["case_number"] == case_number
    document = api.get(f"/api/v1/certificates/{certificate['certificate_id']}/document", convicted)
    assert document.status_code == 200
    report = pdfsig(document.content)
    assert "Signature is Valid." in report, report
    text = pdftext(document.content)
    assert case_number in text and "Robo agravado" in text and "NO TIENE" not in text

    # another citizen: "no tiene"
    clean, _ = citizen(stack, name="Ana Sin Condena")
    other = request_and_pay(api, bank, clean)
    assert other["result"] == "sin_antecedentes" and other["records"] == []
    other_pdf = api.get(f"/api/v1/certificates/{other['certificate_id']}/document", clean).content
    assert "NO TIENE ANTECEDENTES PENALES" in pdftext(other_pdf)

    # UNAP cancels the record: a new certificate says "no tiene"; the old one verifies as it was
    cancelled = api.post_multipart(f"/api/v1/criminal-records/{record['record_id']}/cancel",
                                   {"reason": "pena_cumplida", "note": "Auto del Juzgado de Ejecución Penal"},
                                   [("auto.pdf", make_pdf())], unap, document_field="document")
    assert cancelled.status_code == 200, cancelled.text
    assert cancelled.json()["status"] == "cancelado"
    later = request_and_pay(api, bank, convicted)
    assert later["certificate_id"] != certificate["certificate_id"]
    assert later["result"] == "sin_antecedentes" and later["records"] == []
    by_code = api.get(f"/api/v1/public/certificates/{certificate['verification_code']}").json()
    assert by_code["status"] == "valid" and by_code["result"] == "con_antecedentes"
    verdict = api.post_multipart("/api/v1/public/certificates/verify", {}, [("constancia.pdf", document.content)],
                                 document_field="document").json()
    assert verdict["signature"] == "valid" and verdict["registry"] == "issued" and verdict["status"] == "valid"
    assert verdict["certificate"]["result"] == "con_antecedentes"
    again = api.get(f"/api/v1/certificates/{certificate['certificate_id']}/document", convicted)
    assert again.content == document.content  # never changed by the later cancellation
    still = next(c for c in api.get("/api/v1/certificates", convicted).json()["items"]
                 if c["certificate_id"] == certificate["certificate_id"])
    assert [r["record_id"] for r in still["records"]] == [record["record_id"]]

    # the declaration is audited
    assert stack.db("filings").audit.find_one({"action": "declare_final", "outcome": "allowed",
                                               "target": f"resolution:{sentence['resolution_id']}"})


def test_the_event_redelivered_or_repeated_records_each_conviction_once(api, stack, penal_judge):
    unap = officer(stack)
    cui = new_cui("01", "17")
    case_number = open_penal_case(api)
    sentence = issue(api, penal_judge, case_number)
    assert declare(api, penal_judge, sentence["resolution_id"], [conviction(cui)]).status_code == 201
    wait_records(api, unap, cui)
    row = stack.db("filings").outbox.find_one({"event_type": "conviction_final",
                                              "data.resolution_id": sentence["resolution_id"]})
    envelope = {"event_id": row["_id"], "event_type": "conviction_final", "source": "filings", "version": 1,
                "occurred_at": row["occurred_at"].isoformat(), "correlation_id": None, "data": row["data"]}
    repeated = {**envelope, "event_id": uuid.uuid4().hex}  # the same facts under another event id
    publish(stack, envelope, envelope, repeated)
    inbox = stack.db("certificates").inbox
    deadline = time.monotonic() + 20
    while not inbox.find_one({"_id": f"certificates.on_conviction_final:{repeated['event_id']}"}):
        assert time.monotonic() < deadline, "the repeated event was never handled"
        time.sleep(0.1)
    time.sleep(1)
    assert len(records_of(api, unap, cui)) == 1
    assert stack.db("certificates").outbox.count_documents({"event_type": "conviction_recorded",
                                                            "data.id_number": cui}) == 1


def test_refusals_of_the_final_endpoint_store_nothing(api, stack, penal_judge):
    cui = new_cui()
    case_number = open_penal_case(api)
    sentence = issue(api, penal_judge, case_number)
    decree = issue(api, penal_judge, case_number, kind="decreto")
    civil_judge = api.judge(CIVIL_COURT)
    civil_sentence = issue(api, civil_judge, open_penal_case(api, CIVIL_COURT, matter="civil"))
    body = [conviction(cui)]
    before = final_state(stack)

    def refused(token, resolution_id, status, code, convictions=body):
        response = declare(api, token, resolution_id, convictions)
        assert response.status_code == status, response.text
        assert response.json()["error"] == code and response.json()["message"]
        assert final_state(stack) == before
        return response.json()

    rid = sentence["resolution_id"]
    anonymous = declare(api, None, rid, body)
    assert anonymous.status_code == 401 and final_state(stack) == before
    for token in (api.clerk(PENAL_COURT), api.lawyer(), api.citizen(), api.admin(), officer(stack),
                  citizen(stack)[0]):
        refused(token, rid, 403, "forbidden")
    refused(api.judge("01001"), rid, 403, "forbidden")               # a judge of another court
    refused(civil_judge, rid, 403, "forbidden")
    refused(penal_judge, uuid.uuid4().hex, 404, "resolution_not_found")
    refused(penal_judge, "no-es-un-id", 404, "resolution_not_found")
    refused(penal_judge, decree["resolution_id"], 409, "not_a_sentence")
    refused(civil_judge, civil_sentence["resolution_id"], 409, "not_a_penal_case")
    # hostile bodies: each a 4xx naming the field, nothing stored
    broken = refused(penal_judge, rid, 422, "validation_error", [conviction("1680352240101")])
    assert "convictions" in str(broken["details"])
    refused(penal_judge, rid, 422, "validation_error", [conviction("1580352240118")])  # no municipality 18
    refused(penal_judge, rid, 422, "validation_error", [conviction(cui), conviction(cui, "Otro nombre")])
    refused(penal_judge, rid, 422, "validation_error", [])
    refused(penal_judge, rid, 422, "validation_error", [{**conviction(cui), "offences": []}])
    refused(penal_judge, rid, 422, "validation_error", [{**conviction(cui), "name": "Pedro\x00"}])
    refused(penal_judge, rid, 422, "validation_error", [{**conviction(cui), "id_number": {"$ne": ""}}])
    refused(penal_judge, rid, 422, "validation_error", [{**conviction(cui), "penalty": "x" * 501}])
    refused(penal_judge, rid, 422, "validation_error", [{**conviction(cui), "extra": 1}])
    for raw, status in ((b"{", 400), (b"[]", 422), (b'{"convictions": "todas"}', 422)):
        response = api.http.post(f"{api.url}/api/v1/resolutions/{rid}/final", data=raw,
                                 headers={**api.auth(penal_judge), "Content-Type": "application/json"}, timeout=30)
        assert response.status_code == status, response.text
    text = api.http.post(f"{api.url}/api/v1/resolutions/{rid}/final", data=b"convictions",
                         headers={**api.auth(penal_judge), "Content-Type": "text/plain"}, timeout=30)
    assert text.status_code == 415
    assert final_state(stack) == before

    # declared once: two at once give one 201 and one 409; after that, 409 already_final
    answers = []
    threads = [threading.Thread(target=lambda: answers.append(declare(api, penal_judge, rid, body)))
               for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(r.status_code for r in answers) == [201, 409], [r.text for r in answers]
    assert [r.json()["error"] for r in answers if r.status_code == 409] == ["already_final"]
    after = final_state(stack)
    assert after["final_sentences"] == before["final_sentences"] + 1
    assert after["conviction_final"] == before["conviction_final"] + 1
    wait_records(api, officer(stack), cui)
    before = final_state(stack)
    refused(penal_judge, rid, 409, "already_final", [conviction(new_cui())])
