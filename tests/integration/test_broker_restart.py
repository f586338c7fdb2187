"""The broker restarts in the middle of work: calls fail fast (503/504) while it is
down, everything reconnects, and an event committed meanwhile is delivered once."""
import threading
import time

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.live import LIVE_SYSTEM_ACTOR
from services.runtime import devstack
from services.runtime.config import load_config
from services.runtime.mongo import Store

WAIT = 6  # seconds a long poll waits for an event


def wait_for(predicate, timeout=60, interval=0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(interval)
    return False


def consumer_count(stack):
    listed = devstack.rabbitmqctl("list_consumers", "-p", stack.vhost, "--quiet", "--no-table-headers")
    return len([line for line in listed.stdout.splitlines() if line.strip()])


def test_broker_restart_loses_nothing(api, stack):
    if stack.vhost is None:
        pytest.skip("the suite does not own a virtual host on this broker (cannot restart it safely)")
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    mailbox = stack.db("mailbox").notifications
    filings_db = stack.db("filings")
    issued = api.resolve(judge, case_number, summary="Antes del reinicio").json()
    assert wait_for(lambda: mailbox.count_documents({"resolution_id": issued["resolution_id"]}) == 1)
    template = filings_db.outbox.find_one({"data.resolution_id": issued["resolution_id"]})

    assert devstack.rabbitmqctl("stop_app").returncode == 0
    try:
        started = time.monotonic()
        down = api.get(f"/api/v1/cases/{case_number}", lawyer)
        assert down.status_code in (503, 504), down.text
        assert time.monotonic() - started < float(stack.env["RPC_TIMEOUT"]) + 5
        # a state change committed while the broker is down: its event waits in the outbox
        store = Store(filings_db, stack.client)
        event_id = store.transaction(lambda tx: tx.emit("filings", "resolution_issued", {
            **template["data"], "resolution_id": "broker-restart-resolution"}))
    finally:
        assert devstack.rabbitmqctl("start_app").returncode == 0

    assert wait_for(lambda: api.get(f"/api/v1/cases/{case_number}", lawyer).status_code == 200, timeout=90)
    # the relay publishes what waited; the mailbox applies it once
    assert wait_for(lambda: filings_db.outbox.find_one({"_id": event_id})["published"] is True, timeout=60)
    assert wait_for(lambda: mailbox.count_documents({"resolution_id": "broker-restart-resolution"}) == 1, timeout=60)
    after = api.resolve(judge, case_number, summary="Después del reinicio")
    assert after.status_code == 201, after.text
    assert wait_for(lambda: mailbox.count_documents({"resolution_id": after.json()["resolution_id"]}) == 1)
    time.sleep(1)
    assert mailbox.count_documents({"resolution_id": "broker-restart-resolution"}) == 1


def test_connections_closed_by_the_broker_are_not_used_again(api, stack):
    """The broker closes every connection (an operator, a node failover): services reconnect, and no request
    goes out on a publishing connection the broker had closed (it would be lost and end in a 504)."""
    if stack.vhost is None:
        pytest.skip("the suite does not own a virtual host on this broker (cannot close its connections safely)")
    lawyer = api.lawyer()
    for i in range(10):  # every process now holds idle publishing connections
        assert api.get(f"/api/v1/diagnostics/echo?value=antes-{i}", lawyer).status_code == 200
    consumers = consumer_count(stack)
    closed = devstack.rabbitmqctl("close_all_connections", "-p", stack.vhost, "prueba: cierre de conexiones")
    assert closed.returncode == 0, closed.stderr
    # every consumer is back (the services and the gateway's reply listener reconnected by themselves) ...
    assert wait_for(lambda: consumer_count(stack) >= consumers, timeout=60)
    # ... so every request must now succeed at once, the first one included
    timeout = float(stack.env["RPC_TIMEOUT"])
    for i in range(30):
        started = time.monotonic()
        response = api.get(f"/api/v1/diagnostics/echo?value=despues-{i}", lawyer)
        assert response.status_code == 200, response.text
        assert response.json() == {"value": f"despues-{i}"}
        assert time.monotonic() - started < timeout / 2


def test_a_service_answering_when_the_broker_stops_keeps_running(api, stack):
    """A service still working on a call when the broker goes away cannot send its reply (the caller gets its 504
    and tries again), but it must keep running and, once the broker is back, apply events and answer again. A long
    poll (the real-time streams' ``live_changes``) is such a call at almost any moment."""
    if stack.vhost is None:
        pytest.skip("the suite does not own a virtual host on this broker (cannot restart it safely)")
    lawyer, clerk, judge = api.lawyer(), api.clerk(), api.judge()
    case_number = api.accepted_case(lawyer, clerk)["case_number"]
    mailbox = stack.stack.processes["mailbox"]
    config = {**load_config(), "AMQP_URI": stack.amqp_uri}

    def long_poll():  # the mailbox waits WAIT seconds for an event that never comes, then answers
        try:
            with ClusterRpcProxy(config, timeout=WAIT + 20) as cluster:
                cluster.mailbox.live_changes(LIVE_SYSTEM_ACTOR, {"wait_seconds": WAIT,
                                                                 "recipients": ["abogado.nadie"]})
        except Exception:  # noqa: BLE001 - the broker went away under it: what the caller sees is not the point
            pass

    caller = threading.Thread(target=long_poll, daemon=True)
    caller.start()
    time.sleep(1.5)  # the call is being worked on
    assert devstack.rabbitmqctl("stop_app").returncode == 0
    try:
        time.sleep(WAIT + 1)  # the mailbox finished the call and tried to reply meanwhile
        assert mailbox.alive, "el casillero se detuvo al no poder enviar una respuesta"
    finally:
        assert devstack.rabbitmqctl("start_app").returncode == 0
    caller.join(WAIT + 25)

    assert wait_for(lambda: api.get("/api/v1/mailbox/notifications", lawyer).status_code == 200, timeout=90)
    issued = api.resolve(judge, case_number, summary="Después de una respuesta perdida")
    assert issued.status_code == 201, issued.text
    notices = stack.db("mailbox").notifications
    assert wait_for(lambda: notices.count_documents({"resolution_id": issued.json()["resolution_id"]}) == 1, timeout=60)
    assert mailbox.alive
