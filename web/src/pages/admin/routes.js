// Administración: cierres de los tribunales.
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["admin"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
import { lazy } from "../../router.jsx";

export default [
  { path: "/admin/cierres", page: lazy(() => import("./Closures.jsx")), title: "Cierres de tribunales", roles: ["admin"],
    nav: { label: "Cierres de tribunales", description: "Registrar y consultar los días de cierre." } },
];
