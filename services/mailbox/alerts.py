"""E-mail alerts: "you have a new notice in your electronic mailbox".

An alert is a job of the ``alerts`` work queue (``services.runtime.workqueue``): the row is written in the
same transaction that creates the notice, for a recipient whose profile opted in with an e-mail. Sending
happens afterwards, in a timer (``ALERT_INTERVAL``): each replica claims due rows one at a time with a
lease, so two replicas never send the same row at the same time; the row is marked sent after the SMTP
server accepted the message. On failure the row is retried with exponential backoff
(``ALERT_BACKOFF_SECONDS`` · 2^(attempts-1), at most ``ALERT_BACKOFF_MAX_SECONDS``), and given up (status
``failed``) after ``ALERT_MAX_ATTEMPTS``, or at once when the server refuses the recipient for good (5xx).
The notice itself never waits for any of this: it is committed before any SMTP happens. The queue's
mechanics live in the runtime; what is here is the work: the message and the SMTP session.

Delivery is at least once: if the process dies after the server accepted the
message and before the row is marked, the message is sent again once the lease
expires. It carries ``Message-ID: <alert id@casillero.oj.gob.gt>`` both times, so
mail systems and clients can recognise the repeat.

The message carries the case, the court, the kind of resolution, its summary
and the path to open it, never the document.

Each run of the job ends by counting the queue (pending rows, due or waiting
for their backoff) for the ``portal_mailbox_alert_queue_emails`` gauge: one
index count per ``ALERT_INTERVAL``, none per scrape.
"""
import logging
import time
from email.message import EmailMessage
from email.utils import formatdate

from nameko.extensions import DependencyProvider

from services.runtime.config import Settings
from services.runtime.mail import ADDRESS_ERRORS, SEND_ERRORS, Connection, SmtpSettings, permanent
from services.runtime.workqueue import RetryPolicy, WorkQueue, default_owner

log = logging.getLogger(__name__)

COLLECTION = "alerts"
LEASE_SECONDS = 60  # one tick sends for at most 20 s, well inside the lease
MESSAGE_ID_DOMAIN = "casillero.oj.gob.gt"
KIND_NAMES = {"decreto": "Decreto", "auto": "Auto", "sentencia": "Sentencia"}
def _one_line(text, limit=200):
    return " ".join(str(text or "").split())[:limit]


def build_message(alert, notice, sender):
    """The Spanish e-mail of one alert (no attachment)."""
    kind = KIND_NAMES.get(notice["resolution_kind"], _one_line(notice["resolution_kind"], 40))
    case_number = _one_line(notice["case_number"], 40)
    message = EmailMessage()
    message["From"] = sender
    message["To"] = alert["email"]
    message["Subject"] = f"Nueva notificación en su casillero electrónico: expediente {case_number}"
    message["Message-ID"] = f"<{alert['_id']}@{MESSAGE_ID_DOMAIN}>"
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    name = _one_line(notice["recipient"].get("name") or notice["recipient"]["sub"], 200)
    message.set_content(
        f"Estimado(a) {name}:\n\n"
        "Se puso a su disposición una notificación en su casillero electrónico del Organismo Judicial.\n\n"
        f"Expediente: {case_number}\n"
        f"Tribunal: {_one_line(notice.get('court_name'), 200)}\n"
        f"Resolución: {kind} (folio {notice['folio']})\n"
        f"Resumen: {_one_line(notice['summary'], 2000)}\n\n"
        f"Para leerla ingrese al portal y abra: /api/v1/mailbox/notifications/{notice['_id']}\n\n"
        "Si no la abre, se tendrá por notificado al finalizar el tercer día hábil siguiente a la puesta a "
        "disposición. Este aviso es informativo: no sustituye la notificación ni adjunta el documento.\n\n"
        "Organismo Judicial de Guatemala - Casillero electrónico\n"
        "Mensaje automático; no responda a este correo.\n")
    return message


