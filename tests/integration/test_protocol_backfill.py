"""Deposits stored before the grantors' search keys get them when the service starts, once per database: the
keys the search reads, the old tokens and their index gone (with the retired index of the notaries' name words),
and a second start reads nothing."""
import uuid

import pytest

from services.certificates.protocol import domain
from services.certificates.store import CertificatesStore
from services.certificates.store.protocol import Protocol

pytestmark = pytest.mark.stack


def test_earlier_deposits_are_keyed_once(stack):
    db = stack.client[f"backfill_{uuid.uuid4().hex[:8]}"]
    try:
        grantors = [{"name": "María José Pérez López", "id_number": None, "role": "vendedora"}]
        old = domain.grantor_search(grantors)["grantor_index"][0]["prefixes"]
        db.instruments.create_index([("grantor_tokens", 1), ("deposited_at", -1), ("_id", -1)])
        db.instruments.create_index([("notary_tokens", 1), ("deposited_at", -1), ("_id", -1)])
        db.instruments.insert_many([{"_id": f"i{n}", "grantors": grantors, "grantor_tokens": old, "current": True}
                                    for n in range(3)])
        CertificatesStore.ensure_indexes(db)  # what a start does first
        built = db.instruments.index_information()
        assert "notary_tokens_1_deposited_at_-1__id_-1" not in built
        assert "grantor_tokens_1_deposited_at_-1__id_-1" not in built
        assert len(built) == 1 + len(Protocol.indexes["instruments"])
        assert Protocol.backfill_grantor_search(db, batch=2) == 3
        for doc in db.instruments.find():
            assert doc["grantor_keys"] == domain.grantor_search(grantors)["grantor_keys"] and "grantor_tokens" not in doc
        db.instruments.insert_one({"_id": "later", "grantors": grantors})  # a marker spares later starts the scan
        assert Protocol.backfill_grantor_search(db) == 0
        assert "grantor_keys" not in db.instruments.find_one({"_id": "later"})
    finally:
        stack.client.drop_database(db.name)
