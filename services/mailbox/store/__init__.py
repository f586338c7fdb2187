"""MongoDB persistence of the mailbox service (database ``<prefix>_mailbox``): one ``MailboxStore``
(``services.runtime.mongo.Store``) composed of one mixin per area.

| area | module | collections |
|---|---|---|
| creating and reading notices | ``notices`` | notifications (see ``records``); alerts (the e-mail queue) |
| serving them: access, lapse, deemed instant | ``serving`` | notifications |
| closures and the calendar | ``calendar`` | closures; meta (their version, so every replica rebuilds its calendar) |
| profiles | ``profiles`` | profiles (``_id`` = user sub: e-mail and alert consent) |
| the documents' cache | ``documents`` | GridFS bucket ``documents`` (the resolutions' PDFs) |
| audit lookups | ``audit`` | audit (reads and denied attempts; written through ``Store.audit``) |
| real time (the stream's events) | ``live`` | none: reads the change stream of notifications |

Besides: keys (the development signing key only, ``services.mailbox.keys``) and dead_letters (events that
can never apply, ``Store.dead_letter``).
"""
from services.mailbox.domain import ALL_COURTS
from services.mailbox.store.audit import AuditLookups
from services.mailbox.store.calendar import Closures
from services.mailbox.store.common import SOURCE, new_id
from services.mailbox.store.documents import Documents
from services.mailbox.store.live import Live
from services.mailbox.store.notices import CONSUMER, SETTLED_CACHE_SIZE, Notices
from services.mailbox.store.profiles import Profiles
from services.mailbox.store.serving import LAPSE_BATCH, NoticeService
from services.runtime.gauges import queue_backlog
from services.runtime.mongo import Store

__all__ = ["ALL_COURTS", "CONSUMER", "LAPSE_BATCH", "SETTLED_CACHE_SIZE", "SOURCE", "MailboxStore", "new_id"]

AREAS = (Notices, NoticeService, Closures, Profiles, Documents, AuditLookups, Live)


class MailboxStore(*AREAS, Store):
    database = "mailbox"
    publishes_events = True
    cached_collections = ("meta",)
    event_carriers = ("notifications",)  # the first opening serves a notice with one write (_first_access)
    backlogs = (queue_backlog("alert_queue_emails", "alerts",
                              "Alert e-mails waiting to be sent (pending, due or in backoff)",
                              age="alert_queue_oldest_age_seconds"),)
    indexes = {collection: models for area in AREAS for collection, models in getattr(area, "indexes", {}).items()}
