"""The public look-ups over HTTP, without a token: name search (accents, ñ, order, partial words, third parties,
best matches first, paging), listing by period and filters, the agenda, the iCalendar feeds, document
verification, ETags and 304s, the rate limit (on a gateway of its own with a low limit), and hostile input on
every public endpoint, each answered with its error while nothing in the read model changes."""
import datetime
import hashlib
import random
import time

import icalendar
import pytest
import requests

from tests.support.queries import (QueriesDb, case_opened, event, fake_case_number, hearing, publish, resolution,
                                   wait_for)

pytestmark = pytest.mark.stack
UTC = datetime.timezone.utc
NOT_ISSUED = "El documento no corresponde a ningún documento emitido por el Organismo Judicial."


def word():
    return "".join(random.choice("bcdfghjklmnpqrstvwxz") for _ in range(9))


@pytest.fixture(scope="module")
def world(api, stack):
    """Three amparos and an antejuicio whose parties carry a surname of their own (``tag``), a civil case with a
    hearing, and a resolution whose document the tests present."""
    tag = word()
    now = datetime.datetime.now(UTC).replace(microsecond=0)
    day = (now - datetime.timedelta(hours=6)).date() + datetime.timedelta(days=2)  # a local day ahead
    noon = datetime.datetime(day.year, day.month, day.day, 18, tzinfo=UTC)  # 12:00 in Guatemala
    a, b, c, d, civil = (fake_case_number() for _ in range(5))
    content = b"%PDF-1.4 resolucion verificable " + tag.encode()
    facts = [
        event("case_opened", case_opened(a, opened_at=(now - datetime.timedelta(days=3)).isoformat(), parties=[
            {"name": f"Ana Lucía Ñúñez {tag}", "role": "postulante", "office": None},
            {"name": "Concejo Municipal de Mixco", "role": "autoridad_impugnada", "office": None},
            {"name": f"Inversiones {tag} Peña, S.A.", "role": "tercero_interesado", "office": None}])),
        event("case_opened", case_opened(b, opened_at=(now - datetime.timedelta(days=2)).isoformat(), parties=[
            {"name": f"Lucía Anabella {tag}", "role": "postulante", "office": None}])),
        event("case_opened", case_opened(c, opened_at=(now - datetime.timedelta(days=1)).isoformat(), parties=[
            {"name": f"Pedro {tag}", "role": "postulante", "office": None},
            {"name": "Ana Ruiz", "role": "tercero_interesado", "office": None}])),
        event("case_opened", case_opened(d, matter="antejuicio", opened_at=now.isoformat(), act_complained=None,
                                         parties=[{"name": f"Rosa {tag}", "role": "denunciante", "office": None},
                                                  {"name": "Juan Gómez", "role": "funcionario",
                                                   "office": "Alcalde municipal de Mixco"}])),
        event("case_opened", case_opened(civil, matter="civil", court_id="01001",
                                         court_name="Juzgado Primero de Primera Instancia Civil")),
        event("resolution_issued", verified := resolution(a, 2, stage="admitido", content=content)),
        event("hearing_scheduled", h_amparo := hearing(a, 1, starts_at=noon)),
        event("hearing_scheduled", h_civil := hearing(civil, 1, matter="civil", court_id="01001",
                                                     court_name="Juzgado Primero de Primera Instancia Civil",
                                                     starts_at=noon + datetime.timedelta(hours=1))),
    ]
    publish(stack, *facts)
    db = QueriesDb(stack)
    assert wait_for(lambda: db.hearing(h_civil["hearing_id"]) and db.hearing(h_amparo["hearing_id"])
                    and db.col("actuaciones").find_one({"_id": verified["resolution_id"]})
                    and db.col("cases").count_documents({"_id": {"$in": [a, b, c, d]}, "public": True}) == 4)
    return {"tag": tag, "a": a, "b": b, "c": c, "d": d, "civil": civil, "content": content, "verified": verified,
            "h_amparo": h_amparo, "h_civil": h_civil, "day": day, "now": now}


def search(api, **params):
    response = api.get("/api/v1/public/cases", params=params)
    assert response.status_code == 200, response.text
    return response.json()


def numbers(page):
    return [item["case_number"] for item in page["items"]]


