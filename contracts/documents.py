"""Rules for the documents people upload, shared by the gateway (which checks before anything travels) and
every service that stores uploads."""
import re
import unicodedata

from services.runtime.errors import ValidationFailed

# C0 and C1 controls, line/paragraph separators, bidi overrides (a name shown in another order than it is
# stored), and the characters that make a name a path on some system.
_FORBIDDEN_NAME_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069/\\:*?\"<>|]")


def check_filename(filename, part="documents"):
    """A filename is data: it must not look like a path, and it must be a .pdf name."""
    field = {"fields": {part: "Nombre de archivo inválido."}}
    if not isinstance(filename, str) or not filename.strip():
        raise ValidationFailed("invalid_filename", "Cada documento debe tener un nombre de archivo.", field)
    name = unicodedata.normalize("NFC", filename.strip())
    if len(name) > 255:
        raise ValidationFailed("invalid_filename", "El nombre del archivo no puede exceder 255 caracteres.", field)
    # with separators refused, ".." inside a name ("demanda..final.pdf") cannot climb anywhere
    if _FORBIDDEN_NAME_CHARS.search(name) or name.startswith("."):
        raise ValidationFailed("invalid_filename",
                               "El nombre del archivo contiene caracteres no permitidos (rutas, '..' o caracteres de control).",
                               {"fields": {part: name[:80]}})
    if not name.lower().endswith(".pdf"):
        raise ValidationFailed("invalid_filename", "El nombre del archivo debe terminar en .pdf.", {"fields": {part: name[:80]}})
    return name
