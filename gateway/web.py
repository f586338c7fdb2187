"""HTTP plumbing of the gateway: the entrypoint, JSON responses and request parsing.

Every response that is an error has the shape
``{"error": CODE, "message": <texto en español>, "details": {...}}``.
"""
import json
import logging
import re
import uuid
from urllib.parse import quote

from eventlet import wsgi
from nameko.web.handlers import HttpRequestHandler
from nameko.web.server import HttpOnlyProtocol, WebServer, WsgiApp
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound as RouteNotFound, RequestEntityTooLarge
from werkzeug.wrappers import Request, Response

from contracts.base import check_carriable, json_int, json_text
from services.runtime.errors import BadRequest, PortalError, UnsupportedMediaType, ValidationFailed
from services.runtime.logs import correlation_id_var, current_correlation_id
from services.runtime.memo import BoundedMemo

log = logging.getLogger(__name__)

CORRELATION_HEADER = "X-Correlation-Id"
_CORRELATION_RE = re.compile(r"^[A-Za-z0-9._\-]{1,64}$")
MAX_JSON_BODY = 64 * 1024


def json_response(payload, status=200, headers=None):
    return json_text_response(json_text(payload), status, headers)


def json_text_response(body, status=200, headers=None):
    """A JSON response; ``body`` is already encoded JSON (a service may send it ready-made)."""
    response = Response(body, status=status, mimetype="application/json")
    cid = current_correlation_id()
    if cid:
        response.headers[CORRELATION_HEADER] = cid
    for key, value in (headers or {}).items():
        response.headers[key] = value
    return response


