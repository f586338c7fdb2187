"""The rules of Idempotency-Key (services/runtime/idempotency.py) as plain functions: the scope of a key, the
fingerprint of a request's content, a record's id and lifetime, and the replay decision."""
import datetime

import pytest

from services.runtime import idempotency
from services.runtime.errors import Conflict
from services.runtime.idempotency import Request

NOW = datetime.datetime(2026, 3, 2, 15, 0, tzinfo=datetime.timezone.utc)
LAWYER = {"sub": "abogado.actor", "role": "lawyer"}
META = {"kind": "escrito", "summary": "Memorial", "represents": None}
DOCS = [{"filename": "a.pdf", "sha256": "1" * 64}, {"filename": "b.pdf", "sha256": "2" * 64}]


# --- scope ---------------------------------------------------------------------------------------
def test_the_scope_is_the_operation_and_what_it_acts_on():
    assert idempotency.scope("open_case") == "open_case"
    assert idempotency.scope("filing", "01001-2026-00001") == "filing:01001-2026-00001"
    assert idempotency.scope("resolution", "01001-2026-00001") != idempotency.scope("filing", "01001-2026-00001")


def test_a_request_names_its_caller_scope_and_key():
    request = Request.of(LAWYER, "memorial-17", "filing", "01001-2026-00001")
    assert (request.actor_sub, request.scope, request.key, request.fingerprint) == \
        ("abogado.actor", "filing:01001-2026-00001", "memorial-17", None)
    # the id stored data already uses
    assert request.record_id == "abogado.actor|filing:01001-2026-00001|memorial-17"
    assert Request.of(LAWYER, "", "open_case").key is None  # no key: not idempotent


def test_a_key_belongs_to_its_caller_and_its_scope():
    ids = {Request.of(LAWYER, "k", "open_case").record_id,
           Request.of({"sub": "otro"}, "k", "open_case").record_id,
           Request.of(LAWYER, "k", "filing", "01001-2026-00001").record_id,
           Request.of(LAWYER, "k", "filing", "01001-2026-00002").record_id}
    assert len(ids) == 4


# --- fingerprint ---------------------------------------------------------------------------------
def test_same_request_same_fingerprint():
    first = idempotency.fingerprint("filing:01001-2026-00001", META, DOCS)
    again = idempotency.fingerprint("filing:01001-2026-00001", dict(reversed(list(META.items()))),
                                    [dict(d) for d in DOCS])
    assert first == again
    assert len(first) == 64 and int(first, 16) >= 0


def test_the_fingerprint_is_the_one_stored_records_carry():
    # records written before the fingerprint moved to the runtime must still match (they live 30 days)
    assert idempotency.fingerprint("open_case", {"subject": "Cobro"}, DOCS[:1]) == \
        "ebb96b9ee85b3b7fc64bd8f356a81f5539450ad19c1a7ef8f5b2f866a19ad8c0"


@pytest.mark.parametrize("scope, metadata, documents", [
    ("filing:01001-2026-00002", META, DOCS),                                   # another case
    ("open_case", META, DOCS),                                                 # another operation
    ("filing:01001-2026-00001", {**META, "summary": "Memorial "}, DOCS),       # one character more
    ("filing:01001-2026-00001", {**META, "kind": "memorial"}, DOCS),
    ("filing:01001-2026-00001", {**META, "represents": "Demandado Dos"}, DOCS),
    ("filing:01001-2026-00001", {k: v for k, v in META.items() if k != "represents"}, DOCS),
    ("filing:01001-2026-00001", META, list(reversed(DOCS))),                   # document order
    ("filing:01001-2026-00001", META, DOCS[:1]),                               # one document fewer
    ("filing:01001-2026-00001", META, [DOCS[0], {**DOCS[1], "sha256": "3" * 64}]),   # other content
    ("filing:01001-2026-00001", META, [DOCS[0], {**DOCS[1], "filename": "c.pdf"}]),  # other name
], ids=["scope-case", "scope-operation", "summary", "kind", "represents", "represents-missing", "order",
        "fewer-documents", "content", "filename"])
def test_any_difference_changes_the_fingerprint(scope, metadata, documents):
    assert idempotency.fingerprint(scope, metadata, documents) != \
        idempotency.fingerprint("filing:01001-2026-00001", META, DOCS)


def test_fingerprint_ignores_document_fields_other_than_name_and_content():
    # the gateway fingerprints before staging; the service after: ids, sizes and pages must not matter
    staged = [{**d, "document_id": f"id{i}", "size": 10, "pages": 1} for i, d in enumerate(DOCS)]
    assert idempotency.fingerprint("open_case", META, staged) == idempotency.fingerprint("open_case", META, DOCS)


def test_a_request_takes_the_fingerprint_of_its_scope_and_content():
    request = Request.of(LAWYER, "k", "filing", "01001-2026-00001").with_body(META, DOCS)
    assert request.fingerprint == idempotency.fingerprint("filing:01001-2026-00001", META, DOCS)
    assert request.key == "k" and request.scope == "filing:01001-2026-00001"
    assert idempotency.fingerprint("open_case", META) == idempotency.fingerprint("open_case", META, [])


# --- records and their lifetime ----------------------------------------------------------------------
def test_a_client_key_lives_30_days_and_a_generated_one_2():
    generated = idempotency.generated_key()
    assert generated.startswith("auto-") and generated != idempotency.generated_key()
    assert idempotency.lifetime(generated) == datetime.timedelta(days=2)
    assert idempotency.lifetime("demanda-2026-001") == datetime.timedelta(days=30)
    assert idempotency.lifetime("AUTO-x") == datetime.timedelta(days=30)  # only the gateway's own prefix


def test_the_record_of_a_request():
    request = Request.of(LAWYER, "k-1", "open_case").with_body(META, DOCS)
    record = idempotency.new_record(request, {"case_number": "01001-2026-00001"}, NOW)
    assert record == {"_id": "abogado.actor|open_case|k-1", "request_hash": request.fingerprint,
                      "response": {"case_number": "01001-2026-00001"}, "at": NOW,
                      "expires_at": NOW + datetime.timedelta(days=30)}
    with pytest.raises(ValueError):
        idempotency.new_record(Request.of(LAWYER, "k-1", "open_case"), {}, NOW)  # no fingerprint yet


# --- the replay decision -------------------------------------------------------------------------------
def test_the_same_content_replays_the_stored_response():
    request = Request.of(LAWYER, "k", "open_case").with_body(META, DOCS)
    record = idempotency.new_record(request, {"answer": 1}, NOW)
    assert idempotency.replay(record, request.fingerprint) == {"answer": 1}
    assert idempotency.replay(record, Request.of(LAWYER, "k", "open_case").with_body(
        dict(reversed(list(META.items()))), DOCS).fingerprint) == {"answer": 1}


def test_another_content_under_the_key_is_409():
    record = idempotency.new_record(Request.of(LAWYER, "k", "open_case").with_body(META, DOCS), {"answer": 1}, NOW)
    other = Request.of(LAWYER, "k", "open_case").with_body({**META, "summary": "Otro"}, DOCS)
    with pytest.raises(Conflict) as refused:
        idempotency.replay(record, other.fingerprint)
    assert refused.value.code == "idempotency_key_reused" and refused.value.status == 409
    assert "clave de idempotencia" in refused.value.message


def test_replay_carries_the_record():
    record = {"_id": "a|open_case|k", "request_hash": "h", "response": {}}
    assert idempotency.Replay(record).record is record
