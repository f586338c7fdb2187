"""The mailbox's errors: each one a runtime ``PortalError`` (the gateway maps it to its HTTP status) with a
stable code, a Spanish message and the offending value named in ``details``. Built here, raised where the
rule or the store refuses."""
import datetime
from typing import Optional

from services.runtime.errors import Conflict, Forbidden, NotFound, PortalError, ValidationFailed

BOARD_ONLY_STAFF = "Solo el personal del tribunal del expediente puede ver sus notificaciones."


def _shown(value: object, limit: int) -> str:
    """A value the caller sent, as text short enough to echo back."""
    return str(value)[:limit]


def notice_not_found(notification_id: object) -> NotFound:
    """No notice of the caller's with that id: the same answer whether someone else's exists or not."""
    return NotFound("notification_not_found", "No existe una notificación con ese identificador en su casillero.",
                    {"notification_id": _shown(notification_id, 64)})


def case_not_found(case_number: object) -> NotFound:
    return NotFound("case_not_found", "No existe un expediente con ese número.",
                    {"case_number": _shown(case_number, 40)})


def board_forbidden(case_number: object) -> Forbidden:
    return Forbidden("forbidden", BOARD_ONLY_STAFF, {"case_number": _shown(case_number, 40)})


def live_forbidden(role: str) -> Forbidden:
    return Forbidden("forbidden", "Solo un abogado sigue en vivo su casillero electrónico.", {"role": role})


def live_recipients_forbidden() -> Forbidden:
    return Forbidden("forbidden", "Solo puede seguir en vivo su propio casillero electrónico.", {"field": "recipients"})


def closure_forbidden(role: str) -> Forbidden:
    return Forbidden("forbidden", "Solo la administración puede registrar cierres de tribunales.", {"role": role})


def closure_out_of_range(first_year: int, last_year: int) -> ValidationFailed:
    return ValidationFailed("validation_error", "La fecha del cierre está fuera del rango permitido.",
                            {"fields": {"date": f"Entre {first_year} y {last_year}."}})


def court_not_found(court_id: str) -> NotFound:
    return NotFound("court_not_found", "No existe un tribunal con ese código.", {"court_id": court_id})


def already_non_business(reason: str) -> Conflict:
    return Conflict("already_non_business", f"Ese día ya es inhábil: {reason}.",
                    {"fields": {"date": f"Día inhábil: {reason}."}})


def closure_exists(day: datetime.date, court_id: Optional[str]) -> Conflict:
    return Conflict("closure_exists", "Ya está registrado ese cierre para ese día.",
                    {"date": day.isoformat(), "court_id": court_id})


def document_mismatch(notification_id: str) -> PortalError:
    return PortalError("document_mismatch", "El documento de la resolución no coincide con el registrado en "
                       "la notificación. Se informó al soporte técnico.", {"notification_id": notification_id},
                       status=502)
