"""A unique index that documents already stored break (written before the index was declared, or restored from an
old backup): the filings service still starts and serves, without that one index, says so in its log and in the
gauge ``portal_filings_unique_indexes_unbuilt`` (alert PortalUniqueIndexUnbuilt); every other index is built.
Once the duplicate is resolved, the next start builds it and the gauge is back to 0.

The service runs on a database and a RabbitMQ virtual host of its own, so it answers no request of the suite."""
import datetime
import uuid
from urllib.parse import urlsplit, urlunsplit

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.filings import domain
from services.runtime import devstack
from services.runtime.config import load_config
from services.runtime.mongo import database_name
from tests.integration.test_service_gauges import gauge_value
from tests.support.mailbox import wait_for

INDEX = "one_pending_appearance"


@pytest.fixture()
def own_stack(stack):
    vhost = f"portal-test-index-{uuid.uuid4().hex[:8]}"
    if not devstack.create_vhost(vhost):
        pytest.fail("no se pudo crear un virtual host de RabbitMQ para la prueba")
    parts = urlsplit(stack.amqp_uri)
    prefix = f"idx{uuid.uuid4().hex[:8]}"
    env = {**stack.env, "AMQP_URI": urlunsplit((parts.scheme, parts.netloc, "/" + vhost, parts.query, "")),
           "MONGO_DB_PREFIX": prefix}
    db = stack.client[database_name(prefix, "filings")]
    yield env, db
    stack.client.drop_database(db.name)
    devstack.delete_vhost(vhost)


def start_filings(stack, env, name):
    port = devstack.free_port()
    process = devstack.ServiceProcess(name, "services.filings.service:FilingsService",
                                      {**env, "METRICS_PORT": str(port)}, stack.tmp / "logs" / f"{name}.log").start()
    process.metrics_url = f"http://127.0.0.1:{port}/metrics"
    return process


def test_duplicates_a_unique_index_forbids_leave_it_unbuilt_and_the_service_running(stack, own_stack):
    env, db = own_stack
    now = datetime.datetime.now(datetime.timezone.utc)
    waiting = {"case_number": "01001-2024-00077", "kind": "apersonamiento", "status": domain.RECEIVED,
               "filed_by": {"sub": "abogado.doble"}, "received_at": now}
    db.filings.insert_many([{**waiting, "_id": "escrito-1"}, {**waiting, "_id": "escrito-2"}])

    first = start_filings(stack, env, "filings-duplicates")
    try:
        assert wait_for(lambda: gauge_value(first.metrics_url, "portal_filings_unique_indexes_unbuilt") == 1,
                        timeout=60)
        # the gauge is set while the store starts, before the service takes calls: wait until it does
        devstack.wait_rpc_queue(env["AMQP_URI"], "filings", timeout=60)
        with ClusterRpcProxy({**load_config(), "AMQP_URI": env["AMQP_URI"]}) as cluster:
            assert cluster.filings.health() == {"database": True}
            assert cluster.filings.echo("sigue") == "sigue"
        built = db.filings.index_information()
        assert INDEX not in built
        assert len(built) == 1 + 3  # _id and the three other indexes the store declares for filings
        log = (stack.tmp / "logs" / "filings-duplicates.log").read_text(errors="replace")
        assert "unique index not built" in log and f"filings.{INDEX}" in log
        assert db.filings.count_documents({}) == 2  # nothing was changed to build it
    finally:
        first.stop()

    # the clerk rules on one of the two; the next start builds the index
    db.filings.update_one({"_id": "escrito-2"}, {"$set": {"status": "rejected"}})
    second = start_filings(stack, env, "filings-resolved")
    try:
        assert wait_for(lambda: gauge_value(second.metrics_url, "portal_filings_unique_indexes_unbuilt") == 0,
                        timeout=60)
        assert INDEX in db.filings.index_information()
    finally:
        second.stop()
