// A small client-side router over the History API.
//
// A route is { path: "/amparos/:caseNumber", page: Component, title: "Amparo", roles?: [...], nav?: {...} }.
// The page receives its path parameters as props ({ caseNumber }) and reads its query with useQuery().
// <Link href="/audiencias"> navigates without reloading; navigate("/x") does it from code.
import { useEffect, useState } from "preact/hooks";

const listeners = new Set();

function current() {
  return { path: location.pathname, search: location.search };
}

function notify() {
  const value = current();
  for (const listener of listeners) listener(value);
}

window.addEventListener("popstate", notify);

export function navigate(to, { replace = false } = {}) {
  if (to === location.pathname + location.search) {
    notify();
    return;
  }
  history[replace ? "replaceState" : "pushState"](null, "", to);
  notify();
  if (!replace) window.scrollTo(0, 0);
}

export function useLocation() {
  const [value, setValue] = useState(current);
  useEffect(() => {
    listeners.add(setValue);
    return () => listeners.delete(setValue);
  }, []);
  return value;
}

// The query string as an object, and a setter that replaces it (keeps history clean while typing).
export function useQuery() {
  const { search } = useLocation();
  const query = Object.fromEntries(new URLSearchParams(search));
  const setQuery = (changes, { replace = true } = {}) => {
    const params = new URLSearchParams(location.search);
    for (const [key, value] of Object.entries(changes)) {
      if (value === undefined || value === null || value === "") params.delete(key);
      else params.set(key, String(value));
    }
    const text = params.toString();
    navigate(location.pathname + (text ? `?${text}` : ""), { replace });
  };
  return [query, setQuery];
}

function compile(path) {
  const names = [];
  const pattern = path
    .split("/")
    .map((part) => {
      if (part.startsWith(":")) {
        names.push(part.slice(1));
        return "([^/]+)";
      }
      return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("/");
  return { regex: new RegExp(`^${pattern}/?$`), names };
}

export function matchRoute(routes, path) {
  for (const route of routes) {
    route._compiled = route._compiled || compile(route.path);
    const found = route._compiled.regex.exec(path);
    if (found) {
      const params = {};
      route._compiled.names.forEach((name, i) => {
        params[name] = decodeURIComponent(found[i + 1]);
      });
      return { route, params };
    }
  }
  return null;
}

function isPlainClick(event) {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey;
}

export function Link({ href, children, ...props }) {
  const onClick = (event) => {
    if (props.onClick) props.onClick(event);
    if (event.defaultPrevented || !isPlainClick(event) || props.target) return;
    event.preventDefault();
    navigate(href);
  };
  return (
    <a href={href} {...props} onClick={onClick}>
      {children}
    </a>
  );
}

// A page loaded on first use, in its own file of the build (keeps the public pages light):
//   { path: "/mis-expedientes", page: lazy(() => import("./MyCases.jsx")), ... }
export function lazy(load) {
  let Component = null;
  let promise = null;
  let failed = null;
  return function LazyPage(props) {
    const [, setLoaded] = useState(0);
    useEffect(() => {
      if (Component || failed) return undefined;
      let live = true;
      promise = promise || load().then((module) => {
        Component = module.default;
      }, (error) => {
        failed = error;
        promise = null;
      });
      promise.then(() => live && setLoaded((n) => n + 1));
      return () => {
        live = false;
      };
    }, []);
    // after a navigation the focus went to <main> while this page was loading: now its title is there, take it
    // to the title (as main.jsx does for a page that is already loaded)
    const ready = Boolean(Component);
    useEffect(() => {
      const main = document.getElementById("contenido");
      const title = document.getElementById("titulo-pagina");
      if (ready && title && main && document.activeElement === main) title.focus({ preventScroll: true });
    }, [ready]);
    if (Component) return <Component {...props} />;
    if (failed) {
      return (
        <p class="notice notice-error" role="alert">
          No se pudo cargar esta página. Revise su conexión y recargue.
        </p>
      );
    }
    return (
      <p class="loading" role="status">
        Cargando…
      </p>
    );
  };
}
