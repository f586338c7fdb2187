"""The work queue's rules as plain functions: backoff, what a failure leads to, when a job can be claimed."""
import dataclasses
import datetime

import pytest

from services.runtime.config import Settings
from services.runtime.workqueue import (RetryPolicy, WorkQueue, backoff_seconds, claimable, failure_outcome,
                                        lease_free)

NOW = datetime.datetime(2024, 5, 6, 15, 0, tzinfo=datetime.timezone.utc)
SECOND = datetime.timedelta(seconds=1)
POLICY = RetryPolicy(backoff_seconds=5, backoff_max_seconds=3600, max_attempts=40)


def test_backoff_doubles_up_to_the_cap():
    assert [backoff_seconds(n, POLICY) for n in (1, 2, 3, 4)] == [5, 10, 20, 40]
    assert backoff_seconds(20, POLICY) == 3600
    assert backoff_seconds(0, POLICY) == 5  # never shorter than the first delay
    assert backoff_seconds(10_000, POLICY) == 3600  # no overflow however many attempts


def test_a_transient_failure_backs_off_until_the_attempts_run_out():
    policy = dataclasses.replace(POLICY, max_attempts=3)
    first = failure_outcome(0, False, policy)
    assert (first.attempts, first.give_up, first.retry_in_seconds) == (1, False, 5)
    second = failure_outcome(1, False, policy)
    assert (second.attempts, second.give_up, second.retry_in_seconds) == (2, False, 10)
    last = failure_outcome(2, False, policy)
    assert (last.attempts, last.give_up) == (3, True)


def test_a_permanent_failure_gives_up_at_once():
    outcome = failure_outcome(0, True, POLICY)
    assert (outcome.attempts, outcome.give_up) == (1, True)


def job(**fields):
    return {"_id": "j1", "status": "pending", "attempts": 0, "next_attempt_at": NOW, "lease_owner": None,
            "lease_until": None, **fields}


def test_a_job_is_claimable_when_due_pending_and_its_lease_is_free_or_expired():
    assert claimable(job(), NOW)
    assert not claimable(job(next_attempt_at=NOW + SECOND), NOW)  # waiting for its backoff
    assert not claimable(job(status="done"), NOW)
    assert not claimable(job(status="failed"), NOW)
    held = job(lease_owner="a", lease_until=NOW + SECOND)
    assert not lease_free(held, NOW) and not claimable(held, NOW)
    assert not claimable(job(lease_owner="a", lease_until=NOW), NOW)  # expires strictly after its instant
    expired = job(lease_owner="a", lease_until=NOW - SECOND)  # its holder died or is too slow
    assert lease_free(expired, NOW) and claimable(expired, NOW)


def test_the_policy_reads_its_prefixed_keys_and_falls_back_to_defaults():
    settings = Settings({"CHAT_BACKOFF_SECONDS": "2", "CHAT_MAX_ATTEMPTS": "7", "ALERT_MAX_ATTEMPTS": "99"})
    policy = RetryPolicy.from_settings(settings, "CHAT", backoff_max_seconds=600)
    assert policy == RetryPolicy(backoff_seconds=2, backoff_max_seconds=600, max_attempts=7, lease_seconds=60)


def test_a_new_job_has_the_queue_fields_and_keeps_the_payload_apart():
    queue = WorkQueue(collection=None, owner="me", done_status="sent", done_at="sent_at")
    doc = queue.new_job({"email": "a@b.gt"}, now=NOW, job_id="x")
    assert doc == {"_id": "x", "email": "a@b.gt", "status": "pending", "attempts": 0, "created_at": NOW,
                   "next_attempt_at": NOW, "lease_owner": None, "lease_until": None, "sent_at": None,
                   "last_error": None}
    with pytest.raises(ValueError):
        queue.new_job({"status": "sent"})
    with pytest.raises(ValueError):
        WorkQueue(collection=None, done_status="pending")
