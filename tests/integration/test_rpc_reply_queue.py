"""The reply queue each process declares for its RPC calls is a classic queue whatever the broker's default type:
the cluster's virtual host makes every queue declared without a type a quorum queue (deploy/k8s), and a reply
queue is worth no replication (services/runtime/rpc.py). The broker itself says which type the queue has: declaring
it again as a quorum queue is refused naming the type it holds."""
import subprocess
import sys

import pytest

from services.runtime.config import ROOT

pytestmark = pytest.mark.stack

PROBE = r'''
import eventlet
eventlet.monkey_patch()
import sys

import kombu
from nameko.containers import ServiceContainer
from nameko.rpc import rpc

from services.runtime.rpc import proxy


class Caller:
    name = "reply_probe"
    other = proxy("nobody")

    @rpc
    def ping(self):
        return 1


container = ServiceContainer(Caller, {"AMQP_URI": sys.argv[1]})
container.start()
try:
    queue = next(iter(container.dependencies)).rpc_reply_listener.queue
    with kombu.Connection(sys.argv[1]) as connection:
        channel = connection.channel()
        try:
            channel.queue_declare(queue.name, durable=queue.durable, auto_delete=queue.auto_delete,
                                  arguments={**queue.queue_arguments, "x-queue-type": "quorum"})
            print("accepted")
        except Exception as exc:
            print(exc)
finally:
    container.stop()
'''


def test_a_reply_queue_is_declared_classic(stack):
    done = subprocess.run([sys.executable, "-c", PROBE, stack.amqp_uri], cwd=ROOT, env=stack.env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "PRECONDITION_FAILED" in done.stdout and "current is 'classic'" in done.stdout, done.stdout
