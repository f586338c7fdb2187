"""GET /api/v1/chat/reports against the real stack: conversations with known instants written to the chat's
database, and the report's figures asserted exactly (volumes, median and p90 of first-response and resolution
times, SLA breaches, CSAT, complaints by area, topics); filters and the day's boundaries in the line's time zone;
the summary as CSV and the per-conversation export streamed in pages, both parsed back with the csv module;
who may ask (a supervisor everything, an agent only their own, anyone else 403); hostile query strings refused
with nothing changed."""
import csv
import datetime
import hashlib
import io
import json

import pytest

from tests.support import whatsapp as wa

pytestmark = pytest.mark.stack

UTC = datetime.timezone.utc
MEXICALI, TIJUANA, ENSENADA = wa.LINES
DAY = "2025-03-10"  # in America/Tijuana (UTC-7 since March 9th): 07:00Z on the 10th to 07:00Z on the 11th
T0 = datetime.datetime(2025, 3, 10, 16, 0, tzinfo=UTC)
ANA, BETO = "agente.reportes.ana", "agente.reportes.beto"
EXPORT_DAY, EXPORT_COUNT = "2025-04-01", 2100
_ids = iter(range(1, 10_000_000))


def new_id():
    return f"{next(_ids):032x}"


def message(conversation_id, line, direction, at, author=None, classification=None):
    return {"_id": new_id(), "conversation_id": conversation_id, "line": line, "direction": direction, "at": at,
            "created_at": at, "type": "text", "known": True, "text": "…", "status": "received" if direction == "in"
            else "read", "author": author, "classification": classification, "wamid": None}


def conversation(line, created_at, **extra):
    doc = {"_id": new_id(), "line": line, "wa_id": f"52{next(_ids):011d}", "contact": {"wa_id": "x", "name": None},
           "status": "open", "assignee": None, "labels": [], "created_at": created_at, "updated_at": created_at,
           "last_message_at": created_at, "last_user_message_at": created_at, "unanswered": 0}
    doc.update(extra)
    return doc


def known_world():
    """Ten conversations of Mexicali on the day (i = 0..9): the user writes at T0 + i hours (twice), a person
    answers i + 1 minutes later (durations 60..600 s); 0..3 are resolved 30·(i+1) minutes after opening (1800..7200 s)
    with a survey each (5, 4, 4 answered; the fourth unanswered); 2 and 7 are complaints (2 in the area «quejas»);
    5 and 6 missed SLA targets; labels and the classifier's cues on some. Plus four of Ensenada at the day's edges."""
    conversations, messages = [], []
    for i in range(10):
        first_in = T0 + datetime.timedelta(hours=i)
        extra = {"assignee": {"sub": ANA if i % 2 == 0 else BETO, "name": None}}
        if i < 4:
            extra.update(status="resolved", resolved_at=first_in + datetime.timedelta(minutes=30 * (i + 1)),
                         csat={"survey_id": new_id(), "status": "answered" if i < 3 else "sent",
                               "score": (5, 4, 4, None)[i], "via": "interactive"})
        if i == 2:
            extra.update(complaint=True, area="quejas")
        if i == 7:
            extra.update(complaint=True)
        if i == 5:
            extra.update(sla_breached=True, sla={"breaches": ["first_response", "next_response"]}, labels=["familiar"])
        if i == 6:
            extra.update(sla_breached=True, sla={"breaches": ["resolution"]}, labels=["familiar", "penal"])
        doc = conversation(MEXICALI, first_in + datetime.timedelta(seconds=1), **extra)
        conversations.append(doc)
        cues = {2: ["nadie_contesta"], 7: ["nadie_contesta", "tiempo_transcurrido"]}.get(i)
        label = {"label": "queja" if cues else "consulta", "cues": cues or []}
        messages.append(message(doc["_id"], MEXICALI, "in", first_in, classification=label))
        messages.append(message(doc["_id"], MEXICALI, "in", first_in + datetime.timedelta(seconds=20),
                                classification={"label": "consulta", "cues": []}))
        if i == 0:  # an automatic message (an out-of-office reply) is not a response
            messages.append(message(doc["_id"], MEXICALI, "out", first_in + datetime.timedelta(seconds=5)))
        messages.append(message(doc["_id"], MEXICALI, "out", first_in + datetime.timedelta(minutes=i + 1),
                                author={"sub": extra["assignee"]["sub"], "name": None}))
        if i < 4:  # the survey, automatic
            messages.append(message(doc["_id"], MEXICALI, "out", extra["resolved_at"]))
    for created in ("2025-03-10T06:59:59", "2025-03-10T07:00:00", "2025-03-11T06:59:59", "2025-03-11T07:00:00"):
        conversations.append(conversation(ENSENADA, datetime.datetime.fromisoformat(created).replace(tzinfo=UTC)))
    return conversations, messages


@pytest.fixture(scope="module")
def seeded(stack):
    db = stack.db("chat")
    conversations, messages = known_world()
    db.conversations.insert_many(conversations)
    db.messages.insert_many(messages)
    start = datetime.datetime(2025, 4, 1, 7, 0, tzinfo=UTC)  # the export's day: many conversations, no messages
    db.conversations.insert_many([conversation(TIJUANA, start + datetime.timedelta(seconds=30 * k),
                                               assignee={"sub": ANA, "name": None}, labels=["-1+1"])
                                  for k in range(EXPORT_COUNT)])
    return conversations


