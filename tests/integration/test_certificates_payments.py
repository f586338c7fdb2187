"""The bank's payment notice: signed over the raw body, checked before anything is stored; every refusal
changes nothing; the same transaction twice (or by two connections at once) pays and issues once."""
import concurrent.futures
import time

import pytest

from tests.support.bank import BankSimulator, sign
from tests.support.certificates import citizen, wait_issued

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def bank(stack):
    return BankSimulator(stack.url)


def new_request(api, stack):
    token, cui = citizen(stack)
    response = api.post_json("/api/v1/certificates/requests", {}, token)
    assert response.status_code == 201, response.text
    return token, response.json()


def stored(stack, request):
    db = stack.db("certificates")
    return {"payments": db.payments.count_documents({"reference": request["payment"]["reference"]}),
            "status": db.requests.find_one({"_id": request["request_id"]})["status"],
            "jobs": db.issuance.count_documents({"_id": request["request_id"]})}


UNPAID = {"payments": 0, "status": "awaiting_payment", "jobs": 0}


@pytest.mark.parametrize("case", ["no_signature", "no_timestamp", "wrong_secret", "body_changed", "other_bank",
                                  "malformed_signature", "replayed_old", "from_the_future"])
def test_unsigned_forged_or_replayed_notice_is_401_and_stores_nothing(api, stack, bank, case):
    _, request = new_request(api, stack)
    notice = bank.notice(request["payment"]["reference"])
    raw = bank.raw(notice)
    now = int(time.time())
    if case == "no_signature":
        response = bank.send_once(raw, signature="")
    elif case == "no_timestamp":
        response = bank.send_once(raw, timestamp="", signature=sign(bank.secret, "", raw))
    elif case == "wrong_secret":
        response = bank.send_once(raw, secret="otro-secreto-que-no-es-del-banco")
    elif case == "body_changed":
        response = bank.send_once(raw.replace(b'"30.00"', b'"30.01"'), signature=sign(bank.secret, str(now), raw),
                                  timestamp=now)
    elif case == "other_bank":
        response = bank.send_once(bank.notice(request["payment"]["reference"], bank="banco_fantasma"))
    elif case == "malformed_signature":
        response = bank.send_once(raw, signature="md5=abc")
    elif case == "replayed_old":
        response = bank.send_once(raw, timestamp=now - 301)
    else:
        response = bank.send_once(raw, timestamp=now + 301)
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "invalid_signature"
    assert stored(stack, request) == UNPAID


@pytest.mark.parametrize("amount,currency", [("29.99", "GTQ"), ("30.00", "USD"), ("3000.00", "GTQ")])
def test_wrong_amount_or_currency_is_422_and_the_request_stays_unpaid(api, stack, bank, amount, currency):
    _, request = new_request(api, stack)
    response = bank.send_once(bank.notice(request["payment"]["reference"], amount=amount, currency=currency))
    assert response.status_code == 422, response.text
    assert response.json()["error"] == "payment_amount_mismatch"
    assert stored(stack, request) == UNPAID


def test_unknown_reference_is_404_and_a_mistyped_one_422(api, stack, bank):
    _, request = new_request(api, stack)
    reference = request["payment"]["reference"]
    digits = "0123456789"
    # a valid reference nobody was given: change the body and recompute nothing but a valid check digit
    from services.certificates.domain import luhn_digit
    body = str(int(reference[:-1]) + 1).zfill(11)
    unknown = body + str(luhn_digit(body))
    response = bank.send_once(bank.notice(unknown))
    assert response.status_code == 404 and response.json()["error"] == "reference_not_found"
    typo = reference[:-1] + digits[(digits.index(reference[-1]) + 1) % 10]
    response = bank.send_once(bank.notice(typo))
    assert response.status_code == 422 and "reference" in response.json()["details"]["fields"]
    assert stored(stack, request) == UNPAID


