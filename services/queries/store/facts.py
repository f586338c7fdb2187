"""Applying facts (events, or the items of a snapshot) to one generation, inside the caller's transaction.

Every fact writes its case's document (a stub when the case is not known yet), so two facts of one case never
commit side by side unseen by each other: MongoDB makes one of the two transactions start again. That is what
lets a reservation reach every hearing and resolution of the case, even one written at the same moment.
"""
from services.queries import domain


class Facts:
    """Mixin of ``QueriesStore``."""

    def _case_write(self, session, generation, case_number, after):
        """Apply ``after(held)`` to the case; returns (held, new)."""
        cases = self.col(generation, "cases")
        held = cases.find_one({"_id": case_number}, session=session)
        new = after(held)
        writes = (held or {}).get("_writes", 0) + 1
        cases.replace_one({"_id": case_number}, {**new, "_writes": writes}, upsert=True, session=session)
        if new["reserved"] and not (held or {}).get("reserved"):
            for kind in ("hearings", "actuaciones"):
                self.col(generation, kind).update_many({"case_number": case_number, "reserved": False},
                                                       {"$set": {"reserved": True}}, session=session)
        return held, new

    def apply_case_opened(self, session, generation, data):
        _, case = self._case_write(session, generation, data["case_number"],
                                   lambda held: domain.case_after_opened(held, data))
        self.learn_court(session, case["court_id"], case["court_name"])
        if case["matter"] in domain.PUBLIC_MATTERS:
            for actuacion in self.col(generation, "actuaciones").find({"case_number": case["_id"]}, session=session):
                self.ensure_fetch(session, actuacion)
        return case

    def apply_case_reserved(self, session, generation, data):
        return self._case_write(session, generation, data["case_number"],
                                lambda held: domain.case_after_reserved(held, data))[1]

    def apply_resolution(self, session, generation, data):
        _, case = self._case_write(session, generation, data["case_number"],
                                   lambda held: domain.case_after_resolution(held, data))
        actuaciones = self.col(generation, "actuaciones")
        held = actuaciones.find_one({"_id": data["resolution_id"]}, session=session)
        actuacion = domain.actuacion_after(held, data, case)
        if actuacion != held:
            actuaciones.replace_one({"_id": actuacion["_id"]}, actuacion, upsert=True, session=session)
        self.learn_court(session, actuacion["court_id"], actuacion["court_name"])
        if actuacion["matter"] in domain.PUBLIC_MATTERS:
            self.ensure_fetch(session, actuacion)
        return actuacion

    def apply_hearing(self, session, generation, data):
        _, case = self._case_write(session, generation, data["case_number"],
                                   lambda held: domain.case_after_hearing(held, data))
        hearings = self.col(generation, "hearings")
        held = hearings.find_one({"_id": data["hearing_id"]}, session=session)
        hearing = domain.hearing_after(held, data, case)
        if hearing != held:
            hearings.replace_one({"_id": hearing["_id"]}, hearing, upsert=True, session=session)
        self.learn_court(session, hearing["court_id"], hearing["court_name"])
        return hearing

    APPLY = {"case_opened": "apply_case_opened", "case_reserved": "apply_case_reserved",
             "resolution_issued": "apply_resolution", "hearing_scheduled": "apply_hearing",
             "hearing_changed": "apply_hearing"}

    def apply_event(self, tx, event_type, data):
        """Apply one fact to every live generation, in the transaction ``tx``."""
        apply = getattr(self, self.APPLY[event_type])
        for generation in self.live_generations(tx.session):
            apply(tx.session, generation, data)

    # --- snapshots ---------------------------------------------------------------------------------------------
    SNAPSHOT_KINDS = {"cases": "case_opened", "resolutions": "resolution_issued", "hearings": "hearing_changed"}

    def apply_snapshot(self, generation, kind, items, chunk=100):
        """Apply the items of one snapshot page to ``generation`` only, ``chunk`` items per transaction (the
        same rules as events: a live event applied meanwhile and an item of the snapshot meet in version order)."""
        apply = getattr(self, self.APPLY[self.SNAPSHOT_KINDS[kind]])
        for start in range(0, len(items), chunk):
            part = items[start:start + chunk]
            self.transaction(lambda tx: [apply(tx.session, generation, data) for data in part])
