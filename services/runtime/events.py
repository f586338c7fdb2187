"""Consuming events: validated against the contract, applied once, never dropped on error.

    @event("filings", "resolution_issued")
    def on_resolution_issued(self, event):      # event: the validated envelope
        self.store.run_once("mailbox.on_resolution_issued", event, apply)

A message that does not match its contract can never succeed: it is logged
(with its event id and the contract errors) and acknowledged. Any other failure
requeues the message after a short pause, so a database that is down delays
events but loses none.
"""
import logging
import time

from marshmallow import ValidationError
from nameko.events import EventHandler

from contracts.base import EventEnvelopeSchema
from contracts.events import schema_for

log = logging.getLogger(__name__)

RETRY_PAUSE_SECONDS = 1.0
_ENVELOPE = EventEnvelopeSchema()


def validate_event(body, event_type):
    """Return the envelope with ``data`` loaded by the event's schema, or raise ValidationError."""
    envelope = _ENVELOPE.load(body)
    if envelope["event_type"] != event_type:
        raise ValidationError({"event_type": [f"expected {event_type}"]})
    envelope["data"] = schema_for(event_type).load(envelope["data"])
    return envelope


class PortalEventHandler(EventHandler):
    def __init__(self, source_service, event_type, **kwargs):
        kwargs.setdefault("requeue_on_error", True)
        super().__init__(source_service, event_type, **kwargs)

    def handle_message(self, body, message):
        try:
            body = validate_event(body, self.event_type)
        except ValidationError as exc:
            log.error("event rejected: does not match its contract",
                      extra={"event_type": self.event_type, "errors": exc.messages,
                             "event_id": body.get("event_id") if isinstance(body, dict) else None})
            self.queue_consumer.ack_message(message)
            return
        super().handle_message(body, message)

    def handle_message_processed(self, message, result=None, exc_info=None):
        if exc_info is not None and self.requeue_on_error:
            log.warning("event handler failed; the event will be retried",
                        extra={"event_type": self.event_type, "error": repr(exc_info[1])})
            time.sleep(RETRY_PAUSE_SECONDS)
        super().handle_message_processed(message, result, exc_info)


event = PortalEventHandler.decorator
