"""An isolated copy of the whole system for the test suite.

Its own MongoDB (a fresh single-node replica set in a temporary folder, or
unique databases on ``MONGO_URI`` when that is set), its own RabbitMQ virtual
host, every service and the gateway as real processes.
"""
import contextlib
import os
import tempfile
import uuid
from urllib.parse import urlsplit, urlunsplit
from pathlib import Path

import pymongo

from gateway.auth import DEV_SECRET, mint_token
from services.runtime import devstack
from services.runtime.config import Settings, load_config
from services.runtime.mongo import database_name
from tests.support.hours import chat_hours_env

OIDC_CLIENT_ID = "portal-judicial"
OIDC_CLIENT_SECRET = "secreto-del-cliente-de-pruebas"


class TestStack:
    def __init__(self, services=devstack.SERVICES, extra_env=None, smtp_port=None, mongo_cache_gb=1):
        self.tmp = Path(tempfile.mkdtemp(prefix="portal-test-"))
        self.run_id = uuid.uuid4().hex[:10]
        self.services = services
        self.extra_env = extra_env or {}
        # the mailbox sends alerts to a recording SMTP server on loopback (tests/support/smtp.py) on this port
        self.smtp_port = smtp_port or devstack.free_port()
        # the chat service sends to a loopback "Graph API" server (tests/support/graph.py) on this port
        self.graph_port = devstack.free_port()
        # the portal signs in with OpenID Connect against a loopback provider (tests/support/oidc.py) on this port
        self.oidc_port = devstack.free_port()
        self.mongo_cache_gb = mongo_cache_gb
        self.mongod = None
        self.vhost = None
        self.stack = None

    def start(self):
        base_amqp = os.environ.get("AMQP_URI") or Settings(load_config()).get("AMQP_URI")
        devstack.ensure_rabbitmq(base_amqp)
        vhost = f"portal-test-{self.run_id}"
        if devstack.create_vhost(vhost):
            self.vhost = vhost
            parts = urlsplit(base_amqp)
            self.amqp_uri = urlunsplit((parts.scheme, parts.netloc, "/" + vhost, parts.query, ""))
        else:
            self.amqp_uri = base_amqp
        if os.environ.get("MONGO_URI"):
            self.mongo_uri = os.environ["MONGO_URI"]
        else:
            self.mongod = devstack.Mongod(self.tmp / "mongo", devstack.free_port(), self.tmp / "mongod.log",
                                          cache_gb=self.mongo_cache_gb).start()
            self.mongo_uri = self.mongod.uri
        self.prefix = f"test{self.run_id}"
        self.gateway_port = devstack.free_port()
        self.env = {**os.environ, "AMQP_URI": self.amqp_uri, "MONGO_URI": self.mongo_uri,
                    "MONGO_DB_PREFIX": self.prefix, "GATEWAY_PORT": str(self.gateway_port),
                    "GATEWAY_HOST": "127.0.0.1", "JWT_SECRET": DEV_SECRET, "RPC_TIMEOUT": "5",
                    "MAX_DOCUMENT_BYTES": str(3 * 1024 * 1024), "MAX_DOCUMENTS_PER_FILING": "10",
                    "OUTBOX_POLL_INTERVAL": "0.2", "PORTAL_ENV": "development", "LOG_LEVEL": "INFO",
                    "LAPSE_JOB_INTERVAL": "1", "ALERT_INTERVAL": "0.5", "ALERT_BACKOFF_SECONDS": "0.5",
                    "ALERT_BACKOFF_MAX_SECONDS": "2", "SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp_port),
                    "SMTP_STARTTLS": "false", "SMTP_TIMEOUT": "3", "EVIDENCE_SIGNING_KEY": "",
                    "WHATSAPP_GRAPH_URL": f"http://127.0.0.1:{self.graph_port}", "WHATSAPP_GRAPH_TIMEOUT": "3",
                    "CHAT_INBOUND_INTERVAL": "0.1", "CHAT_SEND_INTERVAL": "0.1", "CHAT_SNOOZE_INTERVAL": "0.5",
                    "CHAT_SEND_BACKOFF_SECONDS": "0.2", "CHAT_SEND_BACKOFF_MAX_SECONDS": "0.5",
                    "CHAT_SEND_MAX_ATTEMPTS": "4", "CHAT_ASSIGN_INTERVAL": "0.2",
                    "CHAT_MEDIA_INTERVAL": "0.2", "CHAT_MAX_MEDIA_BYTES": str(256 * 1024),
                    **chat_hours_env(),  # every hour open, and two lines of their own (tests/support/hours.py)
                    # the public look-ups' rate limit is tested on a stack of its own; here it never bites
                    # (the fuzzer's identities all come from one address)
                    "RATE_LIMIT_PER_SECOND": "100000", "RATE_LIMIT_BURST": "100000",
                    "LOOKUP_RATE_PER_MINUTE": "6000000", "LOOKUP_RATE_BURST": "100000",
                    "QUERIES_FETCH_INTERVAL": "0.2", "QUERIES_FETCH_BACKOFF_SECONDS": "0.3",
                    "QUERIES_FETCH_BACKOFF_MAX_SECONDS": "1",
                    "OIDC_ISSUER": f"http://127.0.0.1:{self.oidc_port}", "OIDC_CLIENT_ID": OIDC_CLIENT_ID,
                    "OIDC_CLIENT_SECRET": OIDC_CLIENT_SECRET, "OIDC_REDIRECT_URI": self.oidc_redirect_uri,
                    "OIDC_POST_LOGOUT_REDIRECT_URI": f"http://127.0.0.1:{self.gateway_port}/",
                    "OIDC_ROLE_MAP": "portal-abogados:lawyer,portal-jueces:judge", "OIDC_JWKS_MIN_REFRESH_SECONDS": "0",
                    "OIDC_HTTP_TIMEOUT": "3",
                    **self.extra_env}
        self.env.pop("METRICS_PORT", None)
        self.stack = devstack.Stack(self.env, self.tmp / "logs", services=self.services)
        self.stack.start()
        self.client = pymongo.MongoClient(self.mongo_uri, tz_aware=True, serverSelectionTimeoutMS=5000)
        return self

    @property
    def url(self):
        return self.stack.gateway_url

    @property
    def oidc_redirect_uri(self):
        return f"http://127.0.0.1:{self.gateway_port}/api/v1/auth/oidc/callback"

    def db(self, service):
        return self.client[database_name(self.prefix, service)]

    def token(self, sub, role, **claims):
        return mint_token(DEV_SECRET, sub, role, **claims)

    @contextlib.contextmanager
    def extra_gateway(self, name, env=None, port=None, log_dir=None):
        """Another gateway process on this stack's services, with settings of its own (``env``) on ``port`` (a
        free one by default), ready when entered; yields its URL and stops it on exit."""
        port = port or devstack.free_port()
        log = Path(log_dir or self.tmp / "logs") / f"{name}.log"
        process = devstack.ServiceProcess(name, "gateway.service:Gateway",
                                          {**self.env, "GATEWAY_PORT": str(port), **(env or {})}, log).start()
        url = f"http://127.0.0.1:{port}"
        try:
            devstack.wait_ready(url + "/healthz", 60, process.process)
            yield url
        finally:
            process.stop()

    def restart(self, service, kill=False):
        self.stack.restart(service, kill=kill)

    def log_text(self, service):
        return (self.tmp / "logs" / f"{service}.log").read_text(errors="replace")

    def stop(self):
        if self.stack:
            self.stack.stop()
        if self.mongod:
            self.mongod.stop()
        elif getattr(self, "client", None):
            for name in self.client.list_database_names():
                if name.startswith(self.prefix + "_"):
                    self.client.drop_database(name)
        if self.vhost:
            devstack.delete_vhost(self.vhost)
