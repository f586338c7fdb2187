"""Contracts of the chat service (CHAT PJBC over WhatsApp): the webhook's handshake and acknowledgement, the
lines, the staff inbox (conversations, messages, notes) and what agents send."""
import re

from marshmallow import ValidationError, fields, validate, validates_schema

from contracts.base import BLANK, ContractSchema, hex_id, one_of, pattern_text, plain_text, storable_text, text
from contracts.filings import court_id_field
from contracts.live import LiveChangesRequestSchema, live_changes_schema, live_event_schema  # noqa: F401 - chat.live_changes's request
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
    hours = fields.Nested("BusinessHoursSchema", required=True,  # defined with the service levels, below
                          metadata={"description": "Horario de atención (CHAT_BUSINESS_HOURS)"})


class LineListSchema(ContractSchema):
    items = fields.List(fields.Nested(LineSchema), required=True)


# --- the inbox ------------------------------------------------------------------------------------------------------
class ConversationListQuerySchema(ContractSchema):
    line = pattern_text(PHONE_NUMBER_ID_PATTERN, "phone_number_id de una línea: solo dígitos.", required=False)
    status = one_of(CONVERSATION_STATUSES, required=False)
    assignee = pattern_text(SUB_PATTERN, "Identificador de agente inválido.", required=False,
                            metadata={"description": "El sub del agente asignado, o none: sin asignar"})
    label = pattern_text(LABEL_PATTERN, "Etiqueta inválida: minúsculas, dígitos, _ y -.", required=False)
    area = pattern_text(LABEL_PATTERN, "Área inválida: minúsculas, dígitos, _ y -.", required=False,
                        metadata={"description": "Un área del chat (de GET /api/v1/chat/areas): la de la conversación, "
                                                 "si no el equipo al que se transfirió, si no el de su línea"})
    complaint = fields.Boolean(required=False, metadata={"description": "true: solo las marcadas como queja"})
    channel = one_of(("whatsapp", "web"), required=False,
                     metadata={"description": "whatsapp, o web: las de abogados que escriben desde el portal"})
    sla_breached = fields.Boolean(required=False, metadata={"description": "true: solo las que incumplieron algún "
                                                                           "SLA; false: las que no"})
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
    area = fields.String(allow_none=True, required=True,
                         metadata={"description": "El área a la que se envió (una transferencia a un área, o el área "
                                                  "de quejas), o null: la de su línea"})
    transfer = fields.Nested("TransferSchema", allow_none=True, required=True,  # defined with its request, below
                             metadata={"description": "Su última transferencia: a qué línea o área, quién y cuándo"})
    last_message_at = fields.String(allow_none=True, required=True)
    last_message_preview = fields.String(required=True)
    last_user_message_at = fields.String(allow_none=True, required=True)
    window_open = fields.Boolean(required=True, metadata={"description": "Si cabe una respuesta libre (24 h)"})
    window_closes_at = fields.String(allow_none=True, required=True)
    unanswered = fields.Integer(required=True)
    complaint = fields.Boolean(required=True, metadata={"description": "Algún mensaje del usuario se clasificó "
                                                                       "como queja"})
    priority = fields.Boolean(required=True, metadata={"description": "Va primero en la cola de espera (una queja); "
                                                                      "la primera queja la envía al área de quejas"})
    sla_breached = fields.Boolean(required=True, metadata={"description": "Incumplió algún SLA (ver sla.breaches)"})
    sla = fields.Nested("SlaSchema", allow_none=True, required=True,  # defined with the service levels, below
                        metadata={"description": "Lo que vence, cuándo se cumplió y lo incumplido, en tiempo hábil "
                                                 "de la línea; null si empezó antes de llevarse SLA"})
    csat = fields.Nested("CsatSchema", allow_none=True, required=True,  # defined with the reports, below
                         metadata={"description": "La encuesta de satisfacción de su última resolución"})
    created_at = fields.String(required=True)
    lawyer = fields.Nested("LinkedLawyerSchema", allow_none=True, required=True,  # defined with the inquiries, below
                           metadata={"description": "El abogado al que está vinculado el número (lo vinculó él mismo "
                                                    "desde su cuenta, con un código enviado por WhatsApp), o null; "
                                                    "en el canal web, el abogado que escribe desde su cuenta"})
    channel = one_of(("whatsapp", "web"), required=True,
                     metadata={"description": "whatsapp, o web: un abogado escribe desde el portal (sus respuestas no "
                                              "van a WhatsApp; sin ventana de 24 horas ni plantillas)"})


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
    automatic = fields.String(allow_none=True, required=False,
                              metadata={"description": "Un mensaje que envió el sistema, no una persona (p. ej. "
                                                       "out_of_office: la respuesta fuera de horario); null si no"})
    canned = fields.String(allow_none=True, required=False,
                           metadata={"description": "El atajo de la respuesta guardada con que empezaba el texto "
                                                    "(/atajo, ya reemplazado en text); null si no"})


