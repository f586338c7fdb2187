// The clerk's queue: filings received and not yet reviewed, by case (oldest waiting first); each is accepted
// (it gets its folio in the case file) or rejected with the reason the lawyer will read.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { FormErrors, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { caseHref } from "./common.jsx";
import { FILING_KIND_LABELS, label, MATTER_LABELS } from "./labels.js";

// The reason of a rejection, with ids of its own filing (the queue shows many at once); the API's message for
// "reason" goes under it.
function ReasonField({ form, id }) {
  const error = form.errors.reason;
  const describedBy = [`${id}-ayuda`, error ? `${id}-error` : null].filter(Boolean).join(" ");
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>Motivo del rechazo</label>
      <p class="hint" id={`${id}-ayuda`}>
        Obligatorio para rechazar; el abogado lo leerá.
      </p>
      <textarea
        id={id}
        name="reason"
        rows={2}
        value={form.values.reason}
        onInput={(event) => form.set("reason", event.currentTarget.value)}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
      />
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error="reason">
          {String(error)}
        </p>
      )}
    </div>
  );
}

function PendingFiling({ filing, caseNumber }) {
  const form = useForm({ reason: "" });
  const [done, setDone] = useState(null);
  const what = `${label(FILING_KIND_LABELS, filing.kind)} del expediente ${caseNumber}`;
  const review = (decision) => form.submit(async (values) => {
    const body = decision === "accept" ? { decision } : { decision, reason: values.reason };
    setDone(await api.post(`/api/v1/filings/${encodeURIComponent(filing.filing_id)}/review`, body));
  });
  const headingId = `escrito-${filing.filing_id}`;
  return (
    <article class="card" data-filing={filing.filing_id} aria-labelledby={headingId}>
      <h3 id={headingId}>
        {label(FILING_KIND_LABELS, filing.kind)} · {formatDateTime(filing.received_at)}
      </h3>
      <p>{filing.summary}</p>
      {filing.represents && (
        <p data-testid="filing-represents">
          {filing.kind === "apersonamiento" ? "Se apersona por" : "Por"}: <strong>{filing.represents}</strong>
        </p>
      )}
      <p class="hint">
        Presentado por {filing.filed_by.name || filing.filed_by.sub}
        {filing.filed_by.bar_number ? `, colegiado ${filing.filed_by.bar_number}` : ""}
      </p>
      {done ? (
        <Notice kind="success" data-testid="review-result">
          <p>
            {done.status === "accepted"
              ? `Aceptado${done.folio ? `: folio ${done.folio} del expediente` : ""}.`
              : `Rechazado. Motivo: ${done.review && done.review.reason}`}
          </p>
        </Notice>
      ) : (
        <form onSubmit={review("reject")} noValidate>
          <FormErrors form={form} fields={["reason"]} />
          <p>
            <button type="button" disabled={form.busy} onClick={review("accept")} aria-label={`Aceptar ${what}`}>
              Aceptar
            </button>
          </p>
          <ReasonField form={form} id={`motivo-${filing.filing_id}`} />
          <button type="submit" class="button-secondary" disabled={form.busy} aria-label={`Rechazar ${what}`}>
            Rechazar
          </button>
        </form>
      )}
    </article>
  );
}

export default function QueuePage() {
  const [cursor, setCursor] = useState("");
  const queue = useApi(() => api.get("/api/v1/cases", { status: "received", cursor, limit: 50 }), [cursor]);
  const items = (queue.data && queue.data.items) || [];
  return (
    <>
      <PageHeader title="Escritos por calificar">
        <p class="lead">Escritos recibidos en el tribunal que esperan su calificación, del más antiguo al más reciente.</p>
      </PageHeader>
      {queue.loading && <Loading />}
      <LoadError error={queue.error} retry={queue.reload} />
      {queue.data && items.length === 0 && <p class="empty">No hay escritos por calificar.</p>}
      <ul class="plain-list" data-testid="queue">
        {items.map((item) => (
          <li key={item.case_number} data-case={item.case_number}>
            <section class="queue-case" aria-labelledby={`caso-${item.case_number}`}>
              <h2 id={`caso-${item.case_number}`}>
                <Link href={caseHref(item.case_number)}>Expediente {item.case_number}</Link>
              </h2>
              <p class="hint">
                {label(MATTER_LABELS, item.matter)} · {item.subject}
              </p>
              {item.pending_filings.map((filing) => (
                <PendingFiling key={filing.filing_id} filing={filing} caseNumber={item.case_number} />
              ))}
            </section>
          </li>
        ))}
      </ul>
      {queue.data && queue.data.next_cursor && (
        <button type="button" class="button-secondary" onClick={() => setCursor(queue.data.next_cursor)}>
          Ver más expedientes
        </button>
      )}
    </>
  );
}
