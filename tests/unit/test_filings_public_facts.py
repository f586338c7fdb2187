"""Rules behind the public facts of the filings service (services/filings/domain.py, contracts/filings.py): no I/O.

The stages of amparo and antejuicio cases, reserved cases, what opening an amparo or an antejuicio takes, the
hearings' room rule and statuses, and the data of the events the public read model is built from.
"""
from datetime import datetime, timedelta, timezone

import pytest
from marshmallow import RAISE

from contracts.events import CaseOpenedSchema, CaseReservedSchema, HearingStateSchema, ResolutionIssuedSchema
from contracts.filings import (AMPARO_STAGES, ANTEJUICIO_STAGES, HEARING_FINAL_STATUSES, INITIAL_STAGE, MATTERS,
                               OpenCaseSchema, RescheduleHearingSchema, ResolutionMetadataSchema,
                               ScheduleHearingSchema)
from services.filings import domain
from services.runtime.errors import Conflict, Forbidden, PortalError, ValidationFailed

UTC = timezone.utc
T0 = datetime(2030, 3, 10, 15, 0, tzinfo=UTC)


def assert_error(excinfo, cls, status, code, field=None):
    exc = excinfo.value
    assert isinstance(exc, cls) and exc.status == status and exc.code == code, exc
    assert exc.message and exc.message[0].isupper()
    if field:
        assert field in exc.details.get("fields", {}), exc.details


# --- stages -------------------------------------------------------------------------------
AMPARO_PATH = ["admitido", "amparo_provisional_otorgado", "informe_circunstanciado", "vista", "sentencia_otorga",
               "apelado", "ejecutoriado", "archivado"]
ANTEJUICIO_PATH = ["juez_pesquisidor_designado", "informe_pesquisidor", "ha_lugar_formacion_causa", "archivado"]


@pytest.mark.parametrize("matter, path", [
    ("amparo", AMPARO_PATH),
    ("amparo", ["admitido", "vista", "sentencia_deniega", "ejecutoriado", "archivado"]),
    ("amparo", ["admitido", "amparo_provisional_denegado", "amparo_provisional_otorgado", "vista", "sentencia_otorga",
                "ejecutoriado"]),
    ("amparo", ["archivado"]),  # rejected at the door
    ("antejuicio", ANTEJUICIO_PATH),
    ("antejuicio", ["juez_pesquisidor_designado", "informe_pesquisidor", "no_ha_lugar", "archivado"]),
    ("antejuicio", ["rechazado_in_limine", "archivado"]),
])
def test_a_case_moves_through_the_stages_of_its_matter(matter, path):
    current = INITIAL_STAGE
    for requested in path:
        current = domain.next_stage(matter, current, requested)
        assert current == requested


@pytest.mark.parametrize("matter, current, requested", [
    ("amparo", "ingresado", "vista"),                      # not admitted yet
    ("amparo", "ingresado", "sentencia_otorga"),
    ("amparo", "admitido", "sentencia_otorga"),            # no ruling without the hearing (vista)
    ("amparo", "vista", "apelado"),                        # an appeal follows a ruling
    ("amparo", "sentencia_otorga", "sentencia_deniega"),
    ("amparo", "sentencia_deniega", "archivado"),          # final first
    ("amparo", "ejecutoriado", "apelado"),
    ("amparo", "archivado", "admitido"),                   # closed for good
    ("amparo", "admitido", "admitido"),                    # a stage is not entered twice
    ("amparo", "admitido", "ingresado"),                   # nothing leads back to the opening
    ("antejuicio", "ingresado", "informe_pesquisidor"),
    ("antejuicio", "ingresado", "ha_lugar_formacion_causa"),
    ("antejuicio", "juez_pesquisidor_designado", "ha_lugar_formacion_causa"),
    ("antejuicio", "rechazado_in_limine", "juez_pesquisidor_designado"),
    ("antejuicio", "no_ha_lugar", "ha_lugar_formacion_causa"),
    ("antejuicio", "archivado", "ingresado"),
])
def test_a_stage_that_does_not_follow_is_a_conflict_naming_both(matter, current, requested):
    with pytest.raises(Conflict) as excinfo:
        domain.next_stage(matter, current, requested)
    assert_error(excinfo, Conflict, 409, "invalid_stage_transition")
    assert excinfo.value.details["current"] == current and excinfo.value.details["requested"] == requested
    assert current in excinfo.value.message and requested in excinfo.value.message


