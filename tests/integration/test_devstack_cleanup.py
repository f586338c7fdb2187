"""``make run`` leaves nothing running however it ends.

Each test starts the real ``python -m services.runtime.devstack run`` in a session and process group of its
own, with its own data folder, ports and RabbitMQ virtual host, then ends it: kill -9 of the Python process,
kill -9 of its whole process group (a closed terminal, an OOM kill), SIGHUP, Ctrl-C twice. Its children
(mongod and every service, found in /proc by parent pid before the end) must be gone within seconds, and
the next run must start as if nothing had happened. A mongod left on the data folder by an older crash is
stopped and replaced; a port held by another program is refused with its number. The suite's own stack
(tests/support/stack.py) dies with a killed pytest too.
"""
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from services.runtime import devstack
from services.runtime.config import ROOT, Settings, load_config

pytestmark = pytest.mark.stack

CHILDREN = {"mongod", *(module for _, module in devstack.SERVICES)}


def start_time(pid):
    """A running process's start time, None if it is gone (a zombie counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    return None if fields[0] in ("Z", "X") else int(fields[19])


def children_of(parent):
    """{pid: (start time, what it runs)} of the running children of ``parent``."""
    found = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            args = [arg.decode() for arg in Path(f"/proc/{entry}/cmdline").read_bytes().split(b"\0") if arg]
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        if int(fields[1]) == parent and fields[0] not in ("Z", "X") and args:
            found[int(entry)] = (int(fields[19]), "mongod" if os.path.basename(args[0]) == "mongod" else args[-1])
    return found


def port_open(port):
    return devstack.port_open("127.0.0.1", port, timeout=0.2)


def free_ports(count):
    """``count`` consecutive ports a server can listen on, below the ephemeral range: a port taken from that
    range (bind to port 0) can meanwhile become the local end of some program's outgoing connection, and
    then nothing can listen on it."""
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    for _ in range(200):
        base = random.randrange(10000, low - count)
        if all(devstack.port_bindable(port) and not port_open(port) for port in range(base, base + count)):
            return list(range(base, base + count))
    raise RuntimeError("no free ports")


class DevstackRun:
    """One ``python -m services.runtime.devstack run``: what ``make run`` runs."""

    def __init__(self, env, output):
        self.env, self.output_path = env, output
        self.process = None

    def start(self):
        with open(self.output_path, "wb") as out:
            self.process = subprocess.Popen([sys.executable, "-m", "services.runtime.devstack", "run"], cwd=str(ROOT),
                                            env=self.env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                            start_new_session=True)
        return self

    @property
    def pid(self):
        return self.process.pid

    def output(self):
        return self.output_path.read_text(errors="replace")

    def wait_for(self, condition, timeout, what):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition():
                return
            if self.process.poll() is not None:
                pytest.fail(f"devstack ended (code {self.process.returncode}) before {what}:\n{self.output()}")
            time.sleep(0.1)
        pytest.fail(f"devstack: no {what} within {timeout} s:\n{self.output()}")

    def wait_healthz(self, timeout=90):
        def answers():
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.env['GATEWAY_PORT']}/healthz", timeout=1) as response:
                    return response.status == 200
            except (urllib.error.URLError, OSError):
                return False
        self.wait_for(answers, timeout, "/healthz")

    def wait_running(self, timeout=90):
        self.wait_for(lambda: "Portal Judicial está en marcha" in self.output(), timeout, "'en marcha'")

    def children(self):
        found = children_of(self.pid)
        assert {what for _, what in found.values()} == CHILDREN, found
        return found


@pytest.fixture
def devstack_env(tmp_path):
    """The environment of an isolated ``make run``, and whatever it started is ended at the end (by pid)."""
    base_amqp = os.environ.get("AMQP_URI") or Settings(load_config()).get("AMQP_URI")
    devstack.ensure_rabbitmq(base_amqp)
    vhost = f"portal-devstack-{uuid.uuid4().hex[:8]}"
    if devstack.create_vhost(vhost):
        parts = urlsplit(base_amqp)
        amqp_uri = urlunsplit((parts.scheme, parts.netloc, "/" + vhost, parts.query, ""))
    else:
        vhost, amqp_uri = None, base_amqp
    env = {key: value for key, value in os.environ.items() if key not in ("MONGO_URI", "METRICS_PORT")}
    # mongod, the gateway, then METRICS_PORT_BASE: the services' metrics are on METRICS_PORT_BASE + 1, + 2
    mongo_port, gateway_port, metrics_base, *_ = free_ports(5)
    env.update(PORTAL_DATA_DIR=str(tmp_path / "data"), AMQP_URI=amqp_uri, MONGO_PORT=str(mongo_port),
               GATEWAY_PORT=str(gateway_port), GATEWAY_HOST="127.0.0.1", METRICS_PORT_BASE=str(metrics_base),
               PORTAL_ENV="development", PYTHONUNBUFFERED="1")
    runs, strays = [], {}

    def new_run():
        run = DevstackRun(env, tmp_path / f"run-{len(runs) + 1}.out").start()
        runs.append(run)
        return run

    def remember(children):
        strays.update(children)
        return children

    new_run.env, new_run.remember, new_run.data = env, remember, tmp_path / "data"
    try:
        yield new_run
    finally:
        for run in runs:
            if run.process.poll() is None:
                os.killpg(run.pid, signal.SIGKILL)
                run.process.wait()
        for pid, (started, _) in strays.items():
            if start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
        if vhost:
            devstack.delete_vhost(vhost)


def ports_of(env):
    base = int(env["METRICS_PORT_BASE"])
    return [int(env["MONGO_PORT"]), int(env["GATEWAY_PORT"]), base + 1, base + 2]


def assert_all_gone(children, env, within, ports=None):
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        alive = {pid: what for pid, (started, what) in children.items() if start_time(pid) == started}
        held = [port for port in (ports if ports is not None else ports_of(env)) if port_open(port)]
        if not alive and not held:
            return
        time.sleep(0.1)
    pytest.fail(f"still running {within} s after the end: {alive}; ports still held: {held}")


def assert_clean_stop(run, children, within=10):
    started = time.monotonic()
    try:
        code = run.process.wait(within)
    except subprocess.TimeoutExpired:
        pytest.fail(f"devstack did not stop within {within} s:\n{run.output()}")
    assert code == 0, run.output()
    assert time.monotonic() - started <= within
    out = run.output()
    assert "Deteniendo" in out and "Todo lo que se inició está detenido." in out, out
    assert_all_gone(children, run.env, within=1)
    assert not (Path(run.env["PORTAL_DATA_DIR"]) / "devstack.pids.json").exists()
    # mongod was stopped, not killed: its log ends with a clean exit
    assert '"exitCode":0' in (Path(run.env["PORTAL_DATA_DIR"]) / "mongod.log").read_text().splitlines()[-1]


@pytest.mark.parametrize("kill, stop", [("process", "sighup"), ("group", "ctrl-c twice")])
def test_a_killed_make_run_leaves_nothing_running_and_the_next_starts_and_stops_cleanly(devstack_env, kill, stop):
    first = devstack_env()
    first.wait_healthz()
    children = devstack_env.remember(first.children())
    if kill == "process":
        os.kill(first.pid, signal.SIGKILL)
    else:
        os.killpg(first.pid, signal.SIGKILL)  # what a closed terminal or an OOM kill of the whole job amounts to
    first.process.wait()
    assert_all_gone(children, devstack_env.env, within=5)

    second = devstack_env()
    second.wait_running()
    assert "anterior" not in second.output()  # nothing was left for it to stop
    children = devstack_env.remember(second.children())
    if stop == "sighup":
        os.kill(second.pid, signal.SIGHUP)
    else:
        os.kill(second.pid, signal.SIGINT)
        second.wait_for(lambda: "Deteniendo" in second.output(), 5, "'Deteniendo'")
        os.kill(second.pid, signal.SIGINT)  # a second Ctrl-C during the stop does not cut it short
    assert_clean_stop(second, children)
    if stop != "sighup":
        assert "Ya se está deteniendo" in second.output()


def test_a_mongod_left_on_its_data_folder_is_stopped_cleanly_and_replaced(devstack_env):
    data = devstack_env.data
    (data / "mongo").mkdir(parents=True)
    # a mongod of a run that crashed before this behaviour existed: not a child of any devstack
    with open(data / "leftover-mongod.log", "ab") as log:
        leftover = subprocess.Popen([devstack.mongod_binary(), "--replSet", "rs0", "--dbpath", str(data / "mongo"),
                                     "--port", devstack_env.env["MONGO_PORT"], "--bind_ip", "127.0.0.1", "--quiet"],
                                    stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while not port_open(int(devstack_env.env["MONGO_PORT"])):
            assert leftover.poll() is None and time.monotonic() < deadline, "the leftover mongod did not start"
            time.sleep(0.1)
        run = devstack_env()
        run.wait_running()
        assert f"Hay un mongod (pid {leftover.pid})" in run.output()
        assert leftover.wait(1) == 0  # it was asked to stop, and stopped cleanly
        children = devstack_env.remember(run.children())
        os.kill(run.pid, signal.SIGHUP)
        assert_clean_stop(run, children)
    finally:
        if leftover.poll() is None:
            leftover.kill()
            leftover.wait()


def test_a_port_held_by_another_program_is_refused_naming_it(devstack_env):
    port = int(devstack_env.env["MONGO_PORT"])
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port))
        holder.listen()
        run = devstack_env()
        code = run.process.wait(60)
    assert code == 1
    assert f"El puerto {port} ya está en uso" in run.output()
    assert children_of(run.pid) == {}


SUITE_STACK = """
import json, time
from services.runtime import devstack
from tests.support.stack import TestStack
stack = TestStack(services=[s for s in devstack.SERVICES if s[0] == "gateway"]).start()
print(json.dumps({"vhost": stack.vhost, "tmp": str(stack.tmp), "ports": [stack.mongod.port, stack.gateway_port]}), flush=True)
time.sleep(300)
"""


def test_the_suites_own_stack_dies_with_a_killed_pytest(tmp_path):
    env = {key: value for key, value in os.environ.items() if key not in ("MONGO_URI", "METRICS_PORT")}
    with open(tmp_path / "stderr", "wb") as stderr:
        suite = subprocess.Popen([sys.executable, "-c", SUITE_STACK], cwd=str(ROOT), env=env, stdout=subprocess.PIPE,
                                 stderr=stderr, start_new_session=True)
    info, children = None, {}
    try:
        line = suite.stdout.readline()
        assert line, (tmp_path / "stderr").read_text()
        info = json.loads(line)
        children = children_of(suite.pid)
        assert {what for _, what in children.values()} == {"mongod", "gateway.service:Gateway"}, children
        os.kill(suite.pid, signal.SIGKILL)
        suite.wait()
        assert_all_gone(children, {}, within=5, ports=info["ports"])
    finally:
        if suite.poll() is None:
            suite.kill()
            suite.wait()
        for pid, (started, _) in children.items():
            if start_time(pid) == started:
                os.kill(pid, signal.SIGKILL)
        if info:
            if info["vhost"]:
                devstack.delete_vhost(info["vhost"])
            shutil.rmtree(info["tmp"], ignore_errors=True)
