"""The reports' reads (rules in ``services.chat.reports``): the conversations opened in a period, read through a
cursor in the order (created_at, _id), a batch at a time, each batch with the figures of its messages computed by
MongoDB (one ``$group`` per batch over the messages' ``conversation_id`` index: the first user message, the first
reply written by a person, counts, the classifier's cues and labels). A report or an export of 100,000
conversations never holds them all: the summary keeps only counters and the durations, the export one page."""
from pymongo import ASCENDING, IndexModel

from services.chat import reports
from services.chat.store.common import CONVERSATIONS, MESSAGES

CURSOR_BATCH = 1000
FIELDS = ("_id", "channel", "line", "team", "area", "assignee", "status", "created_at", "resolved_at", "csat",
          "complaint", "sla", "sla_breached", "labels", "figures")

_IN = {"$eq": ["$direction", "in"]}
_BY_A_PERSON = {"$and": [{"$eq": ["$direction", "out"]}, {"$ne": [{"$ifNull": ["$author", None]}, None]}]}
MESSAGE_FIGURES = [
    {"$group": {"_id": "$conversation_id",
                "first_in": {"$min": {"$cond": [_IN, "$at", None]}},
                "first_reply": {"$min": {"$cond": [_BY_A_PERSON, "$at", None]}},
                "messages_in": {"$sum": {"$cond": [_IN, 1, 0]}},
                "messages_out": {"$sum": {"$cond": [_IN, 0, 1]}},
                "cues": {"$push": {"$cond": [_IN, {"$ifNull": ["$classification.cues", []]}, []]}},
                "classes": {"$push": {"$cond": [_IN, {"$ifNull": ["$classification.corrected.label",
                                                                  "$classification.label"]}, None]}}}},
]


def area_filter(area, area_lines):
    """The conversations of ``area``: their own area, else the team they were transferred to, else their line's
    team (``area_lines``: the lines whose team is ``area``). The inbox's filter and the reports' are this one."""
    return {"$or": [{"area": area},
                    {"area": {"$in": [None, ""]}, "team": area},
                    {"area": {"$in": [None, ""]}, "team": {"$in": [None, ""]}, "line": {"$in": list(area_lines)}}]}


class Reports:
    """Mixin of ``ChatStore``: the conversations of a report, with their messages' figures."""

    indexes = {CONVERSATIONS: [IndexModel([("created_at", ASCENDING), ("_id", ASCENDING)])]}

    @staticmethod
    def report_filter(period, line=None, agent=None, area=None, area_lines=()):
        """The conversations opened in ``period`` of the line, agent (assigned now) and area asked for; the area
        is the conversation's own, else the team it was transferred to, else its line's team
        (``area_lines``: the lines whose team is ``area``)."""
        clauses = [{"created_at": {"$gte": period.start, "$lt": period.end}}]
        if line:
            clauses.append({"line": line})
        if agent:
            clauses.append({"assignee.sub": agent})
        if area:
            clauses.append(area_filter(area, area_lines))
        return {"$and": clauses}

    def report_conversations(self, match, after=None, limit=None):
        """The matching conversations with their figures (``stats``), in (created_at, _id) order, after the
        key ``after`` ((created_at, _id)) if given, at most ``limit``; a generator that reads them in batches of
        ``CURSOR_BATCH`` and asks MongoDB for the figures of each batch's messages in one aggregation (one
        ``$group`` over the index of ``conversation_id``: far cheaper than a ``$lookup`` per conversation)."""
        if after is not None:
            created_at, conversation_id = after
            match = {"$and": [match, {"$or": [{"created_at": {"$gt": created_at}},
                                              {"created_at": created_at, "_id": {"$gt": conversation_id}}]}]}
        cursor = self.db[CONVERSATIONS].find(match, {name: 1 for name in FIELDS}).sort(
            [("created_at", ASCENDING), ("_id", ASCENDING)]).batch_size(CURSOR_BATCH)
        if limit is not None:
            cursor = cursor.limit(limit)
        batch = []
        for doc in cursor:
            batch.append(doc)
            if len(batch) == CURSOR_BATCH:
                yield from self._with_figures(batch)
                batch = []
        if batch:
            yield from self._with_figures(batch)

    def _with_figures(self, batch):
        figures = {row["_id"]: row for row in self.db[MESSAGES].aggregate(
            [{"$match": {"conversation_id": {"$in": [doc["_id"] for doc in batch]}}}, *MESSAGE_FIGURES])}
        for doc in batch:
            # a conversation the retention erased keeps its messages' figures (``figures``), taken before they went
            stats = dict(doc["figures"]) if doc.get("figures") else figures.get(doc["_id"]) or {}
            stats["cues"] = [cue for cues in stats.get("cues") or [] if isinstance(cues, list) for cue in cues]
            stats["classes"] = [label for label in stats.get("classes") or [] if label]
            doc["stats"] = stats
            yield doc

    def report_summary(self, match, lines, span=None):
        summary = reports.Summary(span)
        for doc in self.report_conversations(match):
            summary.add(reports.conversation_row(doc, lines))
        return summary.result()