@pytest.mark.parametrize("matter, requested", [
    ("civil", "admitido"), ("familia", "archivado"), ("penal", "vista"),   # only amparo and antejuicio have stages
    ("amparo", "juez_pesquisidor_designado"), ("antejuicio", "vista"),    # the other matter's list
])
def test_a_stage_outside_the_matter_is_invalid(matter, requested):
    with pytest.raises(ValidationFailed) as excinfo:
        domain.next_stage(matter, INITIAL_STAGE if matter in ("amparo", "antejuicio") else None, requested)
    assert_error(excinfo, ValidationFailed, 422, "validation_error", field="stage")


@pytest.mark.parametrize("matter, current", [("civil", None), ("amparo", "vista"), ("antejuicio", "archivado")])
def test_a_resolution_without_a_stage_leaves_it(matter, current):
    assert domain.next_stage(matter, current, None) == current


@pytest.mark.parametrize("matter, stages", [("amparo", AMPARO_STAGES), ("antejuicio", ANTEJUICIO_STAGES)])
def test_the_tables_name_only_the_matters_stages_and_reach_each_of_them(matter, stages):
    table = domain.STAGE_TRANSITIONS[matter]
    assert set(table) == {INITIAL_STAGE, *stages}
    reached = {target for targets in table.values() for target in targets}
    assert reached == set(stages)
    assert table["archivado"] == ()


def test_the_stage_field_takes_only_known_stages():
    assert ResolutionMetadataSchema().load({"kind": "auto", "summary": "Se admite", "stage": "admitido"})["stage"] == "admitido"
    assert "stage" in ResolutionMetadataSchema().validate({"kind": "auto", "summary": "Se admite", "stage": "resuelto"})


# --- opening an amparo or an antejuicio ----------------------------------------------------
def amparo(**overrides):
    meta = {"court_id": "00001", "matter": "amparo", "subject": "Amparo contra resolución municipal",
            "parties": [{"name": "María López", "role": "postulante"},
                        {"name": "Concejo Municipal de Mixco", "role": "autoridad_impugnada"},
                        {"name": "Constructora Sur, S.A.", "role": "tercero_interesado"}],
            "represents": "María López", "act_complained": "Acuerdo municipal 12-2026 que revoca la licencia"}
    meta.update(overrides)
    return meta


def antejuicio(**overrides):
    meta = {"court_id": "00001", "matter": "antejuicio", "subject": "Antejuicio contra alcalde",
            "parties": [{"name": "Pedro Ruiz", "role": "denunciante"},
                        {"name": "Juan Gómez", "role": "funcionario", "office": "Alcalde municipal de Mixco"}],
            "represents": "Pedro Ruiz"}
    meta.update(overrides)
    return meta


def opened(meta):
    """The schema's load, then the rule across fields the schema cannot state."""
    loaded = OpenCaseSchema().load(meta)
    domain.require_public_case_facts(loaded)
    return loaded


@pytest.mark.parametrize("meta", [
    amparo(),
    amparo(parties=[{"name": "A", "role": "postulante"}, {"name": "B", "role": "autoridad_impugnada"}], represents="A"),
    amparo(parties=[{"name": "A", "role": "postulante"}, {"name": "A2", "role": "postulante"},
                    {"name": "B", "role": "autoridad_impugnada"}, {"name": "MP", "role": "ministerio_publico"}],
           represents="A"),
    antejuicio(),
    antejuicio(parties=[{"name": "D1", "role": "denunciante"}, {"name": "D2", "role": "denunciante"},
                        {"name": "F", "role": "funcionario", "office": "Diputado"}], represents="D1"),
])
def test_an_amparo_or_antejuicio_with_its_facts_opens(meta):
    opened(meta)


@pytest.mark.parametrize("meta, field", [
    ({k: v for k, v in amparo().items() if k != "act_complained"}, "act_complained"),
    (amparo(parties=[{"name": "A", "role": "postulante"}], represents="A"), "parties"),            # no authority
    (amparo(parties=[{"name": "B", "role": "autoridad_impugnada"}], represents="B"), "parties"),  # no postulante
    (amparo(parties=[{"name": "A", "role": "postulante"}, {"name": "B", "role": "autoridad_impugnada"},
                     {"name": "C", "role": "demandado"}], represents="A"), "parties.2.role"),     # not an amparo role
    (antejuicio(parties=[{"name": "F", "role": "funcionario", "office": "Alcalde"}], represents="F"), "parties"),
    (antejuicio(parties=[{"name": "D", "role": "denunciante"}], represents="D"), "parties"),      # no official
    (antejuicio(parties=[{"name": "D", "role": "denunciante"}, {"name": "F1", "role": "funcionario", "office": "A"},
                         {"name": "F2", "role": "funcionario", "office": "B"}], represents="D"), "parties"),
    (antejuicio(act_complained="Algo"), "act_complained"),                                       # only an amparo
])
def test_an_amparo_or_antejuicio_without_its_facts_is_refused(meta, field):
    with pytest.raises(ValidationFailed) as excinfo:
        opened(meta)
    assert_error(excinfo, ValidationFailed, 422, "validation_error", field=field)


