// Small pieces every page uses: loading data from the API, notices, dates in the court's time zone.
import { useEffect, useState } from "preact/hooks";

export const COURT_TIME_ZONE = "America/Guatemala";

// const { data, error, loading, reload } = useApi(() => api.get("/api/v1/..."), [dependency, ...]);
// `load` returning null (nothing to ask yet) leaves data null without an error.
export function useApi(load, deps) {
  const [state, setState] = useState({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    setState((old) => ({ ...old, loading: true, error: null }));
    Promise.resolve()
      .then(load)
      .then(
        (data) => live && setState({ data, error: null, loading: false }),
        (error) => live && setState({ data: null, error, loading: false }),
      );
    return () => {
      live = false;
    };
  }, [...deps, round]);
  return { ...state, reload: () => setRound((n) => n + 1) };
}

export function Loading({ text = "Cargando…" }) {
  return (
    <p class="loading" role="status">
      {text}
    </p>
  );
}

export function Notice({ kind = "info", children, ...props }) {
  return (
    <div class={`notice notice-${kind}`} role={kind === "error" ? "alert" : "status"} {...props}>
      {children}
    </div>
  );
}

// The error of a failed load, with a retry button (a 503/504 says the service is unavailable).
export function LoadError({ error, retry }) {
  if (!error) return null;
  return (
    <Notice kind="error" data-testid="load-error">
      <p>{error.message}</p>
      {retry && (
        <button type="button" class="button-secondary" onClick={retry}>
          Intentar de nuevo
        </button>
      )}
    </Notice>
  );
}

const dateTime = new Intl.DateTimeFormat("es-GT", {
  timeZone: COURT_TIME_ZONE, dateStyle: "medium", timeStyle: "short",
});
const dateOnly = new Intl.DateTimeFormat("es-GT", { timeZone: COURT_TIME_ZONE, dateStyle: "long" });
const timeOnly = new Intl.DateTimeFormat("es-GT", { timeZone: COURT_TIME_ZONE, hour: "2-digit", minute: "2-digit" });

export const formatDateTime = (iso) => (iso ? dateTime.format(new Date(iso)) : "");
export const formatTime = (iso) => (iso ? timeOnly.format(new Date(iso)) : "");
export function formatDay(day) {
  // "2026-03-10" (a local day) -> "10 de marzo de 2026"
  const [y, m, d] = day.split("-").map(Number);
  return dateOnly.format(new Date(Date.UTC(y, m - 1, d, 12)));
}

// Today in the court's time zone, as "AAAA-MM-DD".
export function todayLocal() {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone: COURT_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit",
  }).format(new Date());
  return parts;
}

export function PageHeader({ title, children }) {
  return (
    <header class="page-header">
      <h1 tabIndex={-1} id="titulo-pagina">
        {title}
      </h1>
      {children}
    </header>
  );
}

// Pages of a list walked by the API's cursor, newest first, one page shown at a time:
//   const paging = useCursorPages();  ... api.get(path, { cursor: paging.cursor }) ...  paging.reset() on a new filter
//   <CursorButtons paging={paging} next={list.data && list.data.next_cursor} more="Ver más consultas" />
export function useCursorPages() {
  const [pages, setPages] = useState([""]);
  return {
    cursor: pages[pages.length - 1],
    first: pages.length === 1,
    back: () => setPages((old) => old.slice(0, -1)),
    forward: (next) => setPages((old) => [...old, next]),
    reset: () => setPages([""]),
  };
}

export function CursorButtons({ paging, next, more }) {
  return (
    <p>
      {!paging.first && (
        <button type="button" class="button-secondary" onClick={paging.back}>
          Volver a las más recientes
        </button>
      )}{" "}
      {next && (
        <button type="button" class="button-secondary" onClick={() => paging.forward(next)}>
          {more}
        </button>
      )}
    </p>
  );
}
