// What the chat staff's pages share: the live events of the inbox (Server-Sent Events, GET /api/v1/chat/stream),
// a debounced reload, Spanish labels of the API's states, and a text field whose id is its own (a page has several
// forms with a field named "text").
import { useEffect, useRef, useState } from "preact/hooks";
import { api } from "../../api.js";

export const STAFF = ["chat_agent", "chat_supervisor"];
export const SUPERVISOR = "chat_supervisor";
export const LIVE_TYPES = ["message", "message_status", "conversation", "note", "agent", "inquiry", "reset"];

export const CONVERSATION_STATUS = { open: "Abierta", pending: "Pendiente", snoozed: "Pospuesta", resolved: "Resuelta" };
export const MESSAGE_STATUS = {
  received: "Recibido", queued: "En cola", sent: "Enviado", delivered: "Entregado", read: "Leído", failed: "Falló",
};
export const PRESENCE = { online: "En línea", away: "Ausente" };
export const CLASSIFICATION = { queja: "Queja", consulta: "Consulta", sugerencia: "Sugerencia" };

// The inbox's live events while the page is shown: onEvent(type, data). Returns the connection's state ("connecting",
// "live", "reconnecting", "closed"). The browser reconnects by itself with Last-Event-ID; the server sends what
// happened meanwhile (or "reset": read everything again).
export function useChatEvents(onEvent) {
  const [state, setState] = useState("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const source = api.events("/api/v1/chat/stream", {}, LIVE_TYPES, (type, data) => handler.current(type, data),
      () => setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting"));
    source.onopen = () => setState("live");
    return () => source.close();
  }, []);
  return state;
}

// The chat's areas (GET /api/v1/chat/areas) as the options of a select; the complaints area says so.
export function AreaOptions({ areas }) {
  return areas.map((area) => (
    <option key={area.area} value={area.area}>
      {area.area}
      {area.complaints ? " (quejas)" : ""}
    </option>
  ));
}

export function LiveState({ state }) {
  const text = {
    connecting: "Conectando para recibir cambios en vivo…",
    live: "En vivo: los cambios aparecen sin recargar.",
    reconnecting: "Se perdió la conexión en vivo; reconectando…",
    closed: "Sin conexión en vivo: recargue la página.",
  }[state];
  return (
    <p class={`live-state live-${state}`} role="status" data-testid="live-state" data-state={state}>
      {text}
    </p>
  );
}

// fn() `ms` after the first of a burst of calls, once for the whole burst; a steady flow of events gives one call
// every `ms`, never none (waiting for a quiet moment could wait forever on a busy inbox).
export function useDebounced(fn, ms = 250) {
  const timer = useRef(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => clearTimeout(timer.current), []);
  return () => {
    if (timer.current !== null) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  };
}

export function contactName(conversation) {
  const contact = conversation.contact || {};
  if (isWeb(conversation)) return (conversation.lawyer && conversation.lawyer.name) || contact.name || "Abogado (chat web)";
  return contact.name || `+${contact.wa_id}`;
}

// A conversation of the web channel: a signed-in lawyer writes from the portal (no WhatsApp number, no 24-hour
// window, no templates; replies are read in the portal).
export function isWeb(conversation) {
  return conversation.channel === "web";
}

export function ChannelBadge({ conversation }) {
  return isWeb(conversation) ? (
    <span class="badge badge-channel-web" data-testid="channel">
      Chat web
    </span>
  ) : (
    <span class="badge" data-testid="channel">
      WhatsApp
    </span>
  );
}
