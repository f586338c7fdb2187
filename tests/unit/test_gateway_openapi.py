"""The OpenAPI document is built from the gateway's own routes: a documented operation without its route, or a link
to an operation that does not exist, stops the build (and so the gateway's start) instead of vanishing quietly."""
import pytest

from gateway.base import GatewayBase
from gateway.openapi import build_spec, doc
from gateway.service import Gateway
from gateway.web import json_response, route


def test_the_gateways_document_builds_and_every_link_names_an_operation():
    document = build_spec(Gateway)
    operations = {op["operationId"] for path in document["paths"].values() for op in path.values()}
    assert {"case_notifications", "get_case", "chat_stream", "mailbox_stream"} <= operations
    for path in document["paths"].values():
        for op in path.values():
            for response in op["responses"].values():
                for link in (response.get("links") or {}).values():
                    assert link["operationId"] in operations


def test_a_documented_operation_without_its_route_stops_the_build():
    class LostRoute(GatewayBase):
        @doc("Algo", "pruebas", auth=False)
        def lost(self, request):
            return json_response({})

    with pytest.raises(TypeError, match="lost: documented with @doc but served by no @route"):
        build_spec(LostRoute)


def test_a_link_to_an_operation_that_does_not_exist_stops_the_build():
    class BrokenLink(GatewayBase):
        @route("GET", "/api/v1/pruebas")
        @doc("Algo", "pruebas", auth=False, links={"Nowhere": {"operationId": "no_such_operation"}})
        def linked(self, request):
            return json_response({})

    with pytest.raises(TypeError, match="link Nowhere names no operation: no_such_operation"):
        build_spec(BrokenLink)