class NoteSchema(ContractSchema):
    note_id = fields.String(required=True)
    author = fields.Nested(PersonRefSchema, required=True)
    text = fields.String(required=True)
    created_at = fields.String(required=True)


class ConversationSchema(ConversationSummarySchema):
    messages = fields.List(fields.Nested(MessageSchema), required=True)
    notes = fields.List(fields.Nested(NoteSchema), required=True)
    inquiries = fields.List(fields.Nested("InquirySchema"), required=True,  # defined with the inquiries, below
                            metadata={"description": "Consultas a tribunales o áreas, con su respuesta (internas: "
                                                     "nunca se envían al usuario)"})


class TemplateSchema(ContractSchema):
    name = fields.String(required=True)
    language = fields.String(required=True)
    parameters = fields.Integer(required=True)


class TemplateListSchema(ContractSchema):
    items = fields.List(fields.Nested(TemplateSchema), required=True,
                        metadata={"description": "Las plantillas aprobadas (WHATSAPP_TEMPLATES): lo único que se puede "
                                                 "enviar fuera de la ventana de 24 horas"})


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
    """POST /api/v1/chat/conversations/{conversation_id}/transfer: line or area (exactly one of the two)."""

    line = pattern_text(PHONE_NUMBER_ID_PATTERN, "phone_number_id de una línea: solo dígitos.", required=False,
                        metadata={"description": "Una línea configurada (phone_number_id, de GET /api/v1/chat/lines): "
                                                 "la conversación pasa a la cola del equipo de esa línea. Las "
                                                 "respuestas siguen saliendo del número al que escribió el usuario "
                                                 "(WhatsApp no permite cambiarlo)"})
    area = pattern_text(LABEL_PATTERN, "Área inválida: minúsculas, dígitos, _ y -.", required=False,
                        metadata={"description": "Un área del chat (de GET /api/v1/chat/areas: los equipos de las "
                                                 "líneas, las áreas con SLA propio y el área de quejas): la "
                                                 "conversación pasa a la cola de esa área"})
    openapi_rules = {"oneOf": [{"required": ["line"]}, {"required": ["area"]}]}

    @validates_schema
    def line_or_area(self, data, **kwargs):
        if ("line" in data) == ("area" in data):
            raise ValidationError("Indique line (una línea) o area (un área), uno de los dos.", "line")


class TransferSchema(ContractSchema):
    line = fields.String(allow_none=True, required=True, metadata={"description": "La línea a cuyo equipo se "
                                                                                  "transfirió, o null"})
    area = fields.String(allow_none=True, required=True, metadata={"description": "El área a la que se transfirió, "
                                                                                  "o null"})
    team = fields.String(required=True, metadata={"description": "El equipo que la atiende desde entonces"})
    by = fields.Nested(PersonRefSchema, required=True)
    at = fields.String(required=True)


class AreaSchema(ContractSchema):
    area = fields.String(required=True)
    lines = fields.List(fields.String(), required=True,
                        metadata={"description": "Las líneas cuyo equipo es esta área (phone_number_id)"})
    complaints = fields.Boolean(required=True, metadata={"description": "El área a la que van las quejas "
                                                                        "(CHAT_COMPLAINTS_AREA)"})


