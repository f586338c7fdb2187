"""Every event stream the API documents (an operation answering text/event-stream: the chat staff's, the lawyer's
web chat, the mailbox's) is not cut by the proxy before the gateway ends it."""
import pytest

from gateway.live import MAX_STREAM_SECONDS
from gateway.openapi import build_spec
from gateway.service import Gateway
from tests.deploy.test_k8s_manifests import OVERLAYS, named

STREAMS = sorted(path for path, operations in build_spec(Gateway)["paths"].items()
                 for operation in operations.values()
                 if "text/event-stream" in (operation["responses"].get("200", {}).get("content") or {}))


def test_the_streams_are_found_in_the_document():
    assert {"/api/v1/chat/stream", "/api/v1/chat/web/stream", "/api/v1/mailbox/stream"} <= set(STREAMS)


@pytest.mark.parametrize("path", STREAMS)
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_event_stream_outlives_the_gateways_own_limit_at_the_proxy(overlay, path):
    route = named(overlay, "HTTPRoute", "portal-judicial")
    [rule] = [rule for rule in route["spec"]["rules"]
              if rule.get("matches") == [{"path": {"type": "Exact", "value": path}}]]
    assert rule["backendRefs"] == [{"name": "gateway", "port": 80}]
    for key in ("request", "backendRequest"):
        value = rule["timeouts"][key]
        assert value.endswith("s") and int(value[:-1]) > MAX_STREAM_SECONDS
