// Entrar: with the institution's account (OpenID Connect, when configured) and, in development only, by
// picking one of the demo users of each role (the gateway has no such users in production).
import { api } from "../../api.js";
import { navigate, useQuery } from "../../router.jsx";
import { demoLogin, ROLE_LABELS, useSession } from "../../session.js";
import { useForm, FormErrors } from "../../forms.jsx";
import { LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";

export const LOGIN_ERRORS = {
  oidc_failed: "No se pudo completar el inicio de sesión con el proveedor de identidad. Intente de nuevo.",
  oidc_denied: "El inicio de sesión fue cancelado o denegado.",
  oidc_state: "La solicitud de inicio de sesión venció o no corresponde a este navegador. Intente de nuevo.",
  oidc_token_invalid: "El proveedor de identidad entregó una identidad que no se pudo verificar.",
  oidc_no_role: "Su cuenta no tiene una función habilitada en el portal.",
  oidc_unavailable: "El proveedor de identidad no está disponible; intente de nuevo.",
};

// Only a path of this site (never another origin) may be where the user goes after signing in.
export function safeNext(next) {
  return next && next.startsWith("/") && !next.startsWith("//") && !next.startsWith("/entrar") ? next : "/inicio";
}

function DemoUsers({ next }) {
  const users = useApi(() => api.get("/api/v1/auth/demo-users"), []);
  const form = useForm({});
  if (users.loading) return <Loading />;
  if (users.error) return <LoadError error={users.error} retry={users.reload} />;
  const enter = (sub) =>
    form.submit(async () => {
      await demoLogin(sub);
      navigate(next, { replace: true });
    })();
  return (
    <section aria-labelledby="demo-titulo" class="card">
      <h2 id="demo-titulo">Usuarios de demostración</h2>
      <p class="hint">Solo en desarrollo: elija un usuario de la función que quiere probar.</p>
      <FormErrors form={form} />
      <ul class="demo-users">
        {users.data.items.map((user) => (
          <li key={user.sub}>
            <button type="button" class="button-secondary" disabled={form.busy} onClick={() => enter(user.sub)} data-sub={user.sub}>
              <span class="demo-name">{user.name}</span>
              <span class="demo-role">{ROLE_LABELS[user.role] || user.role}</span>
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}

export default function LoginPage() {
  const [query] = useQuery();
  const session = useSession();
  const next = safeNext(query.siguiente);
  const options = useApi(() => api.get("/api/v1/auth/options"), []);
  const error = query.error ? LOGIN_ERRORS[query.error] || LOGIN_ERRORS.oidc_failed : null;
  return (
    <>
      <PageHeader title="Entrar al portal" />
      {error && <Notice kind="error">{error}</Notice>}
      {session.status === "user" && (
        <Notice>
          Ya entró como {session.actor.name || session.actor.sub}. Puede <a href="/inicio">ir a su inicio</a> o entrar con
          otro usuario.
        </Notice>
      )}
      {options.loading && <Loading />}
      <LoadError error={options.error} retry={options.reload} />
      {options.data && options.data.oidc && (
        <section class="card" aria-labelledby="oidc-titulo">
          <h2 id="oidc-titulo">Cuenta institucional</h2>
          <p>Entre con el usuario y la contraseña de su institución.</p>
          <a class="button-link" href={api.href("/api/v1/auth/oidc/login", { next })} data-testid="oidc-login">
            Entrar con la cuenta institucional
          </a>
        </section>
      )}
      {options.data && options.data.demo && <DemoUsers next={next} />}
      {options.data && !options.data.oidc && !options.data.demo && (
        <Notice kind="error">El inicio de sesión no está configurado en este servidor.</Notice>
      )}
    </>
  );
}
