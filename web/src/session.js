// Who is signed in. The session itself is an HttpOnly cookie the page never sees; GET /api/v1/auth/session
// tells who it is and gives the CSRF token for writes (kept in memory only: never in localStorage).
import { useEffect, useState } from "preact/hooks";
import { api, setCsrfToken, setUnauthenticatedHandler } from "./api.js";

let state = { status: "loading", actor: null, mode: null };
const listeners = new Set();

function set(next) {
  state = { ...state, ...next };
  for (const listener of listeners) listener(state);
}

export function useSession() {
  const [value, setValue] = useState(state);
  useEffect(() => {
    listeners.add(setValue);
    setValue(state);
    return () => listeners.delete(setValue);
  }, []);
  return value;
}

export function currentSession() {
  return state;
}

function signedIn(view) {
  setCsrfToken(view.csrf_token);
  set({ status: "user", actor: view.actor, expiresAt: view.expires_at, mode: view.mode });
}

function signedOut() {
  setCsrfToken(null);
  set({ status: "anonymous", actor: null, expiresAt: null });
}

export async function loadSession() {
  try {
    signedIn(await api.get("/api/v1/auth/session"));
  } catch (error) {
    if (error.status === 401) signedOut();
    else set({ status: "anonymous", actor: null, error: error.message });
  }
}

export async function demoLogin(sub) {
  signedIn(await api.post("/api/v1/auth/demo-login", { sub }));
}

export async function logout() {
  let answer = null;
  try {
    answer = await api.post("/api/v1/auth/logout", {});
  } finally {
    signedOut();
  }
  return answer;
}

// A signed-in request answered 401: the session ended (expired, or revoked elsewhere).
setUnauthenticatedHandler(() => {
  if (state.status === "user") signedOut();
});

export const ROLE_LABELS = {
  lawyer: "Abogado(a)",
  clerk: "Secretario(a)",
  judge: "Juez(a)",
  citizen: "Ciudadano(a)",
  admin: "Administración",
  records_officer: "Antecedentes penales (UNAP)",
  chat_agent: "Agente del chat",
  chat_supervisor: "Supervisión del chat",
  notary: "Notario(a)",
  archive_officer: "Archivo General de Protocolos",
};

export const ALL_ROLES = Object.keys(ROLE_LABELS);
