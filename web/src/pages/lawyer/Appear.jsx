// Appear (apersonarse) in a case the lawyer does not act in yet: the case number, then what the API lets a lawyer
// know of it to name the party (GET /api/v1/cases/{n}/appearance: court, matter, parties' names and roles), the
// party chosen, the writ of appearance's PDFs sent with a progress bar; then the receipt. While the appearance
// waits for the clerk, the page says so instead of offering another one.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, navigate, useQuery } from "../../router.jsx";
import { formatDateTime, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { multipart, PdfDropZone, UploadProgress, useSubmissionKey } from "./Documents.jsx";
import { label, MATTERS, PARTY_ROLES } from "./labels.js";

const factsPath = (caseNumber) => `/api/v1/cases/${encodeURIComponent(caseNumber)}/appearance`;

function Pending({ pending }) {
  return (
    <Notice kind="info" data-testid="appearance-pending">
      <p>
        Su apersonamiento por <strong>{pending.represents}</strong>, presentado el {formatDateTime(pending.received_at)}, espera
        la calificación del secretario del tribunal. Cuando lo acepte, el expediente aparecerá en «Mis expedientes».
      </p>
      <p>
        <Link href={`/constancias/${pending.filing_id}`}>Ver la constancia del apersonamiento</Link>
      </p>
    </Notice>
  );
}

function AppearanceForm({ facts, onConflict }) {
  const form = useForm({ represents: "", summary: "", documents: [] });
  const [progress, setProgress] = useState(null);
  const keyFor = useSubmissionKey();

  const send = form.submit(async (v) => {
    setProgress(0);
    try {
      const receipt = await api.upload(`/api/v1/cases/${encodeURIComponent(facts.case_number)}/filings`,
        // no party chosen: none is sent, and the API says an appearance must name one
        multipart({ kind: "apersonamiento", summary: v.summary, represents: v.represents || undefined }, v.documents),
        { onProgress: setProgress, idempotencyKey: keyFor(v) });
      navigate(`/constancias/${receipt.filing_id}?nuevo=1`);
    } catch (error) {
      // appearance_pending, already_on_case: the API's message is shown above what the facts, asked again, say
      if (error && error.status === 409) {
        onConflict(error.message);
        return;
      }
      throw error;
    } finally {
      setProgress(null);
    }
  }, { field: "documents" });

  return (
    <form class="card" onSubmit={send} noValidate aria-labelledby="apersonamiento-titulo">
      <h2 id="apersonamiento-titulo">Su apersonamiento</h2>
      <FormErrors form={form} />
      <Field form={form} name="represents" label="Parte que usted representa" as="select">
        <option value="">Elija la parte</option>
        {facts.parties.map((p) => (
          <option key={p.name} value={p.name}>
            {p.name} ({label(PARTY_ROLES, p.role)})
          </option>
        ))}
      </Field>
      <Field form={form} name="summary" label="Resumen del escrito" as="textarea" rows={2}
        hint="Por ejemplo: Me apersono como abogado(a) director(a) y procurador(a) de la parte." />
      <PdfDropZone form={form} name="documents" label="El escrito de apersonamiento y sus anexos (PDF)" />
      <UploadProgress fraction={progress} />
      <div class="actions">
        <button type="submit" disabled={form.busy}>
          Presentar el apersonamiento
        </button>
        <Link href="/mis-expedientes">Cancelar</Link>
      </div>
    </form>
  );
}

function CaseFacts({ facts, reload }) {
  const [conflict, setConflict] = useState(null);
  const onConflict = (message) => {
    setConflict(message);
    reload();
  };
  return (
    <>
      <section class="card" aria-labelledby="expediente-titulo" data-testid="appearance-case">
        <h2 id="expediente-titulo">Expediente {facts.case_number}</h2>
        <dl class="facts">
          <div>
            <dt>Tribunal</dt>
            <dd>{facts.court_name}</dd>
          </div>
          <div>
            <dt>Materia</dt>
            <dd>{label(MATTERS, facts.matter)}</dd>
          </div>
          {facts.parties.map((p) => (
            <div key={p.name}>
              <dt>{label(PARTY_ROLES, p.role)}</dt>
              <dd>{p.name}</dd>
            </div>
          ))}
        </dl>
      </section>
      {conflict && (
        <Notice kind="error" data-testid="appearance-conflict">
          <p>{conflict}</p>
        </Notice>
      )}
      {facts.on_case ? (
        <Notice kind="info" data-testid="appearance-on-case">
          <p>Usted ya actúa en este expediente por {facts.represents.join("; ")}.</p>
          <p>
            <Link href={`/mis-expedientes/${facts.case_number}`}>Ver el expediente {facts.case_number}</Link>
          </p>
        </Notice>
      ) : facts.pending_appearance ? (
        <Pending pending={facts.pending_appearance} />
      ) : (
        <AppearanceForm facts={facts} onConflict={onConflict} />
      )}
    </>
  );
}

export default function AppearPage() {
  const [query, setQuery] = useQuery();
  const caseNumber = (query.expediente || "").trim();
  const search = useForm({ case_number: caseNumber });
  const found = useApi(() => (caseNumber ? api.get(factsPath(caseNumber)) : null), [caseNumber]);
  // a refusal (no such case, a number of another form) goes beside the number typed
  useEffect(() => {
    if (found.error) search.fail(found.error, "case_number");
  }, [found.error]);

  const find = search.submit(async (v) => {
    const wanted = (v.case_number || "").trim();
    if (!wanted) {
      search.setErrors({ case_number: "Escriba el número de expediente." });
      search.setMessage("Escriba el número de expediente.");
      return;
    }
    if (wanted === caseNumber) found.reload();
    else setQuery({ expediente: wanted });
  }, { field: "case_number" });

  const facts = !found.error && found.data;
  return (
    <>
      <PageHeader title="Apersonarse en un expediente">
        <p class="lead">
          Para actuar en un expediente en el que aún no actúa: elija la parte que representa y presente su escrito de
          apersonamiento. El secretario del tribunal lo califica; al aceptarlo, usted se une al expediente.
        </p>
      </PageHeader>
      <form class="card" onSubmit={find} noValidate role="search" aria-label="Buscar el expediente">
        <FormErrors form={search} />
        <Field form={search} name="case_number" label="Número de expediente" autoComplete="off"
          hint="Tribunal, año y correlativo, por ejemplo 01001-2026-00012." />
        <button type="submit" disabled={search.busy}>
          Buscar el expediente
        </button>
      </form>
      {caseNumber && found.loading && <Loading />}
      {facts && <CaseFacts key={facts.case_number} facts={facts} reload={found.reload} />}
    </>
  );
}
