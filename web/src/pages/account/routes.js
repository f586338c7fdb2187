// Signing in and the signed-in user's start page.
import { ALL_ROLES } from "../../session.js";
import LoginPage from "./Login.jsx";
import StartPage from "./Start.jsx";

export default [
  { path: "/entrar", page: LoginPage, title: "Entrar" },
  { path: "/inicio", page: StartPage, title: "Mi inicio", roles: ALL_ROLES, nav: { label: "Mi inicio" } },
];
