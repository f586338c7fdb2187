"""Events in: a redelivered or duplicated event creates nothing new; events for cases the mailbox never
heard of, or out of order, still create their notices once; the mailbox stopped (or killed in the
middle of a mass notification) while resolutions are issued loses nothing and duplicates nothing."""
import time
import uuid

from tests.support.mailbox import MailboxCase, envelope, publish, resolution_data, wait_for


def count(stack, **query):
    return stack.db("mailbox").notifications.count_documents(query)


def available_events(stack, resolution_id):
    return stack.db("mailbox").outbox.count_documents({"event_type": "notification_available",
                                                       "data.resolution_id": resolution_id})


def test_a_duplicated_envelope_and_a_replay_under_a_new_id_create_nothing_new(api, stack):
    subs = [f"dup-{uuid.uuid4().hex[:6]}-{i}" for i in range(3)]
    data = resolution_data(subs)
    first = envelope(data)
    publish(stack, first, first)  # the relay publishing the same event twice
    assert wait_for(lambda: count(stack, resolution_id=data["resolution_id"]) == 3)
    replay = envelope(data)  # the same facts under another event id
    publish(stack, first, replay)
    inbox = stack.db("mailbox").inbox
    assert wait_for(lambda: inbox.find_one({"_id": f"mailbox.on_resolution_issued:{replay['event_id']}"}))
    time.sleep(1.5)
    assert count(stack, resolution_id=data["resolution_id"]) == 3
    assert available_events(stack, data["resolution_id"]) == 3
    assert sorted(n["recipient"]["sub"] for n in stack.db("mailbox").notifications.find(
        {"resolution_id": data["resolution_id"]})) == sorted(subs)
    # every lawyer reads it through the API
    for sub in subs:
        items = api.get("/api/v1/mailbox/notifications", stack.token(sub, "lawyer", bar_number="1")).json()["items"]
        assert [i["resolution_id"] for i in items] == [data["resolution_id"]]


def test_unknown_case_and_out_of_order_events_still_create_notices_once(api, stack):
    sub = f"ooo-{uuid.uuid4().hex[:6]}"
    token = stack.token(sub, "lawyer", bar_number="7")
    later = resolution_data([sub], case_number="01001-2026-98765", folio=9, summary="Segunda resolución")
    earlier = resolution_data([sub], case_number="01001-2026-98765", folio=8, summary="Primera resolución")
    publish(stack, envelope(later), envelope(earlier), envelope(later))
    assert wait_for(lambda: len(api.get("/api/v1/mailbox/notifications", token).json()["items"]) == 2)
    time.sleep(1)
    items = api.get("/api/v1/mailbox/notifications", token).json()["items"]
    assert sorted(i["folio"] for i in items) == [8, 9]
    # the case is unknown to filings: the board says so, the notices are still there
    clerk = api.clerk("01001")
    assert api.get("/api/v1/cases/01001-2026-98765/notifications", clerk).status_code == 404


def test_an_event_that_can_never_apply_is_kept_aside_and_does_not_block_the_queue(api, stack):
    sub = f"bad-{uuid.uuid4().hex[:6]}"
    broken = envelope(resolution_data([sub], issued_at="ayer por la tarde"))
    good = resolution_data([sub])
    publish(stack, broken, envelope(good))
    assert wait_for(lambda: count(stack, resolution_id=good["resolution_id"]) == 1)
    assert wait_for(lambda: stack.db("mailbox").dead_letters.find_one({"_id": broken["event_id"]}))
    assert count(stack, resolution_id=broken["data"]["resolution_id"]) == 0
    # and one that breaks the contract (no recipients) is dropped without creating anything
    invalid = envelope({k: v for k, v in resolution_data([sub]).items() if k != "recipients"})
    publish(stack, invalid)
    time.sleep(1)
    assert count(stack, resolution_id=invalid["data"]["resolution_id"]) == 0


def test_mailbox_stopped_while_resolutions_are_issued_then_started_every_notice_arrives_once(api, stack):
    case = MailboxCase(api, count=2, court_id="01002")
    mailbox = stack.stack.processes["mailbox"]
    mailbox.stop()
    try:
        resolutions = [case.resolve(summary=f"Emitida con el casillero detenido {i}") for i in range(4)]
        time.sleep(1)  # the filings relay has published them; they wait in the mailbox's durable queue
        assert all(count(stack, resolution_id=r["resolution_id"]) == 0 for r in resolutions)
    finally:
        mailbox.start()
        stack.stack.wait("mailbox")
    for resolution in resolutions:
        assert wait_for(lambda: count(stack, resolution_id=resolution["resolution_id"]) == 2)
    time.sleep(1)
    for resolution in resolutions:
        assert count(stack, resolution_id=resolution["resolution_id"]) == 2
        assert available_events(stack, resolution["resolution_id"]) == 2
    for sub in case.subs:
        mine = case.mailbox(sub, case_number=case.case_number, limit=100)["items"]
        assert sorted(i["resolution_id"] for i in mine) == sorted(r["resolution_id"] for r in resolutions)


def test_mailbox_killed_in_the_middle_of_a_mass_notification_creates_it_once(api, stack):
    data = resolution_data([f"mass-{i:05d}" for i in range(3000)])
    mailbox = stack.stack.processes["mailbox"]
    publish(stack, envelope(data))
    time.sleep(0.3)
    mailbox.kill()
    partial = count(stack, resolution_id=data["resolution_id"])
    assert partial in (0, 3000)  # one transaction: all or nothing
    # A transaction left open by a killed process holds its writes until MongoDB aborts it
    # (transactionLifetimeLimitSeconds: 60 s by default, 30 s in the project's mongod); the redelivered event
    # waits for that. End the dead process's transaction now, as the server would later, to keep this short.
    orphans = [op["lsid"] for op in stack.client.admin.aggregate([
        {"$currentOp": {"allUsers": True, "idleSessions": True}},
        {"$match": {"type": "idleSession", "transaction": {"$exists": True}}}])]
    if orphans:
        stack.client.admin.command("killSessions", orphans)
    mailbox.start()
    stack.stack.wait("mailbox")
    assert wait_for(lambda: count(stack, resolution_id=data["resolution_id"]) == 3000, timeout=60)
    time.sleep(1)
    assert count(stack, resolution_id=data["resolution_id"]) == 3000
    assert available_events(stack, data["resolution_id"]) == 3000
    assert len(stack.db("mailbox").notifications.distinct("recipient.sub", {"resolution_id": data["resolution_id"]})) == 3000


def test_ten_thousand_recipients_each_get_exactly_one_notice(api, stack):
    # how fast is measured by make bench (goal: all available within 10 s of the event)
    data = resolution_data([f"big-{i:05d}" for i in range(10_000)])
    publish(stack, envelope(data))
    assert wait_for(lambda: count(stack, resolution_id=data["resolution_id"]) == 10_000, timeout=90, interval=0.1)
    assert len(stack.db("mailbox").notifications.distinct("recipient.sub", {"resolution_id": data["resolution_id"]})) == 10_000
    assert available_events(stack, data["resolution_id"]) == 10_000
    sample = stack.db("mailbox").notifications.find_one({"resolution_id": data["resolution_id"]})
    assert sample["available_at"] and sample["deemed_service_at"] > sample["available_at"]