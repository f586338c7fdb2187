// The electronic mailbox (GET /api/v1/mailbox/notifications): the notices of the courts, newest first, by status
// (?estado=) and case (?expediente=); each opens on its own page.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Link, useQuery } from "../../router.jsx";
import { formatDateTime, formatDay, LoadError, Loading, PageHeader } from "../../ui.jsx";
import { label, NOTICE_STATUS, RESOLUTION_KINDS } from "./labels.js";

const FILTERS = [
  ["", "Todas"],
  ["unread", "Sin abrir"],
  ["pending", "Con plazo en curso"],
  ["served", "Notificadas"],
];
const PAGE = 25;

export function NoticeItem({ notice }) {
  return (
    <article class={`card notice-item${notice.opened ? "" : " notice-unread"}`} data-notification={notice.notification_id}>
      <h2 class="case-title">
        <Link href={`/casillero/${notice.notification_id}`}>
          {label(RESOLUTION_KINDS, notice.resolution_kind)}, folio {notice.folio} · expediente {notice.case_number}
        </Link>
      </h2>
      <p>
        <span class={`badge badge-notice-${notice.status}`}>{label(NOTICE_STATUS, notice.status)}</span>
      </p>
      <dl class="facts">
        <div>
          <dt>Tribunal</dt>
          <dd>{notice.court_name}</dd>
        </div>
        <div>
          <dt>A disposición</dt>
          <dd>{formatDateTime(notice.available_at)}</dd>
        </div>
        {notice.due_date && (
          <div>
            <dt>Vence</dt>
            <dd>{formatDay(notice.due_date)}</dd>
          </div>
        )}
      </dl>
    </article>
  );
}

export default function MailboxPage() {
  const [query, setQuery] = useQuery();
  const status = FILTERS.some(([v]) => v === query.estado) ? query.estado || "" : "";
  const caseNumber = /^\d{5}-\d{4}-\d{5}$/.test(query.expediente || "") ? query.expediente : "";
  const [state, setState] = useState({ items: [], next: null, loading: true, error: null });

  const load = (cursor) => {
    setState((old) => ({ ...old, loading: true, error: null, ...(cursor ? {} : { items: [] }) }));
    api.get("/api/v1/mailbox/notifications", { status, case_number: caseNumber, limit: PAGE, cursor }).then(
      (answer) => setState((old) => ({ items: cursor ? [...old.items, ...answer.items] : answer.items,
        next: answer.next_cursor, loading: false, error: null })),
      (error) => setState((old) => ({ ...old, loading: false, error })),
    );
  };
  useEffect(() => load(null), [status, caseNumber]);

  return (
    <>
      <PageHeader title="Casillero electrónico">
        <p class="lead">
          Abrir una notificación la notifica: el acceso queda registrado con su hora.
          {caseNumber ? ` Expediente ${caseNumber}.` : ""}
        </p>
      </PageHeader>
      <div class="field filter">
        <label for="filtro-estado">Mostrar</label>
        <select id="filtro-estado" value={status} onChange={(e) => setQuery({ estado: e.currentTarget.value })}>
          {FILTERS.map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </div>
      {caseNumber && (
        <p>
          <Link href="/casillero">Ver las de todos los expedientes</Link>
        </p>
      )}
      <LoadError error={state.error} retry={() => load(null)} />
      {!state.loading && !state.error && state.items.length === 0 && <p class="empty">No hay notificaciones.</p>}
      <ul class="plain-list" data-testid="notices">
        {state.items.map((n) => (
          <li key={n.notification_id}>
            <NoticeItem notice={n} />
          </li>
        ))}
      </ul>
      {state.loading && <Loading />}
      {state.next && !state.loading && (
        <button type="button" class="button-secondary" onClick={() => load(state.next)}>
          Ver más notificaciones
        </button>
      )}
    </>
  );
}
