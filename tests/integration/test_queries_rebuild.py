"""Rebuilding the read model from filings' snapshot: the rebuilt generation equals the one built event by event,
facts produced while the rebuild runs reach the new generation whatever their order against the snapshot, the
old generation answers until the switch, and ``python -m services.queries.rebuild`` does it all."""
import subprocess
import sys

import pytest
from nameko.standalone.rpc import ClusterRpcProxy

from services.queries.rebuild import rebuild
from services.queries.store import KINDS, QueriesStore, comparable
from services.runtime.config import ROOT
from services.runtime.mongo import database_name
from tests.support.hearings import (amparo_metadata, antejuicio_metadata, future, hearing_body, open_with,
                                    reschedule, resolve_to, room, schedule, set_status)
from tests.support.queries import QueriesDb, wait_for

pytestmark = pytest.mark.stack
SUPREME = "00001"


def created(response):
    assert response.status_code in (200, 201), response.text
    return response.json()


@pytest.fixture(scope="module")
def facts(api):
    """Cases of every kind through filings: amparos and an antejuicio moved through stages, hearings scheduled,
    moved and cancelled, a reserved amparo, a civil case with a hearing and a familia case (reserved from the
    start)."""
    lawyer, judge, civil_judge = api.lawyer(), api.judge(SUPREME), api.judge("01001")
    amparos = [created(open_with(api, lawyer, amparo_metadata()))["case_number"] for _ in range(3)]
    antejuicio = created(open_with(api, lawyer, antejuicio_metadata()))["case_number"]
    for number, stages in ((amparos[0], ["admitido", "amparo_provisional_denegado"]), (amparos[1], ["admitido"]),
                           (antejuicio, ["juez_pesquisidor_designado"])):
        for stage in stages:
            created(resolve_to(api, judge, number, stage))
        created(resolve_to(api, judge, number, None, kind="decreto", summary="Se tiene presente"))
    hearings = []
    for day, number in enumerate(amparos + [antejuicio], start=20):
        hearings.append(created(schedule(api, judge, number, hearing_body(future(days=day, hour=15), room()))))
    rescheduled = created(reschedule(api, judge, hearings[0]["hearing_id"], {
        "starts_at": future(days=30, hour=17).isoformat(), "reason": "Agenda del tribunal"}))
    created(set_status(api, judge, hearings[1]["hearing_id"], "suspendida", reason="Paro de labores"))
    created(api.post_json(f"/api/v1/cases/{amparos[2]}/reserve", {"reason": "Reserva"}, judge))
    civil = api.new_case(lawyer, "01001")["case_number"]
    created(schedule(api, civil_judge, civil, hearing_body(future(days=21, hour=15), room())))
    familia = api.new_case(lawyer, "01001", matter="familia")["case_number"]
    created(schedule(api, civil_judge, familia, hearing_body(future(days=22, hour=15), room())))
    return {"amparos": amparos, "antejuicio": antejuicio, "civil": civil, "familia": familia,
            "hearings": hearings, "rescheduled": rescheduled, "judge": judge, "lawyer": lawyer}


def facts_cases(facts):
    """The cases this module made through filings. Other tests of the suite share the stack and publish events
    of their own straight to the bus (a resolution filings never issued, say): only filings' snapshot can be
    compared with the model, so only what filings did is."""
    return {*facts["amparos"], facts["antejuicio"], facts["civil"], facts["familia"]}


def dump(queries_db, generation, numbers):
    """What a generation holds of the cases ``numbers``, without bookkeeping."""
    out = {}
    for kind in KINDS:
        key = "_id" if kind == "cases" else "case_number"
        out[kind] = {doc["_id"]: comparable(doc) for doc in queries_db.col(kind, generation).find({key: {"$in": list(numbers)}})}
    return out


@pytest.fixture
def store(stack):
    db = stack.client[database_name(stack.prefix, QueriesStore.database)]
    return QueriesStore(db, stack.client)


