"""Seed the public read model of ``make bench`` straight into its store (not timed by the bench).

    .venv/bin/python -m tests.bench.seed_queries --mongo-uri mongodb://127.0.0.1:27017 --db-prefix portal \
        [--hearings 1000000] [--cases 100000] [--courts 200]

Writes into the queries service's CURRENT generation (``meta`` pointer), with the documents the service
itself writes: every case is ``domain.case_after_opened`` of an opening, every stub ``domain.case_after_hearing``
of a hearing, every hearing has exactly the keys of ``domain.hearing_after`` (one is built that way and the
others are copies of it with their own values, checked once). Deterministic for a given ``--seed``:

- ``--courts`` courts (ids ``DD1NN``, none of filings' own), written to ``courts`` as the service learns them;
- ``--cases`` amparo (70 %) and antejuicio (30 %) cases over two years, each with 3 to 7 parties with
  Spanish names (two given names and two surnames, accents and ñ included; companies, municipalities and
  ministries as authorities; interested third parties; the official and their office in an antejuicio),
  a stage of their matter;
- ``--hearings`` hearings on weekdays from one year back to one year ahead, 08:00 to 16:00 in the courts'
  time zone, in rooms "Sala 1" to "Sala 4": one in ten on a public case (with its parties), the others on
  cases of the other matters (a stub case each, as a hearing fact leaves it); familia ones reserved.

Inserted with ``insert_many`` in batches of ``--batch`` (unordered, w:1) after the generation's secondary
indexes are dropped; the indexes are then built again from ``GENERATION_INDEXES`` (one bulk build each is far
quicker than keeping them while inserting). Prints the seconds each part took.
"""
import argparse
import datetime
import random
import time

from pymongo import MongoClient
from pymongo.write_concern import WriteConcern

from contracts.filings import AMPARO_STAGES, ANTEJUICIO_STAGES, HEARING_KINDS
from services.queries import domain
from services.queries.store import GENERATION_INDEXES, META, POINTER, collection_name

UTC = datetime.timezone.utc
LOCAL_OFFSET = datetime.timedelta(hours=-6)  # America/Guatemala, no daylight saving

GIVEN = ("María", "José", "Juan", "Ana", "Luis", "Carlos", "Jorge", "Rosa", "Sofía", "Lucía", "Andrés", "Óscar",
         "Héctor", "Julio", "César", "Marta", "Elena", "Isabel", "Fernando", "Ramón", "Raúl", "Inés", "Víctor",
         "Mónica", "Verónica", "Ángel", "Ángela", "Jesús", "Guadalupe", "Begoña", "Nicolás", "Tomás", "Sebastián",
         "Joaquín", "Agustín", "Martín", "Germán", "Rubén", "Adrián", "Iván", "Álvaro", "Gonzalo", "Rodrigo",
         "Beatriz", "Patricia", "Claudia", "Gabriela", "Alejandra", "Daniela", "Paola", "Karla", "Mariela",
         "Esteban", "Mauricio", "Ricardo", "Roberto", "Francisco", "Manuel", "Miguel", "Pedro", "Pablo", "Diego",
         "Alberto", "Antonio", "Eduardo", "Enrique", "Ernesto", "Gustavo", "Hugo", "Ignacio", "Javier", "Leonel",
         "Lorena", "Marisol", "Noemí", "Otilia", "Petrona", "Reyna", "Susana", "Teresa", "Úrsula", "Yolanda",
         "Zoila", "Abigaíl", "Belén", "Cristóbal", "Dámaso", "Efraín", "Fabián", "Gerónimo", "Hernán", "Israel",
         "Jacinto", "Leticia", "Magdalena", "Natividad", "Olga", "Pilar", "Querubín", "Rocío", "Salomé",
         "Timoteo", "Valentín", "Wendy", "Ximena", "Zacarías", "Estuardo", "Edgar", "Byron", "Mynor", "Wilson")
