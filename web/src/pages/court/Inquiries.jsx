// The court's inquiries from the chat: what the chat staff asked the court about a lawyer's conversation, newest
// first, with when each is due (and «Vencida» once it is past), and, for a clerk, the answer form. A judge of the
// court reads them and answers none (the API refuses it): the page says who answers instead of a form. Clerk and
// judge see the question only, never the conversation; the answer goes back to the chat agent, never to the lawyer
// by itself.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { FormErrors, useForm } from "../../forms.jsx";
import { useQuery } from "../../router.jsx";
import { useSession } from "../../session.js";
import { CursorButtons, formatDateTime, LoadError, Loading, Notice, PageHeader, useApi, useCursorPages } from "../../ui.jsx";
import { placeError } from "./common.jsx";

const STATUS_LABELS = { open: "Por responder", answered: "Respondidas" };

// The answer, with ids of its own inquiry (the page shows many at once); the API's message for "text" goes under it.
function AnswerField({ form, id }) {
  const error = form.errors.text;
  const describedBy = [`${id}-ayuda`, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>Respuesta</label>
      <p class="hint" id={`${id}-ayuda`}>
        La lee el personal del chat, que informa al abogado. Se responde una sola vez.
      </p>
      <textarea
        id={id}
        name="text"
        rows={3}
        maxLength={4000}
        value={form.values.text}
        onInput={(event) => form.set("text", event.currentTarget.value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error="text">
          {String(error)}
        </p>
      )}
    </div>
  );
}

function Due({ inquiry }) {
  return (
    <p class="hint">
      {inquiry.status === "answered" ? "Debía responderse" : "Vence"}: {formatDateTime(inquiry.due_at)}{" "}
      {inquiry.overdue && (
        <span class="badge badge-overdue" data-testid="overdue">
          {inquiry.status === "answered" ? "Respondida tarde" : "Vencida"}
        </span>
      )}
    </p>
  );
}

function Answer({ answer }) {
  return (
    <Notice kind="success" data-testid="answer">
      <p>
        Respondida el {formatDateTime(answer.at)} por {answer.by.name || answer.by.sub}:
      </p>
      <p class="inquiry-text">{answer.text}</p>
    </Notice>
  );
}

function Inquiry({ inquiry: initial, answers }) {
  const [inquiry, setInquiry] = useState(initial);
  const form = useForm({ text: "" });
  const asked = formatDateTime(inquiry.asked_at);
  const send = form.submit(async (values) => {
    try {
      setInquiry(await api.post(`/api/v1/chat/inquiries/${encodeURIComponent(inquiry.inquiry_id)}/answer`, values));
    } catch (error) {
      throw placeError(error, { inquiry_answered: "text" });
    }
  });
  const headingId = `consulta-${inquiry.inquiry_id}`;
  return (
    <article class="card" data-inquiry={inquiry.inquiry_id} aria-labelledby={headingId}>
      <h2 id={headingId}>Consulta del {asked}</h2>
      <Due inquiry={inquiry} />
      <p class="hint">
        De {inquiry.asked_by.name || inquiry.asked_by.sub}, del chat{inquiry.region ? ` (línea de ${inquiry.region})` : ""}
        {inquiry.lawyer
          ? `, sobre el abogado ${inquiry.lawyer.name || ""} (colegiado ${inquiry.lawyer.bar_number})`
          : ""}
        .
      </p>
      <p class="inquiry-text" data-testid="question">
        {inquiry.question}
      </p>
      {inquiry.answer ? (
        <Answer answer={inquiry.answer} />
      ) : !answers ? (
        <p class="hint" data-testid="answered-by-clerk">
          Por responder: la responde el secretario del tribunal.
        </p>
      ) : (
        <form onSubmit={send} noValidate>
          <FormErrors form={form} fields={["text"]} />
          <AnswerField form={form} id={`respuesta-${inquiry.inquiry_id}`} />
          <button type="submit" disabled={form.busy} aria-label={`Responder la consulta del ${asked}`}>
            Responder
          </button>
        </form>
      )}
    </article>
  );
}

export default function InquiriesPage() {
  const { actor } = useSession();
  const answers = !(actor && actor.role === "judge"); // a judge reads them; the court's clerk answers
  const [query, setQuery] = useQuery();
  const status = query.estado === "answered" ? "answered" : "open";
  const paging = useCursorPages();
  const cursor = paging.cursor;
  const list = useApi(() => api.get("/api/v1/chat/inquiries", { status, cursor, limit: 20 }), [status, cursor]);
  const items = (list.data && list.data.items) || [];
  const choose = (value) => {
    paging.reset();
    setQuery({ estado: value === "open" ? "" : value });
  };
  return (
    <>
      <PageHeader title="Consultas del chat">
        <p class="lead">
          Preguntas del personal del chat (WhatsApp) al tribunal sobre la consulta de un abogado, de la más reciente a
          la más antigua. La respuesta la recibe el personal del chat; nunca se envía por sí sola al abogado.
        </p>
        {!answers && <p>Las responde el secretario del tribunal; aquí puede leerlas y ver sus respuestas.</p>}
      </PageHeader>
      <div class="field">
        <label for="estado-consultas">Mostrar</label>
        <select id="estado-consultas" value={status} onChange={(event) => choose(event.currentTarget.value)}>
          {Object.entries(STATUS_LABELS).map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </div>
      {list.loading && <Loading />}
      <LoadError error={list.error} retry={list.reload} />
      {list.data && items.length === 0 && (
        <p class="empty">{status === "open" ? "No hay consultas por responder." : "No hay consultas respondidas."}</p>
      )}
      <ul class="plain-list" data-testid="inquiries">
        {items.map((item) => (
          // keyed by its status too: one answered elsewhere since the page showed it is shown anew, not as it was
          <li key={`${item.inquiry_id}:${item.status}`}>
            <Inquiry inquiry={item} answers={answers} />
          </li>
        ))}
      </ul>
      <CursorButtons paging={paging} next={list.data && list.data.next_cursor} more="Ver más consultas" />
    </>
  );
}