class AreaListSchema(ContractSchema):
    items = fields.List(fields.Nested(AreaSchema), required=True)


class AssignRequestSchema(ContractSchema):
    agent = pattern_text(SUB_PATTERN, "Identificador de agente inválido.", required=True, allow_none=True,
                         metadata={"description": "El sub del agente, o null para dejarla sin asignar"})


# --- business hours and service levels (SLA) ---------------------------------------------------------------------
SLA_KINDS = ("first_response", "next_response", "resolution")


class BusinessHoursSchema(ContractSchema):
    time_zone = fields.String(required=True)
    week = fields.Dict(keys=fields.String(), values=fields.List(fields.String()), required=True,
                       metadata={"description": "Por día (mon a sun), sus períodos «HH:MM-HH:MM» en hora local; "
                                                "sin períodos: cerrado"})
    holidays = fields.List(fields.String(), required=True, metadata={"description": "Fechas AAAA-MM-DD cerradas"})
    open_now = fields.Boolean(required=True)
    next_opening = fields.String(allow_none=True, required=True,
                                 metadata={"description": "Ahora si está abierta; null si no abre nunca"})
    out_of_office = fields.String(allow_none=True, required=True,
                                  metadata={"description": "La respuesta fuera de horario; null: no se envía"})


class SlaSchema(ContractSchema):
    """A conversation's service levels; instants in UTC, targets counted in business time of its line."""

    first_response_due_at = fields.String(allow_none=True, required=True)
    first_response_at = fields.String(allow_none=True, required=True,
                                      metadata={"description": "La primera respuesta de una persona"})
    next_response_due_at = fields.String(allow_none=True, required=True,
                                         metadata={"description": "Del último mensaje del usuario que esperaba "
                                                                  "respuesta"})
    next_response_at = fields.String(allow_none=True, required=True)
    resolution_due_at = fields.String(allow_none=True, required=True)
    resolved_at = fields.String(allow_none=True, required=True)
    area = fields.String(allow_none=True, required=True, metadata={"description": "El área cuyas metas se aplican"})
    breaches = fields.List(one_of(SLA_KINDS), required=True,
                           metadata={"description": "Las metas incumplidas (cada una a lo sumo una vez)"})


# --- satisfaction survey (CSAT) and reports ----------------------------------------------------------------------------
class CsatSchema(ContractSchema):
    status = one_of(("sent", "answered", "skipped"), required=True,
                    metadata={"description": "skipped: fuera de la ventana de 24 horas y sin plantilla configurada"})
    via = fields.String(allow_none=True, required=True,
                        metadata={"description": "interactive (lista de 1 a 5) o template (fuera de la ventana)"})
    sent_at = fields.String(allow_none=True, required=True)
    score = fields.Integer(allow_none=True, required=True, metadata={"description": "De 1 a 5; null sin respuesta"})
    answered_at = fields.String(allow_none=True, required=True)


REPORT_FORMATS = ("json", "csv")
REPORT_PER = ("summary", "conversation")


class ReportQuerySchema(ContractSchema):
    """Query of GET /api/v1/chat/reports."""

    from_ = fields.Date(data_key="from", required=False,
                        metadata={"description": "Primer día (AAAA-MM-DD, en la zona horaria de la línea); sin él, 30 "
                                                 "días antes de to"})
    to = fields.Date(required=False, metadata={"description": "Último día, incluido (sin él: hoy). A lo sumo 366 "
                                                               "días desde from; from no puede ser posterior"})
    line = pattern_text(PHONE_NUMBER_ID_PATTERN, "phone_number_id de una línea: solo dígitos.", required=False)
    agent = pattern_text(SUB_PATTERN, "Identificador de agente inválido.", required=False,
                         metadata={"description": "Las conversaciones asignadas a ese agente (un agente solo puede "
                                                  "pedir las suyas)"})
    area = pattern_text(LABEL_PATTERN, "Área inválida: minúsculas, dígitos, _ y -.", required=False,
                        metadata={"description": "El área o equipo que atiende la conversación"})
    format = one_of(REPORT_FORMATS, required=False, metadata={"description": "json (por omisión) o csv"})
    per = one_of(REPORT_PER, required=False,
                 metadata={"description": "conversation: una fila CSV por conversación (siempre CSV; no admite "
                                          "format=json)"})

    @validates_schema
    def rows_are_csv(self, data, **kwargs):
        if data.get("per") == "conversation" and data.get("format") == "json":
            raise ValidationError("El detalle por conversación se exporta solo como CSV (format=csv).", "format")


