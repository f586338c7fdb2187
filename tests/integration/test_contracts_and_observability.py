"""What other teams and operators rely on: payloads match the contracts, the
OpenAPI document describes the real routes, metrics and logs are there."""
import json
import subprocess
import sys

from marshmallow import RAISE

from contracts.events import CATALOGUE, schema_for
from contracts.filings import CaseListSchema, CaseSchema, FilingSchema, OpenCaseResponseSchema, ResolutionSchema
from gateway.openapi import build_spec
from gateway.service import Gateway
from services.runtime.config import ROOT


def test_every_event_the_producer_emitted_matches_its_contract(api, stack):
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    opened = api.accepted_case(lawyer, clerk)
    api.review(clerk, api.file(lawyer, opened["case_number"]).json()["filing_id"], "reject", reason="Ilegible")
    api.resolve(judge, opened["case_number"])
    emitted = list(stack.db("filings").outbox.find())
    assert {e["event_type"] for e in emitted} >= {"case_opened", "filing_received", "filing_reviewed", "resolution_issued"}
    for event in emitted:
        entry = CATALOGUE[event["event_type"]]
        assert entry["producer"] == event["source"] == "filings"
        assert event["version"] == entry["version"]
        schema_for(event["event_type"]).load(event["data"], unknown=RAISE)


def test_responses_match_the_published_schemas(api):
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    opened = api.open_case(lawyer).json()
    OpenCaseResponseSchema().load(opened)
    FilingSchema().load(api.review(clerk, opened["receipt"]["filing_id"]).json())
    ResolutionSchema().load(api.resolve(judge, opened["case_number"]).json())
    CaseSchema().load(api.get(f"/api/v1/cases/{opened['case_number']}", lawyer).json())
    CaseListSchema().load(api.get("/api/v1/cases?status=received", clerk).json())


def test_openapi_describes_every_route(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["openapi"].startswith("3.")
    paths = spec["paths"]
    for path, method in [("/api/v1/cases", "post"), ("/api/v1/cases", "get"), ("/api/v1/cases/{case_number}", "get"),
                         ("/api/v1/cases/{case_number}/filings", "post"), ("/api/v1/filings/{filing_id}", "get"),
                         ("/api/v1/filings/{filing_id}/review", "post"), ("/api/v1/documents/{document_id}", "get"),
                         ("/api/v1/cases/{case_number}/resolutions", "post"), ("/api/v1/courts", "get")]:
        assert method in paths[path], (path, method)
    upload = paths["/api/v1/cases/{case_number}/filings"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert {"201", "401", "403", "404", "409", "413", "415", "422", "503", "504"} <= set(upload["responses"])
    review = paths["/api/v1/filings/{filing_id}/review"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert review["$ref"].endswith("/Review")
    assert spec["components"]["schemas"]["Review"]["properties"]["decision"]["enum"] == ["accept", "reject"]
    assert spec == json.loads(json.dumps(build_spec(Gateway)))


def test_metrics_count_entrypoints_by_outcome(api):
    lawyer = api.lawyer()
    api.get("/api/v1/cases/01001-2026-99999", lawyer)  # a 404 from the service
    text = api.get("/metrics").text
    assert "portal_gateway_entrypoint_duration_seconds_bucket" in text
    assert 'portal_gateway_entrypoint_calls_total{entrypoint="get_case",outcome="client_error"}' in text


def test_logs_are_json_lines_with_the_callers_correlation_id(api, stack):
    lawyer = api.lawyer()
    response = api.get("/api/v1/cases/01001-2026-99998", lawyer, headers={"X-Correlation-Id": "prueba-correlacion-42"})
    assert response.headers["X-Correlation-Id"] == "prueba-correlacion-42"
    for service in ("gateway", "filings"):
        lines = [json.loads(line) for line in stack.log_text(service).splitlines() if line.startswith("{")]
        assert any(line.get("correlation_id") == "prueba-correlacion-42" for line in lines), service


def test_production_refuses_to_start_without_a_jwt_secret():
    code = ("from gateway.auth import resolve_secret; from services.runtime.config import Settings;"
            "resolve_secret(Settings({'PORTAL_ENV': 'production', 'JWT_SECRET': None}))")
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode != 0 and "JWT_SECRET" in result.stderr
