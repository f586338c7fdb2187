// One instrument of the index, and (for lawyers, notaries and citizens) a certified copy of it: a copia simple
// or a testimonio, with its purpose; the answer is a payment order, followed on "Mis copias".
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, navigate } from "../../router.jsx";
import { useSession } from "../../session.js";
import { LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { COPY_KINDS, actLabel, InstrumentFacts } from "./labels.jsx";

export const REQUESTERS = ["lawyer", "notary", "citizen"];

function CopyForm({ instrument }) {
  const form = useForm({ kind: "copia_simple", purpose: "" });
  const ask = form.submit(async (values) => {
    const copy = await api.post(`/api/v1/protocol/instruments/${instrument.instrument_id}/copies`, values);
    navigate(`/protocolo/copias?copia=${copy.copy_id}`);
  });
  return (
    <form class="card" onSubmit={ask} noValidate aria-labelledby="copia-titulo">
      <h2 id="copia-titulo">Pedir una copia certificada</h2>
      <p class="hint">
        Se paga en el banco con la referencia que se le da (tarifa por página). La copia simple se emite al pagarse; el
        testimonio, cuando además lo aprueba el Archivo.
      </p>
      <FormErrors form={form} fields={["kind", "purpose"]} />
      <Field form={form} name="kind" label="Clase de copia" as="select">
        {COPY_KINDS.map(([value, label]) => (
          <option key={value} value={value}>
            {label}
          </option>
        ))}
      </Field>
      <Field form={form} name="purpose" label="Para qué la necesita" hint="Por ejemplo: «Juicio sumario de desocupación»." />
      <button type="submit" disabled={form.busy}>
        Pedir la copia
      </button>
    </form>
  );
}

export default function InstrumentPage({ instrumentId }) {
  const { actor } = useSession();
  const loaded = useApi(() => api.get(`/api/v1/protocol/instruments/${instrumentId}`), [instrumentId]);
  const instrument = loaded.data;
  return (
    <>
      <PageHeader title={instrument ? `${actLabel(instrument.act_type)} n.º ${instrument.number} de ${instrument.year}` : "Instrumento"}>
        <p class="lead">
          <Link href="/protocolo/consulta">Volver a la consulta</Link>
        </p>
      </PageHeader>
      {loaded.loading && <Loading />}
      <LoadError error={loaded.error} retry={loaded.reload} />
      {instrument && (
        <>
          <section class="card" aria-label="Datos del instrumento" data-testid="instrument">
            <InstrumentFacts instrument={instrument} />
          </section>
          {REQUESTERS.includes(actor.role) && <CopyForm instrument={instrument} />}
        </>
      )}
    </>
  );
}
