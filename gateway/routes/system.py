"""Health, readiness, metrics, the OpenAPI document and the benchmark's reference path."""
import functools

import pymongo
from kombu import Connection
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from werkzeug.wrappers import Response

from contracts.base import EchoQuerySchema, json_text
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.web import json_response, json_text_response, route
from services.runtime.mongo import get_client


@functools.lru_cache(maxsize=2)
def gateway_spec_json(session_cookie="pj_session"):
    """The OpenAPI document depends only on the code (and the session cookie's name): built once per process."""
    from gateway.openapi import build_spec
    from gateway.service import Gateway  # the service class combines this mixin

    return json_text(build_spec(Gateway, session_cookie=session_cookie))


class SystemRoutes(GatewayBase):
    @route("GET", "/healthz")
    @doc("El proceso del gateway está vivo", "sistema", auth=False)
    def healthz(self, request):
        return json_response({"status": "ok"})

    @route("GET", "/readyz")
    @doc("El broker y la base de datos responden", "sistema", auth=False, errors=(503,))
    def readyz(self, request):
        checks = {"broker": self._broker_ok(), "database": self._database_ok()}
        ready = all(checks.values())
        return json_response({"status": "ready" if ready else "not_ready", "checks": checks}, status=200 if ready else 503)

    def _broker_ok(self):
        try:
            with Connection(self.config["AMQP_URI"], connect_timeout=2) as connection:
                connection.ensure_connection(max_retries=1, timeout=2)
            return True
        except Exception:
            return False

    def _database_ok(self):
        try:
            get_client(self.settings.mongo_uri).admin.command("ping")
            return True
        except pymongo.errors.PyMongoError:
            return False

    @route("GET", "/metrics")
    def metrics(self, request):
        return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)

    @route("GET", "/api/v1/openapi.json")
    def openapi(self, request):
        return json_text_response(gateway_spec_json(self.auth.cookies.name))

    @route("GET", "/api/v1/diagnostics/echo")
    @doc("Ruta de referencia: una llamada RPC a un servicio que devuelve su argumento", "sistema",
         query=EchoQuerySchema)
    def echo(self, request):
        value = request.query.get("value", "ping")
        return json_response({"value": self.call(self.filings.echo, value)})
