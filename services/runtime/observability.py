"""Per-entrypoint metrics, correlation ids and the metrics endpoint.

Every service declares ``observability = Observability()``; it needs nothing else.
"""
import logging
import threading
import time
import uuid

from nameko.extensions import DependencyProvider
from prometheus_client import Counter, Gauge, Histogram, REGISTRY, start_http_server

from services.runtime.config import Settings
from services.runtime.errors import PortalError
from services.runtime.heap import freeze_startup_heap, release_worker
from services.runtime.logs import correlation_id_var, set_service_name

log = logging.getLogger(__name__)

_metrics = {}
_metrics_lock = threading.Lock()
_server_started = {"port": None}

LATENCY_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)


def _metric_name(service, name):
    return f"portal_{service}_{name}"


def counter(service, name, documentation, labelnames=()):
    """A process-wide Prometheus counter, created once (safe to call repeatedly)."""
    key = ("counter", service, name)
    with _metrics_lock:
        if key not in _metrics:
            _metrics[key] = Counter(_metric_name(service, name), documentation, labelnames)
        return _metrics[key]


def histogram(service, name, documentation, labelnames=(), buckets=LATENCY_BUCKETS):
    key = ("histogram", service, name)
    with _metrics_lock:
        if key not in _metrics:
            _metrics[key] = Histogram(_metric_name(service, name), documentation, labelnames, buckets=buckets)
        return _metrics[key]


def gauge(service, name, documentation, labelnames=()):
    """A process-wide Prometheus gauge, created once. Gauges operators alert on are set from values the
    process already keeps up to date (``set``, or ``set_function`` reading such a value): a scrape never
    queries a database."""
    key = ("gauge", service, name)
    with _metrics_lock:
        if key not in _metrics:
            _metrics[key] = Gauge(_metric_name(service, name), documentation, labelnames)
        return _metrics[key]


def outcome_of(exc_info):
    if exc_info is None:
        return "ok"
    exc = exc_info[1]
    if isinstance(exc, PortalError) and exc.status < 500:
        return "client_error"
    return "server_error"


def new_correlation_id():
    return uuid.uuid4().hex


class Observability(DependencyProvider):
    """Latency histogram and outcome counter per entrypoint, plus the correlation id."""

    def setup(self):
        service = self.container.service_name
        set_service_name(service)
        self.latency = histogram(service, "entrypoint_duration_seconds",
                                 "Time spent in each entrypoint", ["entrypoint"])
        self.calls = counter(service, "entrypoint_calls_total",
                             "Entrypoint calls by outcome", ["entrypoint", "outcome"])
        self.started = {}
        self.children = {}
        port = Settings(self.container.config).int("METRICS_PORT", 0)
        if port and _server_started["port"] is None:
            start_http_server(port, registry=REGISTRY)
            _server_started["port"] = port
            log.info("metrics endpoint listening", extra={"port": port})

    def start(self):
        freeze_startup_heap()

    def worker_setup(self, worker_ctx):
        cid = worker_ctx.data.get("correlation_id")
        if not cid:
            cid = new_correlation_id()
            worker_ctx.data["correlation_id"] = cid
        correlation_id_var.set(cid)
        self.started[worker_ctx] = time.perf_counter()

    def _child(self, metric, *labels):
        # labels() takes a lock and hashes every call; the children are few and live forever
        key = (id(metric), labels)
        child = self.children.get(key)
        if child is None:
            child = self.children[key] = metric.labels(*labels)
        return child

    def worker_result(self, worker_ctx, result=None, exc_info=None):
        started = self.started.pop(worker_ctx, None)
        name = worker_ctx.entrypoint.method_name
        if started is not None:
            self._child(self.latency, name).observe(time.perf_counter() - started)
        outcome = outcome_of(exc_info)
        self._child(self.calls, name, outcome).inc()
        if outcome == "server_error":
            log.error("entrypoint failed", exc_info=exc_info, extra={"entrypoint": name})

    def worker_teardown(self, worker_ctx):
        self.started.pop(worker_ctx, None)
        release_worker(worker_ctx)

    def get_dependency(self, worker_ctx):
        return worker_ctx.data.get("correlation_id")
