"""Changes to the public agenda, read from the change stream of the queries database: what each one means for the
agenda pages kept by this service's processes (``services.queries.pages``) and by the gateways
(``gateway.agenda``, through ``QueriesService.agenda_changes``)."""
from services.queries.store.generations import META

HEARINGS_SUFFIX = "_hearings"


def agenda_pipeline():
    """The changes that can change an agenda page: any write to a generation's hearings, and the generation pointer
    (a rebuild's switch)."""
    return [{"$match": {"$or": [{"ns.coll": {"$regex": f"{HEARINGS_SUFFIX}$"}}, {"ns.coll": META}]}},
            {"$project": {"operationType": 1, "ns": 1, "fullDocument.court_id": 1}}]


def agenda_change(change):
    """What a change means for the agenda pages: ``{"id", "type": "court", "data": {"court_id"}}`` (an insert or a
    replace of one hearing, the read model's only writes of one: that court's pages) or ``{"id", "type": "all"}``
    (anything else: a reservation's ``update_many``, a drop, the generation pointer). ``id``: the change's resume
    token (``services.runtime.live``), which sorts in the order of the changes."""
    court_id = (change.get("fullDocument") or {}).get("court_id")
    token = change["_id"]["_data"]
    if change["operationType"] in ("insert", "replace") and court_id \
            and change.get("ns", {}).get("coll", "").endswith(HEARINGS_SUFFIX):
        return {"id": token, "type": "court", "data": {"court_id": court_id}}
    return {"id": token, "type": "all", "data": {}}


def token_of(stream):
    token = stream.resume_token
    return token["_data"] if token else None
