// The Archive's registry of notaries: register one (active from the date of registration), look one up with its
// history, and change its status (activo, inhabilitado, fallecido). Only an active notary deposits.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { Notice, PageHeader } from "../../ui.jsx";
import { formatDate } from "./labels.jsx";

const STATUSES = [
  ["activo", "Activo"],
  ["inhabilitado", "Inhabilitado"],
  ["fallecido", "Fallecido"],
];
const statusLabel = (code) => (STATUSES.find(([v]) => v === code) || [0, code])[1];

function NotaryCard({ notary }) {
  return (
    <section class="card" aria-label={`Notario ${notary.name}`} data-testid="notary">
      <h2>
        {notary.name} (colegiado {notary.bar_number})
      </h2>
      <dl class="facts">
        <div>
          <dt>Estado</dt>
          <dd data-testid="notary-status">
            {statusLabel(notary.status)} desde el {formatDate(notary.status_since)}
            {notary.status_reason ? ` (${notary.status_reason})` : ""}
          </dd>
        </div>
        <div>
          <dt>Registrado</dt>
          <dd>{formatDate(notary.registered_at)}</dd>
        </div>
      </dl>
      <p>
        <Link href={`/protocolo/revision?colegiado=${notary.bar_number}`}>Ver sus depósitos</Link>
      </p>
    </section>
  );
}

export default function NotariesPage() {
  const [notary, setNotary] = useState(null);
  const [registered, setRegistered] = useState(false);
  const add = useForm({ bar_number: "", name: "", registered_at: "" });
  const find = useForm({ lookup: "" });
  const change = useForm({ status: "", since: "", reason: "" });

  const register = add.submit(async (values) => {
    const body = { ...values };
    if (!body.registered_at) delete body.registered_at;
    setNotary(await api.post("/api/v1/protocol/notaries", body));
    setRegistered(true);
  }, { field: "bar_number" }); // a 409: that bar number is already registered
  const lookup = find.submit(async (values) => {
    const barNumber = values.lookup.trim();
    if (!/^\d{1,8}$/.test(barNumber)) {
      find.setErrors({ lookup: "Número de colegiado inválido: de 1 a 8 dígitos." });
      return;
    }
    setRegistered(false);
    setNotary(await api.get(`/api/v1/protocol/notaries/${barNumber}`));
  }, { field: "lookup" });
  const setStatus = change.submit(async (values) => {
    const body = { ...values };
    for (const key of ["status", "since"]) if (!body[key]) delete body[key];
    setRegistered(false);
    setNotary(await api.post(`/api/v1/protocol/notaries/${notary.bar_number}/status`, body));
  });

  return (
    <>
      <PageHeader title="Registro de notarios">
        <p class="lead">Solo un notario registrado y activo puede depositar testimonios.</p>
      </PageHeader>
      <form class="card search-form" onSubmit={lookup} noValidate role="search">
        <FormErrors form={find} fields={["lookup"]} />
        <Field form={find} name="lookup" label="Buscar por colegiado" inputMode="numeric" autoComplete="off" />
        <button type="submit" disabled={find.busy}>
          Buscar
        </button>
      </form>
      <section aria-live="polite" aria-label="Notario">
        {registered && <Notice kind="success">Notario registrado.</Notice>}
        {notary && <NotaryCard notary={notary} />}
      </section>
      {notary && (
        <form class="card" onSubmit={setStatus} noValidate aria-labelledby="estado-titulo">
          <h2 id="estado-titulo">Cambiar el estado</h2>
          <FormErrors form={change} fields={["status", "since", "reason"]} />
          <Field form={change} name="status" label="Nuevo estado" as="select">
            <option value="">Elija…</option>
            {STATUSES.map(([value, label]) => (
              <option key={value} value={value}>
                {label}
              </option>
            ))}
          </Field>
          <Field form={change} name="since" label="Desde" type="date" />
          <Field form={change} name="reason" label="Motivo" />
          <button type="submit" disabled={change.busy}>
            Cambiar el estado
          </button>
        </form>
      )}
      <form class="card" onSubmit={register} noValidate aria-labelledby="registrar-titulo">
        <h2 id="registrar-titulo">Registrar un notario</h2>
        <FormErrors form={add} fields={["bar_number", "name", "registered_at"]} />
        <Field form={add} name="bar_number" label="Número de colegiado" inputMode="numeric" autoComplete="off" />
        <Field form={add} name="name" label="Nombre completo" autoComplete="off" />
        <Field form={add} name="registered_at" label="Fecha de registro" type="date" />
        <button type="submit" disabled={add.busy}>
          Registrar
        </button>
      </form>
    </>
  );
}
