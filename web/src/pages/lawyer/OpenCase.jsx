// Open a case: court, matter, subject, the parties, whom the lawyer represents, and the claim's PDFs (dragged in
// or chosen), sent with a progress bar; then the receipt. Every check is the API's: its message goes under the
// field it names (parties.1.name, represents, documents...) and what was typed stays.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, navigate } from "../../router.jsx";
import { LoadError, PageHeader } from "../../ui.jsx";
import { useCourts } from "../public/courts.js";
import { multipart, PdfDropZone, UploadProgress, useSubmissionKey } from "./Documents.jsx";
import { MATTERS, ORDINARY_MATTERS, ORDINARY_ROLES, PARTY_ROLES } from "./labels.js";

const party = (i, role) => ({ [`parties.${i}.name`]: "", [`parties.${i}.role`]: role, [`parties.${i}.id_number`]: "" });

export function partiesOf(values, count) {
  const parties = [];
  for (let i = 0; i < count; i++) {
    const item = { name: values[`parties.${i}.name`], role: values[`parties.${i}.role`] };
    const idNumber = (values[`parties.${i}.id_number`] || "").trim();
    if (idNumber) item.id_number = idNumber;
    parties.push(item);
  }
  return parties;
}

export default function OpenCasePage() {
  const courts = useCourts();
  const [count, setCount] = useState(2);
  const form = useForm({
    court_id: "", matter: "civil", subject: "", represents: "", documents: [], ...party(0, "actor"), ...party(1, "demandado"),
  });
  const [progress, setProgress] = useState(null);
  const keyFor = useSubmissionKey();
  const values = form.values;
  const names = partiesOf(values, count).map((p) => (p.name || "").trim()).filter(Boolean);
  const available = (courts.data || []).filter((c) => c.matters.includes(values.matter));

  const addParty = () => {
    form.setValues((old) => ({ ...old, ...party(count, "tercero") }));
    setCount(count + 1);
  };
  const removeParty = () => {
    const last = count - 1;
    form.setValues((old) => {
      const next = { ...old };
      for (const key of Object.keys(party(last, ""))) delete next[key];
      return next;
    });
    setCount(last);
  };

  const send = form.submit(async (v) => {
    const metadata = { court_id: v.court_id, matter: v.matter, subject: v.subject, parties: partiesOf(v, count),
      represents: v.represents };
    setProgress(0);
    try {
      const opened = await api.upload("/api/v1/cases", multipart(metadata, v.documents),
        { onProgress: setProgress, idempotencyKey: keyFor(v) });
      navigate(`/constancias/${opened.receipt.filing_id}?nuevo=1`);
    } finally {
      setProgress(null);
    }
  }, { field: "documents" });

  return (
    <>
      <PageHeader title="Iniciar un expediente">
        <p class="lead">La demanda y sus anexos en PDF. Al recibirla, el tribunal le asigna número al expediente.</p>
      </PageHeader>
      <LoadError error={courts.error} retry={courts.reload} />
      <form class="card" onSubmit={send} noValidate>
        <FormErrors form={form} />
        <Field form={form} name="matter" label="Materia" as="select">
          {ORDINARY_MATTERS.map((m) => (
            <option key={m} value={m}>
              {MATTERS[m]}
            </option>
          ))}
        </Field>
        <Field form={form} name="court_id" label="Tribunal" as="select">
          <option value="">Elija el tribunal</option>
          {available.map((c) => (
            <option key={c.court_id} value={c.court_id}>
              {c.name}
            </option>
          ))}
        </Field>
        <Field form={form} name="subject" label="Asunto" as="textarea" rows={2} hint="Por ejemplo: Juicio ordinario de cobro de pesos." />
        <fieldset class="parties">
          <legend>Partes</legend>
          {Array.from({ length: count }, (_, i) => (
            <div class="party" key={i} role="group" aria-label={`Parte ${i + 1}`}>
              <p class="party-title">Parte {i + 1}</p>
              <Field form={form} name={`parties.${i}.name`} label={`Nombre de la parte ${i + 1}`} autoComplete="off" />
              <Field form={form} name={`parties.${i}.role`} label={`Calidad de la parte ${i + 1}`} as="select">
                {ORDINARY_ROLES.map((r) => (
                  <option key={r} value={r}>
                    {PARTY_ROLES[r]}
                  </option>
                ))}
              </Field>
              <Field form={form} name={`parties.${i}.id_number`} label={`DPI de la parte ${i + 1} (opcional)`} autoComplete="off" inputMode="numeric" />
            </div>
          ))}
          <div class="actions">
            <button type="button" class="button-secondary" onClick={addParty}>
              Agregar otra parte
            </button>
            {count > 1 && (
              <button type="button" class="button-secondary" onClick={removeParty}>
                Quitar la parte {count}
              </button>
            )}
          </div>
        </fieldset>
        <Field form={form} name="represents" label="Parte que usted representa" as="select">
          <option value="">Elija la parte</option>
          {[...new Set(names)].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
          {values.represents && !names.includes(values.represents) && <option value={values.represents}>{values.represents}</option>}
        </Field>
        <PdfDropZone form={form} name="documents" label="Demanda y anexos (PDF)" />
        <UploadProgress fraction={progress} />
        <div class="actions">
          <button type="submit" disabled={form.busy}>
            Presentar la demanda
          </button>
          <Link href="/mis-expedientes">Cancelar</Link>
        </div>
      </form>
    </>
  );
}
