// Agentes y supervisión del chat (chat_agent, chat_supervisor).
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["chat_agent", "chat_supervisor"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
import { lazy } from "../../router.jsx";

const STAFF = ["chat_agent", "chat_supervisor"];

export default [
  { path: "/chat", page: lazy(() => import("./Inbox.jsx")), title: "Bandeja del chat", roles: STAFF,
    nav: { label: "Bandeja del chat", description: "Conversaciones de WhatsApp en vivo: responder, asignar, resolver." } },
  { path: "/chat/conversacion/:conversationId", page: lazy(() => import("./Conversation.jsx")), title: "Conversación",
    roles: STAFF },
  { path: "/tablero-del-chat", page: lazy(() => import("./Dashboard.jsx")), title: "Tablero de la supervisión del chat",
    roles: ["chat_supervisor"],
    nav: { label: "Tablero del chat", description: "Volumen, tiempos, SLA, satisfacción, quejas por área y temas." } },
  { path: "/chat/respuestas-guardadas", page: lazy(() => import("./CannedResponses.jsx")), title: "Respuestas guardadas",
    roles: ["chat_supervisor"],
    nav: { label: "Respuestas guardadas", description: "Los textos que los agentes insertan con / en una respuesta." } },
];
