"""Contracts of the chat service (CHAT PJBC over WhatsApp): the webhook's handshake and acknowledgement, the
lines, the staff inbox (conversations, messages, notes) and what agents send."""
from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.base import ContractSchema, one_of, pattern_text, plain_text, text
from contracts.paging import cursor_field, limit_field

CONVERSATION_STATUSES = ("open", "pending", "snoozed", "resolved")
MESSAGE_STATUSES = ("received", "queued", "sent", "delivered", "read", "failed")
PHONE_NUMBER_ID_PATTERN = r"^[0-9]{1,32}$"
SUB_PATTERN = r"^[A-Za-z0-9._@:-]{1,128}$"
LABEL_PATTERN = r"^[a-z0-9_-]{1,64}$"
MAX_MESSAGE_TEXT = 4096


# --- the webhook ----------------------------------------------------------------------------------------------
class WebhookVerifyQuerySchema(ContractSchema):
    """Query of GET /api/v1/chat/whatsapp/webhook: Meta's subscription handshake."""

    mode = plain_text(64, required=False, data_key="hub.mode", metadata={"description": "subscribe"})
    verify_token = plain_text(256, required=False, data_key="hub.verify_token",
                              metadata={"description": "El WHATSAPP_VERIFY_TOKEN configurado"})
    challenge = plain_text(256, required=False, data_key="hub.challenge",
                           metadata={"description": "Se devuelve tal cual, como texto plano"})


class WebhookAckSchema(ContractSchema):
    status = fields.String(required=True, metadata={"description": "received: guardado (o ya lo estaba)"})


# --- lines --------------------------------------------------------------------------------------------------------
class LineSchema(ContractSchema):
    phone_number_id = fields.String(required=True)
    display_number = fields.String(required=True)
    region = fields.String(required=True)
    team = fields.String(required=True)
    time_zone = fields.String(required=True)


class LineListSchema(ContractSchema):
    items = fields.List(fields.Nested(LineSchema), required=True)


# --- the inbox ------------------------------------------------------------------------------------------------------
class ConversationListQuerySchema(ContractSchema):
    line = pattern_text(PHONE_NUMBER_ID_PATTERN, "phone_number_id de una línea: solo dígitos.", required=False)
    status = one_of(CONVERSATION_STATUSES, required=False)
    assignee = pattern_text(SUB_PATTERN, "Identificador de agente inválido.", required=False,
                            metadata={"description": "El sub del agente asignado, o none: sin asignar"})
    label = pattern_text(LABEL_PATTERN, "Etiqueta inválida: minúsculas, dígitos, _ y -.", required=False)
    complaint = fields.Boolean(required=False, metadata={"description": "true: solo las marcadas como queja"})
    limit = limit_field(100, required=False)
    cursor = cursor_field(required=False)


class PersonRefSchema(ContractSchema):
    sub = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)


class ContactSchema(ContractSchema):
    wa_id = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)


class ConversationSummarySchema(ContractSchema):
    conversation_id = fields.String(required=True)
    line = fields.String(required=True)
    region = fields.String(allow_none=True, required=True)
    contact = fields.Nested(ContactSchema, required=True)
    status = one_of(CONVERSATION_STATUSES, required=True)
    snoozed_until = fields.String(allow_none=True, required=True)
    assignee = fields.Nested(PersonRefSchema, allow_none=True, required=True)
    labels = fields.List(fields.String(), required=True)
    team = fields.String(allow_none=True, required=True, metadata={"description": "El equipo que la atiende"})
    last_message_at = fields.String(allow_none=True, required=True)
    last_message_preview = fields.String(required=True)
    last_user_message_at = fields.String(allow_none=True, required=True)
    window_open = fields.Boolean(required=True, metadata={"description": "Si cabe una respuesta libre (24 h)"})
    window_closes_at = fields.String(allow_none=True, required=True)
    unanswered = fields.Integer(required=True)
    complaint = fields.Boolean(required=True, metadata={"description": "Algún mensaje del usuario se clasificó "
                                                                       "como queja"})
    created_at = fields.String(required=True)


