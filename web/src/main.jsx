// The portal's entry: the session, the router, the shell around the page the address names.
import { render } from "preact";
import { useEffect, useRef } from "preact/hooks";
import "./styles.css";
import { routes } from "./routes.js";
import { Link, matchRoute, navigate, useLocation } from "./router.jsx";
import { loadSession, useSession } from "./session.js";
import { Shell } from "./shell.jsx";
import { Loading, PageHeader } from "./ui.jsx";

function NotFound() {
  return (
    <>
      <PageHeader title="Página no encontrada" />
      <p>
        La dirección no corresponde a ninguna página del portal. <Link href="/">Ir al inicio</Link>
      </p>
    </>
  );
}

function Forbidden() {
  return (
    <>
      <PageHeader title="Sin permiso" />
      <p>Su usuario no tiene acceso a esta página.</p>
    </>
  );
}

function Guard({ route, params }) {
  const session = useSession();
  const { path, search } = useLocation();
  const needsUser = Boolean(route.roles);
  useEffect(() => {
    if (needsUser && session.status === "anonymous") {
      navigate(`/entrar?siguiente=${encodeURIComponent(path + search)}`, { replace: true });
    }
  }, [needsUser, session.status, path]);
  if (!needsUser) return <route.page {...params} />;
  if (session.status !== "user") return <Loading />;
  if (!route.roles.includes(session.actor.role)) return <Forbidden />;
  return <route.page {...params} />;
}

function App() {
  const { path } = useLocation();
  const found = matchRoute(routes, path);
  const first = useRef(true);
  useEffect(() => {
    document.title = found ? `${found.route.title} · Portal Judicial` : "Página no encontrada · Portal Judicial";
    if (first.current) {
      first.current = false;
      return;
    }
    // after a navigation, take focus to the new page's title (screen readers announce it)
    const title = document.getElementById("titulo-pagina") || document.getElementById("contenido");
    if (title) title.focus({ preventScroll: true });
  }, [path]);
  return <Shell routes={routes}>{found ? <Guard key={found.route.path} route={found.route} params={found.params} /> : <NotFound />}</Shell>;
}

loadSession();
render(<App />, document.getElementById("app"));
