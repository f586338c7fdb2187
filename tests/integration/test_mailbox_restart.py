"""The database restarts while a lawyer opens notices: every opening that was answered keeps the access it
showed, an opening that failed can be done again, and every notice is served once, by that access.

While the database is down an opening does not fail at once: the driver waits for a primary for up to its
server selection timeout (5 s), and an opening that meets a shorter outage just waits and succeeds. Only one
in flight at the very moment the server shuts down fails fast. So the database stays down until an opening
has failed (which one that is depends on the machine's speed), then it starts again."""
import threading
import time
import uuid

import pytest
import requests

from tests.support.mailbox import emitted, envelope, publish, resolution_data, wait_for

NOTICES = 40


def test_openings_while_the_database_restarts_keep_one_access_each(api, stack):
    if stack.mongod is None:
        pytest.skip("MONGO_URI points at a database this suite does not own")
    sub = f"restart-{uuid.uuid4().hex[:6]}"
    token = stack.token(sub, "lawyer", bar_number="1")
    events = [resolution_data([sub], summary=f"Resolución {k} (reinicio de la base)") for k in range(NOTICES)]
    publish(stack, *(envelope(data) for data in events))
    notifications = stack.db("mailbox").notifications
    assert wait_for(lambda: notifications.count_documents({"recipient.sub": sub}) == NOTICES)
    ids = [n["_id"] for n in notifications.find({"recipient.sub": sub}, {"_id": 1})]

    answers = {}
    started = threading.Event()

    def open_all():
        for k, notification_id in enumerate(ids):
            if k == 5:
                started.set()
            try:
                response = requests.get(f"{api.url}/api/v1/mailbox/notifications/{notification_id}",
                                        headers={"Authorization": f"Bearer {token}"}, timeout=30)
                answers[notification_id] = (response.status_code, response.json())
            except requests.RequestException as exc:
                answers[notification_id] = (0, repr(exc))
            time.sleep(0.05)

    opener = threading.Thread(target=open_all)
    opener.start()
    assert started.wait(30)
    stack.mongod.stop()
    try:
        # down until an opening met it: one in flight at the stop fails at once, a later one after waiting
        # for a primary in vain (the driver's 5 s, or the gateway's RPC_TIMEOUT first: 504)
        met = wait_for(lambda: any(status != 200 for status, _ in list(answers.values())), 60, 0.05)
    finally:
        stack.mongod.start()
    assert met, "no opening failed while the database was down"
    opener.join(120)
    assert not opener.is_alive()
    assert wait_for(lambda: api.get("/readyz").status_code == 200, 30, 0.5)

    answered = {i: body for i, (status, body) in answers.items() if status == 200}
    failed = [i for i, (status, _) in answers.items() if status != 200]
    assert len(answered) >= 5, answers  # the openings before the stop were answered
    assert failed
    assert all(answers[i][0] in (503, 504) for i in failed), {i: answers[i] for i in failed}
    assert all(answers[i][1]["error"] in ("service_unavailable", "service_timeout", "database_unavailable")
               for i in failed), {i: answers[i] for i in failed}

    for notification_id in ids:
        again = api.get(f"/api/v1/mailbox/notifications/{notification_id}", token)
        assert again.status_code == 200, again.text
        notice = again.json()
        assert notice["accessed_at"] and notice["served_by"] == "access" and notice["served_at"] == notice["accessed_at"]
        if notification_id in answered:
            # an access the lawyer was shown survived the restart, unchanged
            assert notice["accessed_at"] == answered[notification_id]["accessed_at"]
            assert notice["served_at"] == answered[notification_id]["served_at"]
        served = emitted(stack, notification_id, "notification_served")
        assert len(served) == 1, served
        assert served[0]["data"]["served_by"] == "access"
    # every answered opening left its audit entry before it was answered
    audit = stack.db("mailbox").audit
    for notification_id in answered:
        assert audit.count_documents({"target": f"notification:{notification_id}", "outcome": "allowed"}) >= 1
