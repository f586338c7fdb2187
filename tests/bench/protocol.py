"""The notarial protocol archive's scenarios of ``make bench`` (its speed goals), each beside a reference from the
same run:

    archive   GET /api/v1/protocol/instruments by a signed-in lawyer over ``--archive-instruments`` deposits
              (2,000,000 by default) seeded straight into the archive's collection (the service's document
              shape, name tokens made by the service's own functions, its indexes built after the load): each
              client alternates a search by grantor name (a real grantor's name, whole or by the beginnings of its
              words, in another order, without accents) and a search by notary and year; judged by p99 against
              100 ms at 20 clients, beside the echo measured just before it (run ``echo,archive``).
    deposit   POST /api/v1/protocol/instruments by one active notary: a distinct 1 MB PDF testimonio and a
              distinct instrument number each time, 20 clients back to back; judged against 30 deposits/s and
              p99 under 1 s, beside the filing of a 1 MB writ (``filing``: the same upload through filings) when
              the run has one.
"""
import datetime
import random
import time
from urllib.parse import urlencode

from pymongo.write_concern import WriteConcern

from services.certificates.protocol import domain
from services.certificates.store.protocol import Protocol, current_key
from tests.support import protocol as support

GOALS = {"archive_p99_ms": 100.0, "deposit_rate": 30.0, "deposit_p99_ms": 1000.0}
ARCHIVE_INSTRUMENTS = 2_000_000
NOTARIES = 5_000
YEARS = range(2007, 2027)
SEARCH_PATHS = 4_000        # distinct searches the clients walk
BATCH = 10_000
TITLES = {"archive": "GET /protocol/instruments (grantor | notary+year)",
          "deposit": "POST /protocol/instruments, 1 MB PDF"}

FIRST_NAMES = ("María", "José", "Juan", "Ana", "Luis", "Carlos", "Rosa", "Jorge", "Marta", "Pedro", "Sofía", "Lucía",
               "Miguel", "Elena", "Francisco", "Carmen", "Mario", "Julio", "Edgar", "Óscar", "Ingrid", "Gladys",
               "Byron", "Wendy", "Héctor", "Sergio", "Claudia", "Mónica", "Érick", "Karla", "Walter", "Brenda",
               "Otto", "Lesbia", "Aura", "Amílcar", "Rigoberto", "Floridalma", "Estuardo", "Zoila")
SURNAMES = ("López", "García", "Pérez", "Hernández", "González", "Rodríguez", "Martínez", "Morales", "Castillo",
            "Ramírez", "Díaz", "Méndez", "Cruz", "Reyes", "Juárez", "Ajú", "Xol", "Coc", "Tzoc", "Chen", "Caal",
            "Batz", "Quiñónez", "Orellana", "Barrios", "Monzón", "Girón", "Sandoval", "Velásquez", "Recinos",
            "Ixcoy", "Sactic", "Chacón", "Figueroa", "Samayoa", "Arévalo", "Ovalle", "Pineda", "Solís", "Peña",
            "Ordóñez", "Mazariegos", "Alvarado", "Cifuentes", "Estrada", "Aldana", "Lemus", "Marroquín", "Búcaro",
            "Tum", "Sic", "Yat", "Pop", "Choc", "Tiul", "Bol", "Cuc", "Mucia", "Itzep", "Tacam")
ROLES = ("vendedor", "comprador", "donante", "donatario", "mandante", "mandatario", "otorgante", "socio")


def person_name(rng):
    return " ".join((rng.choice(FIRST_NAMES), rng.choice(FIRST_NAMES), rng.choice(SURNAMES), rng.choice(SURNAMES)))


def as_searched(name, rng):
    """How a person types a name they look for: whole or the beginnings of its words, some words only, in another
    order, sometimes without accents."""
    words = name.split()
    kept = rng.sample(words, rng.choice((2, 2, 3, 4)))
    if rng.random() < 0.3:
        kept = [w[:max(3, len(w) - rng.randint(0, 3))] for w in kept]
    text = " ".join(kept)
    return text.lower() if rng.random() < 0.5 else text


