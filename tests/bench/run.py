"""``make bench``: requests per second and latency of the gateway, on an isolated stack.

    make bench                                  # 20 clients, ~10 s per scenario
    make bench BENCH_ARGS="--quick"             # smoke run, 2 s per scenario
    make bench BENCH_ARGS="--clients 40 --seconds 20 --max-workers 40"
    make bench BENCH_ARGS="--profile /tmp/prof" # py-spy record of the gateway and the service each
                                                # scenario exercises (.venv/bin/pip install py-spy; samples
                                                # taken while the GIL is held, i.e. Python CPU; raw
                                                # collapsed stacks)
    make bench BENCH_ARGS="--scenarios echo,mass,open,echo"   # only the mailbox figures

It starts its own TestStack (its own mongod, RabbitMQ vhost, every service and the
gateway, with the production default limits), builds a realistic case file (20
accepted filings, 3 resolutions, 2 lawyers), then drives the gateway from a
separate load-generator process (``tests.bench.loadgen``) with N concurrent
keep-alive clients, scenario after scenario:

    echo    the reference: GET /api/v1/diagnostics/echo (one RPC to a service that
            returns its argument), run before AND after the others (the machine is
            shared and noisy)
    case    GET /api/v1/cases/{n} by a lawyer on the case
    filing  POST /api/v1/cases/{n}/filings with a distinct 1 MB PDF each time
    mass    a mass notification: one ``resolution_issued`` event with 10,000 recipients,
            published to ``filings.events`` as the outbox relay does; timed from the
            publish to the moment all 10,000 notices are committed in the mailbox
            database (polled every 50 ms), then until the relay has published every
            ``notification_available``; beside it, the reference of the same run: bare
            ``insert_many`` of the same 10,000 documents (a stored notice, copied with
            distinct _id and recipient) into a scratch collection of the same mongod with
            the indexes of ``notifications``, same write concern (majority)
    open    GET /api/v1/mailbox/notifications/{id}: each client is a lawyer opening notices
            of their own mailbox (made beforehand through the same event path); one
            opening in 4 is the first access of a notice (written once, serves it, emits
            ``notification_served``), the others re-read one of the latest opened
    issue, verify, registry, lookup
            the certificates' goals (issue 13): issuance end to end, verification by code, the registry
            look-up by CUI with 5,000,000 records, the officer's search by CUI over HTTP; see
            ``tests.bench.certificates`` (each printed beside its reference from the same run)
    portal  the web portal's public hearings page in headless Chromium: cold loads at 360x740, time until
            usable and bytes downloaded; see ``tests.bench.portal``
    agenda, search, lag
            the public look-ups' goals (issue 12): one court's agenda for one day, the party-name search,
            the event-to-visible lag at 200 hearing changes/s, over a read model seeded with 1,000,000
            hearings and 100,000 cases; see ``tests.bench.queries``
    archive, deposit
            the protocol archive's goals: the search by grantor name or by notary and year over 2,000,000
            deposits, and deposits of a 1 MB testimonio; see ``tests.bench.protocol``
    webhook, inbox, reply
            the chat's goals: signed WhatsApp webhooks (500/s, p99 < 100 ms, nothing lost), the staff inbox
            over 100,000 conversations at 20 agents, an agent's reply to the Graph API server; the complaint
            classifier's figures; see ``tests.bench.chat``

Between two scenarios it waits 2 s and has mongod write its dirty data to disk (``fsync``), so no
scenario pays for the checkpoint of the one before (the filing scenario leaves ~0.5 GB behind). It
prints, per scenario, requests, errors, requests per second, p50/p99 latency,
the CPU each process used during the measured window (the load generator's
included, and what other users of the machine took), the CPU cost per request
(which other users' load disturbs far less than rates), then the goals with
PASS/FAIL. The exit code is 0 whenever the measurement ran (a missed goal is a
result, not a crash); 1 if the bench could not run; 130 on Ctrl-C. Everything it
started is stopped at the end, also on failure or Ctrl-C.
"""
import argparse
import json
import math
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
import uuid
from pathlib import Path

from pymongo import IndexModel
from pymongo.errors import PyMongoError
from pymongo.write_concern import WriteConcern

from services.runtime.config import DEFAULT_CONFIG_PATH, ROOT
from tests.bench import certificates
from tests.bench import chat
from tests.bench import portal
from tests.bench import protocol
from tests.bench import queries as public_queries
from tests.support.api import Api
from tests.support.mailbox import envelope, publish, resolution_data, wait_for
from tests.support.pdfgen import make_pdf
from tests.support.stack import TestStack

# What the stack itself must decide (addresses, database, secrets, mode); everything else runs with the
# production defaults of deploy/config.yaml rather than TestStack's test-tuned values.
STACK_KEYS = {"AMQP_URI", "MONGO_URI", "MONGO_DB_PREFIX", "GATEWAY_HOST", "GATEWAY_PORT", "JWT_SECRET", "PORTAL_ENV",
              "METRICS_PORT", "MAX_WORKERS", "SMTP_PORT", "WHATSAPP_GRAPH_URL"}

# WiredTiger's cache in production: half of (the 8 GiB the MongoDB pod has in deploy/k8s, less 1 GB), its default
PRODUCTION_MONGO_CACHE_GB = 3.5


def production_env():
    """The ``${VAR:default}`` defaults of deploy/config.yaml (MAX_DOCUMENT_BYTES 20 MiB, RPC_TIMEOUT 10, ...)."""
    text = DEFAULT_CONFIG_PATH.read_text()
    env = {key: value for key, value in re.findall(r"\$\{([A-Z0-9_]+):([^}]*)\}", text) if key not in STACK_KEYS}
    env.update(MAX_DOCUMENT_BYTES=str(20 * 1024 * 1024), RPC_TIMEOUT="10")  # the issue's figures, whatever the file says
    return env


GOALS = {"case_ratio": 0.80, "case_p99_ms": 100.0, "filing_rate": 40.0, "filing_p99_ms": 1000.0,
         "mass_seconds": 10.0, "open_p99_ms": 100.0}
FILING_SIZE = 1_000_000
MASS_RECIPIENTS = 10_000
MASS_POLL_SECONDS = 0.05      # how often the bench counts the committed notices (an index-only count)
MASS_TIMEOUT_SECONDS = 180    # give up waiting (the goal is 10 s; a miss is still measured up to here)
MASS_REFERENCE_RUNS = 3       # bare insert_many runs; the median is the reference
OPEN_FIRST_EVERY = 4          # one opening in 4 is the first access of a notice, the others re-read (--open-first-every)
OPEN_REREAD_RECENT = 10       # a re-read picks one of the client's last 10 opened notices
OPEN_RATE_BOUND = 800         # openings/s the notices are made for; past it the clients only re-read
SCENARIOS = ("echo", "case", "filing", "mass", "open", "issue", "verify", "registry", "lookup", "agenda", "search",
             "lag", "portal", "archive", "deposit", "webhook", "inbox", "reply")
