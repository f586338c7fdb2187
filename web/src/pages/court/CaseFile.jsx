// A case file as the court's staff see it: its facts, parties and lawyers, every folio with its documents, its
// hearings, and what may be done with it (resolution, hearing, notices, reservation).
import { api } from "../../api.js";
import { Link } from "../../router.jsx";
import { useSession } from "../../session.js";
import { CaseFrame } from "../../casefile.jsx";
import { formatDateTime } from "../../ui.jsx";
import { caseHref } from "./common.jsx";
import {
  FILING_KIND_LABELS, HEARING_KIND_LABELS, HEARING_STATUS_LABELS, label, MODE_LABELS, STAGE_LABELS,
} from "./labels.js";

const PUBLIC_MATTERS = ["amparo", "antejuicio"];
const ENTRY_KIND_LABELS = { ...FILING_KIND_LABELS, decreto: "Decreto", auto: "Auto", sentencia: "Sentencia" };

export default function CaseFilePage({ caseNumber }) {
  const { actor } = useSession();
  return (
    <CaseFrame caseNumber={caseNumber}>
      {(item) => (
        <>
          <nav aria-label="Acciones del expediente" class="card">
            <ul class="actions">
              <li>
                <Link href={caseHref(caseNumber, "resolucion")}>Emitir una resolución</Link>
              </li>
              <li>
                <Link href={caseHref(caseNumber, "audiencia")}>Programar una audiencia</Link>
              </li>
              <li>
                <Link href={caseHref(caseNumber, "notificaciones")}>Notificaciones del expediente</Link>
              </li>
              {actor.role === "judge" && !item.reserved && (
                <li>
                  <Link href={caseHref(caseNumber, "reserva")}>Reservar el expediente</Link>
                </li>
              )}
            </ul>
          </nav>
          <section class="card" aria-labelledby="datos">
            <h2 id="datos">Datos del expediente</h2>
            <dl class="facts">
              <div>
                <dt>Asunto</dt>
                <dd>{item.subject}</dd>
              </div>
              <div>
                <dt>Iniciado</dt>
                <dd>{formatDateTime(item.opened_at)}</dd>
              </div>
              {PUBLIC_MATTERS.includes(item.matter) && (
                <div>
                  <dt>Etapa</dt>
                  <dd data-testid="case-stage">{label(STAGE_LABELS, item.stage || "ingresado")}</dd>
                </div>
              )}
              <div>
                <dt>Reserva</dt>
                <dd data-testid="case-reserved">
                  {item.reserved
                    ? item.reservation
                      ? `Reservado el ${formatDateTime(item.reservation.reserved_at)}: ${item.reservation.reason}`
                      : "Reservado por su materia"
                    : "Público para las partes y su tribunal"}
                </dd>
              </div>
              {item.act_complained && (
                <div>
                  <dt>Acto reclamado</dt>
                  <dd>{item.act_complained}</dd>
                </div>
              )}
              {item.parties.map((party, i) => (
                <div key={`p${i}`}>
                  <dt>Parte ({party.role.replace(/_/g, " ")})</dt>
                  <dd>
                    {party.name}
                    {party.office ? ` (${party.office})` : ""}
                  </dd>
                </div>
              ))}
              {item.attorneys.map((a) => (
                <div key={a.sub}>
                  <dt>Abogado(a)</dt>
                  <dd>
                    {a.name || a.sub} · representa a {a.represents}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="folios">
            <h2 id="folios">Actuaciones</h2>
            {item.entries.length === 0 && <p class="empty">Aún no hay actuaciones con folio (la demanda espera su calificación).</p>}
            <ol class="plain-list" data-testid="entries">
              {item.entries.map((entry) => (
                <li key={entry.id} class="card" data-entry={entry.id}>
                  <h3>
                    Folio {entry.folio} · {label(ENTRY_KIND_LABELS, entry.kind)} · {formatDateTime(entry.at)}
                  </h3>
                  <p>{entry.summary}</p>
                  <p class="hint">
                    {entry.type === "resolution" ? "Emitida" : "Presentado"} por {entry.by.name || entry.by.sub}
                    {entry.term_days ? ` · plazo de ${entry.term_days} días hábiles` : ""}
                  </p>
                  {entry.documents.length > 0 && (
                    <ul>
                      {entry.documents.map((d) => (
                        <li key={d.document_id}>
                          <a href={api.href(`/api/v1/documents/${d.document_id}`)} download={d.filename}>
                            {d.filename}
                          </a>{" "}
                          <span class="hint">({d.pages} pág.)</span>
                        </li>
                      ))}
                    </ul>
                  )}
                </li>
              ))}
            </ol>
          </section>
          <section aria-labelledby="audiencias">
            <h2 id="audiencias">Audiencias</h2>
            {item.hearings.length === 0 && <p class="empty">No hay audiencias.</p>}
            <ul class="plain-list" data-testid="case-hearings">
              {item.hearings.map((h) => (
                <li key={h.hearing_id} class="card" data-hearing={h.hearing_id}>
                  <h3>
                    {label(HEARING_KIND_LABELS, h.kind)} · {formatDateTime(h.starts_at)}
                  </h3>
                  <p>
                    {h.room} · {label(MODE_LABELS, h.mode)} · {h.duration_minutes} min ·{" "}
                    <span class={`badge badge-${h.status}`}>{label(HEARING_STATUS_LABELS, h.status)}</span>
                  </p>
                  <Link href={`/tribunal/audiencias/${h.hearing_id}`} aria-label={`Cambiar la audiencia del ${formatDateTime(h.starts_at)}`}>
                    Cambiar la audiencia
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        </>
      )}
    </CaseFrame>
  );
}