def test_a_rebuilt_model_equals_the_one_built_event_by_event_even_with_facts_arriving_meanwhile(
        api, stack, store, facts):
    qdb = QueriesDb(stack)
    old = qdb.current
    numbers = facts_cases(facts)
    rescheduled = facts["rescheduled"]
    # the first amparo as the public sees it once every fact of the fixture has reached the model (on a busy
    # machine the hearing's move may still be on its way when its resolutions already show)
    public_before = wait_for(lambda: (r := api.get(f"/api/v1/public/cases/{facts['amparos'][0]}")).ok
                             and len(r.json()["actuaciones"]) == 3
                             and all(a["document"]["available"] for a in r.json()["actuaciones"])
                             and [(h["hearing_id"], h["version"]) for h in r.json()["upcoming_hearings"]]
                             == [(rescheduled["hearing_id"], rescheduled["version"])] and r.json())
    assert public_before, api.get(f"/api/v1/public/cases/{facts['amparos'][0]}").json()
    moved = {}

    def during_hearings_phase(kind, after, limit, cluster):
        page = cluster.filings.public_snapshot(kind, after, limit)
        target = facts["hearings"][3]["hearing_id"]
        if kind == "hearings" and not moved and any(i["hearing_id"] == target for i in page["items"]):
            # the page holds the hearing as it was; it is moved now, and a new case opened with a hearing: their
            # events reach the generation being built before the stale page is applied to it
            building = qdb.db.meta.find_one({"_id": "generation"})["building"]
            moved["hearing"] = created(reschedule(api, facts["judge"], target, {
                "starts_at": future(days=31, hour=18).isoformat(), "reason": "Durante la reconstrucción"}))
            late = created(open_with(api, facts["lawyer"], amparo_metadata()))["case_number"]
            moved["late_case"] = late
            moved["late_hearing"] = created(schedule(api, facts["judge"], late,
                                                     hearing_body(future(days=33, hour=15), room())))
            assert wait_for(lambda: (h := qdb.col("hearings", building).find_one({"_id": target}))
                            and h["version"] == moved["hearing"]["version"]
                            and qdb.col("hearings", building).find_one({"_id": moved["late_hearing"]["hearing_id"]}))
            # the old generation still answers
            assert qdb.current == old
        return page

    with ClusterRpcProxy({"AMQP_URI": stack.amqp_uri}, timeout=30) as cluster:
        new, replaced, counts = rebuild(store, lambda kind, after, limit: during_hearings_phase(kind, after, limit,
                                                                                                  cluster),
                                        page_size=3, keep_old=True, say=lambda text: None)
    assert replaced == old and qdb.current == new and moved
    assert counts["cases"] >= len(numbers) and counts["hearings"] >= 6
    numbers = facts_cases(facts) | {moved["late_case"]}
    # every fact has reached both generations: they hold the same
    assert wait_for(lambda: dump(qdb, old, numbers) == dump(qdb, new, numbers), timeout=20), \
        _difference(dump(qdb, old, numbers), dump(qdb, new, numbers))
    rebuilt = dump(qdb, new, numbers)
    hearing = rebuilt["hearings"][facts["hearings"][3]["hearing_id"]]
    assert hearing["version"] == moved["hearing"]["version"] and hearing["reason"] == "Durante la reconstrucción"
    assert rebuilt["cases"][facts["amparos"][2]]["reserved"] and not rebuilt["cases"][facts["amparos"][2]]["public"]
    assert rebuilt["cases"][facts["familia"]]["reserved"]
    assert moved["late_case"] in rebuilt["cases"]
    # the public answers are the same after the switch
    assert api.get(f"/api/v1/public/cases/{facts['amparos'][0]}").json() == public_before
    store.drop_generation(old)


def _difference(a, b):
    for kind in KINDS:
        for key in set(a[kind]) | set(b[kind]):
            if a[kind].get(key) != b[kind].get(key):
                return kind, key, a[kind].get(key), b[kind].get(key)
    return None


def test_the_rebuild_command_switches_to_a_new_generation_and_drops_the_old(api, stack, facts):
    qdb = QueriesDb(stack)
    old = qdb.current
    number = facts["amparos"][1]
    before = wait_for(lambda: (r := api.get(f"/api/v1/public/cases/{number}")).ok
                      and all(a["document"]["available"] for a in r.json()["actuaciones"]) and r)
    done = subprocess.run([sys.executable, "-m", "services.queries.rebuild", "--grace", "0", "--page-size", "50"],
                          cwd=ROOT, env=stack.env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout + done.stderr
    assert qdb.current != old and f"Generación {qdb.current} en servicio" in done.stdout
    assert not any(name.startswith(f"{old}_") for name in qdb.db.list_collection_names())
    after = api.get(f"/api/v1/public/cases/{number}")
    assert after.json() == before.json() and after.headers["ETag"] == before.headers["ETag"]
    # a second run while none is half-way works again; a half-way one is refused without --force
    pointer = qdb.db.meta.find_one({"_id": "generation"})
    qdb.db.meta.update_one({"_id": "generation"}, {"$set": {"building": "g999"}})
    try:
        refused = subprocess.run([sys.executable, "-m", "services.queries.rebuild", "--grace", "0"], cwd=ROOT,
                                 env=stack.env, capture_output=True, text=True, timeout=120)
        assert refused.returncode == 2 and "--force" in refused.stderr
    finally:
        qdb.db.meta.update_one({"_id": "generation"}, {"$set": {"building": pointer.get("building")}})
