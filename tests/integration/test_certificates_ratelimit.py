"""The public certificate routes (download by code, verification by code and by PDF) are rate limited per client
with the gateway's one limiter, the same buckets as the public look-ups: 429 with Retry-After before anything is
read or stored, other clients unaffected, the routes that need a login not limited."""
import time

import pytest
import requests

from tests.support.certificates import citizen
from tests.support.pdfgen import make_pdf

pytestmark = pytest.mark.stack

CODE_PATH = "/api/v1/public/certificates/0000-0000-0000"


@pytest.fixture(scope="module")
def limited_gateway(stack):
    """A second gateway on the suite's services with a low limit (burst 5, 2 per second), behind one trusted
    proxy (the client is the address in X-Forwarded-For)."""
    with stack.extra_gateway("gateway-certificates-limited", {"RATE_LIMIT_PER_SECOND": "2", "RATE_LIMIT_BURST": "5",
                                                              "RATE_LIMIT_TRUSTED_PROXIES": "1"}) as url:
        yield url


def everything(stack):
    db = stack.db("certificates")
    return {name: db[name].count_documents({}) for name in db.list_collection_names()}


def client(address):
    return {"X-Forwarded-For": address}


def test_a_client_over_its_rate_gets_429_on_every_public_certificate_route(limited_gateway, stack):
    me, other = client("203.0.113.21"), client("198.51.100.22")
    statuses = [requests.get(limited_gateway + CODE_PATH, headers=me, timeout=10).status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and 429 in statuses[5:], statuses
    before = everything(stack)  # a refused request is not even audited: it never reaches the service
    refused = [
        requests.get(limited_gateway + CODE_PATH, headers=me, timeout=10),
        requests.get(limited_gateway + "/api/v1/public/certificates/download", params={"code": "0" * 20},
                     headers=me, timeout=10),
        requests.post(limited_gateway + "/api/v1/public/certificates/verify", headers=me, timeout=10,
                      files=[("document", ("constancia.pdf", make_pdf(), "application/pdf"))]),
        # invalid requests count too: refused before they are read
        requests.get(limited_gateway + "/api/v1/public/certificates/download", params={"code": "$ne"},
                     headers=me, timeout=10),
        # one limiter: the public look-ups draw from the same bucket
        requests.get(limited_gateway + "/api/v1/public/hearings", params={"date": "2026-01-05"}, headers=me,
                     timeout=10),
    ]
    for response in refused:
        assert response.status_code == 429, response.text
        body = response.json()
        assert body["error"] == "rate_limited" and "Espere" in body["message"]
        retry_after = int(response.headers["Retry-After"])
        assert retry_after >= 1 and body["details"]["retry_after"] == retry_after
    assert everything(stack) == before
    # another client is not affected; the routes that need a login are not limited
    assert requests.get(limited_gateway + CODE_PATH, headers=other, timeout=10).status_code == 200
    token, _ = citizen(stack)
    mine = requests.get(limited_gateway + "/api/v1/certificates", timeout=10,
                        headers={**me, "Authorization": f"Bearer {token}"})
    assert mine.status_code == 200, mine.text
    time.sleep(int(refused[0].headers["Retry-After"]))
    assert requests.get(limited_gateway + CODE_PATH, headers=me, timeout=10).status_code == 200


def test_the_openapi_document_states_429_on_every_public_certificate_route(api):
    spec = api.get("/api/v1/openapi.json").json()
    public = [(path, method) for path, ops in spec["paths"].items() for method, op in ops.items()
              if path.startswith("/api/v1/public/certificates")]
    assert len(public) == 3
    for path, method in public:
        assert "429" in spec["paths"][path][method]["responses"], (method, path)
