"""Auto-assignment: agents' presence, teams and capacity (``agents``), the conversations waiting for an
agent, and a lease (``locks``) so that one replica at a time hands them out (two replicas assigning at once
could both give the last free place of an agent)."""
import datetime

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.errors import DuplicateKeyError

from services.chat import domain
from services.chat.store.common import AGENTS, CONVERSATIONS
from services.runtime.mongo import MAJORITY, utcnow

LOCKS = "locks"
ASSIGN_LOCK = "auto_assign"
WAITING_BATCH = 200


class Assignment:
    """Mixin of ``ChatStore``: presence, agent settings, the waiting queue."""

    # the waiting queue in its order: priority (complaints) first, then the longest wait
    indexes = {CONVERSATIONS: [IndexModel([("status", ASCENDING), ("assignee", ASCENDING),
                                           ("waiting_since", ASCENDING)]),
                               IndexModel([("status", ASCENDING), ("assignee", ASCENDING), ("priority", DESCENDING),
                                           ("waiting_since", ASCENDING), ("_id", ASCENDING)])]}

    def set_presence(self, actor, presence, default_capacity):
        return self.db.get_collection(AGENTS, write_concern=MAJORITY).find_one_and_update(
            {"_id": actor["sub"]},
            {"$set": {"presence": presence, "presence_at": utcnow(), "name": actor.get("name"), "role": actor["role"]},
             "$setOnInsert": {"teams": [], "capacity": default_capacity, "last_assigned_at": None}},
            upsert=True, return_document=ReturnDocument.AFTER)

    def configure_agent(self, sub, teams, capacity):
        """A supervisor sets an agent's teams and capacity; None when no such agent has used the inbox."""
        return self.db.get_collection(AGENTS, write_concern=MAJORITY).find_one_and_update(
            {"_id": sub, "role": {"$in": list(domain.STAFF_ROLES)}},
            {"$set": {"teams": teams, "capacity": capacity, "updated_at": utcnow()}},
            return_document=ReturnDocument.AFTER)

    def agents(self):
        return list(self.db[AGENTS].find({"role": {"$in": list(domain.STAFF_ROLES)}}).sort("_id", ASCENDING))

    def loads(self):
        """{agent sub: open or pending conversations assigned to them}."""
        return {row["_id"]: row["count"] for row in self.db[CONVERSATIONS].aggregate([
            {"$match": {"status": {"$in": list(domain.LOADED_STATUSES)}, "assignee": {"$ne": None}}},
            {"$group": {"_id": "$assignee.sub", "count": {"$sum": 1}}}])}

    def assignee_teams(self, conversation, session=None):
        """The teams of the agent who has the conversation, or None when nobody has it."""
        assignee = conversation.get("assignee")
        if not assignee:
            return None
        agent = self.db[AGENTS].find_one({"_id": assignee["sub"]}, {"teams": 1}, session=session)
        return tuple((agent or {}).get("teams") or ())

    def area_staffed(self, area, session=None):
        """Whether some agent has ``area``'s team (online or not: they take its queue when they are)."""
        return self.db[AGENTS].find_one({"teams": area}, {"_id": 1}, session=session) is not None

    def agent_slots(self, default_capacity):
        loads = self.loads()
        return [domain.AgentSlot(a["_id"], a.get("presence") or domain.AWAY, tuple(a.get("teams") or ()),
                                 int(a.get("capacity") or default_capacity), loads.get(a["_id"], 0),
                                 a.get("last_assigned_at"))
                for a in self.agents()]

    def waiting(self, limit=WAITING_BATCH):
        """Open conversations nobody has, those with priority (complaints: ``domain.complaint_flags``) first, then
        the longest wait first: [(conversation_id, line, team it was transferred or routed to, or None)]."""
        return [(c["_id"], c["line"], c.get("team")) for c in self.db[CONVERSATIONS].find(
            {"status": domain.OPEN, "assignee": None}, {"line": 1, "team": 1}).sort(
            [("priority", DESCENDING), ("waiting_since", ASCENDING), ("_id", ASCENDING)]).limit(limit)]

    def auto_assign(self, conversation_id, agent, now):
        """Give a waiting conversation to ``agent`` if it is still unassigned and open."""
        done = self.db.get_collection(CONVERSATIONS, write_concern=MAJORITY).update_one(
            {"_id": conversation_id, "assignee": None, "status": domain.OPEN},
            {"$set": {"assignee": {"sub": agent["_id"], "name": agent.get("name")}, "assigned_at": now,
                      "assigned_by": "auto", "updated_at": now}})
        if done.modified_count:
            self.db[AGENTS].update_one({"_id": agent["_id"]}, {"$set": {"last_assigned_at": now}})
        return bool(done.modified_count)

    # --- the lease -----------------------------------------------------------------------------------------
    def take_lock(self, name, owner, seconds):
        now = utcnow()
        until = now + datetime.timedelta(seconds=seconds)
        try:
            self.db[LOCKS].update_one({"_id": name, "$or": [{"until": {"$lt": now}}, {"owner": owner}]},
                                      {"$set": {"owner": owner, "until": until}}, upsert=True)
            return True
        except DuplicateKeyError:  # held by another owner: the upsert found no free lock and collided
            return False

    def release_lock(self, name, owner):
        self.db[LOCKS].update_one({"_id": name, "owner": owner}, {"$set": {"until": utcnow()}})
