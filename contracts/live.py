"""Real time (``services.runtime.live``, ``gateway.live``): what the gateway's hub asks a service's
``live_changes`` and what it answers. A service's own module names its event types."""
from marshmallow import fields, validate

from contracts.base import SYSTEM_ROLE, ContractSchema, one_of, pattern_text, text

LIVE_ID_PATTERN = r"^[0-9A-Fa-f]{2,1024}$"
MAX_RECIPIENTS = 5000  # the audiences one gateway hub asks a service for at once (gateway.live)
# the identity the gateway's hub calls with when it reads the events of the owners of its open streams
LIVE_SYSTEM_ACTOR = {"sub": "system:live", "role": SYSTEM_ROLE}


class LiveChangesRequestSchema(ContractSchema):
    """``<service>.live_changes``: the events after a resume token (the gateway's stream asks it)."""

    after = pattern_text(LIVE_ID_PATTERN, "Identificador de evento inválido.", required=False, allow_none=True)
    wait_seconds = fields.Float(required=False, validate=validate.Range(min=0, max=20))
    limit = fields.Integer(required=False, validate=validate.Range(min=1, max=1000))


class OwnedLiveChangesRequestSchema(LiveChangesRequestSchema):
    """A stream of one person's events (``mailbox.live_changes``, ``chat.web_live_changes``): the events after a
    resume token. ``recipients``: the owners (their ``sub``) whose streams are open in the asking gateway (its hub
    asks for all of them at once, with ``LIVE_SYSTEM_ACTOR``); without it, the caller's own. Who may name whom:
    ``live_recipients``."""

    recipients = fields.List(text(128), required=False, validate=validate.Length(min=1, max=MAX_RECIPIENTS))


def is_live_system(actor):
    """Whether ``actor`` is the gateway's live hub (``LIVE_SYSTEM_ACTOR``)."""
    return actor.get("role") == SYSTEM_ROLE and actor.get("sub") == LIVE_SYSTEM_ACTOR["sub"]


def live_recipients(actor, recipients):
    """Whose events a read of a stream of one person's events answers, or None when ``actor`` may not ask for
    ``recipients`` (the service refuses with 403 and audits it). The gateway's hub (``LIVE_SYSTEM_ACTOR``) names
    the owners of its open streams, each authenticated by the gateway, and must name someone; anyone else (the
    service has checked that they may follow their own events) reads their own only: ``recipients`` absent, or
    exactly their own ``sub``."""
    if is_live_system(actor):
        return sorted(set(recipients)) if recipients else None
    if recipients is None or list(recipients) == [actor["sub"]]:
        return [actor["sub"]]
    return None


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
