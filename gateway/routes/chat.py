"""Routes of the chat (CHAT PJBC): WhatsApp's webhook, and the staff inbox."""
import re
from urllib.parse import quote

from werkzeug.wrappers import Response

from contracts.chat import (AgentListSchema, AgentSchema, AgentSettingsRequestSchema, PresenceRequestSchema,
                            CorrectionRequestSchema, LabelsRequestSchema, TransferRequestSchema, AssignRequestSchema, ConversationListQuerySchema, ConversationListSchema,
                            ConversationSchema, ConversationSummarySchema, LineListSchema, MessageSchema,
                            NoteRequestSchema, NoteSchema, ReplyRequestSchema, StatusRequestSchema, WebhookAckSchema,
                            WebhookVerifyQuerySchema)
from contracts.chat import (InquiryAnswerRequestSchema, InquiryListQuerySchema, InquiryListSchema,
                            InquiryRequestSchema, InquirySchema)
from contracts.chat import ReportQuerySchema, ReportSchema, TemplateListSchema
from contracts.chat import AreaListSchema
from contracts.chat import (CannedResponseListSchema, CannedResponseRequestSchema, CannedResponseSchema,
                            CannedResponseUpdateSchema)
from contracts.chat import (LinkConfirmSchema, LinkListSchema, LinkPendingSchema, LinkRequestSchema, LinkSchema,
                            StaffUnlinkRequestSchema)
from contracts.chat import WebConversationSchema, WebMessageRequestSchema, WebMessageSchema
from gateway.base import GatewayBase
from services.runtime import rpc
from gateway.live import LAST_EVENT_ID_HEADER, LiveHub, open_stream, owner
from gateway.openapi import doc
from gateway.web import CORRELATION_HEADER, json_response, parse_json_object, route
from gateway.uploads import idempotency_key
from gateway.webhooks import WhatsAppWebhook
from services.runtime.errors import Forbidden, UnsupportedMediaType
from services.runtime.logs import current_correlation_id

STAFF = ("chat_agent", "chat_supervisor")
# a clerk sees and answers the inquiries sent to their own court; a judge of the court sees them and answers none (the
# chat service says so with its own 403)
INQUIRY_READERS = STAFF + ("clerk", "judge")
ATTACHMENT_NAME = re.compile(r"[^A-Za-z0-9._-]")
LAWYERS = ("lawyer",)  # a lawyer links their own WhatsApp number to their account
LINK_DESCRIPTION = (
    "Un código de 6 dígitos va al número por WhatsApp (la plantilla de autenticación aprobada CHAT_LINK_TEMPLATE), "
    "desde la línea a la que ese número escribió por última vez, o desde CHAT_LINK_LINE. Vence a los 10 minutos y "
    "admite 5 intentos; un pedido nuevo reemplaza al anterior. Un número de México sin el 1 de WhatsApp "
    "(526861234567) se guarda como lo nombra WhatsApp (5216861234567). A lo sumo CHAT_LINK_REQUESTS_PER_HOUR "
    "códigos por hora por abogado y por número: después, 429 too_many_link_requests con Retry-After. Nada se "
    "vincula hasta confirmar el código (POST /api/v1/chat/link/confirm).")


def media_response(result):
    """A stored medium as a download: never rendered by a browser (octet-stream, nosniff, attachment)."""
    response = Response(result["content"], status=200, mimetype="application/octet-stream")
    name = ATTACHMENT_NAME.sub("_", result["filename"])[:100] or "archivo"
    response.headers["Content-Disposition"] = (f'attachment; filename="{name}"; '
                                               f"filename*=UTF-8''{quote(result['filename'][:200])}")
    response.headers["X-Media-Type"] = result["mime_type"]
    response.headers["X-Content-SHA256"] = result["sha256"]
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


REPORT_DESCRIPTION = (
    "Las conversaciones abiertas entre from y to (días incluidos, en la zona horaria de la línea o de la primera "
    "línea; sin ellos, los últimos 30 días; a lo sumo 366; from posterior a to: 422 invalid_period), de la línea, "
    "el agente asignado y el área pedidos. Tiempos desde el primer mensaje del usuario: a la primera respuesta de "
    "una persona del personal y a su última resolución; mediana y p90 por interpolación lineal. SLA: las marcas "
    "sla_breached y sla.breaches de cada conversación. CSAT: la encuesta de su última resolución. Solo "
    "chat_supervisor ve todo; un chat_agent ve solo sus conversaciones (agent de otro: 403). format=csv: el "
    "resumen como CSV (metric,value). per=conversation: una fila CSV por conversación, enviada por partes "
    "(conversation_id, line, region, area, agent, status, opened_at, first_response_at, resolved_at, "
    "first_response_seconds, resolution_seconds, messages_in, messages_out, csat_score, complaint, sla_breached, "
    "sla_breaches, labels); con format=json es 422.")
