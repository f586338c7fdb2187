"""The load generator of ``make bench``: a separate process, so its CPU is not the gateway's.

Run by ``tests.bench.run`` as ``python -m tests.bench.loadgen`` with a JSON job on
stdin; ``clients`` threads, each with its own keep-alive ``http.client``
connection, send requests back to back (closed loop) for ``warmup`` seconds (not
counted), then for ``seconds`` (or until ``requests`` responses were counted).

Protocol on stdout, one line each: ``START`` when the measured window opens,
``END`` when it closes (the parent samples the CPU of every process at both), then
one line of JSON with the results. A request counts in the window if its response
arrived inside it; any status outside 2xx, or a failed connection, is an error.

Job::

    {"url": "http://127.0.0.1:8000", "clients": 20, "seconds": 10, "requests": null,
     "warmup": 1.0, "timeout": 30,
     "request": {"method": "GET", "path": "/api/v1/...", "headers": {...}}}
    # or, for filings, a multipart body with a distinct PDF per request:
     "request": {"method": "POST", "path": "...", "headers": {...},
                 "filing": {"size": 1000000, "seed": "bench-1", "metadata": {...}, "pool": 600}}
    # the part's name and file name can be set ("field", "filename"), and "numbered": "number" puts a running
    # integer from "first_number" into that key of each request's metadata (a notary's deposits: a distinct
    # instrument number each):
     "filing": {..., "field": "document", "filename": "testimonio.pdf", "numbered": "number", "first_number": 1}
    # or, each client its own identity and its own sequence of paths (client i takes
    # per_client[i % len]; it walks its paths in order and starts again at the end):
     "request": {"method": "GET", "per_client": [{"headers": {...}, "paths": ["/a", "/b", "/a", ...]}, ...]}
    # "pace": each client starts a request at most every "pace" seconds (an agent who writes a reply every few
    # seconds, not back to back; the default 0 is back to back):
     "request": {..., "pace": 2.0}
    # a JSON body, the same for every request (with per_client or a single path):
     "request": {"method": "POST", "per_client": [...], "json": {"text": "..."}}
    # or WhatsApp webhooks as Meta posts them: each a text message with a distinct wamid ("<prefix>-<n>"),
    # from one of "contacts" numbers, to "line", signed with "secret" (X-Hub-Signature-256):
     "request": {"method": "POST", "path": "/api/v1/chat/whatsapp/webhook",
                 "webhook": {"secret": "...", "line": "100000000000001", "prefix": "wamid.bench-1", "contacts": 2000}}

With ``per_client``, the results also split the counted requests into ``first`` (the
first request of a path by that client: e.g. the first opening of a notice, which
records the access) and ``repeat`` (a path that client requested before), each with
its count, p50 and p99. Every result also has ``ok_total``: the 2xx responses of the whole run, warm-up and
drain included (what a "nothing lost" check compares the stored count with).
"""
import http.client
import itertools
import json
import random
import sys
import threading
import time
import uuid
from urllib.parse import urlsplit

from services.runtime.signatures import sign
from tests.support.pdfgen import make_pdf
from tests.support.whatsapp import WebhookSender, text_payload