@pytest.fixture(scope="module")
def tokens(stack, api):
    return {"supervisor": stack.token("supervisora.reportes", "chat_supervisor", name="Supervisora"),
            "ana": stack.token(ANA, "chat_agent", name="Ana"), "beto": stack.token(BETO, "chat_agent", name="Beto"),
            "lawyer": api.lawyer("abogado.reportes"), "clerk": api.clerk(), "citizen": api.citizen()}


def report(api, token, **query):
    query.setdefault("from", DAY)
    query.setdefault("to", DAY)
    response = api.get("/api/v1/chat/reports", token, params=query)
    assert response.status_code == 200, response.text
    return response


def test_a_supervisor_gets_the_known_figures(api, seeded, tokens):
    body = report(api, tokens["supervisor"], line=MEXICALI).json()
    assert body["period"] == {"from": DAY, "to": DAY, "time_zone": "America/Tijuana"}
    assert body["filters"] == {"line": MEXICALI, "agent": None, "area": None}
    assert body["volumes"] == {"conversations": 10, "messages_in": 20, "messages_out": 15, "resolved": 4}
    assert body["first_response"] == {"count": 10, "median_seconds": 330.0, "p90_seconds": 546.0}
    assert body["resolution"] == {"count": 4, "median_seconds": 4500.0, "p90_seconds": 6660.0}
    assert body["sla"] == {"breached_conversations": 2, "first_response": 1, "next_response": 1, "resolution": 1}
    assert body["csat"] == {"surveys_sent": 4, "answered": 3, "average": 4.33,
                            "distribution": {"1": 0, "2": 0, "3": 0, "4": 2, "5": 1}}
    assert body["complaints"] == {"total": 2, "by_area": [{"area": "mexicali", "count": 1},
                                                          {"area": "quejas", "count": 1}]}
    assert body["topics"]["labels"] == [{"topic": "familiar", "count": 2}, {"topic": "penal", "count": 1}]
    assert body["topics"]["cues"] == [{"topic": "nadie_contesta", "count": 2},
                                      {"topic": "tiempo_transcurrido", "count": 1}]
    assert body["topics"]["classification"] == {"queja": 2, "consulta": 18, "sugerencia": 0}


def test_the_volumes_of_each_day_add_up_to_the_periods(api, seeded, tokens):
    body = report(api, tokens["supervisor"], line=ENSENADA, **{"from": "2025-03-09", "to": "2025-03-11"}).json()
    assert body["by_day"] == [
        {"day": "2025-03-09", "conversations": 1, "messages_in": 0, "messages_out": 0},  # 06:59:59Z is the 9th there
        {"day": "2025-03-10", "conversations": 2, "messages_in": 0, "messages_out": 0},
        {"day": "2025-03-11", "conversations": 1, "messages_in": 0, "messages_out": 0}]
    mexicali = report(api, tokens["supervisor"], line=MEXICALI).json()
    assert mexicali["by_day"] == [{"day": DAY, "conversations": 10, "messages_in": 20, "messages_out": 15}]
    figures = dict(list(csv.reader(io.StringIO(report(api, tokens["supervisor"], line=MEXICALI,
                                                      format="csv").text)))[1:])
    assert figures[f"by_day.{DAY}.conversations"] == "10" and figures[f"by_day.{DAY}.messages_out"] == "15"


