"""Helpers of the mailbox tests: publish filings events the way the outbox relay does, wait for notices."""
import datetime
import hashlib
import time
import uuid

from kombu import Connection, Producer

from services.runtime.outbox import PERSISTENT, event_exchange

UTC = datetime.timezone.utc


def wait_for(predicate, timeout=20, interval=0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def emitted(stack, notification_id, event_type=None, timeout=20):
    """The outbox rows of one notice's events, once none still waits in the notice itself (an event carried
    by the notice's own write, ``Store.update_carrying``, reaches the outbox when the relay moves it)."""
    db = stack.db("mailbox")
    wait_for(lambda: not db.notifications.count_documents(
        {"_id": notification_id, "pending_events._id": {"$exists": True}}), timeout)
    query = {"data.notification_id": notification_id}
    if event_type:
        query["event_type"] = event_type
    return list(db.outbox.find(query))


def iso(instant):
    return instant.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def resolution_data(recipients, case_number="01001-2026-90001", court_id="01001", **overrides):
    """The ``data`` of a ``resolution_issued`` event (a case the filings service may not know)."""
    content = f"documento de {uuid.uuid4().hex}".encode()
    data = {"resolution_id": uuid.uuid4().hex, "case_number": case_number, "court_id": court_id,
            "court_name": "Juzgado Primero de Primera Instancia Civil", "kind": "auto",
            "summary": "Se admite la prueba ofrecida", "term_days": 3, "folio": 7,
            "document_id": uuid.uuid4().hex, "document_sha256": hashlib.sha256(content).hexdigest(),
            "document_size": len(content), "document_filename": "auto.pdf",
            "issued_at": iso(datetime.datetime.now(UTC)),
            "issued_by": {"sub": "juez.prueba", "name": "Juez de prueba", "bar_number": None},
            "recipients": [{"sub": r, "name": f"Lic. {r}", "bar_number": "1"} if isinstance(r, str) else r
                           for r in recipients]}
    data.update(overrides)
    return data


def envelope(data, event_id=None, event_type="resolution_issued", source="filings"):
    return {"event_id": event_id or uuid.uuid4().hex, "event_type": event_type, "source": source, "version": 1,
            "occurred_at": iso(datetime.datetime.now(UTC)), "correlation_id": None, "data": data}


def publish(stack, *envelopes):
    """Publish envelopes to ``filings.events`` as the relay does (persistent, confirmed)."""
    with Connection(stack.amqp_uri, transport_options={"confirm_publish": True}) as connection:
        channel = connection.channel()
        exchange = event_exchange("filings")
        exchange(channel).declare()
        producer = Producer(channel, exchange=exchange)
        for body in envelopes:
            producer.publish(body, routing_key=body["event_type"], serializer="json", delivery_mode=PERSISTENT,
                             message_id=body["event_id"])


def notices(stack, **query):
    return list(stack.db("mailbox").notifications.find(query))


class MailboxCase:
    """A case at ``court_id`` with ``count`` lawyers on it (the first opened it, the others appeared)."""

    def __init__(self, api, count=2, court_id="01002"):
        tag = uuid.uuid4().hex[:8]
        self.api = api
        self.court_id = court_id
        self.subs = [f"lic-{tag}-{i}" for i in range(count)]
        self.tokens = {sub: api.lawyer(sub, name=f"Lic. {sub}") for sub in self.subs}
        self.clerk = api.clerk(court_id, sub=f"clerk-{tag}")
        self.judge = api.judge(court_id, sub=f"judge-{tag}")
        self.case_number = api.accepted_case(self.tokens[self.subs[0]], self.clerk, court_id)["case_number"]
        for sub in self.subs[1:]:
            appeared = api.file(self.tokens[sub], self.case_number, kind="apersonamiento", summary="Me apersono",
                                represents="Demandado Dos")
            assert appeared.status_code == 201, appeared.text
            assert api.review(self.clerk, appeared.json()["filing_id"]).status_code == 200

    def resolve(self, **kwargs):
        response = self.api.resolve(self.judge, self.case_number, **kwargs)
        assert response.status_code == 201, response.text
        return response.json()

    def mailbox(self, sub, **params):
        response = self.api.get("/api/v1/mailbox/notifications", self.tokens[sub], params=params)
        assert response.status_code == 200, response.text
        return response.json()

    def wait_notice(self, sub, resolution_id, timeout=20):
        """The list item of ``sub``'s notice of ``resolution_id``, once it is there."""
        def find():
            items = [i for i in self.mailbox(sub, case_number=self.case_number, limit=100)["items"]
                     if i["resolution_id"] == resolution_id]
            return items[0] if items else None
        found = wait_for(find, timeout)
        assert found, f"{sub} never received the notice of {resolution_id}"
        return found
