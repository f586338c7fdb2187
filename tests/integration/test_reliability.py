"""Nothing accepted is lost or applied twice: restarts of a service, the broker
relay and the database in the middle of work; 503/504 instead of hangs."""
import concurrent.futures
import threading
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from gateway.auth import DEV_SECRET, decode_actor
from services.runtime import devstack
from services.runtime.config import load_config
from services.runtime.errors import Conflict, ValidationFailed
from services.runtime.outbox import OutboxRelay
from services.runtime.mongo import Store
from tests.support.pdfgen import make_pdf


def test_fifty_concurrent_openings_get_fifty_consecutive_numbers(api, stack):
    lawyers = [api.lawyer() for _ in range(50)]
    before = {c["_id"] for c in stack.db("filings").cases.find({"court_id": "01020"}, {"_id": 1})}

    def open_one(i):
        return api.open_case(lawyers[i], court_id="01020", matter="laboral",
                             documents=[("demanda.pdf", make_pdf(seed=f"conc-{i}"))])

    with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
        responses = list(pool.map(open_one, range(50)))
    assert [r.status_code for r in responses] == [201] * 50, [r.text for r in responses if r.status_code != 201][:3]
    numbers = sorted(r.json()["case_number"] for r in responses)
    assert len(set(numbers)) == 50
    sequences = [int(n.rsplit("-", 1)[1]) for n in numbers]
    assert sequences == list(range(sequences[0], sequences[0] + 50))
    assert sequences[0] == len(before) + 1
    assert all(n.startswith("01020-") for n in numbers)


