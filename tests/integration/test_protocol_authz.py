"""Who may do what in the notarial protocol archive, over HTTP: an inactive notary, an unregistered one, another
notary, a citizen, a lawyer, other staff and the Archive's officers, on every route. The gateway refuses roles
that can never call a route (403, 401 without a token); the certificates service refuses, by itself, a notary
who is not registered, not active, or not the one concerned, and audits the refusal. Nothing is stored."""
import uuid

import pytest

from tests.support.protocol import deposit, metadata, new_notary, notary_token, officer

pytestmark = pytest.mark.stack


# a name of its own: other modules on the shared stack deposit wills too (the search below is not by notary)
TESTATOR = "Testador Secreto " + "".join(chr(97 + b % 26) for b in uuid.uuid4().bytes[:8]).capitalize()


@pytest.fixture(scope="module")
def world(api, stack):
    bar, notary = new_notary(api, stack, name="Notario Titular")
    other_bar, other = new_notary(api, stack, name="Otro Notario")
    inactive_bar, inactive = new_notary(api, stack, name="Notario Inhabilitado")
    changed = api.post_json(f"/api/v1/protocol/notaries/{inactive_bar}/status",
                            {"status": "inhabilitado", "since": "2024-01-01", "reason": "Sanción del tribunal"},
                            officer(stack))
    assert changed.status_code == 200 and changed.json()["status"] == "inhabilitado"
    deed = deposit(api, notary, metadata(1)).json()
    will = deposit(api, notary, metadata(2, act_type="testamento", grantors=[
        {"name": TESTATOR, "role": "testador"}], summary="Lega todo")).json()
    citizen = stack.token("ciudadano-protocolo", "citizen", name="Ciudadana", id_number="2456789120101")
    copy = api.post_json(f"/api/v1/protocol/instruments/{deed['instrument_id']}/copies",
                         {"kind": "copia_simple", "purpose": "Trámite"}, citizen).json()
    return {"bar": bar, "notary": notary, "other_bar": other_bar, "other": other, "inactive": inactive,
            "inactive_bar": inactive_bar, "deed": deed, "will": will, "citizen": citizen, "copy": copy,
            "unregistered": notary_token(stack, "99999999"), "officer": officer(stack),
            "lawyer": stack.token("abogado-authz", "lawyer", bar_number="4444"),
            "unap": stack.token("unap-authz", "records_officer"),
            "clerk": stack.token("secretario-authz", "clerk", court_id="01001"),
            "other_citizen": stack.token("otra-ciudadana", "citizen", id_number="2456789120102")}


def counts(db):
    return {name: db[name].count_documents({}) for name in
            ("notaries", "instruments", "protocol_indexes", "protocol_copies", "testimonios.files")}


def test_deposits_only_by_an_active_registered_notary(api, stack, world):
    db = stack.db("certificates")
    before = counts(db)
    for who, status, code in (("inactive", 403, "notary_inactive"), ("unregistered", 403, "notary_not_registered"),
                              ("citizen", 403, "forbidden"), ("officer", 403, "forbidden"),
                              ("lawyer", 403, "forbidden"), (None, 401, "missing_token")):
        response = deposit(api, world[who] if who else None, metadata(50))
        assert (response.status_code, response.json()["error"]) == (status, code), who
    assert counts(db) == before
    assert db.audit.count_documents({"action": "deposit_instrument", "outcome": "denied",
                                     "actor.sub": f"notario-{world['inactive_bar']}"}) >= 1
    # a deposit by another notary is in that notary's protocol, never in this one's
    mine = deposit(api, world["other"], metadata(1))
    assert mine.status_code == 201 and mine.json()["bar_number"] == world["other_bar"]


