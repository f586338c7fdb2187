"""The chat service (CHAT PJBC): lawyers write over WhatsApp or from the portal (the web channel), court staff answer
Entrypoints only."""
import json
import logging
import secrets

from contracts import paging
from contracts.base import load, load_actor
from contracts.chat import (AgentSettingsRequestSchema, AssignRequestSchema, ConversationListQuerySchema,
                            CorrectionRequestSchema, InquiryAnswerRequestSchema, InquiryListQuerySchema,
                            InquiryRequestSchema, LabelsRequestSchema, LiveChangesRequestSchema, NoteRequestSchema,
                            PresenceRequestSchema, ReplyRequestSchema, ReportQuerySchema, StatusRequestSchema,
                            TransferRequestSchema)
from contracts.chat import (CannedResponseRequestSchema, CannedResponseUpdateSchema, LinkConfirmSchema,
                            LinkRequestSchema, StaffUnlinkRequestSchema, WebMessageRequestSchema)
from contracts.live import OwnedLiveChangesRequestSchema, is_live_system, live_recipients
from services.chat import domain, errors, hours, reports, views, workers
from services.chat.graph import Graph
from services.chat.settings import ChatSettings
from services.chat.store import ChatStore, new_id as store_id
from services.chat.store.canned import EXISTS, FULL
from services.chat.store.links import LinkRateLimited
from services.chat.store.levels import LevelRules
from services.runtime.config import SettingsProvider
from services.runtime.idempotency import Replay, Request, replay
from services.runtime.mongo import Mongo, utcnow
from services.runtime.observability import Observability, counter, histogram
from services.runtime.rpc import call, proxy, rpc
from services.runtime.signatures import valid_signature
from services.runtime.timers import config_timer
from services.runtime.workqueue import default_owner, in_parallel

log = logging.getLogger(__name__)

PROCESS_OWNER = default_owner()  # this process, as the holder of the auto-assignment lease
ASSIGN_LEASE_SECONDS = 30

# business hours and SLA (services.chat.hours): the first response's time counted in business seconds of the line
FIRST_RESPONSE_BUCKETS = (30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 14400, 28800, 57600, 115200)
first_response_time = histogram("chat", "first_response_seconds", "Time to the first reply by a person, in business "
                                "seconds of the line", ["line"], buckets=FIRST_RESPONSE_BUCKETS)
sla_breaches = counter("chat", "sla_breaches_total", "SLA targets missed (first_response, next_response, resolution), "
                       "each counted once per conversation", ["kind", "line"])
out_of_office_replies = counter("chat", "out_of_office_replies_total", "Out-of-office replies queued", ["line"])
REPORT_PAGE = 1000  # conversations per page of the per-conversation export

webhooks_stored = counter("chat", "webhooks_stored_total", "Webhook payloads stored, by outcome (new, duplicate)",
                          ["outcome"])
inbound_applied = counter("chat", "inbound_applied_total", "What stored payloads brought (message, status, unrouted), "
                          "and the lawyers' web messages (web)", ["kind"])
auto_assigned = counter("chat", "auto_assignments_total", "Conversations handed to an agent by round robin")
links_counted = counter("chat", "links_total", "Lawyers' WhatsApp numbers linked to their accounts, by event (requested, "
                        "rate_limited, linked, replaced, wrong_code, expired, locked, unlinked, unlinked_by_staff)", ["event"])
media_fetched = counter("chat", "media_total", "Media of inbound messages, by outcome (stored, refused, failed)",
                        ["outcome"])
replies_sent = counter("chat", "replies_total", "Replies through the Graph API, by outcome (sent, retry, failed)",
                       ["outcome"])
inquiries_counted = counter("chat", "inquiries_total", "Inquiries to a court or an area, by event (asked, answered, "
                            "answered_late)", ["event"])
canned_replies = counter("chat", "canned_replies_total", "Replies whose text started with /, by outcome (expanded, "
                         "escaped, unknown, invalid, too_long)", ["outcome"])
surveys_queued = counter("chat", "csat_surveys_total", "Satisfaction surveys on resolve, by how (interactive, "
                         "template, skipped: outside the window without a template)", ["via"])
csat_answers = counter("chat", "csat_answers_total", "Satisfaction survey answers stored, by score (1 to 5)",
                      ["score"])
complaints_flagged = counter("chat", "complaints_total", "Conversations flagged as a complaint by an inbound message "
                             "(or reopened by one), by the area whose targets they follow", ["area"])
conversations_erased = counter("chat", "conversations_erased_total", "Conversations whose personal data the retention "
                               "erased (CHAT_RETENTION_DAYS after they were resolved and last touched)")
RETENTION_ACTOR = {"sub": "system:retention", "role": "system"}  # who erases, in the audit log
RETENTION_LEASE_SECONDS = workers.BUDGET_SECONDS * 6


