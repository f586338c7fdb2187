"""MongoDB persistence of the filings service (database ``<prefix>_filings``): one ``FilingsStore``
(``services.runtime.mongo.Store``) composed of one mixin per area.

| area | module | collections |
|---|---|---|
| courts and cases | ``cases`` | courts (reference data), counters (case numbering), cases |
| writs and their review | ``filings`` | filings |
| resolutions | ``resolutions`` | resolutions |
| documents | ``documents`` | GridFS bucket ``documents`` (PDFs, byte for byte; staged, then attached) |
| hearings | ``hearings`` | hearings (as they stand), hearing_versions (every version, never changed), hearing_rooms (one per court and room: what makes two schedules into one room conflict) |
| final sentences | ``convictions`` | final_sentences (a penal sentence declared final with its convictions, once) |
| public snapshot | ``public`` | none of its own: pages of cases, resolutions and hearings shaped as their events |

Besides: idempotency (Idempotency-Key records, ``services.runtime.idempotency``), audit (reads and denied
attempts, ``Store.audit``), the outbox and dead_letters.
"""
from services.filings.store.cases import COURTS, DOCKET_CACHE_SIZE, Cases
from services.filings.store.common import SOURCE, new_id
from services.filings.store.convictions import Convictions
from services.filings.store.documents import BUCKET, Documents
from services.filings.store.filings import Filings, filing_view, receipt
from services.filings.store.hearings import Hearings, hearing_view, version_view
from services.filings.store.public import PublicSnapshot
from services.filings.store.resolutions import Resolutions, resolution_receipt
from services.runtime.idempotency import IdempotentStore, Replay
from services.runtime.mongo import Store
from services.runtime.staging import document_info

__all__ = ["BUCKET", "COURTS", "DOCKET_CACHE_SIZE", "SOURCE", "FilingsStore", "Replay", "document_info",
           "filing_view", "hearing_view", "new_id", "receipt", "resolution_receipt", "version_view"]

AREAS = (Cases, Filings, Resolutions, Hearings, PublicSnapshot, Documents, IdempotentStore, Convictions)


class FilingsStore(*AREAS, Store):
    database = "filings"
    publishes_events = True
    cached_collections = ("cases",)
    indexes = {collection: models for area in AREAS for collection, models in area.indexes.items()}
