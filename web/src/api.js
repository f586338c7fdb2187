// The one client of the gateway's documented API (/api/v1/...): nothing else in the portal calls fetch.
//
//   const page = await api.get("/api/v1/public/hearings", { court_id: "01001", date: "2026-03-10" });
//   const receipt = await api.post("/api/v1/filings/ID/review", { decision: "accept" });
//   const opened = await api.upload("/api/v1/cases", formData, { onProgress: (fraction) => ..., idempotencyKey });
//
// The browser is signed in by an HttpOnly session cookie it cannot read; every write carries the session's
// CSRF token (X-CSRF-Token), which lives only in this module's memory. A refusal throws ApiError with the API's
// Spanish `message`, its `code` and `fields` ({field: message}); a 503/504, or no answer at all, throws an
// ApiError whose message is UNAVAILABLE (the form keeps what the user typed and may be sent again).

export const UNAVAILABLE = "El servicio no está disponible, intente de nuevo.";
export const CSRF_HEADER = "X-CSRF-Token";

let csrfToken = null;
let onUnauthenticated = null;

export function setCsrfToken(token) {
  csrfToken = token || null;
}

// Called with the ApiError when a signed-in request is answered 401 (the session expired or was revoked).
export function setUnauthenticatedHandler(handler) {
  onUnauthenticated = handler;
}

export class ApiError extends Error {
  constructor(status, body) {
    const unavailable = status === 0 || status === 503 || status === 504;
    super(unavailable ? UNAVAILABLE : (body && body.message) || `Error ${status}`);
    this.status = status;
    this.code = (body && body.error) || (unavailable ? "unavailable" : "error");
    this.details = (body && body.details) || {};
    this.fields = this.details.fields && typeof this.details.fields === "object" ? this.details.fields : {};
    this.unavailable = unavailable;
  }
}

// A file the person chose that the browser can no longer read: it was changed, moved or deleted on disk after it
// was chosen (the browser keeps a reference to the file, not its content). Choosing the same file again in the
// same input sends no change event, so the form forgets it (forms.jsx) and asks for it again.
export class FileChangedError extends ApiError {
  constructor(file) {
    super(400, {
      error: "file_changed",
      message: `No se pudo leer «${file.name}»: cambió o se movió después de elegirlo. Elíjalo de nuevo.`,
    });
    this.file = file;
  }
}

// A chosen file is a name on the disk, read when it is sent, not when it is chosen; and the browser may note its size
// and time only when it first reads it, so a file moved or rewritten before that would be sent as it is then, or
// fail as a network error. So each file is noted when it is chosen (noteChosen), and before it is read its size
// and time must still be those.
const chosenAs = new WeakMap();

export function noteChosen(files) {
  for (const file of files) chosenAs.set(file, [file.size, file.lastModified]);
}

async function stillAsChosen(file) {
  const noted = chosenAs.get(file);
  if (noted && (noted[0] !== file.size || noted[1] !== file.lastModified)) throw new FileChangedError(file);
  try {
    await file.slice(0, 1).arrayBuffer(); // still readable: a byte is enough to know
  } catch {
    throw new FileChangedError(file);
  }
}

// The text of a chosen file (UTF-8)
export async function readFileText(file) {
  await stillAsChosen(file);
  try {
    return await file.text();
  } catch {
    throw new FileChangedError(file);
  }
}

// Every file of a multipart form still as it was chosen, before anything is sent
async function checkFiles(form) {
  for (const value of form.values()) {
    if (value instanceof Blob && value.name) await stillAsChosen(value);
  }
}

function withQuery(path, query) {
  if (!path.startsWith("/api/v1/")) throw new Error(`El portal solo usa la API /api/v1/: ${path}`);
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

function writeHeaders(method, extra) {
  const headers = { Accept: "application/json", ...(extra || {}) };
  if (method !== "GET" && method !== "HEAD" && csrfToken) headers[CSRF_HEADER] = csrfToken;
  return headers;
}

async function failure(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    body = null;
  }
  const error = new ApiError(response.status, body);
  if (response.status === 401 && onUnauthenticated) onUnauthenticated(error);
  return error;
}

async function request(method, path, { query, json, form, headers, signal, raw } = {}) {
  const init = { method, headers: writeHeaders(method, headers), credentials: "same-origin", signal };
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (form !== undefined) {
    await checkFiles(form);
    init.body = form; // multipart/form-data: the browser sets the boundary
  }
  let response;
  try {
    response = await fetch(withQuery(path, query), init);
  } catch (error) {
    if (error && error.name === "AbortError") throw error;
    if (form !== undefined) await checkFiles(form); // a file that changed while it was sent, not the network
    throw new ApiError(0, null);
  }
  if (!response.ok) {
    if (response.status === 503 || response.status === 504) throw new ApiError(response.status, null);
    throw await failure(response);
  }
  if (raw) return response;
  if (response.status === 204) return null;
  const type = response.headers.get("Content-Type") || "";
  return type.includes("json") ? response.json() : response.text();
}

// A multipart upload with progress (fetch has no upload progress): onProgress(fraction 0..1).
async function upload(path, form, { onProgress, idempotencyKey, method = "POST" } = {}) {
  await checkFiles(form);
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, withQuery(path));
    xhr.withCredentials = true;
    const headers = writeHeaders(method, idempotencyKey ? { "Idempotency-Key": idempotencyKey } : {});
    for (const [key, value] of Object.entries(headers)) xhr.setRequestHeader(key, value);
    if (onProgress) {
      xhr.upload.onprogress = (event) => {
        if (event.lengthComputable) onProgress(event.loaded / event.total);
      };
    }
    // a file that changed while it was sent is named, not taken for the network
    xhr.onerror = () => checkFiles(form).then(() => reject(new ApiError(0, null)), reject);
    xhr.ontimeout = () => reject(new ApiError(0, null));
    xhr.onload = () => {
      let body = null;
      try {
        body = xhr.responseText ? JSON.parse(xhr.responseText) : null;
      } catch {
        body = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) {
        if (onProgress) onProgress(1);
        resolve(body);
        return;
      }
      const error = new ApiError(xhr.status, xhr.status === 503 || xhr.status === 504 ? null : body);
      if (xhr.status === 401 && onUnauthenticated) onUnauthenticated(error);
      reject(error);
    };
    xhr.send(form);
  });
}

export const api = {
  get: (path, query, options) => request("GET", path, { ...options, query }),
  post: (path, json, options) => request("POST", path, { ...options, json: json === undefined ? {} : json }),
  put: (path, json, options) => request("PUT", path, { ...options, json }),
  patch: (path, json, options) => request("PATCH", path, { ...options, json }),
  delete: (path, options) => request("DELETE", path, options),
  postForm: (path, form, options) => request("POST", path, { ...options, form }),
  upload,
  // A URL of the API for a link the browser follows itself (a PDF download, an iCalendar feed).
  href: (path, query) => withQuery(path, query),
  // Server-Sent Events of the API (the session cookie goes with them); returns the EventSource: close() it
  // when the page goes away. onEvent(type, data) for each of `types` (JSON data parsed when it is JSON).
  events: (path, query, types, onEvent, onError) => {
    const source = new EventSource(withQuery(path, query), { withCredentials: true });
    for (const type of types) {
      source.addEventListener(type, (event) => {
        let data = event.data;
        try {
          data = JSON.parse(event.data);
        } catch {
          // plain text
        }
        onEvent(type, data, event);
      });
    }
    if (onError) source.onerror = onError;
    return source;
  },
};

// A new Idempotency-Key for one user action (keep it while retrying the same action after a 503/504).
export function newIdempotencyKey() {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
