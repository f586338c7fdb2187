"""Multipart uploads: a ``metadata`` JSON part and PDF document parts.

Checks everything that can be checked before a byte reaches a service: the
content type, the total size, the number of parts and documents, each
document's size and name, and the metadata JSON.
"""
import re
from dataclasses import dataclass

from werkzeug.exceptions import RequestEntityTooLarge

from services.runtime.errors import BadRequest, PayloadTooLarge, PortalError, UnsupportedMediaType, ValidationFailed
from services.runtime.idempotency import generated_key
from contracts.base import load
from gateway.openapi import IDEMPOTENCY_KEY_PATTERN
from gateway.web import parse_json_object

_IDEMPOTENCY_KEY_RE = re.compile(IDEMPOTENCY_KEY_PATTERN)

MAX_METADATA_BYTES = 256 * 1024


@dataclass
class Upload:
    filename: str
    data: bytes


def read_multipart(request, schema, document_field, max_documents, max_document_bytes, single=False):
    """Return ``(metadata, [Upload])`` or raise a clear 4xx; ``schema`` (a class) validates the metadata.
    ``schema=None``: the request carries only its document part(s), and ``metadata`` is None."""
    if (request.mimetype or "").lower() != "multipart/form-data":
        raise UnsupportedMediaType("unsupported_media_type",
                                   "La solicitud debe enviarse como multipart/form-data con las partes "
                                   f"'metadata' y '{document_field}'.", {"content_type": request.mimetype or None})
    total_limit = max_documents * max_document_bytes + 2 * 1024 * 1024
    if request.content_length is not None and request.content_length > total_limit:
        raise PayloadTooLarge("payload_too_large", "La solicitud excede el tamaño máximo permitido.",
                              {"max_bytes": total_limit})
    request.max_content_length = total_limit
    request.max_form_memory_size = MAX_METADATA_BYTES
    request.max_form_parts = max_documents + 20
    try:
        form, files = request.form, request.files
    except RequestEntityTooLarge:
        # werkzeug does not say which limit it hit: a text part over MAX_METADATA_BYTES or too many parts
        raise PayloadTooLarge("payload_too_large",
                              f"La parte 'metadata' excede el máximo de {MAX_METADATA_BYTES} bytes o la solicitud "
                              f"tiene más de {request.max_form_parts} partes.",
                              {"fields": {"metadata": f"Máximo {MAX_METADATA_BYTES} bytes."},
                               "max_bytes": MAX_METADATA_BYTES, "max_parts": request.max_form_parts})

    text_parts = ("metadata",) if schema is not None else ()  # a document alone takes no metadata part
    unexpected = [key for key in form.keys() if key not in text_parts]
    unexpected += [key for key in files.keys() if key not in (document_field, *text_parts)]
    if unexpected:
        raise ValidationFailed("unexpected_part", "La solicitud contiene partes no reconocidas.",
                               {"fields": {key: "Parte no permitida." for key in unexpected}})
    metadata = _metadata(form, files, schema) if schema is not None else None

    parts = files.getlist(document_field)
    if not parts:
        raise ValidationFailed("validation_error", "Adjunte al menos un documento PDF.",
                               {"fields": {document_field: "Este campo es obligatorio."}})
    limit = 1 if single else max_documents
    if len(parts) > limit:
        raise PayloadTooLarge("too_many_documents", f"Se permiten como máximo {limit} documentos.",
                              {"max_documents": limit, "received": len(parts)})
    uploads = []
    for part in parts:
        data = part.stream.read(max_document_bytes + 1)
        if len(data) > max_document_bytes:
            raise PayloadTooLarge("document_too_large", f"El documento excede el máximo de {max_document_bytes} bytes.",
                                  {"filename": part.filename, "max_bytes": max_document_bytes})
        if not data:
            raise ValidationFailed("empty_document", "El documento está vacío.", {"filename": part.filename})
        uploads.append(Upload(part.filename or "", data))
    return metadata, uploads


def _metadata(form, files, schema):
    """The ``metadata`` part: one JSON object, UTF-8, at most MAX_METADATA_BYTES, that ``schema`` accepts."""
    raw_metadata = form.getlist("metadata") + [f.read(MAX_METADATA_BYTES + 1) for f in files.getlist("metadata")]
    if not raw_metadata:
        raise ValidationFailed("validation_error", "Falta la parte 'metadata'.", {"fields": {"metadata": "Este campo es obligatorio."}})
    if len(raw_metadata) > 1:
        raise ValidationFailed("validation_error", "Envíe una sola parte 'metadata'.", {"fields": {"metadata": "Parte repetida."}})
    if len(raw_metadata[0]) > MAX_METADATA_BYTES:
        raise PayloadTooLarge("payload_too_large", "La parte 'metadata' es demasiado grande.",
                              {"fields": {"metadata": f"Máximo {MAX_METADATA_BYTES} bytes."}, "max_bytes": MAX_METADATA_BYTES})
    if isinstance(raw_metadata[0], str) and "\ufffd" in raw_metadata[0]:
        # werkzeug decodes a text part with errors="replace": bytes that were not UTF-8 (e.g. Latin-1 "evacuación")
        # would be stored as "evacuaci\ufffdn" in a receipt of legal weight
        raise BadRequest("malformed_json", "La parte 'metadata' no está codificada en UTF-8.",
                         {"field": "metadata", "fields": {"metadata": "Texto no codificado en UTF-8."}})
    metadata = parse_json_object(raw_metadata[0], "metadata")
    load(schema, metadata)
    return metadata


def idempotency_key(request):
    """The client's Idempotency-Key, or one made for this request.

    A request always carries a key to the service, so that a call redelivered
    after the service restarted mid-way is recognised and never applied twice.
    """
    key = request.headers.get("Idempotency-Key")
    if key is None:
        return generated_key()
    key = key.strip()
    if not _IDEMPOTENCY_KEY_RE.match(key):
        raise PortalError("invalid_idempotency_key", "El encabezado Idempotency-Key debe tener entre 1 y 128 "
                          "caracteres ASCII visibles (sin espacios).", {"header": "Idempotency-Key"}, status=400)
    return key
