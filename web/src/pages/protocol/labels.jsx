// Names people read for the protocol archive's codes, and small pieces its pages share.
import { formatDateTime } from "../../ui.jsx";

export const ACT_TYPES = [
  ["compraventa", "Compraventa"],
  ["donacion", "Donación"],
  ["mandato", "Mandato"],
  ["poder", "Poder"],
  ["constitucion_sociedad", "Constitución de sociedad"],
  ["mutuo", "Mutuo"],
  ["arrendamiento", "Arrendamiento"],
  ["testamento", "Testamento"],
  ["acta_protocolizacion", "Acta de protocolización"],
  ["otro", "Otro"],
];
export const actLabel = (code) => (ACT_TYPES.find(([value]) => value === code) || [0, code])[1];

export const COPY_KINDS = [
  ["copia_simple", "Copia simple"],
  ["testimonio", "Testimonio"],
];
export const copyKindLabel = (code) => (COPY_KINDS.find(([value]) => value === code) || [0, code])[1];

export const COPY_STATUS = {
  awaiting_payment: "Pendiente de pago",
  awaiting_approval: "Pagada: espera la aprobación del Archivo",
  paid: "Pagada: se está emitiendo la copia…",
  issued: "Emitida",
  revoked: "Revocada",
  expired: "Vencida: la referencia ya no se puede pagar",
};
export const COPY_FINAL = ["issued", "revoked", "expired"];

export const REVIEW = { pendiente: "Pendiente de revisión", aceptado: "Aceptado", observado: "Observado" };

export function formatDate(day) {
  const [y, m, d] = String(day || "").split("-");
  return d ? `${d}/${m}/${y}` : day || "";
}

// A number the user typed: sent as a number when it is one, as typed otherwise (the API names the field).
export function numberOrText(value) {
  const text = String(value ?? "").trim();
  return /^\d+$/.test(text) ? Number(text) : text;
}

export function currentYear() {
  return Number(new Intl.DateTimeFormat("en-CA", { timeZone: "America/Guatemala", year: "numeric" }).format(new Date()));
}

export function InstrumentFacts({ instrument }) {
  return (
    <dl class="facts">
      <div>
        <dt>Notario</dt>
        <dd>
          {instrument.notary_name} (colegiado {instrument.bar_number})
        </dd>
      </div>
      <div>
        <dt>Instrumento</dt>
        <dd>
          Número {instrument.number} de {instrument.year}
          {instrument.version > 1 ? ` (versión ${instrument.version})` : ""}
        </dd>
      </div>
      <div>
        <dt>Acto</dt>
        <dd>{actLabel(instrument.act_type)}</dd>
      </div>
      <div>
        <dt>Autorizado</dt>
        <dd>
          {formatDate(instrument.authorized_at)}, {instrument.place}
        </dd>
      </div>
      <div>
        <dt>Otorgantes</dt>
        <dd>
          {instrument.secret
            ? "Testamento: solo consta que existe."
            : instrument.grantors.map((g) => `${g.name} (${g.role})`).join("; ")}
        </dd>
      </div>
      {instrument.summary && (
        <div>
          <dt>Resumen</dt>
          <dd>{instrument.summary}</dd>
        </div>
      )}
      <div>
        <dt>Páginas</dt>
        <dd>{instrument.pages}</dd>
      </div>
      <div>
        <dt>Depositado</dt>
        <dd>{formatDateTime(instrument.deposited_at)}</dd>
      </div>
    </dl>
  );
}

// The year of a notary as the Archive sees it: late, missing, observed, and the annual index compared.
export function YearReport({ report }) {
  const list = (items) => (items.length ? items.join(", ") : "Ninguno");
  return (
    <section class="card" aria-labelledby="informe-titulo" data-testid="year-report">
      <h2 id="informe-titulo">
        Protocolo {report.year} del colegiado {report.bar_number}
      </h2>
      <dl class="facts">
        <div>
          <dt>Depositados</dt>
          <dd data-testid="report-deposited">{report.deposited}</dd>
        </div>
        <div>
          <dt>Extemporáneos</dt>
          <dd data-testid="report-late">
            {report.late.length
              ? report.late.map((l) => `n.º ${l.number} (${l.business_days_late} días hábiles de atraso)`).join("; ")
              : "Ninguno"}
          </dd>
        </div>
        <div>
          <dt>Faltantes</dt>
          <dd data-testid="report-missing">{list(report.missing)}</dd>
        </div>
        <div>
          <dt>Observados</dt>
          <dd data-testid="report-observed">
            {report.observed.length ? report.observed.map((o) => `n.º ${o.number}: ${o.reason}`).join("; ") : "Ninguno"}
          </dd>
        </div>
        <div>
          <dt>Índice anual</dt>
          <dd>{report.index_submitted_at ? `Presentado el ${formatDateTime(report.index_submitted_at)}` : "No presentado"}</dd>
        </div>
        {report.index_submitted_at && (
          <>
            <div>
              <dt>En el índice, sin depósito</dt>
              <dd>{list(report.in_index_not_deposited)}</dd>
            </div>
            <div>
              <dt>Depositados, no en el índice</dt>
              <dd>{list(report.deposited_not_in_index)}</dd>
            </div>
            <div>
              <dt>Acto distinto del índice</dt>
              <dd>{list(report.act_type_mismatch)}</dd>
            </div>
          </>
        )}
      </dl>
    </section>
  );
}
