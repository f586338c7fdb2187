// One conversation as the chat staff works it (WhatsApp's, or the web channel's: a lawyer writing from the portal,
// shown as such, without the 24-hour window and the templates): the messages (texts as written: shown as text, never as HTML) with
// each reply's status (queued, sent, delivered, read, or failed with its reason), the private notes, the reply box
// with the 24-hour window and the approved templates (GET /api/v1/chat/templates; outside the window the API's 409
// outside_window switches the box to them) and the canned responses («/» at the start of the reply: CannedPicker.jsx),
// take/release or (supervisors) assign, labels, transfer to a line's team or an area, snooze/resolve/reopen, and
// the correction of an inbound message's classification (queja, consulta, sugerencia).
// Updated live from the stream: a message, a status, a note, an inquiry or a change of this conversation reloads it.
// The conversation's inquiries to a court or an area are shown and asked from here (Inquiries.jsx).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { Inquiries } from "./Inquiries.jsx";
import { CannedList, cannedQuery, useCannedPicker } from "./CannedPicker.jsx";
import { useSession } from "../../session.js";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import {
  AreaOptions, ChannelBadge, CLASSIFICATION, contactName, CONVERSATION_STATUS, isWeb, LiveState, MESSAGE_STATUS,
  SUPERVISOR, useChatEvents, useDebounced,
} from "./common.jsx";

function FormMessage({ form }) {
  if (!form.message) return null;
  return (
    <p class="notice notice-error" role="alert" tabIndex={-1} ref={form.summary} data-testid="form-error">
      {form.message}
    </p>
  );
}

function describeMessage(message) {
  if (message.type === "text" || message.type === "template") return null;
  if (!message.known) return `Mensaje de tipo «${message.type}»`;
  const kinds = {
    image: "Imagen", document: "Documento", audio: "Audio", video: "Video", sticker: "Sticker", location: "Ubicación",
    contacts: "Contactos", interactive: "Respuesta a un botón", button: "Botón",
  };
  return kinds[message.type] || message.type;
}

