"""A durable work queue over one MongoDB collection: jobs that must be done once the state that caused them
is committed, by whichever replica gets to them first (an alert e-mail, a WhatsApp message, a PDF).

A job is a document of the queue's collection. It is enqueued inside the caller's transaction (pass its
session), so the job exists if and only if the change that caused it committed. Its ``_id`` is stable: the
work can use it as an idempotency key downstream (the ``Message-ID`` of an e-mail, say).

Its life::

    pending --claim--> pending + lease --complete--> done (``done_status``, ``done_at`` set)
                                      \\--fail-------> pending, next_attempt_at = now + backoff
                                       \\--fail------> failed (permanent, or attempts exhausted)
                                        \\--lease expires (the worker died)--> claimable again

- **claim** takes the due job with the oldest ``next_attempt_at`` whose lease is free or expired and
  writes the lease (``lease_owner``, ``lease_until``) in the same single-document write
  (``find_one_and_update``): two workers claiming at once never get the same job.
- **complete** and **fail** are conditional on the lease owner and on the job being pending, so a worker
  whose lease expired and was taken over changes nothing (its call returns False). Both count the attempt.
- **backoff**: after the n-th failed attempt the job waits ``backoff · 2^(n-1)`` seconds, at most
  ``backoff_max`` (``backoff_seconds``); after ``max_attempts`` failed attempts, or a permanent failure,
  it is given up (status ``failed``, kept with its ``last_error`` for operators).

Delivery is at least once: a worker that dies after doing the work and before ``complete`` leaves the job
to be claimed again when its lease expires. The lease must outlast one job's work.

The document of a job::

    {_id, <payload fields>, status: "pending" | done_status | "failed", attempts, created_at,
     next_attempt_at, lease_owner, lease_until, <done_at>, last_error}

The rules (backoff, what a failure leads to, when a job can be claimed) are plain functions here, so they
are tested without a database; ``WorkQueue`` only turns them into MongoDB writes.
"""
import dataclasses
import datetime
import logging
import socket
import time
import uuid

import eventlet
from pymongo import ASCENDING, IndexModel, ReturnDocument

from services.runtime.mongo import new_id, utcnow

log = logging.getLogger(__name__)

PENDING = "pending"
FAILED = "failed"
LENGTH_COUNT_LIMIT = 1_000_000  # a length for gauges stops counting there
ERROR_TEXT_LIMIT = 500


@dataclasses.dataclass(frozen=True)
class RetryPolicy:
    """How a queue retries: first delay, the longest delay, the attempts before giving up, the lease."""
    backoff_seconds: float = 5.0
    backoff_max_seconds: float = 3600.0
    max_attempts: int = 40
    lease_seconds: float = 60.0

    @classmethod
    def from_settings(cls, settings, prefix, **defaults):
        """``<prefix>_BACKOFF_SECONDS``, ``<prefix>_BACKOFF_MAX_SECONDS``, ``<prefix>_MAX_ATTEMPTS`` and
        ``<prefix>_LEASE_SECONDS`` of a ``Settings``; what is unset takes ``defaults``, then the class's."""
        base = dataclasses.replace(cls(), **defaults)
        return cls(backoff_seconds=settings.float(f"{prefix}_BACKOFF_SECONDS", base.backoff_seconds),
                   backoff_max_seconds=settings.float(f"{prefix}_BACKOFF_MAX_SECONDS", base.backoff_max_seconds),
                   max_attempts=settings.int(f"{prefix}_MAX_ATTEMPTS", base.max_attempts),
                   lease_seconds=settings.float(f"{prefix}_LEASE_SECONDS", base.lease_seconds))


@dataclasses.dataclass(frozen=True)
class Failure:
    """What one failed attempt leads to."""
    attempts: int            # failed or done attempts so far, this one included
    give_up: bool            # the job is not tried again
    retry_in_seconds: float  # when it is tried again (meaningless when given up)


def backoff_seconds(attempts, policy):
    """Delay before the next try after ``attempts`` failed ones: backoff, 2·backoff, 4·backoff, ... at most
    ``backoff_max_seconds``."""
    exponent = max(attempts - 1, 0)
    if exponent >= 64:  # 2^64 · any sane base is past any cap; keeps the float finite
        return policy.backoff_max_seconds
    return min(policy.backoff_max_seconds, policy.backoff_seconds * (2 ** exponent))


