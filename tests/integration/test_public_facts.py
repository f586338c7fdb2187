"""What filings tells the public read model, over HTTP against the real stack: reserved cases, the facts of amparo
and antejuicio cases and their stages, the events that carry them (checked against their contracts) and the
snapshot the read model is rebuilt from (RPC public_snapshot)."""
import pytest
from marshmallow import RAISE
from nameko.standalone.rpc import ClusterRpcProxy

from contracts.events import CaseOpenedSchema, CaseReservedSchema, HearingStateSchema, ResolutionIssuedSchema
from contracts.filings import CaseSchema
from services.runtime.config import load_config
from services.runtime.errors import ValidationFailed
from tests.support.filings_state import snapshot
from tests.support.hearings import (SUPREME_COURT, amparo_metadata, antejuicio_metadata, future, hearing_body,
                                    open_with, resolve_to, room, schedule, set_status)

pytestmark = pytest.mark.stack

COURT = "01001"


@pytest.fixture(scope="module")
def people(api):
    return {"lawyer": api.lawyer(), "clerk": api.clerk(COURT), "judge": api.judge(COURT),
            "chamber_judge": api.judge(SUPREME_COURT), "chamber_clerk": api.clerk(SUPREME_COURT),
            "other_judge": api.judge("01002")}


@pytest.fixture(scope="module")
def cluster(stack):
    with ClusterRpcProxy({**load_config(), "AMQP_URI": stack.amqp_uri}) as proxy:
        yield proxy


def event(stack, event_type, **match):
    found = list(stack.db("filings").outbox.find({"event_type": event_type,
                                                   **{f"data.{k}": v for k, v in match.items()}}).sort("created_at", 1))
    assert found, (event_type, match)
    return found


def opened(api, token, metadata):
    response = open_with(api, token, metadata)
    assert response.status_code == 201, response.text
    return response.json()["case_number"]


# --- reserved cases ------------------------------------------------------------------------------
def test_familia_is_reserved_from_its_opening(api, stack, people):
    case = opened(api, people["lawyer"], api.case_metadata(COURT, matter="familia"))
    [opened_event] = event(stack, "case_opened", case_number=case)
    data = CaseOpenedSchema().load(opened_event["data"], unknown=RAISE)
    assert (data["reserved"], data["case_version"], data["parties"], data["stage"]) == (True, 1, None, None)
    assert data["court_name"] == "Juzgado Primero de Primera Instancia Civil"
    shown = api.get(f"/api/v1/cases/{case}", people["clerk"]).json()
    assert (shown["reserved"], shown["reservation"], shown["case_version"]) == (True, None, 1)
    before = snapshot(stack)
    response = api.post_json(f"/api/v1/cases/{case}/reserve", {"reason": "Menores"}, people["judge"])
    assert response.status_code == 409 and response.json()["error"] == "already_reserved"
    assert snapshot(stack) == before


def test_a_judge_of_the_court_reserves_a_case_once_and_for_good(api, stack, people):
    case = api.accepted_case(people["lawyer"], people["clerk"], COURT)["case_number"]
    [opened_event] = event(stack, "case_opened", case_number=case)
    assert opened_event["data"]["reserved"] is False and opened_event["data"]["case_version"] == 1
    etag = api.get(f"/api/v1/cases/{case}", people["lawyer"]).headers["ETag"]
    path = f"/api/v1/cases/{case}/reserve"
    before = snapshot(stack)
    for token, status in ((people["clerk"], 403), (people["lawyer"], 403), (people["other_judge"], 403),
                          (api.citizen(), 403), (None, 401)):
        assert api.post_json(path, {"reason": "Protección de la víctima"}, token).status_code == status
    for body in ({}, {"reason": ""}, {"reason": "   "}, {"reason": "\x00"}, {"reason": "x" * 1001},
                 {"reason": "Motivo", "unreserve": True}, {"reason": ["lista"]}):
        response = api.post_json(path, body, people["judge"])
        assert response.status_code == 422, (body, response.text)
    assert api.post_json("/api/v1/cases/01001-2031-99999/reserve", {"reason": "X"}, people["judge"]).status_code == 404
    assert snapshot(stack) == before

    response = api.post_json(path, {"reason": "Protección de la víctima"}, people["judge"])
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["reserved"], body["case_version"], body["reservation"]["reason"]) == (True, 2, "Protección de la víctima")
    [reserved] = event(stack, "case_reserved", case_number=case)
    data = CaseReservedSchema().load(reserved["data"], unknown=RAISE)
    assert (data["case_version"], data["matter"], data["reason"]) == (2, "civil", "Protección de la víctima")
    assert data["reserved_at"] == body["reservation"]["reserved_at"]
    shown = api.get(f"/api/v1/cases/{case}", people["lawyer"], headers={"If-None-Match": etag})
    assert shown.status_code == 200 and shown.json()["reserved"] is True  # the cached case file followed it
    assert shown.json()["reservation"]["reserved_by"]["sub"]

    before = snapshot(stack)
    again = api.post_json(path, {"reason": "Otra vez"}, people["judge"])
    assert again.status_code == 409 and again.json()["error"] == "already_reserved"
    assert snapshot(stack) == before
    # what follows on a reserved case says so, and counts its version on
    resolved = resolve_to(api, people["judge"], case)
    assert resolved.status_code == 201 and resolved.json()["case_version"] == 3
    issued = event(stack, "resolution_issued", case_number=case)[-1]["data"]
    assert (issued["case_reserved"], issued["case_version"], issued["matter"], issued["stage"]) == (True, 3, "civil", None)
    hearing = schedule(api, people["clerk"], case, hearing_body(future(60), room()))
    assert hearing.status_code == 201
    assert event(stack, "hearing_scheduled", hearing_id=hearing.json()["hearing_id"])[0]["data"]["case_reserved"] is True


