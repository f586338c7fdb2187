"""The electronic mailbox over HTTP, as lawyers and court staff use it: a resolution reaches
every lawyer on the case; opening, downloading, evidence and its verification, the clerk's
board, the summary, listing with filters and pagination; the court calendar."""
import datetime
import hashlib
import uuid
from concurrent.futures import ThreadPoolExecutor

import requests

from services.runtime.court_calendar import CourtCalendar
from services.mailbox.domain import deemed_service_at, due_at, due_date
from tests.support.mailbox import MailboxCase, emitted, envelope, iso, publish, resolution_data, wait_for
from tests.support.pdfgen import make_pdf

UTC = datetime.timezone.utc


def instant(text):
    return datetime.datetime.fromisoformat(text)


def events(stack, event_type, notification_id):
    return len(emitted(stack, notification_id, event_type))


def test_a_resolution_reaches_every_lawyer_and_is_opened_downloaded_and_proved(api, stack):
    case = MailboxCase(api, count=3, court_id="01002")
    a, b, c = case.subs
    pdf = make_pdf(pages=2, seed="mailbox-flow-auto")
    resolution = case.resolve(kind="auto", summary="Se abre a prueba por el plazo de ley", term_days=5,
                              document=("auto de prueba.pdf", pdf))
    assert sorted(resolution["recipients"]) == sorted(case.subs)

    # every lawyer on the case has it, unread, with the deemed instant of the rule
    calendar = CourtCalendar()
    items = {sub: case.wait_notice(sub, resolution["resolution_id"]) for sub in case.subs}
    for item in items.values():
        assert item["status"] == "unread" and item["opened"] is False
        assert item["accessed_at"] is None and item["served_at"] is None and item["due_date"] is None
        assert item["case_number"] == case.case_number and item["court_id"] == "01002"
        assert item["court_name"] == "Juzgado Segundo de Primera Instancia Civil"
        assert item["resolution_kind"] == "auto" and item["term_days"] == 5 and item["folio"] == resolution["folio"]
        assert item["issued_at"] == resolution["issued_at"]
        assert instant(item["issued_at"]) <= instant(item["available_at"]) < instant(item["issued_at"]) + datetime.timedelta(seconds=10)
        assert instant(item["deemed_service_at"]) == deemed_service_at(instant(item["available_at"]), calendar, "01002")
        assert "summary" not in item  # the content is shown on opening
        assert events(stack, "notification_available", item["notification_id"]) == 1
    notices = stack.db("mailbox").notifications
    assert notices.count_documents({"resolution_id": resolution["resolution_id"]}) == 3

    # the clerk's board before anyone opened it
    board = api.get(f"/api/v1/cases/{case.case_number}/notifications", case.clerk)
    assert board.status_code == 200, board.text
    rows = {row["recipient"]["sub"]: row for row in board.json()["items"]}
    assert set(rows) == set(case.subs)
    assert all(row["accessed_at"] is None and row["served_at"] is None for row in rows.values())

    # A opens it: the access is recorded once and serves the notice
    nid_a = items[a]["notification_id"]
    opened = api.get(f"/api/v1/mailbox/notifications/{nid_a}", case.tokens[a])
    assert opened.status_code == 200, opened.text
    notice = opened.json()
    assert notice["summary"] == "Se abre a prueba por el plazo de ley"
    assert notice["recipient"]["sub"] == a and notice["document_sha256"] == hashlib.sha256(pdf).hexdigest()
    assert notice["document_filename"] == "auto de prueba.pdf" and notice["document_size"] == len(pdf)
    assert notice["accessed_at"] and notice["served_at"] == notice["accessed_at"] and notice["served_by"] == "access"
    served_at = instant(notice["served_at"])
    assert notice["due_date"] == due_date(served_at, 5, calendar, "01002").isoformat()
    assert instant(notice["due_at"]) == due_at(served_at, 5, calendar, "01002")
    assert notice["status"] == "pending" and notice["opened"] is True
    again = api.get(f"/api/v1/mailbox/notifications/{nid_a}", case.tokens[a]).json()
    assert again["accessed_at"] == notice["accessed_at"] and again["served_at"] == notice["served_at"]
    assert events(stack, "notification_served", nid_a) == 1

    # B downloads the document: the exact bytes, and that is B's access
    nid_b = items[b]["notification_id"]
    download = api.get(f"/api/v1/mailbox/notifications/{nid_b}/document", case.tokens[b])
    assert download.status_code == 200, download.text
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.content == pdf
    assert download.headers["X-Content-SHA256"] == hashlib.sha256(download.content).hexdigest() == notice["document_sha256"]
    assert stack.db("mailbox")["documents.files"].count_documents({"metadata.document_id": notice["document_id"]}) == 1
    # the events of B's first access ride on the notice (pending_events) until the relay moves them: compare the rest
    b_notice = notices.find_one({"_id": nid_b}, {"pending_events": 0})
    assert b_notice["served_by"] == "access" and b_notice["accessed_at"] == b_notice["served_at"]
    # a second download comes from the mailbox's verified copy, and changes nothing
    assert api.get(f"/api/v1/mailbox/notifications/{nid_b}/document", case.tokens[b]).content == pdf
    assert notices.find_one({"_id": nid_b}, {"pending_events": 0}) == b_notice
    assert events(stack, "notification_served", nid_b) == 1

    # evidence: signed, verifiable by anyone, and an edit names the field
    evidence = api.get(f"/api/v1/mailbox/notifications/{nid_a}/evidence", case.tokens[a])
    assert evidence.status_code == 200, evidence.text
    evidence = evidence.json()
    assert evidence["algorithm"] == "Ed25519"
    assert evidence["evidence"]["accessed_at"] == notice["accessed_at"]
    assert evidence["evidence"]["served_by"] == "access" and evidence["evidence"]["due_date"] == notice["due_date"]
    assert evidence["evidence"]["recipient"] == {"sub": a, "name": f"Lic. {a}"}
    keys = api.get("/api/v1/public/evidence/keys").json()["keys"]
    assert evidence["key_id"] in [k["key_id"] for k in keys]
    verified = api.post_json("/api/v1/public/evidence/verify", evidence)
    assert verified.status_code == 200
    assert verified.json() == {"valid": True, "key_id": evidence["key_id"], "errors": [], "altered_fields": [],
                               "superseded_fields": []}
    edited = {**evidence, "evidence": {**evidence["evidence"], "summary": "Se declara sin lugar la demanda"}}
    result = api.post_json("/api/v1/public/evidence/verify", edited).json()
    assert result["valid"] is False and result["altered_fields"] == ["summary"]
    assert {(e["field"], e["code"]) for e in result["errors"]} == {("signature", "bad_signature"),
                                                                    ("evidence.summary", "altered_field")}

    # C's evidence before opening stays valid after C opens; what changed since is named
    nid_c = items[c]["notification_id"]
    before = api.get(f"/api/v1/mailbox/notifications/{nid_c}/evidence", case.tokens[c]).json()
    assert before["evidence"]["accessed_at"] is None and before["evidence"]["served_at"] is None
    rows = {row["recipient"]["sub"]: row for row in api.get(f"/api/v1/cases/{case.case_number}/notifications",
                                                            case.judge).json()["items"]}
    assert rows[a]["served_by"] == rows[b]["served_by"] == "access" and rows[c]["accessed_at"] is None
    assert rows[a]["due_date"] == notice["due_date"]
    assert api.get(f"/api/v1/mailbox/notifications/{nid_c}", case.tokens[c]).status_code == 200
    later = api.post_json("/api/v1/public/evidence/verify", before).json()
    assert later["valid"] is True and later["altered_fields"] == []
    assert later["superseded_fields"] == ["accessed_at", "due_date", "served_at", "served_by"]

    # audit: every opening, download and evidence is recorded
    audit = stack.db("mailbox").audit
    assert audit.count_documents({"target": f"notification:{nid_a}", "action": "open_notification", "outcome": "allowed"}) == 2
    assert audit.count_documents({"target": f"notification:{nid_b}", "action": "download_document", "outcome": "allowed"}) == 2
    assert audit.count_documents({"target": f"notification:{nid_a}", "action": "read_evidence"}) == 1


