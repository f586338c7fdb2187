// A public amparo or antejuicio: parties, act complained of or office, stage, actuaciones and hearings.
import { api } from "../../api.js";
import { formatDateTime, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { HearingCard } from "./Hearings.jsx";

const ROLE_LABELS = {
  postulante: "Postulante",
  autoridad_impugnada: "Autoridad impugnada",
  tercero_interesado: "Tercero interesado",
  ministerio_publico: "Ministerio Público",
  denunciante: "Denunciante",
  funcionario: "Funcionario",
};

export default function CasePage({ caseNumber }) {
  const found = useApi(() => api.get(`/api/v1/public/cases/${encodeURIComponent(caseNumber)}`), [caseNumber]);
  const item = found.data;
  return (
    <>
      <PageHeader title={`Expediente ${caseNumber}`}>
        {item && (
          <p class="lead">
            {item.matter === "amparo" ? "Amparo" : "Antejuicio"} · {item.court_name}
          </p>
        )}
      </PageHeader>
      {found.loading && <Loading />}
      <LoadError error={found.error} retry={found.error && found.error.status !== 404 ? found.reload : null} />
      {item && (
        <>
          <section class="card" aria-labelledby="datos">
            <h2 id="datos">Datos del expediente</h2>
            <dl class="facts">
              <div>
                <dt>Etapa</dt>
                <dd data-testid="case-stage">{item.stage_label || item.stage || "—"}</dd>
              </div>
              <div>
                <dt>Ingreso</dt>
                <dd>{formatDateTime(item.admitted_at)}</dd>
              </div>
              {item.act_complained && (
                <div>
                  <dt>Acto reclamado</dt>
                  <dd>{item.act_complained}</dd>
                </div>
              )}
              {item.official_office && (
                <div>
                  <dt>Cargo del funcionario</dt>
                  <dd>{item.official_office}</dd>
                </div>
              )}
              {item.parties.map((party, i) => (
                <div key={i}>
                  <dt>{ROLE_LABELS[party.role] || party.role}</dt>
                  <dd>
                    {party.name}
                    {party.office ? ` (${party.office})` : ""}
                  </dd>
                </div>
              ))}
            </dl>
          </section>
          <section aria-labelledby="actuaciones">
            <h2 id="actuaciones">Actuaciones</h2>
            {item.actuaciones.length === 0 && <p class="empty">Aún no hay resoluciones.</p>}
            <ol class="plain-list">
              {item.actuaciones.map((a) => (
                <li key={a.resolution_id} class="card">
                  <h3>
                    Folio {a.folio} · {a.kind} · {formatDateTime(a.issued_at)}
                  </h3>
                  <p>{a.summary}</p>
                  {a.stage_label && <p class="hint">Etapa: {a.stage_label}</p>}
                  {a.document.available ? (
                    <a href={api.href(a.document.url)} download={a.document.filename}>
                      Descargar la resolución (PDF)
                    </a>
                  ) : (
                    <p class="hint">La copia pública del documento estará disponible en unos minutos.</p>
                  )}
                </li>
              ))}
            </ol>
          </section>
          <section aria-labelledby="proximas">
            <h2 id="proximas">Próximas audiencias</h2>
            {item.upcoming_hearings.length === 0 && <p class="empty">No hay audiencias programadas.</p>}
            <ul class="plain-list">
              {item.upcoming_hearings.map((h) => (
                <li key={h.hearing_id}>
                  <HearingCard hearing={h} showDate />
                </li>
              ))}
            </ul>
            <p>
              <a href={api.href(`/api/v1/public/cases/${encodeURIComponent(caseNumber)}/hearings.ics`)} download={`audiencias-${caseNumber}.ics`}>
                Agregar las audiencias de este expediente a mi calendario
              </a>
            </p>
          </section>
        </>
      )}
    </>
  );
}
