"""The event streams (GET /api/v1/chat/stream, GET /api/v1/mailbox/stream) are not cut by the proxy before the
gateway ends them."""
import pytest

from gateway.live import MAX_STREAM_SECONDS
from tests.deploy.test_k8s_manifests import OVERLAYS, named


@pytest.mark.parametrize("path", ["/api/v1/chat/stream", "/api/v1/mailbox/stream"])
@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_event_stream_outlives_the_gateways_own_limit_at_the_proxy(overlay, path):
    route = named(overlay, "HTTPRoute", "portal-judicial")
    [rule] = [rule for rule in route["spec"]["rules"]
              if rule.get("matches") == [{"path": {"type": "Exact", "value": path}}]]
    assert rule["backendRefs"] == [{"name": "gateway", "port": 80}]
    for key in ("request", "backendRequest"):
        value = rule["timeouts"][key]
        assert value.endswith("s") and int(value[:-1]) > MAX_STREAM_SECONDS
