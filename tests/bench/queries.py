"""The public look-ups' scenarios of ``make bench`` (issue 12's speed goals), each beside its reference from the
same run. Before the first of them the read model is seeded straight into its store (``tests.bench.seed_queries``:
``--queries-hearings`` hearings, 1,000,000 by default, over two years at 200 courts, and ``--queries-cases``
amparo and antejuicio cases, 100,000 by default; not timed, its seconds printed), and the bench waits until the
stack has settled after that load (the gateway answers agenda pages it keeps again; seconds printed).

    agenda  GET /api/v1/public/hearings?court_id=C&date=D by the load generator, C and D drawn at random for every
            request (each client its own sequence: no single cached page): C among the 200 seeded courts; D, with
            probability ``--agenda-near`` (0.8), among the weekdays from a week back to a week ahead (who looks
            at an agenda: today's hearing, this week's), else among all the seeded two years' weekdays
            (``--agenda-near 0``: every day equally likely, nearly every request a page not read before);
            judged against the echo measured just before it (``echo,agenda`` three times: A B A B A B, the median
            of the ratios) and on its p99.
    search  GET /api/v1/public/cases?q=... over the seeded cases: each q is one to three words of one party's
            name (a third party as often as any), accents dropped, some cut short (partial words, at least three
            letters), in shuffled order; shown beside the echo measured before it.
    lag     event-to-visible lag: ``hearing_changed`` events of seeded hearings (a new room and time, version + 1)
            committed to filings' outbox (the rows a hearing change commits with it, majority-acknowledged) at
            ``--lag-rate`` per second (200), for ``--seconds``; filings' own relay publishes them. Pollers read the
            public agendas of those hearings (GET /api/v1/public/hearings?court_id=C&date=D, the courts in turn)
            and each change's lag is from the start of its commit to the first public answer that shows that
            version or a newer one: the relay's wait included, as the issue asks (from the producer's commit).
            The reference of the same run: the lag of a poll itself (the time one agenda read takes, p99), the
            resolution of the method.

The public routes are rate limited per client address and the bench's clients share one address: the bench
sets RATE_LIMIT_PER_SECOND and RATE_LIMIT_BURST out of reach (the bucket still runs on every request).
"""
import datetime
import random
import statistics
import threading
import time
from urllib.parse import urlencode

import requests
from pymongo.write_concern import WriteConcern

from services.queries import domain
from services.queries.store import collection_name
from services.runtime.mongo import OUTBOX, outbox_rows
from tests.bench.seed_queries import LOCAL_OFFSET, Seeder
from tests.support.mailbox import iso

GOALS = {"agenda_ratio": 0.80, "agenda_p99_ms": 50.0, "search_p99_ms": 100.0, "lag_p99_s": 2.0}
ENV = {"RATE_LIMIT_PER_SECOND": "1000000", "RATE_LIMIT_BURST": "1000000"}
TITLES = {"agenda": "GET /public/hearings (one court, one day)", "search": "GET /public/cases?q= (party names)",
          "lag": "lag: hearing change -> public agenda"}
PATHS_PER_CLIENT = 3000
LAG_COURTS = 10             # the courts whose hearings change in the lag scenario (their agendas are polled)
LAG_POLLERS = 2
LAG_POLL_PAUSE = 0.02       # each poller rests this long between two reads
LAG_TIMEOUT = 30            # a change not visible this long after the last publish counts as lost
SETTLE_TIMEOUT = 600        # seconds the stack may take to settle after the bulk load


def kept_answers(session, url):
    """How many agenda pages the gateway answered from what it keeps (its /metrics)."""
    for line in session.get(f"{url}/metrics", timeout=10).text.splitlines():
        if line.startswith('portal_gateway_agenda_pages_total{source="cache"}'):
            return float(line.split()[-1])
    return 0.0


