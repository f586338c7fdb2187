"""Base schema and shared pieces of every contract.

Every schema rejects unknown fields and reports errors in Spanish, naming the field.
"""
import hashlib
import json
import math

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from services.runtime.errors import BadRequest, validation_error
from services.runtime.memo import BoundedMemo

# Spanish default messages for every marshmallow field type used in contracts.
_MESSAGES = {
    fields.Field: {
        "required": "Este campo es obligatorio.",
        "null": "Este campo no puede ser nulo.",
        "validator_failed": "Valor inválido.",
    },
    fields.String: {"invalid": "Debe ser un texto.", "invalid_utf8": "No es un texto UTF-8 válido."},
    fields.Integer: {"invalid": "Debe ser un número entero.", "too_large": "El número es demasiado grande."},
    fields.Number: {"invalid": "Debe ser un número.", "too_large": "El número es demasiado grande."},
    fields.Boolean: {"invalid": "Debe ser verdadero o falso."},
    fields.DateTime: {"invalid": "Debe ser una fecha y hora ISO-8601.", "invalid_awareness": "La fecha y hora debe indicar la zona horaria."},
    fields.AwareDateTime: {"invalid": "Debe ser una fecha y hora ISO-8601.", "invalid_awareness": "La fecha y hora debe indicar la zona horaria."},
    fields.Date: {"invalid": "Debe ser una fecha AAAA-MM-DD."},
    fields.List: {"invalid": "Debe ser una lista."},
    fields.Dict: {"invalid": "Debe ser un objeto."},
    fields.Nested: {"type": "Debe ser un objeto."},
    fields.Email: {"invalid": "No es una dirección de correo válida."},
    fields.UUID: {"invalid_uuid": "No es un identificador válido."},
}
for _cls, _messages in _MESSAGES.items():
    _cls.default_error_messages = {**getattr(_cls, "default_error_messages", {}), **_messages}


class ContractSchema(Schema):
    """Strict schema: unknown fields are an error."""

    class Meta:
        unknown = RAISE

    error_messages = {
        "unknown": "Campo no permitido.",
        "type": "Se esperaba un objeto JSON.",
    }


class LenientSchema(ContractSchema):
    """For messages whose producers may add fields (newer event versions)."""

    class Meta:
        unknown = EXCLUDE


# Text people wrote: at least one character that is not blank, and no NUL. One regular expression states
# both, so the OpenAPI document says exactly what is checked; it runs in linear time (the leading blanks and
# the first visible character cannot overlap, and the rest is one class). The blanks are listed, not written \s:
# Python's \s and a JSON Schema's (ECMAScript's) are not the same set (U+0085 and U+001C-U+001F are blanks only
# to Python, U+FEFF only to ECMAScript), and a client must be able to tell from the document what is refused.
BLANK = r"\t\n\v\f\r \x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
TEXT_PATTERN = rf"^[{BLANK}]*[^{BLANK}\x00][^\x00]*$"
# Any other text: no NUL (it cannot be shown, and it truncates strings in many programs that read ours).
PLAIN_TEXT_PATTERN = r"^[^\x00]*$"
HEX_ID_PATTERN = r"^[0-9a-f]{32}$"
MAX_PLAIN_TEXT = 4096


def storable_text(value):
    """No lone UTF-16 surrogates: such a string cannot be stored or shown."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Contiene caracteres inválidos.")


def text(max_length, min_length=1, **kwargs):
    """A length-checked text field that is not blank."""
    return fields.String(
        validate=[validate.Length(min=min_length, max=max_length,
                                  error=f"Debe tener entre {min_length} y {max_length} caracteres."),
                  validate.Regexp(TEXT_PATTERN, error="No puede estar en blanco ni contener el carácter NUL."),
                  storable_text],
        **kwargs,
    )


def plain_text(max_length=MAX_PLAIN_TEXT, **kwargs):
    """Text that may be empty (a value copied from a document we issued, say): bounded, no NUL."""
    return fields.String(
        validate=[validate.Length(max=max_length, error=f"Máximo {max_length} caracteres."),
                  validate.Regexp(PLAIN_TEXT_PATTERN, error="No puede contener el carácter NUL."), storable_text],
        **kwargs,
    )


def pattern_text(pattern, error, **kwargs):
    """Text of a fixed form (an identifier, a code)."""
    return fields.String(validate=validate.Regexp(pattern, error=error), **kwargs)


def hex_id(**kwargs):
    return pattern_text(HEX_ID_PATTERN, "Identificador inválido: 32 caracteres hexadecimales.", **kwargs)


def one_of(choices, **kwargs):
    choices = list(choices)
    return fields.String(
        validate=validate.OneOf(choices, error="Valor no permitido. Use uno de: " + ", ".join(choices) + "."),
        **kwargs,
    )


_SCHEMAS = {}  # schema class -> its one instance (making one costs about four times a load)


def load(schema, data, message="La solicitud contiene datos inválidos."):
    """Validate and deserialize ``data`` with ``schema`` (a class: its one shared instance; or an instance made
    with options); raise ``ValidationFailed`` (422) naming each field."""
    if isinstance(schema, type):
        schema = _SCHEMAS.get(schema) or _SCHEMAS.setdefault(schema, schema())
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise validation_error(exc.messages, message)


ROLES = ("lawyer", "clerk", "judge", "citizen", "admin", "records_officer", "chat_agent", "chat_supervisor", "notary",
         "archive_officer")


class ActorSchema(LenientSchema):
    """Who is calling: the authenticated identity the gateway passes with every call."""

    sub = text(128, required=True)
    role = one_of(ROLES, required=True)
    name = text(200, required=False, allow_none=True)
    bar_number = text(32, required=False, allow_none=True)
    court_id = text(16, required=False, allow_none=True)
    id_number = text(32, required=False, allow_none=True)  # a citizen's CUI


SYSTEM_ROLE = "system"  # a component's own identity (``system:<what>``), never a person's: no token carries it


class CallerSchema(ActorSchema):
    """Who calls a service: a person's identity (``ActorSchema``, the gateway's check of a token or session), or
    a component's own (role ``system``, e.g. the gateway's live hub, ``contracts.live.LIVE_SYSTEM_ACTOR``); each
    service decides what, if anything, a system identity may do."""

    role = one_of(ROLES + (SYSTEM_ROLE,), required=True)


def json_text(value):
    """JSON text as the API writes it (UTF-8 kept, no spaces); a service may answer with it ready-made."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def json_etag(body: bytes) -> str:
    """The ETag of an answer's bytes: the first 128 bits of their SHA-256, quoted (a service that answers with
    ready-made JSON sends its tag with it, the same the gateway would compute)."""
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def prepared_json(value) -> dict:
    """``value`` as an answer the gateway sends as it is: its JSON text (UTF-8) and that text's ETag, made once
    (a service keeps it while the value holds) instead of again on every request."""
    body = json_text(value).encode("utf-8")
    return {"body": body, "etag": json_etag(body)}


