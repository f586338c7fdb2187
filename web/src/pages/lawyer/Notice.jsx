// One notice of the mailbox. Reading it (GET /api/v1/mailbox/notifications/{id}) is the access the law counts:
// the first one serves it. From here: the resolution's PDF, and the signed evidence of delivery (acuse de
// recibo) to read here, download as JSON and verify.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Link } from "../../router.jsx";
import { formatDateTime, formatDay, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { formatSize, label, NOTICE_STATUS, RESOLUTION_KINDS, SERVED_BY } from "./labels.js";
import { refreshUnread } from "./MailboxBadge.jsx";

function Evidence({ notificationId }) {
  const [state, setState] = useState({ data: null, error: null, busy: false });
  const get = () => {
    setState({ data: null, error: null, busy: true });
    api.get(`/api/v1/mailbox/notifications/${notificationId}/evidence`).then(
      (data) => setState({ data, error: null, busy: false }),
      (error) => setState({ data: null, error, busy: false }),
    );
  };
  const e = state.data && state.data.evidence;
  return (
    <section class="card" aria-labelledby="acuse">
      <h2 id="acuse">Acuse de recibo</h2>
      <p>El acuse lleva la firma electrónica del Organismo Judicial sobre cada momento de la notificación.</p>
      <div class="actions">
        <button type="button" onClick={get} disabled={state.busy}>
          Obtener el acuse de recibo
        </button>
      </div>
      <LoadError error={state.error} retry={get} />
      {e && (
        <Notice kind="success" data-testid="evidence">
          <dl class="facts">
            <div>
              <dt>Emitida</dt>
              <dd>{formatDateTime(e.issued_at)}</dd>
            </div>
            <div>
              <dt>A disposición</dt>
              <dd>{formatDateTime(e.available_at)}</dd>
            </div>
            <div>
              <dt>Acceso</dt>
              <dd data-testid="evidence-accessed">{e.accessed_at ? formatDateTime(e.accessed_at) : "Sin acceso"}</dd>
            </div>
            <div>
              <dt>Notificada</dt>
              <dd>{e.served_at ? `${formatDateTime(e.served_at)}, ${label(SERVED_BY, e.served_by)}` : "Aún no"}</dd>
            </div>
            {e.due_date && (
              <div>
                <dt>Vence</dt>
                <dd>{formatDay(e.due_date)}</dd>
              </div>
            )}
            <div>
              <dt>Firma</dt>
              <dd>
                {state.data.algorithm}, clave <span class="mono">{state.data.key_id}</span>
              </dd>
            </div>
          </dl>
          <p class="actions">
            <a href={api.href(`/api/v1/mailbox/notifications/${notificationId}/evidence`)} download={`acuse-${notificationId}.json`}>
              Descargar el acuse (JSON)
            </a>
            <Link href="/verificar?tipo=acuse">Verificar un acuse</Link>
          </p>
        </Notice>
      )}
    </section>
  );
}

export default function NoticePage({ notificationId }) {
  const found = useApi(() => api.get(`/api/v1/mailbox/notifications/${encodeURIComponent(notificationId)}`), [notificationId]);
  const n = found.data;
  useEffect(() => {
    if (n) refreshUnread(); // opened: one fewer unread
  }, [n]);
  return (
    <>
      <PageHeader title={n ? `Notificación del expediente ${n.case_number}` : "Notificación"}>
        {n && (
          <p class="lead">
            {label(RESOLUTION_KINDS, n.resolution_kind)}, folio {n.folio} · {n.court_name}
          </p>
        )}
      </PageHeader>
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.error && found.error.status !== 404 ? found.reload : null} />
      {n && (
        <>
          <section class="card" aria-labelledby="resolucion">
            <h2 id="resolucion">Resolución</h2>
            <p data-testid="notice-summary">{n.summary}</p>
            <dl class="facts">
              <div>
                <dt>Estado</dt>
                <dd data-testid="notice-status">
                  {label(NOTICE_STATUS, n.status)}
                  {n.served_at ? ` el ${formatDateTime(n.served_at)}, ${label(SERVED_BY, n.served_by)}` : ""}
                </dd>
              </div>
              <div>
                <dt>Expediente</dt>
                <dd>
                  <Link href={`/mis-expedientes/${n.case_number}`}>{n.case_number}</Link>
                </dd>
              </div>
              <div>
                <dt>Emitida</dt>
                <dd>{formatDateTime(n.issued_at)}</dd>
              </div>
              <div>
                <dt>A disposición</dt>
                <dd>{formatDateTime(n.available_at)}</dd>
              </div>
              {n.term_days ? (
                <div>
                  <dt>Plazo</dt>
                  <dd>
                    {n.term_days} días hábiles{n.due_date ? `; vence el ${formatDay(n.due_date)}` : ""}
                  </dd>
                </div>
              ) : null}
              <div>
                <dt>Documento</dt>
                <dd>
                  {n.document_filename} ({formatSize(n.document_size)})
                </dd>
              </div>
              <div>
                <dt>SHA-256</dt>
                <dd class="mono hash">{n.document_sha256}</dd>
              </div>
            </dl>
            <p class="actions">
              <a href={api.href(`/api/v1/mailbox/notifications/${n.notification_id}/document`)} download={n.document_filename}>
                Descargar la resolución (PDF)
              </a>
            </p>
          </section>
          <Evidence notificationId={n.notification_id} />
          <p>
            <Link href="/casillero">Volver al casillero</Link>
          </p>
        </>
      )}
    </>
  );
}