# --- amparo and antejuicio ---------------------------------------------------------------------
def test_an_amparo_opens_with_its_facts_and_moves_through_its_stages(api, stack, people):
    metadata = amparo_metadata()
    case = opened(api, people["lawyer"], metadata)
    [opened_event] = event(stack, "case_opened", case_number=case)
    data = CaseOpenedSchema().load(opened_event["data"], unknown=RAISE)
    assert (data["stage"], data["act_complained"], data["reserved"], data["case_version"]) == (
        "ingresado", metadata["act_complained"], False, 1)
    assert data["parties"] == [{"name": p["name"], "role": p["role"], "office": None} for p in metadata["parties"]]
    assert data["court_name"] == "Corte Suprema de Justicia, Cámara de Amparo y Antejuicio"
    shown = CaseSchema().load(api.get(f"/api/v1/cases/{case}", people["chamber_clerk"]).json())
    assert (shown["stage"], shown["act_complained"]) == ("ingresado", metadata["act_complained"])

    for version, stage in enumerate(("admitido", "amparo_provisional_otorgado", None, "vista"), start=2):
        response = resolve_to(api, people["chamber_judge"], case, stage)
        assert response.status_code == 201, response.text
        assert (response.json()["stage"], response.json()["case_version"]) == (stage, version)
        issued = ResolutionIssuedSchema().load(event(stack, "resolution_issued", case_number=case)[-1]["data"],
                                               unknown=RAISE)
        assert (issued["matter"], issued["stage"], issued["case_version"], issued["case_reserved"]) == (
            "amparo", stage, version, False)
    assert api.get(f"/api/v1/cases/{case}", people["chamber_clerk"]).json()["stage"] == "vista"

    before = snapshot(stack)
    for stage in ("admitido", "apelado", "ejecutoriado", "ingresado"):
        response = resolve_to(api, people["chamber_judge"], case, stage)
        assert response.status_code == 409, response.text
        body = response.json()
        assert body["error"] == "invalid_stage_transition"
        assert (body["details"]["current"], body["details"]["requested"]) == ("vista", stage)
    response = resolve_to(api, people["chamber_judge"], case, "juez_pesquisidor_designado")  # an antejuicio stage
    assert response.status_code == 422 and "stage" in response.json()["details"]["fields"]
    assert snapshot(stack) == before
    assert api.get(f"/api/v1/cases/{case}", people["chamber_clerk"]).json()["stage"] == "vista"

    # its hearings carry its public parties
    hearing = schedule(api, people["chamber_clerk"], case, hearing_body(future(61), room(), kind="vista"))
    assert hearing.status_code == 201, hearing.text
    state = HearingStateSchema().load(event(stack, "hearing_scheduled", hearing_id=hearing.json()["hearing_id"])[0]["data"],
                                      unknown=RAISE)
    assert [p["role"] for p in state["public_parties"]] == ["postulante", "autoridad_impugnada", "tercero_interesado"]
    assert state["matter"] == "amparo"


def test_an_antejuicio_opens_with_the_official_and_follows_its_table(api, stack, people):
    metadata = antejuicio_metadata()
    case = opened(api, people["lawyer"], metadata)
    data = event(stack, "case_opened", case_number=case)[0]["data"]
    assert data["act_complained"] is None and data["stage"] == "ingresado"
    assert {"name": "Juan Gómez", "role": "funcionario", "office": "Alcalde municipal de Mixco"} in data["parties"]
    before = snapshot(stack)
    response = resolve_to(api, people["chamber_judge"], case, "informe_pesquisidor")
    assert response.status_code == 409 and response.json()["details"]["current"] == "ingresado"
    assert snapshot(stack) == before
    for stage in ("juez_pesquisidor_designado", "informe_pesquisidor", "no_ha_lugar", "archivado"):
        assert resolve_to(api, people["chamber_judge"], case, stage).status_code == 201
    final = resolve_to(api, people["chamber_judge"], case, "juez_pesquisidor_designado")
    assert final.status_code == 409 and final.json()["details"]["allowed"] == []


