"""The certificates scenarios of ``make bench`` (issue 13's speed goals), each printed beside its reference from
the same run:

    issue     issuance end to end, in two parts, each timed from a bank notice being sent to its certificate
              (result, PDF, PAdES signature) stored in the certificates database (polled every 50 ms); one
              request per citizen, made beforehand; notices signed as the bank signs them, from 20 connections:
              - at the goal's pace: ``--issue-count`` notices at ``--issue-rate`` per second (20/s). Judged: the
                p99 (< 2 s). Its rate cannot show more than the pace it is offered, so it does not judge the rate.
              - at capacity (``issue_capacity``): another ``--issue-count`` notices at once, as fast as the
                connections go; the service works through them for as long as they last. Rate = certificates /
                (last stored - first notice sent); judged against the goal's 20/s. Its p99 is the queue's length,
                not a goal.
              Reference: rendering and signing the same PDF alone, in one process, back to back (what one core
              does with no service around it).
    verify    GET /api/v1/public/certificates/{code} (verification by code) of real certificates, by the load
              generator; judged against the echo measured just before it (run ``echo,verify`` three times:
              A B A B A B, the median of the three ratios).
    registry  look-up by CUI with ``--registry-records`` records (5,000,000 by default) seeded straight into the
              registry's collection (same indexes, bulk inserts): the store's own look-up (records and
              cancellations of one CUI, what every issuance and every search by CUI runs), random CUIs, one
              at a time; reference: a look-up by ``_id`` of the same collection in the same run. Then the
              officer's search over HTTP (GET /api/v1/criminal-records?id_number=...) by the load generator,
              shown beside the echo.

The public routes are rate limited per client address; the bench's clients all come from one address, so the
bench raises RATE_LIMIT_PER_SECOND and RATE_LIMIT_BURST out of reach (the limit is a token bucket in memory:
its cost per request is the same).
"""
import datetime
import queue
import random
import statistics
import threading
import time
from zoneinfo import ZoneInfo

from pymongo.write_concern import WriteConcern

from services.certificates import domain
from services.certificates.document import CertificateContent, render
from services.certificates.signing import Signer, generate_development_pair
from services.certificates.store import CertificatesStore
from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, new_cui, officer, wait_issued

GOALS = {"issue_rate": 20.0, "issue_p99_ms": 2000.0, "verify_ratio": 0.80, "verify_p99_ms": 50.0,
         "lookup_p99_ms": 20.0}
ISSUE_COUNT = 600            # 30 s at the goal's 20/s
ISSUE_RATE = 20.0            # notices per second offered (the goal's rate)
ISSUE_CLIENTS = 20
ISSUE_TIMEOUT_SECONDS = 300
POLL_SECONDS = 0.05
VERIFY_CODES = 40            # certificates issued beforehand for the verification scenario
REGISTRY_RECORDS = 5_000_000
LOOKUPS = 3000               # look-ups timed in the store scenario
SIGN_REFERENCE_RUNS = 40
ENV = {"RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000"}
TITLES = {"issue": "issuance at the goal's pace (notice -> stored)",
          "issue_capacity": "issuance at capacity (notices at once)", "issue_reference": "issuance reference: render+sign",
          "verify": "GET /public/certificates/{code}", "registry": "registry look-up by CUI (store)",
          "registry_reference": "registry reference: look-up by _id", "registry_api": "GET /criminal-records?id_number"}


