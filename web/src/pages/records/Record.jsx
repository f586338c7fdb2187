// One record of the registry, and its cancellation: the reason, a note and the court's resolution in PDF (a new
// entry: the record itself never changes; only once).
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FileField, FormErrors, useForm } from "../../forms.jsx";
import { Link, useQuery } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { CANCEL_REASONS, RecordFacts } from "./common.jsx";

function CancelForm({ record, onCancelled }) {
  const form = useForm({ reason: "", note: "", document: null });
  const [progress, setProgress] = useState(null);
  const cancel = form.submit(async (values) => {
    const data = new FormData();
    const metadata = { reason: values.reason, note: values.note };
    data.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
    if (values.document) data.append("document", values.document, values.document.name);
    try {
      onCancelled(await api.upload(`/api/v1/criminal-records/${record.record_id}/cancel`, data, { onProgress: setProgress }));
    } finally {
      setProgress(null);
    }
  }, { field: "document" });
  return (
    <form class="card" onSubmit={cancel} noValidate aria-labelledby="cancelar-titulo">
      <h2 id="cancelar-titulo">Cancelar este antecedente</h2>
      <FormErrors form={form} fields={["reason", "note", "document"]} />
      <Field form={form} name="reason" label="Motivo de la cancelación" as="select">
        <option value="">Elija el motivo…</option>
        {CANCEL_REASONS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </Field>
      <Field form={form} name="note" label="Resolución que la ordena" hint="Tribunal, número y fecha de la resolución." as="textarea" rows={3} />
      <FileField form={form} name="document" label="La resolución del tribunal (PDF)" accept="application/pdf,.pdf" />
      {progress !== null && <progress value={progress} max={1} aria-label="Enviando la resolución" />}
      <button type="submit" disabled={form.busy}>
        Cancelar el antecedente
      </button>
    </form>
  );
}

export default function RecordPage({ recordId }) {
  const [query] = useQuery();
  const loaded = useApi(() => api.get(`/api/v1/criminal-records/${recordId}`), [recordId]);
  const [changed, setChanged] = useState(null);
  const record = changed || loaded.data;
  return (
    <>
      <PageHeader title={record ? `Antecedente de ${record.name}` : "Antecedente"}>
        <p class="lead">
          <Link href="/registro">Volver al registro</Link>
        </p>
      </PageHeader>
      {loaded.loading && !record && <Loading />}
      <LoadError error={loaded.error} retry={loaded.reload} />
      {record && (
        <>
          {query.nuevo && !changed && <Notice kind="success">El antecedente quedó registrado.</Notice>}
          {changed && <Notice kind="success">El antecedente quedó cancelado.</Notice>}
          <section class="card" aria-label="Datos del antecedente" data-testid="record">
            <RecordFacts record={record} />
          </section>
          {record.cancellation && (
            <section class="card" aria-labelledby="cancelacion-titulo">
              <h2 id="cancelacion-titulo">Cancelación</h2>
              <dl class="facts">
                <div>
                  <dt>Motivo</dt>
                  <dd>{(CANCEL_REASONS.find(([v]) => v === record.cancellation.reason) || [0, record.cancellation.reason])[1]}</dd>
                </div>
                <div>
                  <dt>Resolución</dt>
                  <dd>{record.cancellation.note}</dd>
                </div>
                <div>
                  <dt>Cancelado</dt>
                  <dd>{formatDateTime(record.cancellation.cancelled_at)}</dd>
                </div>
                <div>
                  <dt>Por</dt>
                  <dd>{record.cancellation.cancelled_by.name || record.cancellation.cancelled_by.sub}</dd>
                </div>
                <div>
                  <dt>Documento</dt>
                  <dd>{record.cancellation.document.filename}</dd>
                </div>
              </dl>
            </section>
          )}
          {record.status === "vigente" && <CancelForm record={record} onCancelled={setChanged} />}
        </>
      )}
    </>
  );
}
