"""The whole e-filing flow over HTTP, as lawyers, clerks and judges use it."""
import hashlib

from tests.support.pdfgen import make_pdf


def test_open_file_review_resolve_read_download(api, stack):
    lawyer = api.lawyer("flow.lawyer", name="Lic. Flujo Completo")
    clerk = api.clerk("01002", sub="flow.clerk")
    judge = api.judge("01002", sub="flow.judge")

    demand = make_pdf(pages=3, seed="flow-demand")
    annex = make_pdf(pages=1, size=200_000, seed="flow-annex")
    opened = api.open_case(lawyer, court_id="01002", documents=[("demanda.pdf", demand), ("anexo 1.pdf", annex)])
    assert opened.status_code == 201, opened.text
    body = opened.json()
    case_number = body["case_number"]
    assert case_number.startswith("01002-") and len(case_number) == len("01002-2026-00001")
    receipt = body["receipt"]
    assert receipt["status"] == "received" and receipt["kind"] == "demanda"
    assert receipt["received_at"].endswith("Z")
    assert [(d["filename"], d["size"], d["sha256"], d["pages"]) for d in receipt["documents"]] == [
        ("demanda.pdf", len(demand), hashlib.sha256(demand).hexdigest(), 3),
        ("anexo 1.pdf", len(annex), hashlib.sha256(annex).hexdigest(), 1),
    ]

    # the clerk sees it waiting in the court's queue and accepts it
    queue = api.get("/api/v1/cases?status=received", clerk).json()["items"]
    waiting = [c for c in queue if c["case_number"] == case_number]
    assert waiting and waiting[0]["pending_filings"][0]["filing_id"] == receipt["filing_id"]
    reviewed = api.review(clerk, receipt["filing_id"])
    assert reviewed.status_code == 200, reviewed.text
    assert reviewed.json()["status"] == "accepted" and reviewed.json()["folio"] == 1

    # the lawyer files a writ, the clerk accepts it
    writ_pdf = make_pdf(pages=2, seed="flow-writ")
    filed = api.file(lawyer, case_number, documents=[("memorial.pdf", writ_pdf)])
    assert filed.status_code == 201, filed.text
    writ = filed.json()
    assert writ["status"] == "received" and writ["case_number"] == case_number
    assert api.review(clerk, writ["filing_id"]).json()["folio"] == 2

    # the judge issues a resolution with a term
    resolution_pdf = make_pdf(pages=1, seed="flow-resolution")
    issued = api.resolve(judge, case_number, kind="auto", summary="Se admite para su trámite", term_days=5,
                         document=("auto.pdf", resolution_pdf))
    assert issued.status_code == 201, issued.text
    resolution = issued.json()
    assert resolution["folio"] == 3 and resolution["recipients"] == ["flow.lawyer"]
    assert resolution["document"]["sha256"] == hashlib.sha256(resolution_pdf).hexdigest()

    # the case file, in folio order
    case = api.get(f"/api/v1/cases/{case_number}", lawyer)
    assert case.status_code == 200, case.text
    case = case.json()
    assert case["court_name"] == "Juzgado Segundo de Primera Instancia Civil"
    assert [(e["folio"], e["type"], e["kind"]) for e in case["entries"]] == [
        (1, "filing", "demanda"), (2, "filing", "escrito"), (3, "resolution", "auto")]
    assert case["attorneys"][0]["sub"] == "flow.lawyer"
    assert case["attorneys"][0]["represents"] == "Actor Uno, S.A."
    assert {p["name"] for p in case["parties"]} == {"Actor Uno, S.A.", "Demandado Dos"}

    # every document downloads byte for byte, for the lawyer and for the judge
    for entry in case["entries"]:
        for info in entry["documents"]:
            for token in (lawyer, judge):
                download = api.get(f"/api/v1/documents/{info['document_id']}", token)
                assert download.status_code == 200
                assert download.headers["Content-Type"] == "application/pdf"
                assert hashlib.sha256(download.content).hexdigest() == info["sha256"]
    assert api.get(f"/api/v1/documents/{resolution['document']['document_id']}", lawyer).content == resolution_pdf

    # reads of the case file are audited
    audit = stack.db("filings").audit
    assert audit.count_documents({"target": f"case:{case_number}", "actor.sub": "flow.lawyer", "outcome": "allowed"}) >= 1