class ReportPeriodSchema(ContractSchema):
    from_ = fields.String(data_key="from", required=True)
    to = fields.String(required=True)
    time_zone = fields.String(required=True)


class ReportFiltersSchema(ContractSchema):
    line = fields.String(allow_none=True, required=True)
    agent = fields.String(allow_none=True, required=True)
    area = fields.String(allow_none=True, required=True)


class ReportVolumesSchema(ContractSchema):
    conversations = fields.Integer(required=True, metadata={"description": "Abiertas en el período"})
    messages_in = fields.Integer(required=True, metadata={"description": "Mensajes de los usuarios en ellas"})
    messages_out = fields.Integer(required=True, metadata={"description": "Mensajes enviados en ellas (personal, "
                                                                          "encuestas y respuestas automáticas)"})
    resolved = fields.Integer(required=True, metadata={"description": "Resueltas ahora"})


class ReportTimesSchema(ContractSchema):
    count = fields.Integer(required=True, metadata={"description": "Conversaciones con ese tiempo"})
    median_seconds = fields.Float(allow_none=True, required=True)
    p90_seconds = fields.Float(allow_none=True, required=True)


class ReportSlaSchema(ContractSchema):
    breached_conversations = fields.Integer(required=True)
    first_response = fields.Integer(required=True)
    next_response = fields.Integer(required=True)
    resolution = fields.Integer(required=True)


class ReportCsatSchema(ContractSchema):
    surveys_sent = fields.Integer(required=True)
    answered = fields.Integer(required=True)
    average = fields.Float(allow_none=True, required=True)
    distribution = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                               metadata={"description": "Respuestas por calificación, \"1\" a \"5\""})


class ReportCountSchema(ContractSchema):
    area = fields.String(required=True)
    count = fields.Integer(required=True)


class ReportComplaintsSchema(ContractSchema):
    total = fields.Integer(required=True)
    by_area = fields.List(fields.Nested(ReportCountSchema), required=True)


class ReportTopicSchema(ContractSchema):
    topic = fields.String(required=True)
    count = fields.Integer(required=True)


class ReportTopicsSchema(ContractSchema):
    labels = fields.List(fields.Nested(ReportTopicSchema), required=True,
                         metadata={"description": "Etiquetas del personal, de la más frecuente"})
    cues = fields.List(fields.Nested(ReportTopicSchema), required=True,
                       metadata={"description": "Señales del clasificador en los mensajes de los usuarios"})
    classification = fields.Dict(keys=fields.String(), values=fields.Integer(), required=True,
                                 metadata={"description": "Mensajes por clase: queja, consulta, sugerencia"})


class ReportDaySchema(ContractSchema):
    day = fields.String(required=True, metadata={"description": "AAAA-MM-DD, en la zona horaria del período"})
    conversations = fields.Integer(required=True, metadata={"description": "Abiertas ese día"})
    messages_in = fields.Integer(required=True, metadata={"description": "Mensajes de los usuarios en ellas"})
    messages_out = fields.Integer(required=True, metadata={"description": "Mensajes enviados en ellas"})


class ReportSchema(ContractSchema):
    period = fields.Nested(ReportPeriodSchema, required=True)
    filters = fields.Nested(ReportFiltersSchema, required=True)
    volumes = fields.Nested(ReportVolumesSchema, required=True)
    first_response = fields.Nested(ReportTimesSchema, required=True,
                                   metadata={"description": "Del primer mensaje del usuario a la primera respuesta "
                                                            "de una persona"})
    resolution = fields.Nested(ReportTimesSchema, required=True,
                               metadata={"description": "Del primer mensaje del usuario a su última resolución"})
    sla = fields.Nested(ReportSlaSchema, required=True)
    csat = fields.Nested(ReportCsatSchema, required=True)
    complaints = fields.Nested(ReportComplaintsSchema, required=True)
    topics = fields.Nested(ReportTopicsSchema, required=True)
    by_day = fields.List(fields.Nested(ReportDaySchema), required=True,
                         metadata={"description": "Cada día del período, del primero al último: las conversaciones "
                                                  "abiertas ese día y sus mensajes (suman los de volumes)"})