@pytest.mark.parametrize("meta", [
    antejuicio(parties=[{"name": "D", "role": "denunciante"}, {"name": "F", "role": "funcionario"}], represents="D"),
    amparo(parties=[{"name": "A", "role": "postulante", "office": "Gerente"},
                    {"name": "B", "role": "autoridad_impugnada"}], represents="A"),
    {"court_id": "01001", "matter": "civil", "subject": "Cobro", "represents": "A",
     "parties": [{"name": "A", "role": "actor"}], "act_complained": "X"},
])
def test_the_schema_itself_refuses_an_office_off_an_official_and_an_official_without_one(meta):
    errors = OpenCaseSchema().validate(meta)
    if not errors:  # act_complained off an amparo is the cross-field rule
        with pytest.raises(ValidationFailed):
            domain.require_public_case_facts(OpenCaseSchema().load(meta))
    else:
        assert "parties" in errors


def test_other_matters_open_as_before_without_stage_and_only_familia_is_reserved():
    for matter in MATTERS:
        expected_stage = INITIAL_STAGE if matter in ("amparo", "antejuicio") else None
        assert domain.initial_stage(matter) == expected_stage
        assert domain.reserved_from_opening(matter) is (matter == "familia")


# --- reserved cases ------------------------------------------------------------------------------
CASE = {"_id": "01001-2030-00001", "court_id": "01001", "matter": "civil", "subject": "Cobro",
        "parties": [{"name": "A", "role": "actor", "id_number": "123"}], "opened_at": T0,
        "opened_by": {"sub": "ab", "name": "Lic. A", "bar_number": "1"}, "case_version": 3, "stage": None,
        "reserved": False}


@pytest.mark.parametrize("actor, allowed", [
    ({"sub": "j", "role": "judge", "court_id": "01001"}, True),
    ({"sub": "j", "role": "judge", "court_id": "01002"}, False),
    ({"sub": "c", "role": "clerk", "court_id": "01001"}, False),
    ({"sub": "l", "role": "lawyer", "court_id": "01001"}, False),
    ({"sub": "x", "role": "citizen"}, False),
    ({"sub": "a", "role": "admin", "court_id": "01001"}, False),
])
def test_only_a_judge_of_the_court_reserves(actor, allowed):
    if allowed:
        domain.require_can_reserve(actor, CASE)
    else:
        with pytest.raises(Forbidden):
            domain.require_can_reserve(actor, CASE)


@pytest.mark.parametrize("case, reserved", [
    (CASE, False),
    ({**CASE, "reserved": True}, True),
    ({**CASE, "matter": "familia", "reserved": True}, True),
    ({k: v for k, v in CASE.items() if k != "reserved"} | {"matter": "familia"}, True),  # stored before the field
])
def test_a_reserved_case_is_never_reserved_again(case, reserved):
    assert domain.is_reserved(case) is reserved
    if reserved:
        with pytest.raises(Conflict) as excinfo:
            domain.require_not_reserved(case)
        assert_error(excinfo, Conflict, 409, "already_reserved")
    else:
        domain.require_not_reserved(case)


def test_the_case_version_starts_at_one():
    assert domain.case_version({k: v for k, v in CASE.items() if k != "case_version"}) == 1
    assert domain.case_version(CASE) == 3


# --- hearings: the room rule ----------------------------------------------------------------
def hearing(start_minutes, duration, status="programada", court_id="01001", room="Sala 1", hearing_id="h-otra"):
    starts_at = T0 + timedelta(minutes=start_minutes)
    return {"_id": hearing_id, "case_number": "01001-2030-00009", "court_id": court_id, "room": room,
            "room_key": domain.room_key(room), "status": status, "starts_at": starts_at,
            "ends_at": starts_at + timedelta(minutes=duration)}


