"""``make bench``: requests per second and latency of the gateway, on an isolated stack.

    make bench                                  # 20 clients, ~10 s per scenario
    make bench BENCH_ARGS="--quick"             # smoke run, 2 s per scenario
    make bench BENCH_ARGS="--clients 40 --seconds 20 --max-workers 40"
    make bench BENCH_ARGS="--profile /tmp/prof" # py-spy record of gateway and filings per scenario
                                                # (.venv/bin/pip install py-spy; samples taken while the
                                                # GIL is held, i.e. Python CPU; raw collapsed stacks)

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

and prints, per scenario, requests, errors, requests per second, p50/p99 latency,
the CPU each process used during the measured window (the load generator's
included, and what other users of the machine took), the CPU cost per request
(which other users' load disturbs far less than rates), then the goals with
PASS/FAIL. The exit code is 0 whenever the measurement ran (a missed goal is a
result, not a crash); 1 if the bench could not run; 130 on Ctrl-C. Everything it
started is stopped at the end, also on failure or Ctrl-C.
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import traceback
from pathlib import Path

from services.runtime.config import DEFAULT_CONFIG_PATH, ROOT
from tests.support.api import Api
from tests.support.pdfgen import make_pdf
from tests.support.stack import TestStack

# What the stack itself must decide (addresses, database, secrets, mode); everything else runs with the
# production defaults of deploy/config.yaml rather than TestStack's test-tuned values.
STACK_KEYS = {"AMQP_URI", "MONGO_URI", "MONGO_DB_PREFIX", "GATEWAY_HOST", "GATEWAY_PORT", "JWT_SECRET", "PORTAL_ENV",
              "METRICS_PORT", "MAX_WORKERS", "SMTP_PORT"}


def production_env():
    """The ``${VAR:default}`` defaults of deploy/config.yaml (MAX_DOCUMENT_BYTES 20 MiB, RPC_TIMEOUT 10, ...)."""
    text = DEFAULT_CONFIG_PATH.read_text()
    env = {key: value for key, value in re.findall(r"\$\{([A-Z0-9_]+):([^}]*)\}", text) if key not in STACK_KEYS}
    env.update(MAX_DOCUMENT_BYTES=str(20 * 1024 * 1024), RPC_TIMEOUT="10")  # the figures, whatever the file says
    return env


GOALS = {"case_ratio": 0.70, "case_p99_ms": 100.0, "filing_rate": 40.0, "filing_p99_ms": 1000.0}
FILING_SIZE = 1_000_000
TITLES = {"echo": "reference: GET /diagnostics/echo", "case": "GET /cases/{n} (case file)",
          "filing": "POST /cases/{n}/filings, 1 MB PDF"}
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

    def start_profilers(self, label):
        out = Path(self.args.profile)
        out.mkdir(parents=True, exist_ok=True)
        spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
        duration = max(1, int(self.args.seconds if not self.args.requests else 30))
        for service in ("gateway", "filings"):
            pid = self.stack.stack.processes[service].process.pid
            target = out / f"{label}-{service}.txt"
            self.profilers.append(subprocess.Popen(
                [spy, "record", "--pid", str(pid), "--duration", str(duration), "--rate", "200", "--format", "raw",
                 "--nonblocking", "--gil", "--output", str(target)],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True))

    def stop_profilers(self):
        for profiler in self.profilers:
            try:
                profiler.wait(timeout=max(15, self.args.seconds + 10))
            except subprocess.TimeoutExpired:
                profiler.kill()
                profiler.wait()
        self.profilers = []

    def run(self, kind, label, tag):
        args = self.args
        job = {"url": self.stack.url, "clients": args.clients, "seconds": args.seconds, "requests": args.requests,
               "warmup": args.warmup, "timeout": 30, "request": scenario_request(kind, self.fixture, args)}
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
                if args.profile:
                    self.start_profilers(tag)
            elif line == "END":
                second = sampler.sample()
            elif line.startswith("{"):
                result = json.loads(line)
        code = self.loadgen.wait()
        self.loadgen = None
        if args.profile:
            self.stop_profilers()
        if result is None or first is None or second is None:
            raise RuntimeError(f"the load generator failed (exit code {code}) in scenario {label}")
        result.update(kind=kind, label=label, cpu=CpuSampler.usage(first, second))
        return result

    def kill(self):
        for process in [self.loadgen, *self.profilers]:
            if process is not None and process.poll() is None:
                process.kill()
                process.wait()


# --- report ----------------------------------------------------------------------
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
        print(f"{r['label']:<40} {r['requests']:>8} {r['errors']:>6} {r['rate']:>8.1f} {fmt(r['p50_ms']):>8} "
              f"{fmt(r['p99_ms']):>8} {fmt(r['max_ms']):>8}")
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
    print("CPU per request, ms (all the bench's processes, rabbitmq included):")
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
        for sample in r.get("error_samples", []):
            notes.append(f"{r['label']}: HTTP {sample['status']}: {sample['body'][:200]}")
    if notes:
        print()
        for note in notes:
            print("  note: " + note)


def verdict(ok):
    return "PASS" if ok else "FAIL"


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
    if case and references:
        reference_rate = sum(r["rate"] for r in references) / len(references)
        ratio = case["rate"] / reference_rate if reference_rate else 0.0
        each = ", ".join(f"{case['rate'] / r['rate']:.0%} of {r['label'].split('(')[-1].rstrip(')')}"
                         for r in references if r["rate"])
        lines.append((f"case read rate / reference rate (mean of {len(references)} runs: {reference_rate:.1f}/s)",
                      f"{ratio:.0%} ({each})", f">= {GOALS['case_ratio']:.0%}", ratio >= GOALS["case_ratio"]))
    if case:
        lines.append(("case read p99", f"{fmt(case['p99_ms'])} ms", f"< {GOALS['case_p99_ms']:.0f} ms",
                      case["p99_ms"] is not None and case["p99_ms"] < GOALS["case_p99_ms"]))
    if filing:
        lines.append(("1 MB filings per second", f"{filing['rate']:.1f}/s", f">= {GOALS['filing_rate']:.0f}/s",
                      filing["rate"] >= GOALS["filing_rate"]))
        lines.append(("1 MB filing p99", f"{fmt(filing['p99_ms'])} ms", f"< {GOALS['filing_p99_ms']:.0f} ms",
                      filing["p99_ms"] is not None and filing["p99_ms"] < GOALS["filing_p99_ms"]))
    # The same figures seen through CPU cost, which other users' load disturbs much less than rates do.
    costs = {}
    for r in results:
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
    failed = [name for name, _, _, ok in lines if not ok]
    print()
    print("RESULT: " + ("every goal met" if not failed else f"{len(failed)} goal(s) missed: " + "; ".join(failed)))


# --- main --------------------------------------------------------------------------
def parse_args(argv):
    parser = argparse.ArgumentParser(prog="make bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (default 20)")
    parser.add_argument("--seconds", type=float, default=None, help="measured seconds per scenario (default 10)")
    parser.add_argument("--requests", type=int, default=None, help="measure this many responses per scenario instead")
    parser.add_argument("--warmup", type=float, default=None, help="seconds of warm-up before each window (default 2)")
    parser.add_argument("--quick", action="store_true", help="smoke run: 2 s per scenario, 0.5 s of warm-up")
    parser.add_argument("--scenarios", default="echo,case,filing,echo",
                        help="comma-separated, in order, from echo, case, filing (default echo,case,filing,echo)")
    parser.add_argument("--filing-size", type=int, default=FILING_SIZE, help="bytes of each filed PDF (default 1000000)")
    parser.add_argument("--max-workers", type=int, default=None, help="nameko max_workers of every service (MAX_WORKERS)")
    parser.add_argument("--profile", metavar="DIR", default=None,
                        help="py-spy record (raw collapsed stacks) of gateway and filings per scenario into DIR")
    parser.add_argument("--keep", action="store_true", help="keep the stack's temporary folder (logs, data)")
    args = parser.parse_args(argv)
    args.seconds = args.seconds if args.seconds is not None else (2.0 if args.quick else 10.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 2.0)
    args.scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    unknown = [s for s in args.scenarios if s not in TITLES]
    if unknown:
        parser.error(f"unknown scenario(s) {unknown}; choose from {sorted(TITLES)}")
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


def _interrupt(signum, frame):
    raise KeyboardInterrupt()


def main(argv=None):
    args = parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # also when started with SIGINT ignored (background)
    signal.signal(signal.SIGTERM, _interrupt)
    extra_env = production_env()
    if args.max_workers:
        extra_env["MAX_WORKERS"] = str(args.max_workers)
    stack = TestStack(extra_env=extra_env)
    runner = None
    code = 0
    try:
        print("Starting an isolated stack (mongod, RabbitMQ vhost, filings, gateway)…", flush=True)
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
                time.sleep(0.5 if args.quick else 2.0)  # let the relay and mongod settle
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
        for service in ("gateway", "filings"):
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