SURNAMES = ("García", "López", "Pérez", "González", "Rodríguez", "Martínez", "Hernández", "Gómez", "Díaz", "Sánchez",
            "Ramírez", "Flores", "Cruz", "Morales", "Reyes", "Jiménez", "Ruiz", "Álvarez", "Castillo", "Juárez",
            "Méndez", "Ortiz", "Chávez", "Vásquez", "Castro", "Guzmán", "Rojas", "Peña", "Muñoz", "Núñez",
            "Ibáñez", "Ordóñez", "Yáñez", "Maldonado", "Estrada", "Aguilar", "Mejía", "Orellana", "Barrios",
            "Cifuentes", "Girón", "Monzón", "Alvarado", "Velásquez", "Sandoval", "Escobar", "Figueroa", "Herrera",
            "Solís", "Arévalo", "Batz", "Tzoc", "Xicará", "Cojtí", "Ajú", "Coyoy", "Quiñónez", "Carrillo", "Cano",
            "Toledo", "Palacios", "Paz", "Recinos", "Salazar", "Valdés", "Zúñiga", "Alarcón", "Benítez", "Cabrera",
            "Córdova", "Domínguez", "Echeverría", "Fajardo", "Galindo", "Hidalgo", "Izaguirre", "Lemus",
            "Marroquín", "Navarro", "Ochoa", "Pineda", "Quevedo", "Rosales", "Samayoa", "Tobar", "Urízar",
            "Villatoro", "Xitumul", "Zamora", "Ávila", "Bolaños", "Calderón", "De León", "Del Cid", "Gálvez",
            "Lemus", "Montúfar", "Ovalle", "Pacheco", "Rivera", "Soto", "Trujillo", "Ventura", "Zepeda", "Andrade",
            "Bautista", "Contreras", "Dávila", "Espinoza", "Fuentes", "Guerra", "Lima", "Marín", "Noriega", "Pérez",
            "Sagastume", "Tejeda", "Urrutia", "Villagrán", "Xuc", "Yoc", "Ajanel", "Chocooj", "Pú", "Sic")
COMPANIES = ("Constructora {0}, S.A.", "Inversiones {0}, S.A.", "Transportes {0}, S.A.", "Agroindustrias {0}, S.A.",
             "Distribuidora {0}, S.A.", "Comercial {0} y Compañía Limitada", "Asociación de Vecinos de {1}",
             "Cooperativa Integral {0}, R.L.", "Sindicato de Trabajadores de {1}", "Fundación {0}")
AUTHORITIES = ("Concejo Municipal de {1}", "Alcalde Municipal de {1}", "Ministerio de Educación",
               "Ministerio de Salud Pública y Asistencia Social", "Ministerio de Gobernación",
               "Superintendencia de Administración Tributaria", "Instituto Guatemalteco de Seguridad Social",
               "Congreso de la República", "Tribunal Supremo Electoral", "Registro General de la Propiedad",
               "Contraloría General de Cuentas", "Ministerio de Ambiente y Recursos Naturales",
               "Juzgado de Paz de {1}", "Gobernación Departamental de {1}", "Policía Nacional Civil")
PLACES = ("Mixco", "Villa Nueva", "Petapa", "Chinautla", "Amatitlán", "Cobán", "Quetzaltenango", "Huehuetenango",
          "Escuintla", "Mazatenango", "Retalhuleu", "Zacapa", "Chiquimula", "Jalapa", "Jutiapa", "Antigua Guatemala",
          "Chimaltenango", "Sololá", "Totonicapán", "San Marcos", "Salamá", "Flores", "Puerto Barrios", "Santa Cruz del Quiché")
OFFICES = ("Diputado al Congreso de la República", "Alcalde Municipal de {1}", "Magistrado de la Corte de Apelaciones",
           "Juez de Primera Instancia", "Ministro de Comunicaciones", "Gobernador Departamental de {1}",
           "Contralor General de Cuentas", "Fiscal General")
