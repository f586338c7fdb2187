"""Real time: the changes of the inbox's collections, read from MongoDB's change stream of the chat database
(``services.chat.live`` says what each one means; ``services.runtime.live`` reads them)."""
import time

from services.chat import live
from services.runtime.live import read_changes


class Live:
    """Mixin of ``ChatStore``: the inbox's events after a resume token."""

    indexes = {}

    def live_changes(self, after, wait_seconds, limit, clock=time.monotonic, keep=None):
        """The inbox's events after the resume token ``after`` (``services.runtime.live.read_changes``); ``keep``:
        only those it accepts (a lawyer's own web conversation)."""
        return read_changes(self.db, live.pipeline(), live.event_of, after, wait_seconds, limit, clock, keep)