// The label the rules gave an inbound message, which the staff may correct (kept for later training).
function Classification({ message, conversationId, onChanged }) {
  const current = message.classification.corrected || message.classification;
  const form = useForm({ label: current.label });
  const id = `clasificacion-${message.message_id}`;
  const correct = form.submit(async (values) => {
    await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(message.message_id)}/classification`,
      { label: values.label });
    onChanged();
  });
  return (
    <form class="chat-classification" onSubmit={correct} noValidate>
      <FormMessage form={form} />
      <Field form={form} name="label" id={id} label="Clasificación" as="select"
        hint={message.classification.corrected
          ? `Corregida por ${message.classification.corrected.by}; las reglas dijeron «${CLASSIFICATION[message.classification.label] || message.classification.label}».`
          : message.classification.cues.length ? `Señales: ${message.classification.cues.join(", ")}.` : undefined}>
        {Object.entries(CLASSIFICATION).map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </Field>
      <button type="submit" class="button-secondary button-small" disabled={form.busy || form.values.label === current.label}>
        Corregir la clasificación
      </button>
    </form>
  );
}

function Message({ message, conversationId, onChanged, web }) {
  const inbound = message.direction === "in";
  const who = inbound ? (web ? "Abogado" : "Usuario")
    : `Respuesta${message.author ? ` de ${message.author.name || message.author.sub}` : ""}`;
  const kind = describeMessage(message);
  const media = message.media && message.media.status === "stored";
  const classification = message.classification
    ? (message.classification.corrected || message.classification).label : null;
  return (
    <li class={`chat-message chat-message-${inbound ? "in" : "out"}`} data-message={message.message_id}>
      <p class="hint">
        <strong>{who}</strong> · {formatDateTime(message.at)}
        {kind && ` · ${kind}`}
        {classification === "queja" && (
          <>
            {" "}
            <span class="badge badge-overdue">{CLASSIFICATION.queja}</span>
          </>
        )}
      </p>
      {message.text && (
        <p class="chat-text" data-testid="message-text">
          {message.text}
        </p>
      )}
      {media && (
        <p>
          <a href={api.href(`/api/v1/chat/conversations/${encodeURIComponent(conversationId)}/messages/${encodeURIComponent(message.message_id)}/media`)}>
            Descargar el archivo
          </a>
        </p>
      )}
      {inbound && message.classification && (
        <Classification message={message} conversationId={conversationId} onChanged={onChanged} />
      )}
      {!inbound && (
        <p class="hint chat-status" data-testid="message-status" data-status={message.status}>
          Estado: {MESSAGE_STATUS[message.status] || message.status}
          {message.error && (
            <span class={message.status === "failed" ? "field-error" : ""}>
              {" "}
              — {message.error.reason}
              {message.error.retrying ? " (se reintentará)" : ""}
            </span>
          )}
        </p>
      )}
    </li>
  );
}

function TemplateFields({ form, templates }) {
  const chosen = templates.find((t) => `${t.name}|${t.language}` === form.values.template) || null;
  const count = chosen ? chosen.parameters : 0;
  return (
    <>
      <Field form={form} name="template" id="plantilla" label="Plantilla aprobada" as="select"
        hint="Fuera de la ventana de 24 horas WhatsApp solo permite plantillas aprobadas.">
        <option value="">Elija una plantilla</option>
        {templates.map((t) => (
          <option key={`${t.name}|${t.language}`} value={`${t.name}|${t.language}`}>
            {t.name} ({t.language}, {t.parameters} {t.parameters === 1 ? "parámetro" : "parámetros"})
          </option>
        ))}
      </Field>
      {Array.from({ length: count }, (_, i) => (
        <Field key={i} form={form} name={`parameter${i}`} id={`plantilla-parametro-${i}`} label={`Parámetro ${i + 1}`}
          maxLength={1024} />
      ))}
    </>
  );
}

// The canned responses' picker of a reply box's `text`: each «/» reads them again (what the supervision changed
// meanwhile is offered).
function useCanned(form) {
  const canned = useApi(() => api.get("/api/v1/chat/canned-responses"), []);
  const picker = useCannedPicker((canned.data && canned.data.items) || [], form.values.text,
    (response) => form.set("text", response.text));
  const typingShortcode = cannedQuery(form.values.text) !== null;
  useEffect(() => {
    if (typingShortcode) canned.reload();
  }, [typingShortcode]);
  return picker;
}

// A web conversation (a lawyer writing from the portal): a text only, at any time; the lawyer reads it in the portal.
function WebReply({ conversation, onSent }) {
  const form = useForm({ text: "" });
  const picker = useCanned(form);
  const send = form.submit(async (values) => {
    await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/messages`,
      { text: values.text });
    form.setValues({ text: "" });
    onSent();
  });
  return (
    <section class="card" aria-labelledby="titulo-responder">
      <h2 id="titulo-responder">Responder por el chat web</h2>
      <p class="hint" data-testid="web-channel-note">
        El abogado escribió desde el portal: la respuesta no va por WhatsApp, la lee en su página «Chat con el
        tribunal». No hay ventana de 24 horas ni plantillas.
      </p>
      <form onSubmit={send} noValidate>
        <FormMessage form={form} />
        <Field form={form} name="text" id="respuesta" label="Respuesta" as="textarea" rows={3} maxLength={4096}
          hint="Texto plano. Escriba / al principio para elegir una respuesta guardada (flechas e Intro). Para empezar con una /, escriba //."
          {...picker.inputProps} />
        <CannedList picker={picker} />
        <button type="submit" disabled={form.busy}>
          Enviar
        </button>
      </form>
    </section>
  );
}

