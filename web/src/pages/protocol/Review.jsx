// The Archive's view of a notary's year: late, missing and observed deposits, the annual index compared, and
// each deposit of that year to accept or observe (with the reason; the notary answers with a correction).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, useQuery } from "../../router.jsx";
import { PageHeader } from "../../ui.jsx";
import { actLabel, currentYear, formatDate, REVIEW, YearReport } from "./labels.jsx";

function ReviewForm({ instrument, onReviewed }) {
  // one form per deposit on the page: the field's name (and so its id) carries the instrument
  const reason = `reason-${instrument.instrument_id}`;
  const form = useForm({ [reason]: "" });
  const [done, setDone] = useState(null);
  const review = (decision) => form.submit(async (values) => {
    const body = { decision };
    if (decision === "observe" && values[reason].trim()) body.reason = values[reason]; // none: the API asks for it
    let deposit;
    try {
      deposit = await api.post(`/api/v1/protocol/instruments/${instrument.instrument_id}/review`, body);
    } catch (error) {
      if (error.fields && error.fields.reason) error.fields = { ...error.fields, [reason]: error.fields.reason, reason: undefined };
      if (error.fields) delete error.fields.reason;
      throw error;
    }
    setDone(deposit);
    onReviewed(deposit);
  });
  const n = instrument.number;
  return (
    <form onSubmit={review("accept")} noValidate aria-label={`Revisar el instrumento ${n}`}>
      {done && (
        <p class="notice notice-success" role="status" data-testid="review-result" data-review={done.review}>
          {REVIEW[done.review] || done.review}
          {done.review_reason ? `: ${done.review_reason}` : ""}
        </p>
      )}
      <FormErrors form={form} fields={[reason, "decision"]} />
      <Field form={form} name={reason} label={`Motivo para observar el n.º ${n}`} hint="Obligatorio solo para observar." />
      <div class="button-row">
        <button type="submit" disabled={form.busy}>
          Aceptar el n.º {n}
        </button>{" "}
        <button type="button" class="button-secondary" disabled={form.busy} onClick={review("observe")}>
          Observar el n.º {n}
        </button>
      </div>
    </form>
  );
}

export default function ReviewPage() {
  const [query, setQuery] = useQuery();
  const form = useForm({ bar_number: query.colegiado || "", year: query.anio || String(currentYear()) });
  const [report, setReport] = useState(null);
  const [instruments, setInstruments] = useState(null);

  const load = async (barNumber, year) => {
    const [found, page] = await Promise.all([
      api.get(`/api/v1/protocol/notaries/${encodeURIComponent(barNumber)}/years/${encodeURIComponent(year)}`),
      api.get("/api/v1/protocol/instruments", { bar_number: barNumber, year, limit: 100 }),
    ]);
    setReport(found);
    setInstruments(page.items);
  };
  const show = form.submit(async (values) => {
    const barNumber = values.bar_number.trim();
    const year = String(values.year).trim();
    const problems = {};
    if (!/^\d{1,8}$/.test(barNumber)) problems.bar_number = "Número de colegiado inválido: de 1 a 8 dígitos.";
    if (!/^\d{4}$/.test(year)) problems.year = "Indique el año con cuatro cifras.";
    if (Object.keys(problems).length) {
      form.setErrors(problems);
      return;
    }
    setReport(null);
    setInstruments(null);
    await load(barNumber, year);
    setQuery({ colegiado: barNumber, anio: year });
  }, { field: "bar_number" });
  useEffect(() => {
    if (query.colegiado) show();
  }, []);
  const reviewed = () => {
    if (report) api.get(`/api/v1/protocol/notaries/${report.bar_number}/years/${report.year}`).then(setReport, () => null);
  };

  return (
    <>
      <PageHeader title="Revisión de depósitos">
        <p class="lead">
          El año de un notario: depósitos extemporáneos, números faltantes, observados y su índice.{" "}
          <Link href="/protocolo/notarios">Registro de notarios</Link>
        </p>
      </PageHeader>
      <form class="card search-form" onSubmit={show} noValidate>
        <FormErrors form={form} fields={["bar_number", "year"]} />
        <Field form={form} name="bar_number" label="Colegiado del notario" inputMode="numeric" autoComplete="off" />
        <Field form={form} name="year" label="Año" inputMode="numeric" autoComplete="off" />
        <button type="submit" disabled={form.busy}>
          Ver el año
        </button>
      </form>
      <section aria-live="polite" aria-label="El año del notario">
        {report && <YearReport report={report} />}
        {instruments && instruments.length === 0 && <p class="empty">Ningún depósito vigente en ese año.</p>}
        {instruments && instruments.length > 0 && (
          <ul class="plain-list" data-testid="deposits">
            {instruments.map((item) => (
              <li key={item.instrument_id}>
                <article class="card" data-number={item.number}>
                  <h2>
                    <Link href={`/protocolo/instrumentos/${item.instrument_id}`}>
                      N.º {item.number}: {actLabel(item.act_type)}
                    </Link>
                  </h2>
                  <p>
                    Autorizado el {formatDate(item.authorized_at)} en {item.place}; {item.pages} páginas.
                  </p>
                  <ReviewForm instrument={item} onReviewed={reviewed} />
                </article>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}