LOAD_KINDS = ("echo", "case", "filing", "open", "verify", "lookup", "agenda", "search", "archive", "deposit",
              "webhook", "inbox", "reply")  # driven by the load generator
TITLES = {"echo": "reference: GET /diagnostics/echo", "case": "GET /cases/{n} (case file)",
          "filing": "POST /cases/{n}/filings, 1 MB PDF", "open": "GET /mailbox/notifications/{id}",
          "mass": "mass notification: event -> notices", "mass_relay": "mass: relay notification_available",
          "mass_reference": "mass reference: bare insert_many", **certificates.TITLES,
          "lookup": certificates.TITLES["registry_api"], **public_queries.TITLES, **portal.TITLES,
          **protocol.TITLES, **chat.TITLES}
PROFILED = {"echo": ("gateway", "filings"), "case": ("gateway", "filings"), "filing": ("gateway", "filings"),
            "open": ("gateway", "mailbox"), "mass": ("mailbox",), "verify": ("gateway", "certificates"),
            "lookup": ("gateway", "certificates"), "agenda": ("gateway", "queries"), "search": ("gateway", "queries"),
            "lag": ("queries",), "archive": ("gateway", "certificates"), "deposit": ("gateway", "certificates"),
            "webhook": ("gateway", "chat"), "inbox": ("gateway", "chat"), "reply": ("gateway", "chat")}
TICKS = os.sysconf("SC_CLK_TCK")


# --- CPU accounting ----------------------------------------------------------
def process_cpu(pid):
    """CPU seconds (user + system) used so far by one process, or None if it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / TICKS
    except (OSError, IndexError, ValueError):
        return None


def process_runqueue_wait(pid):
    """Seconds the threads of one process spent runnable but waiting for a CPU (schedstat)."""
    total = 0
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            try:
                with open(f"/proc/{pid}/task/{task}/schedstat") as handle:
                    total += int(handle.read().split()[1])
            except (OSError, IndexError, ValueError):
                pass
    except OSError:
        return None
    return total / 1e9


def machine_cpu():
    """(busy, total) jiffies of the whole machine; steal counts as busy (someone else used it)."""
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return sum(values[:8]) - idle, sum(values[:8])


def pids_named(name):
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/comm") as handle:
                    if handle.read().strip() == name:
                        pids.append(int(entry))
            except OSError:
                pass
    return pids


class CpuSampler:
    """CPU used by each process of interest between two samples, as % of one core."""

    def __init__(self, groups):
        self.groups = groups  # {label: [pid, ...]}

    def sample(self):
        per_group = {}
        for label, pids in self.groups.items():
            values = [process_cpu(pid) for pid in pids]
            per_group[label] = sum(v for v in values if v is not None) if any(v is not None for v in values) else None
            waits = [process_runqueue_wait(pid) for pid in pids]
            per_group["wait:" + label] = (sum(w for w in waits if w is not None)
                                          if any(w is not None for w in waits) else None)
        return time.perf_counter(), per_group, machine_cpu()

    @staticmethod
    def usage(first, second):
        elapsed = second[0] - first[0]
        result = {}
        for label, before in first[1].items():
            after = second[1].get(label)
            result[label] = None if before is None or after is None else 100.0 * (after - before) / elapsed
        busy = second[2][0] - first[2][0]
        total = second[2][1] - first[2][1]
        result["machine"] = 100.0 * os.cpu_count() * busy / total if total else None
        ours = [v for k, v in result.items() if k not in ("machine", "rabbitmq") and not k.startswith("wait:")]
        if result["machine"] is not None and None not in ours:
            # everything else on the machine (other users, the rest of the broker's vhosts are in "rabbitmq")
            result["others"] = max(0.0, result["machine"] - sum(ours) - (result.get("rabbitmq") or 0.0))
        return result


# --- the case file -----------------------------------------------------------
class Fixture:
    """A case with 20 accepted filings (2 lawyers, some with 2 annexes) and 3 resolutions."""

    def __init__(self, stack):
        self.api = Api(stack)
        self.lawyer = self.api.lawyer("abogado.bench", name="Lic. Ana Pérez", bar_number="12345")
        self.other_lawyer = self.api.lawyer("abogado.bench2", name="Lic. Carlos López", bar_number="23456")
        self.clerk = self.api.clerk("01001", sub="secretario.bench")
        self.judge = self.api.judge("01001", sub="juez.bench")
        self.case_number = None

    def _accept(self, response):
        assert response.status_code == 201, response.text
        review = self.api.review(self.clerk, response.json()["filing_id"])
        assert review.status_code == 200, review.text

    def build(self):
        api = self.api
        opened = api.accepted_case(self.lawyer, self.clerk)  # folio 1: the demanda
        n = self.case_number = opened["case_number"]
        self._accept(api.file(self.other_lawyer, n, kind="apersonamiento", summary="Apersonamiento del demandado",
                              represents="Demandado Dos"))
        for i in range(18):
            if i in (4, 10, 16):
                response = api.resolve(self.judge if i != 10 else self.clerk, n, kind=("decreto", "auto", "decreto")[i % 3],
                                       summary=f"Resolución {i}: se tiene por evacuada la audiencia", term_days=3)
                assert response.status_code == 201, response.text
            token = self.lawyer if i % 2 == 0 else self.other_lawyer
            documents = [("memorial.pdf", make_pdf(pages=2, seed=f"fixture-{i}"))]
            if i % 3 == 0:
                documents.append(("anexo.pdf", make_pdf(pages=1, seed=f"fixture-annex-{i}")))
            self._accept(api.file(token, n, summary=f"Memorial {i + 1}: se evacúa la audiencia conferida",
                                  documents=documents))
        case = api.get(f"/api/v1/cases/{n}", self.lawyer)
        assert case.status_code == 200, case.text
        body = case.json()
        kinds = [e["type"] for e in body["entries"]]
        return {"case_number": n, "bytes": len(case.content), "filings": kinds.count("filing"),
                "resolutions": kinds.count("resolution"), "attorneys": len(body["attorneys"])}


# --- the mailboxes --------------------------------------------------------------
def wait_outbox_drained(stack, timeout=MASS_TIMEOUT_SECONDS):
    """True once the mailbox's relay has published every committed outbox row (an index-only count)."""
    outbox = stack.db("mailbox").outbox
    return wait_for(lambda: outbox.count_documents({"published": False}) == 0, timeout, MASS_POLL_SECONDS)


