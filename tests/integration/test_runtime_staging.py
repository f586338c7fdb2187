"""Idempotency records and staged documents against a real MongoDB (a replica set of this module's own, or
MONGO_URI), through a store that mixes in both pieces as a service's store does: records written with the
change or not at all, a key seen before found inside the transaction, documents staged, attached, discarded
and purged, and a whole request that attaches staged documents once per key."""
import datetime
import threading
import uuid

import pytest
from marshmallow import Schema, fields

from services.runtime.errors import Conflict, PayloadTooLarge, ValidationFailed
from services.runtime.idempotency import IDEMPOTENCY, IdempotentStore, Replay, Request
from services.runtime.mongo import Store, utcnow
from services.runtime.staging import StagedDocuments, StagingStore
from tests.support.pdfgen import make_pdf

NOTARY = {"sub": "notario.uno", "role": "lawyer"}
OTHER = {"sub": "notario.dos", "role": "lawyer"}
MAX_BYTES = 1024 * 1024


class DepositSchema(Schema):
    summary = fields.String(required=True)


class DepositStore(IdempotentStore, StagingStore, Store):
    """What a service that takes uploads under a key declares (a protocol archive, say)."""
    database = "deposits"
    staging_bucket = "protocolos"
    indexes = {**IdempotentStore.indexes, **StagedDocuments.indexes("protocolos"),
               "deposits": []}

    def deposit(self, actor, body, documents, request):
        def work(tx):
            deposit_id = uuid.uuid4().hex
            self.staging.attach(tx.session, [d["document_id"] for d in documents], {"deposit_id": deposit_id})
            self.db.deposits.insert_one({"_id": deposit_id, "by": actor["sub"], "summary": body["summary"],
                                         "documents": documents}, session=tx.session)
            return {"deposit_id": deposit_id, "documents": documents}
        return self.idempotent_transaction(request, work)


@pytest.fixture(scope="module")
def client(stack):
    """The suite's own MongoDB (a replica set: transactions work); each test uses databases of its own."""
    return stack.client


@pytest.fixture
def store(client):
    db = client[f"stagingtest_{uuid.uuid4().hex[:8]}"]
    DepositStore.ensure_indexes(db)
    yield DepositStore(db, client)
    client.drop_database(db.name)


def stage(store, actor=NOTARY, seed="a", name="protocolo.pdf"):
    return store.staging.stage(actor, name, make_pdf(seed=seed), MAX_BYTES)


def state_of(store, document_id):
    doc = store.db["protocolos.files"].find_one({"_id": document_id})
    return doc and doc["metadata"]["state"]


def request(key, body=None, documents=(), actor=NOTARY):
    base = Request.of(actor, key, "deposit", "AGP-7")
    return base if body is None else base.with_body(body, documents)


# --- the records -----------------------------------------------------------------------------------
def test_the_records_expire_through_a_ttl_index(store):
    indexes = store.db[IDEMPOTENCY].index_information()
    ttl = [i for i in indexes.values() if i["key"] == [("expires_at", 1)]]
    assert ttl and ttl[0]["expireAfterSeconds"] == 0


def test_a_record_is_written_with_the_change_and_a_seen_key_writes_nothing(store):
    first = request("k-1", {"summary": "x"})
    response = store.idempotent_transaction(first, lambda tx: store.db.deposits.insert_one(
        {"_id": "d1"}, session=tx.session) and {"deposit_id": "d1"})
    record = store.db[IDEMPOTENCY].find_one({"_id": "notario.uno|deposit:AGP-7|k-1"})
    assert record["response"] == response == {"deposit_id": "d1"} and record["request_hash"] == first.fingerprint
    assert record["expires_at"] - record["at"] == datetime.timedelta(days=30)

    with pytest.raises(Replay) as seen:
        store.idempotent_transaction(first, lambda tx: store.db.deposits.insert_one({"_id": "d2"}, session=tx.session))
    assert seen.value.record["response"] == {"deposit_id": "d1"}
    assert store.db.deposits.count_documents({}) == 1


