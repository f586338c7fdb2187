// The chat staff's inbox: the conversations, newest activity first, filtered by line, status, assignee and
// complaint (the filters live in the address: ?linea=&estado=&asignada=&queja=1&canal=), updated live from the stream
// (GET /api/v1/chat/stream): a new message, an assignment or a status change reloads the list, without a page
// load. The agent's presence (online: receives conversations by round robin; away: none). Supervisors also see
// each agent's presence, teams and load (GET /api/v1/chat/agents).
import { useState } from "preact/hooks";
import { api } from "../../api.js";
import { Link, useQuery } from "../../router.jsx";
import { useSession } from "../../session.js";
import { CursorButtons, formatDateTime, LoadError, Loading, Notice, PageHeader, useApi, useCursorPages } from "../../ui.jsx";
import {
  AreaOptions, ChannelBadge, contactName, CONVERSATION_STATUS, LiveState, PRESENCE, SUPERVISOR, useChatEvents, useDebounced,
} from "./common.jsx";

function Presence({ me, onChanged }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const current = (me && me.presence) || "away";
  const change = async (status) => {
    setBusy(true);
    setError(null);
    try {
      onChanged(await api.put("/api/v1/chat/agents/me/presence", { status }));
    } catch (failure) {
      setError(failure.message);
    } finally {
      setBusy(false);
    }
  };
  const next = current === "online" ? "away" : "online";
  return (
    <div class="chat-presence" data-testid="presence">
      <p>
        Mi presencia: <strong data-testid="my-presence">{PRESENCE[current]}</strong>
        {current === "online" ? " (recibe conversaciones por turno)" : " (no recibe conversaciones nuevas)"}
      </p>
      <button type="button" class="button-secondary" disabled={busy} onClick={() => change(next)}>
        {next === "online" ? "Ponerme en línea" : "Ponerme ausente"}
      </button>
      {error && (
        <p class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

function AgentsLoad({ agents }) {
  if (!agents.length) return <p class="empty">Ningún agente ha entrado a la bandeja todavía.</p>;
  return (
    <ul class="plain-list chat-agents" data-testid="agents">
      {agents.map((agent) => (
        <li key={agent.agent} class="chat-agent" data-agent={agent.agent}>
          <strong>{agent.name || agent.agent}</strong>{" "}
          <span class={`badge badge-presence-${agent.presence}`}>{PRESENCE[agent.presence] || agent.presence}</span>
          <span class="chat-load" data-testid="load">
            {" "}
            {agent.load} de {agent.capacity} conversaciones
          </span>
          <span class="hint"> {agent.teams.length ? `Equipos: ${agent.teams.join(", ")}` : "Sin equipo"}</span>
        </li>
      ))}
    </ul>
  );
}

function Filters({ query, setQuery, lines, areas, agents, me }) {
  const change = (name) => (event) => {
    const target = event.currentTarget;
    setQuery({ ...query, [name]: target.type === "checkbox" ? (target.checked ? "1" : "") : target.value });
  };
  return (
    <form class="chat-filters" onSubmit={(event) => event.preventDefault()} aria-label="Filtros de la bandeja">
      <div class="field">
        <label for="filtro-linea">Línea</label>
        <select id="filtro-linea" value={query.linea || ""} onChange={change("linea")}>
          <option value="">Todas las líneas</option>
          {lines.map((line) => (
            <option key={line.phone_number_id} value={line.phone_number_id}>
              {line.region} ({line.display_number})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filtro-area">Área</label>
        <select id="filtro-area" value={query.area || ""} onChange={change("area")}>
          <option value="">Todas las áreas</option>
          <AreaOptions areas={areas} />
        </select>
      </div>
      <div class="field">
        <label for="filtro-canal">Canal</label>
        <select id="filtro-canal" value={query.canal || ""} onChange={change("canal")}>
          <option value="">Todos los canales</option>
          <option value="whatsapp">WhatsApp</option>
          <option value="web">Chat web (portal)</option>
        </select>
      </div>
      <div class="field">
        <label for="filtro-estado">Estado</label>
        <select id="filtro-estado" value={query.estado || ""} onChange={change("estado")}>
          <option value="">Todos</option>
          {Object.entries(CONVERSATION_STATUS).map(([value, text]) => (
            <option key={value} value={value}>
              {text}
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="filtro-asignada">Asignada a</label>
        <select id="filtro-asignada" value={query.asignada || ""} onChange={change("asignada")}>
          <option value="">Cualquiera</option>
          <option value={me}>A mí</option>
          <option value="none">Sin asignar</option>
          {agents.filter((agent) => agent.agent !== me).map((agent) => (
            <option key={agent.agent} value={agent.agent}>
              {agent.name || agent.agent}
            </option>
          ))}
        </select>
      </div>
      <div class="field chat-check">
        <input id="filtro-queja" type="checkbox" checked={query.queja === "1"} onChange={change("queja")} />
        <label for="filtro-queja">Solo quejas</label>
      </div>
    </form>
  );
}

function ConversationItem({ conversation: c }) {
  const name = contactName(c);
  return (
    <li class="card chat-item" data-conversation={c.conversation_id}>
      <h2 class="chat-item-title">
        <Link href={`/chat/conversacion/${encodeURIComponent(c.conversation_id)}`}>{name}</Link>{" "}
        <ChannelBadge conversation={c} />{" "}
        {c.complaint && <span class="badge badge-overdue">Queja</span>}{" "}
        <span class={`badge badge-status-${c.status}`} data-testid="status">
          {CONVERSATION_STATUS[c.status] || c.status}
        </span>
        {c.unanswered > 0 && (
          <span class="badge badge-notice-unread" data-testid="unanswered">
            {" "}
            {c.unanswered} sin responder
          </span>
        )}
      </h2>
      <p class="chat-preview" data-testid="preview">
        {c.last_message_preview}
      </p>
      <p class="hint">
        {c.region ? `Línea de ${c.region}` : `Línea ${c.line}`} · {formatDateTime(c.last_message_at)} ·{" "}
        {c.assignee ? `Asignada a ${c.assignee.name || c.assignee.sub}` : "Sin asignar"}
        {c.labels.length > 0 && ` · Etiquetas: ${c.labels.join(", ")}`}
        {c.lawyer && ` · ${c.lawyer.name || "Abogado"}, colegiado ${c.lawyer.bar_number}`}
        {!c.window_open && " · Ventana de 24 h cerrada"}
      </p>
    </li>
  );
}

export default function InboxPage() {
  const session = useSession();
  const me = session.actor ? session.actor.sub : "";
  const supervisor = session.actor && session.actor.role === SUPERVISOR;
  const [query, setQuery] = useQuery();
  const paging = useCursorPages();
  const cursor = paging.cursor;
  const filters = {
    line: query.linea || undefined, status: query.estado || undefined, assignee: query.asignada || undefined,
    area: query.area || undefined, complaint: query.queja === "1" ? "true" : undefined,
    channel: query.canal || undefined,
  };
  const key = JSON.stringify(filters);
  const list = useApi(() => api.get("/api/v1/chat/conversations", { ...filters, cursor, limit: 25 }), [key, cursor]);
  const lines = useApi(() => api.get("/api/v1/chat/lines"), []);
  const areas = useApi(() => api.get("/api/v1/chat/areas"), []);
  const agents = useApi(() => api.get("/api/v1/chat/agents"), []);
  const [myPresence, setMyPresence] = useState(null);
  const reloadList = useDebounced(list.reload);
  const reloadAgents = useDebounced(agents.reload, 500);
  const live = useChatEvents((type) => {
    if (type === "agent") {
      reloadAgents();
      return;
    }
    if (type === "note" || type === "inquiry") return;
    reloadList();
    if (type === "conversation" || type === "reset") reloadAgents();
  });
  const agentItems = (agents.data && agents.data.items) || [];
  const meAsAgent = myPresence || agentItems.find((agent) => agent.agent === me) || null;
  const items = (list.data && list.data.items) || [];
  return (
    <>
      <PageHeader title="Bandeja del chat">
        <p class="lead">Conversaciones de WhatsApp de las líneas regionales, de la actividad más reciente a la más antigua.</p>
      </PageHeader>
      <LiveState state={live} />
      <Presence me={meAsAgent} onChanged={(agent) => {
        setMyPresence(agent);
        agents.reload();
      }} />
      {supervisor && (
        <section class="card" aria-labelledby="titulo-agentes">
          <h2 id="titulo-agentes">Agentes y su carga</h2>
          <LoadError error={agents.error} retry={agents.reload} />
          {agents.data && <AgentsLoad agents={agentItems} />}
        </section>
      )}
      <Filters query={query} setQuery={(next) => {
        paging.reset();
        setQuery(next);
      }} lines={(lines.data && lines.data.items) || []} areas={(areas.data && areas.data.items) || []}
        agents={agentItems} me={me} />
      {list.loading && !list.data && <Loading />}
      <LoadError error={list.error} retry={list.reload} />
      {list.data && items.length === 0 && <p class="empty">No hay conversaciones con estos filtros.</p>}
      <ul class="plain-list" data-testid="conversations" aria-label="Conversaciones">
        {items.map((item) => (
          <ConversationItem key={item.conversation_id} conversation={item} />
        ))}
      </ul>
      <CursorButtons paging={paging} next={list.data && list.data.next_cursor} more="Ver más conversaciones" />
      {supervisor || <Notice>Tome una conversación sin asignar desde su página, o espere a que se le asigne por turno.</Notice>}
    </>
  );
}