class Mailboxes:
    """The mailboxes of the open scenario: one lawyer per client, each with notices of their own, made
    through the event path (a ``resolution_issued`` per resolution with every one of them a recipient,
    published as the filings relay does)."""

    def __init__(self, stack, clients):
        self.stack = stack
        self.people = [{"sub": f"casillero.bench-{i:02d}", "name": f"Lic. Casillero {i}", "bar_number": str(30000 + i)}
                       for i in range(clients)]
        self.subs = [p["sub"] for p in self.people]
        self.tokens = {p["sub"]: stack.token(p["sub"], "lawyer", name=p["name"], bar_number=p["bar_number"])
                       for p in self.people}
        self.resolutions = 0

    @property
    def notices(self):
        return self.stack.db("mailbox").notifications

    def unopened(self, sub):
        return [d["_id"] for d in self.notices.find({"recipient.sub": sub, "accessed_at": None}, {"_id": 1})
                .sort([("available_at", 1), ("_id", 1)])]

    def ensure(self, per_client, timeout=MASS_TIMEOUT_SECONDS):
        """At least ``per_client`` unopened notices in every mailbox; returns how many were made now."""
        missing = per_client - min(len(self.unopened(sub)) for sub in self.subs)
        if missing <= 0:
            return 0
        events = []
        for _ in range(missing):
            self.resolutions += 1
            k = self.resolutions
            events.append(envelope(resolution_data(
                self.people, case_number=f"01001-2026-{81000 + k % 40:05d}", folio=k,
                summary=f"Resolución {k}: se señala audiencia (casillero de prueba)")))
        before = self.notices.count_documents({"recipient.sub": {"$in": self.subs}})
        publish(self.stack, *events)
        expected = before + missing * len(self.subs)
        if not wait_for(lambda: self.notices.count_documents({"recipient.sub": {"$in": self.subs}}) >= expected,
                        timeout, 0.2):
            raise RuntimeError("the notices of the open scenario did not arrive in the mailboxes")
        if not wait_outbox_drained(self.stack, timeout):
            raise RuntimeError("the mailbox relay did not publish its outbox")
        return missing * len(self.subs)

    def request(self, seed, first_every, limit):
        """Each client opens its own unopened notices in order, one in ``first_every`` requests; the
        other requests re-read one of its last opened (only notices opened in this run, so the loadgen's
        first/repeat split is exact). A client's plan holds at most ``limit`` paths (the loadgen starts
        it over if it runs out), so a large ``first_every`` does not build a huge job."""
        rng = random.Random(seed)
        per_client = []
        for sub in self.subs:
            paths, opened = [], []
            for notification_id in self.unopened(sub):
                path = f"/api/v1/mailbox/notifications/{notification_id}"
                opened.append(path)
                paths.append(path)
                paths.extend(rng.choice(opened[-OPEN_REREAD_RECENT:])
                             for _ in range(min(first_every - 1, limit - len(paths))))
                if len(paths) >= limit:
                    break
            per_client.append({"headers": {"Authorization": f"Bearer {self.tokens[sub]}"}, "paths": paths})
        return {"method": "GET", "per_client": per_client}


def open_requests_per_client(args):
    """Requests one client can make in an open scenario at OPEN_RATE_BOUND requests/s in all."""
    requests = args.requests + OPEN_RATE_BOUND * args.warmup if args.requests else \
        OPEN_RATE_BOUND * (args.seconds + args.warmup)
    return math.ceil(requests / args.clients)


def open_notices_needed(args):
    """Unopened notices per client for one open scenario, sized for OPEN_RATE_BOUND openings/s."""
    return max(5, math.ceil(open_requests_per_client(args) / args.open_first_every) + 5)


# --- scenarios ---------------------------------------------------------------
def scenario_request(kind, fixture, args):
    auth = {"Authorization": f"Bearer {fixture.lawyer}"}
    if kind == "echo":
        return {"method": "GET", "path": "/api/v1/diagnostics/echo?value=ping", "headers": auth}
    if kind == "case":
        return {"method": "GET", "path": f"/api/v1/cases/{fixture.case_number}", "headers": auth}
    if kind == "filing":
        expected = (args.requests or 50 * args.seconds) + 50 * args.warmup + args.clients
        return {"method": "POST", "path": f"/api/v1/cases/{fixture.case_number}/filings", "headers": auth,
                "filing": {"size": args.filing_size, "seed": f"bench-{time.time_ns()}",
                           "metadata": {"kind": "escrito", "summary": "Memorial con anexo (bench)"},
                           "pool": int(min(expected, 1500))}}
    raise ValueError(kind)