def test_courts_are_public(api):
    response = api.get("/api/v1/courts")
    assert response.status_code == 200
    courts = {c["court_id"]: c["name"] for c in response.json()["items"]}
    assert courts["01001"] == "Juzgado Primero de Primera Instancia Civil"
    assert courts["01002"] == "Juzgado Segundo de Primera Instancia Civil"
    assert courts["01010"] == "Juzgado Primero de Primera Instancia Penal"
    assert courts["01020"] == "Juzgado Primero de Trabajo y Previsión Social"
    assert courts["00001"] == "Corte Suprema de Justicia, Cámara de Amparo y Antejuicio"


def test_appearance_joins_the_case_only_when_accepted(api):
    owner = api.lawyer()
    newcomer = api.lawyer("appearing.lawyer")
    clerk = api.clerk()
    judge = api.judge()
    case_number = api.accepted_case(owner, clerk)["case_number"]

    # not on the case: cannot file a writ, cannot read the file
    assert api.file(newcomer, case_number).status_code == 403
    assert api.get(f"/api/v1/cases/{case_number}", newcomer).status_code == 403

    appearance = api.file(newcomer, case_number, kind="apersonamiento", summary="Me apersono", represents="Demandado Dos")
    assert appearance.status_code == 201, appearance.text
    filing_id = appearance.json()["filing_id"]
    # the filer may follow their own filing, but is not yet on the case
    assert api.get(f"/api/v1/filings/{filing_id}", newcomer).json()["status"] == "received"
    assert api.get(f"/api/v1/cases/{case_number}", newcomer).status_code == 403
    # a second appearance while the first waits is a conflict
    again = api.file(newcomer, case_number, kind="apersonamiento", summary="Otra vez", represents="Demandado Dos")
    assert again.status_code == 409 and again.json()["error"] == "appearance_pending"

    assert api.review(clerk, filing_id).status_code == 200
    case = api.get(f"/api/v1/cases/{case_number}", newcomer)
    assert case.status_code == 200
    attorneys = {a["sub"]: a["represents"] for a in case.json()["attorneys"]}
    assert attorneys["appearing.lawyer"] == "Demandado Dos"
    assert api.file(newcomer, case_number).status_code == 201
    # and is served with resolutions from then on
    resolution = api.resolve(judge, case_number).json()
    assert "appearing.lawyer" in resolution["recipients"]


def test_rejection_needs_a_reason_and_a_filing_is_reviewed_once(api):
    lawyer, clerk = api.lawyer(), api.clerk()
    opened = api.new_case(lawyer)
    filing_id = opened["receipt"]["filing_id"]
    no_reason = api.review(clerk, filing_id, "reject")
    assert no_reason.status_code == 422 and "reason" in no_reason.json()["details"]["fields"]
    assert api.get(f"/api/v1/filings/{filing_id}", clerk).json()["status"] == "received"

    rejected = api.review(clerk, filing_id, "reject", reason="No acompaña el título ejecutivo")
    assert rejected.status_code == 200
    assert rejected.json()["status"] == "rejected"
    assert rejected.json()["review"]["reason"] == "No acompaña el título ejecutivo"
    twice = api.review(clerk, filing_id, "accept")
    assert twice.status_code == 409 and twice.json()["error"] == "already_reviewed"
    # the same review sent again (a double click, a retry after a lost answer) is answered as it was made
    reviewed_events = {"event_type": "filing_reviewed", "data.filing_id": filing_id}
    assert api.stack.db("filings").outbox.count_documents(reviewed_events) == 1
    repeated = api.review(clerk, filing_id, "reject", reason="No acompaña el título ejecutivo")
    assert repeated.status_code == 200 and repeated.json() == rejected.json()
    assert api.stack.db("filings").outbox.count_documents(reviewed_events) == 1
    other_clerk = api.review(api.clerk(), filing_id, "reject", reason="No acompaña el título ejecutivo")
    assert other_clerk.status_code == 409 and other_clerk.json()["error"] == "already_reviewed"
    # a rejected filing is not on the docket
    case = api.get(f"/api/v1/cases/{opened['case_number']}", lawyer).json()
    assert case["entries"] == []


