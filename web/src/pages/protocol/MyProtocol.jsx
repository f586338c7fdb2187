// The notary's own protocol, year by year: what the Archive sees (late, missing and observed deposits, the annual
// index compared with the deposits), and the annual index to present (presenting it again replaces it).
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, useQuery } from "../../router.jsx";
import { useSession } from "../../session.js";
import { LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { ACT_TYPES, currentYear, numberOrText, YearReport } from "./labels.jsx";

const ACT_CODES = new Set(ACT_TYPES.map(([value]) => value));

// "7 compraventa" / "8" per line -> [{number: 7, act_type: "compraventa"}, {number: 8}]
function parseIndex(text) {
  return text.split("\n").map((line) => line.trim()).filter(Boolean).map((line) => {
    const [number, act] = line.split(/[\s,;]+/);
    const entry = { number: numberOrText(number) };
    if (act) entry.act_type = ACT_CODES.has(act.toLowerCase()) ? act.toLowerCase() : act;
    return entry;
  });
}

function IndexForm({ year, onReport }) {
  const form = useForm({ instruments: "" });
  const [done, setDone] = useState(false);
  const send = form.submit(async (values) => {
    setDone(false);
    try {
      onReport(await api.post(`/api/v1/protocol/indexes/${year}`, { instruments: parseIndex(values.instruments) }));
      setDone(true);
    } catch (error) {
      if (error.fields) {
        const fields = {};
        for (const [name, text] of Object.entries(error.fields)) {
          const found = /^instruments\.(\d+)\./.exec(name);
          const key = name.startsWith("instruments") ? "instruments" : name;
          const line = found ? `Línea ${Number(found[1]) + 1}: ` : "";
          fields[key] = fields[key] ? `${fields[key]} ${line}${text}` : `${line}${text}`;
        }
        error.fields = fields;
      }
      throw error;
    }
  });
  return (
    <form class="card" onSubmit={send} noValidate aria-labelledby="indice-titulo">
      <h2 id="indice-titulo">Presentar el índice de {year}</h2>
      <FormErrors form={form} fields={["instruments", "year"]} />
      <Field
        form={form}
        name="instruments"
        label="Instrumentos del índice"
        hint="Uno por línea: el número y, si quiere, el acto (por ejemplo «7 compraventa»)."
        as="textarea"
        rows={5}
        spellcheck={false}
      />
      <button type="submit" disabled={form.busy}>
        Presentar el índice
      </button>
      {done && <Notice kind="success">El índice quedó presentado; la comparación está arriba.</Notice>}
    </form>
  );
}

export default function MyProtocolPage() {
  const { actor } = useSession();
  const [query, setQuery] = useQuery();
  const year = /^\d{4}$/.test(query.anio || "") ? query.anio : String(currentYear());
  const form = useForm({ year });
  const [fresh, setFresh] = useState(null);
  const report = useApi(() => api.get(`/api/v1/protocol/notaries/${actor.bar_number}/years/${year}`), [year]);
  const choose = form.submit(async (values) => {
    const wanted = String(values.year).trim();
    if (!/^\d{4}$/.test(wanted)) {
      form.setErrors({ year: "Indique el año con cuatro cifras." });
      return;
    }
    setFresh(null);
    setQuery({ anio: wanted });
  });
  const shown = fresh && String(fresh.year) === year ? fresh : report.data;
  return (
    <>
      <PageHeader title="Mi protocolo">
        <p class="lead">
          Colegiado {actor.bar_number}. <Link href="/protocolo/depositar">Depositar un testimonio</Link>
        </p>
      </PageHeader>
      <form class="card search-form" onSubmit={choose} noValidate>
        <FormErrors form={form} fields={["year"]} />
        <Field form={form} name="year" label="Año" inputMode="numeric" autoComplete="off" />
        <button type="submit" disabled={form.busy}>
          Ver el año
        </button>
      </form>
      {report.loading && !shown && <Loading />}
      <LoadError error={report.error} retry={report.reload} />
      {shown && <YearReport report={shown} />}
      {shown && <IndexForm year={year} onReport={setFresh} />}
    </>
  );
}
