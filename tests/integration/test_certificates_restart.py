"""The certificates service killed between the payment and the issuance: after it restarts the certificate is
issued, once. A stack of its own, whose issuance job runs every 3 s, so the kill lands before it."""
import time

import pytest

from services.runtime import devstack
from tests.support.api import Api
from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, wait_issued
from tests.support.stack import TestStack

pytestmark = pytest.mark.stack

SERVICES = [s for s in devstack.SERVICES if s[0] in ("certificates", "gateway")]


@pytest.fixture(scope="module")
def slow_stack():
    stack = TestStack(services=SERVICES, extra_env={"ISSUANCE_INTERVAL": "3", "ISSUANCE_LEASE_SECONDS": "3"})
    try:
        yield stack.start()
    finally:
        stack.stop()


def test_killed_between_payment_and_issuance_issues_once_after_restart(slow_stack):
    api = Api(slow_stack)
    token, _ = citizen(slow_stack)
    request = api.post_json("/api/v1/certificates/requests", {}, token).json()
    paid = BankSimulator(slow_stack.url).send_once(BankSimulator(slow_stack.url).notice(
        request["payment"]["reference"]))
    assert paid.status_code == 200, paid.text
    process = slow_stack.stack.processes["certificates"]
    process.kill()  # SIGKILL: no clean shutdown
    db = slow_stack.db("certificates")
    assert db.requests.find_one({"_id": request["request_id"]})["status"] == "paid"  # the kill came first
    process.start()
    slow_stack.stack.wait("certificates")
    started = time.monotonic()
    issued = wait_issued(api, token, request["request_id"], timeout=30)
    assert time.monotonic() - started < 30
    assert db.certificates.count_documents({"request_id": request["request_id"]}) == 1
    assert db.outbox.count_documents({"event_type": "certificate_issued",
                                      "data.request_id": request["request_id"]}) == 1
    assert issued["certificate_id"] == db.certificates.find_one({"request_id": request["request_id"]})["_id"]
