"""An error's arguments cross the broker as data (numbers, booleans, null), and whatever msgpack cannot pack as
its text: a detail never turns the answer into a 500."""
import datetime

import kombu.serialization

from services.runtime.errors import Conflict
from services.runtime.rpc import serialize_error


def test_details_keep_their_types_and_what_cannot_be_packed_becomes_text():
    when = datetime.datetime(2026, 12, 6, tzinfo=datetime.timezone.utc)
    error = Conflict("x", "Mensaje", {"max_bytes": 1000, "open": True, "closed_at": None, "ratio": 0.5,
                                       "huge": 2 ** 70, "when": when, "items": ({"n": 1},)})
    details = serialize_error(error)["exc_args"][2]
    assert details == {"max_bytes": 1000, "open": True, "closed_at": None, "ratio": 0.5, "huge": str(2 ** 70),
                       "when": str(when), "items": [{"n": 1}]}
    kombu.serialization.dumps({"result": None, "error": serialize_error(error)}, "msgpack")


def test_other_exceptions_are_serialized_as_nameko_does():
    assert serialize_error(ValueError(5))["exc_args"] == ["5"]
