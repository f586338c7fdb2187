// A notary deposits the testimonio especial of an instrument: its index data (year, number, date and place of
// authorisation, act, grantors, summary, pages) and the PDF. The API checks everything and names the field it
// refuses; nothing is stored then. A correction of a deposited number is a new version (the old one is kept).
import { useEffect, useRef, useState } from "preact/hooks";
import { api, newIdempotencyKey } from "../../api.js";
import { Field, FileField, FormErrors, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { Notice, PageHeader } from "../../ui.jsx";
import { ACT_TYPES, currentYear, formatDate, numberOrText, REVIEW } from "./labels.jsx";

const GRANTOR_KEYS = ["name", "id_number", "role"];

function initial() {
  return {
    year: String(currentYear()), number: "", authorized_at: "", place: "", act_type: "", summary: "", pages: "",
    correction: false, document: null, "grantors.0.name": "", "grantors.0.id_number": "", "grantors.0.role": "",
  };
}

function metadataOf(values, grantors) {
  const metadata = {
    year: numberOrText(values.year), number: numberOrText(values.number), authorized_at: values.authorized_at,
    place: values.place, act_type: values.act_type, summary: values.summary, pages: numberOrText(values.pages),
    grantors: grantors.map((i) => {
      const grantor = { name: values[`grantors.${i}.name`] || "", role: values[`grantors.${i}.role`] || "" };
      const id = (values[`grantors.${i}.id_number`] || "").trim();
      if (id) grantor.id_number = id;
      return grantor;
    }),
  };
  for (const key of ["year", "number", "authorized_at", "place", "act_type", "summary", "pages"]) {
    if (metadata[key] === "") delete metadata[key]; // the API says "obligatorio" beside it
  }
  if (values.correction) metadata.correction = true;
  return metadata;
}

function Deposited({ deposit }) {
  return (
    <Notice kind="success" data-testid="deposit-done">
      <p class="verdict">
        Testimonio depositado: instrumento {deposit.number} de {deposit.year}
        {deposit.version > 1 ? ` (corrección, versión ${deposit.version})` : ""}
      </p>
      <p>
        {deposit.extemporaneo
          ? `Depositado fuera de plazo: ${deposit.business_days_late} días hábiles después del vencimiento (${formatDate(deposit.deadline)}).`
          : `Dentro del plazo (vencía el ${formatDate(deposit.deadline)}).`}{" "}
        Revisión del Archivo: {REVIEW[deposit.review] || deposit.review}.
      </p>
      <p class="hint mono">SHA-256 del PDF: {deposit.document.sha256}</p>
    </Notice>
  );
}

export default function DepositPage() {
  const form = useForm(initial());
  const [grantors, setGrantors] = useState([0]);
  const [progress, setProgress] = useState(null);
  const [deposit, setDeposit] = useState(null);
  const key = useRef(newIdempotencyKey());
  const [round, setRound] = useState(0); // a new file input after a deposit (the chosen file forgotten)

  const addGrantor = () => {
    const next = Math.max(...grantors) + 1;
    setGrantors([...grantors, next]);
    focusNext.current = `campo-grantors-${next}-name`;
  };
  const focusNext = useRef(null);
  useEffect(() => {
    // after the new grantor's row is rendered, the keyboard goes on in its name
    if (focusNext.current) document.getElementById(focusNext.current)?.focus();
    focusNext.current = null;
  }, [grantors]);
  const removeGrantor = (i) => setGrantors(grantors.filter((g) => g !== i));

  const send = form.submit(async (values) => {
    setDeposit(null);
    // the API numbers grantors by their place in the list: renumber the rows shown
    const shown = grantors.map((i, place) => [i, place]);
    const renamed = { ...values };
    for (const [i, place] of shown) for (const k of GRANTOR_KEYS) renamed[`grantors.${place}.${k}`] = values[`grantors.${i}.${k}`];
    const data = new FormData();
    data.append("metadata", new Blob([JSON.stringify(metadataOf(renamed, shown.map(([, place]) => place)))], { type: "application/json" }));
    if (values.document) data.append("document", values.document, values.document.name);
    setProgress(0);
    try {
      const done = await api.upload("/api/v1/protocol/instruments", data, { onProgress: setProgress, idempotencyKey: key.current });
      key.current = newIdempotencyKey();
      setDeposit(done);
      setGrantors([0]);
      form.setValues(initial());
      setRound((n) => n + 1);
    } catch (error) {
      if (!error.unavailable) key.current = newIdempotencyKey(); // refused: nothing was stored
      if (error.fields) {
        // grantors.N.* as the API numbered them -> the rows on the page
        const fields = {};
        for (const [name, text] of Object.entries(error.fields)) {
          const found = /^grantors\.(\d+)\.(.+)$/.exec(name);
          fields[found && shown[Number(found[1])] ? `grantors.${shown[Number(found[1])][0]}.${found[2]}` : name] = text;
        }
        error.fields = fields;
      }
      throw error;
    } finally {
      setProgress(null);
    }
  }, { field: "document" });

  const fieldNames = ["year", "number", "authorized_at", "place", "act_type", "summary", "pages", "document", "grantors",
    ...grantors.flatMap((i) => GRANTOR_KEYS.map((k) => `grantors.${i}.${k}`))];

  return (
    <>
      <PageHeader title="Depositar un testimonio especial">
        <p class="lead">
          Dentro de los 25 días hábiles siguientes a la autorización (Código de Notariado, art. 37).{" "}
          <Link href="/protocolo/mi-protocolo">Ver mi protocolo</Link>
        </p>
      </PageHeader>
      <section aria-live="polite" aria-label="Resultado del depósito">
        {deposit && <Deposited deposit={deposit} />}
      </section>
      <form class="card" onSubmit={send} noValidate>
        <FormErrors form={form} fields={fieldNames} />
        <Field form={form} name="year" label="Año del protocolo" inputMode="numeric" autoComplete="off" />
        <Field form={form} name="number" label="Número del instrumento" inputMode="numeric" autoComplete="off" />
        <Field form={form} name="authorized_at" label="Fecha de autorización" type="date" />
        <Field form={form} name="place" label="Lugar de autorización" />
        <Field form={form} name="act_type" label="Acto o contrato" as="select">
          <option value="">Elija el acto…</option>
          {ACT_TYPES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Field>
        <fieldset class="choices">
          <legend>Otorgantes</legend>
          {form.errors.grantors && (
            <p class="field-error" data-field-error="grantors">
              {String(form.errors.grantors)}
            </p>
          )}
          {grantors.map((i, place) => (
            <div class="grantor" key={i} role="group" aria-label={`Otorgante ${place + 1}`}>
              <Field form={form} name={`grantors.${i}.name`} label={`Nombre del otorgante ${place + 1}`} autoComplete="off" />
              <Field form={form} name={`grantors.${i}.id_number`} label={`Documento de identificación del otorgante ${place + 1} (opcional)`} autoComplete="off" />
              <Field form={form} name={`grantors.${i}.role`} label={`Calidad con que comparece el otorgante ${place + 1}`} hint="Vendedor, comprador, mandante, testador…" />
              {grantors.length > 1 && (
                <button type="button" class="button-secondary" onClick={() => removeGrantor(i)}>
                  Quitar al otorgante {place + 1}
                </button>
              )}
            </div>
          ))}
          <button type="button" class="button-secondary" onClick={addGrantor}>
            Agregar otro otorgante
          </button>
        </fieldset>
        <Field form={form} name="summary" label="Resumen del instrumento" as="textarea" rows={3} />
        <Field form={form} name="pages" label="Número de páginas" inputMode="numeric" autoComplete="off" />
        <FileField form={form} name="document" label="El testimonio especial (PDF)" accept="application/pdf,.pdf" key={round} />
        <div class="field">
          <label class="choice">
            <input type="checkbox" checked={form.values.correction} onChange={(e) => form.set("correction", e.currentTarget.checked)} />
            Es una corrección de un número ya depositado (se conserva la versión anterior)
          </label>
        </div>
        {progress !== null && <progress value={progress} max={1} aria-label="Enviando el testimonio" />}
        <button type="submit" disabled={form.busy}>
          Depositar el testimonio
        </button>
      </form>
    </>
  );
}
