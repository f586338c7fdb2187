// Import historical records from a CSV: all or nothing. When a row is refused none is imported, and the page
// lists every refused row (its line in the file) with the reason for each column.
import { useState } from "preact/hooks";
import { api, readFileText } from "../../api.js";
import { Field, FileField, FormErrors, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { Notice, PageHeader } from "../../ui.jsx";
import { COLUMNS } from "./common.jsx";

const HEADER = "name,id_number,case_number,court,offences,penalty,sentence_date,final_date";


function Rejected({ rows }) {
  return (
    <section class="card" aria-labelledby="rechazadas-titulo" data-testid="rejected-rows">
      <h2 id="rechazadas-titulo">
        {rows.length === 1 ? "1 fila rechazada" : `${rows.length} filas rechazadas`}
      </h2>
      <p>Corríjalas en el archivo y vuelva a importarlo completo: no se importó ninguna fila.</p>
      <ul class="plain-list">
        {rows.map((row) => (
          <li key={row.row} data-row={row.row}>
            <h3>Línea {row.row}</h3>
            <dl class="facts">
              {Object.entries(row.errors).map(([column, text]) => (
                <div key={column}>
                  <dt>{COLUMNS[column] || column}</dt>
                  <dd>{text}</dd>
                </div>
              ))}
            </dl>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function ImportPage() {
  const form = useForm({ file: null, csv: "" });
  const [rejected, setRejected] = useState(null);
  const [imported, setImported] = useState(null);
  const send = form.submit(async (values) => {
    setRejected(null);
    setImported(null);
    const csv = values.file ? await readFileText(values.file) : values.csv;
    try {
      const report = await api.post("/api/v1/criminal-records/import", { csv });
      setImported(report.imported);
    } catch (error) {
      if (error.code === "import_rejected" && Array.isArray(error.details.rejected)) setRejected(error.details.rejected);
      if (values.file && error.fields && error.fields.csv) error.fields = { file: error.fields.csv };
      throw error;
    }
  }, { field: form.values.file ? "file" : "csv" });
  return (
    <>
      <PageHeader title="Importar antecedentes desde un CSV">
        <p class="lead">
          Todo o nada: si una fila es inválida no se importa ninguna. <Link href="/registro">Volver al registro</Link>
        </p>
      </PageHeader>
      <form class="card" onSubmit={send} noValidate>
        <p class="hint">
          Primera línea: <code>{HEADER}</code>. Delitos separados por «;», fechas AAAA-MM-DD, UTF-8.
        </p>
        <FormErrors form={form} fields={["file", "csv"]} />
        <FileField form={form} name="file" label="El archivo CSV" accept=".csv,text/csv" />
        <p class="or">o</p>
        <Field form={form} name="csv" label="El contenido del CSV" as="textarea" rows={6} spellcheck={false} />
        <button type="submit" disabled={form.busy}>
          Importar
        </button>
      </form>
      <section aria-live="polite" aria-label="Resultado de la importación">
        {imported !== null && (
          <Notice kind="success" data-testid="import-done">
            {imported === 1 ? "Se importó 1 antecedente." : `Se importaron ${imported} antecedentes.`}
          </Notice>
        )}
        {rejected && <Rejected rows={rejected} />}
      </section>
    </>
  );
}