def test_the_same_transaction_twice_answers_the_same_and_changes_nothing(api, stack, bank):
    token, request = new_request(api, stack)
    notice = bank.notice(request["payment"]["reference"])
    first = bank.send_once(notice)
    assert first.status_code == 200, first.text
    issued = wait_issued(api, token, request["request_id"])
    second = bank.send_once(notice)
    assert second.status_code == 200 and second.json() == first.json()
    assert stored(stack, request) == {"payments": 1, "status": "issued", "jobs": 1}
    assert stack.db("certificates").certificates.count_documents({"request_id": request["request_id"]}) == 1
    # the same transaction id with other data is a conflict; another transaction for a paid request too
    changed = bank.send_once({**notice, "amount": "31.00"})
    assert changed.status_code == 409 and changed.json()["error"] == "transaction_reused"
    other = bank.send_once(bank.notice(request["payment"]["reference"]))
    assert other.status_code == 409 and other.json()["error"] == "already_paid"
    assert api.get(f"/api/v1/certificates/requests/{request['request_id']}", token).json() == issued


def test_two_connections_deliver_one_transaction_at_once_exactly_one_issuance(api, stack, bank):
    for _ in range(3):
        token, request = new_request(api, stack)
        notice = bank.notice(request["payment"]["reference"])
        raw = bank.raw(notice)
        timestamp = str(int(time.time()))
        signature = sign(bank.secret, timestamp, raw)
        senders = [BankSimulator(stack.url) for _ in range(4)]
        with concurrent.futures.ThreadPoolExecutor(4) as pool:
            answers = list(pool.map(lambda s: s.send_once(raw, timestamp=timestamp, signature=signature), senders))
        assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
        assert len({a.text for a in answers}) == 1
        wait_issued(api, token, request["request_id"])
        time.sleep(0.5)  # an extra issuance, if there were one, would have happened by now
        db = stack.db("certificates")
        assert db.payments.count_documents({"reference": request["payment"]["reference"]}) == 1
        assert db.certificates.count_documents({"request_id": request["request_id"]}) == 1
        assert db.outbox.count_documents({"event_type": "certificate_issued",
                                          "data.request_id": request["request_id"]}) == 1


def test_an_expired_request_cannot_be_paid(api, stack, bank):
    token, request = new_request(api, stack)
    db = stack.db("certificates")
    import datetime
    db.requests.update_one({"_id": request["request_id"]},
                           {"$set": {"expires_at": datetime.datetime.now(datetime.timezone.utc)}})
    assert api.get(f"/api/v1/certificates/requests/{request['request_id']}", token).json()["status"] == "expired"
    response = bank.send_once(bank.notice(request["payment"]["reference"]))
    assert response.status_code == 409 and response.json()["error"] == "request_expired"
    assert db.payments.count_documents({"reference": request["payment"]["reference"]}) == 0
    fresh = api.post_json("/api/v1/certificates/requests", {}, token).json()  # a new request replaces it
    assert fresh["request_id"] != request["request_id"] and fresh["status"] == "awaiting_payment"


def test_many_paid_at_once_are_issued_side_by_side_each_once_with_its_own_serial(api, stack, bank):
    """Paid together, more requests than a replica issues at once (ISSUANCE_CONCURRENCY, 4): each is issued once,
    with a serial of its own, one ``certificate_issued`` event and one audit entry each."""
    requests = [new_request(api, stack) for _ in range(10)]
    with concurrent.futures.ThreadPoolExecutor(10) as pool:
        answers = list(pool.map(lambda r: bank.send_once(bank.notice(r[1]["payment"]["reference"])), requests))
    assert [a.status_code for a in answers] == [200] * 10, [a.text for a in answers]
    issued = [wait_issued(api, token, request["request_id"]) for token, request in requests]
    time.sleep(0.5)  # an extra issuance, if there were one, would have happened by now
    db = stack.db("certificates")
    ids = [request["request_id"] for _, request in requests]
    certificates = list(db.certificates.find({"request_id": {"$in": ids}}, {"serial": 1, "request_id": 1}))
    assert sorted(c["request_id"] for c in certificates) == sorted(ids)
    assert len({c["serial"] for c in certificates}) == 10
    assert {view["certificate_id"] for view in issued} == {c["_id"] for c in certificates}
    assert db.outbox.count_documents({"event_type": "certificate_issued", "data.request_id": {"$in": ids}}) == 10
    assert db.audit.count_documents({"action": "issue_certificate",
                                     "target": {"$in": [f"certificate:{c['_id']}" for c in certificates]}}) == 10
    # and none of them needed a retry: signing side by side works the first time (``signing._LOOP_TURN``)
    assert db.issuance.count_documents({"_id": {"$in": ids}, "attempts": {"$ne": 1}}) == 0  # done at the first
