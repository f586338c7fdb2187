// The inquiries of a conversation (to a court or to an area of the chat), as the agent sees them in the conversation:
// the question, where it went, when it is due (and «Vencida»), and the answer, which the agent reads and decides what
// to tell the user (it is never sent to the user by itself); and the form to ask a new one. The API's 422 goes
// beside the field it names (court_id, area, question).
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, useForm } from "../../forms.jsx";
import { formatDateTime } from "../../ui.jsx";
import { useCourts } from "../public/courts.js";

function InquiryItem({ inquiry }) {
  const where = inquiry.court_id ? `${inquiry.court_name || "Tribunal"} (${inquiry.court_id})` : `Área ${inquiry.area}`;
  return (
    <li class="chat-note" data-inquiry={inquiry.inquiry_id}>
      <p class="hint">
        A {where} · {formatDateTime(inquiry.asked_at)} · {inquiry.asked_by.name || inquiry.asked_by.sub}
        {" · "}
        {inquiry.status === "answered" ? "Respondida" : `Vence ${formatDateTime(inquiry.due_at)}`}
        {inquiry.overdue && (
          <>
            {" "}
            <span class="badge badge-overdue">{inquiry.status === "answered" ? "Respondida tarde" : "Vencida"}</span>
          </>
        )}
      </p>
      <p class="chat-text">{inquiry.question}</p>
      {inquiry.answer && (
        <p class="chat-text chat-answer" data-testid="inquiry-answer">
          <strong>Respuesta de {inquiry.answer.by.name || inquiry.answer.by.sub}:</strong> {inquiry.answer.text}
        </p>
      )}
    </li>
  );
}

export function Inquiries({ conversation, onAsked }) {
  const courts = useCourts();
  const [target, setTarget] = useState("court");
  const form = useForm({ court_id: "", area: "", question: "" });
  const inquiries = conversation.inquiries || [];
  const ask = form.submit(async (values) => {
    const body = { question: values.question };
    if (target === "court") body.court_id = values.court_id;
    else body.area = values.area.trim();
    await api.post(`/api/v1/chat/conversations/${encodeURIComponent(conversation.conversation_id)}/inquiries`, body);
    form.setValues({ court_id: values.court_id, area: values.area, question: "" });
    onAsked();
  });
  return (
    <section class="card" aria-labelledby="titulo-consultas">
      <h2 id="titulo-consultas">Consultas a tribunales y áreas</h2>
      {inquiries.length === 0 && <p class="empty">Sin consultas.</p>}
      <ul class="plain-list" data-testid="inquiries">
        {inquiries.map((inquiry) => (
          <InquiryItem key={inquiry.inquiry_id} inquiry={inquiry} />
        ))}
      </ul>
      <form onSubmit={ask} noValidate>
        {form.message && (
          <p class="notice notice-error" role="alert" tabIndex={-1} ref={form.summary}>
            {form.message}
          </p>
        )}
        <fieldset class="choices">
          <legend>Consultar a</legend>
          <label class="choice">
            <input type="radio" name="destino" value="court" checked={target === "court"}
              onChange={() => setTarget("court")} />
            Un tribunal (responde su secretario)
          </label>
          <label class="choice">
            <input type="radio" name="destino" value="area" checked={target === "area"}
              onChange={() => setTarget("area")} />
            Un área del chat (quejas, un equipo)
          </label>
        </fieldset>
        {target === "court" ? (
          <Field form={form} name="court_id" id="consulta-tribunal" label="Tribunal" as="select">
            <option value="">Elija el tribunal</option>
            {(courts.data || []).map((court) => (
              <option key={court.court_id} value={court.court_id}>
                {court.name} ({court.court_id})
              </option>
            ))}
          </Field>
        ) : (
          <Field form={form} name="area" id="consulta-area" label="Área" hint="Por ejemplo: quejas." maxLength={64} />
        )}
        <Field form={form} name="question" id="consulta-pregunta" label="Pregunta" as="textarea" rows={2}
          maxLength={4000} hint="Con lo que necesitan para responder (el número de expediente, por ejemplo)." />
        <button type="submit" class="button-secondary" disabled={form.busy}>
          Enviar la consulta
        </button>
      </form>
    </section>
  );
}
