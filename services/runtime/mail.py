"""Sending e-mail over SMTP, one way for every service (the mailbox's alerts, the certificates' deliveries).

``SmtpSettings`` reads ``SMTP_HOST``, ``SMTP_PORT``, ``SMTP_FROM``, ``SMTP_USER``, ``SMTP_PASSWORD``,
``SMTP_STARTTLS`` and ``SMTP_TIMEOUT``; ``Connection`` is one SMTP session, opened on the first message and
reused for the next ones of a run; ``permanent`` tells a refusal no retry can mend (5xx for the recipient).
What to send and when to retry stays with each service (its work queue)."""
import smtplib
import socket
import ssl

SEND_ERRORS = (smtplib.SMTPException, OSError, socket.timeout, ssl.SSLError)
ADDRESS_ERRORS = (smtplib.SMTPRecipientsRefused, smtplib.SMTPSenderRefused)


def permanent(exc):
    """A 5xx refusal of this recipient: retrying will not help."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return bool(exc.recipients) and all(500 <= code < 600 for code, _ in exc.recipients.values())
    return False


class SmtpSettings:
    def __init__(self, settings):
        self.host = settings.get("SMTP_HOST")
        self.port = settings.int("SMTP_PORT", 25)
        self.sender = settings.get("SMTP_FROM", "casillero@oj.gob.gt")
        self.user = settings.get("SMTP_USER")
        self.password = settings.get("SMTP_PASSWORD")
        self.starttls = str(settings.get("SMTP_STARTTLS", False)).lower() in ("1", "true", "yes")
        self.timeout = settings.float("SMTP_TIMEOUT", 10)


class Connection:
    """One SMTP session, opened on the first message and reused for the next ones of a tick."""

    def __init__(self, smtp):
        self.smtp = smtp
        self.client = None

    def send(self, message):
        if self.client is None:
            client = smtplib.SMTP(self.smtp.host, self.smtp.port, timeout=self.smtp.timeout)
            try:
                client.ehlo()
                if self.smtp.starttls:
                    client.starttls(context=ssl.create_default_context())
                    client.ehlo()
                if self.smtp.user:
                    client.login(self.smtp.user, self.smtp.password or "")
            except BaseException:
                client.close()
                raise
            self.client = client
        try:
            self.client.send_message(message)
        except ADDRESS_ERRORS:
            self.client.rset()  # this recipient was refused; the session goes on
            raise
        except BaseException:
            self.close()
            raise

    def close(self):
        if self.client is not None:
            try:
                self.client.quit()
            except (smtplib.SMTPException, OSError):
                self.client.close()
            self.client = None
