"""What the OpenAPI document states is what the API checks: the patterns of text and instants, tried on the
values where Python's and a JSON Schema's regular expressions (ECMAScript's) could disagree, and on every day of
the century."""
import datetime
import re

import pytest
from marshmallow import Schema, ValidationError

from contracts.base import TEXT_PATTERN
from contracts.filings import INSTANT_PATTERN, Instant


@pytest.mark.parametrize("value, accepted", [
    ("Audiencia suspendida", True), ("  a", True), ("\u0085x", True),
    ("", False), ("   ", False), ("\x00", False), ("a\x00", False),
    # blank to Python only (U+0085, U+001C-U+001F), to ECMAScript only (U+FEFF), to both (U+3000, U+2007)
    ("\u0085", False), ("\x1c\x1f", False), ("\ufeff", False), ("\u3000\u2007", False), ("\u2028", False),
])
def test_text_not_blank_whatever_the_regular_expression_engine(value, accepted):
    assert bool(re.match(TEXT_PATTERN, value)) is accepted


def test_the_instant_pattern_holds_every_day_of_the_century_and_no_other():
    pattern = re.compile(INSTANT_PATTERN)
    for year in range(2000, 2100):
        for month in range(1, 13):
            for day in range(1, 32):
                try:
                    datetime.date(year, month, day)
                    exists = True
                except ValueError:
                    exists = False
                assert bool(pattern.match(f"{year}-{month:02d}-{day:02d}T09:30:00-06:00")) is exists, (year, month, day)


class _Slot(Schema):
    starts_at = Instant(required=True)


@pytest.mark.parametrize("value, message", [
    ("2056-04-31T02:46+07:00", "no existe en el calendario"),
    ("2027-02-29T10:00Z", "no existe en el calendario"),
    ("2026-03-10T09:00", "Indique la zona horaria"),
    ("1999-12-31T09:00Z", "ISO 8601 con zona horaria"),
])
def test_an_instant_refused_says_why(value, message):
    with pytest.raises(ValidationError) as refused:
        _Slot().load({"starts_at": value})
    assert message in refused.value.messages["starts_at"][0]


def test_an_instant_is_loaded_in_utc():
    loaded = _Slot().load({"starts_at": "2028-02-29T09:00:00-06:00"})["starts_at"]
    assert loaded == datetime.datetime(2028, 2, 29, 15, tzinfo=datetime.timezone.utc)
