// What the lawyer's and the court's case file pages share: the case read once (GET /api/v1/cases/{n}), the page's
// title (its number, then its matter and court), loading and errors (a 403 or 404 is final: no retry). The page's
// own part is children(item, found) once the case is read.
import { api } from "./api.js";
import { label, MATTER_LABELS } from "./pages/court/labels.js";
import { LoadError, Loading, PageHeader, useApi } from "./ui.jsx";

export function CaseFrame({ caseNumber, children }) {
  const found = useApi(() => api.get(`/api/v1/cases/${encodeURIComponent(caseNumber)}`), [caseNumber]);
  const item = found.data;
  const final = found.error && (found.error.status === 403 || found.error.status === 404);
  return (
    <>
      <PageHeader title={`Expediente ${caseNumber}`}>
        {item && (
          <p class="lead">
            {label(MATTER_LABELS, item.matter)} · {item.court_name}
          </p>
        )}
      </PageHeader>
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.error && !final ? found.reload : null} />
      {item && children(item, found)}
    </>
  );
}
