// The lawyer's cases (GET /api/v1/cases), newest first, with their writs still waiting for the clerk; more with
// «Ver más» (next_cursor).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Link } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, PageHeader } from "../../ui.jsx";
import { useCourts } from "../public/courts.js";
import { FILING_KINDS, label, MATTERS } from "./labels.js";

const PAGE = 20;

export default function MyCasesPage() {
  const courts = useCourts();
  const [pages, setPages] = useState({ items: [], next: null, loading: true, error: null, started: false });

  const load = (cursor) => {
    setPages((old) => ({ ...old, loading: true, error: null }));
    api.get("/api/v1/cases", { limit: PAGE, cursor }).then(
      (answer) => setPages((old) => ({ items: cursor ? [...old.items, ...answer.items] : answer.items,
        next: answer.next_cursor, loading: false, error: null, started: true })),
      (error) => setPages((old) => ({ ...old, loading: false, error, started: true })),
    );
  };
  useEffect(() => load(null), []);
  const courtName = (id) => {
    const court = (courts.data || []).find((c) => c.court_id === id);
    return court ? court.name : id;
  };

  return (
    <>
      <PageHeader title="Mis expedientes">
        <p class="actions">
          <Link href="/mis-expedientes/nuevo" class="button-link">
            Iniciar un expediente
          </Link>
          <Link href="/mis-expedientes/apersonarse">Apersonarse en un expediente</Link>
        </p>
      </PageHeader>
      <LoadError error={pages.error} retry={() => load(pages.items.length ? pages.next : null)} />
      {pages.started && !pages.error && pages.items.length === 0 && <p class="empty">Aún no tiene expedientes.</p>}
      <ul class="plain-list" data-testid="my-cases">
        {pages.items.map((c) => (
          <li key={c.case_number} class="card">
            <h2 class="case-title">
              <Link href={`/mis-expedientes/${c.case_number}`}>Expediente {c.case_number}</Link>
            </h2>
            <p>{c.subject}</p>
            <dl class="facts">
              <div>
                <dt>Tribunal</dt>
                <dd>{courtName(c.court_id)}</dd>
              </div>
              <div>
                <dt>Materia</dt>
                <dd>{label(MATTERS, c.matter)}</dd>
              </div>
              <div>
                <dt>Ingreso</dt>
                <dd>{formatDateTime(c.opened_at)}</dd>
              </div>
            </dl>
            {c.pending_filings.length > 0 && (
              <>
                <h3 class="pending-title">Por calificar</h3>
                <ul>
                  {c.pending_filings.map((f) => (
                    <li key={f.filing_id}>
                      <Link href={`/constancias/${f.filing_id}`}>
                        {label(FILING_KINDS, f.kind)} del {formatDateTime(f.received_at)}
                      </Link>
                      : {f.summary}
                    </li>
                  ))}
                </ul>
              </>
            )}
          </li>
        ))}
      </ul>
      {pages.loading && <Loading />}
      {pages.next && !pages.loading && (
        <button type="button" class="button-secondary" onClick={() => load(pages.next)}>
          Ver más expedientes
        </button>
      )}
    </>
  );
}