// The reply box. The approved templates come from GET /api/v1/chat/templates; the agent may switch to them at any
// time, and outside the 24-hour window the API's 409 outside_window switches to them with its message (its list of
// templates is not read: the page's own, from the API, is the one offered).
function Reply({ conversation, onSent }) {
  const catalogue = useApi(() => api.get("/api/v1/chat/templates"), []);
  const templates = (catalogue.data && catalogue.data.items) || [];
  const [useTemplate, setUseTemplate] = useState(false);
  const form = useForm({ text: "", template: "" });
  const picker = useCanned(form);
  const send = form.submit(async (values) => {
    let body;
    if (useTemplate) {
      const chosen = templates.find((t) => `${t.name}|${t.language}` === values.template);
      if (!chosen) {
        form.setErrors({ template: "Elija una plantilla." });
        form.setMessage("Elija una plantilla.");
        return;
      }
      body = { template: { name: chosen.name, language: chosen.language,
        parameters: Array.from({ length: chosen.parameters }, (_, i) => values[`parameter${i}`] || "") } };
    } else {
      body = { text: values.text };
    }
    try {
      await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/messages`, body);
    } catch (error) {
      if (error.code === "outside_window") {
        setUseTemplate(true);
        error.fields = { template: "Elija una plantilla aprobada." };
      }
      throw error;
    }
    form.setValues({ text: "", template: "" });
    onSent();
  });
  return (
    <section class="card" aria-labelledby="titulo-responder">
      <h2 id="titulo-responder">Responder por WhatsApp</h2>
      {conversation.window_open ? (
        <p class="hint" data-testid="window">
          Ventana de 24 horas abierta: se puede responder libremente hasta el {formatDateTime(conversation.window_closes_at)}.
        </p>
      ) : (
        <Notice data-testid="window">
          {conversation.window_closes_at
            ? `La ventana de 24 horas se cerró el ${formatDateTime(conversation.window_closes_at)}: `
            : "El usuario no ha escrito en esta conversación: "}
          WhatsApp solo permite enviar una plantilla aprobada.
        </Notice>
      )}
      <form onSubmit={send} noValidate>
        <FormMessage form={form} />
        {!useTemplate && (
          <Field form={form} name="text" id="respuesta" label="Respuesta" as="textarea" rows={3} maxLength={4096}
            hint="Texto plano. Escriba / al principio para elegir una respuesta guardada (flechas e Intro). Para empezar con una /, escriba //."
            {...picker.inputProps} />
        )}
        {!useTemplate && <CannedList picker={picker} />}
        {useTemplate && <TemplateFields form={form} templates={templates} />}
        {useTemplate && <LoadError error={catalogue.error} retry={catalogue.reload} />}
        {useTemplate && catalogue.data && templates.length === 0 && (
          <p class="hint" data-testid="no-templates">No hay plantillas aprobadas configuradas.</p>
        )}
        <button type="submit" disabled={form.busy}>
          {useTemplate ? "Enviar la plantilla" : "Enviar"}
        </button>{" "}
        {!useTemplate && templates.length > 0 && (
          <button type="button" class="button-secondary" onClick={() => setUseTemplate(true)}>
            Usar una plantilla aprobada
          </button>
        )}
        {useTemplate && conversation.window_open && (
          <button type="button" class="button-secondary" onClick={() => setUseTemplate(false)}>
            Escribir un texto
          </button>
        )}
      </form>
    </section>
  );
}

function Notes({ conversation, onAdded }) {
  const form = useForm({ text: "" });
  const add = form.submit(async (values) => {
    await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/notes`, values);
    form.setValues({ text: "" });
    onAdded();
  });
  return (
    <section class="card" aria-labelledby="titulo-notas">
      <h2 id="titulo-notas">Notas privadas</h2>
      {conversation.notes.length === 0 && <p class="empty">Sin notas.</p>}
      <ul class="plain-list" data-testid="notes">
        {conversation.notes.map((note) => (
          <li key={note.note_id} class="chat-note">
            <p class="hint">
              {note.author.name || note.author.sub} · {formatDateTime(note.created_at)}
            </p>
            <p class="chat-text">{note.text}</p>
          </li>
        ))}
      </ul>
      <form onSubmit={add} noValidate>
        <FormMessage form={form} />
        <Field form={form} name="text" id="nota" label="Nueva nota" as="textarea" rows={2} maxLength={4096}
          hint="Solo la ve el personal del chat; nunca se envía al usuario." />
        <button type="submit" class="button-secondary" disabled={form.busy}>
          Agregar la nota
        </button>
      </form>
    </section>
  );
}

