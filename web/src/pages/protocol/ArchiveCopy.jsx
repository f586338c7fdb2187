// The Archive and one certified copy (by the code the requester gives): its status, approving it when it waits
// for the Archive (a testimonio; a will's copy for someone other than its notary, with the death certificate
// reviewed), revoking one issued by mistake, and its PDF. A copy approved once paid is issued within seconds: the
// page follows it until it is issued, without a reload.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { CheckField, Field, FormErrors, useForm } from "../../forms.jsx";
import { useQuery } from "../../router.jsx";
import { formatDateTime, PageHeader } from "../../ui.jsx";
import { usePolling } from "../citizen/payment.jsx";
import { COPY_STATUS, copyKindLabel } from "./labels.jsx";

const ISSUING = "paid";

// Mounted while the copy is paid (and approved) and being issued: reads it again until its status changes.
function FollowIssuing({ copyId, onChange }) {
  const followed = usePolling(() => api.get(`/api/v1/protocol/copies/${copyId}`), {
    key: copyId,
    isFinal: (copy) => copy.status !== ISSUING,
    busy: [ISSUING],
  });
  useEffect(() => {
    if (followed.data && followed.data.status !== ISSUING) onChange(followed.data);
  }, [followed.data]);
  return null;
}

function Approve({ copy, onChange }) {
  const form = useForm({ note: "", death_certificate_reviewed: false });
  const approve = form.submit(async (values) => {
    const body = { note: values.note || null };
    if (values.death_certificate_reviewed) body.death_certificate_reviewed = true;
    onChange(await api.post(`/api/v1/protocol/copies/${copy.copy_id}/approve`, body));
  });
  return (
    <form class="card" onSubmit={approve} noValidate aria-labelledby="aprobar-titulo">
      <h2 id="aprobar-titulo">Aprobar la copia</h2>
      <FormErrors form={form} fields={["note", "death_certificate_reviewed"]} />
      <Field form={form} name="note" label="Nota (opcional)" />
      <CheckField
        form={form}
        name="death_certificate_reviewed"
        label="Revisé la certificación de defunción del testador (copia de un testamento)"
      />
      <button type="submit" disabled={form.busy}>
        Aprobar
      </button>
    </form>
  );
}

function Revoke({ copy, onChange }) {
  const form = useForm({ reason: "" });
  const revoke = form.submit(async (values) => {
    onChange(await api.post(`/api/v1/protocol/copies/${copy.copy_id}/revoke`, values));
  });
  return (
    <form class="card" onSubmit={revoke} noValidate aria-labelledby="revocar-titulo">
      <h2 id="revocar-titulo">Revocar la copia</h2>
      <FormErrors form={form} fields={["reason"]} />
      <Field form={form} name="reason" label="Motivo de la revocación" />
      <button type="submit" disabled={form.busy}>
        Revocar
      </button>
    </form>
  );
}

export default function ArchiveCopyPage() {
  const [query, setQuery] = useQuery();
  const form = useForm({ copy_id: query.copia || "" });
  const [copy, setCopy] = useState(null);
  const find = form.submit(async (values) => {
    const id = values.copy_id.trim().toLowerCase();
    if (!/^[0-9a-f]{32}$/.test(id)) {
      form.setErrors({ copy_id: "El código de la copia tiene 32 caracteres (0-9, a-f)." });
      return;
    }
    setCopy(null);
    setCopy(await api.get(`/api/v1/protocol/copies/${id}`));
    setQuery({ copia: id });
  }, { field: "copy_id" });
  return (
    <>
      <PageHeader title="Copias certificadas (Archivo)">
        <p class="lead">Busque la copia por su código para aprobarla, revocarla o descargarla.</p>
      </PageHeader>
      <form class="card search-form" onSubmit={find} noValidate role="search">
        <FormErrors form={form} fields={["copy_id"]} />
        <Field form={form} name="copy_id" label="Código de la copia" autoComplete="off" spellcheck={false} />
        <button type="submit" disabled={form.busy}>
          Buscar la copia
        </button>
      </form>
      {copy && (
        <>
          <section class="card" aria-live="polite" aria-label="La copia" data-testid="archive-copy">
            <dl class="facts">
              <div>
                <dt>Clase</dt>
                <dd>{copyKindLabel(copy.kind)}</dd>
              </div>
              <div>
                <dt>Estado</dt>
                <dd data-testid="copy-status" data-status={copy.status}>
                  {COPY_STATUS[copy.status] || copy.status}
                </dd>
              </div>
              <div>
                <dt>Para</dt>
                <dd>{copy.purpose}</dd>
              </div>
              <div>
                <dt>Pedida</dt>
                <dd>{formatDateTime(copy.requested_at)}</dd>
              </div>
              {copy.approved_at && (
                <div>
                  <dt>Aprobada</dt>
                  <dd>{formatDateTime(copy.approved_at)}</dd>
                </div>
              )}
              {copy.serial && (
                <div>
                  <dt>Serie</dt>
                  <dd>{copy.serial}</dd>
                </div>
              )}
              {copy.verification_code && (
                <div>
                  <dt>Código de verificación</dt>
                  <dd class="mono" data-testid="verification-code">
                    {copy.verification_code}
                  </dd>
                </div>
              )}
            </dl>
            {copy.status === "issued" && (
              <p>
                <a href={api.href(`/api/v1/protocol/copies/${copy.copy_id}/document`)} download>
                  Descargar la copia (PDF)
                </a>
              </p>
            )}
          </section>
          {copy.needs_approval && !copy.approved_at && !["revoked", "expired"].includes(copy.status) && (
            <Approve copy={copy} onChange={setCopy} />
          )}
          {copy.status === "issued" && <Revoke copy={copy} onChange={setCopy} />}
          {copy.status === ISSUING && <FollowIssuing copyId={copy.copy_id} onChange={setCopy} />}
        </>
      )}
    </>
  );
}
