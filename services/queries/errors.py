"""The queries service's errors: runtime ``PortalError`` subclasses with a stable code and a Spanish message."""
from services.runtime.errors import NotFound, ServiceUnavailable, ValidationFailed

NOT_PUBLIC = ("El expediente no es de consulta pública o no existe. Sin usuario se consultan los amparos y los "
              "antejuicios; las partes de cualquier expediente lo consultan en su expediente electrónico, "
              "ingresando al portal con su usuario.")


def case_not_public(case_number: str) -> NotFound:
    """Every case the public may not see gets this same answer: not public, reserved or unknown alike."""
    return NotFound("case_not_public", NOT_PUBLIC, {"case_number": str(case_number)[:40]})


def resolution_not_found(resolution_id: str) -> NotFound:
    return NotFound("resolution_not_found", "No existe una resolución pública con ese identificador en ese "
                    "expediente.", {"resolution_id": str(resolution_id)[:64]})


def document_pending(resolution_id: str) -> ServiceUnavailable:
    return ServiceUnavailable("document_pending", "El documento de esta resolución aún no está disponible para "
                              "consulta pública. Intente de nuevo en unos minutos.",
                              {"resolution_id": resolution_id, "retry_after": 60})


def court_not_found(court_id: str) -> NotFound:
    return NotFound("court_not_found", "No existe un tribunal con ese código.", {"court_id": str(court_id)[:16]})


def rule_broken(exc) -> ValidationFailed:
    """A ``RuleError`` of the domain as the 422 naming its field."""
    field = exc.field or "_schema"
    return ValidationFailed(exc.code, exc.message, {"fields": {field: exc.message}})
