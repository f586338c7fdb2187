// The notices of a case: who was notified of which resolution, when it was made available, whether and when
// they opened it, how it was served (by access or by lapse of the term) and when their term ends.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { formatDateTime, formatDay, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { BackToCase } from "./common.jsx";
import { label, SERVED_BY_LABELS } from "./labels.js";

const KIND = { decreto: "Decreto", auto: "Auto", sentencia: "Sentencia" };

export default function BoardPage({ caseNumber }) {
  const [cursor, setCursor] = useState("");
  const board = useApi(() => api.get(`/api/v1/cases/${encodeURIComponent(caseNumber)}/notifications`, { cursor, limit: 100 }),
    [caseNumber, cursor]);
  const items = (board.data && board.data.items) || [];
  return (
    <>
      <PageHeader title="Notificaciones del expediente">
        <p class="lead">Expediente {caseNumber}</p>
      </PageHeader>
      <BackToCase caseNumber={caseNumber} />
      {board.loading && <Loading />}
      <LoadError error={board.error} retry={board.reload} />
      {board.data && items.length === 0 && (
        <p class="empty" data-testid="board-empty">
          Aún no hay notificaciones (se envían a los casilleros de las partes con cada resolución).
        </p>
      )}
      <ul class="plain-list" data-testid="board">
        {items.map((n) => (
          <li key={n.notification_id} class="card" data-notification={n.notification_id}>
            <h2 class="board-title">
              {n.recipient.name || n.recipient.sub} · {label(KIND, n.resolution_kind)} folio {n.folio}
            </h2>
            <dl class="facts">
              <div>
                <dt>Puesta a disposición</dt>
                <dd>{formatDateTime(n.available_at)}</dd>
              </div>
              <div>
                <dt>Acceso</dt>
                <dd>{n.accessed_at ? formatDateTime(n.accessed_at) : "Sin abrir"}</dd>
              </div>
              <div>
                <dt>Notificada</dt>
                <dd data-testid="served">
                  {n.served_at
                    ? `${formatDateTime(n.served_at)} (${label(SERVED_BY_LABELS, n.served_by)})`
                    : `Aún no; por transcurso del plazo el ${formatDateTime(n.deemed_service_at)}`}
                </dd>
              </div>
              <div>
                <dt>Vence el plazo</dt>
                <dd>{n.due_date ? formatDay(n.due_date) : "Sin plazo"}</dd>
              </div>
            </dl>
          </li>
        ))}
      </ul>
      {board.data && board.data.next_cursor && (
        <button type="button" class="button-secondary" onClick={() => setCursor(board.data.next_cursor)}>
          Ver más notificaciones
        </button>
      )}
    </>
  );
}
