"""A real SMTP server on loopback that records what it receives (aiosmtpd is not installed).

Speaks enough SMTP for ``smtplib``: EHLO/HELO, MAIL, RCPT, DATA (with dot
unstuffing), RSET, NOOP, QUIT. ``mode`` switches its behaviour at any time:

* ``"ok"``        accept every message;
* ``"tempfail"``  greet with ``421`` and close (a server that is down for maintenance);
* ``"reject_data"`` accept the envelope, then answer ``451`` to the message;
* ``"drop"``      accept the connection and close it at once.
"""
import email
import email.policy
import socketserver
import threading
import time
from dataclasses import dataclass, field

MODES = ("ok", "tempfail", "reject_data", "drop")


@dataclass
class Received:
    mail_from: str
    rcpt_to: list
    data: bytes
    at: float = field(default_factory=time.time)

    @property
    def message(self):
        return email.message_from_bytes(self.data, policy=email.policy.default)


class _Handler(socketserver.StreamRequestHandler):
    timeout = 30

    def reply(self, text):
        self.wfile.write(text.encode("utf-8") + b"\r\n")
        self.wfile.flush()

    def handle(self):
        server = self.server.owner
        with server.lock:
            server.connections += 1
            mode = server.mode
        if mode == "drop":
            return
        if mode == "tempfail":
            self.reply("421 4.3.2 Servicio no disponible temporalmente")
            return
        self.reply("220 prueba.local ESMTP grabadora")
        mail_from, rcpt_to = None, []
        while True:
            line = self.rfile.readline(65537)
            if not line:
                return
            command = line.decode("utf-8", "replace").rstrip("\r\n")
            verb = command[:4].upper()
            if verb == "EHLO":
                self.wfile.write(b"250-prueba.local\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 52428800\r\n")
                self.wfile.flush()
            elif verb == "HELO":
                self.reply("250 prueba.local")
            elif verb == "MAIL":
                mail_from, rcpt_to = command[10:].strip().split(" ")[0].strip("<>"), []
                self.reply("250 2.1.0 Ok")
            elif verb == "RCPT":
                if mail_from is None:
                    self.reply("503 5.5.1 MAIL primero")
                    continue
                rcpt_to.append(command[8:].strip().split(" ")[0].strip("<>"))
                self.reply("250 2.1.5 Ok")
            elif verb == "DATA":
                if not rcpt_to:
                    self.reply("503 5.5.1 RCPT primero")
                    continue
                self.reply("354 Termine con <CRLF>.<CRLF>")
                lines = []
                while True:
                    raw = self.rfile.readline(1_000_001)
                    if not raw:
                        return
                    if raw in (b".\r\n", b".\n"):
                        break
                    lines.append(raw[1:] if raw.startswith(b"..") else raw)
                with server.lock:
                    mode = server.mode
                    if mode == "ok":
                        server.messages.append(Received(mail_from, list(rcpt_to), b"".join(lines)))
                if mode == "ok":
                    self.reply("250 2.0.0 Ok: en cola")
                else:
                    self.reply("451 4.3.0 Error temporal; intente mas tarde")
                mail_from, rcpt_to = None, []
            elif verb == "RSET":
                mail_from, rcpt_to = None, []
                self.reply("250 2.0.0 Ok")
            elif verb == "NOOP":
                self.reply("250 2.0.0 Ok")
            elif verb == "QUIT":
                self.reply("221 2.0.0 Adios")
                return
            else:
                self.reply("502 5.5.2 Comando no reconocido")


class _Server(socketserver.ThreadingTCPServer):
    allow_reuse_address = True
    daemon_threads = True


class RecordingSMTPServer:
    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port = host, port
        self.lock = threading.Lock()
        self.mode = "ok"
        self.messages = []
        self.connections = 0
        self._server = None
        self._thread = None

    def start(self):
        self._server = _Server((self.host, self.port), _Handler)
        self._server.owner = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="smtp-recorder", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def set_mode(self, mode):
        assert mode in MODES, mode
        with self.lock:
            self.mode = mode

    def to(self, address):
        with self.lock:
            return [m for m in self.messages if address in m.rcpt_to]

    def wait_for(self, address, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(address)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.to(address)


_running = {}


def recording_server(port):
    """The one recording server of this test process on ``port`` (started on first use)."""
    if port not in _running:
        _running[port] = RecordingSMTPServer(port).start()
    return _running[port]
