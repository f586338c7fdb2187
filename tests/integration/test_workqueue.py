"""The durable work queue against a real MongoDB (a replica set of this module's own, or MONGO_URI): jobs
enqueued with a transaction, claimed by concurrent workers without duplicates, taken over when a worker's
lease expires, backed off on a transient failure, stopped by a permanent one."""
import datetime
import threading
import uuid

import pytest

from services.runtime.mongo import utcnow
from services.runtime.workqueue import RetryPolicy, WorkQueue

POLICY = RetryPolicy(backoff_seconds=10, backoff_max_seconds=60, max_attempts=3, lease_seconds=30)


@pytest.fixture(scope="module")
def client(stack):
    """The suite's own MongoDB (a replica set: transactions work); each test uses databases of its own."""
    return stack.client


@pytest.fixture
def collection(client):
    database = client[f"workqueuetest_{uuid.uuid4().hex[:8]}"]
    jobs = database.jobs
    jobs.create_indexes(WorkQueue.indexes())
    yield jobs
    client.drop_database(database.name)


def queue(collection, owner, policy=POLICY):
    return WorkQueue(collection, policy, owner)


def test_a_job_exists_only_if_the_transaction_that_enqueued_it_commits(client, collection):
    worker = queue(collection, "a")
    with client.start_session() as session:
        with session.start_transaction():
            committed = worker.enqueue([{"to": "+50255550001"}, {"to": "+50255550002"}], session=session)
    with client.start_session() as session:
        with pytest.raises(RuntimeError):
            with session.start_transaction():
                worker.enqueue([{"to": "+50255550003"}], session=session)
                raise RuntimeError("the caller's change fails")
    assert sorted(doc["_id"] for doc in collection.find()) == sorted(committed)
    assert worker.length() == 2


