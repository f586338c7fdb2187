// Secretario(a) y juez(a): cola de escritos, expedientes del tribunal, resoluciones, audiencias, reservas y
// notificaciones; el secretario responde las consultas que el personal del chat hace a su tribunal, el juez las lee.
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["clerk", "judge"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
import { lazy } from "../../router.jsx";

const STAFF = ["clerk", "judge"];

export default [
  { path: "/tribunal/escritos", page: lazy(() => import("./Queue.jsx")), title: "Escritos por calificar", roles: ["clerk"],
    nav: { label: "Escritos por calificar", description: "Aceptar o rechazar los escritos recibidos." } },
  { path: "/tribunal/expedientes", page: lazy(() => import("./Cases.jsx")), title: "Expedientes del tribunal", roles: STAFF,
    nav: { label: "Expedientes", description: "Resoluciones, audiencias, notificaciones y reservas." } },
  { path: "/tribunal/expedientes/:caseNumber", page: lazy(() => import("./CaseFile.jsx")), title: "Expediente", roles: STAFF },
  { path: "/tribunal/expedientes/:caseNumber/resolucion", page: lazy(() => import("./Resolution.jsx")),
    title: "Emitir una resolución", roles: STAFF },
  { path: "/tribunal/expedientes/:caseNumber/audiencia", page: lazy(() => import("./Schedule.jsx")),
    title: "Programar una audiencia", roles: STAFF },
  { path: "/tribunal/expedientes/:caseNumber/notificaciones", page: lazy(() => import("./Board.jsx")),
    title: "Notificaciones del expediente", roles: STAFF },
  { path: "/tribunal/expedientes/:caseNumber/reserva", page: lazy(() => import("./Reserve.jsx")),
    title: "Reservar el expediente", roles: ["judge"] },
  { path: "/tribunal/audiencias/:hearingId", page: lazy(() => import("./Hearing.jsx")), title: "Cambiar una audiencia",
    roles: STAFF },
  { path: "/tribunal/consultas", page: lazy(() => import("./Inquiries.jsx")), title: "Consultas del chat", roles: STAFF,
    nav: { label: "Consultas del chat",
           description: "Lo que el personal del chat pregunta al tribunal (responde el secretario)." } },
];
