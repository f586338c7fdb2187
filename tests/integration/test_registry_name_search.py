"""The registry searched by name as an officer of UNAP types it: words of the name in any order, partial, without
accents or capitals, the shared rule of every search by name; a search with no letter or digit is refused and
audited as nothing; records stored before the rule get its keys when the service starts, once."""
import uuid

import pytest

from services.certificates import domain
from services.certificates.store import CertificatesStore
from services.certificates.store.registry import BY_NAME_KEY, Registry
from tests.support.certificates import new_cui, officer, record_body

pytestmark = pytest.mark.stack


def names_found(api, token, name, **params):
    response = api.get("/api/v1/criminal-records", token, params={"name": name, **params})
    assert response.status_code == 200, response.text
    return [r["name"] for r in response.json()["items"]]


def test_words_in_any_order_partial_and_without_accents_find_the_person(api, stack):
    unap = officer(stack)
    surname = "Xoyón" + uuid.uuid4().hex[:6]  # a surname of this test alone, on the shared registry
    people = [f"María José {surname} Pérez", f"José Antonio {surname} Ruiz", f"Ana Lucía Marroquín {surname}"]
    for number, name in enumerate(people):
        created = api.post_json("/api/v1/criminal-records",
                                record_body(new_cui(), case_number=f"01010-2020-{number:05d}", name=name), unap)
        assert created.status_code == 201, created.text
    plain = domain.name_search(surname)["name_search"]  # «xoyon…»
    # every one holding the word, by name («ana…», «jose…», «maria…»)
    assert names_found(api, unap, plain) == [people[2], people[1], people[0]]
    assert names_found(api, unap, f"perez {plain[:8]} MARIA") == [people[0]]
    assert names_found(api, unap, f"{surname.upper()} JOS") == [people[1], people[0]]
    assert names_found(api, unap, f"{plain} marr luc") == [people[2]]
    assert names_found(api, unap, f"{plain} tonio") == []  # the middle of a word is not its beginning
    assert len(names_found(api, unap, plain, limit=2)) == 2


def test_a_name_without_a_letter_or_digit_is_refused_and_nothing_is_audited(api, stack):
    sub = f"unap.{uuid.uuid4().hex[:8]}"
    unap = officer(stack, sub=sub)
    for name in ("---", "¿¡!?", "- . -"):
        response = api.get("/api/v1/criminal-records", unap, params={"name": name})
        assert response.status_code == 422, response.text
        assert "name" in response.json()["details"]["fields"], response.json()
    assert stack.db("certificates").audit.count_documents({"actor.sub": sub}) == 0


def test_records_stored_before_the_rule_get_its_keys_once_and_the_old_index_goes(stack):
    db = stack.client[f"backfill_{uuid.uuid4().hex[:8]}"]
    try:
        db.records.create_index([("name_search", 1)])
        db.records.insert_many([{"_id": f"r{n}", "name": f"Pedro Ejemplo Tum {n}", "name_search": f"pedro ejemplo tum {n}"}
                                for n in range(3)])
        CertificatesStore.ensure_indexes(db)  # what a start does first
        built = db.records.index_information()
        assert "name_search_1" not in built and BY_NAME_KEY in built
        assert Registry.backfill_name_search(db, batch=2) == 3
        for doc in db.records.find():
            assert {k: doc[k] for k in ("name_search", "name_prefixes", "name_keys")} == domain.name_search(doc["name"])
        db.records.insert_one({"_id": "later", "name": "Después Del Arranque"})  # a marker spares later starts the scan
        assert Registry.backfill_name_search(db) == 0
        assert "name_keys" not in db.records.find_one({"_id": "later"})
    finally:
        stack.client.drop_database(db.name)
