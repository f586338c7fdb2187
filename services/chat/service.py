"""The chat service (CHAT PJBC): lawyers write over WhatsApp, court staff answer from one inbox.
Entrypoints only."""
import json
import logging

from contracts import paging
from contracts.base import load, load_actor
from contracts.chat import (AgentSettingsRequestSchema, AssignRequestSchema, ConversationListQuerySchema,
                            CorrectionRequestSchema, LabelsRequestSchema, NoteRequestSchema, PresenceRequestSchema, ReplyRequestSchema,
                            StatusRequestSchema, TransferRequestSchema)
from services.chat import domain, errors, views, workers
from services.chat.graph import Graph
from services.chat.settings import ChatSettings
from services.chat.store import ChatStore
from services.runtime.config import SettingsProvider
from services.runtime.mongo import Mongo, utcnow
from services.runtime.observability import Observability, counter
from services.runtime.rpc import rpc
from services.runtime.signatures import valid_signature
from services.runtime.timers import config_timer
from services.runtime.workqueue import default_owner

log = logging.getLogger(__name__)

PROCESS_OWNER = default_owner()  # this process, as the holder of the auto-assignment lease
ASSIGN_LEASE_SECONDS = 30

webhooks_stored = counter("chat", "webhooks_stored_total", "Webhook payloads stored, by outcome (new, duplicate)",
                          ["outcome"])
inbound_applied = counter("chat", "inbound_applied_total", "What stored payloads brought (message, status, unrouted)",
                          ["kind"])
auto_assigned = counter("chat", "auto_assignments_total", "Conversations handed to an agent by round robin")
media_fetched = counter("chat", "media_total", "Media of inbound messages, by outcome (stored, refused, failed)",
                        ["outcome"])
replies_sent = counter("chat", "replies_total", "Replies through the Graph API, by outcome (sent, retry, failed)",
                       ["outcome"])


