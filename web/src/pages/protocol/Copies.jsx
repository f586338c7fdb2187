// The certified copies I asked for: each with its payment order, its status and, once issued, the signed PDF.
// The copy just asked for (?copia=...) is followed without a reload until it is issued (or expires).
import { api } from "../../api.js";
import { Link, useQuery } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { PaymentOrder, usePolling } from "../citizen/payment.jsx";
import { COPY_FINAL, COPY_STATUS, copyKindLabel } from "./labels.jsx";

export function CopyCard({ copy, followed }) {
  return (
    <article class="card" data-testid={followed ? "followed-copy" : "copy"} data-copy={copy.copy_id}>
      <h2>
        {copyKindLabel(copy.kind)} · {copy.pages} {copy.pages === 1 ? "página" : "páginas"}
      </h2>
      <p role={followed ? "status" : undefined} aria-live={followed ? "polite" : undefined}>
        Estado:{" "}
        <strong data-testid="copy-status" data-status={copy.status}>
          {COPY_STATUS[copy.status] || copy.status}
        </strong>
      </p>
      {copy.status === "awaiting_payment" && followed && (
        <p>Pague en el banco con esta referencia; esta página se actualiza sola cuando el banco avisa el pago.</p>
      )}
      {copy.status !== "issued" && copy.status !== "revoked" && <PaymentOrder payment={copy.payment} paid={Boolean(copy.paid_at)} />}
      <dl class="facts">
        <div>
          <dt>Para</dt>
          <dd>{copy.purpose}</dd>
        </div>
        <div>
          <dt>Instrumento</dt>
          <dd>
            <Link href={`/protocolo/instrumentos/${copy.instrument_id}`}>Ver el instrumento</Link>
          </dd>
        </div>
        <div>
          <dt>Pedida</dt>
          <dd>{formatDateTime(copy.requested_at)}</dd>
        </div>
        {copy.issued_at && (
          <div>
            <dt>Emitida</dt>
            <dd>
              {formatDateTime(copy.issued_at)} · serie {copy.serial}
            </dd>
          </div>
        )}
        {copy.needs_approval && (
          <div>
            <dt>Código para el Archivo</dt>
            <dd class="mono">{copy.copy_id}</dd>
          </div>
        )}
        {copy.verification_code && (
          <div>
            <dt>Código de verificación</dt>
            <dd class="mono">{copy.verification_code}</dd>
          </div>
        )}
      </dl>
      {copy.status === "issued" && (
        <p>
          <a class="button-link" href={api.href(`/api/v1/protocol/copies/${copy.copy_id}/document`)} download>
            Descargar la copia {copy.serial} (PDF)
          </a>
        </p>
      )}
    </article>
  );
}

export default function CopiesPage() {
  const [query] = useQuery();
  const followedId = query.copia || null;
  const followed = usePolling(() => api.get(`/api/v1/protocol/copies/${followedId}`), {
    key: followedId,
    isFinal: (copy) => COPY_FINAL.includes(copy.status),
    busy: ["paid"],
  });
  const issued = followed.data && followed.data.status === "issued";
  const list = useApi(() => api.get("/api/v1/protocol/copies"), [issued]);
  const current = followed.data && followed.data.copy_id === followedId ? followed.data : null;
  const others = list.data ? list.data.items.filter((c) => c.copy_id !== followedId) : [];
  return (
    <>
      <PageHeader title="Mis copias certificadas">
        <p class="lead">
          Copias del Archivo de Protocolos. <Link href="/protocolo/consulta">Buscar un instrumento</Link> para pedir otra.
        </p>
      </PageHeader>
      {followedId && !current && !followed.error && <Loading text="Consultando la copia…" />}
      {followedId && !current && <LoadError error={followed.error} />}
      {current && <CopyCard copy={current} followed />}
      {list.loading && !list.data && <Loading />}
      <LoadError error={list.error} retry={list.reload} />
      {list.data && others.length === 0 && !current && <p class="empty">Aún no ha pedido copias.</p>}
      {others.length > 0 && (
        <ul class="plain-list">
          {others.map((copy) => (
            <li key={copy.copy_id}>
              <CopyCard copy={copy} />
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
