// Verify what a court issued: a resolution or other document (by its PDF or its SHA-256), a criminal-record
// certificate or a certified copy of the protocol archive (by its code or its PDF), a notice's evidence of
// delivery (its JSON file, as the mailbox gives it).
import { useState } from "preact/hooks";
import { api, readFileText } from "../../api.js";
import { Field, FileField, FormErrors, useForm } from "../../forms.jsx";
import { useQuery } from "../../router.jsx";
import { formatDateTime, Notice, PageHeader } from "../../ui.jsx";

const KINDS = [
  ["documento", "Una resolución u otro documento de un tribunal"],
  ["constancia", "Una constancia de antecedentes penales o una copia del Archivo de Protocolos"],
  ["acuse", "Un acuse de recibo de una notificación"],
];
const CERTIFICATE_STATUS = {
  valid: "Válida", expired: "Vencida", revoked: "Revocada", unknown: "No existe una constancia con ese código",
};
const SIGNATURE = {
  valid: "La firma electrónica está íntegra.",
  invalid: "El archivo cambió después de firmado.",
  untrusted: "Está firmado con una clave que no es la del Organismo Judicial.",
  missing: "El archivo no tiene firma electrónica.",
};


function pdfForm(file, withMetadata) {
  const form = new FormData();
  if (withMetadata) form.append("metadata", new Blob(["{}"], { type: "application/json" }));
  form.append("document", file, file.name);
  return form;
}

function DocumentVerdict({ result }) {
  return (
    <Notice kind={result.authentic ? "success" : "error"} data-testid="verdict">
      <p class="verdict">{result.authentic ? "Documento auténtico" : "Documento no reconocido"}</p>
      <p>{result.message}</p>
      {result.documents.map((d, i) => (
        <dl class="facts" key={i}>
          <div>
            <dt>Tribunal</dt>
            <dd>{d.court_name}</dd>
          </div>
          <div>
            <dt>Expediente</dt>
            <dd>{d.case_number || "Reservado"}</dd>
          </div>
          <div>
            <dt>Clase y folio</dt>
            <dd>
              {d.kind}, folio {d.folio}
            </dd>
          </div>
          <div>
            <dt>Emitido</dt>
            <dd>{formatDateTime(d.issued_at)}</dd>
          </div>
        </dl>
      ))}
      <p class="hint mono">SHA-256: {result.sha256}</p>
    </Notice>
  );
}

function CertificateVerdict({ result }) {
  const certificate = result.certificate || result;
  const pdf = "signature" in result;
  const ok = pdf ? result.signature === "valid" && result.registry === "issued" && result.status === "valid" : result.status === "valid";
  return (
    <Notice kind={ok ? "success" : "error"} data-testid="verdict">
      <p class="verdict">{CERTIFICATE_STATUS[certificate ? certificate.status || result.status : result.status] || result.status}</p>
      {pdf && <p>{SIGNATURE[result.signature]}</p>}
      {pdf && <p>{result.registry === "issued" ? "El registro emitió exactamente este archivo." : "El registro no emitió este archivo."}</p>}
      {pdf && result.detail && <p>{result.detail}</p>}
      {certificate && certificate.name && (
        <dl class="facts">
          <div>
            <dt>Nombre</dt>
            <dd>{certificate.name}</dd>
          </div>
          <div>
            <dt>CUI</dt>
            <dd>{certificate.id_number}</dd>
          </div>
          {certificate.result && (
            <div>
              <dt>Resultado</dt>
              <dd>{certificate.result}</dd>
            </div>
          )}
          <div>
            <dt>Emitida</dt>
            <dd>{formatDateTime(certificate.issued_at)}</dd>
          </div>
          {certificate.valid_until && (
            <div>
              <dt>Vigente hasta</dt>
              <dd>{formatDateTime(certificate.valid_until)}</dd>
            </div>
          )}
        </dl>
      )}
    </Notice>
  );
}

function EvidenceVerdict({ result }) {
  return (
    <Notice kind={result.valid ? "success" : "error"} data-testid="verdict">
      <p class="verdict">{result.valid ? "Acuse válido" : "Acuse no válido"}</p>
      {result.altered_fields.length > 0 && <p>Campos alterados: {result.altered_fields.join(", ")}.</p>}
      {result.superseded_fields.length > 0 && (
        <p>Campos que cambiaron después (válidos en su momento): {result.superseded_fields.join(", ")}.</p>
      )}
      {result.errors.map((e, i) => (
        <p key={i}>{e.message}</p>
      ))}
    </Notice>
  );
}