def pdf_response(data, info):
    filename = info["filename"]
    ascii_name = filename.encode("ascii", "replace").decode("ascii").replace('"', "'").replace("?", "_")
    response = Response(data, status=200, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    response.headers["ETag"] = f"\"{info['sha256']}\""
    response.headers["X-Content-SHA256"] = info["sha256"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def error_response(exc):
    retry_after = exc.details.get("retry_after") if exc.status == 429 and isinstance(exc.details, dict) else None
    headers = {"Retry-After": str(retry_after)} if type(retry_after) is int else None  # a service's own limit
    return json_response(exc.to_dict(), status=exc.status, headers=headers)


def _routing_error(exc):
    if isinstance(exc, RouteNotFound):
        error = PortalError("route_not_found", "La ruta solicitada no existe.", status=404)
    elif isinstance(exc, MethodNotAllowed):
        error = PortalError("method_not_allowed", "Método HTTP no permitido para esta ruta.",
                            {"allowed": sorted(exc.valid_methods or [])}, status=405)
    else:
        error = PortalError("http_error", exc.description or "Solicitud inválida.", status=exc.code or 400)
    response = Response(json_text(error.to_dict()), status=error.status, mimetype="application/json")
    if isinstance(exc, MethodNotAllowed):
        response.headers["Allow"] = ", ".join(sorted(exc.valid_methods or []))  # RFC 9110 §15.5.6
    return response


class PortalWsgiApp(WsgiApp):
    """nameko's WSGI app, with the routes matched once per method and path.

    werkzeug's matcher builds a self-referencing closure on every match (garbage only a collection frees)
    and binds the map to the environ first; the routes never change, so a successful match is remembered
    (at most ``MATCH_MEMO_SIZE`` paths, the oldest forgotten first past that, so hostile paths cannot grow it).
    A failed match (404, 405, redirect) is not remembered and answers as before.
    """
    MATCH_MEMO_SIZE = 10_000

    def __init__(self, server):
        super().__init__(server)
        self._matches = BoundedMemo(self.MATCH_MEMO_SIZE)
        self._portal = None

    @property
    def portal(self):
        if self._portal is None:
            from gateway.portal import portal_files
            self._portal = portal_files(self.server.container.config)
        return self._portal

    def serves_portal(self, environ):
        """A GET or HEAD outside the API that no route matched: a file or a page of the web portal."""
        path = environ.get("PATH_INFO", "")
        return environ.get("REQUEST_METHOD") in ("GET", "HEAD") and path != "/api" and not path.startswith("/api/")

    def match(self, environ):
        key = (environ.get("REQUEST_METHOD"), environ.get("SCRIPT_NAME", ""), environ.get("PATH_INFO", ""))
        found = self._matches.get(key)
        if found is None:
            found = self.url_map.bind_to_environ(environ).match()
            self._matches.put(key, found)
        provider, values = found
        return provider, dict(values)

    def __call__(self, environ, start_response):
        request = Request(environ, shallow=True)
        try:
            provider, values = self.match(environ)
            request.path_values = values
            response = provider.handle_request(request)
        except RouteNotFound as exc:
            response = self.portal.respond(environ) if self.serves_portal(environ) else _routing_error(exc)
        except HTTPException as exc:
            response = _routing_error(exc)
        return response(environ, start_response)


class PortalWebServer(WebServer):
    def get_wsgi_app(self):
        return PortalWsgiApp(self)

    def get_wsgi_server(self, sock, wsgi_app, protocol=HttpOnlyProtocol, debug=False):
        # no access log: eventlet formats its line on every request before the logger's level drops it
        # (nameko logs at WARNING); requests are traced by our JSON logs and the per-route metrics
        return wsgi.Server(sock, sock.getsockname(), wsgi_app, protocol=protocol, debug=debug, log_output=False)

    def context_data_from_headers(self, request):
        cid = request.headers.get(CORRELATION_HEADER, "")
        if not _CORRELATION_RE.match(cid):
            cid = uuid.uuid4().hex
        correlation_id_var.set(cid)  # for error responses built outside the worker
        return {"correlation_id": cid}


class Route(HttpRequestHandler):
    """``@route("GET", "/api/v1/...")``: an HTTP entrypoint whose failures are JSON."""

    server = PortalWebServer()

    def __init__(self, method, url, **kwargs):
        kwargs.setdefault("expected_exceptions", (PortalError,))
        super().__init__(method, url, **kwargs)

    def check_signature(self, args, kwargs):
        """The URL map passes exactly the route's own parameters: no per-request ``inspect`` check."""

    def response_from_exception(self, exc):
        if isinstance(exc, PortalError):
            return error_response(exc)
        if isinstance(exc, RequestEntityTooLarge):
            return error_response(PortalError("payload_too_large", "La solicitud excede el tamaño máximo permitido.",
                                              status=413))
        if isinstance(exc, HTTPException):
            return _routing_error(exc)
        log.error("unhandled error in gateway", exc_info=(type(exc), exc, exc.__traceback__))
        return error_response(PortalError("internal_error", "Ocurrió un error interno. Intente de nuevo; si persiste, "
                                          "comuníquese con soporte indicando el identificador de correlación.",
                                          {"correlation_id": current_correlation_id()}, status=500))


route = Route.decorator


def read_json(request, max_bytes=MAX_JSON_BODY):
    """The request's JSON object, or a clear 400/413/415/422."""
    mimetype = (request.mimetype or "").lower()
    if mimetype != "application/json":
        raise UnsupportedMediaType("unsupported_media_type", "El cuerpo debe enviarse como application/json.",
                                   {"content_type": request.mimetype or None})
    if request.content_length is not None and request.content_length > max_bytes:
        raise PortalError("payload_too_large", f"El cuerpo excede el máximo de {max_bytes} bytes.", status=413)
    raw = request.stream.read(max_bytes + 1)
    if len(raw) > max_bytes:
        raise PortalError("payload_too_large", f"El cuerpo excede el máximo de {max_bytes} bytes.", status=413)
    return parse_json_object(raw, "body")


def _no_constant(name):
    raise ValueError(f"{name} is not JSON")  # Python's json reads NaN and Infinity; RFC 8259 has neither


def parse_json_object(raw, field):
    """The JSON object in ``raw``, checked to be carriable by the bus (see ``check_carriable``)."""
    malformed = {"field": field, "fields": {field: "JSON mal formado."}}
    try:
        value = json.loads(raw.decode("utf-8") if isinstance(raw, bytes) else raw,
                           parse_int=json_int, parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError):  # RecursionError: "[[[[...", nested too deep
        raise BadRequest("malformed_json", "El JSON está mal formado.", malformed)
    if not isinstance(value, dict):
        raise ValidationFailed("validation_error", "Se esperaba un objeto JSON.", {"fields": {field: "Se esperaba un objeto JSON."}})
    return check_carriable(value, field)


def query_args(request, allowed):
    """Query string as a dict; unknown or repeated parameters are a 422."""
    unknown = [key for key in request.args.keys() if key not in allowed]
    if unknown:
        raise ValidationFailed("validation_error", "Parámetros de consulta no permitidos.",
                               {"fields": {key: "Parámetro no permitido." for key in unknown}})
    result = {}
    for key in request.args.keys():
        values = request.args.getlist(key)
        if len(values) > 1:
            raise ValidationFailed("validation_error", "Parámetro repetido.", {"fields": {key: "Indíquelo una sola vez."}})
        result[key] = values[0]
    return result
