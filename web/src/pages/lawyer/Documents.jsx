// PDFs for a filing: dragged onto the zone or chosen with the file input inside it (the keyboard's way), listed
// with a button to take each one out; the upload's progress bar; the Idempotency-Key of one submission.
import { useRef, useState } from "preact/hooks";
import { newIdempotencyKey, noteChosen } from "../../api.js";
import { fieldId } from "../../forms.jsx";
import { formatSize } from "./labels.js";

const isPdf = (file) => /\.pdf$/i.test(file.name) || file.type === "application/pdf";

// form.values[name]: the array of chosen Files. The API's error about the documents shows under the zone.
export function PdfDropZone({ form, name = "documents", label = "Documentos (PDF)" }) {
  const id = fieldId(name);
  const files = form.values[name] || [];
  const error = form.errors[name];
  const [over, setOver] = useState(false);
  const [skipped, setSkipped] = useState(null);

  const add = (list) => {
    const chosen = Array.from(list || []);
    noteChosen(chosen);
    const pdfs = chosen.filter(isPdf);
    const others = chosen.filter((file) => !isPdf(file)).map((file) => file.name);
    setSkipped(others.length ? `No se agregaron (no son PDF): ${others.join(", ")}.` : null);
    if (pdfs.length) form.setValues((old) => ({ ...old, [name]: [...(old[name] || []), ...pdfs] }));
  };
  const remove = (index) => form.setValues((old) => ({ ...old, [name]: (old[name] || []).filter((_, i) => i !== index) }));

  const onDragOver = (event) => {
    event.preventDefault();
    if (event.dataTransfer) event.dataTransfer.dropEffect = "copy";
    setOver(true);
  };
  const onDrop = (event) => {
    event.preventDefault();
    setOver(false);
    add(event.dataTransfer && event.dataTransfer.files);
  };
  const describedBy = [`${id}-ayuda`, error ? `${id}-error` : null].filter(Boolean).join(" ");

  return (
    <div class={`field${error ? " field-invalid" : ""}`}>
      <div
        class={`drop-zone${over ? " drop-zone-over" : ""}`}
        data-testid="drop-zone"
        onDragOver={onDragOver}
        onDragEnter={onDragOver}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
      >
        <label for={id}>{label}</label>
        <p class="hint" id={`${id}-ayuda`}>
          Arrastre aquí los archivos PDF o elíjalos. El primero es el escrito principal; los demás, sus anexos.
        </p>
        <input
          id={id}
          type="file"
          multiple
          accept="application/pdf,.pdf"
          aria-invalid={error ? "true" : undefined}
          aria-describedby={describedBy}
          onChange={(event) => {
            add(event.currentTarget.files);
            event.currentTarget.value = ""; // the list below holds them; choosing again adds more
          }}
        />
      </div>
      {skipped && (
        <p class="field-error" role="alert">
          {skipped}
        </p>
      )}
      {files.length > 0 && (
        <ul class="file-list" aria-label="Documentos elegidos" data-testid="chosen-files">
          {files.map((file, i) => (
            <li key={`${file.name}-${i}`}>
              <span class="file-name">{file.name}</span> <span class="hint">({formatSize(file.size)})</span>
              <button type="button" class="button-secondary button-small" onClick={() => remove(i)}>
                Quitar {file.name}
              </button>
            </li>
          ))}
        </ul>
      )}
      {error && (
        <p class="field-error" id={`${id}-error`} data-field-error={name}>
          {Array.isArray(error) ? error.join(" ") : typeof error === "object" ? Object.values(error).join(" ") : error}
        </p>
      )}
    </div>
  );
}

// fraction: 0..1 while uploading, null otherwise.
export function UploadProgress({ fraction }) {
  if (fraction === null || fraction === undefined) return null;
  const percent = Math.round(fraction * 100);
  return (
    <div class="upload-progress" data-testid="upload-progress">
      <label for="progreso-carga">{percent < 100 ? "Enviando los documentos…" : "Documentos enviados; esperando la constancia…"}</label>
      <progress id="progreso-carga" max="100" value={percent}>
        {percent} %
      </progress>
      <span class="hint" aria-hidden="true">
        {percent} %
      </span>
    </div>
  );
}

// One Idempotency-Key per submission: the same key while the same values are sent again (a retry after a
// 503/504 that may have been stored), a new one once anything changed.
export function useSubmissionKey() {
  const last = useRef({ values: null, key: null });
  return (values) => {
    if (last.current.values !== values) last.current = { values, key: newIdempotencyKey() };
    return last.current.key;
  };
}

export function multipart(metadata, files) {
  const data = new FormData();
  data.append("metadata", new Blob([JSON.stringify(metadata)], { type: "application/json" }));
  for (const file of files || []) data.append("documents", file, file.name);
  return data;
}
