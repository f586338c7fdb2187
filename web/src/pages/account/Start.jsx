// The signed-in user's start page: the pages of their role.
import { routes } from "../../routes.js";
import { Link } from "../../router.jsx";
import { ROLE_LABELS, useSession } from "../../session.js";
import { PageHeader } from "../../ui.jsx";

export default function StartPage() {
  const { actor } = useSession();
  const mine = routes.filter((r) => r.nav && r.roles && r.roles.includes(actor.role) && r.path !== "/inicio");
  return (
    <>
      <PageHeader title={`Bienvenido(a), ${actor.name || actor.sub}`}>
        <p class="lead">{ROLE_LABELS[actor.role] || actor.role}</p>
      </PageHeader>
      {mine.length === 0 ? (
        <p>Las páginas de su función aún no están disponibles en el portal.</p>
      ) : (
        <ul class="tiles">
          {mine.map((r) => (
            <li class="card" key={r.path}>
              <h2>
                <Link href={r.nav.href || r.path}>{r.nav.label}</Link>
              </h2>
              {r.nav.description && <p>{r.nav.description}</p>}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}
