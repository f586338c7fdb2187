"""The instant a notice is made available (puesta a disposición), as plain Python.

Only the local DATE of ``available_at`` counts for deemed service (see
``domain.deemed_service_at``), so the date recorded must never be earlier than
the date on which the notice really became visible to the recipient, which is
the moment the transaction that creates it commits, a little after the clock
was read. Two guards, both conservative for the recipient:

1. If the clock is read within ``guard_seconds`` (5 s) before local midnight,
   wait until midnight has passed and read it again: the notice is then
   recorded on the new day, when it is committed.
2. Before committing, if local midnight has passed since ``available_at`` was
   read (a slow transaction), the work is redone with a new instant
   (:func:`crossed_local_midnight`).

Also, a notice is never available before it was issued: if this host's clock
is behind the producer's, ``available_at`` is raised to ``issued_at``.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Callable
from zoneinfo import ZoneInfo

from services.runtime.court_calendar import require_aware

MIDNIGHT_GUARD_SECONDS = 5.0


def seconds_to_local_midnight(now: datetime, tz: ZoneInfo) -> float:
    local = require_aware(now, "now").astimezone(tz)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), tzinfo=tz)
    return (midnight - local).total_seconds()


def availability_instant(now_fn: Callable[[], datetime], sleep_fn: Callable[[float], None], tz: ZoneInfo,
                         issued_at: datetime | None = None, guard_seconds: float = MIDNIGHT_GUARD_SECONDS) -> datetime:
    """The ``available_at`` to record now (see the module docstring)."""
    now = require_aware(now_fn(), "now")
    remaining = seconds_to_local_midnight(now, tz)
    if remaining <= guard_seconds:
        day = now.astimezone(tz).date()
        sleep_fn(remaining + 0.005)
        now = require_aware(now_fn(), "now")
        while now.astimezone(tz).date() == day:  # a sleep that woke a little early
            sleep_fn(0.01)
            now = require_aware(now_fn(), "now")
    if issued_at is not None and now < require_aware(issued_at, "issued_at"):
        now = require_aware(issued_at, "issued_at")
    return now


def crossed_local_midnight(available_at: datetime, now: datetime, tz: ZoneInfo) -> bool:
    """True when ``now`` falls on a later local date than ``available_at``."""
    return require_aware(now, "now").astimezone(tz).date() > require_aware(available_at, "available_at").astimezone(tz).date()
