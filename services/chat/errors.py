"""The chat's errors: each a runtime ``PortalError`` with a stable code, a Spanish message and details."""
from services.runtime.errors import Conflict, Forbidden, NotFound, PortalError, Unauthenticated, ValidationFailed


def conversation_not_found(conversation_id):
    return NotFound("conversation_not_found", "No existe una conversación con ese identificador.",
                    {"conversation_id": str(conversation_id)[:64]})


def staff_only(role):
    return Forbidden("forbidden", "Solo el personal del chat puede ver y atender conversaciones.", {"role": role})


def assign_forbidden():
    return Forbidden("forbidden", "Un agente solo puede tomar conversaciones sin asignar o soltar las suyas; "
                     "la supervisión asigna a cualquiera.", {})


def media_not_found(message_id):
    return NotFound("media_not_found", "Ese mensaje no tiene un archivo guardado (aún no se descargó, fue "
                    "rechazado o no existe).", {"message_id": str(message_id)[:64]})


def not_classified(message_id):
    return NotFound("message_not_classified", "Ese mensaje no existe en la conversación o no tiene clasificación "
                    "(solo los mensajes del usuario con texto).", {"message_id": str(message_id)[:64]})


def supervisor_only(what="configura equipos y capacidad de los agentes"):
    return Forbidden("forbidden", f"Solo la supervisión del chat {what}.", {})


def agent_not_found(sub):
    return NotFound("agent_not_found", "No hay un agente del chat con ese identificador (debe haber ingresado "
                    "al menos una vez a la bandeja).", {"agent": str(sub)[:128]})


def assignment_changed():
    return Conflict("assignment_changed", "La asignación de la conversación cambió mientras tanto; vuelva a "
                    "cargarla.", {})


def outside_window(closed_at, templates):
    return Conflict("outside_window", "Pasaron más de 24 horas desde el último mensaje del usuario: WhatsApp no "
                    "permite una respuesta libre. Envíe una plantilla aprobada.",
                    {"window_closed_at": closed_at, "templates": templates})


def unknown_template(reason, templates):
    return ValidationFailed("unknown_template", reason, {"fields": {"template": reason}, "templates": templates})


def unknown_line(line, lines):
    """``lines``: {phone_number_id: line} of the configuration."""
    choices = ", ".join(f"{key} ({value['region']})" for key, value in lines.items())
    return ValidationFailed("unknown_line", "No hay una línea configurada con ese phone_number_id.",
                            {"fields": {"line": f"Use una de: {choices}."}, "line": str(line)[:64]})


def invalid_status(reason):
    return ValidationFailed("validation_error", reason, {"fields": {"snoozed_until": reason}})


def invalid_signature():
    return Unauthenticated("invalid_signature", "La firma X-Hub-Signature-256 falta o no corresponde al cuerpo.")


def invalid_webhook(fields):
    return ValidationFailed("invalid_webhook", "El cuerpo no es una notificación de WhatsApp Business.",
                            {"fields": fields})


def webhook_too_large(limit):
    return PortalError("payload_too_large", f"El cuerpo excede el máximo de {limit} bytes.", status=413)


# --- inquiries to a court or an area --------------------------------------------------------------------------------
def inquiry_not_found(inquiry_id):
    return NotFound("inquiry_not_found", "No existe una consulta con ese identificador.",
                    {"inquiry_id": str(inquiry_id)[:64]})


def inquiries_forbidden(role):
    return Forbidden("forbidden", "Solo el personal del chat y los secretarios y jueces de un tribunal ven "
                     "consultas.",
                     {"role": role})


def inquiry_ask_forbidden(role):
    return Forbidden("forbidden", "Solo el personal del chat envía consultas a un tribunal o un área.", {"role": role})


def inquiry_answer_forbidden():
    return Forbidden("forbidden", "Esta consulta la responde el secretario del tribunal consultado o, si se hizo a "
                     "un área, su personal o la supervisión del chat.", {})


def inquiry_read_only_for_judges():
    return Forbidden("forbidden", "Un juez ve las consultas del chat a su tribunal, pero no las responde: las responde "
                     "el secretario del tribunal.", {"role": "judge"})


def inquiry_answered():
    return Conflict("inquiry_answered", "La consulta ya fue respondida; una respuesta no se cambia.", {})


def court_not_found(court_id):
    message = "No existe un tribunal con ese código."
    return NotFound("court_not_found", message, {"court_id": str(court_id)[:16], "fields": {"court_id": message}})


def unknown_area(area, areas):
    return ValidationFailed("unknown_area", "No hay un área con ese nombre.",
                            {"fields": {"area": f"Use una de: {', '.join(areas)}."}, "area": str(area)[:64]})