# --- inquiries to a court or an area ("consultas") -------------------------------------------------------------------
INQUIRY_STATUSES = ("open", "answered")
MAX_INQUIRY_TEXT = 4000


class InquiryRequestSchema(ContractSchema):
    """POST /api/v1/chat/conversations/{conversation_id}/inquiries: court_id or area (one of the two)."""

    court_id = court_id_field(required=False, metadata={"description": "El tribunal consultado (5 dígitos, uno de "
                                                                       "GET /api/v1/courts); responde su secretario"})
    area = pattern_text(LABEL_PATTERN, "Área inválida: minúsculas, dígitos, _ y -.", required=False,
                        metadata={"description": "El área consultada (un equipo del chat); responde su personal o "
                                                 "la supervisión"})
    question = text(MAX_INQUIRY_TEXT, required=True,
                    metadata={"description": "Lo que se pregunta, con lo que el tribunal necesita para responder "
                                             "(número de expediente, p. ej.); texto plano"})
    openapi_rules = {"oneOf": [{"required": ["court_id"]}, {"required": ["area"]}]}

    @validates_schema
    def court_or_area(self, data, **kwargs):
        if ("court_id" in data) == ("area" in data):
            raise ValidationError("Indique court_id o area (uno de los dos).", "court_id")


class InquiryAnswerRequestSchema(ContractSchema):
    text = text(MAX_INQUIRY_TEXT, required=True, metadata={"description": "La respuesta, para el agente (nunca se "
                                                                          "envía al usuario por sí sola)"})


class InquiryListQuerySchema(ContractSchema):
    status = one_of(INQUIRY_STATUSES, required=False)
    conversation_id = hex_id(required=False, metadata={"description": "Las consultas de una conversación"})
    court_id = court_id_field(required=False, metadata={"description": "Las de un tribunal (un secretario ve solo "
                                                                       "las del suyo)"})
    area = pattern_text(LABEL_PATTERN, "Área inválida: minúsculas, dígitos, _ y -.", required=False)
    limit = limit_field(100, required=False)
    cursor = cursor_field(required=False)


class LinkedLawyerSchema(ContractSchema):
    name = fields.String(allow_none=True, required=True)
    bar_number = fields.String(required=True)


class InquiryAnswerSchema(ContractSchema):
    text = fields.String(required=True, metadata={"description": "Texto plano: escápelo al mostrarlo"})
    by = fields.Nested(PersonRefSchema, required=True)
    at = fields.String(required=True)


class InquirySchema(ContractSchema):
    inquiry_id = fields.String(required=True)
    conversation_id = fields.String(required=True)
    line = fields.String(required=True, metadata={"description": "phone_number_id de la línea"})
    region = fields.String(allow_none=True, required=True)
    lawyer = fields.Nested(LinkedLawyerSchema, allow_none=True, required=True,
                           metadata={"description": "Solo si el número está vinculado a la cuenta del abogado"})
    court_id = fields.String(allow_none=True, required=True)
    court_name = fields.String(allow_none=True, required=True)
    area = fields.String(allow_none=True, required=True)
    question = fields.String(required=True, metadata={"description": "Texto plano: escápelo al mostrarlo"})
    asked_by = fields.Nested(PersonRefSchema, required=True)
    asked_at = fields.String(required=True)
    due_at = fields.String(required=True, metadata={"description": "Vence CHAT_INQUIRY_SLA_HOURS después de hecha"})
    status = one_of(INQUIRY_STATUSES, required=True)
    overdue = fields.Boolean(required=True, metadata={"description": "Abierta y vencida, o respondida después de "
                                                                     "vencer"})
    answer = fields.Nested(InquiryAnswerSchema, allow_none=True, required=True)


