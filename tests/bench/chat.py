"""The chat's scenarios of ``make bench`` (its speed goals), each beside a reference from the same run:

    webhook   POST /api/v1/chat/whatsapp/webhook as Meta posts it: each request one text message with a distinct
              wamid from one of 2,000 numbers to the Mexicali line, signed (X-Hub-Signature-256), 20 clients back
              to back; judged against 500 messages/s and p99 of the 200 under 100 ms, beside the echo measured just
              before it. Then "nothing lost": every message that got a 200 (warm-up and drain included) must be
              in the inbox once, counted by its wamid after the service has applied the stored payloads.
    inbox     GET /api/v1/chat/conversations by 20 agents (each its own token) over ``--inbox-conversations``
              conversations (100,000 by default) seeded straight into the chat's collection in the service's
              document shape (the service's indexes in place): each agent walks the filters an inbox offers (all,
              open, its own, unassigned, one line, complaints, SLA breached, a label), first pages; judged by p99
              against 100 ms, beside the echo measured just before it.
    reply     POST /api/v1/chat/conversations/{id}/messages by 20 agents, each replying in its own conversation
              (opened by a signed webhook, so the 24-hour window is open) once every ``--reply-pace`` seconds
              (2 by default: 10 replies a second in all, 36,000 an hour, a very busy desk; back to back the
              agents would measure how long a saturated machine's queue grows, not how long a reply takes),
              while a loopback Graph API server takes the sends; the goal (p99 under 500 ms) is on the time
              from the reply's acceptance (the message queued) to the Graph server's answer recorded on it
              (``status_at.sent``), read from the chat's database for the replies of the run; the HTTP
              figures of the POST are printed beside it.
    The classifier's precision and recall on the labelled messages (tests/data) are printed with the goals.
"""
import datetime
import random
import time

from pymongo.write_concern import WriteConcern

from services.chat import domain
from services.chat.settings import DEV_APP_SECRET, DEV_LINES
from tests.support.classifier_sets import DEVELOPMENT, HOLDOUT, figures, labelled
from tests.support.graph import GraphServer
from tests.support.polling import wait
from tests.support.whatsapp import WEBHOOK_PATH, WebhookSender, new_wa_id, text_payload

GOALS = {"webhook_rate": 500.0, "webhook_p99_ms": 100.0, "inbox_p99_ms": 100.0, "reply_p99_ms": 500.0,
         "complaint_recall": 0.9, "complaint_precision": 0.8}
INBOX_CONVERSATIONS = 100_000
REPLY_PACE = 2.0             # seconds between two replies of one agent
AGENTS = 20
LABELS = ("tramite", "audiencia", "expediente", "notificacion", "pago", "urgente")
BATCH = 10_000
APPLY_TIMEOUT = 180          # seconds to wait for the stored payloads to be applied before counting
TITLES = {"webhook": "POST /chat/whatsapp/webhook (signed)", "inbox": "GET /chat/conversations (inbox)",
          "reply": "POST /chat/conversations/{id}/messages"}
LINES = [line["phone_number_id"] for line in DEV_LINES]


def agent_sub(i):
    return f"agente.bench-{i:02d}"


