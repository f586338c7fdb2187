"""Errors that cross service boundaries.

A ``PortalError`` raised inside an RPC method travels back to the caller as the
same class (nameko deserialises registered exceptions to instances), so the
gateway maps it to an HTTP response without guessing: ``code`` is stable and
meant for programs, ``message`` is Spanish and meant for people, ``details``
names the offending fields.
"""
from nameko.exceptions import deserialize_to_instance


@deserialize_to_instance
class PortalError(Exception):
    status = 400
    default_code = "bad_request"

    def __init__(self, code=None, message="", details=None, status=None):
        code = code or self.default_code
        details = details or {}
        status = int(status or self.status)
        super().__init__(code, message, details, status)
        self.code = code
        self.message = message
        self.details = details
        self.status = status

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        deserialize_to_instance(cls)

    def to_dict(self):
        return {"error": self.code, "message": self.message, "details": self.details}

    def __str__(self):
        return f"{self.code}: {self.message}"


class ValidationFailed(PortalError):
    status = 422
    default_code = "validation_error"


class BadRequest(PortalError):
    status = 400
    default_code = "bad_request"


class Unauthenticated(PortalError):
    status = 401
    default_code = "unauthenticated"


class Forbidden(PortalError):
    status = 403
    default_code = "forbidden"


class NotFound(PortalError):
    status = 404
    default_code = "not_found"


class Conflict(PortalError):
    status = 409
    default_code = "conflict"


class PayloadTooLarge(PortalError):
    status = 413
    default_code = "payload_too_large"


class UnsupportedMediaType(PortalError):
    status = 415
    default_code = "unsupported_media_type"


class ServiceUnavailable(PortalError):
    status = 503
    default_code = "service_unavailable"


class ServiceTimeout(PortalError):
    status = 504
    default_code = "service_timeout"


def validation_error(marshmallow_messages, message="La solicitud contiene datos inválidos."):
    """Turn marshmallow's error messages into a ValidationFailed naming every field."""
    return ValidationFailed("validation_error", message, {"fields": flatten_messages(marshmallow_messages)})


def flatten_messages(messages, prefix=""):
    """{'a': {'b': ['x']}} -> {'a.b': 'x'}: one readable message per field path."""
    flat = {}
    if isinstance(messages, dict):
        for key, value in messages.items():
            path = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_messages(value, path))
    elif isinstance(messages, (list, tuple)):
        if all(isinstance(item, str) for item in messages):
            flat[prefix or "_schema"] = " ".join(messages)
        else:
            for item in messages:
                flat.update(flatten_messages(item, prefix))
    else:
        flat[prefix or "_schema"] = str(messages)
    return flat
