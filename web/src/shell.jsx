// The frame of every page: skip link, header with the navigation of the signed-in role (or the public one),
// the page itself in <main>, and the footer.
import { useState } from "preact/hooks";
import { Link, navigate, useLocation } from "./router.jsx";
import { logout, ROLE_LABELS, useSession } from "./session.js";

export const PUBLIC_NAV = [
  { href: "/audiencias", label: "Audiencias" },
  { href: "/amparos", label: "Amparos y antejuicios" },
  { href: "/verificar", label: "Verificar" },
];

function navFor(routes, role) {
  return routes
    .filter((route) => route.nav && route.roles && route.roles.includes(role))
    .map((route) => ({ href: route.nav.href || route.path, label: route.nav.label, badge: route.nav.badge }));
}

export function Shell({ routes, children }) {
  const session = useSession();
  const { path } = useLocation();
  const [open, setOpen] = useState(false);
  const roleNav = session.status === "user" ? navFor(routes, session.actor.role) : [];
  const items = [...roleNav, ...PUBLIC_NAV];
  // the page's own item: the longest href the path is in (/chat/respuestas-guardadas is not also «/chat»)
  const current = items.filter((item) => path === item.href || path.startsWith(item.href + "/"))
    .reduce((best, item) => (!best || item.href.length > best.length ? item.href : best), null);

  const onLogout = async () => {
    const answer = await logout().catch(() => null);
    if (answer && answer.logout_url) window.location.assign(answer.logout_url);
    else navigate("/");
  };

  return (
    <>
      <a class="skip-link" href="#contenido">
        Saltar al contenido
      </a>
      <header class="site-header">
        <div class="site-header-inner">
          <Link href="/" class="brand">
            Portal Judicial
          </Link>
          <button
            type="button"
            class="menu-button"
            aria-expanded={open ? "true" : "false"}
            aria-controls="navegacion"
            onClick={() => setOpen(!open)}
          >
            Menú
            {roleNav.filter((item) => item.badge).map((item) => (
              <item.badge key={item.href} where="menu" />
            ))}
          </button>
          <nav id="navegacion" aria-label="Principal" class={open ? "nav nav-open" : "nav"}>
            <ul>
              {items.map((item) => (
                <li key={item.href}>
                  <Link
                    href={item.href}
                    aria-current={item.href === current ? "page" : undefined}
                    onClick={() => setOpen(false)}
                  >
                    {item.label}
                    {item.badge && <item.badge />}
                  </Link>
                </li>
              ))}
            </ul>
            <div class="account">
              {session.status === "user" ? (
                <>
                  <span class="account-name" data-testid="account-name">
                    {session.actor.name || session.actor.sub}
                    <span class="account-role"> · {ROLE_LABELS[session.actor.role] || session.actor.role}</span>
                  </span>
                  <button type="button" class="button-secondary" onClick={onLogout}>
                    Salir
                  </button>
                </>
              ) : session.status === "anonymous" ? (
                <Link href={`/entrar?siguiente=${encodeURIComponent(path)}`} class="button-link">
                  Entrar
                </Link>
              ) : null}
            </div>
          </nav>
          {roleNav.filter((item) => item.badge).map((item) => (
            <item.badge key={item.href} where="status" />
          ))}
        </div>
      </header>
      <main id="contenido" tabIndex={-1}>
        {children}
      </main>
      <footer class="site-footer">
        <p>Organismo Judicial · Servicios electrónicos. Las horas se muestran en la hora de Guatemala.</p>
      </footer>
    </>
  );
}