function Assignment({ conversation, me, supervisor, agents, onChanged }) {
  const form = useForm({ agent: "" });
  const path = `/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/assign`;
  const assign = (agent) => form.submit(async () => onChanged(await api.post(path, { agent })));
  const current = conversation.assignee ? conversation.assignee.sub : null;
  return (
    <div class="chat-assignment">
      <p data-testid="assignee">
        {conversation.assignee
          ? `Asignada a ${conversation.assignee.name || conversation.assignee.sub}${current === me ? " (usted)" : ""}`
          : "Sin asignar"}
      </p>
      <FormMessage form={form} />
      {!current && (
        <button type="button" onClick={assign(me)} disabled={form.busy}>
          Tomar la conversación
        </button>
      )}
      {current === me && (
        <button type="button" class="button-secondary" onClick={assign(null)} disabled={form.busy}>
          Soltar la conversación
        </button>
      )}
      {supervisor && (
        <form onSubmit={(event) => assign(form.values.agent || null)(event)} noValidate>
          <Field form={form} name="agent" id="asignar-agente" label="Asignar a" as="select">
            <option value="">Nadie (sin asignar)</option>
            {agents.map((agent) => (
              <option key={agent.agent} value={agent.agent}>
                {agent.name || agent.agent} ({agent.load} de {agent.capacity})
              </option>
            ))}
          </Field>
          <button type="submit" class="button-secondary" disabled={form.busy}>
            Asignar
          </button>
        </form>
      )}
    </div>
  );
}

function Labels({ conversation, onChanged }) {
  const form = useForm({ labels: conversation.labels.join(", ") });
  const save = form.submit(async (values) => {
    const labels = values.labels.split(",").map((label) => label.trim()).filter(Boolean);
    try {
      onChanged(await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/labels`,
        { labels }));
    } catch (error) {
      const named = Object.keys(error.fields || {});
      if (named.some((name) => name.startsWith("labels"))) error.fields = { labels: Object.values(error.fields).join(" ") };
      throw error;
    }
  });
  return (
    <form onSubmit={save} noValidate>
      <Field form={form} name="labels" id="etiquetas" label="Etiquetas"
        hint="Separadas por comas; minúsculas, dígitos, _ y - (por ejemplo: familiar, urgente)." />
      <button type="submit" class="button-secondary" disabled={form.busy}>
        Guardar las etiquetas
      </button>
    </form>
  );
}

// Transfer to a line (its team's queue) or to an area (GET /api/v1/chat/areas): exactly one of the two. The
// conversation stays on the number the user wrote to: WhatsApp lets no other number answer it.
function Transfer({ conversation, lines, areas, onChanged }) {
  const [target, setTarget] = useState("line");
  const stays = isWeb(conversation)
    ? "El abogado sigue leyendo las respuestas en el portal."
    : "Las respuestas siguen saliendo del número al que escribió el usuario";
  const form = useForm({ line: "", area: "" });
  const transfer = form.submit(async (values) => {
    const chosen = values[target];
    if (!chosen) {
      const field = target === "line" ? "Elija la línea." : "Elija el área.";
      form.setErrors({ [target]: field });
      form.setMessage(target === "line" ? "Elija la línea a cuyo equipo la transfiere." : "Elija el área a la que la transfiere.");
      return;
    }
    onChanged(await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/transfer`,
      { [target]: chosen }));
    form.setValues({ line: "", area: "" });
  });
  if (!lines.length && !areas.length) return null;
  return (
    <form onSubmit={transfer} noValidate class="chat-transfer">
      <FormMessage form={form} />
      <fieldset class="choices">
        <legend>Transferir a</legend>
        <label class="choice">
          <input type="radio" name="transferir-a" value="line" checked={target === "line"}
            onChange={() => setTarget("line")} />
          Una línea (la cola de su equipo)
        </label>
        <label class="choice">
          <input type="radio" name="transferir-a" value="area" checked={target === "area"}
            onChange={() => setTarget("area")} />
          Un área del chat
        </label>
      </fieldset>
      {target === "line" ? (
        <Field form={form} name="line" id="transferir-linea" label="Línea de destino" as="select"
          hint={`Queda sin asignar, en la cola del equipo de esa línea. ${isWeb(conversation) ? stays : `${stays}: WhatsApp no permite cambiarlo.`}`}>
          <option value="">Elija la línea</option>
          {lines.map((line) => (
            <option key={line.phone_number_id} value={line.phone_number_id}>
              {line.region} ({line.display_number}) · equipo {line.team}
            </option>
          ))}
        </Field>
      ) : (
        <Field form={form} name="area" id="transferir-area" label="Área de destino" as="select"
          hint={`Queda sin asignar, en la cola de esa área. ${isWeb(conversation) ? stays : `${stays}.`}`}>
          <option value="">Elija el área</option>
          <AreaOptions areas={areas} />
        </Field>
      )}
      <button type="submit" class="button-secondary" disabled={form.busy}>
        Transferir
      </button>
    </form>
  );
}