class ConversationListSchema(ContractSchema):
    items = fields.List(fields.Nested(ConversationSummarySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


class MessageErrorSchema(ContractSchema):
    code = fields.Integer(allow_none=True, required=True)
    reason = fields.String(required=True, metadata={"description": "Motivo en español, para el agente"})
    retrying = fields.Boolean(required=True)


class CorrectionSchema(ContractSchema):
    label = one_of(("queja", "consulta", "sugerencia"), required=True)
    by = fields.String(required=True)
    at = fields.String(required=True)


class ClassificationSchema(ContractSchema):
    label = one_of(("queja", "consulta", "sugerencia"), required=True)
    cues = fields.List(fields.String(), required=True, metadata={"description": "Las señales que decidieron"})
    corrected = fields.Nested(CorrectionSchema, required=False, allow_none=True,
                              metadata={"description": "La corrección del personal, si la hubo"})


class CorrectionRequestSchema(ContractSchema):
    label = one_of(("queja", "consulta", "sugerencia"), required=True)


class MessageSchema(ContractSchema):
    message_id = fields.String(required=True)
    direction = one_of(("in", "out"), required=True)
    type = fields.String(required=True, metadata={"description": "El tipo como lo nombra WhatsApp"})
    known = fields.Boolean(required=True, metadata={"description": "false: un tipo que este servicio no entiende"})
    text = fields.String(required=True, metadata={"description": "Texto plano (nunca HTML): escápelo al mostrarlo"})
    status = one_of(MESSAGE_STATUSES, required=True)
    at = fields.String(required=True)
    wamid = fields.String(allow_none=True, required=True)
    author = fields.Nested(PersonRefSchema, allow_none=True, required=True)
    error = fields.Nested(MessageErrorSchema, allow_none=True, required=True)
    media = fields.Dict(allow_none=True, required=True)
    location = fields.Dict(allow_none=True, required=True)
    contacts = fields.List(fields.Dict(), allow_none=True, required=True)
    reply = fields.Dict(allow_none=True, required=True)
    classification = fields.Nested(ClassificationSchema, allow_none=True, required=True,
                                   metadata={"description": "Solo mensajes del usuario con texto"})


class NoteSchema(ContractSchema):
    note_id = fields.String(required=True)
    author = fields.Nested(PersonRefSchema, required=True)
    text = fields.String(required=True)
    created_at = fields.String(required=True)


class ConversationSchema(ConversationSummarySchema):
    messages = fields.List(fields.Nested(MessageSchema), required=True)
    notes = fields.List(fields.Nested(NoteSchema), required=True)


class TemplateSchema(ContractSchema):
    name = fields.String(required=True)
    language = fields.String(required=True)
    parameters = fields.Integer(required=True)


# --- what staff send --------------------------------------------------------------------------------------------------
class TemplateRequestSchema(ContractSchema):
    name = pattern_text(r"^[a-z0-9_]{1,512}$", "Nombre de plantilla inválido.", required=True)
    language = pattern_text(r"^[a-z]{2,3}(_[A-Z]{2})?$", "Idioma inválido (p. ej. es_MX).", required=True)
    parameters = fields.List(text(1024), required=False, validate=validate.Length(max=10, error="A lo sumo 10."),
                             metadata={"description": "Los parámetros del cuerpo de la plantilla, en orden"})


class ReplyRequestSchema(ContractSchema):
    text = text(MAX_MESSAGE_TEXT, required=False, metadata={"description": "Texto plano; se envía tal cual (solo "
                                                                           "dentro de la ventana de 24 horas)"})
    template = fields.Nested(TemplateRequestSchema, required=False,
                             metadata={"description": "Una plantilla aprobada (en cualquier momento)"})
    openapi_rules = {"oneOf": [{"required": ["text"]}, {"required": ["template"]}]}

    @validates_schema
    def text_or_template(self, data, **kwargs):
        if ("text" in data) == ("template" in data):
            raise ValidationError("Envíe text o template (uno de los dos).", "text")


class NoteRequestSchema(ContractSchema):
    text = text(MAX_MESSAGE_TEXT, required=True)


class StatusRequestSchema(ContractSchema):
    status = one_of(CONVERSATION_STATUSES, required=True)
    snoozed_until = fields.AwareDateTime(required=False, allow_none=True,
                                         metadata={"description": "Solo con snoozed: instante futuro (a lo sumo 90 "
                                                                  "días); sin él, hasta que el usuario escriba"})
    openapi_rules = {"oneOf": [
        {"properties": {"status": {"enum": ["snoozed"]}}},
        {"properties": {"status": {"enum": [s for s in CONVERSATION_STATUSES if s != "snoozed"]},
                        "snoozed_until": {"nullable": True, "enum": [None]}}},
    ]}

    @validates_schema
    def until_only_when_snoozed(self, data, **kwargs):
        if data.get("snoozed_until") is not None and data.get("status") != "snoozed":
            raise ValidationError("Solo una conversación pospuesta (snoozed) lleva snoozed_until.", "snoozed_until")


class PresenceRequestSchema(ContractSchema):
    status = one_of(("online", "away"), required=True)


class AgentSettingsRequestSchema(ContractSchema):
    teams = fields.List(pattern_text(LABEL_PATTERN, "Equipo inválido: minúsculas, dígitos, _ y -."), required=True,
                        validate=validate.Length(max=20, error="A lo sumo 20 equipos."))
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=100, error="Entre 1 y 100."),
                              metadata={"description": "Conversaciones abiertas o pendientes a la vez"})


class AgentSchema(ContractSchema):
    agent = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    role = fields.String(required=True)
    presence = one_of(("online", "away"), required=True)
    teams = fields.List(fields.String(), required=True)
    capacity = fields.Integer(required=True)
    load = fields.Integer(required=True, metadata={"description": "Conversaciones abiertas o pendientes asignadas"})


class AgentListSchema(ContractSchema):
    items = fields.List(fields.Nested(AgentSchema), required=True)


class LabelsRequestSchema(ContractSchema):
    labels = fields.List(pattern_text(LABEL_PATTERN, "Etiqueta inválida: minúsculas, dígitos, _ y -."), required=True,
                         validate=validate.Length(max=20, error="A lo sumo 20 etiquetas."),
                         metadata={"description": "Las etiquetas de la conversación (reemplazan las anteriores)"})


class TransferRequestSchema(ContractSchema):
    team = pattern_text(LABEL_PATTERN, "Equipo inválido: minúsculas, dígitos, _ y -.", required=True,
                        metadata={"description": "El equipo que la atenderá (uno de los de las líneas)"})


class AssignRequestSchema(ContractSchema):
    agent = pattern_text(SUB_PATTERN, "Identificador de agente inválido.", required=True, allow_none=True,
                         metadata={"description": "El sub del agente, o null para dejarla sin asignar"})
