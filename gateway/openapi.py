"""What each route accepts, checked before any RPC, and the OpenAPI 3 document generated from the same schemas.

Each route carries ``@doc(...)``: its summary and tag, who may call it (``auth``, ``roles``), the marshmallow
schemas of its query string, JSON or multipart body and response, its links to other operations, and the
errors it can answer beyond those that follow from the rest. ``doc`` wraps the route so that, in this order,
the caller is authenticated (401) and authorised by role (403), every path parameter has the form its rule in
``contracts.paths`` states (404), and the query string and the JSON body pass their schemas (400, 413, 415,
422): nothing a schema refuses reaches a service. The route then finds ``request.actor``, ``request.query``
(the validated query, as the text it arrived; a route that declares no query takes none) and ``request.body``.

``build_spec`` walks the gateway's entrypoints and describes each from the same schemas through apispec's
marshmallow plugin, so the document cannot say other than what is checked.
"""
import functools
import inspect

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from contracts.base import ErrorSchema, NoQuerySchema, load
from contracts.paths import PATH_PARAMETERS
from gateway.web import query_args, read_json
from services.runtime.errors import NotFound

ERROR_TEXT = {
    400: "Solicitud mal formada", 401: "No autenticado", 403: "Sin permiso", 404: "No existe",
    409: "Conflicto de estado", 413: "Demasiado grande", 415: "Tipo de contenido no admitido",
    422: "Datos inválidos", 429: "Demasiadas solicitudes (con Retry-After)", 503: "Servicio no disponible",
    504: "El servicio no respondió a tiempo",
}
BODY_ERRORS = (400, 413, 415, 422)
MAX_IF_NONE_MATCH = 1024
IDEMPOTENCY_KEY_PATTERN = r"^[!-~]{1,128}$"


def doc(summary, tag, auth=True, roles=None, body=None, multipart=None, response=None, status=200, errors=(),
        binary=None, query=None, description=None, links=None, not_modified=False, idempotent=False,
        before=None, headers=(), also=None):
    """``body``, ``query``: marshmallow schema classes; ``multipart``: (metadata schema, document part, many);
    ``idempotent``: a JSON request that takes an Idempotency-Key (every multipart one does);
    ``before(self, request)``: a check that runs first, before anything is parsed (a caller's signature over
    the raw body, say); ``headers``: the OpenAPI parameters of the request headers it reads; ``also``: other
    media types the success may be answered in besides JSON ({"text/csv": description}), chosen by the query."""

    def decorate(fn):
        path_names = [name for name in inspect.signature(fn).parameters if name not in ("self", "request")]
        unknown = [name for name in path_names if name not in PATH_PARAMETERS]
        if unknown:
            raise TypeError(f"{fn.__name__}: path parameters without a rule in contracts.paths: {unknown}")
        query_schema = (query or NoQuerySchema)()
        query_is_optional = not any(field.required for field in query_schema.fields.values())
        body_schema = body() if body is not None else None

        @functools.wraps(fn)
        def handler(self, request, **path):
            if before is not None:
                before(self, request)
            if auth:
                request.actor = self.auth.actor(request, roles=roles)
            for name, value in path.items():
                rule = PATH_PARAMETERS[name]
                if not rule.regex.match(value):
                    raise NotFound(rule.not_found_code, rule.not_found_message, {name: value[:80]})
            if query_is_optional and not request.args:
                request.query = {}
            else:
                request.query = validated_query(request, query_schema)
            if body_schema is not None:
                request.body = validated_body(request, body_schema)
            return fn(self, request, **path)

        handler._api_doc = dict(summary=summary, tag=tag, auth=auth, roles=roles, body=body, multipart=multipart,
                                response=response, status=status, errors=errors, binary=binary, query=query,
                                description=description, links=links or {}, not_modified=not_modified,
                                idempotent=idempotent or (multipart is not None and multipart[0] is not None),
                                operation_id=fn.__name__,
                                headers=list(headers), signed=before is not None, also=dict(also or {}))
        return handler

    return decorate


def validated_query(request, schema):
    """The query string as text, once each key, after ``schema`` accepted it (unknown keys are a 422)."""
    allowed = [field.data_key or name for name, field in schema.fields.items()]
    query = query_args(request, allowed)
    load(schema, query, "Parámetros de consulta inválidos.")
    return query