function StatusActions({ conversation, onChanged }) {
  const form = useForm({ snoozed_until: "" });
  const path = `/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/status`;
  const set = (status) => form.submit(async (values) => {
    const body = { status };
    if (status === "snoozed" && values.snoozed_until) body.snoozed_until = new Date(values.snoozed_until).toISOString();
    onChanged(await api.post(path, body));
  });
  const status = conversation.status;
  return (
    <div class="chat-status-actions">
      <p>
        Estado: <strong data-testid="conversation-status">{CONVERSATION_STATUS[status] || status}</strong>
        {status === "snoozed" && conversation.snoozed_until && ` hasta el ${formatDateTime(conversation.snoozed_until)}`}
      </p>
      <FormMessage form={form} />
      <div class="actions">
        {status !== "resolved" && (
          <button type="button" onClick={set("resolved")} disabled={form.busy}>
            Resolver
          </button>
        )}
        {status !== "open" && (
          <button type="button" class="button-secondary" onClick={set("open")} disabled={form.busy}>
            Reabrir
          </button>
        )}
        {status !== "pending" && (
          <button type="button" class="button-secondary" onClick={set("pending")} disabled={form.busy}>
            Dejar pendiente
          </button>
        )}
      </div>
      <form onSubmit={set("snoozed")} noValidate>
        <Field form={form} name="snoozed_until" id="posponer-hasta" label="Posponer hasta" type="datetime-local"
          hint="Vacío: hasta que el usuario vuelva a escribir. A lo sumo 90 días." />
        <button type="submit" class="button-secondary" disabled={form.busy}>
          Posponer
        </button>
      </form>
    </div>
  );
}

// The lawyer the number is linked to; the supervision can end that link (a lost or changed phone), saying why
// (POST /api/v1/chat/links/{wa_id}/unlink: the reason goes to the audit log).
function LinkedLawyer({ conversation, supervisor, onChanged }) {
  const form = useForm({ reason: "" });
  const wa = conversation.contact.wa_id;
  const unlink = form.submit(async (values) => {
    await api.post(`/api/v1/chat/links/${encodeURIComponent(wa)}/unlink`, { reason: values.reason });
    onChanged();
  });
  return (
    <>
      <p data-testid="linked-lawyer">
        Número vinculado a la cuenta de <strong>{conversation.lawyer.name || "un abogado"}</strong>, colegiado{" "}
        {conversation.lawyer.bar_number}
      </p>
      {supervisor && (
        <details class="chat-unlink">
          <summary>Desvincular este número de la cuenta del abogado</summary>
          <form onSubmit={unlink} noValidate>
            <FormMessage form={form} />
            <Field form={form} name="reason" id="motivo-desvincular" label="Motivo" as="textarea" rows={2} maxLength={500}
              hint="Por ejemplo: el abogado informó que perdió su teléfono. Queda en la bitácora." />
            <button type="submit" class="button-secondary" disabled={form.busy}>
              Desvincular el número
            </button>
          </form>
        </details>
      )}
    </>
  );
}

