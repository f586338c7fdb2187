"""A consumer of filings events for the tests: records every delivery and
applies each event once, with the same runtime pieces real consumers use."""
from services.runtime.events import event
from services.runtime.mongo import Mongo, Store, utcnow
from services.runtime.observability import Observability


class ProbeStore(Store):
    database = "probe"


class ProbeService:
    name = "probe"

    store = Mongo(ProbeStore)
    observability = Observability()

    @event("filings", "resolution_issued")
    def on_resolution_issued(self, envelope):
        self.store.db.deliveries.insert_one({"event_id": envelope["event_id"], "at": utcnow()})

        def apply(tx, env):
            self.store.db.applied.insert_one({"event_id": env["event_id"],
                                              "resolution_id": env["data"]["resolution_id"]}, session=tx.session)

        self.store.run_once("probe.on_resolution_issued", envelope, apply)
