"""The certificates service killed between the payment and the issuance (of a criminal-record certificate, of a
certified copy of the protocol archive): after it restarts the document is issued, once. A stack of its own, whose
issuance jobs run every 3 s, so the kill lands before them."""
import time

import pytest

from services.runtime import devstack
from tests.support.api import Api
from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, wait_issued
from tests.support.protocol import deposit, metadata, new_notary, wait_copy
from tests.support.stack import TestStack

pytestmark = pytest.mark.stack

SERVICES = [s for s in devstack.SERVICES if s[0] in ("certificates", "gateway")]


@pytest.fixture(scope="module")
def slow_stack():
    stack = TestStack(services=SERVICES, extra_env={"ISSUANCE_INTERVAL": "3", "COPY_ISSUANCE_INTERVAL": "3",
                                                           "ISSUANCE_LEASE_SECONDS": "3"})
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


def test_killed_between_copy_payment_and_issuance_issues_once_after_restart(slow_stack):
    api = Api(slow_stack)
    _, notary = new_notary(api, slow_stack)
    deed = deposit(api, notary, metadata(1))
    assert deed.status_code == 201, deed.text
    lawyer = api.lawyer()
    asked = api.post_json(f"/api/v1/protocol/instruments/{deed.json()['instrument_id']}/copies",
                          {"kind": "copia_simple", "purpose": "Proceso sucesorio"}, lawyer)
    assert asked.status_code == 201, asked.text
    copy = asked.json()
    bank = BankSimulator(slow_stack.url)
    paid = bank.send_once(bank.notice(copy["payment"]["reference"], amount=copy["payment"]["amount"]))
    assert paid.status_code == 200, paid.text
    process = slow_stack.stack.processes["certificates"]
    process.kill()  # SIGKILL: no clean shutdown
    db = slow_stack.db("certificates")
    stored = db.protocol_copies.find_one({"_id": copy["copy_id"]})
    assert stored["paid_at"] is not None and stored["issued_at"] is None  # the kill came first
    process.start()
    slow_stack.stack.wait("certificates")
    issued = wait_copy(api, lawyer, copy["copy_id"], timeout=30)
    assert issued["verification_code"]
    assert db.protocol_copies.count_documents({"_id": copy["copy_id"], "issued_at": {"$ne": None}}) == 1
    assert db["copy_documents.files"].count_documents({"_id": copy["copy_id"]}) == 1
    assert db.payments.count_documents({"reference": copy["payment"]["reference"]}) == 1
    pdf = api.get(f"/api/v1/protocol/copies/{copy['copy_id']}/document", lawyer)
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