export default function ConversationPage({ conversationId }) {
  const session = useSession();
  const me = session.actor ? session.actor.sub : "";
  const supervisor = session.actor && session.actor.role === SUPERVISOR;
  const path = `/api/v1/chat/conversations/${encodeURIComponent(conversationId)}`;
  const conversation = useApi(() => api.get(path), [conversationId]);
  const agents = useApi(() => (supervisor ? api.get("/api/v1/chat/agents") : null), [supervisor]);
  const lines = useApi(() => api.get("/api/v1/chat/lines"), []);
  const areas = useApi(() => api.get("/api/v1/chat/areas"), []);
  const reload = useDebounced(conversation.reload, 200);
  const live = useChatEvents((type, data) => {
    if (type === "reset" || (data && data.conversation_id === conversationId)) reload();
    if (supervisor && (type === "agent" || type === "conversation")) agents.reload();
  });
  const c = conversation.data;
  const changed = () => conversation.reload();
  return (
    <>
      <p>
        <Link href="/chat">Volver a la bandeja</Link>
      </p>
      <PageHeader title={c ? `Conversación con ${contactName(c)}` : "Conversación"}>
        {c && (
          <p class="lead">
            <ChannelBadge conversation={c} />{" "}
            {isWeb(c) ? "Desde el portal" : `+${c.contact.wa_id}`} · {c.region ? `Línea de ${c.region}` : `Línea ${c.line}`}
            {c.team ? ` · Equipo ${c.team}` : ""}
            {c.area && c.area !== c.team ? ` · Área ${c.area}` : ""}
            {c.complaint ? " · Marcada como queja" : ""}
          </p>
        )}
        {c && c.lawyer && isWeb(c) && (
          <p data-testid="web-lawyer">
            Escribe desde su cuenta del portal: <strong>{c.lawyer.name || "un abogado"}</strong>, colegiado{" "}
            {c.lawyer.bar_number}
          </p>
        )}
        {c && c.lawyer && !isWeb(c) && <LinkedLawyer conversation={c} supervisor={supervisor} onChanged={changed} />}
      </PageHeader>
      <LiveState state={live} />
      {conversation.loading && !c && <Loading />}
      <LoadError error={conversation.error} retry={conversation.reload} />
      {c && (
        <div class="chat-layout">
          <div class="chat-main">
            <section class="card" aria-labelledby="titulo-mensajes">
              <h2 id="titulo-mensajes">Mensajes</h2>
              {c.messages.length === 0 && <p class="empty">Sin mensajes.</p>}
              <ol class="plain-list chat-messages" data-testid="messages" aria-live="polite" aria-relevant="additions">
                {c.messages.map((message) => (
                  <Message key={`${message.message_id}-${message.classification && message.classification.corrected ? message.classification.corrected.label : ""}`}
                    message={message} conversationId={c.conversation_id} onChanged={changed} web={isWeb(c)} />
                ))}
              </ol>
            </section>
            {isWeb(c) ? <WebReply conversation={c} onSent={changed} /> : <Reply conversation={c} onSent={changed} />}
          </div>
          <div class="chat-side">
            <section class="card" aria-labelledby="titulo-gestion">
              <h2 id="titulo-gestion">Atención</h2>
              <StatusActions conversation={c} onChanged={changed} />
              <Assignment conversation={c} me={me} supervisor={supervisor}
                agents={(agents.data && agents.data.items) || []} onChanged={changed} />
              <Labels key={c.labels.join(",")} conversation={c} onChanged={changed} />
              <Transfer conversation={c} lines={(lines.data && lines.data.items) || []}
                areas={(areas.data && areas.data.items) || []} onChanged={changed} />
            </section>
            <Notes conversation={c} onAdded={changed} />
            <Inquiries conversation={c} onAsked={changed} />
          </div>
        </div>
      )}
    </>
  );
}
