"""The backup procedure of deploy/BACKUP.md, performed: every service's database of the running stack dumped
with ``services.runtime.backup`` (mongodump's layout), restored under another prefix on the same server, and
the restored data checked: a signature made before the dump with each service's signing key verifies with the key
the service loads from its restored database (a notice's evidence, the mailbox's Ed25519 key; a certificate's PDF,
the certificates' PAdES key), the certificate's PDF is byte for byte the same, a case is readable with its
entries, every collection holds as many documents and every index is rebuilt. (The production keys live in the
Secret instead: deploy/signing_keys.py, tests/deploy/test_signing_keys.py.)"""
import hashlib
import uuid

import gridfs

import pytest

from services.certificates.signing import DEV_KEY_ID as CERTIFICATES_KEY_ID
from services.certificates.signing import resolve_signer as certificate_signer
from services.mailbox import evidence
from services.mailbox.keys import DEV_KEY_ID as EVIDENCE_KEY_ID
from services.mailbox.keys import resolve_signer as evidence_signer
from services.runtime import backup
from services.runtime.config import Settings
from tests.support.bank import BankSimulator
from tests.support.certificates import citizen, wait_issued
from tests.support.mailbox import MailboxCase

pytestmark = pytest.mark.stack

SERVICES = ("filings", "mailbox", "queries", "certificates", "chat")


def live_document(db, document_id):
    return gridfs.GridFSBucket(db, "documents").open_download_stream(document_id).read()


def test_dump_and_restore_every_database(api, stack, tmp_path):
    lawyer = api.lawyer()
    opened = api.new_case(lawyer)
    case_number = opened["case_number"]
    token, _ = citizen(stack)
    request = api.post_json("/api/v1/certificates/requests", {}, token)
    assert request.status_code == 201, request.text
    assert BankSimulator(stack.url).pay(request.json()["payment"]["reference"]).status_code == 200
    certificate_id = wait_issued(api, token, request.json()["request_id"])["certificate_id"]
    original = stack.db("certificates").certificates.find_one({"_id": certificate_id})
    # a notice's evidence, signed by the mailbox before the dump
    notified = MailboxCase(api, count=1)
    (sub,) = notified.subs
    notice = notified.wait_notice(sub, notified.resolve()["resolution_id"])
    signed = api.get(f"/api/v1/mailbox/notifications/{notice['notification_id']}/evidence", notified.tokens[sub])
    assert signed.status_code == 200, signed.text
    signed = signed.json()

    dumped = backup.main(["dump", "--uri", stack.mongo_uri, "--prefix", stack.prefix, "--out", str(tmp_path)])
    assert dumped == 0
    for service in SERVICES:
        assert (tmp_path / f"{stack.prefix}_{service}").is_dir(), service
    for service in ("certificates", "mailbox"):  # the development signing keys are in the databases
        assert (tmp_path / f"{stack.prefix}_{service}" / "keys.bson").stat().st_size > 0

    restored_prefix = f"restored{uuid.uuid4().hex[:6]}"
    try:
        assert backup.main(["restore", "--uri", stack.mongo_uri, "--from", str(tmp_path), "--prefix",
                            restored_prefix, "--drop"]) == 0
        client = stack.client
        certificates = client[f"{restored_prefix}_certificates"]
        copy = certificates.certificates.find_one({"_id": certificate_id})
        assert bytes(copy["document"]) == bytes(original["document"]) and copy["sha256"] == original["sha256"]
        # each service's signing key as the service loads it from its restored database (present there: the
        # loader would otherwise make a new key, and nothing signed before would verify)
        development = Settings({"PORTAL_ENV": "development"})
        assert certificates.keys.find_one({"_id": CERTIFICATES_KEY_ID})
        restored_signer = certificate_signer(development, db=certificates)
        assert restored_signer.check(bytes(original["document"])).signature == "valid"
        assert restored_signer.check(bytes(copy["document"])).signature == "valid"
        mailbox = client[f"{restored_prefix}_mailbox"]
        assert mailbox.keys.find_one({"_id": EVIDENCE_KEY_ID})
        restored_evidence = evidence_signer(development, db=mailbox)
        assert restored_evidence.key_id == signed["key_id"]
        checked = evidence.verify(signed, {restored_evidence.key_id: restored_evidence.public_key_bytes})
        assert checked.valid, checked.errors

        filings = client[f"{restored_prefix}_filings"]
        case = filings.cases.find_one({"_id": case_number}) or filings.cases.find_one({"case_number": case_number})
        assert case is not None and case.get("court_id", "01001") == "01001", case
        for document in opened["receipt"]["documents"]:  # the claim's PDF, byte for byte, from the restored GridFS
            stored = live_document(stack.db("filings"), document["document_id"])
            assert live_document(filings, document["document_id"]) == stored
            assert hashlib.sha256(stored).hexdigest() == document["sha256"]

        for service in SERVICES:
            live, again = stack.db(service), client[f"{restored_prefix}_{service}"]
            dumped_names = {p.name[:-len(".metadata.json")]
                            for p in (tmp_path / live.name).glob("*.metadata.json")}
            assert dumped_names <= set(again.list_collection_names()), service
            for name in dumped_names:
                dumped_count = len(backup.read_bson(tmp_path / live.name / f"{name}.bson"))
                assert again[name].count_documents({}) == dumped_count, (service, name)
                assert set(again[name].index_information()) == set(live[name].index_information()), (service, name)
    finally:
        for name in client.list_database_names():
            if name.startswith(f"{restored_prefix}_"):
                client.drop_database(name)