class InquiryListSchema(ContractSchema):
    items = fields.List(fields.Nested(InquirySchema), required=True)
    next_cursor = fields.String(allow_none=True, required=True)


# --- real time (GET /api/v1/chat/stream) ------------------------------------------------------------------------------
LIVE_TYPES = ("message", "message_status", "conversation", "note", "agent", "inquiry")
LiveEventSchema = live_event_schema(LIVE_TYPES)
LiveChangesSchema = live_changes_schema(LIVE_TYPES)


# --- a lawyer's WhatsApp number linked to their account ---------------------------------------------------------------
WA_ID_PATTERN = r"^[1-9][0-9]{7,14}$"  # E.164 without the +: a country code, at most 15 digits
LINK_CODE_PATTERN = r"^[0-9]{6}$"
LINK_DELIVERIES = ("queued", "sent", "failed")


def _whole(pattern, error):
    """Beside ``validate.Regexp(pattern)``: what it let pass only because Python's ``$`` also matches before a final
    newline (JSON Schema's does not) is refused too."""
    compiled = re.compile(pattern)

    def check(value):
        if isinstance(value, str) and compiled.match(value) and value.endswith("\n"):
            raise ValidationError(error)

    return check


def whole_pattern_text(pattern, error, **kwargs):
    return fields.String(validate=[validate.Regexp(pattern, error=error), _whole(pattern, error)], **kwargs)


def wa_id_field(**kwargs):
    return whole_pattern_text(WA_ID_PATTERN, "Número de WhatsApp inválido: solo dígitos, con el código de país y sin "
                                             "+ (p. ej. 5216861234567).", **kwargs)


class LinkRequestSchema(ContractSchema):
    """POST /api/v1/chat/link: the number to link (a code goes to it over WhatsApp)."""

    wa_id = wa_id_field(required=True, metadata={"description": "El número de WhatsApp en formato E.164 sin +: código "
                                                               "de país y número (p. ej. 5216861234567 o "
                                                               "526861234567; un número de México se guarda como lo "
                                                               "nombra WhatsApp, con 521)"})


class LinkConfirmSchema(ContractSchema):
    """POST /api/v1/chat/link/confirm: the code received."""

    code = whole_pattern_text(LINK_CODE_PATTERN, "El código son 6 dígitos.", required=True,
                              metadata={"description": "Los 6 dígitos recibidos por WhatsApp"})


class LinkPendingSchema(ContractSchema):
    wa_id = fields.String(required=True)
    line = fields.String(required=True, metadata={"description": "phone_number_id de la línea que envía el código"})
    from_number = fields.String(allow_none=True, required=True,
                                metadata={"description": "El número del Poder Judicial del que llega el código"})
    expires_at = fields.String(required=True)
    attempts_left = fields.Integer(required=True)
    delivery = one_of(LINK_DELIVERIES, required=True,
                      metadata={"description": "queued (en cola o reintentando), sent (WhatsApp lo aceptó) o failed"})
    delivery_error = fields.String(allow_none=True, required=True,
                                   metadata={"description": "Por qué no se pudo enviar, en español"})


MAX_UNLINK_REASON = 500


class StaffUnlinkRequestSchema(ContractSchema):
    """POST /api/v1/chat/links/{wa_id}/unlink: why the supervision ends the link (kept in the audit log)."""

    reason = text(MAX_UNLINK_REASON, required=True,
                  metadata={"description": "Por qué se desvincula (p. ej. el abogado informó que perdió su teléfono)"})


class LinkSchema(ContractSchema):
    wa_id = fields.String(required=True)
    name = fields.String(allow_none=True, required=True)
    bar_number = fields.String(required=True)
    linked_at = fields.String(required=True)


class LinkListSchema(ContractSchema):
    items = fields.List(fields.Nested(LinkSchema), required=True, metadata={"description": "Sus números vinculados"})
    pending = fields.Nested(LinkPendingSchema, allow_none=True, required=True,
                            metadata={"description": "El código pendiente, si hay uno vigente"})


