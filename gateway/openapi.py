"""OpenAPI 3 description of the gateway, generated from the routes and the contracts.

Each route carries ``@doc(...)``: its summary, tag, whether it needs a token, the
marshmallow schema of its JSON or multipart body and of its response, and the
errors it can answer. ``build_spec`` walks the gateway's entrypoints, so a route
that exists is described, and only routes that exist are.
"""
from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin
from nameko.extensions import ENTRYPOINT_EXTENSIONS_ATTR

from contracts.base import ErrorSchema

ERROR_TEXT = {
    400: "Solicitud mal formada", 401: "No autenticado", 403: "Sin permiso", 404: "No existe",
    409: "Conflicto de estado", 413: "Demasiado grande", 415: "Tipo de contenido no admitido",
    422: "Datos inválidos", 503: "Servicio no disponible", 504: "El servicio no respondió a tiempo",
}


def doc(summary, tag, auth=True, body=None, multipart=None, response=None, status=200, errors=(),
        binary=None, query=None, description=None):
    def decorate(fn):
        fn._api_doc = dict(summary=summary, tag=tag, auth=auth, body=body, multipart=multipart, response=response,
                           status=status, errors=errors, binary=binary, query=query, description=description,
                           operation_id=fn.__name__)
        return fn
    return decorate


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


def build_spec(service_cls, server_url="/"):
    spec = APISpec(title="Portal Judicial API", version="1.0.0", openapi_version="3.0.3",
                   plugins=[MarshmallowPlugin()],
                   info={"description": "Servicios electrónicos del Organismo Judicial: expediente electrónico, "
                                        "presentación de escritos, resoluciones y casillero electrónico. "
                                        "Los errores tienen la forma {error, message, details}."},
                   servers=[{"url": server_url}])
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
    spec.components.schema("Error", schema=ErrorSchema)
    for name in dir(service_cls):
        fn = getattr(service_cls, name)
        meta = getattr(fn, "_api_doc", None)
        entrypoints = getattr(fn, ENTRYPOINT_EXTENSIONS_ATTR, ())
        if not meta or not entrypoints:
            continue
        for entrypoint in entrypoints:
            path, params = _path(entrypoint.url)
            spec.path(path=path, operations={entrypoint.method.lower(): _operation(meta, params)})
    return spec.to_dict()


def _operation(meta, params):
    op = {"summary": meta["summary"], "tags": [meta["tag"]], "operationId": meta["operation_id"],
          "parameters": [{"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params]}
    if meta["description"]:
        op["description"] = meta["description"]
    for name, spec in (meta["query"] or {}).items():
        op["parameters"].append({"name": name, "in": "query", "required": False, "schema": spec})
    if meta["auth"]:
        op["security"] = [{"bearer": []}]
    if meta["body"] is not None:
        op["requestBody"] = {"required": True, "content": {"application/json": {"schema": meta["body"]}}}
    if meta["multipart"] is not None:
        metadata_schema, document_field, many = meta["multipart"]
        documents = {"type": "string", "format": "binary"}
        op["requestBody"] = {"required": True, "content": {"multipart/form-data": {"schema": {
            "type": "object", "required": ["metadata", document_field],
            "properties": {"metadata": metadata_schema,
                           document_field: {"type": "array", "items": documents} if many else documents}},
            "encoding": {"metadata": {"contentType": "application/json"}}}}}
        op["parameters"].append({"name": "Idempotency-Key", "in": "header", "required": False,
                                 "schema": {"type": "string", "maxLength": 128},
                                 "description": "La misma clave y el mismo contenido devuelven la misma constancia."})
    responses = {}
    if meta["binary"]:
        responses[str(meta["status"])] = {"description": "Contenido", "content": {meta["binary"]: {"schema": {"type": "string", "format": "binary"}}}}
    elif meta["response"] is not None:
        responses[str(meta["status"])] = {"description": "Correcto", "content": {"application/json": {"schema": meta["response"]}}}
    else:
        responses[str(meta["status"])] = {"description": "Correcto"}
    codes = set(meta["errors"]) | ({401} if meta["auth"] else set()) | {503, 504}
    for code in sorted(codes):
        responses[str(code)] = {"description": ERROR_TEXT.get(code, "Error"),
                                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
    op["responses"] = responses
    return op
