"""Errors of the notarial protocol archive: each a runtime ``PortalError`` with a stable code and a Spanish
message (the gateway maps it to its HTTP status)."""
from services.runtime.errors import Conflict, Forbidden, NotFound, ValidationFailed


def _shown(value, limit=64):
    return str(value)[:limit]


def notary_exists(bar_number):
    return Conflict("notary_exists", "Ya hay un notario registrado con ese número de colegiado.",
                    {"bar_number": _shown(bar_number)})


def notary_not_found(bar_number):
    return NotFound("notary_not_found", "No hay un notario registrado con ese número.", {"bar_number": _shown(bar_number)})


def only_archive_staff(role):
    return Forbidden("forbidden", "Solo el personal del Archivo General de Protocolos puede hacer esto.", {"role": role})


def only_notaries(role):
    return Forbidden("forbidden", "Solo un notario puede hacer esto.", {"role": role})


def notary_not_registered():
    return Forbidden("notary_not_registered", "Su número de colegiado no está en el registro de notarios del "
                                              "Archivo General de Protocolos.")


def notary_inactive(status):
    return Forbidden("notary_inactive", f"Un notario en estado «{status}» no puede depositar testimonios.",
                     {"status": status})


def not_allowed(role):
    return Forbidden("forbidden", "Su rol no permite esta operación.", {"role": role})


def invalid(fields, message="La solicitud contiene datos inválidos."):
    return ValidationFailed("validation_error", message, {"fields": fields})


def number_taken(year, number):
    return Conflict("number_taken", f"Ya depositó el instrumento número {number} de {year}; para reemplazarlo "
                                    "envíe una corrección (correction: true).", {"year": year, "number": number})


def nothing_to_correct(year, number):
    return Conflict("nothing_to_correct", f"No hay un depósito del instrumento número {number} de {year} que "
                                          "corregir.", {"year": year, "number": number})


def instrument_not_found(instrument_id):
    return NotFound("instrument_not_found", "No existe un instrumento con ese identificador.",
                    {"instrument_id": _shown(instrument_id)})


def copy_not_found(copy_id):
    return NotFound("copy_not_found", "No existe una copia con ese identificador.", {"copy_id": _shown(copy_id)})


def superseded(instrument_id):
    return Conflict("instrument_superseded", "Ese depósito fue sustituido por una corrección; use la versión "
                                             "vigente.", {"instrument_id": _shown(instrument_id)})


def no_approval_needed(copy_id):
    return Conflict("approval_not_needed", "Esa copia no espera aprobación o ya fue aprobada.",
                    {"copy_id": _shown(copy_id)})


def death_certificate_required():
    return ValidationFailed("death_certificate_required", "La copia de un testamento para quien no es su notario "
                            "requiere que el Archivo revise la certificación de defunción del testador.",
                            {"fields": {"death_certificate_reviewed": "Debe ser true."}})


def not_issued(copy_id):
    return Conflict("copy_not_issued", "La copia aún no ha sido emitida.", {"copy_id": _shown(copy_id)})


def already_revoked(copy_id):
    return Conflict("already_revoked", "La copia ya fue revocada.", {"copy_id": _shown(copy_id)})
