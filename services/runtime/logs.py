"""JSON-lines logging with a correlation id.

The correlation id starts at the gateway (the client's ``X-Correlation-Id`` or a
new one), travels in nameko's context data (``nameko.correlation_id`` header) through
every RPC call and event, and is written on every log line of the worker that
handles it.
"""
import contextvars
import datetime
import json
import logging
import traceback

correlation_id_var = contextvars.ContextVar("correlation_id", default=None)
_service_name = {"value": None}


def set_service_name(name):
    _service_name["value"] = name


def current_correlation_id():
    return correlation_id_var.get()


class CorrelationFilter(logging.Filter):
    def filter(self, record):
        record.correlation_id = correlation_id_var.get()
        record.service = _service_name["value"]
        return True


class JsonFormatter(logging.Formatter):
    RESERVED = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "correlation_id", "service"}

    def format(self, record):
        entry = {
            "ts": datetime.datetime.fromtimestamp(record.created, datetime.timezone.utc).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "service": getattr(record, "service", None),
            "correlation_id": getattr(record, "correlation_id", None),
            "message": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in self.RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = "".join(traceback.format_exception(*record.exc_info))
        return json.dumps(entry, default=str, ensure_ascii=False)