def reports_own_only():
    return Forbidden("forbidden", "Un agente solo puede ver los reportes de sus propias conversaciones; la supervisión "
                     "ve los de todos.", {})


def invalid_report_period(fields):
    return ValidationFailed("invalid_period", "El período del reporte no es válido.", {"fields": fields})


def invalid_report_page(after):
    return ValidationFailed("invalid_page", "La página pedida del reporte no es válida.",
                            {"fields": {"after": "No es una página de este reporte."}, "after": str(after)[:100]})


# --- a lawyer's WhatsApp number linked to their account -----------------------------------------------------------
def lawyers_only(role):
    return Forbidden("forbidden", "Solo un abogado, con su propia sesión, vincula su número de WhatsApp a su cuenta.",
                     {"role": role})


def link_rate_limited(retry_after, scope):
    which = ("Pidió demasiados códigos en la última hora" if scope == "lawyer"
             else "Se pidieron demasiados códigos para ese número en la última hora")
    return PortalError("too_many_link_requests", f"{which}. Espere {retry_after} segundos e intente de nuevo.",
                       {"retry_after": retry_after, "scope": scope}, status=429)


def no_pending_link():
    return NotFound("link_not_requested", "No hay un código de vinculación pendiente: pida uno nuevo "
                    "(POST /api/v1/chat/link).", {})


def link_code_wrong(attempts_left):
    message = ("El código no es correcto. " + (f"Le quedan {attempts_left} intento(s)." if attempts_left
                                               else "Ya no le quedan intentos: pida un código nuevo."))
    return ValidationFailed("link_code_wrong", message, {"fields": {"code": message}, "attempts_left": attempts_left})


def link_code_expired():
    return Conflict("link_code_expired", "El código venció (dura 10 minutos) y no se vinculó ningún número. Pida un "
                    "código nuevo.", {})


def link_code_locked():
    return Conflict("link_code_locked", "Se agotaron los intentos con este código y no se vinculó ningún número. Pida "
                    "un código nuevo.", {})


def link_not_found(wa_id):
    return NotFound("link_not_found", "Ese número no está vinculado a su cuenta.", {"wa_id": str(wa_id)[:32]})


def number_not_linked(wa_id):
    return NotFound("link_not_found", "Ese número no está vinculado a la cuenta de ningún abogado.",
                    {"wa_id": str(wa_id)[:32]})


# --- canned responses --------------------------------------------------------------------------------------------------
ESCAPE_HINT = "Para enviar un texto que empiece con «/», escriba «//»."


def canned_supervisor_only():
    return Forbidden("forbidden", "Solo la supervisión del chat crea, cambia y borra respuestas guardadas.", {})


def canned_response_not_found(shortcode):
    return NotFound("canned_response_not_found", "No hay una respuesta guardada con ese atajo.",
                    {"shortcode": str(shortcode)[:32]})


def canned_response_exists(shortcode):
    message = f"Ya hay una respuesta guardada con el atajo «/{shortcode}»: cámbiela o elija otro atajo."
    return Conflict("canned_response_exists", message, {"fields": {"shortcode": message}, "shortcode": shortcode})


def canned_responses_full(limit):
    return Conflict("canned_responses_full", f"Ya hay {limit} respuestas guardadas, el máximo: borre alguna antes de "
                    "agregar otra.", {"limit": limit})


def unknown_canned_response(shortcode):
    message = f"No hay una respuesta guardada con el atajo «/{shortcode}»; no se envió nada. {ESCAPE_HINT}"
    return ValidationFailed("unknown_canned_response", message, {"fields": {"text": message}, "shortcode": shortcode})


def not_a_shortcode(token):
    message = (f"Un texto que empieza con «/» nombra una respuesta guardada, y «/{token}» no es un atajo (minúsculas "
               f"sin tildes, dígitos, _ y -); no se envió nada. {ESCAPE_HINT}")
    return ValidationFailed("invalid_shortcode", message, {"fields": {"text": message}})


def expanded_too_long(reason):
    return ValidationFailed("validation_error", reason, {"fields": {"text": reason}})


def web_lawyers_only(role):
    return Forbidden("forbidden", "Solo un abogado, con su propia sesión, escribe al tribunal por el chat web.",
                     {"role": role})


def web_live_recipients_forbidden():
    return Forbidden("forbidden", "Solo puede seguir en vivo su propia conversación con el tribunal.",
                     {"field": "recipients"})


def template_not_for_web():
    return ValidationFailed("template_not_for_web", "Las plantillas son de WhatsApp: en una conversación web "
                            "responda con texto (no hay ventana de 24 horas).",
                            {"fields": {"template": "No se usa en el canal web."}})


def empty_web_message():
    return ValidationFailed("empty_message", "El mensaje no tiene texto legible (solo caracteres de control).",
                            {"fields": {"text": "Escriba un texto legible."}})