class Documents:
    """Distinct PDFs, ``make_pdf(size=..., seed=...)``: a pool made before the clock
    starts (so generating them does not compete with the system under test), then
    generated on the fly if the pool runs out (counted and timed)."""

    def __init__(self, spec):
        self.size = spec["size"]
        self.seed = spec["seed"]
        self.template = spec["metadata"]
        self.metadata = json.dumps(self.template).encode()
        self.field = spec.get("field", "documents")
        self.filename = spec.get("filename", "escrito.pdf")
        self.numbered = spec.get("numbered")
        self.numbers = itertools.count(spec.get("first_number", 1))
        self.counter = itertools.count()
        self.lock = threading.Lock()
        self.pool = [self._make(next(self.counter)) for _ in range(spec.get("pool", 0))]
        self.on_the_fly = 0
        self.on_the_fly_seconds = 0.0

    def _make(self, i):
        return make_pdf(size=self.size, seed=f"{self.seed}-{i}")

    def next(self):
        with self.lock:
            if self.pool:
                return self.pool.pop()
            i = next(self.counter)
        started = time.perf_counter()
        document = self._make(i)
        with self.lock:
            self.on_the_fly += 1
            self.on_the_fly_seconds += time.perf_counter() - started
        return document

    def body(self):
        boundary = uuid.uuid4().hex
        document = self.next()
        metadata = self.metadata
        if self.numbered:
            with self.lock:
                number = next(self.numbers)
            metadata = json.dumps({**self.template, self.numbered: number}).encode()
        body = b"".join([
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"metadata\"\r\n"
            f"Content-Type: application/json\r\n\r\n".encode(), metadata, b"\r\n",
            f"--{boundary}\r\nContent-Disposition: form-data; name=\"{self.field}\"; filename=\"{self.filename}\"\r\n"
            f"Content-Type: application/pdf\r\n\r\n".encode(), document, b"\r\n",
            f"--{boundary}--\r\n".encode()])
        return body, f"multipart/form-data; boundary={boundary}"


class Webhooks:
    """Signed webhook bodies, each one text message with a distinct wamid, made on the fly (cheap: one HMAC)."""

    def __init__(self, spec):
        self.secret = spec["secret"]
        self.line = spec["line"]
        self.prefix = spec["prefix"]
        self.contacts = spec.get("contacts", 1000)
        self.counter = itertools.count()
        self.lock = threading.Lock()

    def body(self):
        with self.lock:
            n = next(self.counter)
        wa_id = f"52168{n % self.contacts:08d}"
        raw = WebhookSender.encode(text_payload(self.line, wa_id, f"Mensaje de prueba {n}: ¿cómo va mi expediente?",
                                                wamid=f"{self.prefix}-{n}", name=f"Lic. Carga {n % self.contacts}"))
        return raw, {"Content-Type": "application/json", "X-Hub-Signature-256": sign(self.secret, raw)}


class Client(threading.Thread):
    def __init__(self, job, documents, clock, index=0, webhooks=None):
        super().__init__(daemon=True)
        parts = urlsplit(job["url"])
        self.host, self.port = parts.hostname, parts.port or 80
        self.timeout = job.get("timeout", 30)
        self.request = job["request"]
        plans = self.request.get("per_client")
        self.plan = plans[index % len(plans)] if plans else None
        self.step = 0
        self.requested = set()  # the paths this client already requested (per_client only)
        self.documents = documents
        self.webhooks = webhooks
        self.json = json.dumps(self.request["json"]).encode() if "json" in self.request else None
        self.clock = clock
        self.records = []  # (finished_at, latency_seconds, status, first request of its path)
        self.errors = []   # a few samples, for the report
        self.connection = None

    def target(self):
        """(path, headers, first): the next request of this client."""
        if self.plan is None:
            return self.request["path"], dict(self.request.get("headers", {})), True
        paths = self.plan["paths"]
        path = paths[self.step % len(paths)]
        self.step += 1
        first = path not in self.requested
        self.requested.add(path)
        return path, dict(self.plan.get("headers", {})), first

    def connect(self):
        if self.connection is not None:
            self.connection.close()
        self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)

    def once(self):
        method = self.request["method"]
        path, headers, first = self.target()
        body = None
        if self.documents is not None:
            body, headers["Content-Type"] = self.documents.body()
        elif self.webhooks is not None:
            body, signed = self.webhooks.body()
            headers.update(signed)
        elif self.json is not None:
            body, headers["Content-Type"] = self.json, "application/json"
        if self.connection is None:
            self.connect()
        started = time.perf_counter()
        try:
            self.connection.request(method, path, body=body, headers=headers)
            response = self.connection.getresponse()
            payload = response.read()
            status = response.status
            if response.will_close:
                self.connect()
        except (OSError, http.client.HTTPException) as exc:
            status, payload = 0, repr(exc).encode()
            self.connect()
        finished = time.perf_counter()
        if not 200 <= status < 300 and len(self.errors) < 5:
            self.errors.append({"status": status, "body": payload[:300].decode("utf-8", "replace")})
        return finished, finished - started, status, first

    def run(self):
        pace = self.request.get("pace") or 0
        if pace:  # spread the clients' first requests over one pace, as people who did not start together
            time.sleep(pace * random.random())
        while True:
            if not self.clock.may_start():
                return
            started = time.perf_counter()
            record = self.once()
            self.records.append(record)
            self.clock.completed(record[0])
            if pace:
                time.sleep(max(0.0, started + pace - time.perf_counter()))