def test_summary_counts_and_due_soon(api, stack):
    case = MailboxCase(api, count=1, court_id="01001")
    sub = case.subs[0]
    token = case.tokens[sub]
    short = case.resolve(kind="decreto", summary="Plazo corto", term_days=2)
    long = case.resolve(kind="auto", summary="Plazo largo", term_days=10)
    untimed = case.resolve(kind="decreto", summary="Sin plazo", term_days=None)
    ids = {r["resolution_id"]: case.wait_notice(sub, r["resolution_id"])["notification_id"] for r in (short, long, untimed)}
    summary = api.get("/api/v1/mailbox/summary", token).json()
    assert summary == {"unread": 3, "served": 0, "due_soon": {"business_days": 3, "count": 0, "items": []}}
    for notification_id in ids.values():
        assert api.get(f"/api/v1/mailbox/notifications/{notification_id}", token).status_code == 200
    summary = api.get("/api/v1/mailbox/summary", token).json()
    assert summary["unread"] == 0 and summary["served"] == 3
    # only the 2-business-day term is due within the next 3 business days
    assert summary["due_soon"]["count"] == 1
    item = summary["due_soon"]["items"][0]
    assert item["notification_id"] == ids[short["resolution_id"]] and item["business_days_left"] == 2
    assert item["case_number"] == case.case_number and item["resolution_kind"] == "decreto"
    stored = stack.db("mailbox").notifications.find_one({"_id": ids[untimed["resolution_id"]]})
    assert stored["served_by"] == "access" and stored["due_date"] is None and stored["term_days"] is None
    assert api.get("/api/v1/mailbox/summary?x=1", token).status_code == 422


