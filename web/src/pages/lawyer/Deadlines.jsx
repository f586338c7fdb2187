// The lawyer's deadlines: the due date of each notice with a term (from GET /api/v1/mailbox/notifications), on the
// month calendar of the public agenda; the chosen day's (?fecha=) and the next ones listed. A notice not yet
// served has no due date: its term starts when it is served.
import { api } from "../../api.js";
import { Link, useQuery } from "../../router.jsx";
import { formatDay, LoadError, Loading, PageHeader, todayLocal, useApi } from "../../ui.jsx";
import { Calendar } from "../public/Calendar.jsx";
import { label, NOTICE_STATUS, RESOLUTION_KINDS } from "./labels.js";

const MAX_PAGES = 10;

async function allNotices() {
  const items = [];
  let cursor = null;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await api.get("/api/v1/mailbox/notifications", { limit: 100, cursor });
    items.push(...answer.items);
    cursor = answer.next_cursor;
    if (!cursor) break;
  }
  return items;
}

function DeadlineList({ items }) {
  return (
    <ul class="plain-list">
      {items.map((n) => (
        <li key={n.notification_id} class="card deadline">
          <h3 class="case-title">
            <Link href={`/casillero/${n.notification_id}`}>
              Vence el {formatDay(n.due_date)}: expediente {n.case_number}
            </Link>
          </h3>
          <p>
            {label(RESOLUTION_KINDS, n.resolution_kind)}, folio {n.folio}, {n.term_days} días hábiles · {n.court_name} ·{" "}
            {label(NOTICE_STATUS, n.status)}
          </p>
        </li>
      ))}
    </ul>
  );
}

export default function DeadlinesPage() {
  const [query, setQuery] = useQuery();
  const today = todayLocal();
  const day = /^\d{4}-\d{2}-\d{2}$/.test(query.fecha || "") ? query.fecha : today;
  const found = useApi(allNotices, []);
  const withTerm = (found.data || []).filter((n) => n.due_date).sort((a, b) => a.due_date.localeCompare(b.due_date));
  const busy = new Set(withTerm.map((n) => n.due_date));
  const onDay = withTerm.filter((n) => n.due_date === day);
  const upcoming = withTerm.filter((n) => n.due_date >= today).slice(0, 10);

  return (
    <>
      <PageHeader title="Mis plazos">
        <p class="lead">Los días en que vencen los plazos de sus notificaciones (hasta las 23:59 de ese día).</p>
      </PageHeader>
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.reload} />
      <div class="agenda-layout">
        <div class="agenda-filters">
          <Calendar day={day} busyDays={busy} today={today} busyLabel="con vencimientos"
            onPick={(value) => setQuery({ fecha: value })} />
        </div>
        <div>
          <section aria-labelledby="del-dia" aria-live="polite" data-testid="day-deadlines">
            <h2 id="del-dia">{formatDay(day)}</h2>
            {found.data && onDay.length === 0 && <p class="empty">Ningún plazo vence este día.</p>}
            <DeadlineList items={onDay} />
          </section>
          <section aria-labelledby="proximos" data-testid="upcoming-deadlines">
            <h2 id="proximos">Próximos vencimientos</h2>
            {found.data && upcoming.length === 0 && <p class="empty">No tiene plazos en curso.</p>}
            <DeadlineList items={upcoming} />
          </section>
        </div>
      </div>
    </>
  );
}