def test_a_change_that_fails_leaves_no_record(store):
    def failing(tx):
        store.db.deposits.insert_one({"_id": "d1"}, session=tx.session)
        raise ValidationFailed("validation_error", "No.")

    with pytest.raises(ValidationFailed):
        store.idempotent_transaction(request("k-fail", {"summary": "x"}), failing)
    assert store.db[IDEMPOTENCY].count_documents({}) == 0 and store.db.deposits.count_documents({}) == 0
    assert store.idempotency.previous_response(request("k-fail", {"summary": "x"})) is None


def test_without_a_key_nothing_is_remembered(store):
    unkeyed = request(None, {"summary": "x"})
    store.idempotent_transaction(unkeyed, lambda tx: {"ok": 1})
    store.idempotent_transaction(unkeyed, lambda tx: {"ok": 2})
    assert store.db[IDEMPOTENCY].count_documents({}) == 0


def test_a_checked_request_replays_or_is_409(store):
    store.idempotent_transaction(request("k-2", {"summary": "x"}), lambda tx: {"deposit_id": "d1"})
    assert store.idempotency.previous_response(request("k-2", {"summary": "x"})) == {"deposit_id": "d1"}
    with pytest.raises(Conflict):
        store.idempotency.previous_response(request("k-2", {"summary": "otro"}))
    assert store.idempotency.previous_response(request("k-2", {"summary": "x"}, actor=OTHER)) is None


