// Names in Spanish of the API's values the court's pages show (the API speaks in codes: «auto», «vista»...).
export const MATTER_LABELS = {
  civil: "Civil", penal: "Penal", laboral: "Laboral", familia: "Familia", amparo: "Amparo", antejuicio: "Antejuicio",
};
export const FILING_KIND_LABELS = {
  demanda: "Demanda", escrito: "Escrito", apersonamiento: "Apersonamiento", memorial: "Memorial",
  contestacion: "Contestación", recurso: "Recurso", evidencia: "Evidencia",
};
export const RESOLUTION_KINDS = [["decreto", "Decreto"], ["auto", "Auto"], ["sentencia", "Sentencia"]];
// The stages each public matter's resolutions may take the case to (the API says which follow which).
export const STAGES = {
  amparo: ["admitido", "amparo_provisional_otorgado", "amparo_provisional_denegado", "informe_circunstanciado",
    "vista", "sentencia_otorga", "sentencia_deniega", "apelado", "ejecutoriado", "archivado"],
  antejuicio: ["rechazado_in_limine", "juez_pesquisidor_designado", "informe_pesquisidor",
    "ha_lugar_formacion_causa", "no_ha_lugar", "archivado"],
};
export const STAGE_LABELS = {
  ingresado: "Ingresado", admitido: "Admitido para su trámite",
  amparo_provisional_otorgado: "Amparo provisional otorgado", amparo_provisional_denegado: "Amparo provisional denegado",
  informe_circunstanciado: "Informe circunstanciado", vista: "Vista",
  sentencia_otorga: "Sentencia: otorga el amparo", sentencia_deniega: "Sentencia: deniega el amparo",
  apelado: "Apelado", ejecutoriado: "Ejecutoriado", archivado: "Archivado",
  rechazado_in_limine: "Rechazado in límine", juez_pesquisidor_designado: "Juez pesquisidor designado",
  informe_pesquisidor: "Informe del juez pesquisidor", ha_lugar_formacion_causa: "Ha lugar a formación de causa",
  no_ha_lugar: "No ha lugar a formación de causa",
};
export const HEARING_KINDS = [
  ["primera_declaracion", "Primera declaración"], ["etapa_intermedia", "Etapa intermedia"], ["debate", "Debate"],
  ["conciliacion", "Conciliación"], ["juicio_oral", "Juicio oral"], ["vista", "Vista"],
  ["ofrecimiento_prueba", "Ofrecimiento de prueba"], ["otra", "Otra audiencia"],
];
export const HEARING_KIND_LABELS = Object.fromEntries(HEARING_KINDS);
export const HEARING_STATUS_LABELS = {
  programada: "Programada", reprogramada: "Reprogramada", realizada: "Realizada", suspendida: "Suspendida",
  cancelada: "Cancelada",
};
export const MODE_LABELS = { presencial: "Presencial", virtual: "Virtual" };
export const SERVED_BY_LABELS = { access: "por acceso", lapse: "por transcurso del plazo" };

export const label = (labels, value) => (value && labels[value]) || value || "—";