# --- canned responses ("respuestas guardadas") ------------------------------------------------------------------------
# A shortcode names a canned response; a reply whose text starts with /shortcode is sent with the canned text in its
# place (services.chat.domain.expand_reply). The text is plain text for WhatsApp: no < or > (WhatsApp shows markup as
# it is; its own *bold* and _italics_ are fine), not blank, no NUL.
SHORTCODE_PATTERN = r"^[a-z0-9][a-z0-9_-]{0,31}$"
SHORTCODE_ERROR = "Atajo inválido: de 1 a 32 minúsculas sin tildes, dígitos, _ y - (empieza con letra o dígito)."
MAX_CANNED_TEXT = 1024
CANNED_TEXT_PATTERN = rf"^[{BLANK}]*[^{BLANK}\x00<>/][^\x00<>]*$"
CANNED_TEXT_ERROR = ("Texto plano, sin etiquetas: no puede estar en blanco, empezar con / ni contener < ni > "
                     "(WhatsApp no interpreta HTML; use *negrita* o _cursiva_ de WhatsApp).")


def canned_text_field(**kwargs):
    return fields.String(
        validate=[validate.Length(min=1, max=MAX_CANNED_TEXT, error=f"Debe tener entre 1 y {MAX_CANNED_TEXT} caracteres."),
                  validate.Regexp(CANNED_TEXT_PATTERN, error=CANNED_TEXT_ERROR), storable_text],
        **kwargs)


class CannedResponseRequestSchema(ContractSchema):
    """POST /api/v1/chat/canned-responses: a new canned response."""

    shortcode = whole_pattern_text(SHORTCODE_PATTERN, SHORTCODE_ERROR, required=True,
                                   metadata={"description": "El atajo: en una respuesta, /atajo al principio del texto "
                                                            "se reemplaza por el texto guardado (p. ej. horario)"})
    text = canned_text_field(required=True, metadata={"description": "El texto que se envía en lugar de /atajo: texto "
                                                                     "plano, sin < ni >"})


class CannedResponseUpdateSchema(ContractSchema):
    """PUT /api/v1/chat/canned-responses/{shortcode}: its new text (the shortcode does not change)."""

    text = canned_text_field(required=True, metadata={"description": "El nuevo texto: texto plano, sin < ni >"})


class CannedResponseSchema(ContractSchema):
    shortcode = fields.String(required=True)
    text = fields.String(required=True, metadata={"description": "Texto plano: escápelo al mostrarlo"})
    created_at = fields.String(required=True)
    created_by = fields.Nested(PersonRefSchema, required=True)
    updated_at = fields.String(required=True, metadata={"description": "Su último cambio (al crearla, created_at)"})
    updated_by = fields.Nested(PersonRefSchema, required=True)


class CannedResponseListSchema(ContractSchema):
    items = fields.List(fields.Nested(CannedResponseSchema), required=True,
                        metadata={"description": "Todas, por atajo en orden alfabético"})


# --- the web channel: a lawyer writes to the court from the portal --------------------------------------------------
class WebMessageRequestSchema(ContractSchema):
    text = text(MAX_MESSAGE_TEXT, required=True,
                metadata={"description": "Texto plano (nunca HTML: se guarda tal cual y se muestra escapado)"})


class WebMessageSchema(ContractSchema):
    message_id = fields.String(required=True)
    author = one_of(("lawyer", "court"), required=True,
                    metadata={"description": "lawyer: lo escribió usted; court: respuesta del tribunal"})
    text = fields.String(required=True, metadata={"description": "Texto plano tal como se escribió: escápelo al "
                                                                 "mostrarlo"})
    at = fields.String(required=True)
    automatic = fields.Boolean(required=True, metadata={"description": "Respuesta automática (fuera de horario)"})


class WebConversationSchema(ContractSchema):
    conversation_id = fields.String(allow_none=True, required=True,
                                    metadata={"description": "null antes de su primer mensaje"})
    messages = fields.List(fields.Nested(WebMessageSchema), required=True,
                           metadata={"description": "Sus mensajes y las respuestas del tribunal, del más antiguo al "
                                                    "más reciente (los últimos 500)"})