# (the stored hearing, the new one's start and duration in minutes from T0, whether it is refused)
@pytest.mark.parametrize("other, start, duration, refused", [
    (hearing(0, 60), 0, 60, True),            # the same slot
    (hearing(0, 60), 30, 60, True),           # overlaps its end
    (hearing(0, 60), -30, 60, True),          # overlaps its start
    (hearing(0, 60), 10, 20, True),           # inside it
    (hearing(0, 60), -60, 180, True),         # around it
    (hearing(0, 60), 60, 30, False),          # starts when it ends: touching, not overlapping
    (hearing(0, 60), -30, 30, False),         # ends when it starts
    (hearing(0, 60), 61, 30, False),
    (hearing(0, 60, room="Sala 2"), 0, 60, False),           # another room
    (hearing(0, 60, room="  SALA   1 "), 0, 60, True),       # the same room, written otherwise
    (hearing(0, 60, court_id="01002"), 0, 60, False),        # another court's room of the same name
    (hearing(0, 60, status="reprogramada"), 0, 60, True),
    (hearing(0, 60, status="cancelada"), 0, 60, False),      # cancelled ones do not hold the room
    (hearing(0, 60, status="suspendida"), 0, 60, False),
    (hearing(0, 60, status="realizada"), 0, 60, False),
    (hearing(0, 60, hearing_id="h-misma"), 0, 60, False),    # a hearing being moved does not block itself
])
def test_two_active_hearings_never_share_a_room_at_once(other, start, duration, refused):
    starts_at = T0 + timedelta(minutes=start)
    ends_at = domain.hearing_end(starts_at, duration)
    assert domain.blocks(other, "01001", domain.room_key("Sala 1"), starts_at, ends_at, "h-misma") is refused
    if refused:
        error = domain.hearing_conflict(other)
        assert error.status == 409 and error.code == "hearing_conflict"
        assert error.details == {"hearing_id": other["_id"], "case_number": other["case_number"], "room": other["room"],
                                 "starts_at": domain.iso(other["starts_at"]), "ends_at": domain.iso(other["ends_at"])}


@pytest.mark.parametrize("current, requested, allowed", [
    ("programada", "realizada", True), ("programada", "suspendida", True), ("programada", "cancelada", True),
    ("reprogramada", "realizada", True), ("reprogramada", "cancelada", True),
    ("suspendida", "cancelada", True), ("suspendida", "realizada", False), ("suspendida", "suspendida", False),
    ("realizada", "cancelada", False), ("realizada", "suspendida", False), ("realizada", "realizada", False),
    ("cancelada", "realizada", False), ("cancelada", "cancelada", False),
])
def test_a_held_or_cancelled_hearing_never_changes(current, requested, allowed):
    stored = {"_id": "h1", "status": current}
    if allowed:
        assert domain.status_transition(stored, requested) == requested
    else:
        with pytest.raises(Conflict) as excinfo:
            domain.status_transition(stored, requested)
        assert excinfo.value.status == 409 and excinfo.value.details["status"] == current


@pytest.mark.parametrize("status, allowed", [("programada", True), ("reprogramada", True), ("suspendida", True),
                                             ("realizada", False), ("cancelada", False)])
def test_what_may_be_rescheduled(status, allowed):
    if allowed:
        domain.require_reschedulable({"_id": "h1", "status": status})
    else:
        with pytest.raises(Conflict):
            domain.require_reschedulable({"_id": "h1", "status": status})
    assert set(HEARING_FINAL_STATUSES) == {"realizada", "suspendida", "cancelada"}


def test_a_hearing_is_scheduled_in_the_future():
    domain.require_future(T0 + timedelta(seconds=1), T0)
    for past in (T0, T0 - timedelta(days=1)):
        with pytest.raises(ValidationFailed) as excinfo:
            domain.require_future(past, T0)
        assert_error(excinfo, ValidationFailed, 422, "validation_error", field="starts_at")


# --- the time of a hearing: with its offset, stored in UTC ---------------------------------
BODY = {"kind": "debate", "duration_minutes": 60, "room": "Sala 1", "mode": "presencial"}