def test_a_stage_on_a_case_of_another_matter_is_refused(api, stack, people):
    case = api.accepted_case(people["lawyer"], people["clerk"], COURT)["case_number"]
    before = snapshot(stack)
    response = resolve_to(api, people["judge"], case, "admitido")
    assert response.status_code == 422 and "stage" in response.json()["details"]["fields"], response.text
    assert snapshot(stack) == before


@pytest.mark.parametrize("metadata, field", [
    (amparo_metadata(act_complained=None), "act_complained"),
    ({k: v for k, v in amparo_metadata().items() if k != "act_complained"}, "act_complained"),
    (amparo_metadata(parties=[{"name": "Solo", "role": "postulante"}], represents="Solo"), "parties"),
    (amparo_metadata(parties=[{"name": "A", "role": "postulante"}, {"name": "B", "role": "demandado"}],
                     represents="A"), "parties.1.role"),
    (antejuicio_metadata(parties=[{"name": "D", "role": "denunciante"}], represents="D"), "parties"),
    (antejuicio_metadata(parties=[{"name": "D", "role": "denunciante"}, {"name": "F", "role": "funcionario"}],
                         represents="D"), "parties.1.office"),
    (antejuicio_metadata(parties=[{"name": "D", "role": "denunciante", "office": "Alcalde"},
                                  {"name": "F", "role": "funcionario", "office": "Alcalde"}], represents="D"),
     "parties.0.office"),
    (antejuicio_metadata(act_complained="Un acto"), "act_complained"),
    ({**amparo_metadata(), "court_id": COURT}, "matter"),  # a civil court does not hear amparos
])
def test_an_amparo_or_antejuicio_without_its_facts_opens_nothing(api, stack, people, metadata, field):
    before = snapshot(stack)
    response = open_with(api, people["lawyer"], metadata)
    assert response.status_code == 422, response.text
    fields = response.json()["details"].get("fields", {})
    assert any(name == field or name.endswith("." + field) or name.startswith(field) for name in fields), fields
    assert snapshot(stack) == before


# --- the snapshot -------------------------------------------------------------------------------
def test_the_snapshot_pages_every_record_shaped_as_its_event_in_its_current_state(api, stack, people, cluster):
    case = opened(api, people["lawyer"], amparo_metadata())
    resolution = resolve_to(api, people["chamber_judge"], case, "admitido").json()
    hearing = schedule(api, people["chamber_clerk"], case, hearing_body(future(62), room())).json()
    set_status(api, people["chamber_clerk"], hearing["hearing_id"], "suspendida", "Falta de quórum")

    schemas = {"cases": CaseOpenedSchema(), "resolutions": ResolutionIssuedSchema(), "hearings": HearingStateSchema()}
    keys = {"cases": "case_number", "resolutions": "resolution_id", "hearings": "hearing_id"}
    collected = {}
    for kind, schema in schemas.items():
        items, after, pages = [], None, 0
        while True:
            page = cluster.filings.public_snapshot(kind, after, 2)
            assert len(page["items"]) <= 2
            items += page["items"]
            pages += 1
            if page["next"] is None:
                break
            after = page["next"]
        ids = [item[keys[kind]] for item in items]
        assert ids == sorted(ids) and len(set(ids)) == len(ids)  # stable order, nothing twice
        assert len(ids) == stack.db("filings")[kind].count_documents({}) and pages == -(-len(ids) // 2)
        for item in items:
            assert schema.load(item, unknown=RAISE)
        collected[kind] = {item[keys[kind]]: item for item in items}

    current_case = collected["cases"][case]
    assert (current_case["stage"], current_case["case_version"], current_case["reserved"]) == ("admitido", 2, False)
    assert current_case == {**event(stack, "case_opened", case_number=case)[0]["data"], "stage": "admitido",
                            "case_version": 2}
    issued = event(stack, "resolution_issued", resolution_id=resolution["resolution_id"])[0]["data"]
    assert collected["resolutions"][resolution["resolution_id"]] == {**issued, "recipients": []}
    latest = event(stack, "hearing_changed", hearing_id=hearing["hearing_id"])[-1]["data"]
    assert collected["hearings"][hearing["hearing_id"]] == latest and latest["version"] == 2


@pytest.mark.parametrize("args", [("expedientes", None, 10), ("cases", None, 0), ("cases", None, 5000),
                                  ("cases", {"$gt": ""}, 10), ("cases", None, "10")])
def test_the_snapshot_refuses_what_it_does_not_take(cluster, args):
    with pytest.raises(ValidationFailed):
        cluster.filings.public_snapshot(*args)
