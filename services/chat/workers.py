"""The chat's background work, run by the service's timers: applying stored webhook payloads, and sending
replies through the Graph API. Each claims jobs of its work queue (``services.runtime.workqueue``) with a
lease, so several replicas share the work and a job whose worker died is taken over."""
import json
import logging
import time

from services.chat import classifier, csat, domain
from services.chat.store.levels import InboundLevels
from services.runtime.workqueue import RetryPolicy

log = logging.getLogger(__name__)

BUDGET_SECONDS = 10  # one timer run works at most this long (its jobs' leases are far longer)
ORDER_WAIT_SECONDS = 0.2  # a reply (a payload) waiting for an earlier one of its conversation (its sender)
MAX_JOBS = 500


def apply_payload(store, job, lines, levels=None, on_levels=None):
    """Apply one stored payload: each message once, each status to its message. Returns (messages added,
    statuses applied, unknown lines). Idempotent: run again, it adds nothing. ``levels``: business hours and
    SLA rules (``store.levels.LevelRules``); ``on_levels(line, outcome)`` hears what each new message did."""
    payload = json.loads(job["raw"])
    received_at = job["created_at"]
    added = statuses = unrouted = 0
    for change in domain.message_changes(payload):
        if change.phone_number_id not in lines:
            unrouted += 1
            log.warning("webhook for a line that is not configured; kept, not routed",
                        extra={"phone_number_id": change.phone_number_id[:32], "payload_id": job["_id"]})
            continue
        for message in change.messages:
            record = domain.message_record(message, received_at)
            if apply_message(store, change.phone_number_id, record, change.names.get(record["wa_id"]), received_at,
                             levels, on_levels):
                added += 1
        for status in change.statuses:
            record = domain.status_record(status, received_at)
            if store.add_status(record) is None:  # no message of a conversation: perhaps a lawyer's linking code
                store.link_code_status(record["wamid"])
            statuses += 1
    return added, statuses, unrouted


def apply_message(store, line, record, name, received_at, levels=None, on_levels=None, web=None, request=None):
    """One inbound message, whatever its channel (a WhatsApp message of a payload, or a lawyer's web message):
    classified, stored with its conversation, SLA clocks and out-of-office reply (``store.add_inbound``), and what it
    did to the service levels heard once committed. Returns the message id, or None for a duplicate."""
    record["classification"] = classify(record)
    outcome = InboundLevels()
    message_id = store.add_inbound(line, record, name, received_at, levels, outcome, web=web, request=request)
    if message_id and on_levels is not None:
        on_levels(line, outcome)
    return message_id


def classify(record):
    """What an inbound message says (``classifier``): its label and the cues that decided it; None for a
    message without text (a photo without caption, a location, an unknown type)."""
    if not record["known"] or not record["text"].strip() or record["type"] in ("location", "contacts"):
        return None
    result = classifier.classify(record["text"])
    return {"label": result.label, "cues": list(result.cues)}


def drain(queue, work, on_error):
    """``WorkQueue.drain`` as the chat's timers use it: ``work`` completes, fails or defers each job itself, within
    ``BUDGET_SECONDS`` and ``MAX_JOBS``."""
    return queue.drain(work, BUDGET_SECONDS, on_error=on_error, completes=False, max_jobs=MAX_JOBS)


def process_webhooks(store, lines, counter, levels=None, on_levels=None, shards=None):
    """Apply the stored payloads due (of ``shards`` only, when given: ``domain.shards_of``)."""
    queue = store.webhook_queue(shards=shards)

    def work(job):
        if store.earlier_payload_pending(job):  # another worker has this user's earlier messages: keep the order
            queue.defer(job, ORDER_WAIT_SECONDS)
            return
        added, statuses, unrouted = apply_payload(store, job, lines, levels, on_levels)
        queue.complete(job)
        if added:
            counter.labels("message").inc(added)
        if statuses:
            counter.labels("status").inc(statuses)
        if unrouted:
            counter.labels("unrouted").inc(unrouted)

    def on_error(job, exc):
        outcome = queue.fail(job, repr(exc), permanent=isinstance(exc, (ValueError, KeyError, TypeError)))
        log.error("webhook payload could not be applied", extra={"payload_id": job["_id"], "error": repr(exc),
                                                                 "given_up": bool(outcome and outcome.give_up)})

    return drain(queue, work, on_error)


