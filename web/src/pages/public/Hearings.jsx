// Agenda única de audiencias: by court and day, with a month calendar and the court's iCalendar feed.
import { api } from "../../api.js";
import { Link, useQuery } from "../../router.jsx";
import { formatDay, formatTime, LoadError, Loading, PageHeader, todayLocal, useApi } from "../../ui.jsx";
import { Calendar, monthRange } from "./Calendar.jsx";
import { useCourts } from "./courts.js";

const STATUS_LABELS = {
  programada: "Programada",
  reprogramada: "Reprogramada",
  realizada: "Realizada",
  suspendida: "Suspendida",
  cancelada: "Cancelada",
};
const DAY = /^\d{4}-\d{2}-\d{2}$/;
export const PUBLIC_MATTERS = ["amparo", "antejuicio"];

export function HearingCard({ hearing, showCourt = true, showDate = false }) {
  const isPublicCase = PUBLIC_MATTERS.includes(hearing.matter);
  return (
    <article class="card hearing" data-hearing={hearing.hearing_id}>
      <h3 class="hearing-time">
        {showDate ? `${formatDay(hearing.starts_at_local.slice(0, 10))}, ` : ""}
        {formatTime(hearing.starts_at)}–{formatTime(hearing.ends_at)} · {hearing.kind_label}
      </h3>
      <dl class="facts">
        <div>
          <dt>Expediente</dt>
          <dd>
            {isPublicCase ? (
              <Link href={`/amparos/${hearing.case_number}`}>{hearing.case_number}</Link>
            ) : (
              hearing.case_number
            )}
          </dd>
        </div>
        {showCourt && (
          <div>
            <dt>Tribunal</dt>
            <dd>{hearing.court_name}</dd>
          </div>
        )}
        <div>
          <dt>Sala</dt>
          <dd>
            {hearing.room} · {hearing.mode === "virtual" ? "Virtual" : "Presencial"}
          </dd>
        </div>
        <div>
          <dt>Estado</dt>
          <dd>
            <span class={`badge badge-${hearing.status}`}>{STATUS_LABELS[hearing.status] || hearing.status}</span>
            {hearing.reason ? ` — ${hearing.reason}` : ""}
          </dd>
        </div>
        {hearing.parties && hearing.parties.length > 0 && (
          <div>
            <dt>Partes</dt>
            <dd>{hearing.parties.map((party) => party.name).join("; ")}</dd>
          </div>
        )}
      </dl>
    </article>
  );
}

export default function HearingsPage() {
  const [query, setQuery] = useQuery();
  const courts = useCourts();
  const courtId = query.tribunal || "";
  const day = DAY.test(query.fecha || "") ? query.fecha : todayLocal();
  const cursor = query.pagina || "";

  const agenda = useApi(
    () => api.get("/api/v1/public/hearings", { court_id: courtId, date: day, cursor, limit: 50 }),
    [courtId, day, cursor],
  );
  const [from, to] = monthRange(day);
  const month = useApi(
    () => api.get("/api/v1/public/hearings", { court_id: courtId, from, to, limit: 200 }),
    [courtId, from, to],
  );
  const busyDays = new Set(((month.data && month.data.items) || []).map((h) => h.starts_at_local.slice(0, 10)));
  const court = (courts.data || []).find((c) => c.court_id === courtId);

  return (
    <>
      <PageHeader title="Agenda de audiencias">
        <p class="lead">Audiencias públicas por tribunal y día. Las horas están en la hora de Guatemala.</p>
      </PageHeader>
      <div class="agenda-layout">
        <section class="agenda-filters" aria-label="Elegir tribunal y día">
          <div class="field">
            <label for="tribunal">Tribunal</label>
            <select
              id="tribunal"
              value={courtId}
              onChange={(event) => setQuery({ tribunal: event.currentTarget.value, pagina: "" })}
            >
              <option value="">Todos los tribunales</option>
              {(courts.data || []).map((c) => (
                <option key={c.court_id} value={c.court_id}>
                  {c.name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="fecha">Día</label>
            <input
              id="fecha"
              type="date"
              value={day}
              onChange={(event) => DAY.test(event.currentTarget.value) && setQuery({ fecha: event.currentTarget.value, pagina: "" })}
            />
          </div>
          <Calendar day={day} busyDays={busyDays} onPick={(picked) => setQuery({ fecha: picked, pagina: "" })} />
          {courtId ? (
            <p class="subscribe">
              <a href={api.href("/api/v1/public/hearings.ics", { court_id: courtId })} download={`audiencias-${courtId}.ics`}>
                Agregar a mi calendario
              </a>
              <span class="hint"> las audiencias de {court ? court.name : courtId} (iCalendar)</span>
            </p>
          ) : (
            <p class="hint">Elija un tribunal para agregar su agenda a su calendario.</p>
          )}
        </section>
        <section class="agenda-results" aria-labelledby="agenda-dia" aria-live="polite">
          <h2 id="agenda-dia">{formatDay(day)}</h2>
          {agenda.loading && <Loading />}
          <LoadError error={agenda.error} retry={agenda.reload} />
          {agenda.data && agenda.data.items.length === 0 && (
            <p class="empty" data-testid="agenda-empty">
              No hay audiencias públicas programadas para este día{court ? ` en ${court.name}` : ""}.
            </p>
          )}
          {agenda.data && agenda.data.items.length > 0 && (
            <ul class="plain-list" data-testid="agenda-list">
              {agenda.data.items.map((hearing) => (
                <li key={hearing.hearing_id}>
                  <HearingCard hearing={hearing} showCourt={!courtId} />
                </li>
              ))}
            </ul>
          )}
          {agenda.data && agenda.data.next_cursor && (
            <button type="button" class="button-secondary" onClick={() => setQuery({ pagina: agenda.data.next_cursor }, { replace: false })}>
              Ver más audiencias
            </button>
          )}
        </section>
      </div>
    </>
  );
}
