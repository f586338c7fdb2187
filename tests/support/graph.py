"""A real WhatsApp Cloud API ("Graph API") server on loopback that records what it receives.

- ``POST /{version}/{phone_number_id}/messages`` with a Bearer token: recorded (path, token, JSON body);
  answered ``{"messaging_product": "whatsapp", "contacts": [...], "messages": [{"id": "wamid.…"}]}``.
- ``GET /{version}/{media_id}``: ``{"url", "mime_type", "sha256", "file_size", "id"}`` of media put with
  ``add_media``; the url then serves the bytes (Bearer token required, as Meta's does).
- ``fail(code, http_status, times)``: the next ``times`` sends answer a Graph error with that ``code``
  (``None``: no code, only the HTTP status), as Meta does: ``{"error": {"message", "type", "code",
  "error_data", "fbtrace_id"}}``. ``drop(times)``: close the connection without answering.
"""
import hashlib
import itertools
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

_ids = itertools.count(1)


@dataclass
class Sent:
    path: str
    phone_number_id: str
    version: str
    authorization: str
    body: dict
    at: float = field(default_factory=time.time)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def _json(self, status, payload):
        raw = json.dumps(payload).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def do_POST(self):
        server = self.server.owner
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        parts = self.path.strip("/").split("/")
        if len(parts) != 3 or parts[2] != "messages":
            return self._json(404, {"error": {"message": "Unknown path", "code": 100, "type": "GraphMethodException"}})
        try:
            body = json.loads(raw)
        except ValueError:
            return self._json(400, {"error": {"message": "Invalid JSON", "code": 100}})
        with server.lock:
            plan = server.failures.pop(0) if server.failures else None
            server.attempts.append(Sent(self.path, parts[1], parts[0], self.headers.get("Authorization", ""), body))
        if plan == "drop":
            self.close_connection = True
            self.wfile.flush()
            self.connection.shutdown(2)
            return
        if plan is not None:
            code, status = plan
            error = {"message": f"(#{code}) simulated failure", "type": "OAuthException", "fbtrace_id": "AbCdEf"}
            if code is not None:
                error["code"] = code
                error["error_data"] = {"messaging_product": "whatsapp", "details": "simulated"}
            return self._json(status, {"error": error})
        wamid = f"wamid.TEST{next(_ids):08d}"
        with server.lock:
            server.sent.append(Sent(self.path, parts[1], parts[0], self.headers.get("Authorization", ""), body))
            server.wamids.append(wamid)
        self._json(200, {"messaging_product": "whatsapp",
                         "contacts": [{"input": body.get("to"), "wa_id": body.get("to")}],
                         "messages": [{"id": wamid}]})

    def do_GET(self):
        server = self.server.owner
        parts = self.path.strip("/").split("/")
        with server.lock:
            server.media_requests.append((self.path, self.headers.get("Authorization", "")))
        if len(parts) == 3 and parts[0] == "media-bytes":
            media = server.media.get(parts[1])
            if media is None:
                return self._json(404, {"error": {"message": "Not found", "code": 100}})
            self.send_response(200)
            self.send_header("Content-Type", media["mime_type"])
            self.send_header("Content-Length", str(len(media["data"])))
            self.end_headers()
            self.wfile.write(media["data"])
            return
        if len(parts) == 2 and parts[1] in server.media:
            media = server.media[parts[1]]
            return self._json(200, {"messaging_product": "whatsapp", "id": parts[1],
                                    "url": f"{server.base_url}/media-bytes/{parts[1]}/file",
                                    "mime_type": media["mime_type"],
                                    "sha256": media["sha256"] or hashlib.sha256(media["data"]).hexdigest(),
                                    "file_size": len(media["data"])})
        return self._json(404, {"error": {"message": "Unknown media", "code": 100}})


class _Server(ThreadingHTTPServer):
    allow_reuse_address = True
    daemon_threads = True


class GraphServer:
    def __init__(self, port, host="127.0.0.1"):
        self.host, self.port = host, port
        self.base_url = f"http://{host}:{port}"
        self.lock = threading.Lock()
        self.sent = []       # accepted sends
        self.attempts = []   # every send, accepted or not
        self.wamids = []
        self.failures = []   # (code, http_status) or "drop", consumed one per send
        self.media = {}
        self.media_requests = []  # (path, Authorization) of every GET
        self._server = None

    def start(self):
        self._server = _Server((self.host, self.port), _Handler)
        self._server.owner = self
        threading.Thread(target=self._server.serve_forever, name="graph-recorder", daemon=True).start()
        return self

    def stop(self):
        if self._server:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def fail(self, code, http_status=400, times=1):
        with self.lock:
            self.failures.extend([(code, http_status)] * times)

    def drop(self, times=1):
        with self.lock:
            self.failures.extend(["drop"] * times)

    def add_media(self, media_id, data, mime_type, sha256=None):
        """Serve ``data`` as ``media_id``; ``sha256``: what the info claims (default: the real hex digest)."""
        self.media[media_id] = {"data": data, "mime_type": mime_type, "sha256": sha256}

    def to(self, wa_id):
        with self.lock:
            return [s for s in self.sent if s.body.get("to") == wa_id]

    def attempts_to(self, wa_id):
        with self.lock:
            return [s for s in self.attempts if s.body.get("to") == wa_id]

    def wait_for(self, wa_id, count=1, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.to(wa_id)
            if len(found) >= count:
                return found
            time.sleep(0.05)
        return self.to(wa_id)


_running = {}


def graph_server(port):
    """The one Graph server of this test process on ``port`` (started on first use)."""
    if port not in _running:
        _running[port] = GraphServer(port).start()
    return _running[port]
