import { Link } from "../../router.jsx";
import { useSession } from "../../session.js";
import { PageHeader } from "../../ui.jsx";

export default function HomePage() {
  const session = useSession();
  return (
    <>
      <PageHeader title="Servicios electrónicos del Organismo Judicial">
        <p class="lead">Consultas públicas sin usuario; expediente electrónico, casillero y trámites con su usuario.</p>
      </PageHeader>
      <ul class="tiles">
        <li class="card">
          <h2>
            <Link href="/audiencias">Agenda de audiencias</Link>
          </h2>
          <p>Audiencias por tribunal y día, y la agenda en su calendario.</p>
        </li>
        <li class="card">
          <h2>
            <Link href="/amparos">Amparos y antejuicios</Link>
          </h2>
          <p>Busque por el nombre de una parte y vea la etapa y las actuaciones.</p>
        </li>
        <li class="card">
          <h2>
            <Link href="/verificar">Verificar un documento</Link>
          </h2>
          <p>Compruebe una resolución, una constancia o un acuse de notificación.</p>
        </li>
        <li class="card">
          <h2>
            {session.status === "user" ? <Link href="/inicio">Mi inicio</Link> : <Link href="/entrar">Entrar</Link>}
          </h2>
          <p>Abogados, personal de los tribunales, notarios y ciudadanos.</p>
        </li>
      </ul>
    </>
  );
}