MAX_JSON_DEPTH = 32
INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1


def json_int(text_value):
    """A JSON integer as the bus can carry it: beyond 64 bits (msgpack's limit) it is read as the nearest
    float, as RFC 8259 §6 allows, so a schema's integer field refuses it by its type or range, naming the
    field, and a free-form value (an evidence document under verification) is carried as a number."""
    number = int(text_value)
    return number if INT64_MIN <= number <= INT64_MAX else float(number)


def check_carriable(value, field="body", max_depth=MAX_JSON_DEPTH):
    """Refuse, naming the field, a decoded JSON value no service should receive: text with lone surrogates
    (not Unicode: 400 ``malformed_json``), numbers too large for a double and nesting deeper than
    ``max_depth`` (422). One pass, no recursion. NUL in text is refused by the text fields of each schema
    (``TEXT_PATTERN``, ``PLAIN_TEXT_PATTERN``)."""
    stack = [(value, "", 1)]
    while stack:
        item, path, depth = stack.pop()
        kind = type(item)
        path = path or field
        if kind is str:
            _check_unicode(item, path)
        elif kind is float:
            if not math.isfinite(item):  # "1e400" is JSON syntax, but no number anyone can store or send back
                raise validation_error({path: ["El número está fuera del rango admitido."]})
        elif kind is dict or kind is list:
            if depth > max_depth:
                raise validation_error({path: [f"Anidamiento excesivo (máximo {max_depth} niveles)."]})
            prefix = "" if path == field else path + "."
            if kind is dict:
                for key, child in item.items():
                    _check_unicode(key, path)
                    stack.append((child, f"{prefix}{key}", depth + 1))
            else:
                stack.extend((child, f"{prefix}{index}", depth + 1) for index, child in enumerate(item))
    return value


def _check_unicode(text_value, path):
    try:
        text_value.encode("utf-8")
    except UnicodeEncodeError:
        raise BadRequest("malformed_json", "El JSON contiene texto que no es Unicode válido.",
                         {"field": path, "fields": {path: "Texto que no es Unicode válido."}})


def json_depth(value, limit):
    """Depth of a decoded JSON value, counted without recursion; stops counting past ``limit``."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list)):
            deepest = max(deepest, depth)
            if deepest > limit:
                return deepest
            stack.extend((child, depth + 1) for child in (item.values() if isinstance(item, dict) else item))
    return deepest


_ACTOR_SCHEMA = CallerSchema()
ACTOR_MEMO_SIZE = 4096  # identities validated recently, per process; the oldest forgotten first past this
_actor_memo = BoundedMemo(ACTOR_MEMO_SIZE)


def _actor_key(actor):
    """A hashable form of an identity made only of text fields, or None (validated every time then)."""
    if type(actor) is not dict or len(actor) > 8:
        return None
    for key, value in actor.items():
        if type(key) is not str or (value is not None and type(value) is not str):
            return None
    return tuple(sorted(actor.items()))


def load_actor(actor):
    """The caller's identity passed with every call, validated (one shared schema instance). The same
    identity arrives on every call of a session: a valid one is remembered, so it is validated once."""
    key = _actor_key(actor)
    loaded = _actor_memo.get(key) if key is not None else None
    if loaded is None:
        loaded = load(_ACTOR_SCHEMA, actor, "Identidad del solicitante inválida.")
        if key is not None:
            _actor_memo.put(key, loaded)
    return dict(loaded)


class PersonSchema(ContractSchema):
    """Who filed, reviewed, issued or receives something: the identity as it was at that moment."""

    sub = fields.String(required=True)
    name = fields.String(allow_none=True)
    bar_number = fields.String(allow_none=True)


class NoQuerySchema(ContractSchema):
    """The query of an operation that takes no parameters: any parameter is a 422 naming it."""


class EchoQuerySchema(ContractSchema):
    value = plain_text(64, required=False)


class ErrorSchema(ContractSchema):
    error = fields.String(required=True, metadata={"description": "Código estable del error"})
    message = fields.String(required=True, metadata={"description": "Mensaje en español para personas"})
    details = fields.Dict(required=True, metadata={"description": "Campos con problemas u otros datos"})


class EventEnvelopeSchema(ContractSchema):
    """Every event on the bus: the facts (``data``) and their identity."""

    event_id = text(64, required=True)
    event_type = text(64, required=True)
    source = text(64, required=True)
    version = fields.Integer(required=True)
    occurred_at = fields.String(required=True)
    correlation_id = fields.String(required=False, allow_none=True)
    data = fields.Dict(required=True)