def test_the_openapi_document_describes_the_days(api):
    spec = api.get("/api/v1/openapi.json").json()
    schema = spec["paths"]["/api/v1/chat/reports"]["get"]["responses"]["200"]["content"]["application/json"]["schema"]
    report = spec["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    assert "by_day" in report["required"] and report["properties"]["by_day"]["type"] == "array"
    day = spec["components"]["schemas"][report["properties"]["by_day"]["items"]["$ref"].rsplit("/", 1)[-1]]
    assert set(day["required"]) == {"day", "conversations", "messages_in", "messages_out"}


def test_filters_and_the_days_edges_in_the_lines_time_zone(api, seeded, tokens):
    supervisor = tokens["supervisor"]
    assert report(api, supervisor).json()["volumes"]["conversations"] == 12  # ten of Mexicali, two of Ensenada's four
    assert report(api, supervisor, line=ENSENADA).json()["volumes"]["conversations"] == 2
    assert report(api, supervisor, line=ENSENADA, to="2025-03-11").json()["volumes"]["conversations"] == 3
    assert report(api, supervisor, agent=ANA).json()["volumes"]["conversations"] == 5
    assert report(api, supervisor, area="mexicali").json()["volumes"]["conversations"] == 9  # one has its own area
    quejas = report(api, supervisor, area="quejas").json()
    assert quejas["volumes"]["conversations"] == 1 and quejas["complaints"]["total"] == 1
    assert report(api, supervisor, line="999999").json()["volumes"]["conversations"] == 0


def test_an_agent_sees_only_their_own(api, seeded, tokens):
    own = report(api, tokens["beto"], line=MEXICALI).json()
    assert own["filters"]["agent"] == BETO and own["volumes"]["conversations"] == 5
    assert own["first_response"]["median_seconds"] == 360.0  # 120, 240, 360, 480, 600
    assert report(api, tokens["beto"], agent=BETO).json()["volumes"]["conversations"] == 5
    refused = api.get("/api/v1/chat/reports", tokens["beto"], params={"agent": ANA})
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"


@pytest.mark.parametrize("role", ["lawyer", "clerk", "citizen"])
def test_anyone_else_is_refused(api, seeded, tokens, role):
    response = api.get("/api/v1/chat/reports", tokens[role], params={"from": DAY, "to": DAY})
    assert response.status_code == 403, response.text
    assert api.get("/api/v1/chat/reports", params={"from": DAY}).status_code == 401


def test_the_summary_as_csv(api, seeded, tokens):
    response = report(api, tokens["supervisor"], line=MEXICALI, format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["metric", "value"]
    figures = dict(rows[1:])
    assert figures["volumes.conversations"] == "10" and figures["first_response.p90_seconds"] == "546.0"
    assert figures["resolution.median_seconds"] == "4500.0" and figures["csat.distribution.4"] == "2"
    assert figures["complaints.by_area.quejas"] == "1" and figures["sla.breached_conversations"] == "2"


def test_one_row_per_conversation_parsed_back(api, seeded, tokens):
    response = report(api, tokens["supervisor"], line=MEXICALI, per="conversation", format="csv")
    assert response.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 10
    by_id = {row["conversation_id"]: row for row in rows}
    first = by_id[seeded[0]["_id"]]
    assert first["opened_at"] == "2025-03-10T16:00:00Z" and first["first_response_seconds"] == "60.0"
    assert first["resolution_seconds"] == "1800.0" and first["csat_score"] == "5" and first["agent"] == ANA
    assert first["messages_in"] == "2" and first["messages_out"] == "3" and first["region"] == "Mexicali"
    sixth = by_id[seeded[5]["_id"]]
    assert sixth["sla_breached"] == "true" and sixth["sla_breaches"] == "first_response|next_response"
    assert sixth["resolved_at"] == "" and sixth["csat_score"] == "" and sixth["labels"] == "familiar"
    third = by_id[seeded[2]["_id"]]
    assert third["complaint"] == "true" and third["area"] == "quejas"
    # the summary is the sum of the rows
    assert sum(int(row["messages_in"]) for row in rows) == 20


def test_the_export_of_many_conversations_streams_in_pages(api, seeded, tokens):
    response = report(api, tokens["supervisor"], line=TIJUANA, per="conversation", format="csv",
                      **{"from": EXPORT_DAY, "to": EXPORT_DAY})
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == EXPORT_COUNT == len({row["conversation_id"] for row in rows})
    assert [row["opened_at"] for row in rows] == sorted(row["opened_at"] for row in rows)
    assert all(row["labels"] == "'-1+1" for row in rows)  # never a formula in a spreadsheet
    agent_only = report(api, tokens["beto"], per="conversation", **{"from": EXPORT_DAY, "to": EXPORT_DAY})
    assert list(csv.DictReader(io.StringIO(agent_only.text))) == []  # Ana's, not Beto's


def fingerprint(stack):
    db = stack.db("chat")
    return {name: hashlib.sha256(json.dumps(list(db[name].find({}, sort=[("_id", 1)])), default=str)
                                 .encode()).hexdigest()
            for name in ("conversations", "messages", "surveys", "sends")}


@pytest.mark.parametrize("query,field", [
    ({"from": "2025-02-30"}, "from"), ({"from": "hoy"}, "from"), ({"to": "2025-03-10T00:00:00Z"}, "to"),
    ({"from": "2025-03-11", "to": "2025-03-10"}, "from"), ({"from": "2020-01-01", "to": "2025-03-10"}, "to"),
    ({"from": "0001-01-01", "to": "9999-12-31"}, "to"), ({"to": "0001-01-05"}, "from"),
    ({"line": '{"$gt": ""}'}, "line"), ({"agent": "$where"}, "agent"), ({"area": "a' OR 1=1 --"}, "area"),
    ({"format": "xlsx"}, "format"), ({"per": "agent"}, "per"), ({"per": "conversation", "format": "json"}, "format"),
    ({"after": "2025-03-10T00:00:00+00:00|x"}, "after"), ({"line": "1" * 40}, "line"),
])
def test_hostile_query_strings_are_refused_and_change_nothing(stack, api, seeded, tokens, query, field):
    before = fingerprint(stack)
    response = api.get("/api/v1/chat/reports", tokens["supervisor"], params=query)
    assert response.status_code == 422, response.text
    body = response.json()
    assert field in body["details"]["fields"], body
    assert fingerprint(stack) == before


def test_a_repeated_parameter_is_refused(api, seeded, tokens):
    response = api.get(f"/api/v1/chat/reports?from={DAY}&from=2025-03-01", tokens["supervisor"])
    assert response.status_code == 422, response.text
