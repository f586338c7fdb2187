"""What the filings service has stored, to prove a refused request changed nothing."""
WATCHED = ("cases", "filings", "resolutions", "documents.files", "documents.chunks", "idempotency", "outbox",
           "hearings", "hearing_versions", "hearing_rooms")


def snapshot(stack):
    db = stack.db("filings")
    state = {name: db[name].count_documents({}) for name in WATCHED}
    state["case numbers spent"] = sum(c.get("seq", 0) for c in db.counters.find())
    state["filings reviewed"] = db.filings.count_documents({"status": {"$ne": "received"}})
    state["attorneys"] = sum(len(c["attorneys"]) for c in db.cases.find({}, {"attorneys": 1}))
    state["folios"] = sum(c["next_folio"] for c in db.cases.find({}, {"next_folio": 1}))
    state["case versions"] = sum(c.get("case_version", 1) for c in db.cases.find({}, {"case_version": 1}))
    state["reserved"] = db.cases.count_documents({"reserved": True})
    state["hearing changes"] = sum(h["version"] for h in db.hearings.find({}, {"version": 1}))
    return state
