"""A Server-Sent Events client for tests: reads ``text/event-stream`` in a thread and keeps what arrives, with the
moment it arrived (``time.monotonic()``)."""
import json
import queue
import threading
import time

import requests


class Stream:
    """``Stream(url, token, last_event_id=None)``: opened at once; ``next(type, predicate, timeout)`` waits for a
    matching event; ``close()``. ``response`` is the HTTP answer (a refusal is not read as a stream)."""

    def __init__(self, url, token=None, last_event_id=None, path="/api/v1/chat/stream", headers=None):
        headers = dict(headers or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if last_event_id:
            headers["Last-Event-ID"] = last_event_id
        self.http = requests.Session()
        self.response = self.http.get(url + path, headers=headers, stream=True, timeout=(5, 60))
        self.events = queue.Queue()
        self.received = []      # every event, in order
        self.comments = []
        self.last_id = None
        self.retry = None
        self._closed = False
        if self.response.status_code == 200:
            self._thread = threading.Thread(target=self._read, daemon=True)
            self._thread.start()

    def _read(self):
        fields = {}
        try:
            for raw in self.response.iter_lines(chunk_size=1, decode_unicode=False):
                line = raw.decode("utf-8")
                if line == "":
                    if "data" in fields or "event" in fields:
                        event = {"id": fields.get("id"), "type": fields.get("event", "message"),
                                 "data": json.loads(fields["data"]) if fields.get("data") else None,
                                 "at": time.monotonic()}
                        if event["id"] is not None:
                            self.last_id = event["id"]
                        self.received.append(event)
                        self.events.put(event)
                    fields = {}
                elif line.startswith(":"):
                    self.comments.append(line[1:].strip())
                else:
                    name, _, value = line.partition(":")
                    value = value[1:] if value.startswith(" ") else value
                    if name == "retry":
                        self.retry = int(value)
                    else:
                        fields[name] = value
        except Exception:  # noqa: BLE001 - closed by the test, or by the server
            pass
        finally:
            self.events.put(None)

    def next(self, type=None, predicate=None, timeout=10):
        """The next event of ``type`` (any when None) for which ``predicate(data)`` holds; skips the others."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {type or 'event'} within {timeout} s; received {self.received[-10:]}")
            try:
                event = self.events.get(timeout=remaining)
            except queue.Empty:
                continue
            if event is None:
                raise AssertionError(f"the stream ended; received {self.received[-10:]}")
            if (type is None or event["type"] == type) and (predicate is None or predicate(event["data"])):
                return event

    def close(self):
        if not self._closed:
            self._closed = True
            self.response.close()
            self.http.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