def validated_body(request, schema):
    """The JSON body as sent, after ``schema`` accepted it."""
    body = read_json(request)
    load(schema, body)
    return body


def check_routes(groups):
    """Refuse, at start, two routes of the gateway's groups with the same name (one would silently hide the
    other in the combined class) or the same method and path (werkzeug would answer only the first)."""
    names, endpoints = {}, {}
    for group in groups:
        for name, member in vars(group).items():
            for entrypoint in getattr(member, ENTRYPOINT_EXTENSIONS_ATTR, ()):
                if names.setdefault(name, group) is not group:
                    raise TypeError(f"route {name!r} is defined in {names[name].__name__} and {group.__name__}")
                key = (entrypoint.method, entrypoint.url)
                if endpoints.setdefault(key, f"{group.__name__}.{name}") != f"{group.__name__}.{name}":
                    raise TypeError(f"{key[0]} {key[1]} is routed twice: {endpoints[key]} and {group.__name__}.{name}")


# --- the document -------------------------------------------------------------------------------
def _path(url):
    # werkzeug "/cases/<string:case_number>" -> OpenAPI "/cases/{case_number}"
    out, params = "", []
    i = 0
    while i < len(url):
        if url[i] == "<":
            end = url.index(">", i)
            name = url[i + 1:end].split(":")[-1]
            params.append(name)
            out += "{" + name + "}"
            i = end + 1
        else:
            out += url[i]
            i += 1
    return out, params


def _schema_name(schema):
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-len("Schema")] if name.endswith("Schema") and name != "Schema" else name


def _state_rules(document, classes):
    """Merge each schema's ``openapi_rules`` (what JSON Schema can say of a rule across fields, such as "a
    rejection states its reason") into its component, so the document refuses what the schema refuses."""
    components = document.get("components", {}).get("schemas", {})
    for name, cls in classes.items():
        rules = getattr(cls, "openapi_rules", None)
        if rules and name in components:
            components[name].update(rules)


SESSION_COOKIE_DOC = ("La cookie de sesión del portal web (HttpOnly; «__Host-pj_session» donde es Secure, en "
                      "producción; «pj_session» en desarrollo). Se obtiene al entrar (/api/v1/auth/...).")
CSRF_DOC = "El token CSRF de la sesión (GET /api/v1/auth/session): obligatorio en cada escritura hecha con la cookie."


