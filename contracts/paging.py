"""Cursor pagination, one way for every list: newest first, ``limit`` items, then ``next_cursor``.

A cursor names the position after the last item of a page: that item's instant (UTC milliseconds) and its
key, written ``<milliseconds>_<key>``. Every value of that form is a position in the order, so the API never
refuses a well-formed cursor; a cursor reveals nothing the client did not already see on the page.
"""
import datetime

from marshmallow import fields, validate

CURSOR_PATTERN = r"^\d{1,14}_[0-9A-Za-z-]{1,64}$"
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def cursor_field(**kwargs):
    return fields.String(validate=validate.Regexp(CURSOR_PATTERN, error="Cursor inválido: use el next_cursor de la "
                                                                      "página anterior."),
                         metadata={"description": "El next_cursor de la página anterior"}, **kwargs)


def limit_field(maximum, **kwargs):
    return fields.Integer(validate=validate.Range(min=1, max=maximum, error=f"Entre 1 y {maximum}."), **kwargs)


def encode_cursor(instant, key):
    millis = (instant.astimezone(datetime.timezone.utc) - _EPOCH) // datetime.timedelta(milliseconds=1)
    return f"{millis}_{key}"


def decode_cursor(text):
    """(instant, key) of a cursor already checked against CURSOR_PATTERN."""
    millis, _, key = text.partition("_")
    return _EPOCH + datetime.timedelta(milliseconds=int(millis)), key


def after(cursor, instant_field, key_field="_id"):
    """The MongoDB filter of the items after ``cursor`` in (instant desc, key desc) order."""
    instant, key = cursor
    return {"$or": [{instant_field: {"$lt": instant}}, {instant_field: instant, key_field: {"$lt": key}}]}


def page(docs, limit, instant_field, key_field="_id"):
    """The first ``limit`` of ``docs`` (fetched with one more) and the cursor of the next page, or None."""
    items = docs[:limit]
    more = len(docs) > limit
    return items, (encode_cursor(items[-1][instant_field], items[-1][key_field]) if more and items else None)