def test_two_workers_claiming_at_once_never_get_the_same_job(collection):
    total = 300
    queue(collection, "setup").enqueue([{"n": n} for n in range(total)])
    claimed = {}
    start = threading.Barrier(4)

    def work(owner):
        worker = queue(collection, owner)
        mine = claimed.setdefault(owner, [])
        start.wait()
        while (job := worker.claim()) is not None:
            mine.append(job["_id"])
            assert job["lease_owner"] == owner
            assert worker.complete(job)

    threads = [threading.Thread(target=work, args=(f"w{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    everything = [job_id for ids in claimed.values() for job_id in ids]
    assert len(everything) == total and len(set(everything)) == total
    assert sum(1 for ids in claimed.values() if ids) >= 2  # they did compete
    assert collection.count_documents({"status": "done", "attempts": 1}) == total
    assert queue(collection, "x").length() == 0


def test_a_job_whose_worker_died_is_claimed_again_once_its_lease_expires(collection):
    dead, alive = queue(collection, "dead"), queue(collection, "alive")
    [job_id] = dead.enqueue([{"pdf": "certificado"}])
    now = utcnow()
    job = dead.claim(now=now)
    assert job["_id"] == job_id and job["lease_until"] == now + datetime.timedelta(seconds=30)
    assert alive.claim(now=now + datetime.timedelta(seconds=29)) is None  # still held
    taken = alive.claim(now=now + datetime.timedelta(seconds=31))
    assert taken["_id"] == job_id and taken["lease_owner"] == "alive" and taken["attempts"] == 0
    # the first worker wakes up late: it no longer holds the job and changes nothing
    assert dead.complete(job) is False and dead.fail(job, "late") is None
    assert alive.complete(taken) is True
    doc = collection.find_one({"_id": job_id})
    assert doc["status"] == "done" and doc["attempts"] == 1 and doc["lease_owner"] is None
    assert doc["done_at"] is not None


def test_a_transient_failure_backs_off_and_exhausted_attempts_give_up(collection):
    worker = queue(collection, "a")
    [job_id] = worker.enqueue([{"to": "x"}])
    now = utcnow()
    outcome = worker.fail(worker.claim(now=now), "SMTP 451", now=now)
    assert (outcome.attempts, outcome.give_up, outcome.retry_in_seconds) == (1, False, 10)
    doc = collection.find_one({"_id": job_id})
    assert doc["status"] == "pending" and doc["last_error"] == "SMTP 451" and doc["lease_owner"] is None
    assert doc["next_attempt_at"] == now + datetime.timedelta(seconds=10)
    assert worker.claim(now=now + datetime.timedelta(seconds=9)) is None  # waiting for its backoff
    later = now + datetime.timedelta(seconds=10)
    outcome = worker.fail(worker.claim(now=later), "SMTP 451", now=later)
    assert (outcome.attempts, outcome.give_up, outcome.retry_in_seconds) == (2, False, 20)
    last = later + datetime.timedelta(seconds=20)
    outcome = worker.fail(worker.claim(now=last), "SMTP 451", now=last)
    assert (outcome.attempts, outcome.give_up) == (3, True)
    assert collection.find_one({"_id": job_id})["status"] == "failed"
    assert worker.claim(now=last + datetime.timedelta(days=1)) is None
    assert worker.length() == 0


def test_a_permanent_failure_stops_the_job_at_once(collection):
    worker = queue(collection, "a")
    worker.enqueue([{"to": "nadie"}, {"to": "alguien"}])
    first = worker.claim()
    outcome = worker.fail(first, "550 no such user", permanent=True)
    assert outcome.give_up and outcome.attempts == 1
    assert collection.find_one({"_id": first["_id"]})["status"] == "failed"
    second = worker.claim()
    assert second["_id"] != first["_id"]
    assert worker.complete(second)
    assert worker.claim(now=utcnow() + datetime.timedelta(days=1)) is None


def test_the_mailbox_alerts_keep_their_collection_and_document_shape(collection):
    from services.mailbox.alerts import alert_queue

    alerts = alert_queue(collection.database, POLICY, "mailbox-1")
    assert alerts.collection.name == "alerts"
    [job_id] = alerts.enqueue([{"notification_id": "n1", "sub": "u1", "email": "u1@bufete.example.gt"}])
    alerts.complete(alerts.claim())
    doc = alerts.collection.find_one({"_id": job_id})
    assert set(doc) == {"_id", "notification_id", "sub", "email", "status", "attempts", "created_at",
                        "next_attempt_at", "lease_owner", "lease_until", "sent_at", "last_error"}
    assert doc["status"] == "sent" and doc["sent_at"] is not None and doc["attempts"] == 1


def test_a_deferred_job_waits_without_spending_an_attempt_and_due_says_when_one_is_claimable(collection):
    worker, other = queue(collection, "a"), queue(collection, "b")
    now = utcnow()
    assert not worker.due(now=now)
    [job_id] = worker.enqueue([{"to": "x"}], now=now)
    assert worker.due(now=now)
    job = worker.claim(now=now)
    assert not worker.due(now=now)  # leased: nobody else may take it
    assert not other.defer(job, 5, now=now)  # only the holder of the lease puts it back
    assert worker.defer(job, 5, now=now)
    doc = collection.find_one({"_id": job_id})
    assert (doc["status"], doc["attempts"], doc["lease_owner"], doc["last_error"]) == ("pending", 0, None, None)
    assert not worker.due(now=now + datetime.timedelta(seconds=4))
    assert other.claim(now=now + datetime.timedelta(seconds=4)) is None
    later = now + datetime.timedelta(seconds=5)
    assert worker.due(now=later)
    assert other.complete(other.claim(now=later), now=later)
    assert collection.find_one({"_id": job_id})["attempts"] == 1  # the one real attempt
    assert not worker.due(now=later + datetime.timedelta(days=1))


def statuses(collection):
    return {doc["n"]: (doc["status"], doc["attempts"]) for doc in collection.find()}


def enqueue_in_order(worker, count):
    """Jobs n = 0 … count - 1, each due a millisecond after the one before (claimed in that order)."""
    start = utcnow() - datetime.timedelta(minutes=1)
    for n in range(count):
        worker.enqueue([{"n": n}], now=start + datetime.timedelta(milliseconds=n))


def test_drain_completes_what_works_and_retries_what_raises(collection):
    worker = queue(collection, "a")
    enqueue_in_order(worker, 5)

    def work(job):
        if job["n"] == 2:
            raise ConnectionError("the bank did not answer")

    assert worker.drain(work, budget_seconds=30) == 4
    assert statuses(collection) == {0: ("done", 1), 1: ("done", 1), 2: ("pending", 1), 3: ("done", 1), 4: ("done", 1)}
    assert collection.find_one({"n": 2})["last_error"] == "ConnectionError('the bank did not answer')"
    assert worker.drain(work, budget_seconds=30) == 0  # the failed one waits for its backoff


def test_drain_with_work_that_decides_each_jobs_fate_a_cap_and_its_own_error_handler(collection):
    """As the chat's timers use it: ``work`` completes, defers or fails a job itself; an exception goes to
    ``on_error``; at most ``max_jobs`` are claimed in one run."""
    worker = queue(collection, "a")
    enqueue_in_order(worker, 6)
    errors = []

    def work(job):
        if job["n"] == 0:
            worker.defer(job, 60)  # waits for an earlier one: no attempt spent
        elif job["n"] == 1:
            raise ValueError("a payload Meta would never send")
        else:
            worker.complete(job)

    def on_error(job, exc):
        errors.append((job["n"], repr(exc)))
        worker.fail(job, repr(exc), permanent=True)

    assert worker.drain(work, budget_seconds=30, on_error=on_error, completes=False, max_jobs=4) == 3
    assert errors == [(1, "ValueError('a payload Meta would never send')")]
    assert statuses(collection) == {0: ("pending", 0), 1: ("failed", 1), 2: ("done", 1), 3: ("done", 1),
                                    4: ("pending", 0), 5: ("pending", 0)}
    assert worker.drain(work, budget_seconds=30, on_error=on_error, completes=False, max_jobs=4) == 2
    assert statuses(collection)[4] == ("done", 1) and statuses(collection)[5] == ("done", 1)
