// Amparos y antejuicios: search by the name of any party (or list those admitted in a period).
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, useQuery } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";

const MATTER_LABELS = { amparo: "Amparo", antejuicio: "Antejuicio" };

export function CaseSummary({ item }) {
  return (
    <article class="card">
      <h3>
        <Link href={`/amparos/${item.case_number}`}>
          {MATTER_LABELS[item.matter] || item.matter} {item.case_number}
        </Link>
      </h3>
      <dl class="facts">
        <div>
          <dt>Partes</dt>
          <dd>{item.parties.map((p) => p.name).join("; ")}</dd>
        </div>
        <div>
          <dt>Etapa</dt>
          <dd>{item.stage_label || item.stage || "—"}</dd>
        </div>
        <div>
          <dt>Ingreso</dt>
          <dd>{formatDateTime(item.admitted_at)}</dd>
        </div>
      </dl>
    </article>
  );
}

export default function CasesPage() {
  const [query, setQuery] = useQuery();
  const form = useForm({ q: query.q || "", matter: query.materia || "" });
  const q = query.q || "";
  const results = useApi(
    () => (q ? api.get("/api/v1/public/cases", { q, matter: query.materia, cursor: query.pagina, limit: 20 }) : null),
    [q, query.materia, query.pagina],
  );
  const search = form.submit(async (values) => {
    // ask once here so that a refusal (422 naming q) shows next to the field, with what was typed kept
    await api.get("/api/v1/public/cases", { q: values.q, matter: values.matter, limit: 1 });
    setQuery({ q: values.q, materia: values.matter, pagina: "" }, { replace: false });
  });
  return (
    <>
      <PageHeader title="Amparos y antejuicios">
        <p class="lead">Busque por el nombre de cualquiera de las partes, en cualquier orden y sin tildes.</p>
      </PageHeader>
      <form class="card search-form" onSubmit={search} noValidate role="search">
        <FormErrors form={form} fields={["q", "matter"]} />
        <Field form={form} name="q" label="Nombre de una parte" type="search" autoComplete="off" />
        <Field form={form} name="matter" label="Materia" as="select">
          <option value="">Amparos y antejuicios</option>
          <option value="amparo">Solo amparos</option>
          <option value="antejuicio">Solo antejuicios</option>
        </Field>
        <button type="submit" disabled={form.busy}>
          Buscar
        </button>
      </form>
      <section aria-live="polite" aria-label="Resultados">
        {q && results.loading && <Loading />}
        <LoadError error={results.error} retry={results.reload} />
        {results.data && results.data.items.length === 0 && <p class="empty">No se encontraron expedientes con ese nombre.</p>}
        {results.data && results.data.items.length > 0 && (
          <ul class="plain-list" data-testid="case-results">
            {results.data.items.map((item) => (
              <li key={item.case_number}>
                <CaseSummary item={item} />
              </li>
            ))}
          </ul>
        )}
        {results.data && results.data.next_cursor && (
          <button type="button" class="button-secondary" onClick={() => setQuery({ pagina: results.data.next_cursor }, { replace: false })}>
            Siguientes resultados
          </button>
        )}
      </section>
    </>
  );
}
