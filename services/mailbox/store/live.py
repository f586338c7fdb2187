"""Real time: the notices made available and opened, read from MongoDB's change stream of the mailbox database
(``services.mailbox.live`` says what each one means; ``services.runtime.live`` reads them). Nothing is written."""
import time

from services.mailbox import live
from services.runtime.live import read_changes


class Live:
    """Mixin of ``MailboxStore``: the mailbox events of some owners after a resume token."""

    indexes = {}

    def live_changes(self, recipients, after, wait_seconds, limit, clock=time.monotonic):
        """The events of the mailboxes of ``recipients`` (their ``sub``) after the resume token ``after``
        (``services.runtime.live.read_changes``), each with its owner's unread count now (``Notices.unread_count``)."""
        result = read_changes(self.db, live.pipeline(recipients), live.event_of, after, wait_seconds, limit, clock)
        live.with_unread(result["events"], self.unread_count)
        return result