class ChatBench:
    def __init__(self, stack, args):
        self.stack, self.args = stack, args
        self.secret = stack.env.get("WHATSAPP_APP_SECRET") or DEV_APP_SECRET
        self.tokens = [stack.token(agent_sub(i), "chat_agent", name=f"Agente de Carga {i}") for i in range(AGENTS)]
        self.seeded = 0
        self.prefix = None          # the wamids of the last webhook run begin with it
        self.reply_started = None   # when the last reply run's job was made
        self.graph = None
        self.replying = None  # conversation ids the reply scenario answers in, one per agent

    @property
    def db(self):
        return self.stack.db("chat")

    # --- the inbox with 100,000 conversations -------------------------------------------------------------------
    def seed(self):
        total = self.args.inbox_conversations
        if self.seeded >= total:
            return 0.0
        print(f"  seeding {total:,} conversations straight into the chat's inbox …", flush=True)
        started = time.perf_counter()
        conversations = self.db.get_collection("conversations", write_concern=WriteConcern(w=1))
        rng = random.Random(20261206)
        now = datetime.datetime.now(datetime.timezone.utc)
        statuses = [domain.OPEN] * 3 + [domain.PENDING, domain.RESOLVED, domain.RESOLVED, domain.RESOLVED,
                                        domain.SNOOZED]
        batch = []
        for i in range(total):
            at = now - datetime.timedelta(seconds=rng.randrange(365 * 86_400))
            status = rng.choice(statuses)
            owner = rng.randrange(AGENTS + 4)  # a few in four unassigned
            wa_id = f"5219{i:09d}"
            batch.append({
                "_id": f"benchconv{i:023x}", "line": rng.choice(LINES), "wa_id": wa_id,
                "contact": {"wa_id": wa_id, "name": f"Lic. Sembrada {i}"}, "status": status,
                "snoozed_until": now + datetime.timedelta(days=2) if status == domain.SNOOZED else None,
                "assignee": ({"sub": agent_sub(owner), "name": f"Agente de Carga {owner}"} if owner < AGENTS
                             else None),
                "labels": rng.sample(LABELS, rng.choice((0, 0, 1, 2))), "created_at": at, "updated_at": at,
                "last_message_at": at, "last_user_message_at": at,
                "last_message_preview": "Buenos días, ¿me confirma la fecha de la audiencia?", "unanswered": 1,
                "waiting_since": None, "complaint": rng.random() < 0.06, "sla_breached": rng.random() < 0.04})
            if len(batch) >= BATCH:
                conversations.insert_many(batch, ordered=False)
                batch = []
        if batch:
            conversations.insert_many(batch, ordered=False)
        self.seeded = total
        seconds = time.perf_counter() - started
        print(f"  {conversations.estimated_document_count():,} conversations ({seconds:.0f} s)", flush=True)
        return seconds

    def inbox_request(self):
        rng = random.Random(11)
        per_client = []
        for i, token in enumerate(self.tokens):
            filters = ["", "status=open", f"assignee={agent_sub(i)}", "assignee=none", f"line={rng.choice(LINES)}",
                       "complaint=true", "sla_breached=true", f"label={rng.choice(LABELS)}",
                       f"status=pending&line={rng.choice(LINES)}", f"status=open&assignee={agent_sub(i)}"]
            rng.shuffle(filters)
            paths = ["/api/v1/chat/conversations" + (f"?{f}" if f else "") for f in filters]
            per_client.append({"headers": {"Authorization": f"Bearer {token}"}, "paths": paths})
        return {"method": "GET", "per_client": per_client}

    # --- webhooks -------------------------------------------------------------------------------------------------
    def webhook_request(self):
        self.prefix = f"wamid.bench{time.time_ns()}"
        return {"method": "POST", "path": WEBHOOK_PATH,
                "webhook": {"secret": self.secret, "line": LINES[0], "prefix": self.prefix, "contacts": 2000}}

    def count_stored(self, result):
        """After a webhook run: wait until the service has applied what it acknowledged, then count the messages
        of this run by wamid (each once: the wamid is unique in the inbox)."""
        expected = result["ok_total"]
        messages = self.db.messages
        query = {"wamid": {"$regex": f"^{self.prefix}-"}}
        started = time.perf_counter()
        settled(lambda: messages.count_documents(query) >= expected)
        stored = messages.count_documents(query)
        result.update(acknowledged=expected, stored=stored, apply_seconds=time.perf_counter() - started)
        return result

    # --- replies --------------------------------------------------------------------------------------------------
    def start_graph(self):
        if self.graph is None:
            self.graph = GraphServer(self.stack.graph_port).start()
        return self.graph

    def reply_request(self):
        self.start_graph()
        if self.replying is None:
            sender = WebhookSender(self.stack.url, secret=self.secret)
            contacts = [new_wa_id() for _ in self.tokens]
            for wa_id in contacts:
                response = sender.send(text_payload(LINES[1], wa_id, "Buenas tardes, ¿ya hay fecha para mi audiencia?"))
                assert response is not None and response.status_code == 200, "the reply scenario's webhook failed"
            conversations = self.db.conversations
            found = {}
            wait(lambda: found.update({d["wa_id"]: d["_id"] for d in conversations.find(
                {"line": LINES[1], "wa_id": {"$in": contacts}, "last_user_message_at": {"$ne": None}},
                {"wa_id": 1})}) or len(found) == len(contacts), timeout=60,
                 what="the reply scenario's conversations to open")
            self.replying = [found[wa_id] for wa_id in contacts]
        self.reply_started = datetime.datetime.now(datetime.timezone.utc)
        return {"method": "POST", "json": {"text": "Con gusto: su audiencia quedó para el martes a las 9:00."},
                "pace": self.args.reply_pace,
                "per_client": [{"headers": {"Authorization": f"Bearer {token}"},
                                "paths": [f"/api/v1/chat/conversations/{conversation}/messages"]}
                               for token, conversation in zip(self.tokens, self.replying)]}

    def reply_delivery(self, result):
        """The replies of the run: from queued to the Graph server's answer recorded (``status_at``)."""
        messages = self.db.messages
        query = {"conversation_id": {"$in": self.replying}, "direction": "out", "created_at": {"$gte": self.reply_started}}
        total = messages.count_documents(query)
        settled(lambda: messages.count_documents({**query, "status": domain.QUEUED}) == 0)
        delays = sorted((d["status_at"][domain.SENT] - d["created_at"]).total_seconds() * 1000
                        for d in messages.find({**query, f"status_at.{domain.SENT}": {"$exists": True}},
                                               {"status_at": 1, "created_at": 1}))
        result.update(replies=total, delivered=len(delays), pace=self.args.reply_pace,
                      delivery_p50_ms=delays[len(delays) // 2] if delays else None,
                      delivery_p99_ms=delays[min(len(delays) - 1, int(len(delays) * 0.99))] if delays else None,
                      graph_received=len(self.graph.attempts))
        return result

    def stop(self):
        if self.graph is not None:
            self.graph.stop()
            self.graph = None


def settled(predicate, timeout=APPLY_TIMEOUT):
    """Whether ``predicate`` came true within ``timeout`` (a miss is a measured result, not a crash)."""
    try:
        return bool(wait(predicate, timeout=timeout, pause=0.5))
    except AssertionError:
        return False


def goal_lines(results, fmt):
    """(name, measured, goal, ok) of each chat goal present in ``results``; the classifier's figures always."""
    lines, last_echo = [], None
    for r in results:
        if r["kind"] == "echo":
            last_echo = r
            continue
        beside = (f"; echo before it {last_echo['rate']:.0f}/s, p99 {fmt(last_echo['p99_ms'])} ms"
                  if last_echo else "")
        if r["kind"] == "webhook":
            lines.append((f"webhook messages per second ({r['errors']} errors{beside})", f"{r['rate']:.0f}/s",
                          f">= {GOALS['webhook_rate']:.0f}/s", not r["errors"] and r["rate"] >= GOALS["webhook_rate"]))
            lines.append(("webhook p99 of the 200", f"{fmt(r['p99_ms'])} ms", f"< {GOALS['webhook_p99_ms']:.0f} ms",
                          r["p99_ms"] is not None and r["p99_ms"] < GOALS["webhook_p99_ms"]))
            lines.append(("webhook: every acknowledged message in the inbox, once (applied "
                          f"{fmt(r.get('apply_seconds'))} s after the run)",
                          f"{r.get('stored', 0):,} of {r.get('acknowledged', 0):,}", "all, no more",
                          r.get("stored") == r.get("acknowledged")))
        elif r["kind"] == "inbox":
            lines.append((f"inbox list over {r.get('records', 0):,} conversations, {r.get('clients', '')} agents "
                          f"({r['rate']:.0f}/s, {r['errors']} errors{beside})", f"p99 {fmt(r['p99_ms'])} ms",
                          f"< {GOALS['inbox_p99_ms']:.0f} ms",
                          not r["errors"] and r["p99_ms"] is not None and r["p99_ms"] < GOALS["inbox_p99_ms"]))
        elif r["kind"] == "reply":
            lines.append((f"reply to the Graph API server, queued -> sent ({r.get('delivered', 0):,} of "
                          f"{r.get('replies', 0):,} replies sent, each agent one every {r.get('pace', 0):g} s; "
                          f"the POST: {r['rate']:.0f}/s, p99 "
                          f"{fmt(r['p99_ms'])} ms{beside})", f"p99 {fmt(r.get('delivery_p99_ms'))} ms",
                          f"< {GOALS['reply_p99_ms']:.0f} ms",
                          not r["errors"] and r.get("delivered") == r.get("replies") and
                          r.get("delivery_p99_ms") is not None and r["delivery_p99_ms"] < GOALS["reply_p99_ms"]))
        last_echo = None
    for name, rows in (("development", labelled(DEVELOPMENT)), ("control", labelled(HOLDOUT))):
        precision, recall, _ = figures(rows)
        judged = name == "development"
        lines.append((f"complaint classifier, {name} set ({len(rows)} messages): recall", f"{recall:.2f}",
                      f">= {GOALS['complaint_recall']}" if judged else "none (messages the rules were not written for)",
                      recall >= GOALS["complaint_recall"] if judged else None))
        lines.append((f"complaint classifier, {name} set: precision", f"{precision:.2f}",
                      f">= {GOALS['complaint_precision']}" if judged else "none",
                      precision >= GOALS["complaint_precision"] if judged else None))
    return lines
