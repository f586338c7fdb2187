// The registry (UNAP): search by CUI or by name; each result leads to its record.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, useQuery } from "../../router.jsx";
import { PageHeader } from "../../ui.jsx";
import { RecordFacts, STATUS } from "./common.jsx";

const PAGE = 50; // the API answers one page: more words of the name narrow a longer list

export default function RegistryPage() {
  const [query, setQuery] = useQuery();
  const form = useForm({ id_number: query.cui || "", name: query.nombre || "" });
  const [results, setResults] = useState(null);

  const search = form.submit(async (values) => {
    const criteria = { id_number: values.id_number.replace(/\s+/g, ""), name: values.name.trim(), limit: PAGE };
    const answer = await api.get("/api/v1/criminal-records", criteria);
    setResults(answer.items);
    setQuery({ cui: criteria.id_number, nombre: criteria.name });
  });
  useEffect(() => {
    if (query.cui || query.nombre) search(); // back to a search (a reload, or back from a record)
  }, []);

  return (
    <>
      <PageHeader title="Registro de antecedentes penales">
        <p class="lead">Busque por CUI o por nombre. Un antecedente no se edita: se cancela con la resolución del tribunal.</p>
      </PageHeader>
      <p class="actions">
        <Link href="/registro/nuevo">Agregar un antecedente</Link> · <Link href="/registro/importar">Importar un CSV</Link>
      </p>
      <form class="card search-form" onSubmit={search} noValidate role="search">
        <FormErrors form={form} fields={["id_number", "name"]} />
        <Field form={form} name="id_number" label="CUI" hint="13 dígitos." inputMode="numeric" autoComplete="off" />
        <Field form={form} name="name" label="Nombre" hint="Palabras del nombre o su comienzo, en cualquier orden («lopez mar»); sin importar mayúsculas ni tildes." autoComplete="off" />
        <button type="submit" disabled={form.busy}>
          Buscar
        </button>
      </form>
      <section aria-live="polite" aria-label="Resultados">
        {results && results.length === 0 && <p class="empty">No hay antecedentes con esos datos.</p>}
        {results && results.length >= PAGE && (
          <p class="hint" data-testid="results-capped">
            Se muestran {PAGE} antecedentes: puede haber más. Escriba más palabras del nombre o el CUI para acotar.
          </p>
        )}
        {results && results.length > 0 && (
          <ul class="plain-list" data-testid="record-results">
            {results.map((record) => (
              <li key={record.record_id}>
                <article class="card">
                  <h2>
                    <Link href={`/registro/antecedentes/${record.record_id}`}>
                      {record.name} — {record.case_number}
                    </Link>{" "}
                    <span class={`badge badge-${record.status}`}>{STATUS[record.status] || record.status}</span>
                  </h2>
                  <RecordFacts record={record} />
                </article>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