class ProtocolBench:
    def __init__(self, stack, args):
        self.stack, self.args = stack, args
        self.grantors = []        # a sample of seeded grantors' names (what the searches look for)
        self.notary_years = []    # (bar number, year) seeded
        self.seeded = 0
        self.notary = None

    # --- the archive with millions of deposits ------------------------------------------------------------------
    def seed(self):
        """``--archive-instruments`` current deposits straight into ``instruments``: the collection's indexes are
        dropped for the load and built again after it from the store's own declaration (what the service
        created at start)."""
        total = self.args.archive_instruments
        if self.seeded >= total:
            return 0.0
        db = self.stack.db("certificates")
        instruments = db.get_collection("instruments", write_concern=WriteConcern(w=1))
        print(f"  seeding {total:,} deposits straight into the protocol archive …", flush=True)
        started = time.perf_counter()
        instruments.drop_indexes()
        rng = random.Random(20261206)
        notaries = [(str(100_000 + i), person_name(rng)) for i in range(NOTARIES)]
        registered = datetime.datetime(2006, 1, 2, tzinfo=datetime.timezone.utc)
        db.get_collection("notaries", write_concern=WriteConcern(w=1)).insert_many([
            {"_id": bar, "name": name, "name_tokens": domain.notary_tokens(name), "registered_at": "2006-01-02",
             "status": domain.ACTIVE, "status_since": "2006-01-02", "status_reason": None, "history": [],
             "registered_by": {"sub": "bench"}, "created_at": registered} for bar, name in notaries])
        per_year = max(1, total // (NOTARIES * len(YEARS)))
        made, batch = 0, []
        for year in YEARS:
            for bar_number, notary_name in notaries:
                for number in range(1, per_year + 1):
                    if made >= total:
                        break
                    grantors = [{"name": person_name(rng), "id_number": None, "role": rng.choice(ROLES)}
                                for _ in range(rng.choice((1, 2, 2, 2, 3)))]
                    authorized = datetime.date(year, 1, 1) + datetime.timedelta(days=rng.randrange(350))
                    deposited = datetime.datetime(authorized.year, authorized.month, authorized.day, 15,
                                                  tzinfo=datetime.timezone.utc) + datetime.timedelta(
                        days=rng.randrange(20), seconds=rng.randrange(86_400))
                    batch.append({
                        "_id": f"bench{made:027x}", "bar_number": bar_number, "notary_name": notary_name,
                        "year": year, "number": number,
                        "authorized_at": authorized.isoformat(), "place": "Ciudad de Guatemala",
                        "act_type": rng.choice(domain.ACT_TYPES[:7]), "grantors": grantors,
                        **domain.grantor_search(grantors), "summary": "Instrumento sembrado (bench)",
                        "declared_pages": 2, "deposited_at": deposited, "deposited_by": {"sub": "bench"},
                        "deadline": None, "extemporaneo": False, "business_days_late": 0, "review": "pendiente",
                        "review_reason": None, "current": True,
                        "document": {"document_id": f"bench-testimonio-{made}", "filename": "testimonio.pdf",
                                     "size": 0, "sha256": "0" * 64, "pages": 2}, "version": 1, "supersedes": None,
                        "current_key": current_key(bar_number, year, number)})
                    if len(self.grantors) < SEARCH_PATHS and rng.random() < 2 * SEARCH_PATHS / total:
                        self.grantors.append(grantors[0]["name"])
                    made += 1
                    if len(batch) >= BATCH:
                        instruments.insert_many(batch, ordered=False)
                        batch = []
                        if made % 250_000 < BATCH:
                            print(f"    {made:,} deposits ({time.perf_counter() - started:.0f} s)", flush=True)
            self.notary_years.extend((bar, year) for bar, _ in rng.sample(notaries, 20))
        if batch:
            instruments.insert_many(batch, ordered=False)
        print(f"  building the archive's indexes ({time.perf_counter() - started:.0f} s so far) …", flush=True)
        instruments.create_indexes(Protocol.indexes["instruments"])
        self.seeded = total
        seconds = time.perf_counter() - started
        print(f"  {instruments.estimated_document_count():,} deposits ({seconds:.0f} s to seed and index)", flush=True)
        return seconds

    def search_request(self):
        rng = random.Random(7)
        token = self.stack.token("bench-abogado", "lawyer", name="Abogada de la Búsqueda", bar_number="77001")
        searches = []
        for i in range(SEARCH_PATHS):
            if i % 2 == 0 and self.grantors:
                query = {"grantor": as_searched(rng.choice(self.grantors), rng)}
            else:
                bar_number, year = rng.choice(self.notary_years)
                query = {"bar_number": bar_number, "year": year}
            searches.append("/api/v1/protocol/instruments?" + urlencode(query))
        return {"method": "GET", "per_client": [{"headers": {"Authorization": f"Bearer {token}"},
                                                 "paths": searches[i::self.args.clients]}
                                                for i in range(self.args.clients)]}

    # --- deposits -------------------------------------------------------------------------------------------------
    def deposit_request(self):
        """One active notary registered through the API; each request a distinct number of this year."""
        from tests.support.api import Api
        if self.notary is None:
            self.notary = support.new_notary(Api(self.stack), self.stack, name="Notaria del Banco de Pruebas")
        _, token = self.notary
        meta = support.metadata(1, summary="Testimonio especial (bench)", pages=1)
        expected = (self.args.requests or 50 * self.args.seconds) + 50 * self.args.warmup + self.args.clients
        return {"method": "POST", "path": "/api/v1/protocol/instruments",
                "headers": {"Authorization": f"Bearer {token}"},
                "filing": {"size": self.args.filing_size, "seed": f"bench-deposit-{time.time_ns()}", "metadata": meta,
                           "field": "document", "filename": "testimonio.pdf", "numbered": "number",
                           "first_number": random.randrange(1, 400) * 100, "pool": int(min(expected, 1500))}}


def goal_lines(results, fmt):
    """(name, measured, goal, ok) of each protocol archive goal present in ``results``."""
    lines, last_echo, filing = [], None, None
    for r in results:
        if r["kind"] == "echo":
            last_echo = r
        elif r["kind"] == "filing":
            filing = r
        elif r["kind"] == "archive":
            beside = (f"; echo before it {last_echo['rate']:.0f}/s, p99 {fmt(last_echo['p99_ms'])} ms"
                      if last_echo else "")
            lines.append((f"archive search by grantor name | notary and year over {r.get('records', 0):,} deposits, "
                          f"{r.get('clients', '')} clients ({r['rate']:.0f}/s, {r['errors']} errors{beside})",
                          f"p99 {fmt(r['p99_ms'])} ms", f"< {GOALS['archive_p99_ms']:.0f} ms",
                          not r["errors"] and r["p99_ms"] is not None and r["p99_ms"] < GOALS["archive_p99_ms"]))
            last_echo = None
        elif r["kind"] == "deposit":
            beside = (f"; a 1 MB writ filed in the same run: {filing['rate']:.1f}/s, p99 {fmt(filing['p99_ms'])} ms"
                      if filing else "")
            lines.append((f"deposits of a 1 MB testimonio ({r['errors']} errors{beside})", f"{r['rate']:.1f}/s",
                          f">= {GOALS['deposit_rate']:.0f}/s", not r["errors"] and r["rate"] >= GOALS["deposit_rate"]))
            lines.append(("deposit p99", f"{fmt(r['p99_ms'])} ms", f"< {GOALS['deposit_p99_ms']:.0f} ms",
                          r["p99_ms"] is not None and r["p99_ms"] < GOALS["deposit_p99_ms"]))
    return lines
