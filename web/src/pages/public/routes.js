// Public pages (no login). They are in the main bundle: the hearings page must be usable within 1 s.
import CasePage from "./Case.jsx";
import CasesPage from "./Cases.jsx";
import HearingsPage from "./Hearings.jsx";
import HomePage from "./Home.jsx";
import VerifyPage from "./Verify.jsx";

export default [
  { path: "/", page: HomePage, title: "Inicio" },
  { path: "/audiencias", page: HearingsPage, title: "Agenda de audiencias" },
  { path: "/amparos", page: CasesPage, title: "Amparos y antejuicios" },
  { path: "/amparos/:caseNumber", page: CasePage, title: "Expediente público" },
  { path: "/verificar", page: VerifyPage, title: "Verificar un documento" },
];