def percentile(values, fraction):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values), max(1, -(-int(fraction * len(values) * 1000) // 1000))) - 1]


def timing(kind, label, latencies, seconds, count=None):
    count = len(latencies) if count is None else count
    return {"kind": kind, "label": label, "requests": count, "errors": 0, "seconds": seconds,
            "rate": count / seconds if seconds else 0.0,
            "p50_ms": percentile(latencies, 0.50) * 1000 if latencies else None,
            "p99_ms": percentile(latencies, 0.99) * 1000 if latencies else None, "cpu": {}}


class CertificatesBench:
    def __init__(self, stack, args):
        self.stack, self.args = stack, args
        from tests.support.api import Api
        self.api = Api(stack)
        self.bank = BankSimulator(stack.url)
        self.officer = officer(stack, "bench-unap")
        self.codes = None
        self.cuis = None

    # --- verification by code ----------------------------------------------------------------------------
    def verify_request(self):
        """The load generator's job: each client walks the verification codes of real certificates."""
        if self.codes is None:
            self.codes = []
            for i in range(VERIFY_CODES):
                token, _ = citizen(self.stack, name=f"Verificada {i}")
                response = self.api.post_json("/api/v1/certificates/requests", {}, token)
                assert self.bank.pay(response.json()["payment"]["reference"]).status_code == 200
                issued = wait_issued(self.api, token, response.json()["request_id"], timeout=60)
                listed = self.api.get("/api/v1/certificates", token).json()["items"]
                self.codes.append(next(c["verification_code"] for c in listed
                                       if c["certificate_id"] == issued["certificate_id"]))
        paths = [f"/api/v1/public/certificates/{code}" for code in self.codes]
        return {"method": "GET", "per_client": [{"headers": {}, "paths": paths[i:] + paths[:i]}
                                                for i in range(self.args.clients)]}

    # --- issuance end to end -------------------------------------------------------------------------------
    def run_issue(self):
        """Issuance at the goal's pace (``--issue-rate``): the p99 a citizen sees at 20 payments a second."""
        rate = getattr(self.args, "issue_rate", ISSUE_RATE)
        return [self.issue_batch("issue", rate)]

    def run_issue_capacity(self):
        """Issuance with every notice sent at once: the rate the service sustains while it has work, and the
        reference."""
        return [self.issue_batch("issue_capacity", 0.0), self.sign_reference()]

    def issue_batch(self, kind, rate):
        """``--issue-count`` requests paid by bank notices offered at ``rate`` per second (0: at once); each timed
        from its notice being sent to its certificate stored."""
        n = self.args.issue_count
        print(f"  making {n} requests (one per citizen) …", flush=True)
        pending = []
        for i in range(n):
            token, _ = citizen(self.stack, name=f"Solicitante {kind} {i}")
            response = self.api.post_json("/api/v1/certificates/requests", {}, token)
            assert response.status_code == 201, response.text
            pending.append((response.json()["request_id"], response.json()["payment"]["reference"]))
        certificates = self.stack.db("certificates").certificates
        work = queue.Queue()
        for index, item in enumerate(pending):
            work.put((index / rate if rate else 0.0, item))
        sent, stored, failures = {}, {}, []
        lock = threading.Lock()

        def pay():
            bank = BankSimulator(self.stack.url)
            while True:
                try:
                    due, (request_id, reference) = work.get_nowait()
                except queue.Empty:
                    return
                time.sleep(max(0.0, started + due - time.perf_counter()))  # the offered rate, not a burst
                with lock:
                    sent[request_id] = time.perf_counter()
                response = bank.send_once(bank.notice(reference))
                if response.status_code != 200:
                    failures.append(response.text[:200])

        def poll(deadline):
            waiting = set(request_id for request_id, _ in pending)
            while waiting and time.perf_counter() < deadline:
                found = [d["request_id"] for d in certificates.find({"request_id": {"$in": list(waiting)}},
                                                                     {"request_id": 1})]
                now = time.perf_counter()
                for request_id in found:
                    stored[request_id] = now
                waiting.difference_update(found)
                time.sleep(POLL_SECONDS)

        started = time.perf_counter()
        poller = threading.Thread(target=poll, args=(started + ISSUE_TIMEOUT_SECONDS,), daemon=True)
        poller.start()
        payers = [threading.Thread(target=pay, daemon=True) for _ in range(ISSUE_CLIENTS)]
        for payer in payers:
            payer.start()
        for payer in payers:
            payer.join()
        poller.join()
        latencies = [stored[r] - sent[r] for r in stored if r in sent]
        seconds = (max(stored.values()) - min(sent.values())) if stored else ISSUE_TIMEOUT_SECONDS
        result = timing(kind, TITLES[kind], latencies, seconds)
        result.update(errors=len(failures) + (n - len(stored)), issued=len(stored), expected=n, offered=rate)
        return result

    @staticmethod
    def sign_reference():
        signer = Signer(*generate_development_pair())
        tz = ZoneInfo("America/Guatemala")
        now = datetime.datetime.now(datetime.timezone.utc)
        latencies = []
        started = time.perf_counter()
        for i in range(SIGN_REFERENCE_RUNS):
            begun = time.perf_counter()
            content = CertificateContent(serial=domain.serial_text(now.year, i), verification_code=
                                         domain.new_verification_code(), name="Referencia de Firma",
                                         id_number="1580352240101", records=[], issued_at=now,
                                         valid_until=domain.valid_until(now, tz),
                                         verify_url="https://portal.example/v/", local_tz=tz)
            signer.sign(render(content))
            latencies.append(time.perf_counter() - begun)
        return timing("issue_reference", TITLES["issue_reference"], latencies, time.perf_counter() - started)

    # --- the registry with millions of records ----------------------------------------------------------------
    def seed_registry(self, total):
        """``total`` records straight into ``records`` (the store's indexes already exist), a few per CUI."""
        records = self.stack.db("certificates").get_collection("records", write_concern=WriteConcern(w=1))
        have = records.estimated_document_count()
        if have >= total and self.cuis:
            return 0.0
        print(f"  seeding {total:,} records straight into the registry …", flush=True)
        now = datetime.datetime.now(datetime.timezone.utc)
        cuis, batch, made = [], [], have
        started = time.perf_counter()
        base = random.randrange(10_000_000, 40_000_000)
        number = 0
        while made < total:
            first = f"{(base + number) % 100_000_000:08d}"
            number += 1
            check = domain.cui_check_digit(first)
            if check == 10:
                continue
            cui = f"{first}{check}01{random.randint(1, 17):02d}"
            cuis.append(cui)
            for case in range(random.choice((1, 1, 2, 3))):
                batch.append({"_id": f"{made:032x}", "name": f"Persona {number}", "id_number": cui,
                              "case_number": f"B-{number}-{case}", "court": "Juzgado de Sentencia Penal",
                              "offences": ["Robo"], "penalty": "1 año", "sentence_date": "2001-01-01",
                              "final_date": "2001-02-01", "source": "import", "recorded_at": now,
                              "recorded_by": {"sub": "bench", "name": None, "role": "records_officer"},
                              "origin": {}, "key": f"{cui}:B-{number}-{case}",
                              **domain.name_search(f"Persona {number}")})
                made += 1
            if len(batch) >= 20_000:
                records.insert_many(batch, ordered=False)
                batch = []
                if made % 500_000 < 20_000:
                    print(f"    {made:,} records ({time.perf_counter() - started:.0f} s)", flush=True)
        if batch:
            records.insert_many(batch, ordered=False)
        self.cuis = cuis
        seconds = time.perf_counter() - started
        print(f"  {records.estimated_document_count():,} records ({seconds:.0f} s to seed)", flush=True)
        return seconds

    def run_registry(self):
        """The look-ups, timed one at a time (``seed_registry`` first)."""
        db = self.stack.db("certificates")
        store = CertificatesStore(db, self.stack.client)
        cuis = random.sample(self.cuis, min(LOOKUPS, len(self.cuis)))
        ids = [d["_id"] for d in db.records.aggregate([{"$sample": {"size": LOOKUPS}}, {"$project": {"_id": 1}}])]
        for cui in cuis[:100]:  # the same warm-up for both
            store.active_records(cui)
        results = []
        for kind, lookup, keys in (("registry", store.active_records, cuis),
                                   ("registry_reference", lambda key: db.records.find_one({"_id": key}), ids)):
            latencies = []
            started = time.perf_counter()
            for key in keys:
                begun = time.perf_counter()
                lookup(key)
                latencies.append(time.perf_counter() - begun)
            results.append(timing(kind, TITLES[kind], latencies, time.perf_counter() - started))
        return results

    def registry_api_request(self):
        cuis = self.cuis or [new_cui()]
        paths = [f"/api/v1/criminal-records?id_number={cui}" for cui in random.sample(cuis, min(2000, len(cuis)))]
        return {"method": "GET", "per_client": [{"headers": {"Authorization": f"Bearer {self.officer}"},
                                                 "paths": paths[i::self.args.clients] or paths}
                                                for i in range(self.args.clients)]}


def pairs(results, kind):
    """(echo, kind) pairs: each window of ``kind`` with the echo measured just before it."""
    found, last_echo = [], None
    for r in results:
        if r["kind"] == "echo":
            last_echo = r
        elif r["kind"] == kind and last_echo is not None:
            found.append((last_echo, r))
            last_echo = None
    return found


def goal_lines(results, fmt):
    """(name, measured, goal, ok) of each certificates goal present in ``results``."""
    by_kind = {}
    for r in results:
        by_kind.setdefault(r["kind"], []).append(r)
    lines = []
    issue, reference = by_kind.get("issue", [None])[0], by_kind.get("issue_reference", [None])[0]
    capacity = by_kind.get("issue_capacity", [None])[0]
    if capacity:
        lines.append((f"certificates issued end to end at capacity ({capacity['issued']}/{capacity['expected']} "
                      f"stored; reference: render+sign alone in one process {reference['rate']:.1f}/s, p99 "
                      f"{fmt(reference['p99_ms'])} ms)", f"{capacity['rate']:.1f}/s", f">= {GOALS['issue_rate']:.0f}/s",
                      capacity["issued"] == capacity["expected"] and capacity["rate"] >= GOALS["issue_rate"]))
    if issue:
        lines.append((f"issuance p99 at {issue['offered']:g} notices/s, notice sent -> certificate stored "
                      f"({issue['issued']}/{issue['expected']} stored, {issue['rate']:.1f}/s)",
                      f"{fmt(issue['p99_ms'])} ms", f"< {GOALS['issue_p99_ms']:.0f} ms",
                      issue["issued"] == issue["expected"] and issue["p99_ms"] is not None
                      and issue["p99_ms"] < GOALS["issue_p99_ms"]))
    verify_pairs = pairs(results, "verify")
    if verify_pairs:
        ratios = [v["rate"] / e["rate"] for e, v in verify_pairs if e["rate"]]
        ratio = statistics.median(ratios)
        each = ", ".join(f"{v['rate']:.0f}/{e['rate']:.0f} = {v['rate'] / e['rate']:.0%}" for e, v in verify_pairs)
        judged = len(verify_pairs) >= 3 or None
        lines.append((f"verification by code rate / echo rate (median of {len(verify_pairs)} pairs in turn)",
                      f"{ratio:.0%} ({each})", f">= {GOALS['verify_ratio']:.0%}",
                      ratio >= GOALS["verify_ratio"] if judged else None))
        worst = max((v for _, v in verify_pairs), key=lambda r: r["p99_ms"] or 0)
        echo_p99 = " / ".join(f"{fmt(e['p99_ms'])}" for e, _ in verify_pairs)
        lines.append((f"verification by code p99 (worst window; echo p99 {echo_p99} ms)", f"{fmt(worst['p99_ms'])} ms",
                      f"< {GOALS['verify_p99_ms']:.0f} ms",
                      worst["p99_ms"] is not None and worst["p99_ms"] < GOALS["verify_p99_ms"]))
    registry = by_kind.get("registry", [None])[0]
    if registry:
        ref = by_kind.get("registry_reference", [None])[0]
        lines.append((f"registry look-up by CUI with {registry.get('records', 0):,} records, one at a time "
                      f"(reference: by _id p99 {fmt(ref['p99_ms'], '.2f')} ms)", f"p99 {fmt(registry['p99_ms'], '.2f')} ms",
                      f"< {GOALS['lookup_p99_ms']:.0f} ms",
                      registry["p99_ms"] is not None and registry["p99_ms"] < GOALS["lookup_p99_ms"]))
    for api in by_kind.get("registry_api", []):
        echoes = [e for e, r in pairs(results, "registry_api") if r is api]
        beside = f"; echo before it {echoes[0]['rate']:.0f}/s, p99 {fmt(echoes[0]['p99_ms'])} ms" if echoes else ""
        lines.append((f"officer's search by CUI over HTTP, {api.get('clients', '')} clients{beside}",
                      f"{api['rate']:.0f}/s, p99 {fmt(api['p99_ms'])} ms", "none stated", None))
    return lines