def retry_policy(settings):
    """ALERT_BACKOFF_SECONDS (5), ALERT_BACKOFF_MAX_SECONDS (3600), ALERT_MAX_ATTEMPTS (40) and
    ALERT_LEASE_SECONDS (60)."""
    return RetryPolicy.from_settings(settings, "ALERT", backoff_seconds=5, backoff_max_seconds=3600,
                                     max_attempts=40, lease_seconds=LEASE_SECONDS)


def alert_queue(db, policy=None, owner=None):
    """The alerts of a mailbox database as a work queue (rows ``sent`` with ``sent_at`` when done)."""
    return WorkQueue(db[COLLECTION], policy, owner, done_status="sent", done_at="sent_at")


class AlertSender:
    """Sends the due alerts of one mailbox database; one instance per process (one lease owner)."""

    def __init__(self, smtp, counter, queue_gauge=None, policy=None):
        self.smtp = smtp
        self.counter = counter
        self.queue_gauge = queue_gauge
        self.policy = policy or RetryPolicy(lease_seconds=LEASE_SECONDS)
        self.owner = default_owner()
        self._warned = False

    def queue(self, store):
        return alert_queue(store.db, self.policy, self.owner)

    def run(self, store, max_messages=500, budget_seconds=20):
        """Send due alerts until none is due, ``max_messages`` were tried or ``budget_seconds`` passed; then
        count what is left in the queue."""
        queue = self.queue(store)
        sent = self._send(store, queue, max_messages, budget_seconds)
        if self.queue_gauge is not None:
            self.queue_gauge.set(queue.length())
        return sent

    def _send(self, store, queue, max_messages, budget_seconds):
        if not self.smtp.host:
            if not self._warned:
                log.warning("SMTP_HOST is not set: e-mail alerts stay queued")
                self._warned = True
            return 0
        started = time.monotonic()
        connection = Connection(self.smtp)
        sent = 0
        try:
            for _ in range(max_messages):
                if time.monotonic() - started > budget_seconds:
                    break
                alert = queue.claim()
                if alert is None:
                    break
                notice = store.get_notice(alert["notification_id"])
                if notice is None:  # cannot happen: the alert and its notice commit together
                    queue.give_up(alert, "notice not found")
                    continue
                try:
                    connection.send(build_message(alert, notice, self.smtp.sender))
                except SEND_ERRORS as exc:
                    self._failed(queue, alert, exc)
                    if not isinstance(exc, ADDRESS_ERRORS):
                        break  # the server is failing: the other rows wait for the next tick
                    continue
                queue.complete(alert)
                self.counter.labels("sent").inc()
                sent += 1
        finally:
            connection.close()
        return sent

    def _failed(self, queue, alert, exc):
        outcome = queue.fail(alert, repr(exc), permanent=permanent(exc))
        if outcome is None:  # the lease was taken over meanwhile: the new holder decides
            return
        self.counter.labels("failed" if outcome.give_up else "retry").inc()
        log.warning("alert e-mail given up" if outcome.give_up else "alert e-mail not sent; will retry",
                    extra={"alert_id": alert["_id"], "attempts": outcome.attempts,
                           "retry_in_seconds": outcome.retry_in_seconds, "error": repr(exc)})


def queued(store):
    """Alert e-mails still to be sent (due now or waiting for their backoff): an index count."""
    return alert_queue(store.db).length()


class Alerts(DependencyProvider):
    """Gives workers the process's AlertSender (configured from SMTP_* and ALERT_*)."""

    def __init__(self, counter, queue_gauge=None, **kwargs):
        self.counter = counter
        self.queue_gauge = queue_gauge
        super().__init__(**kwargs)

    def setup(self):
        settings = Settings(self.container.config)
        self.sender = AlertSender(SmtpSettings(settings), self.counter, self.queue_gauge, retry_policy(settings))

    def get_dependency(self, worker_ctx):
        return self.sender
