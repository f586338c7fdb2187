// Ciudadano(a): constancia de antecedentes penales.
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["citizen"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
import { lazy } from "../../router.jsx";

export default [
  {
    path: "/constancia",
    page: lazy(() => import("./Certificate.jsx")),
    title: "Constancia de antecedentes penales",
    roles: ["citizen"],
    nav: { label: "Mi constancia", description: "Solicitar, pagar y descargar la constancia de antecedentes penales." },
  },
];
