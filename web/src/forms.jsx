// Forms: what the user typed stays in the form whatever the answer; the API's Spanish message goes next to
// the field it names (details.fields), anything else into the form's summary at the top.
//
//   const form = useForm({ q: "" });
//   <form onSubmit={form.submit((values) => api.post("/api/v1/...", values).then(...))} noValidate>
//     <FormErrors form={form} />
//     <Field form={form} name="q" label="Nombre de una parte" />
//     <button disabled={form.busy}>Buscar</button>
//   </form>
//
// <Field name> is the API's field name (as details.fields names it, e.g. "court_id" or "parties.0.name").
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, noteChosen } from "./api.js";

export function useForm(initial) {
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [message, setMessage] = useState(null);
  const [busy, setBusy] = useState(false);
  const summary = useRef(null);

  const set = (name, value) => setValues((old) => ({ ...old, [name]: value }));
  // a chosen file the browser can no longer read: out of the field (of its list, for a field of several)
  const forget = (name, file) =>
    setValues((old) => ({
      ...old,
      [name]: Array.isArray(old[name]) ? old[name].filter((chosen) => chosen !== file) : null,
    }));

  // `field`: where an error that names no field belongs (the form's only file input, say)
  const fail = (error, field) => {
    if (error && error.code === "file_changed" && field) forget(field, error.file);
    if (error instanceof ApiError) {
      const named = error.fields && Object.keys(error.fields).length ? error.fields : null;
      setErrors(named || (field && !error.unavailable ? { [field]: error.message } : {}));
      setMessage(error.message);
    } else {
      setErrors({});
      setMessage(String((error && error.message) || error));
    }
    setTimeout(() => summary.current && summary.current.focus(), 0);
  };

  // Wraps an onSubmit handler: prevents the page load, clears old errors, calls action(values), keeps the
  // values on failure and shows the errors. Resolves with what action returned (undefined on failure).
  // { field }: the field an error naming none is shown beside.
  const submit = (action, { field } = {}) => async (event) => {
    if (event) event.preventDefault();
    if (busy) return undefined;
    setBusy(true);
    setErrors({});
    setMessage(null);
    try {
      return await action(values);
    } catch (error) {
      fail(error, field);
      return undefined;
    } finally {
      setBusy(false);
    }
  };

  return { values, set, setValues, errors, setErrors, message, setMessage, busy, submit, fail, summary };
}

// The message of the last failure, announced to screen readers; field errors not shown by a <Field> too.
export function FormErrors({ form, fields = [] }) {
  if (!form.message) return null;
  const shown = new Set(fields);
  const others = Object.entries(form.errors).filter(([name]) => !shown.has(name) && !document.getElementById(fieldId(name)));
  return (
    <div class="notice notice-error" role="alert" tabIndex={-1} ref={form.summary} data-testid="form-error">
      <p>{form.message}</p>
      {others.length > 0 && (
        <ul>
          {others.map(([name, text]) => (
            <li key={name}>
              <code>{name}</code>: {describe(text)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

function describe(text) {
  if (Array.isArray(text)) return text.map(describe).join(" ");
  if (text && typeof text === "object") return Object.values(text).map(describe).join(" ");
  return String(text);
}

export function fieldId(name) {
  return `campo-${name.replace(/[^A-Za-z0-9_-]/g, "-")}`;
}

// A labelled input whose error (from the API, by field name) is shown under it and tied to it for
// assistive technology. `as="select"` with children <option>s, `as="textarea"`, or any input `type`. `id` when
// the page shows the same field name more than once (one form per item of a list).
export function Field({ form, name, id: ownId, label, hint, as = "input", type = "text", children, ...props }) {
  const id = ownId || fieldId(name);
  const error = form.errors[name];
  const describedBy = [hint ? `${id}-ayuda` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const Tag = as;
  const value = form.values[name] ?? "";
  const onInput = (event) => form.set(name, event.currentTarget.value);
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-ayuda`}>
          {hint}
        </p>
      )}
      <Tag
        id={id}
        name={name}
        type={as === "input" ? type : undefined}
        value={value}
        onInput={onInput}
        onChange={as === "select" ? onInput : undefined}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
        {...props}
      >
        {children}
      </Tag>
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {describe(error)}
        </p>
      )}
    </div>
  );
}

// A file input: form.values[name] is the File (or an array of Files with `multiple`). The browser keeps the
// chosen file on the element whatever the answer, so a retry after a 503 needs no new choice.
export function FileField({ form, name, label, hint, multiple = false, ...props }) {
  const id = fieldId(name);
  const error = form.errors[name];
  const describedBy = [hint ? `${id}-ayuda` : null, error ? `${id}-error` : null].filter(Boolean).join(" ") || undefined;
  const input = useRef(null);
  const value = form.values[name];
  // a field the form emptied (a file that changed on disk since it was chosen, say) empties its input too, so
  // that choosing the same file again is a change
  useEffect(() => {
    if (input.current && (!value || (Array.isArray(value) && value.length === 0))) input.current.value = "";
  }, [value]);
  const onChange = (event) => {
    const files = Array.from(event.currentTarget.files || []);
    noteChosen(files);
    form.set(name, multiple ? files : files[0] || null);
  };
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      {hint && (
        <p class="hint" id={`${id}-ayuda`}>
          {hint}
        </p>
      )}
      <input
        ref={input}
        id={id}
        name={name}
        type="file"
        multiple={multiple}
        onChange={onChange}
        aria-invalid={error ? "true" : undefined}
        aria-describedby={describedBy}
        {...props}
      />
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {describe(error)}
        </p>
      )}
    </div>
  );
}

// A checkbox whose error from the API (by field name) is shown under it and tied to it, like <Field>.
// form.values[name] is true or false.
export function CheckField({ form, name, label }) {
  const id = fieldId(name);
  const error = form.errors[name];
  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <label class="choice" for={id}>
        <input
          id={id}
          name={name}
          type="checkbox"
          checked={Boolean(form.values[name])}
          onChange={(event) => form.set(name, event.currentTarget.checked)}
          aria-invalid={error ? "true" : undefined}
          aria-describedby={error ? `${id}-error` : undefined}
        />
        {label}
      </label>
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {describe(error)}
        </p>
      )}
    </div>
  );
}