export default function VerifyPage() {
  const [query, setQuery] = useQuery();
  const kind = KINDS.some(([k]) => k === query.tipo) ? query.tipo : "documento";
  const form = useForm({ code: "", document: null, evidence: null, evidence_text: "" });
  const [result, setResult] = useState(null);

  const choose = (next) => {
    setResult(null);
    form.setValues({ code: "", document: null, evidence: null, evidence_text: "" });
    form.setErrors({});
    form.setMessage(null);
    setQuery({ tipo: next });
  };

  const verify = form.submit(async (values) => {
    setResult(null);
    if (kind === "documento") {
      if (values.document) {
        setResult({ kind, data: await api.postForm("/api/v1/public/documents/verify", pdfForm(values.document, false)) });
      } else {
        const code = values.code.trim().toLowerCase();
        if (!/^[0-9a-f]{64}$/.test(code)) {
          form.setErrors({ code: "Indique los 64 caracteres del código SHA-256, o elija el PDF." });
          return;
        }
        setResult({ kind, data: await api.get(`/api/v1/public/documents/${code}`) });
      }
    } else if (kind === "constancia") {
      if (values.document) {
        setResult({ kind, data: await api.postForm("/api/v1/public/certificates/verify", pdfForm(values.document, true)) });
      } else {
        const code = values.code.trim().toUpperCase();
        if (!/^[A-Z0-9]{4}-[A-Z0-9]{4}-[A-Z0-9]{4}$/.test(code)) {
          form.setErrors({ code: "El código tiene la forma ABCD-EFGH-JKMN, o elija el PDF." });
          return;
        }
        setResult({ kind, data: await api.get(`/api/v1/public/certificates/${code}`) });
      }
    } else {
      const text = values.evidence ? await readFileText(values.evidence) : values.evidence_text;
      let body;
      try {
        body = JSON.parse(text);
      } catch {
        form.setErrors({ [values.evidence ? "evidence" : "evidence_text"]: "El acuse no es un JSON válido." });
        return;
      }
      setResult({ kind, data: await api.post("/api/v1/public/evidence/verify", body) });
    }
  }, { field: kind === "acuse" ? "evidence" : form.values.document ? "document" : "code" });

  return (
    <>
      <PageHeader title="Verificar un documento">
        <p class="lead">Compruebe que un documento lo emitió el Organismo Judicial y que no fue alterado.</p>
      </PageHeader>
      <form class="card" onSubmit={verify} noValidate key={kind}>
        <fieldset class="choices">
          <legend>¿Qué quiere verificar?</legend>
          {KINDS.map(([value, label]) => (
            <label key={value} class="choice">
              <input type="radio" name="tipo" value={value} checked={kind === value} onChange={() => choose(value)} />
              {label}
            </label>
          ))}
        </fieldset>
        <FormErrors form={form} fields={["code", "document", "evidence", "evidence_text"]} />
        {kind !== "acuse" ? (
          <>
            <FileField form={form} name="document" label="El documento en PDF" accept="application/pdf,.pdf" />
            <p class="or">o</p>
            <Field
              form={form}
              name="code"
              label={kind === "documento" ? "Código SHA-256 del documento" : "Código de verificación"}
              hint={kind === "documento" ? "64 caracteres hexadecimales, impresos al pie del documento." : "Por ejemplo ABCD-EFGH-JKMN."}
              autoComplete="off"
              spellcheck={false}
            />
          </>
        ) : (
          <>
            <FileField form={form} name="evidence" label="El archivo del acuse (JSON)" accept="application/json,.json" />
            <p class="or">o</p>
            <Field form={form} name="evidence_text" label="El contenido del acuse" as="textarea" rows={4} spellcheck={false} />
          </>
        )}
        <button type="submit" disabled={form.busy}>
          Verificar
        </button>
      </form>
      <section aria-live="polite" aria-label="Resultado">
        {result && result.kind === "documento" && <DocumentVerdict result={result.data} />}
        {result && result.kind === "constancia" && <CertificateVerdict result={result.data} />}
        {result && result.kind === "acuse" && <EvidenceVerdict result={result.data} />}
      </section>
    </>
  );
}