def test_listing_filters_and_cursor_pagination(api, stack):
    first = MailboxCase(api, count=1, court_id="01001")
    sub = first.subs[0]
    token = first.tokens[sub]
    second_case = api.accepted_case(token, first.clerk, "01001")["case_number"]
    resolutions = [first.resolve(summary=f"Decreto {i}", term_days=None if i == 0 else 3) for i in range(5)]
    for i in range(2):
        response = api.resolve(first.judge, second_case, summary=f"Segundo expediente {i}")
        assert response.status_code == 201
        resolutions.append(response.json())
    wait_for(lambda: len(api.get("/api/v1/mailbox/notifications?limit=100", token).json()["items"]) == 7)
    everything = api.get("/api/v1/mailbox/notifications?limit=100", token).json()
    assert everything["next_cursor"] is None
    order = [(i["available_at"], i["notification_id"]) for i in everything["items"]]
    assert order == sorted(order, reverse=True)  # newest first
    assert {i["resolution_id"] for i in everything["items"]} == {r["resolution_id"] for r in resolutions}

    pages, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        page = api.get("/api/v1/mailbox/notifications", token, params=params)
        assert page.status_code == 200, page.text
        pages.append([i["notification_id"] for i in page.json()["items"]])
        cursor = page.json()["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [3, 3, 1]
    assert sum(pages, []) == [i["notification_id"] for i in everything["items"]]

    # open the first one issued (no term) and the last one (term running)
    by_resolution = {i["resolution_id"]: i for i in everything["items"]}
    oldest, newest = by_resolution[resolutions[0]["resolution_id"]], by_resolution[resolutions[-1]["resolution_id"]]
    assert oldest["term_days"] is None and newest["term_days"] == 3
    for item in (oldest, newest):
        assert api.get(f"/api/v1/mailbox/notifications/{item['notification_id']}", token).status_code == 200

    def ids(**params):
        response = api.get("/api/v1/mailbox/notifications", token, params={"limit": 100, **params})
        assert response.status_code == 200, response.text
        return {i["notification_id"] for i in response.json()["items"]}

    all_ids = {i["notification_id"] for i in everything["items"]}
    assert ids(status="unread") == all_ids - {oldest["notification_id"], newest["notification_id"]}
    assert ids(status="served") == {oldest["notification_id"], newest["notification_id"]}
    assert ids(status="pending") == {newest["notification_id"]}
    assert len(ids(case_number=second_case)) == 2
    assert len(ids(case_number=first.case_number, status="unread")) == 4
    today = CourtCalendar().local_date(datetime.datetime.now(UTC))
    day = datetime.timedelta(days=1)
    assert ids(**{"from": today.isoformat(), "to": today.isoformat()}) == all_ids
    assert ids(**{"from": (today + day).isoformat()}) == set()
    assert ids(to=(today - day).isoformat()) == set()
    # another lawyer sees none of them
    assert not ({i["notification_id"] for i in api.get("/api/v1/mailbox/notifications?limit=100", api.lawyer()).json()["items"]}
                & all_ids)


def test_court_calendar_holidays_and_closures(api, stack):
    holidays = api.get("/api/v1/calendar/holidays?year=2025")
    assert holidays.status_code == 200, holidays.text
    by_date = {h["date"]: h for h in holidays.json()["items"]}
    assert by_date["2025-04-17"]["name"] == "Jueves Santo" and by_date["2025-04-18"]["name"] == "Viernes Santo"
    assert by_date["2025-04-19"]["name"] == "Sábado Santo"
    assert by_date["2025-04-16"]["half_day"] is True
    assert by_date["2025-06-30"]["name"] == "Día del Ejército"
    y2026 = {h["date"]: h["name"] for h in api.get("/api/v1/calendar/holidays?year=2026").json()["items"]}
    assert y2026["2026-06-29"] == "Día del Ejército" and "2026-06-30" not in y2026  # Tuesday: the Monday before
    assert y2026["2026-04-02"] == "Jueves Santo"

    admin = api.admin()
    body = {"date": "2027-03-03", "court_id": "01002", "reason": "Fumigación de la sede"}
    created = api.post_json("/api/v1/calendar/closures", body, admin)
    assert created.status_code == 201, created.text
    closure = created.json()
    assert closure["date"] == "2027-03-03" and closure["court_id"] == "01002" and closure["created_by"] == "admin"
    all_courts = api.post_json("/api/v1/calendar/closures", {"date": "2027-03-04", "court_id": None,
                                                             "reason": "Paro nacional de labores"}, admin)
    assert all_courts.status_code == 201 and all_courts.json()["court_id"] is None
    again = api.post_json("/api/v1/calendar/closures", body, admin)
    assert again.status_code == 409 and again.json()["error"] == "closure_exists"
    listed = api.get("/api/v1/calendar/closures?court_id=01002&year=2027", api.lawyer())
    assert listed.status_code == 200
    dates = [(c["date"], c["court_id"]) for c in listed.json()["items"]]
    assert ("2027-03-03", "01002") in dates and ("2027-03-04", None) in dates
    other_court = [(c["date"], c["court_id"]) for c in api.get("/api/v1/calendar/closures?court_id=01001&year=2027",
                                                               api.lawyer()).json()["items"]]
    assert ("2027-03-03", "01002") not in other_court and ("2027-03-04", None) in other_court
    assert api.get("/api/v1/calendar/closures").status_code == 401


def test_events_and_responses_match_the_published_contracts(api, stack):
    from marshmallow import RAISE

    from contracts.events import CATALOGUE, schema_for
    from contracts.mailbox import (BoardSchema, ClosureListSchema, EvidenceDocumentSchema, HolidayListSchema,
                                   NotificationListSchema, NotificationSchema, ProfileResponseSchema,
                                   PublicKeyListSchema, SummarySchema, VerifyResultSchema)

    case = MailboxCase(api, count=1, court_id="01001")
    sub, token = case.subs[0], case.tokens[case.subs[0]]
    resolution = case.resolve()
    notification_id = case.wait_notice(sub, resolution["resolution_id"])["notification_id"]
    NotificationListSchema().load(api.get("/api/v1/mailbox/notifications", token).json())
    NotificationSchema().load(api.get(f"/api/v1/mailbox/notifications/{notification_id}", token).json())
    SummarySchema().load(api.get("/api/v1/mailbox/summary", token).json())
    BoardSchema().load(api.get(f"/api/v1/cases/{case.case_number}/notifications", case.clerk).json())
    evidence = api.get(f"/api/v1/mailbox/notifications/{notification_id}/evidence", token).json()
    EvidenceDocumentSchema().load(evidence)
    VerifyResultSchema().load(api.post_json("/api/v1/public/evidence/verify", evidence).json())
    PublicKeyListSchema().load(api.get("/api/v1/public/evidence/keys").json())
    HolidayListSchema().load(api.get("/api/v1/calendar/holidays").json())
    ClosureListSchema().load(api.get("/api/v1/calendar/closures", token).json())
    ProfileResponseSchema().load(api.get("/api/v1/mailbox/profile", token).json())

    rows = emitted(stack, notification_id)
    assert sorted(e["event_type"] for e in rows) == ["notification_available", "notification_served"]
    for event in rows:
        entry = CATALOGUE[event["event_type"]]
        assert entry["producer"] == event["source"] == "mailbox" and event["version"] == entry["version"]
        schema_for(event["event_type"]).load(event["data"], unknown=RAISE)
    assert "mailbox.on_resolution_issued" in CATALOGUE["resolution_issued"]["consumers"]
    spec = api.get("/api/v1/openapi.json").json()["paths"]
    assert {"get", "put"} <= set(spec["/api/v1/mailbox/profile"])
    assert "post" in spec["/api/v1/public/evidence/verify"] and "security" not in spec["/api/v1/public/evidence/verify"]["post"]


def test_concurrent_first_openings_record_one_access_and_serve_once(api, stack):
    sub = f"twice-{uuid.uuid4().hex[:6]}"
    token = stack.token(sub, "lawyer", bar_number="1")
    data = resolution_data([sub])
    publish(stack, envelope(data))
    notices = stack.db("mailbox").notifications
    notice = wait_for(lambda: notices.find_one({"resolution_id": data["resolution_id"]}))
    assert notice and notice["accessed_at"] is None
    url = f"{stack.url}/api/v1/mailbox/notifications/{notice['_id']}"

    def open_it(_):
        return requests.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    with ThreadPoolExecutor(8) as pool:
        responses = list(pool.map(open_it, range(8)))
    assert [r.status_code for r in responses] == [200] * 8, [r.text for r in responses]
    stored = notices.find_one({"_id": notice["_id"]})
    assert stored["served_by"] == "access" and stored["served_at"] == stored["accessed_at"]
    for body in (r.json() for r in responses):  # every opener sees the one access that was written
        assert body["accessed_at"] == iso(stored["accessed_at"]) and body["served_at"] == iso(stored["served_at"])
        assert body["served_by"] == "access" and body["due_date"] == stored["due_date"]
    assert events(stack, "notification_served", notice["_id"]) == 1


def test_an_opening_whose_audit_entry_cannot_be_written_fails_and_a_retry_keeps_the_one_access(api, stack):
    """The first opening is made durable by the read's audit entry, written after it: if that entry cannot be
    stored, the lawyer gets no content (an error, not the notice), and a retry finds the access written once,
    with one notification_served event."""
    sub = f"audit-fails-{uuid.uuid4().hex[:6]}"
    token = stack.token(sub, "lawyer", bar_number="1")
    data = resolution_data([sub])
    publish(stack, envelope(data))
    db = stack.db("mailbox")
    notice = wait_for(lambda: db.notifications.find_one({"resolution_id": data["resolution_id"]}))
    url = f"/api/v1/mailbox/notifications/{notice['_id']}"
    # the audit log refuses this reader's entries (as a database that cannot take the write would)
    db.command("collMod", "audit", validator={"actor.sub": {"$ne": sub}}, validationAction="error")
    try:
        failed = api.get(url, token)
        assert failed.status_code >= 500 and "accessed_at" not in failed.text
    finally:
        db.command("collMod", "audit", validator={}, validationAction="error")
    assert db.audit.count_documents({"actor.sub": sub}) == 0
    written = db.notifications.find_one({"_id": notice["_id"]})
    assert written["accessed_at"] is not None  # applied before the audit entry failed

    retried = api.get(url, token)
    assert retried.status_code == 200, retried.text
    assert retried.json()["accessed_at"] == iso(written["accessed_at"])  # the same access, not a second one
    stored = db.notifications.find_one({"_id": notice["_id"]})
    assert stored["accessed_at"] == written["accessed_at"] and stored["served_by"] == "access"
    assert db.audit.count_documents({"actor.sub": sub, "action": "open_notification", "outcome": "allowed"}) == 1
    assert events(stack, "notification_served", notice["_id"]) == 1