def test_same_idempotency_key_returns_the_same_receipt(api, stack):
    lawyer, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    pdf = make_pdf(seed="idem-replay")
    first = api.file(lawyer, case_number, documents=[("a.pdf", pdf)], headers={"Idempotency-Key": "k-replay-1"})
    assert first.status_code == 201
    files_before = stack.db("filings")["documents.files"].count_documents({})
    again = api.file(lawyer, case_number, documents=[("a.pdf", pdf)], headers={"Idempotency-Key": "k-replay-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert stack.db("filings").filings.count_documents({"case_number": case_number, "kind": "escrito"}) == 1
    assert stack.db("filings")["documents.files"].count_documents({}) == files_before


def test_filing_in_flight_while_the_service_restarts_is_neither_lost_nor_duplicated(api, stack):
    lawyer, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    filings = stack.db("filings").filings
    for attempt, delay in enumerate((0.05, 0.3, 0.8)):
        key = f"inflight-{attempt}"
        summary = f"Escrito durante reinicio {attempt}"
        pdf = make_pdf(size=1_000_000, seed=key)
        result = {}

        def submit():
            result["first"] = api.file(lawyer, case_number, summary=summary, documents=[("e.pdf", pdf)],
                                       headers={"Idempotency-Key": key})

        worker = threading.Thread(target=submit)
        worker.start()
        time.sleep(delay)
        stack.restart("filings", kill=True)
        worker.join(30)
        first = result["first"]
        assert first.status_code in (201, 503, 504), first.text
        # the lawyer retries with the same key until the receipt comes back
        deadline = time.monotonic() + 30
        while True:
            retry = api.file(lawyer, case_number, summary=summary, documents=[("e.pdf", pdf)],
                             headers={"Idempotency-Key": key})
            if retry.status_code == 201 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        assert retry.status_code == 201, retry.text
        if first.status_code == 201:
            assert retry.json() == first.json()
        assert filings.count_documents({"case_number": case_number, "summary": summary}) == 1
        stored = filings.find_one({"case_number": case_number, "summary": summary})
        assert stored["_id"] == retry.json()["filing_id"]
        assert stored["documents"][0]["size"] == len(pdf)


def test_a_stored_filing_delivered_again_answers_its_first_receipt(api, stack):
    """The broker delivers a request again when the service was stopped after storing it but before
    acknowledging it; the staged documents are attached by then, and the answer must still be the receipt."""
    token, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(token, clerk)["case_number"]
    actor = decode_actor(DEV_SECRET, f"Bearer {token}")
    metadata = {"kind": "escrito", "summary": "Escrito entregado dos veces"}
    filings = stack.db("filings").filings
    with ClusterRpcProxy({**load_config(), "AMQP_URI": stack.amqp_uri}) as cluster:
        staged = [cluster.filings.stage_document(actor, "e.pdf", make_pdf(seed="redelivered"))["document_id"]]
        first = cluster.filings.submit_filing(actor, case_number, metadata, staged, "k-redelivered")
        again = cluster.filings.submit_filing(actor, case_number, metadata, staged, "k-redelivered")
        assert again == first
        # the same key with another body is still refused, and a request without a key is not a replay
        with pytest.raises(Conflict):
            cluster.filings.submit_filing(actor, case_number, {**metadata, "summary": "Otro"}, staged, "k-redelivered")
        with pytest.raises(ValidationFailed) as refused:
            cluster.filings.submit_filing(actor, case_number, metadata, staged, None)
        assert refused.value.code == "document_not_found"
        # another lawyer presenting those document ids under the same key gets nothing of the first
        stranger = decode_actor(DEV_SECRET, f"Bearer {api.lawyer()}")
        with pytest.raises(ValidationFailed):
            cluster.filings.submit_filing(stranger, case_number, metadata, staged, "k-redelivered")
    assert filings.count_documents({"case_number": case_number, "summary": metadata["summary"]}) == 1
    assert filings.find_one({"case_number": case_number, "summary": metadata["summary"]})["_id"] == first["filing_id"]


def test_a_resolution_is_issued_once_per_idempotency_key(api, stack):
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    db = stack.db("filings")
    document = ("auto.pdf", make_pdf(seed="resolution-key"))
    first = api.resolve(judge, case_number, summary="Se señala audiencia", document=document,
                        headers={"Idempotency-Key": "res-1"})
    assert first.status_code == 201, first.text
    files_before = db["documents.files"].count_documents({})
    again = api.resolve(judge, case_number, summary="Se señala audiencia", document=document,
                        headers={"Idempotency-Key": "res-1"})
    assert again.status_code == 201 and again.json() == first.json()
    assert again.headers.get("Idempotent-Replayed") == "true"
    other = api.resolve(judge, case_number, summary="Otra cosa", document=document, headers={"Idempotency-Key": "res-1"})
    assert other.status_code == 409 and other.json()["error"] == "idempotency_key_reused"
    assert db.resolutions.count_documents({"case_number": case_number}) == 1
    assert db.outbox.count_documents({"event_type": "resolution_issued", "data.case_number": case_number}) == 1
    assert db["documents.files"].count_documents({}) == files_before
    # the same key is the judge's own: a clerk using it issues a resolution of their own
    by_clerk = api.resolve(clerk, case_number, summary="Se señala audiencia", document=document,
                           headers={"Idempotency-Key": "res-1"})
    assert by_clerk.status_code == 201 and by_clerk.json()["resolution_id"] != first.json()["resolution_id"]


def test_a_stored_resolution_delivered_again_answers_its_first_receipt(api, stack):
    lawyer, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    judge = decode_actor(DEV_SECRET, f"Bearer {api.judge()}")
    metadata = {"kind": "decreto", "summary": "Resolución entregada dos veces", "term_days": 3}
    with ClusterRpcProxy({**load_config(), "AMQP_URI": stack.amqp_uri}) as cluster:
        staged = [cluster.filings.stage_document(judge, "r.pdf", make_pdf(seed="res-redelivered"))["document_id"]]
        first = cluster.filings.issue_resolution(judge, case_number, metadata, staged, "auto-res-redelivered")
        again = cluster.filings.issue_resolution(judge, case_number, metadata, staged, "auto-res-redelivered")
        assert again == first
        two = [cluster.filings.stage_document(judge, f"{i}.pdf", make_pdf(seed=f"two-{i}"))["document_id"]
               for i in range(2)]
        with pytest.raises(ValidationFailed) as refused:
            cluster.filings.issue_resolution(judge, case_number, metadata, two, "auto-two")
        assert "document" in refused.value.details["fields"]
    db = stack.db("filings")
    assert db.resolutions.count_documents({"case_number": case_number}) == 1
    assert db["documents.files"].count_documents({"_id": {"$in": two}}) == 0  # discarded, not left staged


def test_stopped_service_answers_504_within_the_rpc_timeout(api, stack):
    lawyer = api.lawyer()
    case_number = api.new_case(lawyer)["case_number"]
    process = stack.stack.processes["filings"]
    process.stop()
    try:
        started = time.monotonic()
        response = api.get(f"/api/v1/cases/{case_number}", lawyer)
        elapsed = time.monotonic() - started
        assert response.status_code == 504
        assert response.json()["error"] == "service_timeout"
        assert elapsed < float(stack.env["RPC_TIMEOUT"]) + 2
    finally:
        process.start()
        stack.stack.wait("filings")
    assert api.get(f"/api/v1/cases/{case_number}", lawyer).status_code == 200


def test_database_restart_loses_nothing_and_reports_503_meanwhile(api, stack):
    if stack.mongod is None:
        pytest.skip("MONGO_URI points at a database this suite does not own")
    lawyer, clerk = api.lawyer(), api.clerk()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    accepted = api.file(lawyer, case_number, summary="Antes de la caída").json()
    stack.mongod.stop()
    try:
        ready = api.get("/readyz")
        assert ready.status_code == 503 and ready.json()["checks"]["database"] is False
        down = api.file(lawyer, case_number, summary="Durante la caída")
        assert down.status_code in (503, 504), down.text
    finally:
        stack.mongod.start()
    deadline = time.monotonic() + 30
    while api.get("/readyz").status_code != 200 and time.monotonic() < deadline:
        time.sleep(0.5)
    after = api.file(lawyer, case_number, summary="Después de la caída")
    assert after.status_code == 201, after.text
    filings = stack.db("filings").filings
    assert filings.find_one({"_id": accepted["filing_id"]}) is not None
    assert filings.count_documents({"case_number": case_number, "summary": "Durante la caída"}) <= 1
    assert filings.count_documents({"case_number": case_number, "summary": "Después de la caída"}) == 1


@pytest.fixture
def probe(stack):
    process = devstack.ServiceProcess("probe", "tests.support.probe_service:ProbeService", stack.env,
                                      stack.tmp / "logs" / "probe.log").start()
    deadline = time.monotonic() + 30
    from kombu import Connection
    while time.monotonic() < deadline:
        try:
            with Connection(stack.amqp_uri) as connection:
                _, _, consumers = connection.default_channel.queue_declare(
                    queue="evt-filings-resolution_issued--probe.on_resolution_issued", passive=True)
                if consumers:
                    break
        except Exception:
            pass
        time.sleep(0.2)
    yield stack.db("probe")
    process.stop()


def wait_for(predicate, timeout=20):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


def test_events_reach_consumers_once(api, stack, probe):
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    resolution = api.resolve(judge, case_number).json()
    assert wait_for(lambda: probe.applied.count_documents({"resolution_id": resolution["resolution_id"]}) == 1)
    outbox = stack.db("filings").outbox.find_one({"event_type": "resolution_issued",
                                                  "data.resolution_id": resolution["resolution_id"]})
    assert outbox["published"] is True
    assert outbox["data"]["recipients"][0]["sub"] == lawyer_sub(stack, case_number)


def lawyer_sub(stack, case_number):
    return stack.db("filings").cases.find_one({"_id": case_number})["attorneys"][0]["sub"]


def test_relay_crash_between_publish_and_mark_delivers_once(api, stack, probe):
    """The relay publishes, crashes before marking the row sent, and a relay
    publishes it again: the consumer sees two deliveries and applies one."""
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    filings_process = stack.stack.processes["filings"]
    filings_db = stack.db("filings")
    # the service commits a resolution and its event; then it stops before its relay runs again
    resolution = api.resolve(judge, case_number).json()
    assert wait_for(lambda: probe.applied.count_documents({"resolution_id": resolution["resolution_id"]}) == 1)
    filings_process.stop()
    try:
        # write a fresh event in the outbox the way the service does, in a transaction
        store = Store(filings_db, stack.client)
        event_id = store.transaction(lambda tx: tx.emit("filings", "resolution_issued", {
            **filings_db.outbox.find_one({"data.resolution_id": resolution["resolution_id"]})["data"],
            "resolution_id": "crash-test-resolution"}))
        relay = OutboxRelay(filings_db, stack.amqp_uri, "filings")
        with pytest.raises(RuntimeError):
            relay.publish_pending(crash_after_publish=True)
        assert filings_db.outbox.find_one({"_id": event_id})["published"] is False
        assert wait_for(lambda: probe.deliveries.count_documents({"event_id": event_id}) == 1)
        # the lease of the crashed relay runs out; another relay takes the row
        filings_db.outbox.update_one({"_id": event_id}, {"$set": {"lease_until": filings_db.outbox.find_one({"_id": event_id})["created_at"]}})
        second = OutboxRelay(filings_db, stack.amqp_uri, "filings")
        assert second.publish_pending() >= 1
        second._reset_connection()
        relay._reset_connection()
        assert filings_db.outbox.find_one({"_id": event_id})["published"] is True
        assert wait_for(lambda: probe.deliveries.count_documents({"event_id": event_id}) == 2)
        time.sleep(0.5)
        assert probe.applied.count_documents({"event_id": event_id}) == 1
    finally:
        filings_process.start()
        stack.stack.wait("filings")