@pytest.mark.parametrize("text, utc", [
    ("2030-03-10T09:00:00-06:00", datetime(2030, 3, 10, 15, 0, tzinfo=UTC)),
    ("2030-03-10T15:00:00Z", datetime(2030, 3, 10, 15, 0, tzinfo=UTC)),
    ("2030-03-10T15:00Z", datetime(2030, 3, 10, 15, 0, tzinfo=UTC)),
    ("2030-03-10T20:30:15.250+05:30", datetime(2030, 3, 10, 15, 0, 15, 250000, tzinfo=UTC)),
])
def test_starts_at_is_read_with_its_offset_and_kept_in_utc(text, utc):
    loaded = ScheduleHearingSchema().load({**BODY, "starts_at": text})
    assert loaded["starts_at"] == utc and loaded["starts_at"].utcoffset() == timedelta(0)
    assert domain.canonical(loaded)["starts_at"] == domain.iso(utc)


@pytest.mark.parametrize("text", ["2030-03-10T09:00:00", "2030-03-10 09:00:00-06:00", "2030-02-30T09:00:00Z",
                                  "2030-03-10T09:00:00+25:00", "1999-03-10T09:00:00Z", "mañana", "",
                                  "2030-03-10T09:00:00\x00Z", "9999-12-31T23:59:59Z", "2030-03-10t09:00:00z"])
def test_a_time_without_an_offset_or_out_of_form_is_refused(text):
    errors = ScheduleHearingSchema().validate({**BODY, "starts_at": text})
    assert "starts_at" in errors
    assert RescheduleHearingSchema().validate({"starts_at": text, "reason": "Motivo"}).keys() == {"starts_at"}


@pytest.mark.parametrize("duration, ok", [(4, False), (5, True), (600, True), (601, False), (60.0, False), ("60", False)])
def test_a_hearing_lasts_from_5_to_600_minutes(duration, ok):
    errors = ScheduleHearingSchema().validate({**BODY, "starts_at": "2030-03-10T15:00:00Z", "duration_minutes": duration})
    assert (not errors) is ok, errors


# --- the events' data ------------------------------------------------------------------------------
def test_event_data_match_their_contracts_exactly():
    amparo_case = {**CASE, "_id": "00001-2030-00001", "court_id": "00001", "matter": "amparo", "stage": "admitido",
                   "act_complained": "Acuerdo 12", "parties": [{"name": "María", "role": "postulante", "id_number": "9"},
                                                              {"name": "Concejo", "role": "autoridad_impugnada"}]}
    data = domain.case_opened_data(amparo_case, "Cámara de Amparo")
    assert CaseOpenedSchema().load(data, unknown=RAISE) and data["stage"] == "admitido" and data["case_version"] == 3
    assert data["parties"] == [{"name": "María", "role": "postulante", "office": None},
                               {"name": "Concejo", "role": "autoridad_impugnada", "office": None}]  # never an id number
    private = domain.case_opened_data({**CASE, "matter": "familia", "reserved": True}, "Juzgado")
    assert (private["parties"], private["act_complained"], private["stage"], private["reserved"]) == (None, None, None, True)

    reservation = {"reason": "Menores", "reserved_at": T0, "reserved_by": {"sub": "j", "name": "Juez", "bar_number": None}}
    CaseReservedSchema().load(domain.case_reserved_data({**CASE, "reservation": reservation}), unknown=RAISE)

    stored = {"_id": "h1", "version": 2, "case_number": CASE["_id"], "court_id": "01001", "kind": "debate",
              "starts_at": T0, "duration_minutes": 60, "room": "Sala 1", "mode": "virtual", "status": "reprogramada",
              "reason": "Solicitud de parte", "changed_at": T0}
    state = domain.hearing_state(stored, amparo_case, "Cámara")
    assert HearingStateSchema().load(state, unknown=RAISE)
    assert state["public_parties"] and domain.hearing_state(stored, CASE, "J")["public_parties"] is None

    resolution = {"_id": "r1", "case_number": CASE["_id"], "court_id": "01001", "kind": "auto", "summary": "Se admite",
                  "term_days": None, "folio": 2, "issued_at": T0, "issued_by": {"sub": "j", "name": None, "bar_number": None},
                  "document": {"document_id": "d1", "sha256": "0" * 64, "size": 10, "filename": "a.pdf", "pages": 1},
                  "matter": "amparo", "stage": "admitido", "case_version": 2}
    issued = domain.resolution_issued_data(resolution, amparo_case, "Cámara", [])
    assert ResolutionIssuedSchema().load(issued, unknown=RAISE)
    assert (issued["stage"], issued["case_version"], issued["case_reserved"]) == ("admitido", 2, False)


def test_nothing_here_raises_anything_but_portal_errors():
    with pytest.raises(PortalError):
        domain.next_stage("amparo", "archivado", "admitido")
