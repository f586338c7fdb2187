// Pieces of the registry's pages (Unidad de Antecedentes Penales).
import { formatDateTime } from "../../ui.jsx";

export const CANCEL_REASONS = [
  ["rehabilitacion", "Rehabilitación"],
  ["pena_cumplida", "Pena cumplida"],
  ["sentencia_revocada", "Sentencia revocada"],
  ["amnistia", "Amnistía"],
  ["error", "Error de registro"],
];
export const SOURCES = { manual: "Registrado a mano", import: "Importado de CSV", court: "Sentencia firme de un tribunal" };
export const STATUS = { vigente: "Vigente", cancelado: "Cancelado" };
export const COLUMNS = {
  name: "Nombre", id_number: "CUI", case_number: "Proceso", court: "Tribunal", offences: "Delitos",
  penalty: "Pena", sentence_date: "Fecha de la sentencia", final_date: "Fecha en que quedó firme", _file: "Archivo",
  _row: "Fila",
};

export function formatDate(day) {
  // "2020-03-01" -> "01/03/2020" (a calendar day: no time zone)
  const [y, m, d] = String(day || "").split("-");
  return d ? `${d}/${m}/${y}` : day || "";
}

// The API names list items ("offences.0"); the form has one field for the whole list.
export function joinListErrors(error, lists) {
  if (!error || !error.fields) return error;
  const fields = {};
  for (const [name, text] of Object.entries(error.fields)) {
    const list = lists.find((prefix) => name.startsWith(prefix + "."));
    const key = list || name;
    fields[key] = fields[key] ? `${fields[key]} ${text}` : text;
  }
  error.fields = fields;
  return error;
}

export function RecordFacts({ record }) {
  return (
    <dl class="facts">
      <div>
        <dt>CUI</dt>
        <dd class="mono">{record.id_number}</dd>
      </div>
      <div>
        <dt>Proceso</dt>
        <dd>{record.case_number}</dd>
      </div>
      <div>
        <dt>Tribunal</dt>
        <dd>{record.court}</dd>
      </div>
      <div>
        <dt>Delitos</dt>
        <dd>{record.offences.join("; ")}</dd>
      </div>
      <div>
        <dt>Pena</dt>
        <dd>{record.penalty}</dd>
      </div>
      <div>
        <dt>Sentencia</dt>
        <dd>{formatDate(record.sentence_date)}</dd>
      </div>
      <div>
        <dt>Firme desde</dt>
        <dd>{formatDate(record.final_date)}</dd>
      </div>
      <div>
        <dt>Origen</dt>
        <dd>{SOURCES[record.source] || record.source}</dd>
      </div>
      <div>
        <dt>Registrado</dt>
        <dd>{formatDateTime(record.recorded_at)}</dd>
      </div>
      <div>
        <dt>Estado</dt>
        <dd data-testid="record-status" data-status={record.status}>
          {STATUS[record.status] || record.status}
        </dd>
      </div>
    </dl>
  );
}
