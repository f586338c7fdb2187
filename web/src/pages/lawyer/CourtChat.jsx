// «Chat con el tribunal»: the lawyer writes to the court from the portal (the chat's web channel). Their own
// conversation only (GET /api/v1/chat/web/conversation): their messages and the court's replies, texts shown as text
// (never HTML). A message goes with POST /api/v1/chat/web/messages under an Idempotency-Key kept while the same text
// is retried (a lost answer never stores it twice). Replies appear without reloading: the live events of their own
// conversation (GET /api/v1/chat/web/stream) reload it. Reading the conversation is the lawyer's read receipt (the
// court's replies it returns become «Leído» for the staff), so while the tab is hidden a reload waits until it is
// shown again: a reply counts as read only once it could be seen.
import { useEffect, useRef, useState } from "preact/hooks";
import { api, newIdempotencyKey } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { formatDateTime, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { LiveState, useDebounced } from "../chat/common.jsx";

const TYPES = ["message", "message_status", "reset"];

// The live events of the lawyer's own web conversation; returns the connection's state (see LiveState).
function useOwnEvents(onEvent) {
  const [state, setState] = useState("connecting");
  const handler = useRef(onEvent);
  handler.current = onEvent;
  useEffect(() => {
    const source = api.events("/api/v1/chat/web/stream", {}, TYPES, (type, data) => handler.current(type, data),
      () => setState(source.readyState === EventSource.CLOSED ? "closed" : "reconnecting"));
    source.onopen = () => setState("live");
    return () => source.close();
  }, []);
  return state;
}

function who(message) {
  if (message.author === "lawyer") return "Usted";
  return message.automatic ? "Tribunal (respuesta automática)" : "Tribunal";
}

function Write({ onSent }) {
  const form = useForm({ text: "" });
  const key = useRef(null);
  const sent = useRef("");
  const send = form.submit(async (values) => {
    if (!values.text.trim()) {
      form.setErrors({ text: "Escriba su mensaje." });
      form.setMessage("Escriba su mensaje.");
      return;
    }
    if (!key.current || sent.current !== values.text) {
      key.current = newIdempotencyKey(); // the same key while the same text is retried
      sent.current = values.text;
    }
    await api.post("/api/v1/chat/web/messages", { text: values.text }, { headers: { "Idempotency-Key": key.current } });
    key.current = null;
    form.setValues({ text: "" });
    onSent();
  });
  const keyDown = (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) send(event);
  };
  return (
    <form onSubmit={send} noValidate class="card" aria-labelledby="titulo-escribir">
      <h2 id="titulo-escribir">Escribir al tribunal</h2>
      <FormErrors form={form} fields={["text"]} />
      <Field form={form} name="text" id="mensaje-tribunal" label="Su mensaje" as="textarea" rows={4} maxLength={4096}
        onKeyDown={keyDown} hint="Texto plano, hasta 4096 caracteres. Ctrl+Enter también envía." />
      <button type="submit" disabled={form.busy}>
        Enviar
      </button>
    </form>
  );
}

export default function CourtChatPage() {
  const conversation = useApi(() => api.get("/api/v1/chat/web/conversation"), []);
  const reload = useDebounced(conversation.reload, 200);
  const waiting = useRef(false); // an event came while the tab was hidden
  useEffect(() => {
    const shown = () => {
      if (document.visibilityState === "hidden" || !waiting.current) return;
      waiting.current = false;
      reload();
    };
    document.addEventListener("visibilitychange", shown);
    return () => document.removeEventListener("visibilitychange", shown);
  }, []);
  const live = useOwnEvents((type, data) => {
    if (type === "message_status" && data && data.status === "read") return; // their own read: nothing to show
    if (document.visibilityState === "hidden") waiting.current = true;
    else reload();
  });
  const data = conversation.data;
  return (
    <>
      <PageHeader title="Chat con el tribunal">
        <p class="lead">
          Escriba sus consultas al personal del chat del Poder Judicial. Las respuestas aparecen aquí, sin recargar la
          página.
        </p>
      </PageHeader>
      <LiveState state={live} />
      {conversation.loading && !data && <Loading />}
      <LoadError error={conversation.error} retry={conversation.reload} />
      {data && (
        <section class="card" aria-labelledby="titulo-conversacion">
          <h2 id="titulo-conversacion">Su conversación</h2>
          {data.messages.length === 0 && <p class="empty">Aún no ha escrito al tribunal.</p>}
          <ol class="plain-list chat-messages" data-testid="web-messages" aria-live="polite" aria-relevant="additions">
            {data.messages.map((message) => (
              <li key={message.message_id} data-message={message.message_id} data-author={message.author}
                class={`chat-message chat-message-${message.author === "lawyer" ? "in" : "out"}`}>
                <p class="hint">
                  <strong>{who(message)}</strong> · {formatDateTime(message.at)}
                </p>
                <p class="chat-text" data-testid="message-text">
                  {message.text}
                </p>
              </li>
            ))}
          </ol>
        </section>
      )}
      <Write onSent={conversation.reload} />
    </>
  );
}
