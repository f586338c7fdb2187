"""E-mail delivery of issued certificates: a job of the ``emails`` work queue, written in the issuance's
transaction, sent afterwards over SMTP (``services.runtime.mail``) with the signed PDF attached. A failing
mail server delays the e-mail (retried with backoff: ``CERTIFICATE_EMAIL_BACKOFF_SECONDS`` ...), never the
certificate, which the citizen can always download. ``Message-ID: <certificate id@antecedentes.oj.gob.gt>``
both times if a message is sent twice (at least once)."""
import logging
from email.message import EmailMessage
from email.utils import formatdate

from nameko.extensions import DependencyProvider

from services.certificates import domain
from services.runtime.config import Settings
from services.runtime.mail import ADDRESS_ERRORS, SEND_ERRORS, Connection, SmtpSettings, permanent
from services.runtime.workqueue import RetryPolicy, default_owner

log = logging.getLogger(__name__)

MESSAGE_ID_DOMAIN = "antecedentes.oj.gob.gt"


def build_message(certificate, email, sender, tz):
    message = EmailMessage()
    message["From"] = sender
    message["To"] = email
    message["Subject"] = f"Su constancia de antecedentes penales {certificate['serial']}"
    message["Message-ID"] = f"<{certificate['_id']}@{MESSAGE_ID_DOMAIN}>"
    message["Date"] = formatdate(localtime=False, usegmt=True)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(
        "Adjuntamos su constancia de antecedentes penales, firmada electrónicamente por la Unidad de "
        "Antecedentes Penales del Organismo Judicial.\n\n"
        f"Serie: {certificate['serial']}\n"
        f"Código de verificación: {certificate['verification_code']}\n"
        f"Válida hasta: {domain.iso(certificate['valid_until'])}\n\n"
        "Quien la reciba puede verificarla con el código o con el PDF, sin iniciar sesión.\n\n"
        "Mensaje automático; no responda a este correo.\n")
    message.add_attachment(bytes(certificate["document"]), maintype="application", subtype="pdf",
                           filename=f"constancia-{certificate['serial']}.pdf")
    return message


class CertificateMailer:
    def __init__(self, smtp, policy):
        self.smtp = smtp
        self.policy = policy
        self.owner = default_owner()
        self._warned = False

    def run(self, store, tz, max_messages=100):
        if not self.smtp.host:
            if not self._warned:
                log.warning("SMTP_HOST is not set: certificate e-mails stay queued")
                self._warned = True
            return 0
        queue = store.email_queue(self.policy, self.owner)
        connection = Connection(self.smtp)
        sent = 0
        try:
            for _ in range(max_messages):
                job = queue.claim()
                if job is None:
                    break
                certificate = store.certificate(job["certificate_id"])
                if certificate is None:
                    queue.give_up(job, "certificate not found")
                    continue
                try:
                    connection.send(build_message(certificate, job["email"], self.smtp.sender, tz))
                except SEND_ERRORS as exc:
                    outcome = queue.fail(job, repr(exc), permanent=permanent(exc))
                    log.warning("certificate e-mail not sent", extra={"certificate_id": certificate["_id"],
                                                                      "error": repr(exc),
                                                                      "give_up": bool(outcome and outcome.give_up)})
                    if not isinstance(exc, ADDRESS_ERRORS):
                        break
                    continue
                queue.complete(job)
                sent += 1
        finally:
            connection.close()
        return sent


class Mailer(DependencyProvider):
    def setup(self):
        settings = Settings(self.container.config)
        smtp = SmtpSettings(settings)
        if not settings.get("SMTP_FROM"):
            smtp.sender = "antecedentes@oj.gob.gt"
        policy = RetryPolicy.from_settings(settings, "CERTIFICATE_EMAIL", backoff_seconds=5, backoff_max_seconds=3600,
                                           max_attempts=40, lease_seconds=60)
        self.mailer = CertificateMailer(smtp, policy)

    def get_dependency(self, worker_ctx):
        return self.mailer
