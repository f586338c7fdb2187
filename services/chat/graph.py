"""The WhatsApp Cloud API (Graph API) client: ``POST {WHATSAPP_GRAPH_URL}/{version}/{phone_number_id}/messages``
with the Bearer token. Answers what happened, never raises for an HTTP or network failure: the sender
decides (``domain.send_failure``)."""
import json
import socket
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Optional

MAX_RESPONSE_BYTES = 256 * 1024


@dataclass(frozen=True)
class GraphAnswer:
    http_status: Optional[int]      # None: WhatsApp could not be reached
    wamid: Optional[str] = None     # messages[0].id of an accepted message
    code: Optional[int] = None      # error.code of a refusal
    detail: str = ""                # for logs and operators (English or as Graph wrote it)


def _error_code(body):
    error = body.get("error") if isinstance(body, dict) else None
    code = error.get("code") if isinstance(error, dict) else None
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    return code if type(code) is int else None, (error or {}).get("message", "") if isinstance(error, dict) else ""


class MediaError(Exception):
    """A medium could not be fetched: ``retry`` tells whether trying later may help."""

    def __init__(self, detail, retry):
        super().__init__(detail)
        self.retry = retry


class Graph:
    def __init__(self, base_url, version, token, timeout):
        self.base_url = base_url.rstrip("/")
        self.version = version
        self.token = token
        self.timeout = timeout

    def send(self, phone_number_id, body) -> GraphAnswer:
        request = urllib.request.Request(
            f"{self.base_url}/{self.version}/{phone_number_id}/messages",
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"), method="POST",
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                status, raw = response.status, response.read(MAX_RESPONSE_BYTES)
        except urllib.error.HTTPError as exc:
            status, raw = exc.code, exc.read(MAX_RESPONSE_BYTES)
        except (urllib.error.URLError, socket.timeout, OSError) as exc:
            return GraphAnswer(None, detail=repr(exc))
        try:
            answer = json.loads(raw.decode("utf-8")) if raw else {}
        except (UnicodeDecodeError, ValueError):
            answer = {}
        if 200 <= status < 300:
            messages = answer.get("messages") if isinstance(answer, dict) else None
            wamid = messages[0].get("id") if isinstance(messages, list) and messages and isinstance(
                messages[0], dict) else None
            if isinstance(wamid, str) and wamid:
                return GraphAnswer(status, wamid=wamid[:256])
            return GraphAnswer(502, detail="accepted without messages[0].id")
        code, message = _error_code(answer)
        return GraphAnswer(status, code=code, detail=str(message)[:500])

    def _get(self, url, limit):
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {self.token}"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                data = response.read(limit + 1)
                return response.status, data
        except urllib.error.HTTPError as exc:
            raise MediaError(f"HTTP {exc.code}", retry=exc.code >= 500 or exc.code == 429)
        except (urllib.error.URLError, socket.timeout, OSError) as exc:
            raise MediaError(repr(exc), retry=True)

    def media_info(self, media_id):
        """``GET /{version}/{media_id}``: {url, mime_type, sha256, file_size, id} (the url lasts minutes)."""
        _, raw = self._get(f"{self.base_url}/{self.version}/{media_id}", MAX_RESPONSE_BYTES)
        try:
            info = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            raise MediaError("media info is not JSON", retry=True)
        if not isinstance(info, dict) or not isinstance(info.get("url"), str):
            raise MediaError("media info without url", retry=False)
        return info

    def media_bytes(self, url, limit):
        """The bytes at a media url, at most ``limit`` (one more byte read tells it is larger)."""
        _, data = self._get(url, limit)
        return data
