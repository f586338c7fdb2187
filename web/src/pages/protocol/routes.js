// Notario(a) y Archivo General de Protocolos.
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["notary", "archive_officer"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
//
// As the API allows each role: the notary deposits and sees the own protocol; the Archive reviews deposits,
// keeps the registry of notaries and approves or revokes copies; everyone the API lets search (lawyers,
// notaries, citizens and court staff) searches the archive; lawyers, notaries and citizens ask for copies.
import { lazy } from "../../router.jsx";

const NOTARY = ["notary"];
const ARCHIVE = ["archive_officer"];
const SEARCHERS = ["lawyer", "notary", "citizen", "archive_officer", "clerk", "judge", "admin"];
const REQUESTERS = ["lawyer", "notary", "citizen"];

export default [
  {
    path: "/protocolo/depositar", page: lazy(() => import("./Deposit.jsx")), title: "Depositar un testimonio", roles: NOTARY,
    nav: { label: "Depositar testimonio", description: "El testimonio especial de un instrumento, con su PDF." },
  },
  {
    path: "/protocolo/mi-protocolo", page: lazy(() => import("./MyProtocol.jsx")), title: "Mi protocolo", roles: NOTARY,
    nav: { label: "Mi protocolo", description: "Depósitos extemporáneos, faltantes y observados; el índice anual." },
  },
  {
    path: "/protocolo/revision", page: lazy(() => import("./Review.jsx")), title: "Revisión de depósitos", roles: ARCHIVE,
    nav: { label: "Revisión de depósitos", description: "El año de un notario: extemporáneos, faltantes, observados." },
  },
  {
    path: "/protocolo/notarios", page: lazy(() => import("./Notaries.jsx")), title: "Registro de notarios", roles: ARCHIVE,
    nav: { label: "Notarios", description: "Registrar notarios y cambiar su estado." },
  },
  {
    path: "/protocolo/consulta", page: lazy(() => import("./Search.jsx")), title: "Consulta del Archivo de Protocolos",
    roles: SEARCHERS,
    nav: { label: "Archivo de Protocolos", description: "Buscar instrumentos por otorgante, notario, año o acto." },
  },
  {
    path: "/protocolo/instrumentos/:instrumentId", page: lazy(() => import("./Instrument.jsx")), title: "Instrumento",
    roles: SEARCHERS,
  },
  {
    path: "/protocolo/copias", page: lazy(() => import("./Copies.jsx")), title: "Mis copias certificadas", roles: REQUESTERS,
    nav: { label: "Mis copias", description: "Copias certificadas del Archivo de Protocolos: pago, estado y PDF." },
  },
  {
    path: "/protocolo/copias-archivo", page: lazy(() => import("./ArchiveCopy.jsx")), title: "Copias certificadas (Archivo)",
    roles: ARCHIVE, nav: { label: "Copias", description: "Aprobar, revocar o descargar una copia por su código." },
  },
];
