// The electronic case file (GET /api/v1/cases/{n}): its facts, parties and lawyers, the docket by folio with each
// document to download, and its hearings. From here the lawyer files a writ.
import { api } from "../../api.js";
import { Link } from "../../router.jsx";
import { CaseFrame } from "../../casefile.jsx";
import { formatDateTime } from "../../ui.jsx";
import { HEARING_KIND_LABELS, STAGE_LABELS } from "../court/labels.js";
import { FILING_KINDS, formatSize, HEARING_STATUS, label, PARTY_ROLES, RESOLUTION_KINDS } from "./labels.js";

function Docket({ entries }) {
  if (entries.length === 0) return <p class="empty">Aún no hay actuaciones.</p>;
  return (
    <ol class="plain-list" data-testid="docket">
      {entries.map((e) => (
        <li key={e.id} class="card">
          <h3>
            Folio {e.folio} · {e.type === "resolution" ? label(RESOLUTION_KINDS, e.kind) : label(FILING_KINDS, e.kind)} ·{" "}
            {formatDateTime(e.at)}
          </h3>
          <p>{e.summary}</p>
          <p class="hint">
            {e.type === "resolution" ? "Resolución de " : "Presentado por "}
            {e.by.name || e.by.sub}
            {e.term_days ? ` · plazo de ${e.term_days} días hábiles` : ""}
          </p>
          <ul class="document-links">
            {e.documents.map((d) => (
              <li key={d.document_id}>
                <a href={api.href(`/api/v1/documents/${d.document_id}`)} download={d.filename}>
                  Descargar {d.filename}
                </a>{" "}
                <span class="hint">
                  ({d.pages} {d.pages === 1 ? "página" : "páginas"}, {formatSize(d.size)})
                </span>
              </li>
            ))}
          </ul>
          {e.type === "filing" && <Link href={`/constancias/${e.id}`}>Constancia de recepción, folio {e.folio}</Link>}
        </li>
      ))}
    </ol>
  );
}

function Hearings({ hearings }) {
  if (hearings.length === 0) return <p class="empty">No hay audiencias en este expediente.</p>;
  return (
    <ul class="plain-list" data-testid="case-hearings">
      {hearings.map((h) => (
        <li key={h.hearing_id} class="card">
          <h3>
            {formatDateTime(h.starts_at)} · {label(HEARING_KIND_LABELS, h.kind)}
          </h3>
          <dl class="facts">
            <div>
              <dt>Sala</dt>
              <dd>
                {h.room} · {h.mode === "virtual" ? "Virtual" : "Presencial"} · {h.duration_minutes} minutos
              </dd>
            </div>
            <div>
              <dt>Estado</dt>
              <dd>
                <span class={`badge badge-${h.status}`}>{label(HEARING_STATUS, h.status)}</span>
                {h.reason ? ` — ${h.reason}` : ""}
              </dd>
            </div>
            {h.notes && (
              <div>
                <dt>Notas</dt>
                <dd>{h.notes}</dd>
              </div>
            )}
          </dl>
        </li>
      ))}
    </ul>
  );
}

export default function CaseFilePage({ caseNumber }) {
  return (
    <CaseFrame caseNumber={caseNumber}>
      {(item) => (
        <>
          <p class="actions">
            <Link href={`/mis-expedientes/${caseNumber}/escrito`} class="button-link">
              Presentar un escrito
            </Link>
            <Link href={`/casillero?expediente=${caseNumber}`}>Notificaciones de este expediente</Link>
          </p>
          <section class="card" aria-labelledby="datos">
            <h2 id="datos">Datos del expediente</h2>
            <dl class="facts">
              <div>
                <dt>Asunto</dt>
                <dd>{item.subject}</dd>
              </div>
              <div>
                <dt>Ingreso</dt>
                <dd>{formatDateTime(item.opened_at)}</dd>
              </div>
              {item.stage && (
                <div>
                  <dt>Etapa</dt>
                  <dd>{label(STAGE_LABELS, item.stage)}</dd>
                </div>
              )}
              {item.reserved && (
                <div>
                  <dt>Reserva</dt>
                  <dd>Expediente reservado: no aparece en las consultas públicas.</dd>
                </div>
              )}
              {item.parties.map((p, i) => (
                <div key={i}>
                  <dt>{label(PARTY_ROLES, p.role)}</dt>
                  <dd>{p.name}</dd>
                </div>
              ))}
              {item.attorneys.map((a) => (
                <div key={`${a.sub}-${a.represents}`}>
                  <dt>Abogado(a)</dt>
                  <dd>
                    {a.name || a.sub}
                    {a.bar_number ? `, colegiado ${a.bar_number}` : ""}, por {a.represents}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="actuaciones">
            <h2 id="actuaciones">Actuaciones</h2>
            <Docket entries={item.entries} />
          </section>
          <section aria-labelledby="audiencias">
            <h2 id="audiencias">Audiencias</h2>
            <Hearings hearings={item.hearings} />
          </section>
        </>
      )}
    </CaseFrame>
  );
}
