"""The whole flow over HTTP: an amparo opened, resolutions that move its stage, hearings scheduled, rescheduled and
cancelled through filings; then every public look-up reads what those events said (the resolution's PDF byte for
byte, from the read model's own copy); a case reserved disappears from every answer within 2 s, cached answers
included."""
import hashlib
import time
import unicodedata
import uuid

import icalendar
import pytest

from tests.support.hearings import (amparo_metadata, future, hearing_body, open_with, reschedule, resolve_to, room,
                                    schedule, set_status)
from tests.support.pdfgen import make_pdf
from tests.support.queries import wait_for

pytestmark = pytest.mark.stack
SUPREME = "00001"


def strip_accents(text):
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


def created(response):
    assert response.status_code == 201, response.text
    return response.json()


def public_case(api, number):
    response = api.get(f"/api/v1/public/cases/{number}")
    return response.json() if response.status_code == 200 else None


def local_day(instant_text):
    import datetime
    instant = datetime.datetime.fromisoformat(instant_text.replace("Z", "+00:00"))
    return (instant - datetime.timedelta(hours=6)).date().isoformat()


@pytest.fixture(scope="module")
def amparo(api):
    lawyer, judge = api.lawyer(), api.judge(SUPREME)
    metadata = amparo_metadata()
    number = created(open_with(api, lawyer, metadata))["case_number"]
    pdf = make_pdf(seed=f"amparo-provisional-{uuid.uuid4().hex}")  # bytes no other test of the stack holds
    first = created(resolve_to(api, judge, number, "admitido", summary="Se admite para su trámite"))
    second = created(api.post_multipart(f"/api/v1/cases/{number}/resolutions",
                                        {"kind": "auto", "summary": "Se otorga el amparo provisional",
                                         "stage": "amparo_provisional_otorgado"},
                                        [("amparo-provisional.pdf", pdf)], judge, document_field="document"))
    kept = created(schedule(api, judge, number, hearing_body(future(days=12, hour=15), room(), kind="vista")))
    moved = reschedule(api, judge, kept["hearing_id"], {"starts_at": future(days=13, hour=16).isoformat(),
                                                        "reason": "Solicitud de la autoridad impugnada"})
    assert moved.status_code == 200, moved.text
    dropped = created(schedule(api, judge, number, hearing_body(future(days=14, hour=15), room(), kind="vista")))
    cancelled = set_status(api, judge, dropped["hearing_id"], "cancelada", reason="Desistimiento")
    assert cancelled.status_code == 200, cancelled.text
    return {"number": number, "metadata": metadata, "judge": judge, "first": first, "second": second, "pdf": pdf,
            "kept": moved.json(), "dropped": cancelled.json()}


def test_every_public_look_up_reads_what_filings_said(api, amparo):
    number = amparo["number"]
    case = wait_for(lambda: (c := public_case(api, number)) and len(c["actuaciones"]) == 2
                    and c["actuaciones"][1]["document"]["available"] and c, timeout=30)
    assert case, public_case(api, number)
    assert case["stage"] == "amparo_provisional_otorgado" and case["stage_label"] == "Amparo provisional otorgado"
    assert case["court_id"] == SUPREME and case["matter"] == "amparo"
    assert case["act_complained"] == amparo["metadata"]["act_complained"]
    roles = {role: [p["name"] for p in people] for role, people in case["parties_by_role"].items()}
    assert roles == {p["role"]: [p["name"]] for p in amparo["metadata"]["parties"]}
    assert [(a["stage"], a["folio"], a["summary"]) for a in case["actuaciones"]] == [
        ("admitido", amparo["first"]["folio"], "Se admite para su trámite"),
        ("amparo_provisional_otorgado", amparo["second"]["folio"], "Se otorga el amparo provisional")]
    # the upcoming hearings: the rescheduled one at its new time (version 2), not the cancelled one
    upcoming = case["upcoming_hearings"]
    assert [(h["hearing_id"], h["version"], h["status"], h["reason"]) for h in upcoming] == [
        (amparo["kept"]["hearing_id"], 2, "reprogramada", "Solicitud de la autoridad impugnada")]
    assert upcoming[0]["starts_at"] == amparo["kept"]["starts_at"]

    # the PDF of a resolution, byte for byte, from the read model's copy
    document = api.get(case["actuaciones"][1]["document"]["url"])
    assert document.status_code == 200 and document.content == amparo["pdf"]
    assert document.headers["Content-Type"] == "application/pdf"
    etag = document.headers["ETag"]
    assert api.get(case["actuaciones"][1]["document"]["url"], headers={"If-None-Match": etag}).status_code == 304

    # the agenda of the day the cancelled hearing was to be held shows it cancelled, with its reason
    dropped = amparo["dropped"]
    day = api.get("/api/v1/public/hearings", params={"date": local_day(dropped["starts_at"]), "court_id": SUPREME,
                                                     "case_number": number}).json()["items"]
    assert [(h["status"], h["reason"], h["version"]) for h in day] == [("cancelada", "Desistimiento", 2)]
    assert {p["role"] for p in day[0]["parties"]} >= {"postulante", "autoridad_impugnada"}

    # the case's calendar: one event per hearing, SEQUENCE its version, the cancelled one CANCELLED
    feed = icalendar.Calendar.from_ical(api.get(f"/api/v1/public/cases/{number}/hearings.ics").content)
    events = {str(e["UID"]).split("@")[0]: e for e in feed.walk("VEVENT")}
    assert int(events[amparo["kept"]["hearing_id"]]["SEQUENCE"]) == 2
    assert str(events[dropped["hearing_id"]]["STATUS"]) == "CANCELLED"

    # search by the postulante's name: other order, no accents, partial words
    postulante = next(p["name"] for p in amparo["metadata"]["parties"] if p["role"] == "postulante")
    first_name, surname, tag = postulante.split()
    q = f"{tag} {strip_accents(surname).upper()[:3]} {first_name.lower()}"
    assert number in [i["case_number"] for i in api.get("/api/v1/public/cases", params={"q": q}).json()["items"]]

    # the document verified by its bytes
    verdict = api.http.post(api.url + "/api/v1/public/documents/verify",
                            files=[("document", ("copia.pdf", amparo["pdf"], "application/pdf"))], timeout=30).json()
    assert verdict["authentic"] and verdict["documents"][0]["case_number"] == number
    assert verdict["sha256"] == hashlib.sha256(amparo["pdf"]).hexdigest()