# --- search -----------------------------------------------------------------------------------------------------
def test_a_name_is_found_whatever_its_accents_tildes_case_order_or_partial_words(api, world):
    tag, a = world["tag"], world["a"]
    for q in (f"ana lucia nunez {tag}", f"ÑÚÑEZ {tag.upper()} Ana", f"{tag} luc ñuñ", f"nuñez   {tag[:4]}"):
        assert numbers(search(api, q=q)) == [a], q
    # a third party is searched like any other party
    assert numbers(search(api, q=f"inversiones {tag}")) == [a]
    # words of two different parties do not make a match
    assert numbers(search(api, q=f"{tag} mixco concejo")) == []


def test_best_matches_come_first_and_every_page_follows_the_last(api, world):
    tag = world["tag"]
    # "ana" is a whole word of case a's party and only the beginning of "Anabella" (case b)
    assert numbers(search(api, q=f"{tag} ana")) == [world["a"], world["b"]]
    first = search(api, q=f"{tag} ana", limit=1)
    assert numbers(first) == [world["a"]] and first["next_cursor"]
    second = search(api, q=f"{tag} ana", limit=1, cursor=first["next_cursor"])
    assert numbers(second) == [world["b"]] and second["next_cursor"] is None
    # a query that matches many never says "too many": it pages
    every = search(api, q=tag, limit=2)
    seen = numbers(every)
    while every["next_cursor"]:
        every = search(api, q=tag, limit=2, cursor=every["next_cursor"])
        seen += numbers(every)
    assert sorted(seen) == sorted([world["a"], world["b"], world["c"], world["d"]])


def test_an_antejuicio_shows_the_officials_office_and_the_filters_narrow_the_list(api, world):
    tag = world["tag"]
    found = search(api, q=f"rosa {tag}")["items"]
    assert [(i["matter"], i["official_office"], i["stage"]) for i in found] == [
        ("antejuicio", "Alcalde municipal de Mixco", "ingresado")]
    assert numbers(search(api, q=tag, matter="antejuicio")) == [world["d"]]
    assert numbers(search(api, q=tag, stage="admitido")) == [world["a"]]
    assert set(numbers(search(api, q=tag, year=2099, court_id="00001"))) == {world["a"], world["b"], world["c"],
                                                                           world["d"]}
    assert numbers(search(api, q=tag, year=2098)) == []
    # without q: a period, newest first (the civil case is never listed)
    today = (world["now"] - datetime.timedelta(hours=6)).date()
    listed = search(api, **{"from": (today - datetime.timedelta(days=3)).isoformat(), "to": today.isoformat(),
                            "year": 2099, "limit": 100})
    mine = [n for n in numbers(listed) if n in (world["a"], world["b"], world["c"], world["d"], world["civil"])]
    assert mine == [world["d"], world["c"], world["b"], world["a"]]


def test_the_case_of_another_matter_is_not_public_and_says_where_parties_see_it(api, world):
    response = api.get(f"/api/v1/public/cases/{world['civil']}")
    assert response.status_code == 404
    body = response.json()
    assert body["error"] == "case_not_public" and "expediente electrónico" in body["message"]
    unknown = api.get("/api/v1/public/cases/00001-2099-99999").json()
    assert unknown == {**body, "details": {"case_number": "00001-2099-99999"}}  # the same answer: nothing leaks


# --- the agenda and its feeds ---------------------------------------------------------------------------------------
def test_the_agenda_shows_every_public_hearing_of_a_day_in_utc_and_local_time(api, world):
    response = api.get("/api/v1/public/hearings", params={"date": world["day"].isoformat(), "limit": 200})
    assert response.status_code == 200
    items = {i["hearing_id"]: i for i in response.json()["items"]}
    amparo, civil = items[world["h_amparo"]["hearing_id"]], items[world["h_civil"]["hearing_id"]]
    assert amparo["parties"] and civil["parties"] is None  # party names only on amparo and antejuicio
    assert civil["court_name"] == "Juzgado Primero de Primera Instancia Civil" and civil["matter"] == "civil"
    starts = datetime.datetime.fromisoformat(civil["starts_at"].replace("Z", "+00:00"))
    assert datetime.datetime.fromisoformat(civil["starts_at_local"]) == starts
    assert civil["starts_at_local"].endswith("-06:00") and civil["duration_minutes"] == 60
    only = api.get("/api/v1/public/hearings", params={"date": world["day"].isoformat(), "court_id": "01001",
                                                      "case_number": world["civil"]}).json()["items"]
    assert [i["hearing_id"] for i in only] == [world["h_civil"]["hearing_id"]]


