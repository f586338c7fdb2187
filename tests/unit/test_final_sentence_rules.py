"""Rules of a sentence declared final: who may declare it, on which resolutions, the body's convictions (the
shared CUI rule, once per person) and the local dates the registry records (no database, no broker)."""
import datetime
from zoneinfo import ZoneInfo

import pytest
from marshmallow import ValidationError

from contracts import cui
from contracts.filings import FinalSentenceSchema
from services.certificates import domain as certificates_domain
from services.filings import domain
from services.runtime.errors import Conflict, Forbidden

UTC = datetime.timezone.utc
RESOLUTION = {"_id": "a" * 32, "court_id": "01010", "kind": "sentencia"}
PENAL = {"_id": "01010-2026-00001", "matter": "penal"}


def conviction(id_number="1580352240101", **overrides):
    return {"name": "Pedro Sindicado", "id_number": id_number, "offences": ["Robo"], "penalty": "6 años",
            **overrides}


def test_the_cui_rule_is_one_rule():
    # certificates and filings check CUIs with the same function
    assert certificates_domain.cui_problem is cui.cui_problem


@pytest.mark.parametrize("actor,allowed", [
    ({"role": "judge", "court_id": "01010"}, True),
    ({"role": "judge", "court_id": "01001"}, False),
    ({"role": "clerk", "court_id": "01010"}, False),
    ({"role": "lawyer"}, False), ({"role": "citizen"}, False), ({"role": "records_officer"}, False),
    ({"role": "admin"}, False),
])
def test_only_a_judge_of_the_court_declares_its_sentence_final(actor, allowed):
    if allowed:
        domain.require_can_declare_final(actor, RESOLUTION)
    else:
        with pytest.raises(Forbidden):
            domain.require_can_declare_final(actor, RESOLUTION)


@pytest.mark.parametrize("kind,matter,code", [
    ("sentencia", "penal", None), ("auto", "penal", "not_a_sentence"), ("decreto", "penal", "not_a_sentence"),
    ("sentencia", "civil", "not_a_penal_case"), ("sentencia", "familia", "not_a_penal_case"),
    ("sentencia", "amparo", "not_a_penal_case"),
])
def test_only_a_sentencia_of_a_penal_case(kind, matter, code):
    resolution, case = {**RESOLUTION, "kind": kind}, {**PENAL, "matter": matter}
    if code is None:
        domain.require_penal_sentence(resolution, case)
    else:
        with pytest.raises(Conflict) as refused:
            domain.require_penal_sentence(resolution, case)
        assert refused.value.code == code


@pytest.mark.parametrize("convictions,field", [
    ([conviction("1680352240101")], "convictions"),                        # check digit
    ([conviction("1580352242301")], "convictions"),                        # department 23
    ([conviction("1580352240118")], "convictions"),                        # Guatemala has 17 municipalities
    ([conviction(), conviction(name="Otro")], "convictions"),              # the same person twice
    ([], "convictions"),
    ([conviction(offences=[])], "convictions"),
])
def test_bodies_refused(convictions, field):
    with pytest.raises(ValidationError) as refused:
        FinalSentenceSchema().load({"convictions": convictions})
    assert field in refused.value.messages


def test_a_body_accepted():
    body = FinalSentenceSchema().load({"convictions": [conviction(), conviction("1587564440904")]})
    assert [c["id_number"] for c in body["convictions"]] == ["1580352240101", "1587564440904"]


def test_dates_are_the_courts_local_days():
    late_evening = datetime.datetime(2026, 3, 2, 5, 30, tzinfo=UTC)  # 23:30 on 1 March in Guatemala
    assert domain.local_date(late_evening, "America/Guatemala") == "2026-03-01"
    assert certificates_domain.local_date("2026-03-02T05:30:00.000Z", ZoneInfo("America/Guatemala")) == "2026-03-01"
    assert certificates_domain.local_date("2026-03-02T06:00:00.000Z", ZoneInfo("America/Guatemala")) == "2026-03-02"