def test_lawyer_lists_own_cases_only(api):
    mine, other = api.lawyer(), api.lawyer()
    a = api.new_case(mine)["case_number"]
    b = api.new_case(other)["case_number"]
    listed = {c["case_number"] for c in api.get("/api/v1/cases", mine).json()["items"]}
    assert a in listed and b not in listed


def test_a_case_is_opened_only_at_a_court_that_hears_its_matter(api, stack):
    lawyer = api.lawyer()
    cases = stack.db("filings").cases
    before = cases.count_documents({})
    response = api.open_case(lawyer, court_id="01010", matter="civil")
    assert response.status_code == 422 and response.json()["error"] == "matter_not_handled"
    assert "matter" in response.json()["details"]["fields"]
    assert cases.count_documents({}) == before


def test_a_lawyer_acts_only_for_the_party_they_represent(api, stack):
    lawyer, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    filings = stack.db("filings").filings
    before = filings.count_documents({"case_number": case_number})
    other_side = api.file(lawyer, case_number, represents="Demandado Dos")
    assert other_side.status_code == 422 and "represents" in other_side.json()["details"]["fields"]
    blank = api.file(lawyer, case_number, summary="   ")
    assert blank.status_code == 422 and "summary" in blank.json()["details"]["fields"]
    assert filings.count_documents({"case_number": case_number}) == before
    assert api.file(lawyer, case_number, represents="Actor Uno, S.A.").status_code == 201


def test_the_case_list_pages_with_a_cursor_newest_first_without_repeats(api):
    lawyer = api.lawyer()
    opened = [api.new_case(lawyer)["case_number"] for _ in range(5)]
    seen, cursor, pages = [], None, 0
    while True:
        query = "?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = api.get("/api/v1/cases" + query, lawyer)
        assert page.status_code == 200, page.text
        body = page.json()
        assert len(body["items"]) <= 2
        seen += [item["case_number"] for item in body["items"]]
        pages += 1
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert pages == 3
    assert seen == list(reversed(opened))  # newest first, each once
    assert api.get("/api/v1/cases?cursor=no-es-un-cursor", lawyer).status_code == 422


def test_a_case_read_carries_an_etag_and_a_304_is_still_authorised_and_audited(api, stack):
    lawyer, clerk, outsider = api.lawyer(), api.clerk(), api.lawyer()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    audit = stack.db("filings").audit
    reads = {"target": f"case:{case_number}", "action": "read_case"}
    first = api.get(f"/api/v1/cases/{case_number}", lawyer)
    etag = first.headers["ETag"]
    again = api.get(f"/api/v1/cases/{case_number}", lawyer, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    # the same ETag gives nothing to someone who may not read the case, and the attempt is logged
    denied = api.get(f"/api/v1/cases/{case_number}", outsider, headers={"If-None-Match": etag})
    assert denied.status_code == 403
    assert audit.count_documents({**reads, "outcome": "allowed"}) == 2
    assert audit.count_documents({**reads, "outcome": "denied"}) == 1
    # a new folio changes the case file, its ETag and the body every reader gets
    filed = api.file(lawyer, case_number).json()
    assert api.review(clerk, filed["filing_id"]).status_code == 200
    changed = api.get(f"/api/v1/cases/{case_number}", lawyer, headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["ETag"] != etag
    assert filed["filing_id"] in {entry["id"] for entry in changed.json()["entries"]}
    assert api.get(f"/api/v1/cases/{case_number}", clerk).json() == changed.json()


def test_an_oversized_if_none_match_is_refused(api):
    lawyer, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    response = api.get(f"/api/v1/cases/{case_number}", lawyer, headers={"If-None-Match": '"' + "0" * 1100 + '"'})
    assert response.status_code == 400 and response.json()["details"]["header"] == "If-None-Match"
