"""A search a user typed is read within a time limit (``services.runtime.mongo.bounded``): words that narrow nothing
would otherwise make one request read every document of a collection of millions (measured on the notarial archive
with 2,000,000 deposits: the grantor «8 9» read all of them, 11.7 s of the database's time). Past the limit the
search is refused with 422 search_too_broad naming its field, and the database stops reading; nothing is changed."""
import uuid

import pytest

from services.runtime.errors import ValidationFailed
from services.runtime.mongo import bounded

pytestmark = pytest.mark.stack


@pytest.fixture(scope="module")
def collection(stack):
    db = stack.client[f"bounded_{uuid.uuid4().hex[:8]}"]
    db.items.insert_many([{"n": n, "words": [f"palabra{n % 97}", "otra"]} for n in range(60_000)])
    yield db.items
    stack.client.drop_database(db.name)


def test_a_search_within_the_limit_answers_its_documents(collection):
    assert [d["n"] for d in bounded(collection.find({"n": {"$lt": 3}}).sort("n", 1), "q")] == [0, 1, 2]


def test_a_search_that_reads_too_much_is_refused_naming_its_field(collection):
    # no document has that word: the whole collection is read, far longer than a millisecond
    with pytest.raises(ValidationFailed) as refused:
        bounded(collection.find({"words": "8 9"}), "grantor", max_ms=1)
    error = refused.value
    assert (error.status, error.code) == (422, "search_too_broad")
    assert set(error.details["fields"]) == {"grantor"} and "demasiado amplia" in error.message
    assert collection.count_documents({}) == 60_000