def failure_outcome(previous_attempts, permanent, policy):
    """A job tried ``previous_attempts`` times before failed once more: give up, or retry after a backoff."""
    attempts = previous_attempts + 1
    give_up = bool(permanent) or attempts >= policy.max_attempts
    return Failure(attempts, give_up, 0.0 if give_up else backoff_seconds(attempts, policy))


def lease_free(job, now):
    """Nobody holds the job: never leased, released, or its holder's lease expired (the holder died or
    is too slow, and loses it)."""
    return job.get("lease_until") is None or job["lease_until"] < now


def claimable(job, now):
    """The rule ``WorkQueue.claim`` applies in its query, for one document."""
    return job.get("status") == PENDING and job["next_attempt_at"] <= now and lease_free(job, now)


def claim_filter(now):
    """The query of the jobs ``claimable`` at ``now``."""
    return {"status": PENDING, "next_attempt_at": {"$lte": now},
            "$or": [{"lease_until": None}, {"lease_until": {"$lt": now}}]}


def default_owner():
    """A lease owner unique to this process: host and a random tag (a restarted process is a new owner)."""
    return f"{socket.gethostname()}:{uuid.uuid4().hex[:8]}"


class WorkQueue:
    """The jobs of one collection, as seen by one owner (a replica's process).

    ``done_status`` and ``done_at`` name the status and the timestamp field of a finished job, so a queue
    can keep the words its data already uses (the mailbox's alerts are ``sent``, with ``sent_at``).
    """

    def __init__(self, collection, policy=None, owner=None, done_status="done", done_at="done_at", scope=None):
        """``scope``: a filter of the jobs this worker claims (a share of the queue), None for all."""
        if done_status in (PENDING, FAILED):
            raise ValueError(f"done_status cannot be {done_status!r}")
        self.collection = collection
        self.scope = scope
        self.policy = policy or RetryPolicy()
        self.owner = owner or default_owner()
        self.done_status = done_status
        self.done_at = done_at

    @staticmethod
    def indexes():
        """The index ``claim`` and ``length`` need; a store declares it for the queue's collection."""
        return [IndexModel([("status", ASCENDING), ("next_attempt_at", ASCENDING)])]

    # --- enqueue -----------------------------------------------------------------------------------------
    def new_job(self, payload, now=None, job_id=None, not_before=None):
        """The document of a new pending job carrying ``payload`` (fields of the caller's own), due at
        ``not_before`` (default: now)."""
        reserved = {"_id", "status", "attempts", "created_at", "next_attempt_at", "lease_owner", "lease_until",
                    "last_error", self.done_at}
        clash = reserved.intersection(payload)
        if clash:
            raise ValueError(f"payload uses fields of the queue: {sorted(clash)}")
        now = now or utcnow()
        return {"_id": job_id or new_id(), **payload, "status": PENDING, "attempts": 0,
                "created_at": now, "next_attempt_at": not_before or now, "lease_owner": None,
                "lease_until": None, self.done_at: None, "last_error": None}

    def enqueue(self, payloads, session=None, now=None):
        """Insert one job per payload, inside the caller's transaction when ``session`` is given.
        Returns the new jobs' ids, in order."""
        now = now or utcnow()
        jobs = [self.new_job(payload, now) for payload in payloads]
        if jobs:
            self.collection.insert_many(jobs, ordered=False, session=session)
        return [job["_id"] for job in jobs]

    # --- work ----------------------------------------------------------------------------------------------
    def claim(self, now=None):
        """The due job with the oldest ``next_attempt_at`` whose lease is free, now leased to this owner for
        ``policy.lease_seconds``; None when no job is due."""
        now = now or utcnow()
        return self.collection.find_one_and_update(
            {"$and": [claim_filter(now), self.scope]} if self.scope else claim_filter(now),
            {"$set": {"lease_owner": self.owner,
                      "lease_until": now + datetime.timedelta(seconds=self.policy.lease_seconds)}},
            sort=[("next_attempt_at", ASCENDING)], return_document=ReturnDocument.AFTER)

    def complete(self, job, now=None):
        """The job is done. False if this owner no longer holds it (its lease was taken over)."""
        return bool(self.collection.update_one(
            self._held(job),
            {"$set": {"status": self.done_status, self.done_at: now or utcnow(), "lease_owner": None,
                      "lease_until": None},
             "$inc": {"attempts": 1}}).modified_count)

    def fail(self, job, error, permanent=False, now=None):
        """One failed attempt of a job this owner holds: retried after its backoff, or given up when
        ``permanent`` or the attempts are exhausted. Returns the ``Failure``, or None if this owner no longer
        holds the job (nothing was written)."""
        outcome = failure_outcome(job["attempts"], permanent, self.policy)
        now = now or utcnow()
        update = {"$set": {"next_attempt_at": now + datetime.timedelta(seconds=outcome.retry_in_seconds),
                           "last_error": str(error)[:ERROR_TEXT_LIMIT], "lease_owner": None,
                           "lease_until": None},
                  "$inc": {"attempts": 1}}
        if outcome.give_up:
            update["$set"]["status"] = FAILED
        if not self.collection.update_one(self._held(job), update).modified_count:
            return None
        return outcome

    def defer(self, job, seconds, now=None):
        """Put back a job this owner holds, due again in ``seconds``, without counting an attempt (it was not
        tried: something it must wait for is not done yet). False if this owner no longer holds it."""
        now = now or utcnow()
        return bool(self.collection.update_one(
            self._held(job),
            {"$set": {"next_attempt_at": now + datetime.timedelta(seconds=seconds), "lease_owner": None,
                      "lease_until": None}}).modified_count)

    def due(self, now=None):
        """Whether a job is claimable now (one index look-up): a timer asks before it starts its drains."""
        return self.collection.find_one(claim_filter(now or utcnow()), {"_id": 1}) is not None

    def give_up(self, job, error, now=None):
        """A failure no retry can mend (the job's data is gone, say)."""
        return self.fail(job, error, permanent=True, now=now)

    def drain(self, work, budget_seconds, what="job", on_error=None, completes=True, max_jobs=None):
        """Claim and do due jobs one after another until none is due, ``budget_seconds`` have passed or
        ``max_jobs`` were claimed: the loop of a timer that works a queue. ``work(job)`` returning completes the
        job (with ``completes`` False, ``work`` decides its fate itself: complete, fail or defer); raising fails it,
        retried after its backoff (``on_error(job, exc)`` instead, to decide how). Returns how many jobs ``work``
        got through without raising."""
        done, claimed, started = 0, 0, time.monotonic()
        while time.monotonic() - started < budget_seconds and (max_jobs is None or claimed < max_jobs):
            job = self.claim()
            if job is None:
                break
            claimed += 1
            try:
                work(job)
            except Exception as exc:  # noqa: BLE001 - a job's failure is retried with backoff, never lost
                if on_error is not None:
                    on_error(job, exc)
                else:
                    log.exception(f"{what} failed; it will be retried", extra={"job_id": job["_id"]})
                    self.fail(job, repr(exc))
                continue
            if completes:
                self.complete(job)
            done += 1
        return done

    def _held(self, job):
        return {"_id": job["_id"], "lease_owner": self.owner, "status": PENDING}

    # --- gauges --------------------------------------------------------------------------------------------
    def length(self, limit=LENGTH_COUNT_LIMIT):
        """Jobs still to be done (due now, leased, or waiting for their backoff): one index count."""
        return self.collection.count_documents({"status": PENDING}, limit=limit)


def in_parallel(count, task):
    """Run ``task(i)`` for i in 0 … count - 1 in green threads at once and return the sum of what they return:
    a timer's drain run ``count`` times side by side, each claiming its own jobs (a claim is atomic, so no job
    is done twice; ``i`` lets each take its own share of the queue, see ``WorkQueue(scope=...)``). Worth it
    where each job mostly waits on the database or the network (a majority commit, an HTTP call): one drain
    alone does them one after another, and its rate is one over that wait."""
    if count <= 1:
        return task(0)
    pool = eventlet.GreenPool(count)
    threads = [pool.spawn(task, i) for i in range(count)]
    return sum(thread.wait() or 0 for thread in threads)
