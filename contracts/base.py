"""Base schema and shared pieces of every contract.

Every schema rejects unknown fields and reports errors in Spanish, naming the field.
"""
import json

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

from services.runtime.errors import validation_error

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


def _storable_text(value):
    """Text people wrote: not only blanks, and storable (no lone UTF-16 surrogates)."""
    if not value.strip():
        raise ValidationError("No puede estar en blanco.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValidationError("Contiene caracteres inválidos.")


def text(max_length, min_length=1, **kwargs):
    """A length-checked text field that is not blank."""
    return fields.String(
        validate=[validate.Length(min=min_length, max=max_length,
                                  error=f"Debe tener entre {min_length} y {max_length} caracteres."),
                  _storable_text],
        **kwargs,
    )


def one_of(choices, **kwargs):
    choices = list(choices)
    return fields.String(
        validate=validate.OneOf(choices, error="Valor no permitido. Use uno de: " + ", ".join(choices) + "."),
        **kwargs,
    )


def load(schema, data, message="La solicitud contiene datos inválidos."):
    """Validate and deserialize ``data``; raise ``ValidationFailed`` (422) naming each field."""
    try:
        return schema.load(data)
    except ValidationError as exc:
        raise validation_error(exc.messages, message)


ROLES = ("lawyer", "clerk", "judge", "citizen", "admin")


class ActorSchema(LenientSchema):
    """Who is calling: the authenticated identity the gateway passes with every call."""

    sub = text(128, required=True)
    role = one_of(ROLES, required=True)
    name = text(200, required=False, allow_none=True)
    bar_number = text(32, required=False, allow_none=True)
    court_id = text(16, required=False, allow_none=True)


def json_text(value):
    """JSON text as the API writes it (UTF-8 kept, no spaces); a service may answer with it ready-made."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


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


_ACTOR_SCHEMA = ActorSchema()
ACTOR_MEMO_SIZE = 4096  # identities validated recently, per process; forgotten all at once past this
_actor_memo = {}


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
            if len(_actor_memo) >= ACTOR_MEMO_SIZE:
                _actor_memo.clear()
            _actor_memo[key] = loaded
    return dict(loaded)


class PersonSchema(ContractSchema):
    """Who filed, reviewed, issued or receives something: the identity as it was at that moment."""

    sub = fields.String(required=True)
    name = fields.String(allow_none=True)
    bar_number = fields.String(allow_none=True)


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
