// Court closures (administración): the days a court, or every court, is closed (they are not business days:
// terms and notices served by lapse move past them). The API registers them and lists them; it has no way to
// remove one (a closure may already have moved the terms of served notices).
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { useCourts } from "../public/courts.js";
import { formatDateTime, formatDay, LoadError, Loading, Notice, PageHeader, todayLocal, useApi } from "../../ui.jsx";

export default function ClosuresPage() {
  const courts = useCourts();
  const [year, setYear] = useState(todayLocal().slice(0, 4));
  const list = useApi(() => api.get("/api/v1/calendar/closures", { year: /^\d{4}$/.test(year) ? year : undefined }), [year]);
  const form = useForm({ date: "", court_id: "", reason: "" });
  const [added, setAdded] = useState(null);
  const courtName = (id) => {
    if (!id) return "Todos los tribunales";
    const found = (courts.data || []).find((c) => c.court_id === id);
    return found ? found.name : id;
  };
  const add = form.submit(async (values) => {
    setAdded(null);
    const closure = await api.post("/api/v1/calendar/closures", {
      date: values.date, court_id: values.court_id || null, reason: values.reason,
    });
    setAdded(closure);
    form.setValues({ date: "", court_id: values.court_id, reason: "" });
    if (closure.date.slice(0, 4) === year) list.reload();
    else setYear(closure.date.slice(0, 4));
  });
  const items = (list.data && list.data.items) || [];
  return (
    <>
      <PageHeader title="Cierres de tribunales">
        <p class="lead">
          Días en que un tribunal, o todos, no atienden. No cuentan como días hábiles: los plazos y las notificaciones
          por transcurso del plazo pasan al siguiente día hábil.
        </p>
      </PageHeader>
      <section class="card" aria-labelledby="nuevo">
        <h2 id="nuevo">Registrar un cierre</h2>
        {added && (
          <Notice kind="success" data-testid="closure-added">
            <p>
              Cierre registrado: {formatDay(added.date)}, {courtName(added.court_id)}.
            </p>
          </Notice>
        )}
        <form onSubmit={add} noValidate>
          <FormErrors form={form} />
          <Field form={form} name="date" label="Día del cierre" type="date" />
          <Field form={form} name="court_id" label="Tribunal" as="select">
            <option value="">Todos los tribunales</option>
            {(courts.data || []).map((c) => (
              <option key={c.court_id} value={c.court_id}>
                {c.name}
              </option>
            ))}
          </Field>
          <Field form={form} name="reason" label="Motivo" hint="Por ejemplo: fumigación del edificio, corte de energía." />
          <button disabled={form.busy}>Registrar el cierre</button>
        </form>
      </section>
      <section aria-labelledby="registrados">
        <h2 id="registrados">Cierres registrados</h2>
        <div class="field">
          <label for="anio">Año</label>
          <input id="anio" type="number" inputMode="numeric" min={2000} max={2100} value={year}
            onInput={(e) => setYear(e.currentTarget.value)} />
        </div>
        {list.loading && <Loading />}
        <LoadError error={list.error} retry={list.reload} />
        {list.data && items.length === 0 && <p class="empty">No hay cierres registrados en {year}.</p>}
        <ul class="plain-list" data-testid="closures">
          {items.map((c) => (
            <li key={c.closure_id} class="card" data-closure={c.closure_id}>
              <h3>{formatDay(c.date)}</h3>
              <p>
                {courtName(c.court_id)} · {c.reason}
              </p>
              <p class="hint">
                Registrado el {formatDateTime(c.created_at)} por {c.created_by}
              </p>
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}
