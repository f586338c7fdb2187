// Issue a resolution in a case: its kind, summary, term, its PDF and, in amparo and antejuicio, the stage it
// takes the case to. One Idempotency-Key per resolution: a retry after a 503 never issues it twice.
import { useState } from "preact/hooks";
import { api, newIdempotencyKey } from "../../api.js";
import { Field, FileField, FormErrors, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { BackToCase, caseHref, placeError } from "./common.jsx";
import { label, RESOLUTION_KINDS, STAGE_LABELS, STAGES } from "./labels.js";

// errors the API answers without naming a field, and the field they are about
const BY_CODE = { invalid_stage_transition: "stage" };

export default function ResolutionPage({ caseNumber }) {
  const found = useApi(() => api.get(`/api/v1/cases/${encodeURIComponent(caseNumber)}`), [caseNumber]);
  const form = useForm({ kind: "decreto", summary: "", term_days: "", stage: "", document: null });
  const [key, setKey] = useState(newIdempotencyKey);
  const [progress, setProgress] = useState(null);
  const [issued, setIssued] = useState(null);
  const item = found.data;
  const stages = item && STAGES[item.matter];

  const issue = form.submit(async (values) => {
    const metadata = { kind: values.kind, summary: values.summary };
    if (String(values.term_days).trim() !== "") {
      const days = Number(values.term_days);
      metadata.term_days = Number.isInteger(days) ? days : values.term_days;
    }
    if (stages && values.stage) metadata.stage = values.stage;
    const body = new FormData();
    body.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
    if (values.document) body.append("document", values.document, values.document.name);
    try {
      const result = await api.upload(`/api/v1/cases/${encodeURIComponent(caseNumber)}/resolutions`, body, {
        onProgress: setProgress, idempotencyKey: key,
      });
      setIssued(result);
      setKey(newIdempotencyKey());
    } catch (error) {
      throw placeError(error, BY_CODE, "document");
    } finally {
      setProgress(null);
    }
  }, { field: "document" });

  return (
    <>
      <PageHeader title="Emitir una resolución">
        <p class="lead">Expediente {caseNumber}</p>
      </PageHeader>
      <BackToCase caseNumber={caseNumber} />
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.reload} />
      {issued && (
        <Notice kind="success" data-testid="resolution-issued">
          <p>
            Resolución emitida: folio {issued.folio} del expediente{issued.stage ? `, etapa ${label(STAGE_LABELS, issued.stage)}` : ""}.
          </p>
          <p>
            <Link href={caseHref(caseNumber)}>Ver el expediente</Link>
          </p>
        </Notice>
      )}
      {item && !issued && (
        <form onSubmit={issue} noValidate>
          <FormErrors form={form} />
          <Field form={form} name="kind" label="Clase de resolución" as="select">
            {RESOLUTION_KINDS.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </Field>
          <Field form={form} name="summary" label="Resumen" as="textarea" rows={3} hint="Lo que resuelve, en pocas líneas." />
          <Field
            form={form}
            name="term_days"
            label="Plazo en días hábiles (opcional)"
            type="number"
            inputMode="numeric"
            min={1}
            max={365}
            hint="Si la resolución da un plazo a las partes: corre desde que cada una queda notificada."
          />
          {stages && (
            <Field
              form={form}
              name="stage"
              label="Etapa a la que pasa el expediente"
              as="select"
              hint={`Etapa actual: ${label(STAGE_LABELS, item.stage || "ingresado")}.`}
            >
              <option value="">La misma etapa</option>
              {stages.map((stage) => (
                <option key={stage} value={stage}>
                  {label(STAGE_LABELS, stage)}
                </option>
              ))}
            </Field>
          )}
          <FileField form={form} name="document" label="La resolución firmada (PDF)" accept=".pdf,application/pdf" />
          {progress !== null && <progress max="1" value={progress} aria-label="Enviando la resolución" />}
          <p>
            <button disabled={form.busy}>Emitir la resolución</button>
          </p>
        </form>
      )}
    </>
  );
}