def test_a_reserved_case_vanishes_from_every_answer_within_two_seconds(api, amparo):
    number = amparo["number"]
    assert wait_for(lambda: public_case(api, number) is not None)
    kept = amparo["kept"]
    agenda = ("/api/v1/public/hearings", {"date": local_day(kept["starts_at"]), "court_id": SUPREME})
    before = api.get(agenda[0], params=agenda[1])
    assert kept["hearing_id"] in before.text
    court_feed = api.get("/api/v1/public/hearings.ics", params={"court_id": SUPREME})
    assert kept["hearing_id"] in court_feed.text
    document_url = public_case(api, number)["actuaciones"][1]["document"]["url"]
    sha = hashlib.sha256(amparo["pdf"]).hexdigest()

    reserved = api.post_json(f"/api/v1/cases/{number}/reserve", {"reason": "Protección de una víctima"},
                             amparo["judge"])
    assert reserved.status_code == 200, reserved.text
    started = time.monotonic()

    def gone():
        answers = [
            api.get(f"/api/v1/public/cases/{number}").status_code == 404,
            kept["hearing_id"] not in api.get(agenda[0], params=agenda[1],
                                              headers={"If-None-Match": before.headers["ETag"]}).text,
            kept["hearing_id"] not in api.get("/api/v1/public/hearings.ics", params={"court_id": SUPREME}).text,
            "BEGIN:VEVENT" not in api.get(f"/api/v1/public/cases/{number}/hearings.ics").text,
            api.get(document_url).status_code == 404,
            api.get(f"/api/v1/public/documents/{sha}").json()["documents"][0]["case_number"] is None,
        ]
        return all(answers)

    assert wait_for(gone, timeout=5, interval=0.05)
    elapsed = time.monotonic() - started
    assert elapsed < 2.0, f"the reserved case was still visible {elapsed:.2f} s after the reservation"
    # the cached agenda the client holds is no longer current: its ETag changed, the answer is a 200
    after = api.get(agenda[0], params=agenda[1], headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.headers["ETag"] != before.headers["ETag"]
    postulante = next(p["name"] for p in amparo["metadata"]["parties"] if p["role"] == "postulante")
    assert number not in api.get("/api/v1/public/cases", params={"q": postulante}).text


def test_with_filings_down_the_copy_of_a_pdf_waits_and_no_public_request_waits_for_filings(api, stack):
    lawyer, judge = api.lawyer(), api.judge(SUPREME)
    queries, filings = stack.stack.processes["queries"], stack.stack.processes["filings"]
    pdf = make_pdf(seed=f"queries-flow-{uuid.uuid4().hex}")
    queries.stop()
    try:
        number = created(open_with(api, lawyer, amparo_metadata()))["case_number"]
        created(api.post_multipart(f"/api/v1/cases/{number}/resolutions",
                                   {"kind": "auto", "summary": "Se admite", "stage": "admitido"},
                                   [("admision.pdf", pdf)], judge, document_field="document"))
        outbox = stack.db("filings").outbox
        assert wait_for(lambda: not outbox.count_documents({"data.case_number": number, "published": False}))
        filings.stop()
    finally:
        queries.start()
        stack.stack.wait("queries")
    try:
        case = wait_for(lambda: (c := public_case(api, number)) and c["actuaciones"] and c, timeout=30)
        assert case["stage"] == "admitido" and case["actuaciones"][0]["document"]["available"] is False
        started = time.monotonic()
        pending = api.get(case["actuaciones"][0]["document"]["url"])
        assert pending.status_code == 503 and pending.json()["error"] == "document_pending"
        assert time.monotonic() - started < 1.0  # answered from the read model, not waiting on filings
    finally:
        filings.start()
        stack.stack.wait("filings")
    url = case["actuaciones"][0]["document"]["url"]
    assert wait_for(lambda: api.get(url).status_code == 200, timeout=40)
    assert api.get(url).content == pdf
    assert stack.db("queries").fetches.find_one({"case_number": number})["status"] == "done"  # fetched once