class Runner:
    def __init__(self, stack, fixture, args):
        self.stack, self.fixture, self.args = stack, fixture, args
        self.loadgen = None
        self.profilers = []
        self.mailboxes = None
        self.certificates = certificates.CertificatesBench(stack, args)
        self.queries = public_queries.QueriesBench(stack, args)
        self.portal = portal.PortalBench(stack, args)
        self.protocol = protocol.ProtocolBench(stack, args)
        self.chat = chat.ChatBench(stack, args)

    def run_portal(self):
        """The portal's hearings page in the browser (timed in the page), with the CPU of every process."""
        self.portal.seed()
        sampler = CpuSampler(self.cpu_groups(os.getpid()))
        first = sampler.sample()
        results = self.portal.run()
        results[0]["cpu"] = CpuSampler.usage(first, sampler.sample())
        return results

    def run_lag(self, label, tag):
        """The event-to-visible lag (timed by the bench itself), with the CPU of every process during it."""
        self.queries.seed()
        sampler = CpuSampler(self.cpu_groups(os.getpid()))
        if self.args.profile:
            self.start_profilers(tag, PROFILED["lag"])
        first = sampler.sample()
        result = self.queries.run_lag()
        result.update(cpu=CpuSampler.usage(first, sampler.sample()), label=label)
        if self.args.profile:
            self.stop_profilers(interrupt=True)
        return result

    def run_certificates(self, kind):
        """The issue or registry scenario (timed by the bench itself), each of its parts with the CPU of every
        process around it (on the part's first row; a reference row has none)."""
        if kind == "registry":
            self.certificates.seed_registry(self.args.registry_records)
            parts = [self.certificates.run_registry]
        else:
            parts = [self.certificates.run_issue, self.certificates.run_issue_capacity]
        results = []
        for part in parts:
            sampler = CpuSampler(self.cpu_groups(os.getpid()))
            first = sampler.sample()
            found = part()
            usage = CpuSampler.usage(first, sampler.sample())
            for result in found:
                result.update(cpu=usage if result is found[0] else {}, records=self.args.registry_records)
            results.extend(found)
        return results

    def cpu_groups(self, loadgen_pid):
        groups = {"loadgen": [loadgen_pid]}
        processes = self.stack.stack.processes  # the gateway first, then filings and any other service
        for name in sorted(processes, key=lambda name: name != "gateway"):
            groups[name] = [processes[name].process.pid]
        if self.stack.mongod is not None:
            groups["mongod"] = [self.stack.mongod.process.pid]
        rabbit = pids_named("beam.smp")
        if rabbit:
            groups["rabbitmq"] = rabbit
        return groups

    def start_profilers(self, label, services=("gateway", "filings"), duration=None):
        out = Path(self.args.profile)
        out.mkdir(parents=True, exist_ok=True)
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        duration = duration or max(1, int(self.args.seconds if not self.args.requests else 30))
        for service in services:
            pid = self.stack.stack.processes[service].process.pid
            target = out / f"{label}-{service}.txt"
            self.profilers.append(subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--duration", str(duration), "--rate", "200", "--format", "raw",
                 "--nonblocking", "--gil", "--output", str(target)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def stop_profilers(self, interrupt=False):
        for profiler in self.profilers:
            if interrupt and profiler.poll() is None:
                profiler.send_signal(signal.SIGINT)  # py-spy writes what it sampled so far
            try:
                profiler.wait(timeout=max(15, self.args.seconds + 10))
            except subprocess.TimeoutExpired:
                profiler.kill()
                profiler.wait()
        self.profilers = []

    def prepare_open(self):
        """The notices the open scenario will open (made before its clock starts)."""
        if self.mailboxes is None:
            self.mailboxes = Mailboxes(self.stack, self.args.clients)
        made = self.mailboxes.ensure(open_notices_needed(self.args))
        return self.mailboxes.request(self.mailboxes.resolutions, self.args.open_first_every,
                                       open_requests_per_client(self.args)), made

    def run(self, kind, label, tag):
        args = self.args
        if kind in ("agenda", "search"):
            request = self.queries.agenda_request() if kind == "agenda" else self.queries.search_request()
        elif kind in ("archive", "deposit"):
            request = self.protocol.search_request() if kind == "archive" else self.protocol.deposit_request()
        elif kind in ("webhook", "inbox", "reply"):
            request = {"webhook": self.chat.webhook_request, "inbox": self.chat.inbox_request,
                       "reply": self.chat.reply_request}[kind]()
        elif kind in ("verify", "lookup"):
            request = (self.certificates.verify_request() if kind == "verify"
                       else self.certificates.registry_api_request())
        else:
            request = self.prepare_open()[0] if kind == "open" else scenario_request(kind, self.fixture, args)
        job = {"url": self.stack.url, "clients": args.clients, "seconds": args.seconds, "requests": args.requests,
               "warmup": args.warmup, "timeout": 30, "request": request}
        self.loadgen = subprocess.Popen([sys.executable, "-m", "tests.bench.loadgen"], cwd=str(ROOT),
                                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                        start_new_session=True)
        self.loadgen.stdin.write(json.dumps(job))
        self.loadgen.stdin.close()
        sampler = CpuSampler(self.cpu_groups(self.loadgen.pid))
        first = second = None
        result = None
        for line in self.loadgen.stdout:
            line = line.strip()
            if line == "START":
                first = sampler.sample()
                database_before = self.stack.client.admin.command("serverStatus")
                if args.profile:
                    self.start_profilers(tag, PROFILED[kind])
            elif line == "END":
                second = sampler.sample()
                database = database_work(database_before, self.stack.client.admin.command("serverStatus"))
            elif line.startswith("{"):
                result = json.loads(line)
        code = self.loadgen.wait()
        self.loadgen = None
        if args.profile:
            self.stop_profilers()
        if result is None or first is None or second is None:
            raise RuntimeError(f"the load generator failed (exit code {code}) in scenario {label}")
        result.update(kind=kind, label=label, cpu=CpuSampler.usage(first, second), database=database,
                      clients=args.clients)
        if kind == "archive":
            result["records"] = args.archive_instruments
        elif kind == "inbox":
            result["records"] = args.inbox_conversations
        elif kind == "webhook":
            self.chat.count_stored(result)
        elif kind == "reply":
            self.chat.reply_delivery(result)
        if result["requests"]:
            n = result["requests"]
            print(f"  mongod per request: {database['operations'] / n:.2f} operations, "
                  f"{database['journal_syncs'] / n:.2f} journal syncs", flush=True)
        return result

    def run_mass(self, label, tag):
        """One ``resolution_issued`` with ``--mass-recipients`` recipients; then the reference. Returns three
        results: the notices (publish -> all committed), the relay (all committed -> every
        ``notification_available`` published) and the bare inserts. CPU is sampled for each; the
        "loadgen" column is the bench process itself (publishing, polling; the inserts of the reference)."""
        args, stack = self.args, self.stack
        n = args.mass_recipients
        db = stack.db("mailbox")
        notices, outbox = db.notifications, db.outbox
        if not wait_outbox_drained(stack):
            raise RuntimeError("the mailbox relay has unpublished rows before the mass notification")
        data = resolution_data([{"sub": f"masivo.bench-{i:05d}", "name": f"Lic. Masivo {i}",
                                 "bar_number": str(40000 + i)} for i in range(n)],
                               summary="Se señala audiencia de juicio oral (notificación masiva)")
        event = envelope(data)
        query = {"resolution_id": data["resolution_id"]}
        sampler = CpuSampler(self.cpu_groups(os.getpid()))
        if args.profile:
            self.start_profilers(tag, PROFILED["mass"], duration=MASS_TIMEOUT_SECONDS * 2)
        first = sampler.sample()
        started = time.perf_counter()
        publish(stack, event)
        publish_seconds = time.perf_counter() - started
        deadline = started + MASS_TIMEOUT_SECONDS
        while True:
            count = notices.count_documents(query)  # committed notices only; the transaction is all or nothing
            now = time.perf_counter()
            if count >= n or now > deadline:
                break
            time.sleep(MASS_POLL_SECONDS)
        second = sampler.sample()
        available_seconds = now - started
        relay_done = wait_outbox_drained(stack, max(1.0, deadline - time.perf_counter()))
        relay_end = time.perf_counter()
        third = sampler.sample()
        if args.profile:
            self.stop_profilers(interrupt=True)
        relayed = outbox.count_documents({"event_type": "notification_available",
                                          "data.resolution_id": data["resolution_id"], "published": True})
        sample = notices.find_one(query)
        mass = {"kind": "mass", "label": f"mass: 1 event -> {n:,} notices", "requests": count, "errors": 0,
                "rate": count / available_seconds, "recipients": n, "seconds": available_seconds,
                "publish_seconds": publish_seconds, "reached": count >= n,
                "event_bytes": len(json.dumps(event).encode()), "cpu": CpuSampler.usage(first, second)}
        relay = {"kind": "mass_relay", "label": f"mass: relay, {n:,} events", "requests": relayed,
                 "errors": 0, "rate": relayed / max(1e-6, relay_end - now), "seconds": relay_end - started,
                 "done": relay_done and relayed >= n, "cpu": CpuSampler.usage(second, third)}
        reference = self.bare_inserts(sample, n, notices, sampler) if sample else None
        return [r for r in (mass, relay, reference) if r]

    def bare_inserts(self, sample, n, notices, sampler):
        """The reference: the same documents, inserted bare (one insert_many, w: majority, the indexes of
        ``notifications``) into a scratch collection of the same mongod; median of MASS_REFERENCE_RUNS."""
        sample = dict(sample)
        del sample["_id"]
        docs = [{**sample, "_id": uuid.uuid4().hex,
                 "recipient": {**sample["recipient"], "sub": f"referencia.bench-{i:05d}"}} for i in range(n)]
        indexes = [IndexModel(list(index["key"].items()), name=index["name"], unique=bool(index.get("unique")))
                   for index in notices.list_indexes() if index["name"] != "_id_"]
        scratch = self.stack.client[f"{self.stack.prefix}_benchscratch"]
        runs = []
        try:
            for k in range(1 if self.args.quick else MASS_REFERENCE_RUNS):
                collection = scratch.get_collection(f"notifications_{k}", write_concern=WriteConcern("majority"))
                collection.drop()
                collection.create_indexes(indexes)
                time.sleep(0.2)
                first = sampler.sample()
                started = time.perf_counter()
                collection.insert_many(docs, ordered=False)
                seconds = time.perf_counter() - started
                runs.append((seconds, CpuSampler.usage(first, sampler.sample())))
                if collection.count_documents({}) != n:
                    raise RuntimeError("the reference insert did not store every document")
        finally:
            self.stack.client.drop_database(scratch.name)
        seconds, cpu = sorted(runs, key=lambda run: run[0])[len(runs) // 2]
        return {"kind": "mass_reference", "label": f"mass reference: bare insert_many {n:,}", "requests": n,
                "errors": 0, "rate": n / seconds, "seconds": seconds, "runs": [run[0] for run in runs],
                "indexes": len(indexes) + 1, "cpu": cpu}

    def kill(self):
        for process in [self.loadgen, *self.profilers]:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()
        self.chat.stop()


# --- report ----------------------------------------------------------------------
def database_work(before, after):
    """What mongod did between two ``serverStatus``: operations (its opcounters: documents inserted, queries,
    updates, deletes, getMores) and journal syncs (each majority-acknowledged write waits for one; group
    commits share them)."""
    operations = sum(after["opcounters"][k] - before["opcounters"][k] for k in ("insert", "query", "update", "delete",
                                                                             "getmore"))
    log = "log sync operations"
    return {"operations": operations,
            "journal_syncs": after["wiredTiger"]["log"][log] - before["wiredTiger"]["log"][log]}


def fmt(value, spec=".1f", missing="-"):
    return missing if value is None else format(value, spec)


def print_results(results, args, fixture_info):
    print()
    print(f"Portal Judicial — bench: {args.clients} concurrent clients, "
          f"{'%d requests' % args.requests if args.requests else '%g s' % args.seconds} per scenario "
          f"(after {args.warmup:g} s of warm-up), {os.cpu_count()} CPUs")
    print(f"Case file {fixture_info['case_number']}: {fixture_info['filings']} accepted filings, "
          f"{fixture_info['resolutions']} resolutions, {fixture_info['attorneys']} attorneys, "
          f"{fixture_info['bytes']} bytes of JSON")
    print()
    header = f"{'scenario':<40} {'requests':>8} {'errors':>6} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'max ms':>8}"
    print(header)
    print("-" * len(header))
    for r in results:
        if r["kind"] not in LOAD_KINDS:
            continue
        print(f"{r['label']:<40} {r['requests']:>8} {r['errors']:>6} {r['rate']:>8.1f} {fmt(r['p50_ms']):>8} "
              f"{fmt(r['p99_ms']):>8} {fmt(r['max_ms']):>8}")
        if r["kind"] == "open":
            for part, title in (("first", "first openings (record the access)"), ("repeat", "re-reads")):
                split = r.get(part) or {}
                print(f"  {title:<38} {split.get('requests', 0):>8} {'':>6} {'':>8} {fmt(split.get('p50_ms')):>8} "
                      f"{fmt(split.get('p99_ms')):>8}")
    print_mass(results)
    print()
    print("Responses in each second of the window (a steady rate, or where it changed):")
    for r in results:
        if r["kind"] in LOAD_KINDS and r.get("per_second"):
            print(f"  {r['label']:<40} " + " ".join(str(n) for n in r["per_second"]))
    print()
    services = [label for label in results[0]["cpu"] if label not in ("loadgen", "mongod", "rabbitmq", "machine", "others")
                and not label.startswith("wait:")]
    labels = ["loadgen", *services, "mongod", "rabbitmq", "others", "machine"]
    print(f"CPU during each measured window, % of one core (the machine has {os.cpu_count() * 100}%; 'machine' is "
          "everything; 'others' is what is not the bench's (other users); rabbitmq is the shared broker):")
    print(f"{'scenario':<40} " + " ".join(f"{label:>8}" for label in labels))
    for r in results:
        print(f"{r['label']:<40} " + " ".join(f"{fmt(r['cpu'].get(label), '.0f'):>8}" for label in labels))
    print()
    waits = [*services, "mongod"]
    print("Time runnable but waiting for a CPU (run queue), % of the window summed over threads; "
          "high values mean the machine was contended:")
    print(f"{'scenario':<40} " + " ".join(f"{label:>8}" for label in waits))
    for r in results:
        print(f"{r['label']:<40} " + " ".join(f"{fmt(r['cpu'].get('wait:' + label), '.0f'):>8}" for label in waits))
    print()
    print("CPU per request, ms (all the bench's processes, rabbitmq included; for the mass rows: per notice, and "
          "'loadgen' is the bench process itself, which publishes, polls and does the reference's inserts):")
    for r in results:
        if r["rate"]:
            parts = {label: r["cpu"].get(label) for label in labels if label not in ("others", "machine")}
            total = sum(v for v in parts.values() if v is not None)
            print(f"  {r['label']:<40} {total * 10 / r['rate']:7.2f}  (" + ", ".join(
                f"{label} {v * 10 / r['rate']:.2f}" for label, v in parts.items() if v is not None) + ")")
    notes = []
    for r in results:
        if r.get("errors_outside_window"):
            notes.append(f"{r['label']}: {r['errors_outside_window']} errors during warm-up/drain")
        if r.get("stragglers"):
            notes.append(f"{r['label']}: {r['stragglers']} clients still waiting at the end")
        if r.get("documents_made_on_the_fly"):
            notes.append(f"{r['label']}: the pool of PDFs ran out; {r['documents_made_on_the_fly']} were generated "
                         f"during the run ({r['documents_on_the_fly_seconds']:.1f} s of load-generator CPU)")
        planned_first = r["requests"] / args.open_first_every if r["kind"] == "open" else 0
        if r.get("first") and planned_first >= 5 and r["first"]["requests"] < 0.8 * planned_first:
            notes.append(f"{r['label']}: only {r['first']['requests']} of {r['requests']} openings were first accesses "
                         f"(planned 1 in {args.open_first_every}; the unopened notices ran out, raise OPEN_RATE_BOUND)")
        for sample in r.get("error_samples", []):
            notes.append(f"{r['label']}: HTTP {sample['status']}: {sample['body'][:200]}")
    if notes:
        print()
        for note in notes:
            print("  note: " + note)


def print_mass(results):
    mass = next((r for r in results if r["kind"] == "mass"), None)
    if mass is None:
        return
    relay = next((r for r in results if r["kind"] == "mass_relay"), None)
    reference = next((r for r in results if r["kind"] == "mass_reference"), None)
    n = mass["recipients"]
    print()
    print(f"Mass notification: one resolution_issued event with {n:,} recipients ({mass['event_bytes']:,} bytes of "
          f"JSON), published to filings.events as the relay does (persistent, confirmed)")
    print(f"  {'publish call (connect, send, broker confirm)':<58} {mass['publish_seconds']:7.2f} s")
    reached = f"all {n:,} notices committed" if mass["reached"] else f"only {mass['requests']:,} of {n:,} notices"
    print(f"  {reached + ' (from the publish)':<58} {mass['seconds']:7.2f} s   {mass['rate']:9,.0f} notices/s")
    if reference:
        runs = ", ".join(f"{seconds:.2f}" for seconds in reference["runs"])
        print(f"  {'reference: bare insert_many of the same documents':<58} {reference['seconds']:7.2f} s   "
              f"{reference['rate']:9,.0f} docs/s")
        print(f"    (median of {len(reference['runs'])} run(s): {runs} s; w: majority; the {reference['indexes']} "
              "indexes of notifications; the service also writes one outbox row per notice)")
        print(f"  {'ratio, mailbox rate / reference rate':<58} {mass['rate'] / reference['rate']:7.0%}")
    if relay:
        state = "" if relay["done"] else f" (only {relay['requests']:,} published)"
        print(f"  {'all notification_available published (from the publish)':<58} {relay['seconds']:7.2f} s   "
              f"{relay['rate']:9,.0f} events/s after the commit{state}")


def verdict(ok):
    return "PASS" if ok else "FAIL" if ok is not None else "info"


MIN_PAIRS = 3  # the case ratio is judged on the median of at least this many (echo, case) pairs


def case_pairs(results):
    """(echo, case) pairs: each case window with the reference window measured just before it."""
    pairs, last_echo = [], None
    for r in results:
        if r["kind"] == "echo":
            last_echo = r
        elif r["kind"] == "case" and last_echo is not None:
            pairs.append((last_echo, r))
            last_echo = None
    return pairs


def print_goals(results, args):
    by_kind = {}
    for r in results:
        by_kind.setdefault(r["kind"], []).append(r)
    lines = []
    total_errors = sum(r["errors"] for r in results)
    lines.append(("no errors (non-2xx) in any scenario", f"{total_errors} errors", "0", total_errors == 0))
    references = by_kind.get("echo", [])
    case = by_kind.get("case", [None])[0]
    filing = by_kind.get("filing", [None])[0]
    opening = by_kind.get("open", [None])[0]
    mass = by_kind.get("mass", [None])[0]
    mass_reference = by_kind.get("mass_reference", [None])[0]
    mass_relay = by_kind.get("mass_relay", [None])[0]
    pairs = case_pairs(results)
    if pairs:
        ratios = sorted(c["rate"] / e["rate"] for e, c in pairs if e["rate"])
        ratio = ratios[len(ratios) // 2] if len(ratios) % 2 else sum(ratios[len(ratios) // 2 - 1:][:2]) / 2
        each = ", ".join(f"{c['rate']:.0f}/{e['rate']:.0f} = {c['rate'] / e['rate']:.0%}" for e, c in pairs if e["rate"])
        judged = len(pairs) >= MIN_PAIRS or None  # fewer pairs: shown, not judged
        lines.append((f"case read rate / reference rate (median of {len(pairs)} pairs measured in turn, "
                      f"case/echo)", f"{ratio:.0%} ({each})", f">= {GOALS['case_ratio']:.0%}",
                      (ratio >= GOALS["case_ratio"]) if judged else None))
    if case:
        case = max(by_kind["case"], key=lambda r: r["p99_ms"] or 0)  # the worst window is judged
        lines.append(("case read p99 (the worst window)", f"{fmt(case['p99_ms'])} ms", f"< {GOALS['case_p99_ms']:.0f} ms",
                      case["p99_ms"] is not None and case["p99_ms"] < GOALS["case_p99_ms"]))
    if filing:
        lines.append(("1 MB filings per second", f"{filing['rate']:.1f}/s", f">= {GOALS['filing_rate']:.0f}/s",
                      filing["rate"] >= GOALS["filing_rate"]))
        lines.append(("1 MB filing p99", f"{fmt(filing['p99_ms'])} ms", f"< {GOALS['filing_p99_ms']:.0f} ms",
                      filing["p99_ms"] is not None and filing["p99_ms"] < GOALS["filing_p99_ms"]))
    if mass:
        n = mass["recipients"]
        note = "" if n == MASS_RECIPIENTS else f" (the goal is stated for {MASS_RECIPIENTS:,})"
        measured = (f"{mass['seconds']:.2f} s, {mass['rate']:,.0f} notices/s" if mass["reached"]
                    else f"only {mass['requests']:,} after {mass['seconds']:.0f} s")
        lines.append((f"mass notification: all {n:,} notices available after the event{note}", measured,
                      f"<= {GOALS['mass_seconds']:.0f} s", mass["reached"] and mass["seconds"] <= GOALS["mass_seconds"]))
        if mass_reference:
            lines.append(("mass notification rate / bare insert_many rate of the same documents (same run)",
                          f"{mass['rate'] / mass_reference['rate']:.0%} ({mass['rate']:,.0f} vs "
                          f"{mass_reference['rate']:,.0f}/s)", "none stated", None))
        if mass_relay:
            lines.append((f"mass notification: all {n:,} notification_available published after the event",
                          f"{mass_relay['seconds']:.2f} s" if mass_relay["done"] else
                          f"only {mass_relay['requests']:,}", "none stated", None))
    if opening:
        lines.append((f"open a notice p99 (1 in {args.open_first_every} a first opening, the rest re-reads)", f"{fmt(opening['p99_ms'])} ms",
                      f"< {GOALS['open_p99_ms']:.0f} ms",
                      opening["p99_ms"] is not None and opening["p99_ms"] < GOALS["open_p99_ms"]))
        if references:
            reference_rate = sum(r["rate"] for r in references) / len(references)
            lines.append((f"open a notice rate / reference rate (mean of {len(references)} runs: {reference_rate:.1f}/s)",
                          f"{opening['rate'] / reference_rate:.0%} ({opening['rate']:.1f}/s)" if reference_rate else "-",
                          "none stated", None))
    if references and (case or opening):
        # the latency goals are absolute; the reference shows what the machine allowed in this same run
        p99s = [r["p99_ms"] for r in references if r["p99_ms"] is not None]
        contended = bool(p99s) and max(p99s) >= GOALS["open_p99_ms"]
        lines.append(("reference p99 in this run (the same path with no work)" +
                      (": itself over 100 ms, the machine was contended" if contended else ""),
                      " / ".join(f"{fmt(v)} ms" for v in p99s), "none stated", None))
    lines.extend(certificates.goal_lines(results, fmt))
    lines.extend(public_queries.goal_lines(results, fmt))
    lines.extend(portal.goal_lines(results, fmt))
    lines.extend(protocol.goal_lines(results, fmt))
    lines.extend(chat.goal_lines(results, fmt))
    # The same figures seen through CPU cost, which other users' load disturbs much less than rates do.
    costs = {}
    for r in results:
        if r["kind"] in ("mass_relay", "mass_reference", "issue_reference", "registry", "registry_reference"):
            continue
        parts = [v for k, v in r["cpu"].items() if k not in ("loadgen", "machine", "others") and not k.startswith("wait:")]
        if r["rate"] and None not in parts:
            costs.setdefault(r["kind"], []).append(sum(parts) * 10 / r["rate"])  # ms of CPU per request
    if costs:
        cores = os.cpu_count()
        print()
        print(f"CPU cost per request (services + mongod + rabbitmq, load generator excluded) and the rate it would allow "
              f"if the bench had all {cores} cores (an upper bound):")
        for kind, values in costs.items():
            cost = sum(values) / len(values)
            print(f"  {TITLES[kind]:<40} {cost:6.2f} ms  ->  at most ~{cores * 1000 / cost:.0f}/s")
        if "echo" in costs and "case" in costs:
            ratio = (sum(costs["echo"]) / len(costs["echo"])) / (sum(costs["case"]) / len(costs["case"]))
            print(f"  case read / reference by cost: {ratio:.0%} (the rate ratio a CPU-bound idle machine would show)")
        print_per_replica(results)
        busy = [r for r in results if (r["cpu"].get("others") or 0) > 20]
        if busy:
            print("  note: other users took " + ", ".join(f"{r['cpu']['others']:.0f}%" for r in busy)
                  + " of the CPU during " + ", ".join(r["label"] for r in busy)
                  + "; measured rates are lower than on an idle machine")

    print()
    note = "" if args.clients == 20 else f"  (the goals are stated for 20 clients; this run used {args.clients})"
    print("Goals" + note)
    for name, measured, goal, ok in lines:
        print(f"  {verdict(ok)}  {name}: {measured}  (goal {goal})")
    failed = [name for name, _, _, ok in lines if ok is False]
    print()
    print("RESULT: " + ("every goal met" if not failed else f"{len(failed)} goal(s) missed: " + "; ".join(failed)))


PER_REPLICA_FLOOR_MS = 0.2   # a process that spent less per request is not doing that scenario's work


def per_replica(results):
    """{scenario: ({process: (ms of CPU per request, requests/s one replica allows)}, {"mongod": ms, "rabbitmq": ms})}:
    what each service's process spent per request, averaged over the scenario's windows, and the rate one replica
    of it would allow with one core to itself (a replica is one Python process: it runs on one core at a time), for
    the deployment's capacity arithmetic (deploy/k8s/README.md). mongod and rabbitmq are shown per request: they are
    sized as clusters, not as replicas."""
    sums = {}
    for r in results:
        if not r.get("rate") or r["kind"] in ("mass_relay", "mass_reference", "issue_reference", "registry",
                                              "registry_reference", "portal"):  # portal: page loads, not requests
            continue
        entry = sums.setdefault(r["kind"], {})
        for name, value in r["cpu"].items():
            if value is not None and name not in ("loadgen", "machine", "others") and not name.startswith("wait:"):
                entry.setdefault(name, []).append(value * 10 / r["rate"])
    out = {}
    for kind, entry in sums.items():
        ms = {name: sum(values) / len(values) for name, values in entry.items()}
        services = {name: (cost, 1000 / cost) for name, cost in ms.items()
                    if name not in ("mongod", "rabbitmq") and cost >= PER_REPLICA_FLOOR_MS}
        out[kind] = (services, {name: ms[name] for name in ("mongod", "rabbitmq") if name in ms})
    return out


def print_per_replica(results):
    table = per_replica(results)
    if not table:
        return
    print()
    print("Per replica (one core to itself; for the capacity arithmetic in deploy/k8s/README.md): each process's CPU per "
          "request and the rate one replica of it allows; the cluster parts per request:")
    for kind, (services, clusters) in table.items():
        parts = ", ".join(f"{name} {cost:.2f} ms -> ~{rate:.0f}/s" for name, (cost, rate) in services.items())
        shared = ", ".join(f"{name} {cost:.2f} ms" for name, cost in clusters.items())
        print(f"  {TITLES[kind]:<40} {parts}; {shared}")


# --- main --------------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per scenario (default 10)")
    parser.add_argument("--requests", type=int, default=None, help="measure this many responses per scenario instead")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of warm-up before each window (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per scenario, 0.5 s of warm-up")
    parser.add_argument("--scenarios", default="echo,case,echo,case,echo,case,filing,mass,open,echo,"
                                                "issue,echo,verify,echo,verify,echo,verify,registry,echo,lookup,"
                                                "echo,agenda,echo,agenda,echo,agenda,echo,search,lag,portal,"
                                                "echo,deposit,echo,archive,echo,webhook,echo,inbox,"
                                                "echo,reply",
                        help="comma-separated, in order, from echo, case, filing, mass, open "
                             "(default echo,case,filing,mass,open,echo)")
    parser.add_argument("--mass-recipients", type=int, default=MASS_RECIPIENTS,
                        help=f"recipients of the mass notification (default {MASS_RECIPIENTS})")
    parser.add_argument("--filing-size", type=int, default=FILING_SIZE, help="bytes of each filed PDF (default 1000000)")
    parser.add_argument("--open-first-every", type=int, default=OPEN_FIRST_EVERY,
                        help=f"open scenario: one request in N is the first opening of a notice (default "
                             f"{OPEN_FIRST_EVERY}; 1 = only first openings)")
    parser.add_argument("--issue-count", type=int, default=certificates.ISSUE_COUNT,
                        help=f"issue scenario: notices in each of its two parts (default {certificates.ISSUE_COUNT})")
    parser.add_argument("--issue-rate", type=float, default=certificates.ISSUE_RATE,
                        help=f"issue scenario: notices per second in its paced part (default {certificates.ISSUE_RATE:g}; 0: at once)")
    parser.add_argument("--registry-records", type=int, default=certificates.REGISTRY_RECORDS,
                        help=f"registry scenario: records seeded (default {certificates.REGISTRY_RECORDS:,})")
    parser.add_argument("--queries-hearings", type=int, default=1_000_000,
                        help="agenda, search, lag: hearings seeded into the read model (default 1,000,000)")
    parser.add_argument("--queries-cases", type=int, default=100_000,
                        help="agenda, search, lag: amparo and antejuicio cases seeded (default 100,000)")
    parser.add_argument("--archive-instruments", type=int, default=protocol.ARCHIVE_INSTRUMENTS,
                        help=f"archive: deposits seeded into the protocol archive (default {protocol.ARCHIVE_INSTRUMENTS:,})")
    parser.add_argument("--inbox-conversations", type=int, default=chat.INBOX_CONVERSATIONS,
                        help=f"inbox: conversations seeded into the chat (default {chat.INBOX_CONVERSATIONS:,})")
    parser.add_argument("--reply-pace", type=float, default=chat.REPLY_PACE,
                        help=f"reply: seconds between two replies of one agent (default {chat.REPLY_PACE:g}; 0: back "
                             "to back)")
    parser.add_argument("--lag-rate", type=int, default=200, help="lag: hearing changes per second (default 200)")
    parser.add_argument("--agenda-near", type=float, default=0.8,
                        help="agenda: share of requests for a day within a week of today (default 0.8; the rest "
                             "any seeded day)")
    parser.add_argument("--max-workers", type=int, default=None, help="nameko max_workers of every service (MAX_WORKERS)")
    parser.add_argument("--profile", metavar="DIR", default=None,
                        help="py-spy record (raw collapsed stacks) per scenario into DIR: gateway and filings; "
                             "gateway and mailbox for open; mailbox for mass")
    parser.add_argument("--keep", action="store_true", help="keep the stack's temporary folder (logs, data)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else (2.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenarios if s not in SCENARIOS]
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {sorted(SCENARIOS)}")
    if args.mass_recipients < 1:
        parser.error("--mass-recipients must be at least 1")
    if args.open_first_every < 1:
        parser.error("--open-first-every must be at least 1")
    return args


def labels_for(scenarios):
    counts = {s: scenarios.count(s) for s in scenarios}
    seen = {}
    labels = []
    for s in scenarios:
        seen[s] = seen.get(s, 0) + 1
        label = TITLES[s]
        if counts[s] > 1:
            label += " (" + ("before" if seen[s] == 1 else "after" if seen[s] == counts[s] else f"run {seen[s]}") + ")"
        labels.append(label)
    return labels


def settle(stack, quick):
    """Between two scenarios: let the relays and mongod settle, then have mongod write its dirty data to disk
    now (``fsync``, a checkpoint) so that no scenario pays for the writes of the one before. Without it the
    first periodic checkpoint (every 60 s) after the filing scenario's ~0.5 GB of PDFs fell in the middle of
    the open scenario and stalled its w: majority writes (audit inserts, commits: 100+ ms in mongod's slow
    query log), tripling that scenario's p99. Returns the seconds the checkpoint took (None if refused)."""
    time.sleep(0.5 if quick else 2.0)
    started = time.perf_counter()
    try:
        stack.client.admin.command("fsync")
    except PyMongoError:  # e.g. a shared MONGO_URI server without the privilege: measure as it is
        return None
    return time.perf_counter() - started


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (background)
    signal.signal(signal.SIGTERM, _interrupt)
    extra_env = {**production_env(), **certificates.ENV, **public_queries.ENV}
    if args.max_workers:
        extra_env["MAX_WORKERS"] = str(args.max_workers)
    stack = TestStack(extra_env=extra_env, mongo_cache_gb=PRODUCTION_MONGO_CACHE_GB)
    runner = None
    code = 0
    try:
        print("Starting an isolated stack (mongod, RabbitMQ vhost, filings, mailbox, gateway)…", flush=True)
        stack.start()
        print(f"  gateway at {stack.url}; logs in {stack.tmp / 'logs'}", flush=True)
        print(f"  MAX_DOCUMENT_BYTES={stack.env['MAX_DOCUMENT_BYTES']} RPC_TIMEOUT={stack.env['RPC_TIMEOUT']} "
              f"max_workers={stack.env.get('MAX_WORKERS') or 20} LOG_LEVEL={stack.env.get('LOG_LEVEL')}", flush=True)
        print("Building the case file…", flush=True)
        fixture = Fixture(stack)
        info = fixture.build()
        print(f"  {info['case_number']}: {info['filings']} accepted filings, {info['resolutions']} resolutions, "
              f"{info['bytes']} bytes", flush=True)
        runner = Runner(stack, fixture, args)
        results = []
        for index, (kind, label) in enumerate(zip(args.scenarios, labels_for(args.scenarios))):
            if index:
                checkpoint = settle(stack, args.quick)
                if checkpoint is not None and checkpoint >= 0.5:
                    print(f"  (mongod wrote the previous scenario's data to disk first: {checkpoint:.1f} s)", flush=True)
            if kind == "mass":
                print(f"Running the mass notification ({args.mass_recipients:,} recipients) and its reference …",
                      flush=True)
                mass = runner.run_mass(label, f"{index + 1}-{kind}")
                for result in mass:
                    print(f"  {result['label']}: {result['requests']:,} in {result['seconds']:.2f} s, "
                          f"{result['rate']:,.0f}/s", flush=True)
                results.extend(mass)
                continue
            if kind == "lag":
                print(f"Running {label} …", flush=True)
                result = runner.run_lag(label, f"{index + 1}-{kind}")
                print(f"  {result['requests']} changes at {result['rate']:.0f}/s, lag p50 {fmt(result['p50_ms'])} ms, "
                      f"p99 {fmt(result['p99_ms'])} ms, {result['lost']} not seen", flush=True)
                results.append(result)
                continue
            if kind == "portal":
                print(f"Running {label} …", flush=True)
                for result in runner.run_portal():
                    print(f"  usable: median {fmt(result['p50_ms'])} ms, worst {fmt(result['max_ms'])} ms; first "
                          f"contentful paint median {fmt(result['fcp_ms'])} ms; {result['bytes'] / 1024:.1f} KB "
                          f"downloaded", flush=True)
                    results.append(result)
                continue
            if kind in ("agenda", "search"):
                runner.queries.seed()
            if kind == "archive":
                runner.protocol.seed()
            if kind == "inbox":
                runner.chat.seed()
            if kind in ("issue", "registry"):
                print(f"Running {label} …", flush=True)
                for result in runner.run_certificates(kind):
                    print(f"  {result['label']}: {result['requests']:,} in {result['seconds']:.2f} s, "
                          f"{result['rate']:,.1f}/s, p50 {fmt(result['p50_ms'], '.2f')} ms, "
                          f"p99 {fmt(result['p99_ms'], '.2f')} ms", flush=True)
                    results.append(result)
                continue
            if kind == "open":
                print("  making the notices to open (event path) …", flush=True)
            print(f"Running {label} …", flush=True)
            result = runner.run(kind, label, f"{index + 1}-{kind}")
            print(f"  {result['requests']} requests, {result['errors']} errors, {result['rate']:.1f}/s, "
                  f"p50 {fmt(result['p50_ms'])} ms, p99 {fmt(result['p99_ms'])} ms", flush=True)
            results.append(result)
        print_results(results, args, info)
        print_goals(results, args)
        if args.profile:
            print(f"\npy-spy profiles (raw collapsed stacks) in {args.profile}")
    except KeyboardInterrupt:
        print("\nInterrupted; stopping everything the bench started…", file=sys.stderr, flush=True)
        code = 130
    except Exception:
        traceback.print_exc()
        print(f"\nThe bench could not run. Service logs: {stack.tmp / 'logs'}", file=sys.stderr, flush=True)
        for service in ("gateway", "filings", "mailbox"):
            try:
                tail = stack.log_text(service).splitlines()[-15:]
            except OSError:
                continue
            print(f"--- last lines of {service}.log ---", file=sys.stderr)
            print("\n".join(tail), file=sys.stderr)
        code = 1
    finally:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # a second Ctrl-C must not abort the cleanup
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if runner is not None:
            runner.kill()
        try:
            stack.stop()
        except Exception:
            traceback.print_exc()
            code = code or 1
        if args.keep or code == 1:
            print(f"Kept {stack.tmp}", file=sys.stderr)
        else:
            shutil.rmtree(stack.tmp, ignore_errors=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
