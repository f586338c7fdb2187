"""Identifiers that appear in URL paths: their form, and what the API answers when a value does not have it.

The gateway checks every path parameter against its rule before any RPC, and the OpenAPI document states
the same pattern, so a client generated from the document never sends an identifier the API refuses for
its form. A value of the wrong form names nothing that exists: the answer is the same 404 as for a
well-formed identifier of nothing.
"""
import re
from dataclasses import dataclass, field

from contracts.base import HEX_ID_PATTERN
from contracts.certificates import VERIFICATION_CODE_PATTERN
from contracts.chat import SHORTCODE_PATTERN, WA_ID_PATTERN
from contracts.filings import CASE_NUMBER_PATTERN
from contracts.protocol import BAR_NUMBER_PATTERN
from contracts.queries import SHA256_PATTERN


@dataclass(frozen=True)
class PathParameter:
    pattern: str
    not_found_code: str
    not_found_message: str
    description: str
    regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        object.__setattr__(self, "regex", re.compile(self.pattern))  # compiled once, beside its pattern


PATH_PARAMETERS = {
    "case_number": PathParameter(CASE_NUMBER_PATTERN, "case_not_found", "No existe un expediente con ese número.",
                                 "Número de expediente CCCCC-AAAA-NNNNN: tribunal, año y correlativo"),
    "filing_id": PathParameter(HEX_ID_PATTERN, "filing_not_found", "No existe un escrito con ese identificador.",
                               "Identificador del escrito (32 hexadecimales)"),
    "document_id": PathParameter(HEX_ID_PATTERN, "document_not_found",
                                 "No existe un documento con ese identificador.",
                                 "Identificador del documento (32 hexadecimales)"),
    "hearing_id": PathParameter(HEX_ID_PATTERN, "hearing_not_found", "No existe una audiencia con ese identificador.",
                                "Identificador de la audiencia (32 hexadecimales)"),
    "agent_sub": PathParameter(r"^[A-Za-z0-9._@:-]{1,128}$", "agent_not_found",
                               "No hay un agente del chat con ese identificador.",
                               "Identificador (sub) de un agente del chat"),
    "conversation_id": PathParameter(HEX_ID_PATTERN, "conversation_not_found",
                                     "No existe una conversación con ese identificador.",
                                     "Identificador de la conversación del chat (32 hexadecimales)"),
    "message_id": PathParameter(HEX_ID_PATTERN, "message_not_found", "No existe un mensaje con ese identificador.",
                                "Identificador de un mensaje del chat (32 hexadecimales)"),
    "inquiry_id": PathParameter(HEX_ID_PATTERN, "inquiry_not_found", "No existe una consulta con ese identificador.",
                                "Identificador de una consulta del chat a un tribunal o un área (32 hexadecimales)"),
    "notification_id": PathParameter(HEX_ID_PATTERN, "notification_not_found",
                                     "No existe una notificación con ese identificador en su casillero.",
                                     "Identificador de la notificación (32 hexadecimales)"),
    "record_id": PathParameter(HEX_ID_PATTERN, "record_not_found", "No existe un antecedente con ese identificador.",
                               "Identificador del antecedente penal (32 hexadecimales)"),
    "request_id": PathParameter(HEX_ID_PATTERN, "request_not_found", "No existe una solicitud con ese identificador.",
                                "Identificador de la solicitud de constancia (32 hexadecimales)"),
    "certificate_id": PathParameter(HEX_ID_PATTERN, "certificate_not_found",
                                    "No existe una constancia con ese identificador.",
                                    "Identificador de la constancia (32 hexadecimales)"),
    "verification_code": PathParameter(VERIFICATION_CODE_PATTERN, "certificate_not_found",
                                       "No existe una constancia con ese código de verificación.",
                                       "Código de verificación impreso en la constancia (XXXX-XXXX-XXXX)"),
    "resolution_id": PathParameter(HEX_ID_PATTERN, "resolution_not_found",
                                   "No existe una resolución con ese identificador.",
                                   "Identificador de la resolución (32 hexadecimales)"),
    "sha256": PathParameter(SHA256_PATTERN, "document_not_found", "No existe un documento con esa huella.",
                            "SHA-256 del documento (64 hexadecimales)"),
    "bar_number": PathParameter(BAR_NUMBER_PATTERN, "notary_not_found", "No hay un notario registrado con ese número.",
                                "Número de colegiado del notario"),
    "instrument_id": PathParameter(HEX_ID_PATTERN, "instrument_not_found",
                                   "No existe un instrumento con ese identificador.",
                                   "Identificador del instrumento depositado (32 hexadecimales)"),
    "copy_id": PathParameter(HEX_ID_PATTERN, "copy_not_found", "No existe una copia con ese identificador.",
                             "Identificador de la copia certificada (32 hexadecimales)"),
    "shortcode": PathParameter(SHORTCODE_PATTERN, "canned_response_not_found",
                               "No hay una respuesta guardada con ese atajo.",
                               "Atajo de una respuesta guardada del chat (minúsculas, dígitos, _ y -; hasta 32)"),
    "wa_id": PathParameter(WA_ID_PATTERN, "link_not_found", "Ese número no está vinculado a su cuenta.",
                           "Número de WhatsApp vinculado, E.164 sin + (solo dígitos)"),
    "year": PathParameter(r"^(19|20)[0-9]{2}$", "year_not_found", "Año inválido.", "Año del protocolo (AAAA)"),
}
