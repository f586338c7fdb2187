"""The OpenAPI document is the contract: it states what the API checks, and the API answers as it says.

Each case here is a finding of the API fuzzer that once slipped through; tests/integration/test_api_fuzz.py
runs the fuzzer itself.
"""
import re

import pytest
import requests
from nameko.web.handlers import http

from gateway.openapi import check_routes, doc
from gateway.routes.filings import FilingsRoutes
from gateway.routes.system import SystemRoutes


@pytest.fixture(scope="module")
def spec(api):
    response = api.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def parameter(spec, path, method, name):
    found = [p for p in spec["paths"][path][method]["parameters"] if p["name"] == name]
    assert found, f"{method.upper()} {path} does not document {name}"
    return found[0]


def test_the_document_states_the_ranges_patterns_and_parts_the_api_enforces(spec):
    # GET /calendar/closures?year=0 was refused with a range the document did not state
    year = parameter(spec, "/api/v1/calendar/closures", "get", "year")["schema"]
    assert (year["minimum"], year["maximum"]) == (1900, 2100)
    # ?case_number=&cursor= was refused with formats the document did not state
    notices = "/api/v1/mailbox/notifications"
    assert re.fullmatch(parameter(spec, notices, "get", "case_number")["schema"]["pattern"], "01001-2026-00001")
    cursor = parameter(spec, notices, "get", "cursor")["schema"]["pattern"]
    assert re.search(cursor, "1764772800000_0123456789abcdef0123456789abcdef") and not re.search(cursor, "")
    # POST /cases without a documents part was refused, and the document did not say it was required
    upload = spec["paths"]["/api/v1/cases"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert set(upload["schema"]["required"]) == {"metadata", "documents"}
    assert upload["schema"]["properties"]["documents"]["minItems"] == 1
    assert upload["encoding"]["documents"]["contentType"] == "application/pdf"
    # a rejection without a reason is a 422: the document says a rejection needs one
    review = spec["components"]["schemas"]["Review"]
    reject = [rule for rule in review["oneOf"] if rule["properties"]["decision"]["enum"] == ["reject"]][0]
    assert reject["required"] == ["reason"]
    assert not re.search(reject["properties"]["reason"]["pattern"], "   ")


def test_every_operation_documents_its_path_patterns_and_the_errors_it_can_answer(spec):
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            codes = set(operation["responses"])
            assert {"422", "503", "504"} <= codes, (method, path)
            for param in operation["parameters"]:
                if param["in"] == "path":
                    assert param["schema"].get("pattern"), (method, path, param["name"])
                    assert "404" in codes
            if operation.get("security"):
                assert "401" in codes, (method, path)
            if "requestBody" in operation:
                assert {"400", "413", "415", "422"} <= codes, (method, path)


def test_an_undeclared_method_is_answered_405_with_allow(api):
    for path, allowed in (("/api/v1/courts", "GET, HEAD"), ("/api/v1/calendar/closures", "GET, HEAD, POST"),
                          ("/api/v1/mailbox/profile", "GET, HEAD, PUT")):
        response = requests.request("TRACE", api.url + path, timeout=10)
        assert response.status_code == 405
        assert response.headers["Allow"] == allowed
        assert response.json()["error"] == "method_not_allowed"


def test_a_malformed_identifier_in_a_path_is_not_found_before_any_service_is_asked(api, stack):
    lawyer = api.lawyer()
    audit = stack.db("filings").audit  # the service writes every document read, found or not, to its audit log
    before = audit.count_documents({})
    for path, code in (("/api/v1/cases/01001-2026", "case_not_found"), ("/api/v1/filings/NO-ES-UN-ID", "filing_not_found"),
                       ("/api/v1/documents/" + "g" * 32, "document_not_found"),
                       ("/api/v1/mailbox/notifications/" + "A" * 32, "notification_not_found")):
        response = api.get(path, lawyer)
        assert response.status_code == 404 and response.json()["error"] == code, (path, response.text)
    assert audit.count_documents({}) == before


def test_a_query_parameter_an_operation_does_not_take_is_named(api):
    response = api.get("/api/v1/cases/01001-2026-00001?expand=all", api.lawyer())
    assert response.status_code == 422 and "expand" in response.json()["details"]["fields"]
    response = api.get("/api/v1/courts?x=1")
    assert response.status_code == 422 and "x" in response.json()["details"]["fields"]


def test_two_routes_with_one_name_or_one_method_and_path_fail_at_start():
    class Shadow:
        @http("GET", "/api/v1/courts")
        @doc("Otra lista de tribunales", "expedientes", auth=False)
        def list_courts(self, request):
            return None

    with pytest.raises(TypeError, match="list_courts"):
        check_routes((FilingsRoutes, Shadow))

    class SamePath:
        @http("GET", "/api/v1/courts")
        @doc("La misma ruta con otro nombre", "expedientes", auth=False)
        def other_courts(self, request):
            return None

    with pytest.raises(TypeError, match="routed twice"):
        check_routes((FilingsRoutes, SamePath))
    check_routes((SystemRoutes, FilingsRoutes))  # the real groups pass