def test_the_agenda_filters_pages_and_takes_a_range_and_never_shows_a_reserved_familia_hearing(api, stack):
    civil_court = {"court_id": "01001", "court_name": "Juzgado Primero de Primera Instancia Civil"}
    day = (datetime.datetime.now(UTC) - datetime.timedelta(hours=6)).date() + datetime.timedelta(days=45)
    morning = datetime.datetime(day.year, day.month, day.day, 15, tzinfo=UTC)  # 9:00 in Guatemala
    civil, familia = fake_case_number(), fake_case_number()
    shapes = [("debate", "presencial"), ("conciliacion", "virtual"), ("debate", "virtual"), ("vista", "presencial")]
    scheduled = [hearing(civil, 1, matter="civil", starts_at=morning + datetime.timedelta(hours=i), room=f"Sala {i}",
                         kind=kind, mode=mode, **civil_court) for i, (kind, mode) in enumerate(shapes)]
    suspended = hearing(civil, 2, hearing_id=scheduled[3]["hearing_id"], matter="civil", status="suspendida",
                        reason="Se suspende", starts_at=morning + datetime.timedelta(hours=3), room="Sala 3",
                        kind="vista", **civil_court)
    hidden = hearing(familia, 1, matter="familia", reserved=True, starts_at=morning, room="Sala 9", **civil_court)
    publish(stack, event("case_opened", case_opened(civil, matter="civil", **civil_court)),
            event("case_opened", case_opened(familia, matter="familia", reserved=True, **civil_court)),
            *[event("hearing_scheduled", h) for h in scheduled], event("hearing_changed", suspended),
            event("hearing_scheduled", hidden))
    db = QueriesDb(stack)
    assert wait_for(lambda: db.hearing(hidden["hearing_id"]) and (db.hearing(suspended["hearing_id"]) or {})
                    .get("version") == 2 and all(db.hearing(h["hearing_id"]) for h in scheduled))
    ids = [h["hearing_id"] for h in scheduled]

    def shown(**params):
        response = api.get("/api/v1/public/hearings", params={"court_id": "01001", "limit": 200, **params})
        assert response.status_code == 200, response.text
        return [i["hearing_id"] for i in response.json()["items"] if i["case_number"] in (civil, familia)]

    on_the_day = {"date": day.isoformat()}
    assert shown(**on_the_day) == ids  # by start time; the familia case's hearing never
    assert shown(kind="debate", **on_the_day) == [ids[0], ids[2]]
    assert shown(mode="virtual", **on_the_day) == [ids[1], ids[2]]
    assert shown(status="suspendida", **on_the_day) == [ids[3]]
    assert shown(kind="debate", mode="virtual", **on_the_day) == [ids[2]]
    assert shown(**{"from": (day - datetime.timedelta(days=1)).isoformat(), "to": day.isoformat()}) == ids
    assert shown(**{"from": (day + datetime.timedelta(days=1)).isoformat(),
                    "to": (day + datetime.timedelta(days=2)).isoformat()}) == []
    pages, cursor = [], None
    while True:  # two at a time, each page after the last
        params = {"court_id": "01001", "case_number": civil, "limit": 2, **on_the_day, **({"cursor": cursor} if cursor
                                                                                          else {})}
        page = api.get("/api/v1/public/hearings", params=params).json()
        pages.append([i["hearing_id"] for i in page["items"]])
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert pages == [ids[:2], ids[2:]]


