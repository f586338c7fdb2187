// Unidad de Antecedentes Penales (records_officer): el registro.
// Add a page: { path: "/...", page: lazy(() => import("./MyPage.jsx")), title: "...", roles: ["records_officer"],
//                nav: { label: "..." } }  (see web/README.md). Pages here load on first use (lazy).
import { lazy } from "../../router.jsx";

const ROLES = ["records_officer"];

export default [
  {
    path: "/registro", page: lazy(() => import("./Registry.jsx")), title: "Registro de antecedentes penales", roles: ROLES,
    nav: { label: "Registro", description: "Buscar antecedentes por CUI o nombre, y cancelarlos." },
  },
  {
    path: "/registro/nuevo", page: lazy(() => import("./AddRecord.jsx")), title: "Agregar un antecedente", roles: ROLES,
    nav: { label: "Agregar antecedente", description: "Registrar a mano una condena firme." },
  },
  {
    path: "/registro/importar", page: lazy(() => import("./Import.jsx")), title: "Importar antecedentes", roles: ROLES,
    nav: { label: "Importar CSV", description: "Importar antecedentes históricos (todo o nada)." },
  },
  { path: "/registro/antecedentes/:recordId", page: lazy(() => import("./Record.jsx")), title: "Antecedente", roles: ROLES },
];
