// The citizen's criminal-record certificate (constancia de antecedentes penales): ask for it (with or without
// an e-mail), the payment reference to pay at the bank, the status followed without a reload until it is
// issued, and the signed PDF. The request being followed is in the address (?solicitud=...), so a reload or a
// shared link shows it again; asking again while one is open gives that same one back (the API's rule).
import { useRef } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { useQuery } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { PaymentOrder, usePolling } from "./payment.jsx";

const STATUS = {
  awaiting_payment: "Pendiente de pago",
  paid: "Pagada: se está emitiendo su constancia…",
  issued: "Emitida",
  expired: "Vencida: la referencia ya no se puede pagar",
};
export const RESULT = {
  sin_antecedentes: "No tiene antecedentes penales",
  con_antecedentes: "Tiene antecedentes penales",
};
const CERTIFICATE_STATUS = { issued: "Vigente", revoked: "Revocada" };
const FINAL = ["issued", "expired"];

function documentHref(certificateId) {
  return api.href(`/api/v1/certificates/${certificateId}/document`);
}

function RequestStatus({ request, error }) {
  const issued = request.status === "issued";
  return (
    <section class="card" aria-labelledby="solicitud-titulo" data-testid="certificate-request">
      <h2 id="solicitud-titulo">Su solicitud</h2>
      <p role="status" aria-live="polite" aria-atomic="true">
        Estado:{" "}
        <strong data-testid="request-status" data-status={request.status}>
          {STATUS[request.status] || request.status}
        </strong>
      </p>
      {request.status === "awaiting_payment" && (
        <p>
          Pague en cualquier agencia o banca en línea del banco con esta referencia. Esta página se actualiza sola
          cuando el banco avisa el pago; no necesita recargarla.
        </p>
      )}
      <PaymentOrder payment={request.payment} paid={Boolean(request.paid_at)} />
      <dl class="facts">
        <div>
          <dt>Solicitada</dt>
          <dd>{formatDateTime(request.requested_at)}</dd>
        </div>
        {request.paid_at && (
          <div>
            <dt>Pagada</dt>
            <dd>{formatDateTime(request.paid_at)}</dd>
          </div>
        )}
        {request.email && (
          <div>
            <dt>Se enviará a</dt>
            <dd>{request.email}</dd>
          </div>
        )}
      </dl>
      {issued && request.certificate_id && (
        <p class="actions">
          <a class="button-link" href={documentHref(request.certificate_id)} download>
            Descargar la constancia (PDF)
          </a>
        </p>
      )}
      {issued && request.download_code && (
        <p class="hint">
          Código de descarga (sirve sin entrar al portal, hasta que la constancia vence):{" "}
          <span class="mono" data-testid="download-code">
            {request.download_code}
          </span>
        </p>
      )}
      {error && !error.unavailable && <p class="hint">{error.message}</p>}
      {error && error.unavailable && <p class="hint">Sin conexión con el servicio; se reintentará en unos segundos.</p>}
    </section>
  );
}

function Certificates({ refresh }) {
  const list = useApi(() => api.get("/api/v1/certificates"), [refresh]);
  if (list.loading && !list.data) return <Loading />;
  if (list.error) return <LoadError error={list.error} retry={list.reload} />;
  const items = list.data.items;
  if (items.length === 0) return <p class="empty">Aún no tiene constancias emitidas.</p>;
  return (
    <ul class="plain-list" data-testid="certificates">
      {items.map((c) => (
        <li key={c.certificate_id}>
          <article class="card">
            <h3>Constancia {c.serial}</h3>
            <dl class="facts">
              <div>
                <dt>Resultado</dt>
                <dd>{RESULT[c.result] || c.result}</dd>
              </div>
              <div>
                <dt>Estado</dt>
                <dd>{CERTIFICATE_STATUS[c.status] || c.status}</dd>
              </div>
              <div>
                <dt>Emitida</dt>
                <dd>{formatDateTime(c.issued_at)}</dd>
              </div>
              <div>
                <dt>Vigente hasta</dt>
                <dd>{formatDateTime(c.valid_until)}</dd>
              </div>
              <div>
                <dt>Código de verificación</dt>
                <dd class="mono">{c.verification_code}</dd>
              </div>
            </dl>
            <p class="actions">
              <a href={documentHref(c.certificate_id)} download aria-label={`Descargar la constancia ${c.serial} (PDF)`}>
                Descargar (PDF)
              </a>
            </p>
          </article>
        </li>
      ))}
    </ul>
  );
}

export default function CertificatePage() {
  const [query, setQuery] = useQuery();
  const requestId = query.solicitud || null;
  const created = useRef(null);
  const form = useForm({ email: "" });
  const followed = usePolling(() => api.get(`/api/v1/certificates/requests/${requestId}`), {
    key: requestId,
    isFinal: (request) => FINAL.includes(request.status),
    busy: ["paid"],
    initial: created.current && created.current.request_id === requestId ? created.current : null,
  });

  const ask = form.submit(async (values) => {
    const body = values.email.trim() ? { email: values.email.trim() } : {};
    const request = await api.post("/api/v1/certificates/requests", body);
    created.current = request;
    setQuery({ solicitud: request.request_id });
  });

  const request = followed.data && followed.data.request_id === requestId ? followed.data : null;
  return (
    <>
      <PageHeader title="Constancia de antecedentes penales">
        <p class="lead">
          Solicítela aquí, pague Q30.00 en el banco con la referencia que se le da y descárguela firmada
          electrónicamente en cuanto se emite.
        </p>
      </PageHeader>
      {!requestId || (request && FINAL.includes(request.status)) ? (
        <form class="card" onSubmit={ask} noValidate>
          <h2>{requestId ? "Solicitar otra constancia" : "Solicitar mi constancia"}</h2>
          <FormErrors form={form} fields={["email"]} />
          <Field
            form={form}
            name="email"
            label="Correo electrónico (opcional)"
            hint="Si lo indica, le enviaremos la constancia a ese correo. Si no, tendrá un código para descargarla."
            type="email"
            autoComplete="email"
          />
          <button type="submit" disabled={form.busy}>
            Solicitar constancia
          </button>
        </form>
      ) : null}
      {requestId && !request && !followed.error && <Loading text="Consultando su solicitud…" />}
      {requestId && !request && followed.error && <LoadError error={followed.error} />}
      {request && <RequestStatus request={request} error={followed.error} />}
      <section aria-labelledby="constancias-titulo">
        <h2 id="constancias-titulo">Mis constancias</h2>
        <Certificates refresh={request && request.status === "issued" ? request.certificate_id : ""} />
      </section>
      {request && request.status === "expired" && (
        <Notice>La referencia venció sin pago. Puede solicitar otra constancia.</Notice>
      )}
    </>
  );
}
