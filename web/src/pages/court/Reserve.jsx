// Reserve a case (the court's judge): it leaves every public look-up, for good; the API refuses a second time.
import { useState } from "preact/hooks";
import { api, newIdempotencyKey } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { BackToCase, placeError } from "./common.jsx";

export default function ReservePage({ caseNumber }) {
  const found = useApi(() => api.get(`/api/v1/cases/${encodeURIComponent(caseNumber)}`), [caseNumber]);
  const form = useForm({ reason: "" });
  const [key] = useState(newIdempotencyKey);
  const [done, setDone] = useState(null);
  const reserve = form.submit(async (values) => {
    try {
      setDone(await api.post(`/api/v1/cases/${encodeURIComponent(caseNumber)}/reserve`, values, {
        headers: { "Idempotency-Key": key },
      }));
    } catch (error) {
      throw placeError(error, null, "reason");
    }
  });
  const item = found.data;
  return (
    <>
      <PageHeader title="Reservar el expediente">
        <p class="lead">Expediente {caseNumber}</p>
      </PageHeader>
      <BackToCase caseNumber={caseNumber} />
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.reload} />
      {done && (
        <Notice kind="success" data-testid="reserved">
          <p>
            Expediente reservado el {formatDateTime(done.reservation.reserved_at)}. Ya no aparece en ninguna consulta
            pública.
          </p>
        </Notice>
      )}
      {item && item.reserved && !done && (
        <p data-testid="already-reserved">
          Este expediente ya es reservado
          {item.reservation ? ` desde el ${formatDateTime(item.reservation.reserved_at)}: ${item.reservation.reason}` : " por su materia"}.
        </p>
      )}
      {item && !item.reserved && !done && (
        <form onSubmit={reserve} noValidate>
          <Notice>
            <p>
              La reserva es definitiva: el expediente, sus audiencias y sus resoluciones salen de toda consulta pública
              y no se puede levantar.
            </p>
          </Notice>
          <FormErrors form={form} />
          <Field form={form} name="reason" label="Motivo de la reserva" as="textarea" rows={3} />
          <button disabled={form.busy}>Reservar el expediente</button>
        </form>
      )}
    </>
  );
}
