// Words the lawyer's pages show for the API's codes.
export { label, MATTER_LABELS as MATTERS } from "../court/labels.js";
// the matters a lawyer opens from this portal (amparo and antejuicio have parties of their own)
export const ORDINARY_MATTERS = ["civil", "penal", "laboral", "familia"];

export const PARTY_ROLES = {
  actor: "Actor", demandado: "Demandado", tercero: "Tercero", querellante: "Querellante", agraviado: "Agraviado",
  sindicado: "Sindicado", ministerio_publico: "Ministerio Público", denunciante: "Denunciante",
  denunciado: "Denunciado", amparista: "Amparista", postulante: "Postulante",
  autoridad_impugnada: "Autoridad impugnada", tercero_interesado: "Tercero interesado", funcionario: "Funcionario",
};
export const ORDINARY_ROLES = ["actor", "demandado", "tercero", "querellante", "agraviado", "sindicado",
  "ministerio_publico", "denunciante", "denunciado"];

export const FILING_KINDS = { demanda: "Demanda", escrito: "Escrito", memorial: "Memorial",
  contestacion: "Contestación", recurso: "Recurso", evidencia: "Evidencia", apersonamiento: "Apersonamiento" };
// what a lawyer of the case files in it
export const WRIT_KINDS = ["escrito", "memorial", "contestacion", "recurso", "evidencia"];

export const FILING_STATUS = { received: "Recibido, por calificar", accepted: "Aceptado", rejected: "Rechazado" };

export const RESOLUTION_KINDS = { decreto: "Decreto", auto: "Auto", sentencia: "Sentencia" };

export const NOTICE_STATUS = { unread: "Sin abrir", pending: "Notificada, plazo en curso", served: "Notificada" };
export const SERVED_BY = { access: "por acceso al casillero", lapse: "por transcurso del plazo" };

export const HEARING_STATUS = { programada: "Programada", reprogramada: "Reprogramada", realizada: "Realizada",
  suspendida: "Suspendida", cancelada: "Cancelada" };


// 1536 -> "1,5 KB"
export function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} bytes`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1).replace(".", ",")} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1).replace(".", ",")} MB`;
}
