// The receipt of a filing (GET /api/v1/filings/{id}): when the court received it, what, from whom, and each
// document with its SHA-256, so that anyone can check the file they keep is the one filed. Printable: the print
// stylesheet leaves only the receipt on paper.
import { api } from "../../api.js";
import { Link, useQuery } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { useCourts } from "../public/courts.js";
import { FILING_KINDS, FILING_STATUS, formatSize, label } from "./labels.js";

export default function ReceiptPage({ filingId }) {
  const [query] = useQuery();
  const found = useApi(() => api.get(`/api/v1/filings/${encodeURIComponent(filingId)}`), [filingId]);
  const courts = useCourts();
  const filing = found.data;
  const court = filing && (courts.data || []).find((c) => c.court_id === filing.court_id);
  return (
    <>
      <PageHeader title="Constancia de recepción" />
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.error && found.error.status !== 404 ? found.reload : null} />
      {filing && (
        <>
          {query.nuevo && (
            <Notice kind="success" class="notice notice-success no-print">
              <p>El tribunal recibió su {label(FILING_KINDS, filing.kind).toLowerCase()}. Guarde o imprima esta constancia.</p>
              {filing.kind === "apersonamiento" && filing.status === "received" && (
                <p>Actuará en el expediente cuando el secretario del tribunal acepte su apersonamiento.</p>
              )}
            </Notice>
          )}
          <article class="card receipt" data-testid="receipt" aria-labelledby="constancia-titulo">
            <h2 id="constancia-titulo">Organismo Judicial · Constancia de recepción electrónica</h2>
            <dl class="facts">
              <div>
                <dt>Expediente</dt>
                <dd data-testid="receipt-case">{filing.case_number}</dd>
              </div>
              <div>
                <dt>Tribunal</dt>
                <dd>{court ? court.name : filing.court_id}</dd>
              </div>
              <div>
                <dt>Clase</dt>
                <dd>{label(FILING_KINDS, filing.kind)}</dd>
              </div>
              <div>
                <dt>Resumen</dt>
                <dd>{filing.summary}</dd>
              </div>
              <div>
                <dt>Presentado por</dt>
                <dd>
                  {filing.filed_by.name || filing.filed_by.sub}
                  {filing.filed_by.bar_number ? `, colegiado ${filing.filed_by.bar_number}` : ""}
                </dd>
              </div>
              {filing.represents && (
                <div>
                  <dt>En representación de</dt>
                  <dd>{filing.represents}</dd>
                </div>
              )}
              <div>
                <dt>Recibido</dt>
                <dd>
                  {formatDateTime(filing.received_at)} (hora de Guatemala) · <span class="mono">{filing.received_at}</span>
                </dd>
              </div>
              <div>
                <dt>Estado</dt>
                <dd data-testid="receipt-status">
                  {label(FILING_STATUS, filing.status)}
                  {filing.folio ? `, folio ${filing.folio}` : ""}
                  {filing.review && filing.review.reason ? ` — ${filing.review.reason}` : ""}
                </dd>
              </div>
              <div>
                <dt>Constancia</dt>
                <dd class="mono">{filing.filing_id}</dd>
              </div>
            </dl>
            <h3>Documentos recibidos</h3>
            <ol class="receipt-documents">
              {filing.documents.map((d) => (
                <li key={d.document_id} data-testid="receipt-document" data-filename={d.filename}>
                  <p>
                    <strong>{d.filename}</strong> · {d.pages} {d.pages === 1 ? "página" : "páginas"} · {formatSize(d.size)}
                  </p>
                  <p class="hash">
                    SHA-256: <span class="mono" data-testid="receipt-sha256">{d.sha256}</span>
                  </p>
                </li>
              ))}
            </ol>
            <p class="hint">
              El SHA-256 identifica cada archivo: el mismo archivo da siempre el mismo código, y cualquier cambio lo altera.
            </p>
          </article>
          <div class="actions no-print">
            <button type="button" onClick={() => window.print()}>
              Imprimir la constancia
            </button>
            {filing.kind === "apersonamiento" && filing.status !== "accepted" ? (
              <Link href={`/mis-expedientes/apersonarse?expediente=${encodeURIComponent(filing.case_number)}`}>
                Ver su apersonamiento en el expediente {filing.case_number}
              </Link>
            ) : (
              <Link href={`/mis-expedientes/${filing.case_number}`}>Ver el expediente {filing.case_number}</Link>
            )}
          </div>
        </>
      )}
    </>
  );
}
