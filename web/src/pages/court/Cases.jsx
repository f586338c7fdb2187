// The court's cases, newest first, and a way to open one by its number.
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link, navigate } from "../../router.jsx";
import { formatDateTime, LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { caseHref } from "./common.jsx";
import { label, MATTER_LABELS } from "./labels.js";

const CASE_NUMBER = /^\d{5}-\d{4}-\d{5}$/;

export default function CasesPage() {
  const [cursor, setCursor] = useState("");
  const cases = useApi(() => api.get("/api/v1/cases", { cursor, limit: 50 }), [cursor]);
  const form = useForm({ case_number: "" });
  const open = form.submit(async ({ case_number: value }) => {
    const number = value.trim();
    if (!CASE_NUMBER.test(number)) {
      form.setErrors({ case_number: "Escriba el número completo: tribunal-año-correlativo (01001-2026-00001)." });
      form.setMessage("Revise el número de expediente.");
      return;
    }
    navigate(caseHref(number));
  });
  const items = (cases.data && cases.data.items) || [];
  return (
    <>
      <PageHeader title="Expedientes del tribunal" />
      <form onSubmit={open} noValidate class="card">
        <FormErrors form={form} />
        <Field form={form} name="case_number" label="Abrir un expediente por su número" hint="Por ejemplo 01001-2026-00001" inputMode="numeric" autoComplete="off" />
        <button disabled={form.busy}>Abrir expediente</button>
      </form>
      <h2>Expedientes más recientes</h2>
      {cases.loading && <Loading />}
      <LoadError error={cases.error} retry={cases.reload} />
      {cases.data && items.length === 0 && <p class="empty">El tribunal no tiene expedientes.</p>}
      <ul class="plain-list" data-testid="case-list">
        {items.map((item) => (
          <li key={item.case_number} class="card">
            <h3>
              <Link href={caseHref(item.case_number)}>Expediente {item.case_number}</Link>
            </h3>
            <p>
              {label(MATTER_LABELS, item.matter)} · {item.subject}
            </p>
            <p class="hint">
              Iniciado {formatDateTime(item.opened_at)}
              {item.pending_filings.length > 0 ? ` · ${item.pending_filings.length} escrito(s) por calificar` : ""}
            </p>
          </li>
        ))}
      </ul>
      {cases.data && cases.data.next_cursor && (
        <button type="button" class="button-secondary" onClick={() => setCursor(cases.data.next_cursor)}>
          Ver más expedientes
        </button>
      )}
    </>
  );
}