def test_registry_and_review_are_the_archives(api, stack, world):
    db = stack.db("certificates")
    before = counts(db)
    body = {"bar_number": "31337", "name": "Intruso", "registered_at": "2020-01-01"}
    for who in ("notary", "citizen", "lawyer", "unap", "clerk"):
        assert api.post_json("/api/v1/protocol/notaries", body, world[who]).status_code == 403, who
        assert api.post_json(f"/api/v1/protocol/notaries/{world['bar']}/status",
                             {"status": "fallecido", "since": "2024-01-01", "reason": "x"}, world[who]).status_code == 403
        assert api.post_json(f"/api/v1/protocol/instruments/{world['deed']['instrument_id']}/review",
                             {"decision": "accept"}, world[who]).status_code == 403
        assert api.post_json(f"/api/v1/protocol/copies/{world['copy']['copy_id']}/approve", {},
                             world[who]).status_code == 403
        assert api.post_json(f"/api/v1/protocol/copies/{world['copy']['copy_id']}/revoke", {"reason": "x"},
                             world[who]).status_code == 403
    assert api.post_json("/api/v1/protocol/notaries", body).status_code == 401
    assert counts(db) == before
    assert db.notaries.find_one({"_id": world["bar"]})["status"] == "activo"
    assert db.instruments.find_one({"_id": world["deed"]["instrument_id"]})["review"] == "pendiente"
    assert api.post_json("/api/v1/protocol/notaries", {**body, "bar_number": world["bar"]},
                         world["officer"]).status_code == 409


def test_a_notarys_year_and_index_are_their_own(api, stack, world):
    year = world["deed"]["year"]
    assert api.get(f"/api/v1/protocol/notaries/{world['bar']}/years/{year}", world["notary"]).status_code == 200
    assert api.get(f"/api/v1/protocol/notaries/{world['bar']}/years/{year}", world["officer"]).status_code == 200
    for who in ("other", "citizen", "lawyer"):
        status = api.get(f"/api/v1/protocol/notaries/{world['bar']}/years/{year}", world[who]).status_code
        assert status == 403, who
    assert api.get(f"/api/v1/protocol/notaries/{world['bar']}", world["other"]).status_code == 403
    db = stack.db("certificates")
    for who in ("citizen", "officer", "unregistered"):
        assert api.post_json(f"/api/v1/protocol/indexes/{year}", {"instruments": []}, world[who]).status_code == 403
    assert db.protocol_indexes.count_documents({"bar_number": "99999999"}) == 0
    # an inactive notary still submits the index of a year he worked
    assert api.post_json(f"/api/v1/protocol/indexes/{year}", {"instruments": [{"number": 1}]},
                         world["inactive"]).status_code == 200


def test_search_and_will_secrecy_by_role(api, stack, world):
    params = {"bar_number": world["bar"]}
    for who in ("citizen", "lawyer", "clerk", "other", "officer", "notary"):
        response = api.get("/api/v1/protocol/instruments", world[who], params=params)
        assert response.status_code == 200, who
        will = next(i for i in response.json()["items"] if i["number"] == 2)
        sees = who in ("officer", "notary")
        assert (will["summary"] == "Lega todo") is sees and bool(will["grantors"]) is sees, who
        assert (TESTATOR in response.text) is sees, who
    assert api.get("/api/v1/protocol/instruments", world["unap"], params=params).status_code == 403
    assert api.get("/api/v1/protocol/instruments", None, params=params).status_code == 401
    # searching the testator's name finds the will, but never its grantors, to anyone else
    found = api.get("/api/v1/protocol/instruments", world["citizen"], params={"grantor": TESTATOR.lower()})
    assert [i["number"] for i in found.json()["items"]] == [2] and "Testador" not in found.text


def test_copies_belong_to_their_requester(api, stack, world):
    copy_id = world["copy"]["copy_id"]
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", world["citizen"]).status_code == 200
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", world["officer"]).status_code == 200
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", world["other_citizen"]).status_code == 404
    assert api.get(f"/api/v1/protocol/copies/{copy_id}/document", world["other_citizen"]).status_code == 404
    assert api.get(f"/api/v1/protocol/copies/{copy_id}", world["unap"]).status_code == 403
    assert api.get("/api/v1/protocol/copies", world["other_citizen"]).json()["items"] == []
    db = stack.db("certificates")
    before = counts(db)
    for who in ("officer", "unap", "clerk"):
        response = api.post_json(f"/api/v1/protocol/instruments/{world['deed']['instrument_id']}/copies",
                                 {"kind": "copia_simple", "purpose": "x"}, world[who])
        assert response.status_code == 403, who
    assert counts(db) == before
    # a copy of the will for another notary waits for the Archive (a death certificate reviewed)
    will_copy = api.post_json(f"/api/v1/protocol/instruments/{world['will']['instrument_id']}/copies",
                              {"kind": "copia_simple", "purpose": "Sucesión"}, world["other"]).json()
    assert will_copy["needs_approval"] is True