ACTS = ("Acuerdo municipal {n}-{y} que revoca la licencia de construcción", "Resolución {n}-{y} que deniega la "
        "inscripción registral", "Acuerdo ministerial {n}-{y} que suspende el servicio", "Omisión de resolver la "
        "solicitud presentada el {d}", "Despido de hecho comunicado en oficio {n}-{y}", "Cobro de arbitrio "
        "establecido en el acuerdo {n}-{y}")
DEPARTMENTS = ("Guatemala", "El Progreso", "Sacatepéquez", "Chimaltenango", "Escuintla", "Santa Rosa", "Sololá",
               "Totonicapán", "Quetzaltenango", "Suchitepéquez", "Retalhuleu", "San Marcos", "Huehuetenango",
               "Quiché", "Baja Verapaz", "Alta Verapaz", "Petén", "Izabal", "Zacapa", "Chiquimula")
COURT_KINDS = (("Penal, Narcoactividad y Delitos contra el Ambiente", ("penal",)), ("Civil", ("civil",)),
               ("de Familia", ("familia",)), ("de Trabajo y Previsión Social", ("laboral",)),
               ("Civil y de Amparo", ("civil",)), ("Penal", ("penal",)), ("Mixto", ("civil", "penal", "laboral")),
               ("de Familia y Civil", ("familia", "civil")), ("Penal de Turno", ("penal",)), ("Laboral", ("laboral",)))
ORDINALS = ("Primero", "Segundo", "Tercero", "Cuarto", "Quinto", "Sexto", "Séptimo", "Octavo", "Noveno", "Décimo")
ROOMS = ("Sala 1", "Sala 2", "Sala 3", "Sala 4")
START_SLOTS = [(h, m) for h in range(8, 16) for m in (0, 30)]  # local times a hearing starts
SEEDED_FROM = 20_000  # seeded case numbers start here, far above what filings numbers in a bench run


def person(rng):
    given = rng.sample(GIVEN, 2) if rng.random() < 0.8 else [rng.choice(GIVEN)]
    return " ".join([*given, rng.choice(SURNAMES), rng.choice(SURNAMES)])


def organisation(rng, templates):
    return rng.choice(templates).format(rng.choice(SURNAMES), rng.choice(PLACES))


def amparo_parties(rng):
    parties = [{"name": person(rng) if rng.random() < 0.75 else organisation(rng, COMPANIES), "role": "postulante"}
               for _ in range(rng.choice((1, 1, 1, 2)))]
    parties.append({"name": organisation(rng, AUTHORITIES), "role": "autoridad_impugnada"})
    parties += [{"name": person(rng) if rng.random() < 0.7 else organisation(rng, COMPANIES),
                 "role": "tercero_interesado"} for _ in range(rng.randint(1, 4))]
    if rng.random() < 0.5:
        parties.append({"name": "Ministerio Público", "role": "ministerio_publico"})
    return parties


def antejuicio_parties(rng):
    parties = [{"name": person(rng), "role": "denunciante"} for _ in range(rng.choice((1, 1, 2, 3)))]
    parties.append({"name": person(rng), "role": "funcionario", "office": organisation(rng, OFFICES)})
    parties.append({"name": "Ministerio Público", "role": "ministerio_publico"})
    return parties


def iso(instant):
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


