"""Real time (``services.runtime.live``, ``gateway.live``): what the gateway's hub asks a service's
``live_changes`` and what it answers. A service's own module names its event types."""
from marshmallow import fields, validate

from contracts.base import ContractSchema, one_of, pattern_text

LIVE_ID_PATTERN = r"^[0-9A-Fa-f]{2,1024}$"
MAX_RECIPIENTS = 5000  # the audiences one gateway hub asks a service for at once (gateway.live)


class LiveChangesRequestSchema(ContractSchema):
    """``<service>.live_changes``: the events after a resume token (the gateway's stream asks it)."""

    after = pattern_text(LIVE_ID_PATTERN, "Identificador de evento inválido.", required=False, allow_none=True)
    wait_seconds = fields.Float(required=False, validate=validate.Range(min=0, max=20))
    limit = fields.Integer(required=False, validate=validate.Range(min=1, max=1000))


def live_event_schema(types):
    """The schema of one event of a service whose event types are ``types``."""
    class LiveEventSchema(ContractSchema):
        id = fields.String(required=True, metadata={"description": "Para Last-Event-ID al reconectar"})
        type = one_of(types, required=True)
        data = fields.Dict(required=True, metadata={"description": "Identificadores y estados; nunca textos ni "
                                                                   "nombres"})
        audience = fields.String(required=False, metadata={"description": "De quién es el evento (el gateway lo "
                                                                          "entrega solo a sus flujos y no lo envía)"})

    return LiveEventSchema


def live_changes_schema(types):
    """The schema of ``<service>.live_changes``'s answer."""
    event_schema = live_event_schema(types)

    class LiveChangesSchema(ContractSchema):
        events = fields.List(fields.Nested(event_schema), required=True)
        last_id = fields.String(allow_none=True, required=True,
                                metadata={"description": "Dónde sigue la próxima lectura"})
        reset = fields.Boolean(required=True, metadata={"description": "true: no se pudo seguir desde after; lo "
                                                                       "mostrado debe leerse de nuevo"})

    return LiveChangesSchema
