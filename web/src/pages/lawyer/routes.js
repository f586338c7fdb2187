// Abogado(a): mis expedientes, escritos, casillero, plazos, chat.
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["lawyer"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
import { lazy } from "../../router.jsx";
import MailboxBadge from "./MailboxBadge.jsx";

const roles = ["lawyer"];

export default [
  { path: "/mis-expedientes", page: lazy(() => import("./MyCases.jsx")), title: "Mis expedientes", roles,
    nav: { label: "Mis expedientes",
      description: "Sus expedientes, sus escritos por calificar; iniciar uno nuevo o apersonarse en otro." } },
  { path: "/mis-expedientes/nuevo", page: lazy(() => import("./OpenCase.jsx")), title: "Iniciar un expediente", roles },
  { path: "/mis-expedientes/apersonarse", page: lazy(() => import("./Appear.jsx")),
    title: "Apersonarse en un expediente", roles },
  { path: "/mis-expedientes/:caseNumber", page: lazy(() => import("./CaseFile.jsx")), title: "Expediente", roles },
  { path: "/mis-expedientes/:caseNumber/escrito", page: lazy(() => import("./FileWrit.jsx")),
    title: "Presentar un escrito", roles },
  { path: "/constancias/:filingId", page: lazy(() => import("./Receipt.jsx")), title: "Constancia de recepción", roles },
  { path: "/casillero", page: lazy(() => import("./Mailbox.jsx")), title: "Casillero electrónico", roles,
    nav: { label: "Casillero", badge: MailboxBadge, description: "Las notificaciones de los tribunales y sus acuses." } },
  { path: "/casillero/:notificationId", page: lazy(() => import("./Notice.jsx")), title: "Notificación", roles },
  { path: "/mis-plazos", page: lazy(() => import("./Deadlines.jsx")), title: "Mis plazos", roles,
    nav: { label: "Mis plazos", description: "Los vencimientos de sus notificaciones en un calendario." } },
  { path: "/chat-tribunal", page: lazy(() => import("./CourtChat.jsx")), title: "Chat con el tribunal", roles,
    nav: { label: "Chat con el tribunal", description: "Escriba al personal del chat del Poder Judicial desde el portal." } },
  { path: "/mi-whatsapp", page: lazy(() => import("./WhatsApp.jsx")), title: "Mi WhatsApp", roles,
    nav: { label: "Mi WhatsApp", description: "Vincule su número de WhatsApp: el chat del Poder Judicial lo reconoce." } },
];
