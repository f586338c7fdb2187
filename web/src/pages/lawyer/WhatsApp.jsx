// The lawyer's WhatsApp numbers linked to their account (GET/POST /api/v1/chat/link, POST /api/v1/chat/link/confirm,
// DELETE /api/v1/chat/link/numbers/{wa_id}): ask for a code for a number, type back the code WhatsApp brought, see the
// numbers linked and unlink one. Linked, the chat staff see the lawyer's name and bar number when that number writes.
// The API's 422/409/429 go beside the field they name (wa_id, code) or above the form.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";

const DELIVERY = {
  queued: "en camino",
  sent: "enviado por WhatsApp",
  failed: "no se pudo enviar",
};

function RequestCode({ onRequested }) {
  const form = useForm({ wa_id: "" });
  const request = form.submit(async (values) => {
    await api.post("/api/v1/chat/link", { wa_id: values.wa_id.replace(/[\s+()-]/g, "") });
    onRequested();
  });
  return (
    <form onSubmit={request} noValidate>
      <FormErrors form={form} fields={["wa_id"]} />
      <Field form={form} name="wa_id" id="whatsapp-numero" label="Número de WhatsApp" inputMode="numeric"
        autoComplete="tel" maxLength={20}
        hint="Con el código de país, sin +: por ejemplo 5216861234567 o 526861234567." />
      <button type="submit" disabled={form.busy}>
        Enviarme un código por WhatsApp
      </button>
    </form>
  );
}

function ConfirmCode({ pending, onConfirmed }) {
  const form = useForm({ code: "" });
  const confirm = form.submit(async (values) => {
    await api.post("/api/v1/chat/link/confirm", { code: values.code.trim() });
    form.setValues({ code: "" });
    onConfirmed();
  });
  return (
    <section class="card" aria-labelledby="titulo-codigo" data-testid="pending-link">
      <h2 id="titulo-codigo">Escriba el código</h2>
      <p>
        Le enviamos un código de 6 dígitos al +{pending.wa_id}
        {pending.from_number ? ` desde el ${pending.from_number}` : ""} ({DELIVERY[pending.delivery] || pending.delivery}).
        Vence {formatDateTime(pending.expires_at)}; le quedan {pending.attempts_left} intento(s).
      </p>
      {pending.delivery_error && <Notice kind="error">{pending.delivery_error}</Notice>}
      <form onSubmit={confirm} noValidate>
        <FormErrors form={form} fields={["code"]} />
        <Field form={form} name="code" id="whatsapp-codigo" label="Código" inputMode="numeric"
          autoComplete="one-time-code" maxLength={6} />
        <button type="submit" disabled={form.busy}>
          Vincular el número
        </button>
      </form>
    </section>
  );
}

function Linked({ link, onUnlinked }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const unlink = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.delete(`/api/v1/chat/link/numbers/${encodeURIComponent(link.wa_id)}`);
      onUnlinked();
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  return (
    <li class="card" data-wa-id={link.wa_id}>
      <p>
        <strong>+{link.wa_id}</strong> · vinculado el {formatDateTime(link.linked_at)} · {link.name}, colegiado{" "}
        {link.bar_number}
      </p>
      {error && <Notice kind="error">{error}</Notice>}
      <button type="button" class="button-secondary" onClick={unlink} disabled={busy}
        aria-label={`Desvincular el +${link.wa_id}`}>
        Desvincular
      </button>
    </li>
  );
}

export default function WhatsAppPage() {
  const links = useApi(() => api.get("/api/v1/chat/link"), []);
  const data = links.data;
  return (
    <>
      <PageHeader title="Mi WhatsApp">
        <p class="lead">
          Vincule su número de WhatsApp a su cuenta: cuando escriba al chat del Poder Judicial, el personal verá su
          nombre y número de colegiado.
        </p>
      </PageHeader>
      {links.loading && !data && <Loading />}
      <LoadError error={links.error} retry={links.reload} />
      {data && (
        <>
          {data.pending && <ConfirmCode key={data.pending.expires_at} pending={data.pending} onConfirmed={links.reload} />}
          <section class="card" aria-labelledby="titulo-vincular">
            <h2 id="titulo-vincular">{data.pending ? "Pedir otro código" : "Vincular un número"}</h2>
            <RequestCode onRequested={links.reload} />
          </section>
          <section aria-labelledby="titulo-vinculados">
            <h2 id="titulo-vinculados">Números vinculados</h2>
            {data.items.length === 0 && <p class="empty">Ningún número vinculado.</p>}
            <ul class="plain-list" data-testid="linked-numbers">
              {data.items.map((link) => (
                <Linked key={link.wa_id} link={link} onUnlinked={links.reload} />
              ))}
            </ul>
          </section>
        </>
      )}
    </>
  );
}