def test_one_key_at_once_from_two_workers_is_written_once(store):
    start, results = threading.Barrier(2), []

    def work(tx):
        store.db.deposits.insert_one({"_id": uuid.uuid4().hex}, session=tx.session)
        return {"at": utcnow().isoformat()}

    def submit():
        start.wait()
        try:
            results.append(store.idempotent_transaction(request("k-race", {"summary": "x"}), work))
        except Replay as seen:
            results.append(seen.record["response"])

    threads = [threading.Thread(target=submit) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert store.db.deposits.count_documents({}) == 1 and store.db[IDEMPOTENCY].count_documents({}) == 1
    assert len(results) == 2 and results[0] == results[1]


# --- staged documents --------------------------------------------------------------------------------
def test_a_staged_document_keeps_its_bytes_and_its_shape(store):
    pdf = make_pdf(seed="bytes")
    info = store.staging.stage(NOTARY, "escritura.pdf", pdf, MAX_BYTES)
    doc = store.db["protocolos.files"].find_one({"_id": info["document_id"]})
    meta = doc["metadata"]
    assert (meta["state"], meta["staged_by"], meta["content_type"]) == ("staged", "notario.uno", "application/pdf")
    assert meta["sha256"] == info["sha256"] and info["size"] == len(pdf) and meta["staged_at"] is not None
    assert store.staging.attached(info["document_id"]) is None  # staged is nobody's to read yet
    store.transaction(lambda tx: store.staging.attach(tx.session, [info["document_id"]], {"deposit_id": "d1"}))
    file_doc = store.staging.attached(info["document_id"])
    assert file_doc["metadata"]["deposit_id"] == "d1" and "staged_at" not in file_doc["metadata"]
    assert store.staging.download(file_doc) == {"document": info, "content": pdf}


def test_staged_documents_are_their_sender_s_and_come_in_order(store):
    one, two = stage(store, seed="1"), stage(store, seed="2")
    assert store.staging.staged(NOTARY, [two["document_id"], one["document_id"]]) == [two, one]
    for ids in ([one["document_id"], one["document_id"]], [one["document_id"], "missing"]):
        with pytest.raises(ValidationFailed) as refused:
            store.staging.staged(NOTARY, ids)
        assert refused.value.code == "document_not_found"
    with pytest.raises(ValidationFailed):
        store.staging.staged(OTHER, [one["document_id"]])
    assert store.staging.own(OTHER, [one["document_id"]]) is None
    assert store.staging.own(NOTARY, []) is None


def test_an_attachment_that_does_not_commit_leaves_the_documents_staged(store):
    info = stage(store)

    def attach_then_fail(tx):
        store.staging.attach(tx.session, [info["document_id"]], {"deposit_id": "d1"})
        raise ValidationFailed("validation_error", "No.")

    with pytest.raises(ValidationFailed):
        store.transaction(attach_then_fail)
    assert state_of(store, info["document_id"]) == "staged"
    with pytest.raises(ValidationFailed) as twice:
        store.transaction(lambda tx: store.staging.attach(tx.session, [info["document_id"], "missing"], {}))
    assert twice.value.code == "document_not_found" and state_of(store, info["document_id"]) == "staged"


def test_discard_removes_only_the_sender_s_staged_documents(store):
    mine, attached = stage(store, seed="m"), stage(store, seed="t")
    store.transaction(lambda tx: store.staging.attach(tx.session, [attached["document_id"]], {"deposit_id": "d"}))
    store.staging.discard(OTHER, [mine["document_id"]])
    assert state_of(store, mine["document_id"]) == "staged"
    store.staging.discard(NOTARY, [mine["document_id"], attached["document_id"]])
    assert state_of(store, mine["document_id"]) is None and state_of(store, attached["document_id"]) == "attached"
    assert store.db["protocolos.chunks"].count_documents({"files_id": mine["document_id"]}) == 0


def test_the_janitor_removes_only_what_waited_too_long(store):
    old, attached = stage(store, seed="o"), stage(store, seed="a")
    store.transaction(lambda tx: store.staging.attach(tx.session, [attached["document_id"]], {"deposit_id": "d"}))
    assert store.staging.purge_stale() == 0
    assert store.staging.purge_stale(now=utcnow() + datetime.timedelta(hours=1, seconds=1)) == 1
    assert state_of(store, old["document_id"]) is None and state_of(store, attached["document_id"]) == "attached"


# --- a request that attaches staged documents --------------------------------------------------------
def submit(store, ids, key, summary="Depósito", actor=NOTARY, schema=None):
    return store.submit_staged(actor, ids, Request.of(actor, key, "deposit", "AGP-7"), schema or DepositSchema(),
                               {"summary": summary},
                               lambda body, documents, req: store.deposit(actor, body, documents, req), 10)


def test_a_key_seen_before_answers_the_first_response_and_discards_the_new_uploads(store):
    first = submit(store, [stage(store, seed="p")["document_id"]], "dep-1")
    again_ids = [stage(store, seed="p")["document_id"]]
    assert submit(store, again_ids, "dep-1") == first
    assert state_of(store, again_ids[0]) is None and store.db.deposits.count_documents({}) == 1
    other_ids = [stage(store, seed="p")["document_id"]]
    with pytest.raises(Conflict):
        submit(store, other_ids, "dep-1", summary="Otro")
    assert state_of(store, other_ids[0]) is None


def test_a_request_delivered_again_after_it_was_stored_answers_its_first_response(store):
    ids = [stage(store, seed="r")["document_id"]]
    first = submit(store, ids, "auto-redelivered")
    assert submit(store, ids, "auto-redelivered") == first
    with pytest.raises(Conflict):
        submit(store, ids, "auto-redelivered", summary="Otro")
    with pytest.raises(ValidationFailed) as without_key:
        submit(store, ids, None)
    assert without_key.value.code == "document_not_found"
    with pytest.raises(ValidationFailed):
        submit(store, ids, "auto-redelivered", actor=OTHER)
    assert store.db.deposits.count_documents({}) == 1


def test_a_refused_request_discards_its_staged_documents(store):
    invalid = [stage(store, seed="i")["document_id"]]
    with pytest.raises(ValidationFailed):
        submit(store, invalid, "dep-invalid", summary=None)  # the body does not validate
    assert state_of(store, invalid[0]) is None

    too_many = [stage(store, seed=f"m{i}")["document_id"] for i in range(2)]
    with pytest.raises(PayloadTooLarge) as refused:
        store.submit_staged(NOTARY, too_many, request("dep-many"), DepositSchema(), {"summary": "x"},
                            lambda body, documents, req: store.deposit(NOTARY, body, documents, req), 1)
    assert refused.value.code == "too_many_documents"
    assert [state_of(store, i) for i in too_many] == [None, None]

    one_missing = [stage(store, seed="x")["document_id"], "missing"]
    with pytest.raises(ValidationFailed):
        submit(store, one_missing, "dep-missing")
    assert state_of(store, one_missing[0]) is None and store.db[IDEMPOTENCY].count_documents({}) == 0
