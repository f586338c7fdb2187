"""Routes of the chat (CHAT PJBC): WhatsApp's webhook, and the staff inbox."""
import re
from urllib.parse import quote

from werkzeug.wrappers import Response

from contracts.chat import (AgentListSchema, AgentSchema, AgentSettingsRequestSchema, PresenceRequestSchema,
                            CorrectionRequestSchema, LabelsRequestSchema, TransferRequestSchema, AssignRequestSchema, ConversationListQuerySchema, ConversationListSchema,
                            ConversationSchema, ConversationSummarySchema, LineListSchema, MessageSchema,
                            NoteRequestSchema, NoteSchema, ReplyRequestSchema, StatusRequestSchema, WebhookAckSchema,
                            WebhookVerifyQuerySchema)
from gateway.base import GatewayBase
from gateway.openapi import doc
from gateway.web import CORRELATION_HEADER, json_response, parse_json_object, route
from gateway.webhooks import WhatsAppWebhook
from services.runtime.errors import Forbidden, UnsupportedMediaType
from services.runtime.logs import current_correlation_id

STAFF = ("chat_agent", "chat_supervisor")
ATTACHMENT_NAME = re.compile(r"[^A-Za-z0-9._-]")


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


class ChatRoutes(GatewayBase):
    whatsapp = WhatsAppWebhook()

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
         description="Filtros: line (phone_number_id), status, assignee (sub del agente, o none), label, complaint "
                     "(true: las que tienen algún mensaje clasificado como queja). "
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
                     "unknown_template.")
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

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/labels")
    @doc("Etiquetas de la conversación (reemplazan las anteriores)", "chat", roles=STAFF, body=LabelsRequestSchema,
         response=ConversationSummarySchema)
    def label_chat_conversation(self, request, conversation_id):
        return json_response(self.call(self.chat.set_labels, request.actor, conversation_id, request.body))

    @route("POST", "/api/v1/chat/conversations/<string:conversation_id>/transfer")
    @doc("Transferir la conversación a otro equipo (queda sin asignar, en la cola de ese equipo)", "chat",
         roles=STAFF, body=TransferRequestSchema, response=ConversationSummarySchema,
         description="team debe ser el equipo de alguna línea configurada (422 unknown_team si no).")
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
