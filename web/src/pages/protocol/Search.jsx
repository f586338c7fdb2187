// The remote look-up of the protocol archive: by grantor, notary (name or bar number), year, number, act and
// dates of authorisation. The criteria stay in the address, so going back from an instrument shows the results.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, useQuery } from "../../router.jsx";
import { PageHeader } from "../../ui.jsx";
import { ACT_TYPES, actLabel, formatDate } from "./labels.jsx";

const CRITERIA = ["grantor", "notary", "bar_number", "year", "number", "act_type", "from", "to"];

function clean(values) {
  const criteria = {};
  for (const key of CRITERIA) {
    const value = String(values[key] ?? "").trim();
    if (value) criteria[key] = value;
  }
  return criteria;
}

export default function SearchPage() {
  const [query, setQuery] = useQuery();
  const form = useForm(Object.fromEntries(CRITERIA.map((key) => [key, query[key] || ""])));
  const [page, setPage] = useState(null);
  const [more, setMore] = useState(false);

  const search = form.submit(async (values) => {
    const criteria = clean(values);
    const answer = await api.get("/api/v1/protocol/instruments", { ...criteria, limit: 20 });
    setPage(answer);
    setQuery(Object.fromEntries(CRITERIA.map((key) => [key, criteria[key] || ""])));
  });
  useEffect(() => {
    if (CRITERIA.some((key) => query[key])) search();
  }, []);

  const next = async () => {
    setMore(true);
    try {
      const answer = await api.get("/api/v1/protocol/instruments", { ...clean(form.values), limit: 20, cursor: page.next_cursor });
      setPage({ items: [...page.items, ...answer.items], next_cursor: answer.next_cursor });
    } catch (error) {
      form.fail(error);
    } finally {
      setMore(false);
    }
  };

  return (
    <>
      <PageHeader title="Consulta del Archivo de Protocolos">
        <p class="lead">
          Busque instrumentos por otorgante, notario, año, número, acto o fecha. Los nombres, sin importar mayúsculas,
          tildes ni el orden de las palabras.
        </p>
      </PageHeader>
      <form class="card search-form" onSubmit={search} noValidate role="search">
        <FormErrors form={form} fields={CRITERIA} />
        <Field form={form} name="grantor" label="Nombre de un otorgante" type="search" autoComplete="off" />
        <Field form={form} name="notary" label="Nombre del notario" autoComplete="off" />
        <Field form={form} name="bar_number" label="Colegiado del notario" inputMode="numeric" autoComplete="off" />
        <Field form={form} name="year" label="Año" inputMode="numeric" autoComplete="off" />
        <Field form={form} name="number" label="Número del instrumento" inputMode="numeric" autoComplete="off" />
        <Field form={form} name="act_type" label="Acto" as="select">
          <option value="">Cualquier acto</option>
          {ACT_TYPES.map(([value, label]) => (
            <option key={value} value={value}>
              {label}
            </option>
          ))}
        </Field>
        <Field form={form} name="from" label="Autorizado desde" type="date" />
        <Field form={form} name="to" label="Autorizado hasta" type="date" />
        <button type="submit" disabled={form.busy}>
          Buscar
        </button>
      </form>
      <section aria-live="polite" aria-label="Resultados">
        {page && page.items.length === 0 && <p class="empty">No se encontraron instrumentos con esos datos.</p>}
        {page && page.items.length > 0 && (
          <ul class="plain-list" data-testid="instrument-results">
            {page.items.map((item) => (
              <li key={item.instrument_id}>
                <article class="card">
                  <h2>
                    <Link href={`/protocolo/instrumentos/${item.instrument_id}`}>
                      {actLabel(item.act_type)} n.º {item.number} de {item.year}
                    </Link>
                  </h2>
                  <dl class="facts">
                    <div>
                      <dt>Notario</dt>
                      <dd>{item.notary_name}</dd>
                    </div>
                    <div>
                      <dt>Autorizado</dt>
                      <dd>
                        {formatDate(item.authorized_at)}, {item.place}
                      </dd>
                    </div>
                    <div>
                      <dt>Otorgantes</dt>
                      <dd>{item.secret ? "Testamento: solo consta que existe." : item.grantors.map((g) => g.name).join("; ")}</dd>
                    </div>
                  </dl>
                </article>
              </li>
            ))}
          </ul>
        )}
        {page && page.next_cursor && (
          <button type="button" class="button-secondary" onClick={next} disabled={more}>
            Siguientes resultados
          </button>
        )}
      </section>
    </>
  );
}
