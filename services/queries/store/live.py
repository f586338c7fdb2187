"""The changes to the public agenda after a resume token (``services.queries.live`` says what each one means;
``services.runtime.live`` reads them), for the gateways' cache of agenda pages."""
from services.queries import live
from services.runtime.live import read_changes


class Live:
    """Mixin of ``QueriesStore``."""

    indexes = {}

    def agenda_changes(self, after, wait_seconds, limit):
        return read_changes(self.db, live.agenda_pipeline(), live.agenda_change, after, wait_seconds, limit)