def fetch_media(store, graph, limit, counter):
    """Fetch the pending media: the Graph API's info, then the bytes; kept when size and type check."""
    queue = store.media_queue()

    def work(job):
        message = store.message(job["message_id"])
        media = (message or {}).get("media") or {}
        if not media.get("id") or media.get("status") != "pending":
            queue.complete(job)
            return
        info = graph.media_info(media["id"])
        mime_type = domain.base_mime(info.get("mime_type") or media.get("mime_type"))
        problem = domain.media_problem(mime_type, info.get("file_size"), limit)
        data = b"" if problem else graph.media_bytes(info["url"], limit)
        if not problem:
            problem = domain.media_problem(mime_type, len(data), limit, data[:16] or b" ")
        if not problem and not domain.digest_matches(info.get("sha256") or media.get("sha256"), data):
            problem = "El archivo recibido no coincide con su huella SHA-256."
        if problem:
            store.media_refused(message["_id"], problem)
            counter.labels("refused").inc()
        else:
            store.media_stored(message, data, mime_type)
            counter.labels("stored").inc()
        queue.complete(job)

    def on_error(job, exc):
        retry = getattr(exc, "retry", True)
        outcome = queue.fail(job, repr(exc), permanent=not retry)
        if outcome is not None and outcome.give_up:
            store.media_refused(job["message_id"], "No se pudo descargar el archivo de WhatsApp.")
            counter.labels("failed").inc()

    return drain(queue, work, on_error)


def check_service_levels(store, now, on_breach):
    """Flag the SLA targets that passed unmet (the timer's work): ``on_breach(line, kind)`` for each one this
    run recorded. Returns how many conversations were looked at."""
    due = store.sla_overdue(now)
    for doc in due:
        for kind in store.flag_breaches(doc, now):
            on_breach(doc["line"], kind)
    return len(due)


def send_policy(settings):
    return RetryPolicy(backoff_seconds=settings.send_backoff, backoff_max_seconds=settings.send_backoff_max,
                       max_attempts=settings.send_attempts, lease_seconds=max(60.0, settings.graph_timeout * 3))


def send_link_code(store, graph, settings, queue, job, counter):
    """Send a lawyer's linking code (``store.links``) as the authentication template; a code whose request was
    replaced or used meanwhile is not sent. The job's copy of the code is erased once it is sent or given up."""
    pending = store.link_code_pending(job["link_id"])
    if pending is None or not job.get("code"):
        store.forget_link_code(job)
        queue.complete(job)
        return
    body = domain.authentication_template_body(job["wa_id"], settings.link_code_template(), job["code"])
    answer = graph.send(job["line"], body)
    if answer.wamid:
        queue.complete(job)
        store.link_code_sent(job, wamid=answer.wamid)
        counter.labels("sent").inc()
        return
    outcome, failure = refused(queue, job, answer, "linking code", job_id=job["_id"])
    if failure is None:
        return
    given_up = failure.give_up
    store.link_code_sent(job, reason=outcome.reason if not (given_up and outcome.retry) else domain.EXHAUSTED_REASON,
                         retrying=not given_up)
    counter.labels("failed" if given_up else "retry").inc()


def refused(queue, job, answer, what, **context):
    """A send the Graph API did not accept: logged, and its job failed, retried after its backoff unless the
    code says a retry cannot help. Returns (``domain.send_failure`` outcome, the queue's failure: None when
    this worker no longer holds the job)."""
    outcome = domain.send_failure(answer.http_status, answer.code)
    log.warning(f"{what} not accepted by the Graph API", extra={**context, "http_status": answer.http_status,
                                                                 "code": answer.code, "detail": answer.detail})
    failure = queue.fail(job, f"{answer.http_status} {answer.code} {answer.detail}", permanent=not outcome.retry)
    return outcome, failure