class ChatService:
    name = "chat"

    store = Mongo(ChatStore)
    observability = Observability()
    settings = SettingsProvider(ChatSettings)
    filings = proxy("filings")  # the courts an inquiry may be sent to (filings.list_courts)

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
        """The conversation (not erased), or 404 audited. Also for what a write returned: a conversation the
        retention marked between the read and the write is not written (the store's writes answer None)."""
        doc = self.store.conversation(conversation_id)
        return self._written(actor, conversation_id, action, doc)

    def _written(self, actor, conversation_id, action, result):
        if result is None:
            self.store.audit(actor, action, f"conversation:{conversation_id}", "not_found")
            raise errors.conversation_not_found(conversation_id)
        return result

    def _summary(self, doc, links=None):
        """A conversation as the inbox lists it, with the lawyer its number is linked to (``links``: {wa_id: link}
        already read for a page; None: read here)."""
        if links is None:
            links = self.store.linked_lawyers([doc["wa_id"]])
        return {**views.conversation_summary(doc, self.settings.lines, utcnow()),
                "lawyer": views.conversation_lawyer(doc, links.get(doc["wa_id"]))}

    def _area_lines(self, area):
        """The configured lines whose team is ``area`` (a conversation never transferred belongs to its line's)."""
        return [key for key, line in self.settings.lines.items() if line["team"] == area] if area else []

    # --- health --------------------------------------------------------------------------------------------------
    @rpc
    def health(self):
        return self.store.health()

    # --- real time -------------------------------------------------------------------------------------------------
    @rpc
    def live_changes(self, actor, request):
        """The inbox's events after a resume token (``services.chat.live``), for the gateway's stream: chat staff
        only. They carry identifiers and states, nothing personal, so reading them is not audited; the content
        is read through the audited inbox calls."""
        actor = load_actor(actor)
        if not domain.is_staff(actor):
            self.store.audit(actor, "live_changes", "conversations", "denied")
            raise errors.staff_only(actor["role"])
        request = load(LiveChangesRequestSchema, request or {})
        return self.store.live_changes(request.get("after"), request.get("wait_seconds", 0),
                                       request.get("limit", 500))

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
        payload_id, new = self.store.store_webhook(raw, domain.payload_senders(payload))
        webhooks_stored.labels("new" if new else "duplicate").inc()
        return {"status": "received", "payload_id": payload_id}

    @config_timer("CHAT_INBOUND_INTERVAL", 0.5)
    def process_webhooks(self):
        if not self.store.webhook_queue().due():
            return
        rules, count = self._level_rules(), self.settings.inbound_concurrency
        in_parallel(count, lambda i: workers.process_webhooks(  # each applier its shares: a user's payloads in order
            self.store, self.settings.lines, inbound_applied, rules, self._inbound_heard, domain.shards_of(i, count)))

    @config_timer("CHAT_SEND_INTERVAL", 0.1)
    def send_replies(self):
        """Several senders side by side; a reply waits for the earlier ones of its conversation (``workers``)."""
        settings = self.settings
        if not self.store.send_queue(workers.send_policy(settings)).due():
            return
        graph = Graph(settings.graph_url, settings.api_version, settings.access_token, settings.graph_timeout)
        in_parallel(settings.send_concurrency, lambda _: workers.send_replies(self.store, graph, settings, replies_sent))

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

    @config_timer("CHAT_RETENTION_INTERVAL", 3600)
    def erase_expired(self):
        """Retention: erase the personal data of the conversations resolved and untouched for CHAT_RETENTION_DAYS
        (``workers.erase_expired``); one replica at a time; each run's conversations audited before they go."""
        store, days = self.store, self.settings.retention_days
        if not store.take_lock("retention", PROCESS_OWNER, RETENTION_LEASE_SECONDS):
            return
        try:
            def audit(ids):
                store.audit(RETENTION_ACTOR, "erase_conversations", "conversations", "allowed",
                            {"count": len(ids), "conversation_ids": ids, "retention_days": days})

            erased = workers.erase_expired(store, utcnow(), days, audit)
            if erased:
                conversations_erased.inc(len(erased))
        finally:
            store.release_lock("retention", PROCESS_OWNER)

    # --- business hours and SLA ------------------------------------------------------------------------------------
    def _level_rules(self):
        settings = self.settings
        return LevelRules(settings.hours, settings.sla_policies, workers.send_policy(settings), settings.complaints_area)

    @staticmethod
    def _inbound_heard(line, outcome):
        """What a stored user message did to the service levels, the satisfaction survey and the complaint flag,
        counted once its transaction committed."""
        if outcome.out_of_office_id:
            out_of_office_replies.labels(line).inc()
        for kind in outcome.breaches:
            sla_breaches.labels(kind, line).inc()
        if outcome.csat_score is not None:
            csat_answers.labels(str(outcome.csat_score)).inc()
        if outcome.complaint_area is not None:
            complaints_flagged.labels(outcome.complaint_area).inc()

    @config_timer("CHAT_SLA_INTERVAL", 30)
    def check_service_levels(self):
        """Flag the SLA targets that passed unmet, even if nothing else happens in the conversation."""
        workers.check_service_levels(self.store, utcnow(), lambda line, kind: sla_breaches.labels(kind, line).inc())

    def _sla_replied(self, doc, message):
        """After a person's reply: the first response's business time, and a target it met late."""
        sla = (self.store.conversation(doc["_id"]) or {}).get("sla") or {}
        if sla.get("first_response_at") != message["at"]:
            return
        line_hours = self.settings.hours.get(doc["line"])
        if line_hours is not None and sla.get("started_at") is not None:
            first_response_time.labels(doc["line"]).observe(
                hours.business_seconds(line_hours, sla["started_at"], message["at"]))
        before = ((doc.get("sla") or {}).get("breaches")) or []
        if hours.FIRST_RESPONSE in sla.get("breaches", []) and hours.FIRST_RESPONSE not in before:
            sla_breaches.labels(hours.FIRST_RESPONSE, doc["line"]).inc()

    def _sla_resolved(self, doc):
        """Resolving stops the SLA clocks; what was overdue then is a breach."""
        after, missed = self.store.sla_resolved(doc["_id"], utcnow())
        for kind in missed:
            sla_breaches.labels(kind, doc["line"]).inc()
        return after or doc

    # --- lines ------------------------------------------------------------------------------------------------------
    @rpc
    def list_lines(self, actor):
        self._staff(actor, "list_lines", "lines")
        now = utcnow()
        return {"items": [{**views.line_view(line), "hours": views.hours_view(self.settings.hours[line_id], now)}
                          for line_id, line in self.settings.lines.items()]}

    @rpc
    def list_areas(self, actor):
        """The chat's areas (where a conversation is transferred or an inquiry sent), with the lines whose team
        each is and which one receives the complaints."""
        self._staff(actor, "list_areas", "areas")
        lines = self.settings.lines
        return {"items": [{"area": area, "lines": [key for key, line in lines.items() if line["team"] == area],
                           "complaints": area == self.settings.complaints_area}
                          for area in self.settings.areas()]}

    @rpc
    def list_templates(self, actor):
        self._staff(actor, "list_templates", "templates")
        return {"items": [dict(template) for template in self.settings.templates]}

    # --- agents ---------------------------------------------------------------------------------------------------
    @rpc
    def set_presence(self, actor, body):
        actor = self._staff(actor, "set_presence", "agents")
        body = load(PresenceRequestSchema, body)
        doc = self.store.set_presence(actor, body["status"], self.settings.agent_capacity)
        return views.agent_view(doc, self.store.loads().get(doc["_id"], 0), self.settings.agent_capacity)

    @rpc
    def configure_agent(self, actor, agent_sub, body):
        actor = self._staff(actor, "configure_agent", f"agent:{agent_sub}")
        if actor["role"] != domain.SUPERVISOR:
            self.store.audit(actor, "configure_agent", f"agent:{agent_sub}", "denied")
            raise errors.supervisor_only()
        body = load(AgentSettingsRequestSchema, body)
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
        query = load(ConversationListQuerySchema, query or {})
        if query.get("area") and query["area"] not in self.settings.areas():
            raise errors.unknown_area(query["area"], self.settings.areas())
        limit = query.get("limit", 20)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        docs = self.store.list_conversations(query, limit, cursor, self._area_lines(query.get("area")))
        items, next_cursor = paging.page(docs, limit, "last_message_at")
        self.store.audit(actor, "list_conversations", "conversations", "allowed", {"count": len(items)})
        links = self.store.linked_lawyers(d["wa_id"] for d in items)
        return {"items": [self._summary(d, links) for d in items], "next_cursor": next_cursor}

    @rpc
    def get_conversation(self, actor, conversation_id):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "read_conversation", target)
        doc = self._conversation(actor, conversation_id, "read_conversation")
        messages = self.store.messages_of(doc["_id"])
        notes = self.store.notes_of(doc["_id"])
        self.store.audit(actor, "read_conversation", target, "allowed", {"messages": len(messages)})
        view = views.conversation_view(doc, messages, notes, self.settings.lines, utcnow())
        view["lawyer"] = views.conversation_lawyer(doc, self.store.linked_lawyers([doc["wa_id"]]).get(doc["wa_id"]))
        view["inquiries"] = [views.inquiry_view(i, utcnow()) for i in self.store.inquiries_of(doc["_id"])]
        return view

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
        body = load(ReplyRequestSchema, body)
        doc = self._conversation(actor, conversation_id, "reply")
        now = utcnow()
        template, text, canned = body.get("template"), None, None
        if template is not None and domain.is_web(doc):
            raise errors.template_not_for_web()
        if template is not None:
            problem = domain.template_problem(template, self.settings.templates)
            if problem:
                raise errors.unknown_template(problem, self.settings.templates)
        else:
            text, canned = self._expanded(body["text"])  # a /shortcode, before anything is queued
            if not domain.reply_window_open(doc, now):  # the web channel has no 24-hour window
                raise errors.outside_window(views.iso(domain.window_closes_at(doc.get("last_user_message_at"))),
                                            self.settings.templates)
        author = {"sub": actor["sub"], "name": actor.get("name")}
        message = self._written(actor, conversation_id, "reply", self.store.queue_reply(
            doc, author, text, workers.send_policy(self.settings), template=template, canned=canned))
        self._sla_replied(doc, message)
        self.store.audit(actor, "reply", target, "allowed",
                         {"message_id": message["_id"], **({"canned": canned} if canned else {})})
        return views.message_view(message)

    def _expanded(self, text):
        """What a reply's text sends (``domain.reply_shortcut``) and the shortcode it used, or a refusal."""
        shortcut = domain.reply_shortcut(text)
        if shortcut.kind == domain.PLAIN:
            return text, None
        if shortcut.kind == domain.NOT_A_SHORTCODE:
            canned_replies.labels("invalid").inc()
            raise errors.not_a_shortcode(shortcut.shortcode)
        canned_text = None
        if shortcut.kind == domain.SHORTCODE:
            doc = self.store.canned_response(shortcut.shortcode)
            if doc is None:
                canned_replies.labels("unknown").inc()
                raise errors.unknown_canned_response(shortcut.shortcode)
            canned_text = doc["text"]
        expanded = domain.expanded_text(shortcut, canned_text)
        problem = domain.expansion_problem(expanded)
        if problem:
            canned_replies.labels("too_long").inc()
            raise errors.expanded_too_long(problem)
        canned_replies.labels("expanded" if shortcut.kind == domain.SHORTCODE else "escaped").inc()
        return expanded, shortcut.shortcode if shortcut.kind == domain.SHORTCODE else None

    @rpc
    def add_note(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "add_note", target)
        body = load(NoteRequestSchema, body)
        doc = self._conversation(actor, conversation_id, "add_note")
        note = self._written(actor, conversation_id, "add_note", self.store.add_note(
            doc["_id"], {"sub": actor["sub"], "name": actor.get("name")}, body["text"]))
        self.store.audit(actor, "add_note", target, "allowed", {"note_id": note["_id"]})
        return views.note_view(note)

    @rpc
    def set_status(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "set_status", target)
        body = load(StatusRequestSchema, body)
        problem = domain.snooze_problem(body["status"], body.get("snoozed_until"), utcnow())
        if problem:
            raise errors.invalid_status(problem)
        doc = self._conversation(actor, conversation_id, "set_status")
        was = doc
        doc = self._written(actor, conversation_id, "set_status",
                            self.store.set_status(doc["_id"], body["status"], body.get("snoozed_until")))
        doc = self._survey_if_resolved(was, doc)  # the satisfaction survey, once per resolution
        if body["status"] == domain.RESOLVED:
            doc = self._sla_resolved(doc)
        self.store.audit(actor, "set_status", target, "allowed", {"status": body["status"]})
        return self._summary(doc)

    def _survey_if_resolved(self, was, doc):
        """A conversation that was not resolved and now is gets its satisfaction survey queued; of two resolves
        at once, only one (the store's write is conditional on the survey seen before)."""
        if doc is None or doc["status"] != domain.RESOLVED or was["status"] == domain.RESOLVED:
            return doc
        seen = (was.get("csat") or {}).get("survey_id")
        settings = self.settings
        doc = self.store.queue_survey(doc["_id"], seen, utcnow(), workers.send_policy(settings),
                                      settings.survey_template())
        survey = doc.get("csat") or {}
        if survey.get("survey_id") and survey["survey_id"] != seen:
            surveys_queued.labels(survey.get("via") or "skipped").inc()
        return doc

    # --- reports -------------------------------------------------------------------------------------------------------
    def _report_scope(self, actor, query, action):
        """The caller (chat staff; an agent sees only the conversations assigned to them), the query, the period
        and which conversations it covers."""
        actor = self._staff(actor, action, "reports")
        query = load(ReportQuerySchema, query or {})
        if actor["role"] != domain.SUPERVISOR:
            if query.get("agent") not in (None, actor["sub"]):
                self.store.audit(actor, action, "reports", "denied", {"agent": query["agent"]})
                raise errors.reports_own_only()
            query["agent"] = actor["sub"]
        lines = self.settings.lines
        time_zone = (lines.get(query.get("line")) or next(iter(lines.values())))["time_zone"]
        span, problems = reports.period(query.get("from_"), query.get("to"), time_zone, utcnow())
        if problems:
            raise errors.invalid_report_period(problems)
        match = self.store.report_filter(span, query.get("line"), query.get("agent"), query.get("area"),
                                         self._area_lines(query.get("area")))
        return actor, query, span, match

    @rpc
    def report(self, actor, query=None):
        """The summary of the conversations opened in a period: volumes, first-response and resolution times
        (median, p90), SLA breaches, CSAT, complaints by area, topics; as JSON or as CSV."""
        actor, query, span, match = self._report_scope(actor, query, "report")
        filters = {key: query.get(key) for key in ("line", "agent", "area")}
        report = {"period": {"from": span.first_day.isoformat(), "to": span.last_day.isoformat(),
                             "time_zone": span.time_zone},
                  "filters": filters, **self.store.report_summary(match, self.settings.lines, span)}
        self.store.audit(actor, "report", "reports", "allowed", {**filters, **report["period"]})
        if query.get("format") == "csv":
            return {"csv": reports.summary_csv(report)}
        return {"report": report}

    @rpc
    def report_rows(self, actor, query=None, after=None):
        """One page of the per-conversation export, as CSV lines (the header on the first), and the key of the
        next page (None on the last): the gateway streams the pages one after the other."""
        actor, query, span, match = self._report_scope(actor, query, "report_rows")
        key = None
        if after is not None:
            key = reports.parse_page_key(after)
            if key is None:
                raise errors.invalid_report_page(after)
        else:
            self.store.audit(actor, "report_rows", "reports", "allowed",
                             {name: query.get(name) for name in ("line", "agent", "area")})
        docs = list(self.store.report_conversations(match, key, REPORT_PAGE))
        rows = [reports.conversation_row(doc, self.settings.lines) for doc in docs]
        return {"csv": reports.rows_csv(rows, header=after is None),
                "after": reports.page_key(docs[-1]) if len(docs) == REPORT_PAGE else None}

    @rpc
    def correct_classification(self, actor, conversation_id, message_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "correct_classification", target)
        body = load(CorrectionRequestSchema, body)
        doc = self._conversation(actor, conversation_id, "correct_classification")
        message = self.store.message(message_id)
        if message is None or message["conversation_id"] != doc["_id"] or not message.get("classification"):
            raise errors.not_classified(message_id)
        message = self._written(actor, conversation_id, "correct_classification", self.store.correct_classification(
            message, body["label"], actor["sub"], self.settings.complaints_area))
        self.store.audit(actor, "correct_classification", target, "allowed",
                         {"message_id": message_id, "label": body["label"]})
        return views.message_view(message)

    @rpc
    def set_labels(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "set_labels", target)
        body = load(LabelsRequestSchema, body)
        doc = self._conversation(actor, conversation_id, "set_labels")
        doc = self._written(actor, conversation_id, "set_labels",
                            self.store.set_labels(doc["_id"], sorted(set(body["labels"]))))
        self.store.audit(actor, "set_labels", target, "allowed", {"labels": doc["labels"]})
        return self._summary(doc)

    @rpc
    def transfer(self, actor, conversation_id, body):
        """To a line (``{line}``: that line's team queue) or an area (``{area}``: that area's queue), unassigned.
        The conversation stays on the WhatsApp number the user wrote to: replies keep going out from it, since
        WhatsApp ties a conversation to the business number the user chose and no other may answer it."""
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "transfer", target)
        body = load(TransferRequestSchema, body)
        lines, areas = self.settings.lines, self.settings.areas()
        destination = domain.transfer_destination(body.get("line"), body.get("area"), lines, areas)
        if destination is None:
            if "line" in body:
                raise errors.unknown_line(body["line"], lines)
            raise errors.unknown_area(body["area"], areas)
        doc = self._conversation(actor, conversation_id, "transfer")
        doc = self._written(actor, conversation_id, "transfer", self.store.transfer(
            doc["_id"], destination, {"sub": actor["sub"], "name": actor.get("name")}))
        self.store.audit(actor, "transfer", target, "allowed", destination)
        return self._summary(doc)

    @rpc
    def assign(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "assign", target)
        body = load(AssignRequestSchema, body)
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
            self._conversation(actor, conversation_id, "assign")  # erased meanwhile: 404
            raise errors.assignment_changed()
        self.store.audit(actor, "assign", target, "allowed", {"agent": body["agent"]})
        return self._summary(updated)

    # --- canned responses ---------------------------------------------------------------------------------------------
    # Chat staff list them (the inbox's picker); supervisors add, change and delete them, each write audited with the
    # text it wrote or removed. A reply's /shortcode is expanded in ``reply`` (``domain.reply_shortcut``).
    def _canned_writer(self, actor, action, target):
        actor = self._staff(actor, action, target)
        if actor["role"] != domain.SUPERVISOR:
            self.store.audit(actor, action, target, "denied")
            raise errors.canned_supervisor_only()
        return actor

    @rpc
    def list_canned_responses(self, actor):
        self._staff(actor, "list_canned_responses", "canned_responses")
        return {"items": [views.canned_view(doc) for doc in self.store.canned_responses(domain.MAX_CANNED_RESPONSES)]}

    @rpc
    def add_canned_response(self, actor, body):
        actor = self._canned_writer(actor, "add_canned_response", "canned_responses")
        body = load(CannedResponseRequestSchema, body)
        target = f"canned_response:{body['shortcode']}"
        by = {"sub": actor["sub"], "name": actor.get("name")}
        doc, outcome = self.store.add_canned_response(body["shortcode"], body["text"], by,
                                                      domain.MAX_CANNED_RESPONSES)
        if outcome == EXISTS:
            self.store.audit(actor, "add_canned_response", target, "conflict")
            raise errors.canned_response_exists(body["shortcode"])
        if outcome == FULL:
            self.store.audit(actor, "add_canned_response", target, "conflict", {"limit": domain.MAX_CANNED_RESPONSES})
            raise errors.canned_responses_full(domain.MAX_CANNED_RESPONSES)
        self.store.audit(actor, "add_canned_response", target, "allowed", {"text": doc["text"]})
        return views.canned_view(doc)

    def _shortcode(self, actor, action, shortcode):
        """A shortcode of the path (the gateway checked its form; a direct call may not have): else 404."""
        if not domain.is_shortcode(shortcode):
            self.store.audit(actor, action, f"canned_response:{str(shortcode)[:32]}", "not_found")
            raise errors.canned_response_not_found(shortcode)
        return shortcode

    @rpc
    def update_canned_response(self, actor, shortcode, body):
        target = f"canned_response:{str(shortcode)[:32]}"
        actor = self._canned_writer(actor, "update_canned_response", target)
        shortcode = self._shortcode(actor, "update_canned_response", shortcode)
        body = load(CannedResponseUpdateSchema, body)
        changed = self.store.update_canned_response(shortcode, body["text"],
                                                    {"sub": actor["sub"], "name": actor.get("name")})
        if changed is None:
            self.store.audit(actor, "update_canned_response", target, "not_found")
            raise errors.canned_response_not_found(shortcode)
        before, after = changed
        self.store.audit(actor, "update_canned_response", target, "allowed",
                         {"text": after["text"], "previous_text": before["text"]})
        return views.canned_view(after)

    @rpc
    def delete_canned_response(self, actor, shortcode):
        target = f"canned_response:{str(shortcode)[:32]}"
        actor = self._canned_writer(actor, "delete_canned_response", target)
        shortcode = self._shortcode(actor, "delete_canned_response", shortcode)
        removed = self.store.delete_canned_response(shortcode)
        if removed is None:
            self.store.audit(actor, "delete_canned_response", target, "not_found")
            raise errors.canned_response_not_found(shortcode)
        self.store.audit(actor, "delete_canned_response", target, "allowed", {"text": removed["text"]})
        return views.canned_view(removed)

    # --- inquiries to a court or an area -----------------------------------------------------------------------------
    # An agent asks; a court's clerks (or, for an area, its staff or the supervision) answer; the court's judges read
    # them and answer none; the answer is shown in the conversation for the agent and never sent to the user. A clerk
    # or a judge sees only the inquiries, never a conversation; every read is audited.
    @rpc
    def ask_inquiry(self, actor, conversation_id, body):
        target = f"conversation:{conversation_id}"
        actor = self._staff(actor, "ask_inquiry", target)
        body = load(InquiryRequestSchema, body)
        doc = self._conversation(actor, conversation_id, "ask_inquiry")
        if "court_id" in body:
            court = self._court(body["court_id"])
            where = {"court_id": court["court_id"], "court_name": court["name"]}
        else:
            areas = self.settings.areas()
            if body["area"] not in areas:
                raise errors.unknown_area(body["area"], areas)
            where = {"area": body["area"]}
        line = self.settings.line(doc["line"])
        sla_hours = self.settings.inquiry_sla_hours
        inquiry = self._written(actor, conversation_id, "ask_inquiry", self.store.add_inquiry(
            doc, where, body["question"], {"sub": actor["sub"], "name": actor.get("name")},
            lambda asked_at: hours.inquiry_due_at(self.settings.hours.get(doc["line"]), asked_at, sla_hours),
            line["region"] if line else None))
        inquiries_counted.labels("asked").inc()
        self.store.audit(actor, "ask_inquiry", target, "allowed", {"inquiry_id": inquiry["_id"], **where})
        return views.inquiry_view(inquiry, utcnow())

    def _court(self, court_id):
        courts = call(self.filings.list_courts, timeout=self.settings.rpc_timeout)["items"]
        court = next((c for c in courts if c["court_id"] == court_id), None)
        if court is None:
            raise errors.court_not_found(court_id)
        return court

    def _inquiry_reader(self, actor, action, target):
        """The caller and the inquiries they may see (``domain.inquiry_scope``); a refusal is audited and raised."""
        actor = load_actor(actor)
        scope = domain.inquiry_scope(actor)
        if scope is None:
            self.store.audit(actor, action, target, "denied")
            raise errors.inquiries_forbidden(actor["role"])
        if domain.is_staff(actor):
            self.store.seen_agent(actor)
        return actor, scope

    @rpc
    def list_inquiries(self, actor, query=None):
        actor, scope = self._inquiry_reader(actor, "list_inquiries", "inquiries")
        query = load(InquiryListQuerySchema, query or {})
        limit = query.get("limit", 20)
        cursor = paging.decode_cursor(query["cursor"]) if query.get("cursor") else None
        items, next_cursor = paging.page(self.store.list_inquiries(scope, query, limit, cursor), limit, "asked_at")
        self.store.audit(actor, "list_inquiries", "inquiries", "allowed",
                         {"count": len(items), "inquiry_ids": [d["_id"] for d in items], **scope})
        now = utcnow()
        return {"items": [views.inquiry_view(d, now) for d in items], "next_cursor": next_cursor}

    @rpc
    def answer_inquiry(self, actor, inquiry_id, body):
        target = f"inquiry:{inquiry_id}"
        actor, scope = self._inquiry_reader(actor, "answer_inquiry", target)
        if domain.reads_only(actor):
            self.store.audit(actor, "answer_inquiry", target, "denied", {"reason": "read_only"})
            raise errors.inquiry_read_only_for_judges()
        body = load(InquiryAnswerRequestSchema, body)
        doc = self.store.inquiry(inquiry_id)
        if doc is None or any(doc.get(key) != value for key, value in scope.items()):
            # another court's inquiry is not there for this clerk: the same answer as one that does not exist
            self.store.audit(actor, "answer_inquiry", target, "not_found" if doc is None else "denied")
            raise errors.inquiry_not_found(inquiry_id)
        teams = (self.store.agent(actor["sub"]) or {}).get("teams") if domain.is_staff(actor) else ()
        if not domain.may_answer_inquiry(actor, doc.get("court_id"), doc.get("area"), teams):
            self.store.audit(actor, "answer_inquiry", target, "denied")
            raise errors.inquiry_answer_forbidden()
        answered = None
        if doc["status"] == domain.INQUIRY_OPEN:
            answered = self.store.answer_inquiry(doc["_id"], body["text"],
                                                 {"sub": actor["sub"], "name": actor.get("name")})
        if answered is None:
            raise errors.inquiry_answered()
        view = views.inquiry_view(answered, utcnow())
        inquiries_counted.labels("answered_late" if view["overdue"] else "answered").inc()
        self.store.audit(actor, "answer_inquiry", target, "allowed", {"conversation_id": doc["conversation_id"]})
        return view

    # --- a lawyer's WhatsApp number linked to their account ----------------------------------------------------------
    # The lawyer, signed in, names a number; a six-digit code goes to it over WhatsApp (the approved authentication
    # template CHAT_LINK_TEMPLATE, from the line the number last wrote to, else CHAT_LINK_LINE); typed back within
    # 10 minutes and 5 tries, the number is theirs, with the name and bar number of their account. Each step is audited.
    def _lawyer(self, actor, action, target):
        """The caller, if a lawyer (with a bar number, as the gateway requires of their token); otherwise the refusal
        is audited and raised."""
        actor = load_actor(actor)
        if actor["role"] != domain.LAWYER or not actor.get("bar_number"):
            self.store.audit(actor, action, target, "denied")
            raise errors.lawyers_only(actor["role"])
        return actor

    @rpc
    def request_link(self, actor, body):
        actor = self._lawyer(actor, "link_request", "links")
        body = load(LinkRequestSchema, body)
        wa_id = domain.normalize_wa_id(body["wa_id"])
        target = f"wa_id:{wa_id}"
        settings = self.settings
        # always the configured line: the line a number last wrote to would tell any lawyer who asks for a code
        # whether that person (an opposing party, say) has written to the court's chat, and to which region
        line = settings.link_line
        now = utcnow()
        code = domain.new_link_code(secrets.randbelow)
        try:
            pending, replaced = self.store.request_link(actor, wa_id, line, code, settings.link_key,
                                                        settings.link_requests_per_hour, workers.send_policy(settings),
                                                        now)
        except LinkRateLimited as limited:
            self.store.audit(actor, "link_request", target, "rate_limited", {"scope": limited.scope})
            links_counted.labels("rate_limited").inc()
            raise errors.link_rate_limited(limited.retry_after, limited.scope)
        self.store.audit(actor, "link_request", target, "allowed",
                         {"line": line, "replaced_wa_id": replaced["wa_id"] if replaced else None})
        links_counted.labels("requested").inc()
        return views.pending_link_view(pending, settings.lines, now)

    @rpc
    def confirm_link(self, actor, body):
        actor = self._lawyer(actor, "link_confirm", "links")
        body = load(LinkConfirmSchema, body)
        before = self.store.count_link_attempt(actor["sub"])
        if before is None:
            self.store.audit(actor, "link_confirm", "links", "not_found")
            raise errors.no_pending_link()
        target = f"wa_id:{before['wa_id']}"
        now = utcnow()
        check = domain.check_link_code(before, before["attempts"], body["code"], self.settings.link_key, now)
        if check.outcome == domain.LINK_EXPIRED:
            self.store.audit(actor, "link_confirm", target, "expired")
            links_counted.labels("expired").inc()
            raise errors.link_code_expired()
        if check.outcome == domain.LINK_LOCKED:
            self.store.audit(actor, "link_confirm", target, "locked")
            links_counted.labels("locked").inc()
            raise errors.link_code_locked()
        if check.outcome == domain.LINK_WRONG:
            self.store.audit(actor, "link_confirm", target, "wrong_code", {"attempts_left": check.attempts_left})
            links_counted.labels("wrong_code").inc()
            raise errors.link_code_wrong(check.attempts_left)
        done = self.store.confirm_link(actor, before, now)
        if done is None:  # replaced by a new request, or used by a confirmation at the same time
            self.store.audit(actor, "link_confirm", target, "not_found")
            raise errors.no_pending_link()
        link, replaced = done
        previous = replaced["sub"] if replaced else None
        self.store.audit(actor, "link_confirm", target, "allowed",
                         {"bar_number": actor["bar_number"], "replaced_sub": previous if previous != actor["sub"]
                          else None, "line": link.get("line")})
        if replaced and previous != actor["sub"]:  # the number was another lawyer's: that link ends, on record
            self.store.audit(actor, "link_replaced", target, "allowed",
                             {"previous_sub": previous, "previous_bar_number": replaced.get("bar_number")})
            links_counted.labels("replaced").inc()
        links_counted.labels("linked").inc()
        return views.link_view(link)

    @rpc
    def list_links(self, actor):
        actor = self._lawyer(actor, "list_links", "links")
        links = self.store.links_of_lawyer(actor["sub"])
        pending = views.pending_link_view(self.store.pending_link(actor["sub"]), self.settings.lines, utcnow())
        return {"items": [views.link_view(doc) for doc in links], "pending": pending}

    @rpc
    def unlink(self, actor, wa_id):
        wa_id = domain.normalize_wa_id(str(wa_id)[:32])
        target = f"wa_id:{wa_id}"
        actor = self._lawyer(actor, "unlink", target)
        removed = self.store.unlink(actor["sub"], wa_id)
        if removed is None:
            self.store.audit(actor, "unlink", target, "not_found")
            raise errors.link_not_found(wa_id)
        self.store.audit(actor, "unlink", target, "allowed", {"linked_at": removed["linked_at"]})
        links_counted.labels("unlinked").inc()
        return views.link_view(removed)

    @rpc
    def unlink_by_staff(self, actor, wa_id, body):
        """The supervision ends a number's link to a lawyer's account (a lost or changed phone, a number given to
        someone else): the staff stop seeing that lawyer on its conversations. The lawyer, the reason and who did
        it are audited; the lawyer may link the number again with a new code."""
        wa_id = domain.normalize_wa_id(str(wa_id)[:32])
        target = f"wa_id:{wa_id}"
        actor = self._staff(actor, "unlink_by_staff", target)
        if actor["role"] != domain.SUPERVISOR:
            self.store.audit(actor, "unlink_by_staff", target, "denied")
            raise errors.supervisor_only("desvincula el número de un abogado")
        body = load(StaffUnlinkRequestSchema, body)
        removed = self.store.unlink(None, wa_id)
        if removed is None:
            self.store.audit(actor, "unlink_by_staff", target, "not_found")
            raise errors.number_not_linked(wa_id)
        self.store.audit(actor, "unlink_by_staff", target, "allowed",
                         {"sub": removed["sub"], "bar_number": removed["bar_number"],
                          "linked_at": removed["linked_at"], "reason": body["reason"]})
        links_counted.labels("unlinked_by_staff").inc()
        return views.link_view(removed)

    # --- the web channel: a lawyer writes to the court from the portal ------------------------------------------------
    # The same inbox and the same path as a WhatsApp message (``workers.apply_message``): classified, SLA-counted,
    # assigned, reported; the conversation is keyed by the lawyer's account and starts on CHAT_WEB_LINE (it stays on its
    # line if that setting changes later). The lawyer reads only their own conversation: their messages and the
    # court's replies, never notes or inquiries. Every read is audited.
    def _web_lawyer(self, actor, action):
        actor = load_actor(actor)
        if actor["role"] != domain.LAWYER or not actor.get("bar_number"):
            self.store.audit(actor, action, "web_conversation", "denied")
            raise errors.web_lawyers_only(actor["role"])
        return actor

    def _own_web_conversation(self, actor):
        return self.store.web_conversation(domain.web_contact_id(actor["sub"]))

    @rpc
    def post_web_message(self, actor, body, idempotency_key=None):
        """A lawyer's message to the court: ``{"response": the message as they see it, "replayed"}`` (the same
        Idempotency-Key and text again: the first answer, nothing stored; another text: 409)."""
        actor = self._web_lawyer(actor, "web_message")
        body = load(WebMessageRequestSchema, body)
        request = Request.of(actor, idempotency_key, "web_message").with_body(body)
        previous = self.store.idempotency.previous_response(request)
        replayed = previous is not None
        if previous is None:
            now = utcnow()
            record = domain.web_message_record(actor, body["text"], store_id(), now)
            if not record["text"].strip():  # only control characters: nothing an agent could read
                raise errors.empty_web_message()
            own = self._own_web_conversation(actor)  # kept on its line if CHAT_WEB_LINE changed since
            line = own["line"] if own is not None else self.settings.web_line
            try:
                message_id = workers.apply_message(self.store, line, record, actor.get("name"), now,
                                                   self._level_rules(), self._inbound_heard,
                                                   web=domain.web_lawyer(actor), request=request)
            except Replay as seen:  # the same key stored meanwhile by the same request
                previous, replayed = replay(seen.record, request.fingerprint), True
            else:
                inbound_applied.labels("web").inc()
                previous = {"message_id": message_id}
        message = self.store.message(previous["message_id"])
        if message is None:  # erased by the retention since
            raise errors.conversation_not_found(previous["message_id"])
        if not replayed:
            self.store.audit(actor, "web_message", f"conversation:{message['conversation_id']}", "allowed",
                             {"message_id": message["_id"]})
        return {"response": views.web_message_view(message), "replayed": replayed}

    @rpc
    def get_web_conversation(self, actor):
        """The lawyer's own web conversation (``views.web_conversation_view``). Reading it is their read receipt: the
        court's replies it returns that were ``delivered`` become ``read`` (never their own messages; once: a reply
        already read stays as it was), the staff's live inbox gets their ``message_status`` events, and the audit
        entry of the read names them (``read``). A reply stored after this read stays ``delivered``."""
        actor = self._web_lawyer(actor, "read_web_conversation")
        doc = self._own_web_conversation(actor)
        messages = self.store.messages_of(doc["_id"]) if doc else []
        # the court's replies they are given now are read: the staff see «Leído», as with a WhatsApp read receipt
        delivered = [m["_id"] for m in messages if m["direction"] == "out" and m["status"] == domain.DELIVERED]
        read = self.store.mark_web_replies_read(doc["_id"], delivered, utcnow()) if delivered else []
        self.store.audit(actor, "read_web_conversation", f"conversation:{doc['_id']}" if doc else "web_conversation",
                         "allowed", {"messages": len(messages), "read": read})
        return views.web_conversation_view(doc, messages)

    @rpc
    def web_live_changes(self, actor, request):
        """The events of lawyers' own web conversations after a resume token (``message``: one of theirs or a
        reply; ``message_status``), for the gateway's lawyer streams: a lawyer's own, or, for the gateway's hub
        (``contracts.live.LIVE_SYSTEM_ACTOR``), those of ``recipients`` (the lawyers whose streams it holds, each
        authenticated there; the hub hands each stream its owner's events only, by ``audience``). A lawyer naming
        anyone else is refused and audited (``contracts.live.live_recipients``). Nothing of any other
        conversation, and no note, inquiry, assignment or agent. Identifiers and states only, like the staff's."""
        actor = load_actor(actor)
        if not is_live_system(actor):
            actor = self._web_lawyer(actor, "web_live_changes")
        request = load(OwnedLiveChangesRequestSchema, request or {})
        subs = live_recipients(actor, request.get("recipients"))
        if subs is None:
            self.store.audit(actor, "web_live_changes", "web_conversation", "denied",
                             {"recipients": sorted(set(request.get("recipients") or []))[:20]})
            raise errors.web_live_recipients_forbidden()
        line = self.settings.web_line  # where a lawyer's first web conversation is created
        owners = self.store.web_conversations_of(subs)  # {conversation id: sub}, on whatever line each is
        wanted = set(subs)

        def keep(event):
            data = event["data"]
            if event["type"] == "conversation" and "created" in (data.get("changed") or ()) \
                    and data["conversation_id"] not in owners and data.get("line") == line:
                # a conversation created after this read began may be a lawyer's first: its creation comes before
                # its first message in the change stream (one transaction), so that message is not missed
                owners.update({cid: sub for cid, sub in self.store.web_conversations_of(subs).items()
                               if sub in wanted})
            owner = owners.get(data.get("conversation_id"))
            if owner is None or event["type"] not in ("message", "message_status"):
                return False
            event["audience"] = owner  # whose stream it goes to (gateway.live); never sent to the browser
            return True
        return self.store.live_changes(request.get("after"), request.get("wait_seconds", 0),
                                       request.get("limit", 500), keep=keep)
