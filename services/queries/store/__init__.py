"""MongoDB persistence of the queries service (database ``<prefix>_queries``): one ``QueriesStore``
(``services.runtime.mongo.Store``) composed of one mixin per area. It holds only what events (and the
snapshot a rebuild pages out of filings) told it; no other service's database is ever read.

| area | module | collections |
|---|---|---|
| generations and the pointer | ``generations`` | meta (``generation``), ``<g>_cases``, ``<g>_hearings``, ``<g>_actuaciones`` |
| applying facts | ``facts`` | the generation's collections (inbox: ``Store.run_once``) |
| public reads | ``reads`` | the current generation's collections |
| PDFs of public resolutions | ``documents`` | GridFS bucket ``pdfs``; fetches (the queue of copies to fetch) |
| courts | ``courts`` | courts |

Besides: inbox (events applied, once each) and dead_letters (events that can never apply).
"""
from services.queries.store.courts import Courts
from services.queries.store.documents import BUCKET, FETCHES, Documents
from services.queries.store.facts import Facts
from services.queries.store.generations import (GENERATION_INDEXES, KINDS, META, POINTER, Generations,
                                                RebuildRunning, collection_name)
from services.queries.store.live import Live
from services.queries.store.reads import Reads
from services.runtime.mongo import Store

__all__ = ["BUCKET", "FETCHES", "GENERATION_INDEXES", "KINDS", "META", "POINTER", "QueriesStore",
           "RebuildRunning", "collection_name", "comparable"]

AREAS = (Generations, Facts, Reads, Documents, Courts, Live)
BOOKKEEPING = ("_writes", "stage_version")  # how a document was reached, not what it says


def comparable(doc):
    """A document of a generation without its bookkeeping: two generations built from the same facts, by
    events or by a snapshot, hold equal comparables."""
    return {key: value for key, value in doc.items() if key not in BOOKKEEPING}


class QueriesStore(*AREAS, Store):
    database = "queries"
    cached_collections = (META, "courts")
    indexes = {collection: models for area in AREAS for collection, models in getattr(area, "indexes", {}).items()}

    @classmethod
    def setup_data(cls, db):
        cls.setup_pointer(db)