class Clock:
    """When to stop issuing requests: after the window, or after ``requests`` counted responses."""

    def __init__(self, warmup, seconds, requests):
        self.window_start = time.perf_counter() + warmup
        self.window_end = self.window_start + seconds if not requests else float("inf")
        self.requests = requests
        self.claimed = 0
        self.counted = 0
        self.last = None
        self.lock = threading.Lock()
        self.done = threading.Event()

    def may_start(self):
        now = time.perf_counter()
        if now >= self.window_end:
            return False
        if self.requests and now >= self.window_start:
            with self.lock:
                if self.claimed >= self.requests:
                    return False
                self.claimed += 1
        return True

    def completed(self, finished):
        if self.requests and finished >= self.window_start:
            with self.lock:
                self.counted += 1
                if self.counted >= self.requests and not self.done.is_set():
                    self.last = finished
                    self.done.set()


def percentile(sorted_values, fraction):
    """Nearest-rank percentile."""
    if not sorted_values:
        return None
    rank = max(1, int(-(-fraction * len(sorted_values) // 1)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def main():
    job = json.loads(sys.stdin.read())
    documents = Documents(job["request"]["filing"]) if job["request"].get("filing") else None
    clock = Clock(job.get("warmup", 1.0), job.get("seconds", 10), job.get("requests"))
    webhooks = Webhooks(job["request"]["webhook"]) if job["request"].get("webhook") else None
    clients = [Client(job, documents, clock, index, webhooks) for index in range(job["clients"])]
    for client in clients:
        client.start()

    time.sleep(max(0.0, clock.window_start - time.perf_counter()))
    print("START", flush=True)
    if job.get("requests"):
        clock.done.wait()
        window_end = clock.last
    else:
        time.sleep(max(0.0, clock.window_end - time.perf_counter()))
        window_end = clock.window_end
    print("END", flush=True)
    for client in clients:
        client.join(job.get("timeout", 30) + 5)

    window = window_end - clock.window_start
    counted, warmup_errors, errors, samples, ok_total = [], 0, 0, [], 0
    per_second = [0] * max(1, int(window))  # responses counted in each whole second of the window
    split = {True: [], False: []}
    for client in clients:
        samples.extend(client.errors)
        for finished, latency, status, first in client.records:
            ok = 200 <= status < 300
            ok_total += ok
            if clock.window_start <= finished <= window_end:
                counted.append(latency)
                split[first].append(latency)
                second = int(finished - clock.window_start)
                if second < len(per_second):
                    per_second[second] += 1
                errors += not ok
            elif not ok:
                warmup_errors += 1
    latencies = sorted(counted)
    result = {
        "requests": len(latencies), "errors": errors, "errors_outside_window": warmup_errors,
        "seconds": window, "rate": len(latencies) / window if window > 0 else 0.0,
        "p50_ms": percentile(latencies, 0.50) * 1000 if latencies else None,
        "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None,
        "max_ms": latencies[-1] * 1000 if latencies else None,
        "error_samples": samples[:5],
        "stragglers": sum(client.is_alive() for client in clients),
        "per_second": per_second, "ok_total": ok_total,
    }
    if job["request"].get("per_client"):
        for name, values in (("first", sorted(split[True])), ("repeat", sorted(split[False]))):
            result[name] = {"requests": len(values),
                            "p50_ms": percentile(values, 0.50) * 1000 if values else None,
                            "p99_ms": percentile(values, 0.99) * 1000 if values else None}
    if documents is not None:
        result["documents_made_on_the_fly"] = documents.on_the_fly
        result["documents_on_the_fly_seconds"] = documents.on_the_fly_seconds
        result["documents_left_in_pool"] = len(documents.pool)
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