class Seeder:
    def __init__(self, db, hearings, cases, courts, seed=12, batch=20_000, now=None):
        self.db, self.batch = db, batch
        self.n_hearings, self.n_cases, self.n_courts = hearings, cases, courts
        self.rng = random.Random(seed)
        self.now = (now or datetime.datetime.now(UTC)).replace(microsecond=0)
        self.generation = db[META].find_one({"_id": POINTER})["current"]
        today = (self.now + LOCAL_OFFSET).date()
        self.first_day = today - datetime.timedelta(days=365)
        self.days = [self.first_day + datetime.timedelta(days=k) for k in range(731)
                     if (self.first_day + datetime.timedelta(days=k)).weekday() < 5]
        self.courts = self._courts()
        self.public = []     # (case number, court, matter, parties) of the seeded public cases
        self.numbers = {}    # (court id, year) -> next number

    def col(self, kind):
        return self.db.get_collection(collection_name(self.generation, kind), write_concern=WriteConcern(w=1))

    def _courts(self):
        courts = []
        for k in range(self.n_courts):
            department = k % len(DEPARTMENTS)
            ordinal = k // len(DEPARTMENTS)
            label, matters = COURT_KINDS[ordinal % len(COURT_KINDS)]
            court_id = f"{department + 1:02d}{100 + ordinal:03d}"
            name = (f"Juzgado {ORDINALS[ordinal % len(ORDINALS)]} de Primera Instancia {label} del departamento "
                    f"de {DEPARTMENTS[department]}")
            courts.append({"_id": court_id, "name": name, "matters": matters})
        return courts

    def number(self, court_id, year):
        n = self.numbers.get((court_id, year), SEEDED_FROM)
        self.numbers[(court_id, year)] = n + 1
        return f"{court_id}-{year}-{n:05d}"

    def _insert(self, kind, docs):
        collection = self.col(kind)
        for start in range(0, len(docs), self.batch):
            collection.insert_many(docs[start:start + self.batch], ordered=False)

    # --- the parts --------------------------------------------------------------------------------------------
    def drop_indexes(self):
        for kind in GENERATION_INDEXES:
            self.col(kind).drop_indexes()

    def build_indexes(self):
        for kind, models in GENERATION_INDEXES.items():
            self.col(kind).create_indexes(models)

    def seed_courts(self):
        for court in self.courts:
            self.db.courts.update_one({"_id": court["_id"]}, {"$setOnInsert": {"name": court["name"]}}, upsert=True)

    def case_documents(self):
        rng, docs = self.rng, []
        for _ in range(self.n_cases):
            matter = "amparo" if rng.random() < 0.7 else "antejuicio"
            court = rng.choice(self.courts)
            opened = self.now - datetime.timedelta(seconds=rng.randrange(730 * 86400))  # the last two years
            number = self.number(court["_id"], (opened + LOCAL_OFFSET).year)
            parties = amparo_parties(rng) if matter == "amparo" else antejuicio_parties(rng)
            stages = AMPARO_STAGES if matter == "amparo" else ANTEJUICIO_STAGES
            stage_count = rng.randint(0, 4)
            data = {"case_number": number, "court_id": court["_id"], "court_name": court["name"], "matter": matter,
                    "opened_at": iso(opened), "case_version": 1, "reserved": False, "parties": parties,
                    "act_complained": rng.choice(ACTS).format(n=rng.randint(1, 300), y=opened.year,
                                                              d=opened.date().isoformat())
                    if matter == "amparo" else None,
                    "stage": "ingresado"}
            case = domain.case_after_opened(None, data)
            if stage_count:  # the stage of its newest resolution, as case_after_resolution would set it
                case.update(stage=stages[min(stage_count * 2 - 1, len(stages) - 1)], stage_version=stage_count + 1,
                            version=stage_count + 1)
            case["_writes"] = stage_count + 1
            docs.append(case)
            self.public.append((number, court, matter, case["parties"]))
        return docs

    def hearing_documents(self):
        rng = self.rng
        template_data = {"hearing_id": "x", "version": 1, "case_number": "x", "court_id": "x", "court_name": "x",
                         "matter": "penal", "kind": "debate", "starts_at": iso(self.now), "duration_minutes": 60,
                         "room": "Sala 1", "mode": "presencial", "status": "programada", "reason": None,
                         "changed_at": iso(self.now)}
        template = domain.hearing_after(None, template_data, domain.blank_case("x"))
        stubs, hearings = {}, []
        by_court = {}
        for number, court, matter, parties in self.public:
            by_court.setdefault(court["_id"], []).append((number, matter, parties))
        other_cases = {court["_id"]: [] for court in self.courts}
        for k in range(self.n_hearings):
            court = self.courts[k % len(self.courts)]
            day = self.days[rng.randrange(len(self.days))]
            hour, minute = START_SLOTS[rng.randrange(len(START_SLOTS))]
            starts = datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC) - LOCAL_OFFSET
            parties = None
            public_here = by_court.get(court["_id"])
            if public_here and rng.random() < 0.1:
                number, matter, case_parties = public_here[rng.randrange(len(public_here))]
                parties = [{"name": p["name"], "role": p["role"], "office": p.get("office")} for p in case_parties]
            else:
                matter = rng.choice(court["matters"])
                pool = other_cases[court["_id"]]
                if not pool or rng.random() < 0.3:
                    number = self.number(court["_id"], day.year)
                    pool.append(number)
                    stubs[number] = domain.case_after_hearing(None, {"case_number": number, "court_id": court["_id"],
                                                                     "court_name": court["name"], "matter": matter})
                    stubs[number]["_writes"] = 0
                else:
                    number = pool[rng.randrange(len(pool))]
                    matter = stubs[number]["matter"]
                stubs[number]["_writes"] += 1
            version = rng.choice((1, 1, 1, 2, 3))
            past = starts < self.now
            status = ("realizada" if past and rng.random() < 0.8 else
                      rng.choice(("programada", "suspendida", "cancelada")) if version == 1 and rng.random() < 0.1
                      else "reprogramada" if version > 1 else "programada")
            duration = rng.choice((30, 60, 60, 90, 120, 180))
            hearing = dict(template)
            hearing.update(_id=f"{k:08x}{rng.getrandbits(64):016x}", version=version, case_number=number,
                           court_id=court["_id"], court_name=court["name"], matter=matter,
                           kind=HEARING_KINDS[rng.randrange(len(HEARING_KINDS))], starts_at=starts,
                           ends_at=starts + datetime.timedelta(minutes=duration), duration_minutes=duration,
                           room=ROOMS[rng.randrange(len(ROOMS))], mode="virtual" if rng.random() < 0.2 else "presencial",
                           status=status, reason=None if version == 1 and status == "programada" else
                           "Reprogramada a solicitud de parte" if status == "reprogramada" else "Motivo de fuerza mayor",
                           changed_at=starts - datetime.timedelta(days=rng.randint(1, 60)), parties=parties,
                           reserved=matter == "familia")
            hearings.append(hearing)
        assert set(hearings[0]) == set(template), "a seeded hearing has the keys of domain.hearing_after"
        return hearings, list(stubs.values())

    def run(self, out=print):
        timings = {}
        started = time.perf_counter()
        self.drop_indexes()
        self.seed_courts()
        t = time.perf_counter()
        cases = self.case_documents()
        hearings, stubs = self.hearing_documents()
        timings["build documents"] = time.perf_counter() - t
        t = time.perf_counter()
        self._insert("cases", cases + stubs)
        timings[f"insert {len(cases):,} public cases and {len(stubs):,} stubs"] = time.perf_counter() - t
        t = time.perf_counter()
        self._insert("hearings", hearings)
        timings[f"insert {len(hearings):,} hearings"] = time.perf_counter() - t
        t = time.perf_counter()
        self.build_indexes()
        timings["build the indexes"] = time.perf_counter() - t
        timings["total"] = time.perf_counter() - started
        for label, seconds in timings.items():
            out(f"  seed: {label}: {seconds:.1f} s")
        return {"timings": timings, "courts": [c["_id"] for c in self.courts], "days": self.days,
                "public": [(n, m, p) for n, _, m, p in self.public], "generation": self.generation}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mongo-uri", required=True)
    parser.add_argument("--db-prefix", required=True)
    parser.add_argument("--hearings", type=int, default=1_000_000)
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--courts", type=int, default=200)
    parser.add_argument("--batch", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    db = MongoClient(args.mongo_uri)[f"{args.db_prefix}_queries"]
    Seeder(db, args.hearings, args.cases, args.courts, seed=args.seed, batch=args.batch).run()


if __name__ == "__main__":
    main()
