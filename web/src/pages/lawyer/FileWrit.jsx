// File a writ in one of the lawyer's cases: its kind, a summary and its PDFs (dragged in or chosen), sent with a
// progress bar; then the receipt.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, navigate } from "../../router.jsx";
import { PageHeader } from "../../ui.jsx";
import { multipart, PdfDropZone, UploadProgress, useSubmissionKey } from "./Documents.jsx";
import { FILING_KINDS, WRIT_KINDS } from "./labels.js";

export default function FileWritPage({ caseNumber }) {
  const form = useForm({ kind: "escrito", summary: "", documents: [] });
  const [progress, setProgress] = useState(null);
  const keyFor = useSubmissionKey();

  const send = form.submit(async (v) => {
    setProgress(0);
    try {
      const receipt = await api.upload(`/api/v1/cases/${encodeURIComponent(caseNumber)}/filings`,
        multipart({ kind: v.kind, summary: v.summary }, v.documents), { onProgress: setProgress, idempotencyKey: keyFor(v) });
      navigate(`/constancias/${receipt.filing_id}?nuevo=1`);
    } finally {
      setProgress(null);
    }
  }, { field: "documents" });

  return (
    <>
      <PageHeader title="Presentar un escrito">
        <p class="lead">
          En el expediente <Link href={`/mis-expedientes/${caseNumber}`}>{caseNumber}</Link>. El secretario del tribunal lo
          califica.
        </p>
      </PageHeader>
      <form class="card" onSubmit={send} noValidate>
        <FormErrors form={form} />
        <Field form={form} name="kind" label="Clase de escrito" as="select">
          {WRIT_KINDS.map((k) => (
            <option key={k} value={k}>
              {FILING_KINDS[k]}
            </option>
          ))}
        </Field>
        <Field form={form} name="summary" label="Resumen del escrito" as="textarea" rows={3} hint="Por ejemplo: Evacúo la audiencia conferida." />
        <PdfDropZone form={form} name="documents" label="El escrito y sus anexos (PDF)" />
        <UploadProgress fraction={progress} />
        <div class="actions">
          <button type="submit" disabled={form.busy}>
            Presentar el escrito
          </button>
          <Link href={`/mis-expedientes/${caseNumber}`}>Cancelar</Link>
        </div>
      </form>
    </>
  );
}