REPORT_TIMEOUT_SECONDS = 60
REPORT_CSV_DESCRIPTION = ("Con format=csv o per=conversation: CSV en UTF-8, separado por comas, con encabezado; "
                          "los textos que una hoja de cálculo leería como fórmula empiezan con un apóstrofo.")


def csv_response(body, filename):
    """A CSV download (``body``: text, or an iterable of pages streamed as they come)."""
    response = Response(body, status=200, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    cid = current_correlation_id()
    if cid:
        response.headers[CORRELATION_HEADER] = cid
    return response


def report_pages(page, next_page):
    """The per-conversation export, page by page (each an RPC of at most a thousand rows): never all in memory.
    A page that fails midway ends the response unfinished, so the client sees a broken download, never a short
    file that looks whole."""
    yield page["csv"].encode("utf-8")
    while page["after"]:
        page = next_page(page["after"])
        yield page["csv"].encode("utf-8")


CONVERSATION_LIST_LINKS = {
    "OpenFirstConversation": {"operationId": "get_chat_conversation",
                              "parameters": {"conversation_id": "$response.body#/items/0/conversation_id"}},
}
WEBHOOK_DESCRIPTION = (
    "Notificaciones de WhatsApp Cloud API (mensajes y estados). El cuerpo es el JSON que envía Meta, firmado: "
    "X-Hub-Signature-256: sha256=<HMAC-SHA256 hex del cuerpo exacto con WHATSAPP_APP_SECRET>. Sin firma o con "
    "una firma equivocada: 401 y nada se guarda. Un cuerpo firmado que no es una notificación de WhatsApp "
    "Business (object whatsapp_business_account, entry[].changes[] con field y value): 422 y nada se guarda. "
    "El 200 sale cuando el cuerpo quedó guardado (confirmado por la mayoría del replica set); los mensajes se "
    "procesan después, desde lo guardado. El mismo cuerpo repetido se guarda una vez; el mismo mensaje (wamid) "
    "en otro cuerpo, también.")

SHORTCUT_DESCRIPTION = (
    "Respuestas guardadas: un text que empieza con /atajo (minúsculas sin tildes, dígitos, _ y -) se envía y se "
    "guarda con el texto de esa respuesta guardada en lugar de /atajo; lo que sigue al atajo se conserva tal cual, "
    "con su separador (\"/horario Gracias.\" envía el texto guardado seguido de \" Gracias.\"). Un atajo que no existe "
    "es 422 unknown_canned_response, y un / seguido de algo que no es un atajo (\"/Horario\", \"/ \") es 422 "
    "invalid_shortcode: en ambos casos no se encola ni se envía nada. Para enviar un texto que empieza con /, "
    "escriba // (sale una sola /). Un texto que no empieza con / se envía tal cual. El mensaje lleva canned: el "
    "atajo usado.")
CANNED_DESCRIPTION = (
    "atajo (shortcode): de 1 a 32 minúsculas sin tildes, dígitos, _ y -, empezando con letra o dígito. text: hasta "
    "1024 caracteres de texto plano para WhatsApp, sin < ni > (WhatsApp no interpreta HTML) y sin / al principio. En una respuesta, "
    "/atajo al principio del texto se reemplaza por text (POST /api/v1/chat/conversations/{conversation_id}/messages).")
CANNED_LINKS = {
    "UpdateCannedResponse": {"operationId": "update_chat_canned_response",
                             "parameters": {"shortcode": "$response.body#/shortcode"}},
    "DeleteCannedResponse": {"operationId": "delete_chat_canned_response",
                             "parameters": {"shortcode": "$response.body#/shortcode"}},
}
STREAM_DESCRIPTION = (
    "Un flujo text/event-stream que no termina: cada evento lleva id (para Last-Event-ID), event y data (JSON de una "
    "línea, solo identificadores y estados; el contenido se lee con las demás rutas de la bandeja). Tipos: message "
    "(mensaje nuevo del usuario o respuesta en cola: conversation_id, message_id, direction, status), "
    "message_status (sent, delivered, read, failed o un error que se reintentará: conversation_id, message_id, "
    "status, error), conversation (creada o cambiada: conversation_id, line, status, assignee, changed con los "
    "campos que cambiaron, p. ej. assignee o status), note (conversation_id, note_id), agent (agent, presence), "
    "inquiry (consulta a un tribunal o un área hecha o respondida: conversation_id, inquiry_id, status) y "
    "reset (lea de nuevo la bandeja: no se pudo seguir desde Last-Event-ID). Un comentario «: ping» cada 15 s; "
    "el servidor cierra el flujo a los 30 minutos (el navegador reconecta solo, con Last-Event-ID). Con "
    "Last-Event-ID llegan primero los eventos ocurridos desde ese id, mientras el oplog de MongoDB los conserve.")
WEB_MESSAGE_DESCRIPTION = (
    "Texto plano de 1 a 4096 caracteres (no en blanco, sin NUL; el HTML se guarda como texto; los caracteres de "
    "control, salvo salto de línea y tabulador, se quitan, y un texto que solo los tiene es 422 empty_message). Va a "
    "la bandeja del "
    "personal del chat como una conversación del canal web con su nombre y número de colegiado, en la línea "
    "CHAT_WEB_LINE: se asigna, se clasifica (las quejas van al área de quejas) y cuenta para el SLA y los reportes "
    "como una de WhatsApp. Una conversación por abogado: una resuelta se reabre con un mensaje nuevo. Con "
    "Idempotency-Key, la misma clave y el mismo texto devuelven el mismo mensaje sin guardar otro (Idempotent-"
    "Replayed: true); la misma clave con otro texto es 409 idempotency_key_reused.")
WEB_STREAM_DESCRIPTION = (
    "Como GET /api/v1/chat/stream, pero solo con los eventos de su propia conversación web: message (un mensaje "
    "suyo o una respuesta del tribunal: conversation_id, message_id, direction, status) y message_status (una "
    "respuesta que su lectura marcó read), y reset "
    "(lea de nuevo la conversación). Nunca eventos de otras conversaciones, notas, consultas ni agentes. El "
    "contenido se lee con GET /api/v1/chat/web/conversation.")


class ChatRoutes(GatewayBase):
    whatsapp = WhatsAppWebhook()
    live = LiveHub("chat")  # the one reader of the chat's events in this process (gateway.live)
    # the one reader of the lawyers' own web conversations' events here: each stream gets its owner's only
    web_live = LiveHub("chat", audience=owner, method="web_live_changes")

    # --- WhatsApp -------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/chat/whatsapp/webhook")
    @doc("Verificación de la suscripción del webhook (Meta)", "chat", auth=False, query=WebhookVerifyQuerySchema,
         binary="text/plain", errors=(403,),
         description="hub.mode=subscribe con el hub.verify_token configurado responde hub.challenge como texto "
                     "plano; cualquier otra cosa, 403.")
    def verify_whatsapp_webhook(self, request):
        challenge = self.whatsapp.handshake(request.query)
        if challenge is None:
            raise Forbidden("invalid_verify_token", "La verificación del webhook no corresponde.")
        response = Response(challenge, status=200, mimetype="text/plain")
        response.headers["X-Content-Type-Options"] = "nosniff"
        cid = current_correlation_id()
        if cid:
            response.headers[CORRELATION_HEADER] = cid
        return response

    @route("POST", "/api/v1/chat/whatsapp/webhook")
    @doc("Notificación firmada de WhatsApp (Meta)", "chat", auth=False, response=WebhookAckSchema,
         errors=(400, 401, 413, 415), description=WEBHOOK_DESCRIPTION)
    def whatsapp_webhook(self, request):
        raw, signature = self.whatsapp.signed_body(request)
        if (request.mimetype or "").lower() != "application/json":
            raise UnsupportedMediaType("unsupported_media_type", "El cuerpo debe enviarse como application/json.",
                                       {"content_type": request.mimetype or None})
        parse_json_object(raw, "body")  # well-formed JSON (400) of an object (422); its shape is the service's
        result = self.call(self.chat.receive_webhook, raw, signature)
        return json_response({"status": result["status"]})

    # --- lines ------------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/chat/lines")
    @doc("Líneas regionales de WhatsApp (personal del chat)", "chat", roles=STAFF, response=LineListSchema)
    def list_chat_lines(self, request):
        return json_response(self.call(self.chat.list_lines, request.actor))

    @route("GET", "/api/v1/chat/templates")
    @doc("Plantillas aprobadas de WhatsApp, las que se pueden enviar fuera de la ventana de 24 horas (personal del "
         "chat)", "chat", roles=STAFF, response=TemplateListSchema)
    def list_chat_templates(self, request):
        return json_response(self.call(self.chat.list_templates, request.actor))

    @route("GET", "/api/v1/chat/areas")
    @doc("Áreas del chat: a las que se transfiere una conversación o se envía una consulta (personal del chat)",
         "chat", roles=STAFF, response=AreaListSchema,
         description="Los equipos de las líneas, las áreas con metas propias en CHAT_SLA_POLICIES y el área de quejas "
                     "(CHAT_COMPLAINTS_AREA, complaints: true).")
    def list_chat_areas(self, request):
        return json_response(self.call(self.chat.list_areas, request.actor))

    # --- real time --------------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/chat/stream")
    @doc("Eventos en tiempo real de la bandeja (Server-Sent Events; personal del chat)", "chat", roles=STAFF,
         binary="text/event-stream", headers=(LAST_EVENT_ID_HEADER,), description=STREAM_DESCRIPTION)
    def chat_stream(self, request):
        request.environ["eventlet.minimum_write_chunk_size"] = 0  # each event is written as it comes
        return open_stream(self.live, lambda actor, body: self.call(self.chat.live_changes, actor, body),
                           request.actor, request.headers.get("Last-Event-ID"), title="flujo de eventos del chat")

    # --- agents -------------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/chat/agents")
    @doc("Agentes del chat: presencia, equipos, capacidad y carga", "chat", roles=STAFF, response=AgentListSchema)
    def list_chat_agents(self, request):
        return json_response(self.call(self.chat.list_agents, request.actor))

    @route("PUT", "/api/v1/chat/agents/me/presence")
    @doc("Mi presencia: online (recibe conversaciones por turno) o away", "chat", roles=STAFF,
         body=PresenceRequestSchema, response=AgentSchema)
    def set_chat_presence(self, request):
        return json_response(self.call(self.chat.set_presence, request.actor, request.body))

    @route("PUT", "/api/v1/chat/agents/<string:agent_sub>")
    @doc("Equipos y capacidad de un agente (supervisión)", "chat", roles=STAFF, body=AgentSettingsRequestSchema,
         response=AgentSchema,
         description="Solo chat_supervisor (403 para un agente). El agente debe haber entrado a la bandeja (404 "
                     "agent_not_found si no). La asignación automática reparte por turno entre los agentes "
                     "online del equipo de la línea, sin pasar su capacidad.")
    def configure_chat_agent(self, request, agent_sub):
        return json_response(self.call(self.chat.configure_agent, request.actor, agent_sub, request.body))

    # --- the inbox ----------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/chat/conversations")
    @doc("Bandeja: conversaciones, de la actividad más reciente a la más antigua (personal del chat)", "chat",
         roles=STAFF, query=ConversationListQuerySchema, response=ConversationListSchema,
         links=CONVERSATION_LIST_LINKS,
         description="Filtros: line (phone_number_id), status, assignee (sub del agente, o none), label, area (un "
                     "área de GET /api/v1/chat/areas: la de la conversación, si no el equipo al que se transfirió, "
                     "si no el de su línea; una que no existe es 422 unknown_area), complaint "
                     "(true: las que tienen algún mensaje clasificado como queja), channel (whatsapp, o web: las de "
                     "abogados que escriben desde el portal), sla_breached (true: las que "
                     "incumplieron alguna meta de SLA; false: las que no). "
                     "cursor: el next_cursor de la página anterior.")
    def list_chat_conversations(self, request):
        return json_response(self.call(self.chat.list_conversations, request.actor, request.query))

    @route("GET", "/api/v1/chat/conversations/<string:conversation_id>")
    @doc("Una conversación con sus mensajes y notas (la lectura queda en la bitácora)", "chat", roles=STAFF,
         response=ConversationSchema,
         description="Los textos son texto plano tal como los escribió el usuario (nunca HTML): escápelos al "
                     "mostrarlos.")
    def get_chat_conversation(self, request, conversation_id):
        return json_response(self.call(self.chat.get_conversation, request.actor, conversation_id))

    @route("GET", "/api/v1/chat/conversations/<string:conversation_id>/messages/<string:message_id>/media")
    @doc("El archivo de un mensaje (foto, documento, audio, video), tal como se guardó", "chat", roles=STAFF,
         binary="application/octet-stream",
         description="Se entrega siempre como application/octet-stream para descargar (nunca se muestra en el "
                     "navegador); el tipo comprobado va en X-Media-Type. 404 media_not_found mientras no se "
                     "haya descargado o si se rechazó (tamaño o tipo).")
    def get_chat_media(self, request, conversation_id, message_id):
        result = self.call(self.chat.get_media, request.actor, conversation_id, message_id)
        return media_response(result)

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/messages/<string:message_id>/classification")
    @doc("Corregir la clasificación de un mensaje (queja, consulta, sugerencia); se guarda para entrenar", "chat",
         roles=STAFF, body=CorrectionRequestSchema, response=MessageSchema,
         description="La etiqueta de las reglas se conserva junto a la corrección; la marca de queja de la "
                     "conversación sigue a las etiquetas vigentes. 404 message_not_classified si el mensaje no es "
                     "de esa conversación o no tiene clasificación.")
    def correct_chat_classification(self, request, conversation_id, message_id):
        return json_response(self.call(self.chat.correct_classification, request.actor, conversation_id, message_id,
                                       request.body))

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/messages")
    @doc("Responder por WhatsApp: texto libre dentro de la ventana de 24 horas, o una plantilla aprobada", "chat",
         roles=STAFF,
         body=ReplyRequestSchema, response=MessageSchema, status=202, errors=(409,),
         description="El mensaje queda en cola (queued) y se envía por la API de WhatsApp: sent, delivered, read "
                     "o failed con el motivo. Más de 24 horas después del último mensaje del usuario, un text es "
                     "409 outside_window, con las plantillas configuradas en details.templates. Una template debe "
                     "ser una de ellas (nombre e idioma) con tantos parámetros como lleva: si no, 422 "
                     "unknown_template. En una conversación del canal web (channel web) la respuesta no va a "
                     "WhatsApp: queda delivered y el abogado la lee en el portal; no hay ventana de 24 horas y una "
                     "template es 422 template_not_for_web. " + SHORTCUT_DESCRIPTION)
    def reply_chat_conversation(self, request, conversation_id):
        return json_response(self.call(self.chat.reply, request.actor, conversation_id, request.body), status=202)

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/notes")
    @doc("Nota privada del personal (nunca se envía al usuario)", "chat", roles=STAFF, body=NoteRequestSchema,
         response=NoteSchema, status=201)
    def add_chat_note(self, request, conversation_id):
        return json_response(self.call(self.chat.add_note, request.actor, conversation_id, request.body),
                             status=201)

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/status")
    @doc("Cambiar el estado: open, pending, snoozed (hasta snoozed_until, o hasta que el usuario escriba), "
         "resolved", "chat", roles=STAFF, body=StatusRequestSchema, response=ConversationSummarySchema,
         description="snoozed_until debe ser futuro y a lo sumo 90 días adelante (422 si no).")
    def set_chat_status(self, request, conversation_id):
        return json_response(self.call(self.chat.set_status, request.actor, conversation_id, request.body))

    @route("GET", "/api/v1/chat/reports")
    @doc("Reportes del chat: volumen, tiempos, SLA, satisfacción, quejas por área y temas (JSON o CSV)", "chat",
         roles=STAFF, query=ReportQuerySchema, response=ReportSchema, also={"text/csv": REPORT_CSV_DESCRIPTION},
         description=REPORT_DESCRIPTION)
    def chat_reports(self, request):
        query = request.query
        if query.get("per") == "conversation":
            first = self.call(self.chat.report_rows, request.actor, query, None)  # refusals answer before the stream
            pages = report_pages(first, lambda after: self.call(self.chat.report_rows, request.actor, query, after))
            return csv_response(pages, "conversaciones.csv")
        # a month of a busy service is tens of thousands of conversations, each read with its messages: longer than
        # an inbox call (measured: 100,000 conversations with 300,000 messages, see the README)
        result = rpc.call(self.chat.report, request.actor, query,
                          timeout=max(self.settings.rpc_timeout, REPORT_TIMEOUT_SECONDS))
        if result.get("csv") is not None:
            return csv_response(result["csv"], "reporte.csv")
        return json_response(result["report"])

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/labels")
    @doc("Etiquetas de la conversación (reemplazan las anteriores)", "chat", roles=STAFF, body=LabelsRequestSchema,
         response=ConversationSummarySchema)
    def label_chat_conversation(self, request, conversation_id):
        return json_response(self.call(self.chat.set_labels, request.actor, conversation_id, request.body))

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/transfer")
    @doc("Transferir la conversación a una línea o a un área (queda sin asignar, en la cola de su equipo)", "chat",
         roles=STAFF, body=TransferRequestSchema, response=ConversationSummarySchema,
         description="line (una línea de GET /api/v1/chat/lines: la cola del equipo de esa línea; 422 unknown_line si "
                     "no) o area (un área de GET /api/v1/chat/areas; 422 unknown_area si no), exactamente uno de los "
                     "dos (422 validation_error si ninguno o ambos). La conversación sigue en el número de WhatsApp "
                     "al que escribió el usuario: las respuestas salen de ahí, porque WhatsApp no permite contestar "
                     "desde otro. La transferencia queda en la conversación (transfer) y en la bitácora.")
    def transfer_chat_conversation(self, request, conversation_id):
        return json_response(self.call(self.chat.transfer, request.actor, conversation_id, request.body))

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/assign")
    @doc("Asignar la conversación a un agente (null: sin asignar)", "chat", roles=STAFF, body=AssignRequestSchema,
         response=ConversationSummarySchema, errors=(409,),
         description="Un agente toma conversaciones sin asignar o suelta las suyas; la supervisión asigna a "
                     "cualquier agente que haya ingresado a la bandeja (404 agent_not_found si no). 409 si la "
                     "asignación cambió mientras tanto.")
    def assign_chat_conversation(self, request, conversation_id):
        return json_response(self.call(self.chat.assign, request.actor, conversation_id, request.body))

    # --- canned responses ---------------------------------------------------------------------------------------------
    @route("GET", "/api/v1/chat/canned-responses")
    @doc("Respuestas guardadas: los textos que /atajo pone en una respuesta (personal del chat)", "chat", roles=STAFF,
         response=CannedResponseListSchema, description=CANNED_DESCRIPTION)
    def list_chat_canned_responses(self, request):
        return json_response(self.call(self.chat.list_canned_responses, request.actor))

    @route("POST", "/api/v1/chat/canned-responses")
    @doc("Agregar una respuesta guardada (supervisión)", "chat", roles=STAFF, body=CannedResponseRequestSchema,
         response=CannedResponseSchema, status=201, errors=(409,), links=CANNED_LINKS,
         description="Solo chat_supervisor (403 para un agente, y queda en la bitácora). Un atajo que ya existe: 409 "
                     "canned_response_exists (nada cambia); con 500 guardadas, 409 canned_responses_full. "
                     + CANNED_DESCRIPTION)
    def add_chat_canned_response(self, request):
        return json_response(self.call(self.chat.add_canned_response, request.actor, request.body), status=201)

    @route("PUT", "/api/v1/chat/canned-responses/<string:shortcode>")
    @doc("Cambiar el texto de una respuesta guardada (supervisión)", "chat", roles=STAFF,
         body=CannedResponseUpdateSchema, response=CannedResponseSchema,
         description="Solo chat_supervisor (403 para un agente). El atajo no cambia (para otro atajo, agregue una "
                     "nueva y borre esta). Un atajo que no existe: 404 canned_response_not_found. Queda en la bitácora "
                     "con el texto anterior. Las respuestas ya enviadas no cambian.")
    def update_chat_canned_response(self, request, shortcode):
        return json_response(self.call(self.chat.update_canned_response, request.actor, shortcode, request.body))

    @route("DELETE", "/api/v1/chat/canned-responses/<string:shortcode>")
    @doc("Borrar una respuesta guardada (supervisión)", "chat", roles=STAFF, response=CannedResponseSchema,
         description="Solo chat_supervisor (403 para un agente). Responde la que borró; un atajo que no existe: 404 "
                     "canned_response_not_found. Queda en la bitácora con su texto. Desde entonces /atajo en una "
                     "respuesta es 422 unknown_canned_response; las respuestas ya enviadas no cambian.")
    def delete_chat_canned_response(self, request, shortcode):
        return json_response(self.call(self.chat.delete_canned_response, request.actor, shortcode))

    # --- inquiries to a court or an area ------------------------------------------------------------------------
    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/inquiries")
    @doc("Consultar a un tribunal o a un área sobre una conversación (interna: nunca se envía al usuario)", "chat",
         roles=STAFF, body=InquiryRequestSchema, response=InquirySchema, status=201,
         links={"ListInquiriesOfConversation": {"operationId": "list_chat_inquiries",
                                                "parameters": {"conversation_id": "$response.body#/conversation_id"}},
                "AnswerInquiry": {"operationId": "answer_chat_inquiry",
                                  "parameters": {"inquiry_id": "$response.body#/inquiry_id"}}},
         description="court_id (un tribunal de GET /api/v1/courts: 404 court_not_found si no existe) o area (un "
                     "equipo del chat: 422 unknown_area si no), uno de los dos. La consulta vence "
                     "CHAT_INQUIRY_SLA_HOURS después (due_at; overdue). Los secretarios y jueces del tribunal la ven en "
                     "GET /api/v1/chat/inquiries, sin la conversación; la respuesta aparece en la conversación "
                     "(inquiries) para el agente.")
    def ask_chat_inquiry(self, request, conversation_id):
        return json_response(self.call(self.chat.ask_inquiry, request.actor, conversation_id, request.body),
                             status=201)

    @route("GET", "/api/v1/chat/inquiries")
    @doc("Consultas a tribunales y áreas, de la más reciente a la más antigua (cada lectura queda en la bitácora)",
         "chat", roles=INQUIRY_READERS, query=InquiryListQuerySchema, response=InquiryListSchema,
         links={"AnswerFirstInquiry": {"operationId": "answer_chat_inquiry",
                                       "parameters": {"inquiry_id": "$response.body#/items/0/inquiry_id"}}},
         description="Un secretario (clerk) o un juez (judge) ve solo las consultas a su tribunal: la pregunta, la "
                     "región de la línea y el abogado si el número está vinculado a su cuenta; nunca la conversación. "
                     "El personal del "
                     "chat ve todas. Filtros: status (open, answered), conversation_id, court_id, area; cursor: el "
                     "next_cursor de la página anterior.")
    def list_chat_inquiries(self, request):
        return json_response(self.call(self.chat.list_inquiries, request.actor, request.query))

    @route("POST", "/api/v1/chat/inquiries/<string:inquiry_id>/answer")
    @doc("Responder una consulta (una sola vez)", "chat", roles=INQUIRY_READERS, body=InquiryAnswerRequestSchema,
         response=InquirySchema, errors=(409,),
         description="La responde un secretario del tribunal consultado; la de un área, su personal (agentes con "
                     "ese equipo) o la supervisión del chat (403 para cualquier otro). Un juez las lee pero no "
                     "las responde: 403 forbidden, sea de su tribunal o no. Una consulta de otro "
                     "tribunal es 404 para un secretario. Ya respondida: 409 inquiry_answered. La respuesta aparece "
                     "en la conversación para el agente y nunca se envía al usuario por sí sola.")
    def answer_chat_inquiry(self, request, inquiry_id):
        return json_response(self.call(self.chat.answer_inquiry, request.actor, inquiry_id, request.body))

    # --- a lawyer's WhatsApp number linked to their account ------------------------------------------------------------
    @route("POST", "/api/v1/chat/link")
    @doc("Vincular su número de WhatsApp a su cuenta (abogado): se le envía un código por WhatsApp", "chat",
         roles=LAWYERS, body=LinkRequestSchema, response=LinkPendingSchema, status=202, errors=(429,),
         description=LINK_DESCRIPTION)
    def request_chat_link(self, request):
        return json_response(self.call(self.chat.request_link, request.actor, request.body), status=202)

    @route("POST", "/api/v1/chat/link/confirm")
    @doc("Confirmar la vinculación con el código recibido por WhatsApp (abogado)", "chat", roles=LAWYERS,
         body=LinkConfirmSchema, response=LinkSchema, errors=(404, 409),
         links={"UnlinkNumber": {"operationId": "unlink_chat_number",
                                 "parameters": {"wa_id": "$response.body#/wa_id"}}},
         description="El código de su último pedido, antes de 10 minutos y de 5 intentos (cada intento cuenta). "
                     "Correcto: el número queda vinculado a su cuenta, con su nombre y número de colegiado, y el "
                     "personal del chat los ve en sus conversaciones; si estaba vinculado a otro abogado, pasa a "
                     "usted (queda en la bitácora). Incorrecto: 422 link_code_wrong con attempts_left. Vencido: 409 "
                     "link_code_expired; sin intentos: 409 link_code_locked (en ambos casos nada se vincula: pida "
                     "otro código). Sin pedido: 404 link_not_requested.")
    def confirm_chat_link(self, request):
        return json_response(self.call(self.chat.confirm_link, request.actor, request.body))

    @route("GET", "/api/v1/chat/link")
    @doc("Sus números de WhatsApp vinculados y su código pendiente (abogado)", "chat", roles=LAWYERS,
         response=LinkListSchema,
         description="pending: el último código pedido mientras sirve (vigente y con intentos), con su envío: queued, "
                     "sent o failed con el motivo (p. ej. un número que no usa WhatsApp).")
    def list_chat_links(self, request):
        return json_response(self.call(self.chat.list_links, request.actor))

    @route("DELETE", "/api/v1/chat/link/numbers/<string:wa_id>")
    @doc("Desvincular uno de sus números de WhatsApp (abogado)", "chat", roles=LAWYERS, response=LinkSchema,
         description="Un número que no está vinculado a su cuenta (o que es de otro abogado) es 404 link_not_found. "
                     "Queda en la bitácora.")
    def unlink_chat_number(self, request, wa_id):
        return json_response(self.call(self.chat.unlink, request.actor, wa_id))

    @route("POST", "/api/v1/chat/links/<string:wa_id>/unlink")
    @doc("Desvincular el número de WhatsApp de un abogado (supervisión del chat)", "chat", roles=STAFF,
         body=StaffUnlinkRequestSchema, response=LinkSchema, errors=(404,),
         description="Solo chat_supervisor (403 para un agente): cuando el abogado perdió o cambió su teléfono, o el "
                     "número pasó a otra persona. El personal deja de ver al abogado en las conversaciones de ese "
                     "número; el abogado puede vincularlo de nuevo con un código. Quedan en la bitácora el abogado, "
                     "el motivo y quién lo hizo. Un número no vinculado es 404 link_not_found.")
    def unlink_chat_number_by_staff(self, request, wa_id):
        return json_response(self.call(self.chat.unlink_by_staff, request.actor, wa_id, request.body))

    # --- the web channel: a lawyer writes to the court from the portal -------------------------------------------------
    @route("GET", "/api/v1/chat/web/conversation")
    @doc("Su conversación con el tribunal por el chat web (abogado)", "chat", roles=LAWYERS,
         response=WebConversationSchema,
         description="Solo la suya: sus mensajes y las respuestas del tribunal (nunca notas internas, consultas ni "
                     "quién del personal respondió). Leerla es su acuse de lectura: las respuestas del tribunal que "
                     "devuelve y estaban delivered pasan a read (como con el aviso de lectura de WhatsApp; nunca sus "
                     "propios mensajes, una sola vez: leer de nuevo no cambia nada), el personal lo ve en la "
                     "conversación (su flujo, GET /api/v1/chat/stream, y el del abogado reciben message_status con "
                     "status read). Una respuesta guardada después de la lectura sigue delivered. La lectura queda en la bitácora, con las respuestas "
                     "que marcó.")
    def get_web_chat_conversation(self, request):
        return json_response(self.call(self.chat.get_web_conversation, request.actor))

    @route("POST", "/api/v1/chat/web/messages")
    @doc("Escribir al tribunal por el chat web (abogado)", "chat", roles=LAWYERS, body=WebMessageRequestSchema,
         response=WebMessageSchema, status=201, errors=(409,), idempotent=True,
         description=WEB_MESSAGE_DESCRIPTION)
    def post_web_chat_message(self, request):
        reply = self.call(self.chat.post_web_message, request.actor, request.body, idempotency_key(request))
        return json_response(reply["response"], status=201,
                             headers={"Idempotent-Replayed": "true"} if reply["replayed"] else None)

    @route("GET", "/api/v1/chat/web/stream")
    @doc("Eventos en tiempo real de su conversación web (Server-Sent Events; abogado)", "chat", roles=LAWYERS,
         binary="text/event-stream", headers=(LAST_EVENT_ID_HEADER,), description=WEB_STREAM_DESCRIPTION)
    def web_chat_stream(self, request):
        request.environ["eventlet.minimum_write_chunk_size"] = 0
        return open_stream(self.web_live, lambda actor, body: self.call(self.chat.web_live_changes, actor, body),
                           request.actor, request.headers.get("Last-Event-ID"), title="flujo de eventos del chat web")