def percentile(values, fraction):
    values = sorted(values)
    if not values:
        return None
    return values[min(len(values), max(1, -(-int(fraction * len(values) * 1000) // 1000))) - 1]


class QueriesBench:
    def __init__(self, stack, args):
        self.stack, self.args = stack, args
        self.seeded = None

    def seed(self):
        if self.seeded is None:
            args = self.args
            print(f"  seeding the read model: {args.queries_hearings:,} hearings, {args.queries_cases:,} amparo and "
                  "antejuicio cases, 200 courts (straight into its store, not timed) …", flush=True)
            self.seeded = Seeder(self.stack.db("queries"), args.queries_hearings, args.queries_cases, 200).run()
            self.settle(self.seeded)
        return self.seeded

    def settle(self, seeded, timeout=SETTLE_TIMEOUT):
        """After the bulk load, what follows the read model's changes (the queries service's page cache reads
        every one; the gateways jump past them, ``gateway.agenda``) is busy with it for a while; the scenarios
        measure serving, not that (a country's agenda is not loaded at once ten seconds before its readers come),
        so wait until the gateway answers a page from what it keeps, and print how long that took."""
        url = f"{self.stack.url}/api/v1/public/hearings"
        params = {"court_id": seeded["courts"][0], "date": seeded["days"][len(seeded["days"]) // 2].isoformat()}
        started = time.monotonic()
        with requests.Session() as session:
            while time.monotonic() - started < timeout:
                before = kept_answers(session, self.stack.url)
                for _ in range(2):
                    session.get(url, params=params, timeout=10)
                if kept_answers(session, self.stack.url) > before:
                    print(f"  settled after the load in {time.monotonic() - started:.0f} s (the gateway answers "
                          "agenda pages it keeps)", flush=True)
                    return
                time.sleep(1)
        print(f"  not settled {timeout} s after the load: the gateway keeps no agenda page", flush=True)

    # --- load generator jobs ---------------------------------------------------------------------------------
    def agenda_request(self):
        seeded = self.seed()
        rng = random.Random(f"agenda-{time.time_ns()}")
        today = (datetime.datetime.now(datetime.timezone.utc) + LOCAL_OFFSET).date()
        near = [d for d in seeded["days"] if abs((d - today).days) <= 7]
        plans = []
        for _ in range(self.args.clients):
            paths = ["/api/v1/public/hearings?" + urlencode({
                "court_id": rng.choice(seeded["courts"]),
                "date": rng.choice(near if rng.random() < self.args.agenda_near else seeded["days"]).isoformat()})
                for _ in range(PATHS_PER_CLIENT)]
            plans.append({"headers": {}, "paths": paths})
        return {"method": "GET", "per_client": plans}

    @staticmethod
    def search_text(rng, parties):
        party = rng.choice(parties)
        found = domain.words(party["name"])  # folded: accents and case dropped
        chosen = rng.sample(found, min(len(found), rng.choice((1, 2, 2, 2, 3))))
        cut = [w if len(w) <= 3 or rng.random() < 0.5 else w[:rng.randint(3, len(w))] for w in chosen]
        rng.shuffle(cut)
        return " ".join(cut)

    def search_request(self):
        seeded = self.seed()
        rng = random.Random(f"search-{time.time_ns()}")
        plans = []
        for _ in range(self.args.clients):
            paths = []
            for _ in range(PATHS_PER_CLIENT):
                _, _, parties = seeded["public"][rng.randrange(len(seeded["public"]))]
                paths.append("/api/v1/public/cases?" + urlencode({"q": self.search_text(rng, parties)}))
            plans.append({"headers": {}, "paths": paths})
        return {"method": "GET", "per_client": plans}

    # --- event-to-visible lag ------------------------------------------------------------------------------------
    def lag_hearings(self):
        """A weekday with hearings and LAG_COURTS of its courts: (day, {court: [hearing documents]})."""
        seeded = self.seed()
        today = (datetime.datetime.now(datetime.timezone.utc) + LOCAL_OFFSET).date()
        day = next(d for d in seeded["days"] if d > today)
        start = datetime.datetime.combine(day, datetime.time(), datetime.timezone.utc) - LOCAL_OFFSET
        hearings = self.stack.db("queries")[collection_name(seeded["generation"], "hearings")]
        by_court = {}
        for doc in hearings.find({"court_id": {"$in": seeded["courts"]}, "reserved": False,
                                  "starts_at": {"$gte": start, "$lt": start + datetime.timedelta(days=1)}}):
            by_court.setdefault(doc["court_id"], []).append(doc)
        courts = sorted(by_court, key=lambda c: -len(by_court[c]))[:LAG_COURTS]
        return day, {c: by_court[c] for c in courts}

    @staticmethod
    def change(doc, k):
        """The ``hearing_changed`` data of the next version of a hearing (moved within its day, another room)."""
        starts = doc["starts_at"] + datetime.timedelta(minutes=(5 * (k % 7)) - 15)
        doc["version"] += 1
        doc["starts_at"] = starts
        return {"hearing_id": doc["_id"], "version": doc["version"], "case_number": doc["case_number"],
                "court_id": doc["court_id"], "court_name": doc["court_name"], "matter": doc["matter"],
                "kind": doc["kind"], "starts_at": iso(starts), "duration_minutes": doc["duration_minutes"],
                "room": f"Sala {1 + k % 4}", "mode": doc["mode"], "status": "reprogramada",
                "reason": f"Reprogramada (cambio {k})", "changed_at": iso(datetime.datetime.now(datetime.timezone.utc)),
                "case_reserved": False, "public_parties": doc.get("parties")}

    def run_lag(self):
        args = self.args
        rate, seconds = args.lag_rate, args.seconds
        day, by_court = self.lag_hearings()
        docs = [doc for court in by_court.values() for doc in court]
        print(f"  {len(docs)} hearings of {len(by_court)} courts on {day}; {rate}/s hearing_changed for {seconds:g} s",
              flush=True)
        committed = {}       # (hearing id, version) -> perf_counter when its commit began
        visible = {}         # (hearing id, version) -> perf_counter of the first answer showing it (or newer)
        newest_seen = {}     # hearing id -> newest version a public answer showed
        poll_times, errors = [], []
        lock = threading.Lock()
        stop = threading.Event()

        def poller(courts):
            session = requests.Session()
            k = 0
            while not stop.is_set():
                court = courts[k % len(courts)]
                k += 1
                started = time.perf_counter()
                try:
                    response = session.get(f"{self.stack.url}/api/v1/public/hearings",
                                           params={"court_id": court, "date": day.isoformat(), "limit": 200},
                                           timeout=30)
                except requests.RequestException as exc:
                    errors.append({"status": 0, "body": repr(exc)})
                    continue
                now = time.perf_counter()
                poll_times.append(now - started)
                if response.status_code != 200:
                    errors.append({"status": response.status_code, "body": response.text[:200]})
                    continue
                with lock:
                    for item in response.json()["items"]:
                        hid, version = item["hearing_id"], item["version"]
                        if version > newest_seen.get(hid, 0):
                            for v in range(newest_seen.get(hid, 0) + 1, version + 1):
                                if (hid, v) in committed and (hid, v) not in visible:
                                    visible[(hid, v)] = now  # shown by an answer received at ``now``
                            newest_seen[hid] = version
                time.sleep(LAG_POLL_PAUSE)

        courts = list(by_court)
        for doc in docs:
            newest_seen[doc["_id"]] = doc["version"]
        pollers = [threading.Thread(target=poller, args=(courts[i::LAG_POLLERS],), daemon=True)
                   for i in range(LAG_POLLERS)]
        for thread in pollers:
            thread.start()
        outbox = self.stack.db("filings").get_collection(OUTBOX, write_concern=WriteConcern(w="majority"))
        rng = random.Random(7)
        tick = 0.05
        per_tick = rate * tick
        started = time.perf_counter()
        sent, k, debt = 0, 0, 0.0
        while time.perf_counter() - started < seconds:
            debt += per_tick
            batch = []
            while debt >= 1:
                doc = docs[rng.randrange(len(docs))]
                k += 1
                batch.append(self.change(doc, k))
                debt -= 1
            if batch:
                before = time.perf_counter()
                with lock:
                    for data in batch:
                        committed[(data["hearing_id"], data["version"])] = before
                # what filings commits with a hearing change: one outbox row per event; its relay publishes them
                outbox.insert_many(outbox_rows("filings", "hearing_changed", batch))
                sent += len(batch)
            next_tick = started + (sent / rate)
            time.sleep(max(0.0, next_tick - time.perf_counter()))
        commit_seconds = time.perf_counter() - started
        deadline = time.perf_counter() + LAG_TIMEOUT
        while time.perf_counter() < deadline:
            with lock:
                if len(visible) >= len(committed):
                    break
            time.sleep(0.1)
        stop.set()
        for thread in pollers:
            thread.join(35)
        lags = [visible[key] - at for key, at in committed.items() if key in visible]
        lost = len(committed) - len(lags)
        return {"kind": "lag", "label": TITLES["lag"], "requests": len(committed), "errors": len(errors) + lost,
                "lost": lost, "seconds": commit_seconds, "rate": len(committed) / commit_seconds,
                "target_rate": rate, "p50_ms": (percentile(lags, 0.5) or 0) * 1000,
                "p99_ms": (percentile(lags, 0.99) or 0) * 1000, "max_ms": max(lags, default=0) * 1000,
                "polls": len(poll_times), "poll_p50_ms": (percentile(poll_times, 0.5) or 0) * 1000,
                "poll_p99_ms": (percentile(poll_times, 0.99) or 0) * 1000, "error_samples": errors[:3],
                "hearings": len(docs), "courts": len(courts)}


def pairs(results, kind):
    found, last_echo = [], None
    for r in results:
        if r["kind"] == "echo":
            last_echo = r
        elif r["kind"] == kind and last_echo is not None:
            found.append((last_echo, r))
            last_echo = None
    return found


def goal_lines(results, fmt):
    """(name, measured, goal, ok) of each public look-up goal present in ``results``."""
    lines = []
    agenda = pairs(results, "agenda")
    if agenda:
        ratios = [a["rate"] / e["rate"] for e, a in agenda if e["rate"]]
        ratio = statistics.median(ratios)
        each = ", ".join(f"{a['rate']:.0f}/{e['rate']:.0f} = {a['rate'] / e['rate']:.0%}" for e, a in agenda)
        lines.append((f"agenda rate / echo rate (median of {len(agenda)} pairs measured in turn)", f"{ratio:.0%} ({each})",
                      f">= {GOALS['agenda_ratio']:.0%}", ratio >= GOALS["agenda_ratio"] if len(agenda) >= 3 else None))
        worst = max((a for _, a in agenda), key=lambda r: r["p99_ms"] or 0)
        echo_p99 = " / ".join(fmt(e["p99_ms"]) for e, _ in agenda)
        lines.append((f"agenda p99 (worst window; echo p99 {echo_p99} ms)", f"{fmt(worst['p99_ms'])} ms",
                      f"< {GOALS['agenda_p99_ms']:.0f} ms",
                      worst["p99_ms"] is not None and worst["p99_ms"] < GOALS["agenda_p99_ms"]))
    for echo, search in pairs(results, "search") or [(None, r) for r in results if r["kind"] == "search"]:
        beside = f"; echo before it {echo['rate']:.0f}/s, p99 {fmt(echo['p99_ms'])} ms" if echo else ""
        lines.append((f"party-name search p99 ({search['rate']:.0f}/s{beside})", f"{fmt(search['p99_ms'])} ms",
                      f"< {GOALS['search_p99_ms']:.0f} ms",
                      search["p99_ms"] is not None and search["p99_ms"] < GOALS["search_p99_ms"]))
    for lag in (r for r in results if r["kind"] == "lag"):
        lines.append((f"event-to-visible lag p99 at {lag['rate']:.0f} hearing changes/s (goal rate {lag['target_rate']}/s; "
                      f"from filings' commit; {lag['lost']} not seen; reference: one agenda poll p99 {fmt(lag['poll_p99_ms'])} ms, "
                      f"{lag['polls']} polls)", f"{lag['p99_ms'] / 1000:.2f} s (p50 {lag['p50_ms'] / 1000:.2f} s)",
                      f"< {GOALS['lag_p99_s']:.0f} s",
                      lag["lost"] == 0 and lag["rate"] >= 0.95 * lag["target_rate"]
                      and lag["p99_ms"] < GOALS["lag_p99_s"] * 1000))
    return lines
