"""The certificates service's errors: each a runtime ``PortalError`` (the gateway maps it to its HTTP status)
with a stable code, a Spanish message and the offending value named in ``details``."""
from services.runtime.errors import Conflict, Forbidden, NotFound, PortalError, ValidationFailed


def _shown(value, limit=64):
    return str(value)[:limit]


def record_not_found(record_id):
    return NotFound("record_not_found", "No existe un antecedente con ese identificador.",
                    {"record_id": _shown(record_id)})


def record_exists(case_number):
    return Conflict("record_exists", "Esa persona ya tiene registrado un antecedente por ese proceso.",
                    {"case_number": _shown(case_number) if case_number else None})


def already_cancelled(record_id):
    return Conflict("already_cancelled", "Ese antecedente ya fue cancelado.", {"record_id": _shown(record_id)})


def invalid_cui(field, problem):
    return ValidationFailed("invalid_cui", problem.message, {"fields": {field: problem.message}, "part": problem.part})


def import_rejected(rejected):
    return ValidationFailed("import_rejected", "El archivo tiene filas inválidas; no se importó ninguna.",
                            {"imported": 0, "rejected": rejected})


def only_records_officer(role):
    return Forbidden("forbidden", "Solo la Unidad de Antecedentes Penales puede hacer esto.", {"role": role})


def only_citizens(role):
    return Forbidden("forbidden", "Solo un ciudadano puede solicitar su propia constancia.", {"role": role})


def no_id_number():
    return Forbidden("forbidden", "Su identidad no indica un CUI (claim id_number); no puede solicitar constancias.")


def request_not_found(request_id):
    return NotFound("request_not_found", "No existe una solicitud con ese identificador.",
                    {"request_id": _shown(request_id)})


def certificate_not_found(certificate_id):
    return NotFound("certificate_not_found", "No existe una constancia con ese identificador.",
                    {"certificate_id": _shown(certificate_id)})


def download_not_found():
    return NotFound("download_not_found", "El código de descarga no existe o la constancia ya venció.")


def reference_not_found(reference):
    return NotFound("reference_not_found", "No existe una solicitud con esa referencia de pago.",
                    {"reference": _shown(reference, 20)})


def reference_invalid(reference):
    return ValidationFailed("validation_error", "El dígito verificador de la referencia no corresponde.",
                            {"fields": {"reference": "Dígito verificador incorrecto."}})


def payment_refused(check):
    return PortalError(check.code, check.message, {}, status=check.status)


def transaction_reused(transaction_id):
    return Conflict("transaction_reused", "Esa transacción ya se notificó con otros datos.",
                    {"transaction_id": _shown(transaction_id)})


def already_revoked(certificate_id):
    return Conflict("already_revoked", "La constancia ya fue revocada.", {"certificate_id": _shown(certificate_id)})


def not_a_pdf(code):
    return PortalError("pdf_" + code, "El documento no es un PDF válido.", {"fields": {"document": code}},
                       status=415 if code == "not_pdf" else 422)