class ChatService:
    name = "chat"

    store = Mongo(ChatStore)
    observability = Observability()
    settings = SettingsProvider(ChatSettings)

    # --- helpers ---------------------------------------------------------------------------------------------
    def _staff(self, actor, action, target):
        """The caller, if chat staff; otherwise the refusal is audited and raised."""
        actor = load_actor(actor)
        if not domain.is_staff(actor):
            self.store.audit(actor, action, target, "denied")
            raise errors.staff_only(actor["role"])
        self.store.seen_agent(actor)
        return actor

    def _conversation(self, actor, conversation_id, action):
        doc = self.store.conversation(conversation_id)
        if doc is None:
            self.store.audit(actor, action, f"conversation:{conversation_id}", "not_found")
            raise errors.conversation_not_found(conversation_id)
        return doc

    def _summary(self, doc):
        return views.conversation_summary(doc, self.settings.lines, utcnow())

    # --- health --------------------------------------------------------------------------------------------------
    @rpc
    def health(self):
        return self.store.health()

    # --- the webhook ---------------------------------------------------------------------------------------------
    @rpc
    def receive_webhook(self, raw, signature):
        """Store a payload WhatsApp posted, as it arrived, before the gateway answers 200. The gateway checked
        its signature; checked again here, where the data lives."""
        if not isinstance(raw, bytes) or not valid_signature(self.settings.app_secret, raw, signature):
            raise errors.invalid_signature()
        if len(raw) > self.settings.max_webhook_bytes:
            raise errors.webhook_too_large(self.settings.max_webhook_bytes)
        try:
            payload = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError):
            raise errors.invalid_webhook({"body": "JSON mal formado."})
        problems = domain.webhook_problems(payload)
        if problems:
            raise errors.invalid_webhook(problems)
        payload_id, new = self.store.store_webhook(raw)
        webhooks_stored.labels("new" if new else "duplicate").inc()
        return {"status": "received", "payload_id": payload_id}

    @config_timer("CHAT_INBOUND_INTERVAL", 0.5)
    def process_webhooks(self):
        workers.process_webhooks(self.store, self.settings.lines, inbound_applied)

    @config_timer("CHAT_SEND_INTERVAL", 0.5)
    def send_replies(self):
        settings = self.settings
        graph = Graph(settings.graph_url, settings.api_version, settings.access_token, settings.graph_timeout)
        workers.send_replies(self.store, graph, settings, replies_sent)

    @config_timer("CHAT_MEDIA_INTERVAL", 1)
    def fetch_media(self):
        settings = self.settings
        graph = Graph(settings.graph_url, settings.api_version, settings.access_token, settings.graph_timeout)
        workers.fetch_media(self.store, graph, settings.max_media_bytes, media_fetched)

    @config_timer("CHAT_ASSIGN_INTERVAL", 1)
    def assign_waiting(self):
        """Round robin among the online agents of each line's team, within capacity; what finds nobody waits
        for the next run (an agent who comes online, a conversation resolved, a capacity raised)."""
        store = self.store
        if not store.take_lock("auto_assign", PROCESS_OWNER, ASSIGN_LEASE_SECONDS):
            return
        try:
            waiting = store.waiting()
            if not waiting:
                return
            teams = {line_id: line["team"] for line_id, line in self.settings.lines.items()}
            now = utcnow()
            agents = {a["_id"]: a for a in store.agents()}
            plan = domain.assign_queue(waiting, teams, store.agent_slots(self.settings.agent_capacity), now)
            for conversation_id, sub in plan:
                if store.auto_assign(conversation_id, agents[sub], now):
                    auto_assigned.inc()
        finally:
            store.release_lock("auto_assign", PROCESS_OWNER)

    @config_timer("CHAT_SNOOZE_INTERVAL", 30)
    def wake_snoozed(self):
        woken = self.store.wake_snoozed(utcnow())
        if woken:
            log.info("snoozed conversations reopened", extra={"count": woken})

    # --- lines ------------------------------------------------------------------------------------------------------
    @rpc
    def list_lines(self, actor):
        self._staff(actor, "list_lines", "lines")
        return {"items": [views.line_view(line) for line in self.settings.lines.values()]}

    # --- agents ---------------------------------------------------------------------------------------------------
    @rpc
    def set_presence(self, actor, body):
        actor = self._staff(actor, "set_presence", "agents")
        body = load(PresenceRequestSchema(), body)
        doc = self.store.set_presence(actor, body["status"], self.settings.agent_capacity)
        return views.agent_view(doc, self.store.loads().get(doc["_id"], 0), self.settings.agent_capacity)

    @rpc
    def configure_agent(self, actor, agent_sub, body):
        actor = self._staff(actor, "configure_agent", f"agent:{agent_sub}")
        if actor["role"] != domain.SUPERVISOR:
            self.store.audit(actor, "configure_agent", f"agent:{agent_sub}", "denied")
            raise errors.supervisor_only()
        body = load(AgentSettingsRequestSchema(), body)
        doc = self.store.configure_agent(agent_sub, sorted(set(body["teams"])), body["capacity"])
        if doc is None:
            raise errors.agent_not_found(agent_sub)
        self.store.audit(actor, "configure_agent", f"agent:{agent_sub}", "allowed", body)
        return views.agent_view(doc, self.store.loads().get(doc["_id"], 0), self.settings.agent_capacity)

    @rpc
    def list_agents(self, actor):
        self._staff(actor, "list_agents", "agents")
        loads = self.store.loads()
        return {"items": [views.agent_view(doc, loads.get(doc["_id"], 0), self.settings.agent_capacity)
                          for doc in self.store.agents()]}

    # --- the inbox ---------------------------------------------------------------------------------------------------
    @rpc
    def list_conversations(self, actor, query=None):
        actor = self._staff(actor, "list_conversations", "conversations")
        query = load(ConversationListQuerySchema(), query or {})
        limit = query.get("limit", 20)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        items, next_cursor = paging.page(self.store.list_conversations(query, limit, cursor), limit,
                                         "last_message_at")
        self.store.audit(actor, "list_conversations", "conversations", "allowed", {"count": len(items)})
        return {"items": [self._summary(d) for d in items], "next_cursor": next_cursor}

    @rpc
    def get_conversation(self, actor, conversation_id):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "read_conversation", target)
        doc = self._conversation(actor, conversation_id, "read_conversation")
        messages = self.store.messages_of(doc["_id"])
        notes = self.store.notes_of(doc["_id"])
        self.store.audit(actor, "read_conversation", target, "allowed", {"messages": len(messages)})
        return views.conversation_view(doc, messages, notes, self.settings.lines, utcnow())

    @rpc
    def get_media(self, actor, conversation_id, message_id):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "read_media", target)
        doc = self._conversation(actor, conversation_id, "read_media")
        message = self.store.message(message_id)
        if message is None or message["conversation_id"] != doc["_id"]:
            self.store.audit(actor, "read_media", target, "not_found", {"message_id": message_id})
            raise errors.media_not_found(message_id)
        data = self.store.media_content(message)
        if data is None:
            self.store.audit(actor, "read_media", target, "not_found", {"message_id": message_id})
            raise errors.media_not_found(message_id)
        self.store.audit(actor, "read_media", target, "allowed", {"message_id": message_id})
        media = message["media"]
        return {"content": data, "mime_type": media["stored_mime_type"], "sha256": media["stored_sha256"],
                "filename": media.get("filename") or f"{message_id}"}

    @rpc
    def reply(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "reply", target)
        body = load(ReplyRequestSchema(), body)
        doc = self._conversation(actor, conversation_id, "reply")
        now = utcnow()
        template = body.get("template")
        if template is not None:
            problem = domain.template_problem(template, self.settings.templates)
            if problem:
                raise errors.unknown_template(problem, self.settings.templates)
        elif not domain.window_open(doc.get("last_user_message_at"), now):
            raise errors.outside_window(views.iso(domain.window_closes_at(doc.get("last_user_message_at"))),
                                        self.settings.templates)
        author = {"sub": actor["sub"], "name": actor.get("name")}
        message = self.store.queue_reply(doc, author, body.get("text"), workers.send_policy(self.settings),
                                         template=template)
        self.store.audit(actor, "reply", target, "allowed", {"message_id": message["_id"]})
        return views.message_view(message)

    @rpc
    def add_note(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "add_note", target)
        body = load(NoteRequestSchema(), body)
        doc = self._conversation(actor, conversation_id, "add_note")
        note = self.store.add_note(doc["_id"], {"sub": actor["sub"], "name": actor.get("name")}, body["text"])
        self.store.audit(actor, "add_note", target, "allowed", {"note_id": note["_id"]})
        return views.note_view(note)

    @rpc
    def set_status(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "set_status", target)
        body = load(StatusRequestSchema(), body)
        problem = domain.snooze_problem(body["status"], body.get("snoozed_until"), utcnow())
        if problem:
            raise errors.invalid_status(problem)
        doc = self._conversation(actor, conversation_id, "set_status")
        doc = self.store.set_status(doc["_id"], body["status"], body.get("snoozed_until"))
        self.store.audit(actor, "set_status", target, "allowed", {"status": body["status"]})
        return self._summary(doc)

    @rpc
    def correct_classification(self, actor, conversation_id, message_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "correct_classification", target)
        body = load(CorrectionRequestSchema(), body)
        doc = self._conversation(actor, conversation_id, "correct_classification")
        message = self.store.message(message_id)
        if message is None or message["conversation_id"] != doc["_id"] or not message.get("classification"):
            raise errors.not_classified(message_id)
        message = self.store.correct_classification(message, body["label"], actor["sub"])
        self.store.audit(actor, "correct_classification", target, "allowed",
                         {"message_id": message_id, "label": body["label"]})
        return views.message_view(message)

    @rpc
    def set_labels(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "set_labels", target)
        body = load(LabelsRequestSchema(), body)
        doc = self._conversation(actor, conversation_id, "set_labels")
        doc = self.store.set_labels(doc["_id"], sorted(set(body["labels"])))
        self.store.audit(actor, "set_labels", target, "allowed", {"labels": doc["labels"]})
        return self._summary(doc)

    @rpc
    def transfer(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "transfer", target)
        body = load(TransferRequestSchema(), body)
        teams = sorted({line["team"] for line in self.settings.lines.values()})
        if body["team"] not in teams:
            raise errors.unknown_team(body["team"], teams)
        doc = self._conversation(actor, conversation_id, "transfer")
        doc = self.store.transfer(doc["_id"], body["team"])
        self.store.audit(actor, "transfer", target, "allowed", {"team": body["team"]})
        return self._summary(doc)

    @rpc
    def assign(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "assign", target)
        body = load(AssignRequestSchema(), body)
        doc = self._conversation(actor, conversation_id, "assign")
        current = (doc.get("assignee") or {}).get("sub")
        if not domain.may_assign(actor, current, body["agent"]):
            self.store.audit(actor, "assign", target, "denied", {"agent": body["agent"]})
            raise errors.assign_forbidden()
        assignee = None
        if body["agent"] is not None:
            agent = self.store.agent(body["agent"])
            if agent is None or agent.get("role") not in domain.STAFF_ROLES:
                raise errors.agent_not_found(body["agent"])
            assignee = {"sub": agent["_id"], "name": agent.get("name")}
        updated = self.store.assign(doc["_id"], current, assignee)
        if updated is None:
            raise errors.assignment_changed()
        self.store.audit(actor, "assign", target, "allowed", {"agent": body["agent"]})
        return self._summary(updated)