def test_the_court_feed_and_the_case_search_answer_304_to_their_etag(api, world):
    for path, params in (("/api/v1/public/hearings.ics", {"court_id": "00001"}),
                         ("/api/v1/public/cases", {"q": world["tag"]})):
        first = api.get(path, params=params)
        assert first.status_code == 200 and first.headers["ETag"], path
        again = api.get(path, params=params, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.content == b"", path


def test_the_feeds_are_icalendar_a_calendar_application_reads(api, world):
    court = api.get("/api/v1/public/hearings.ics", params={"court_id": "00001"})
    assert court.status_code == 200 and court.headers["Content-Type"].startswith("text/calendar")
    uids = {str(e["UID"]) for e in icalendar.Calendar.from_ical(court.content).walk("VEVENT")}
    assert f"{world['h_amparo']['hearing_id']}@audiencias.oj.gob.gt" in uids
    case = api.get(f"/api/v1/public/cases/{world['civil']}/hearings.ics")
    events = icalendar.Calendar.from_ical(case.content).walk("VEVENT")
    assert [int(e["SEQUENCE"]) for e in events] == [1]
    empty = api.get("/api/v1/public/cases/00001-2099-99998/hearings.ics")
    assert empty.status_code == 200 and not icalendar.Calendar.from_ical(empty.content).walk("VEVENT")


# --- verification ----------------------------------------------------------------------------------------------------
def test_a_document_the_courts_issued_is_authentic_by_its_bytes_or_its_sha256(api, world):
    verified = world["verified"]
    response = api.http.post(api.url + "/api/v1/public/documents/verify",
                             files=[("document", ("copia.pdf", world["content"], "application/pdf"))], timeout=30)
    assert response.status_code == 200, response.text
    verdict = response.json()
    assert verdict["authentic"] is True and verdict["sha256"] == verified["document_sha256"]
    assert verdict["documents"] == [{
        "court_id": "00001", "court_name": verified["court_name"], "kind": "auto", "issued_at": verified["issued_at"],
        "issued_at_local": verdict["documents"][0]["issued_at_local"], "folio": verified["folio"],
        "case_number": world["a"], "case_reserved": False}]
    by_hash = api.get(f"/api/v1/public/documents/{verified['document_sha256'].upper()}").json()
    assert by_hash == verdict
    forged = world["content"] + b" alterado"
    refused = api.http.post(api.url + "/api/v1/public/documents/verify",
                            files=[("document", ("copia.pdf", forged, "application/pdf"))], timeout=30).json()
    assert refused == {"authentic": False, "sha256": hashlib.sha256(forged).hexdigest(), "message": NOT_ISSUED,
                       "documents": []}
    unknown = api.get(f"/api/v1/public/documents/{'0' * 64}")
    assert unknown.status_code == 200 and unknown.json()["message"] == NOT_ISSUED


def test_a_resolution_of_any_matter_verifies_and_a_reserved_ones_number_is_not_shown(api, stack):
    civil_court = {"court_id": "01001", "court_name": "Juzgado Primero de Primera Instancia Civil"}
    civil, familia = fake_case_number(), fake_case_number()
    civil_pdf, familia_pdf = (f"%PDF-1.4 resolucion {word()}".encode() for _ in range(2))
    of_civil = resolution(civil, 2, matter="civil", kind="sentencia", content=civil_pdf, **civil_court)
    of_familia = resolution(familia, 2, matter="familia", reserved=True, content=familia_pdf, **civil_court)
    publish(stack, event("case_opened", case_opened(civil, matter="civil", **civil_court)),
            event("case_opened", case_opened(familia, matter="familia", reserved=True, **civil_court)),
            event("resolution_issued", of_civil), event("resolution_issued", of_familia))

    def verdict(content):
        response = api.http.post(api.url + "/api/v1/public/documents/verify",
                                 files=[("document", ("copia.pdf", content, "application/pdf"))], timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    assert wait_for(lambda: verdict(civil_pdf)["authentic"] and verdict(familia_pdf)["authentic"])
    [civil_doc] = verdict(civil_pdf)["documents"]
    assert civil_doc["case_number"] == civil and civil_doc["kind"] == "sentencia" and not civil_doc["case_reserved"]
    [familia_doc] = verdict(familia_pdf)["documents"]
    assert familia_doc["case_number"] is None and familia_doc["case_reserved"] is True
    assert familia not in api.get(f"/api/v1/public/documents/{of_familia['document_sha256']}").text


# --- caching -----------------------------------------------------------------------------------------------------------
def test_reads_carry_an_etag_and_answer_304_until_the_answer_changes(api, stack, world):
    path, params = "/api/v1/public/hearings", {"date": world["day"].isoformat(), "court_id": "00001"}
    first = api.get(path, params=params)
    etag = first.headers["ETag"]
    assert first.headers["Cache-Control"] == "public, no-cache"
    again = api.get(path, params=params, headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.content == b"" and again.headers["ETag"] == etag
    for other in (f"/api/v1/public/cases/{world['a']}", f"/api/v1/public/cases/{world['a']}/hearings.ics",
                  f"/api/v1/public/documents/{world['verified']['document_sha256']}"):
        tag = api.get(other).headers["ETag"]
        assert api.get(other, headers={"If-None-Match": f'W/"x", {tag}'}).status_code == 304, other
    # a change of one hearing of that day: a new answer, a new ETag
    moved = hearing(world["a"], 2, hearing_id=world["h_amparo"]["hearing_id"], status="reprogramada",
                    reason="Cambio de sala", room="Sala 9",
                    starts_at=datetime.datetime.fromisoformat(world["h_amparo"]["starts_at"].replace("Z", "+00:00")))
    publish(stack, event("hearing_changed", moved))
    assert wait_for(lambda: api.get(path, params=params, headers={"If-None-Match": etag}).status_code == 200)
    changed = api.get(path, params=params)
    assert changed.headers["ETag"] != etag
    assert "Sala 9" in changed.text


# --- hostile input ---------------------------------------------------------------------------------------------------------
def state(stack):
    db = stack.db("queries")
    return {name: db[name].count_documents({}) for name in db.list_collection_names()
            if not name.startswith("system.")}


def settled_state(stack, quiet=1.0, timeout=20):
    """The read model once the facts of earlier tests have stopped arriving (the same for ``quiet`` seconds)."""
    deadline = time.monotonic() + timeout
    last = state(stack)
    while time.monotonic() < deadline:
        time.sleep(quiet)
        now = state(stack)
        if now == last:
            return now
        last = now
    return last


HOSTILE = [
    # (path, params, status, error code)
    ("/api/v1/public/cases", {"q": "x" * 5000}, 422, "validation_error"),
    ("/api/v1/public/cases", {"q": ".*"}, 422, "invalid_query"),
    ("/api/v1/public/cases", {"q": "(?:)|^$"}, 422, "invalid_query"),
    ("/api/v1/public/cases", {"q": "\x00"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"court_id": '{"$gt": ""}'}, 422, "validation_error"),
    ("/api/v1/public/cases", {"court_id[$gt]": ""}, 422, "validation_error"),
    ("/api/v1/public/cases", {"matter": "amparo", "matter[$ne]": "x"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"stage": "$where"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"$where": "sleep(1000)"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"matter": "civil"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"year": "2026abc"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"from": "2026-03-10", "to": "2026-03-01"}, 422, "invalid_range"),
    ("/api/v1/public/cases", {"from": "2026-02-30"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"court_id": "99999"}, 404, "court_not_found"),
    ("/api/v1/public/cases", {"cursor": "../../etc"}, 422, "validation_error"),
    ("/api/v1/public/cases", {"limit": "100000"}, 422, "validation_error"),
    ("/api/v1/public/hearings", {"date": "2026-13-45"}, 422, "validation_error"),
    ("/api/v1/public/hearings", {"date": "ayer"}, 422, "validation_error"),
    ("/api/v1/public/hearings", {"from": "2026-03-10", "to": "2026-03-01"}, 422, "invalid_range"),
    ("/api/v1/public/hearings", {"from": "2026-03-01", "to": "2026-04-09"}, 422, "range_too_long"),
    ("/api/v1/public/hearings", {"from": "2026-03-01"}, 422, "invalid_range"),
    ("/api/v1/public/hearings", {"date": "2026-03-01", "to": "2026-03-02"}, 422, "invalid_range"),
    ("/api/v1/public/hearings", {"court_id": "99999"}, 404, "court_not_found"),
    ("/api/v1/public/hearings", {"court_id": {"$gt": ""}}, 422, "validation_error"),
    ("/api/v1/public/hearings", {"status": "$where"}, 422, "validation_error"),
    ("/api/v1/public/hearings", {"case_number": ".*"}, 422, "validation_error"),
    ("/api/v1/public/hearings.ics", {}, 422, "validation_error"),
    ("/api/v1/public/hearings.ics", {"court_id": "99999"}, 404, "court_not_found"),
    ("/api/v1/public/hearings.ics", {"court_id": "0000[1]"}, 422, "validation_error"),
    ("/api/v1/public/cases/.*", {}, 404, "case_not_found"),
    ("/api/v1/public/cases/00001-2099-00001/hearings.ics", {"x": "1"}, 422, "validation_error"),
    ("/api/v1/public/cases/00001-2099-00001/resolutions/$where/document", {}, 404, "resolution_not_found"),
    ("/api/v1/public/documents/not-a-hash", {}, 404, "route_not_found"),
    ("/api/v1/public/documents/" + "g" * 64, {}, 404, "document_not_found"),
]


def test_hostile_input_on_every_public_read_is_refused_and_changes_nothing(api, stack, world):
    before = settled_state(stack)
    for path, params, status, code in HOSTILE:
        response = api.get(path, params=params)
        assert response.status_code == status, (path, params, response.text)
        body = response.json()
        assert body["message"] and isinstance(body["details"], dict)
        assert body["error"] == code, (path, params, body)
    # metacharacters and operators in q are separators, never patterns or operators: each finds what its words
    # alone find (the world's random surname may begin with any letter, so "a|b" may well find "Ana B…")
    for q, plain in (('{"$gt": ""}', "gt"), ("$where", "where"), ("a|b.*", "a b"), ("[a-z]+ \\d", "a z d")):
        assert numbers(search(api, q=q)) == numbers(search(api, q=plain)), q
    assert world["a"] not in numbers(search(api, q='{"$gt": ""}'))  # not "everything"
    assert state(stack) == before


def test_hostile_uploads_to_the_verification_are_refused_and_change_nothing(api, stack, world):
    before = settled_state(stack)
    url = api.url + "/api/v1/public/documents/verify"
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 100
    cases = [
        ({"files": [("document", ("foto.pdf", png, "application/pdf"))]}, 415, "pdf_not_pdf"),
        ({"files": [("document", ("vacio.pdf", b"", "application/pdf"))]}, 422, "empty_document"),
        ({"files": [("metadata", (None, "{}", "application/json")),
                    ("document", ("a.pdf", world["content"], "application/pdf"))]}, 422, "unexpected_part"),
        ({"files": [("document", ("a.pdf", world["content"], "application/pdf")),
                    ("document", ("b.pdf", world["content"], "application/pdf"))]}, 413, "too_many_documents"),
        ({"files": [("otro", ("a.pdf", world["content"], "application/pdf"))]}, 422, "unexpected_part"),
        ({"json": {"document": "JVBERi0="}}, 415, "unsupported_media_type"),
        ({"data": b"%PDF-1.4", "headers": {"Content-Type": "application/pdf"}}, 415, "unsupported_media_type"),
    ]
    for kwargs, status, code in cases:
        response = requests.post(url, timeout=30, **kwargs)
        assert response.status_code == status, (code, response.text)
        assert response.json()["error"] == code
    assert state(stack) == before


# --- the rate limit ------------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def limited_gateway(stack):
    """A second gateway on the suite's services with a low limit, behind one trusted proxy (the client is the
    address in X-Forwarded-For)."""
    with stack.extra_gateway("gateway-limited", {"RATE_LIMIT_PER_SECOND": "2", "RATE_LIMIT_BURST": "5",
                                                 "RATE_LIMIT_TRUSTED_PROXIES": "1"}) as url:
        # its first call through the broker answered (on a busy machine a new process's first RPC can outlast the
        # timeout): the rate limit is what is tested, not a cold start; /courts is not limited
        assert wait_for(lambda: requests.get(url + "/api/v1/courts", timeout=30).status_code == 200, timeout=60)
        yield url


def test_a_client_over_its_rate_gets_429_with_retry_after_and_others_are_not_affected(limited_gateway, world):
    path = limited_gateway + f"/api/v1/public/cases/{world['a']}"
    me, other = {"X-Forwarded-For": "203.0.113.7"}, {"X-Forwarded-For": "198.51.100.9"}
    statuses = [requests.get(path, headers=me, timeout=10).status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:]
    refused = requests.get(path, headers=me, timeout=10)
    assert refused.status_code == 429
    body = refused.json()
    assert body["error"] == "rate_limited" and "Espere" in body["message"]
    retry_after = int(refused.headers["Retry-After"])
    assert retry_after >= 1 and body["details"]["retry_after"] == retry_after
    # invalid requests count too, and another client is not affected
    assert requests.get(limited_gateway + "/api/v1/public/cases", params={"q": ".*"}, headers=me,
                        timeout=10).status_code == 429
    assert requests.get(path, headers=other, timeout=10).status_code == 200
    # routes that are not public look-ups are not limited here
    assert requests.get(limited_gateway + "/api/v1/courts", headers=me, timeout=10).status_code == 200
    time.sleep(retry_after)
    assert requests.get(path, headers=me, timeout=10).status_code == 200


def test_the_openapi_document_states_429_on_every_public_look_up(api):
    spec = api.get("/api/v1/openapi.json").json()
    public = [(path, method, op) for path, ops in spec["paths"].items() for method, op in ops.items()
              if op["tags"] == ["consultas públicas"]]
    assert len(public) == 8
    for path, method, op in public:
        assert "429" in op["responses"], (path, method)
        assert "security" not in op