def build_spec(service_cls, server_url="/", max_documents=10, session_cookie="pj_session"):
    classes = {}

    def resolver(schema):
        cls = schema if isinstance(schema, type) else type(schema)
        name = _schema_name(cls)
        if classes.setdefault(name, cls) is not cls:
            raise TypeError(f"two schemas named {name!r} in the document: {classes[name]} and {cls}")
        return name

    plugin = MarshmallowPlugin(schema_name_resolver=resolver)
    spec = APISpec(title="Portal Judicial API", version="1.0.0", openapi_version="3.0.3", plugins=[plugin],
                   info={"description": "Servicios electrónicos del Organismo Judicial: expediente electrónico, "
                                        "presentación de escritos, resoluciones y casillero electrónico. "
                                        "Los errores tienen la forma {error, message, details}; "
                                        "details.fields nombra cada campo con problemas."},
                   servers=[{"url": server_url}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.security_scheme("session", {"type": "apiKey", "in": "cookie", "name": session_cookie,
                                                "description": SESSION_COOKIE_DOC})
    spec.components.security_scheme("csrf", {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                                             "description": CSRF_DOC})
    spec.components.schema("Error", schema=ErrorSchema)
    seen = {}
    for name in dir(service_cls):
        fn = getattr(service_cls, name)
        meta = getattr(fn, "_api_doc", None)
        entrypoints = getattr(fn, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if meta and not entrypoints:  # a lost @route: the operation would vanish from the API without a word
            raise TypeError(f"{name}: documented with @doc but served by no @route")
        if not meta or not entrypoints:
            continue
        for entrypoint in entrypoints:
            path, params = _path(entrypoint.url)
            operations = seen.setdefault(path, {})
            operations[entrypoint.method.lower()] = _operation(meta, params, max_documents, entrypoint.method)
    _check_links(seen)
    for path, operations in seen.items():
        spec.path(path=path, operations=operations)
    document = spec.to_dict()
    _state_rules(document, classes)
    return document


def _check_links(operations_by_path):
    """Every link names an operation of the document (a client following it, or the fuzzer, would find none)."""
    operations = [op for ops in operations_by_path.values() for op in ops.values()]
    known = {op["operationId"] for op in operations}
    for op in operations:
        for response in op["responses"].values():
            for name, link in (response.get("links") or {}).items():
                if link.get("operationId") not in known:
                    raise TypeError(f"{op['operationId']}: link {name} names no operation: {link.get('operationId')}")


def _operation(meta, params, max_documents, method="GET"):
    op = {"summary": meta["summary"], "tags": [meta["tag"]], "operationId": meta["operation_id"],
          "parameters": [{"name": p, "in": "path", "required": True, "description": PATH_PARAMETERS[p].description,
                          "schema": {"type": "string", "pattern": PATH_PARAMETERS[p].pattern}} for p in params]}
    if meta["description"]:
        op["description"] = meta["description"]
    if meta["query"] is not None:
        op["parameters"].append({"in": "query", "schema": meta["query"]})
    op["parameters"].extend(meta.get("headers") or [])
    write = method.upper() not in ("GET", "HEAD", "OPTIONS")
    if meta["auth"]:
        # either the bearer token, or the portal's session cookie (with its CSRF token on a write)
        op["security"] = [{"bearer": []}, {"session": [], "csrf": []} if write else {"session": []}]
    if meta["body"] is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    if meta["multipart"] is not None:
        metadata_schema, document_field, many = meta["multipart"]
        documents = {"type": "string", "format": "binary"}
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["metadata", document_field], "additionalProperties": False,
            "properties": {"metadata": metadata_schema,
                           document_field: {"type": "array", "items": documents, "minItems": 1,
                                            "maxItems": max_documents} if many else documents}},
            "encoding": {"metadata": {"contentType": "application/json"},
                         document_field: {"contentType": "application/pdf"}}}}}
        if metadata_schema is None:  # a document alone (no metadata part)
            form = op["requestBody"]["content"]["multipart/form-data"]
            form["schema"]["required"].remove("metadata")
            del form["schema"]["properties"]["metadata"], form["encoding"]["metadata"]
    if meta["idempotent"]:
        op["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": False,
                                 "schema": {"type": "string", "pattern": IDEMPOTENCY_KEY_PATTERN},
                                 "description": "La misma clave y el mismo contenido devuelven la misma constancia "
                                                "(de 1 a 128 caracteres ASCII visibles)."})
    responses = {}
    ok = {"description": "Correcto"}
    if meta["binary"]:
        ok = {"description": "Contenido", "content": {meta["binary"]: {"schema": {"type": "string", "format": "binary"}}}}
    elif meta["response"] is not None:
        ok = {"description": "Correcto", "content": {"application/json": {"schema": meta["response"]}}}
    for media_type, text in (meta.get("also") or {}).items():
        ok.setdefault("content", {})[media_type] = {"schema": {"type": "string", "description": text}}
    if meta["links"]:
        ok["links"] = meta["links"]
    responses[str(meta["status"])] = ok
    if meta["not_modified"]:
        op["parameters"].append({"name": "If-None-Match", "in": "header", "required": False,
                                 "schema": {"type": "string", "maxLength": MAX_IF_NONE_MATCH},
                                 "description": "El ETag de una respuesta anterior: si no cambió, 304 sin cuerpo."})
        responses["304"] = {"description": "Sin cambios desde el ETag indicado"}
    codes = set(meta["errors"]) | {503, 504}
    if meta["not_modified"]:
        codes.add(400)  # an If-None-Match longer than the document allows
    if meta["auth"] or meta.get("signed"):
        codes.add(401)
    if meta["roles"] or (meta["auth"] and write):
        codes.add(403)  # a role that may not, or a write with the session cookie and no CSRF token
    if params:
        codes.add(404)
    codes.add(422)  # a query parameter the operation does not take, or one its schema refuses
    if meta["body"] is not None or meta["multipart"] is not None:
        codes.update(BODY_ERRORS)
    for code in sorted(codes):
        responses[str(code)] = {"description": ERROR_TEXT.get(code, "Error"),
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = responses
    return op