def send_replies(store, graph, settings, counter):
    queue = store.send_queue(send_policy(settings))

    def work(job):
        if job.get("link_id"):  # a lawyer's linking code, not a message of a conversation
            return send_link_code(store, graph, settings, queue, job, counter)
        message = store.message(job["message_id"])
        if message is None or message["status"] != domain.QUEUED or domain.is_web(message):
            queue.complete(job)  # already sent (a job repeated after a crash), gone, or the web's (never WhatsApp's)
            return
        if store.earlier_queued(message):  # another sender has the reply before it: keep the contact's order
            queue.defer(job, ORDER_WAIT_SECONDS)
            return
        body = (domain.template_message_body(message["wa_id"], message["template"]) if message.get("template")
                else domain.text_message_body(message["wa_id"], message["text"]))
        if message.get("interactive"):  # the satisfaction survey's list (services.chat.csat)
            body = csat.interactive_message_body(message["wa_id"], message["interactive"])
        answer = graph.send(message["line"], body)
        if answer.wamid:
            store.mark_sent(message["_id"], answer.wamid)
            queue.complete(job)
            counter.labels("sent").inc()
            return
        outcome, failure = refused(queue, job, answer, "reply", message_id=message["_id"])
        if failure is None:
            return
        if failure.give_up:
            reason = outcome.reason if not outcome.retry else domain.EXHAUSTED_REASON
            store.mark_failed(message["_id"], outcome.code, reason)
            counter.labels("failed").inc()
            if outcome.code == 131047 and message.get("survey_id") and message.get("interactive"):
                # WhatsApp's clock closed the window before ours: the survey goes as its template instead
                store.survey_by_template(message, settings.survey_template(), send_policy(settings))
        else:
            store.mark_retrying(message["_id"], outcome)
            counter.labels("retry").inc()

    def on_error(job, exc):
        failure = queue.fail(job, repr(exc))
        log.error("reply could not be sent", extra={"job_id": job["_id"], "error": repr(exc),
                                                    "given_up": bool(failure and failure.give_up)})
        if failure is not None and failure.give_up and job.get("message_id"):
            # the message must not stay queued: the later replies of its conversation wait for it (earlier_queued)
            store.mark_failed(job["message_id"], None, domain.EXHAUSTED_REASON)

    return drain(queue, work, on_error)


# --- retention ------------------------------------------------------------------------------------------------------
RETENTION_BATCH = 200  # conversations one run marks at most (and so names in its audit entry)


def erase_expired(store, now, days, audit, budget_seconds=BUDGET_SECONDS, clock=time.monotonic):
    """One run of the retention (``store.retention``): mark the conversations that outlived ``days`` days, check
    each mark again (an inquiry asked or a note written at that moment takes it back), write the audit entry of
    those it will erase (``audit(ids)``, before anything is destroyed), then erase them one by one within
    ``budget_seconds``: what is left, marked and hidden, is finished first by the next run (so is a run that
    died). Lastly, the webhook payloads older than the cutoff. Returns the ids of the conversations erased."""
    started = clock()

    def time_left():
        return clock() - started < budget_seconds

    cutoff = domain.retention_cutoff(now, days)
    marked = 0
    for doc in store.retention_candidates(cutoff, now):
        if marked >= RETENTION_BATCH or not time_left():
            break
        expired, recheck_at = store.retention_verdict(doc, now, days)
        if not expired:
            store.put_off_retention(doc["_id"], recheck_at)
        elif store.mark_for_erasure(doc, cutoff, now):
            marked += 1
    erasing = []
    for doc in store.unfinished_erasures(RETENTION_BATCH * 2):
        if doc["erasing"].get("destroying") or store.retention_expired(doc, now, days):
            erasing.append(doc["_id"])
        elif store.unmark_erasure(doc["_id"]):
            log.info("erasure taken back: the conversation was touched", extra={"conversation_id": doc["_id"]})
    erased = []
    if erasing:
        audit(erasing)
        for conversation_id in erasing:
            if not time_left():
                break
            if store.finish_erasure(conversation_id):
                erased.append(conversation_id)
    swept = store.sweep_webhooks(cutoff, time_left)
    if erased or swept:
        log.info("retention: personal data erased", extra={"conversations": len(erased), "webhooks": swept,
                                                           "pending": len(erasing) - len(erased)})
    return erased
