// The chat supervisor's dashboard: the report of GET /api/v1/chat/reports for a period (from/to; without them the
// API's last 30 days, whose days the picker then shows) and filters (line, area, agent; the lists from
// GET /api/v1/chat/lines, /chat/areas and /chat/agents), kept in the address (?desde=&hasta=&linea=&area=&agente=).
// Each chart is an SVG of charts.jsx followed by a table of the same figures (what screen readers read). The two
// CSV downloads are links to the same report (format=csv; per=conversation), followed by the browser with the
// session cookie.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { useQuery } from "../../router.jsx";
import { LoadError, Loading, PageHeader, useApi } from "../../ui.jsx";
import { BarChart, COLORS, DayChart, formatDuration, formatNumber, Legend, shortDay } from "./charts.jsx";
import { AreaOptions } from "./common.jsx";

const SLA_KINDS = { first_response: "Primera respuesta", next_response: "Respuestas siguientes", resolution: "Resolución" };
const CLASSES = { queja: "Queja", consulta: "Consulta", sugerencia: "Sugerencia" };
const VOLUME_SERIES = [{ key: "conversations", label: "Conversaciones abiertas", color: COLORS[0] }];
const MESSAGE_SERIES = [
  { key: "messages_in", label: "Mensajes recibidos", color: COLORS[1] },
  { key: "messages_out", label: "Mensajes enviados", color: COLORS[2] },
];

function Filters({ query, setQuery, period, lines, areas, agents, fields }) {
  const [values, setValues] = useState(null);
  const current = values || {
    desde: query.desde || (period && period.from) || "", hasta: query.hasta || (period && period.to) || "",
    linea: query.linea || "", area: query.area || "", agente: query.agente || "",
  };
  useEffect(() => setValues(null), [query.desde, query.hasta, query.linea, query.area, query.agente]);
  const change = (name) => (event) => setValues({ ...current, [name]: event.currentTarget.value });
  const submit = (event) => {
    event.preventDefault();
    setQuery(current);
  };
  const dateField = (name, id, label, field) => (
    <div class={`field${fields[field] ? " field-invalid" : ""}`}>
      <label for={id}>{label}</label>
      <input id={id} type="date" value={current[name]} onInput={change(name)} onChange={change(name)} required
        aria-invalid={fields[field] ? "true" : undefined} aria-describedby={fields[field] ? `${id}-error` : undefined} />
      {fields[field] && (
        <p class="field-error" id={`${id}-error`} data-field-error={field}>
          {String(fields[field])}
        </p>
      )}
    </div>
  );
  return (
    <form class="card dashboard-filters" onSubmit={submit} aria-label="Período y filtros del tablero">
      {dateField("desde", "tablero-desde", "Desde", "from")}
      {dateField("hasta", "tablero-hasta", "Hasta (incluido)", "to")}
      <div class="field">
        <label for="tablero-linea">Línea</label>
        <select id="tablero-linea" value={current.linea} onChange={change("linea")}>
          <option value="">Todas las líneas</option>
          {lines.map((line) => (
            <option key={line.phone_number_id} value={line.phone_number_id}>
              {line.region} ({line.display_number})
            </option>
          ))}
        </select>
      </div>
      <div class="field">
        <label for="tablero-area">Área</label>
        <select id="tablero-area" value={current.area} onChange={change("area")}>
          <option value="">Todas las áreas</option>
          <AreaOptions areas={areas} />
        </select>
      </div>
      <div class="field">
        <label for="tablero-agente">Agente</label>
        <select id="tablero-agente" value={current.agente} onChange={change("agente")}>
          <option value="">Todos los agentes</option>
          {agents.map((agent) => (
            <option key={agent.agent} value={agent.agent}>
              {agent.name || agent.agent}
            </option>
          ))}
        </select>
      </div>
      <div class="dashboard-apply">
        <button type="submit">Actualizar el tablero</button>
      </div>
    </form>
  );
}

const count = (n, one, many) => `${formatNumber(n)} ${n === 1 ? one : many}`;

// A chart and its table: <figure> named by its caption; the SVG draws, the table tells.
function Chart({ id, title, children, table }) {
  return (
    <figure class="chart-figure" aria-labelledby={`${id}-titulo`} data-testid={id}>
      <figcaption id={`${id}-titulo`} class="chart-title">
        {title}
      </figcaption>
      {children}
      {table}
    </figure>
  );
}

// A table of label/value rows (the text equivalent of a bar chart). rows: [{ key, label, value }]
function FigureTable({ caption, head, rows, format = formatNumber, testid }) {
  return (
    <table class="chart-table" data-testid={testid}>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          <th scope="col">{head[0]}</th>
          <th scope="col">{head[1]}</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => (
          <tr key={row.key} data-key={row.key}>
            <th scope="row">{row.label}</th>
            <td>{format(row.value)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function Volumes({ report }) {
  const v = report.volumes;
  const days = report.by_day || [];
  const rows = [
    { key: "conversations", label: "Conversaciones abiertas", value: v.conversations },
    { key: "messages_in", label: "Mensajes recibidos", value: v.messages_in },
    { key: "messages_out", label: "Mensajes enviados", value: v.messages_out },
    { key: "resolved", label: "Resueltas ahora", value: v.resolved },
  ];
  return (
    <section class="card" aria-labelledby="tablero-volumen">
      <h2 id="tablero-volumen">Volumen</h2>
      <FigureTable caption="Volumen del período" head={["Cifra", "Total"]} rows={rows} testid="volumes" />
      <div class="chart-pair">
        <Chart id="chart-conversations" title="Conversaciones abiertas por día">
          <DayChart days={days} series={VOLUME_SERIES} />
        </Chart>
        <Chart id="chart-messages" title="Mensajes por día">
          <Legend series={MESSAGE_SERIES} />
          <DayChart days={days} series={MESSAGE_SERIES} />
        </Chart>
      </div>
      <details class="chart-details">
        <summary>Ver las cifras de cada día</summary>
        <table class="chart-table" data-testid="by-day">
          <caption class="visually-hidden">Conversaciones y mensajes por día</caption>
          <thead>
            <tr>
              <th scope="col">Día</th>
              <th scope="col">Abiertas</th>
              <th scope="col">Recibidos</th>
              <th scope="col">Enviados</th>
            </tr>
          </thead>
          <tbody>
            {days.map((day) => (
              <tr key={day.day} data-key={day.day}>
                <th scope="row">{shortDay(day.day)}</th>
                <td>{formatNumber(day.conversations)}</td>
                <td>{formatNumber(day.messages_in)}</td>
                <td>{formatNumber(day.messages_out)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </section>
  );
}

function Times({ report }) {
  const bars = [
    { key: "first_response-median", label: "Primera respuesta: mediana", value: report.first_response.median_seconds },
    { key: "first_response-p90", label: "Primera respuesta: p90", value: report.first_response.p90_seconds },
    { key: "resolution-median", label: "Resolución: mediana", value: report.resolution.median_seconds },
    { key: "resolution-p90", label: "Resolución: p90", value: report.resolution.p90_seconds },
  ];
  return (
    <section class="card" aria-labelledby="tablero-tiempos">
      <h2 id="tablero-tiempos">Tiempos de primera respuesta y de resolución</h2>
      <p class="hint">Desde el primer mensaje del usuario. p90: nueve de cada diez conversaciones tardaron eso o menos.</p>
      <Chart id="chart-times" title="Mediana y p90 de los tiempos"
        table={
          <table class="chart-table">
            <caption class="visually-hidden">Tiempos de primera respuesta y de resolución</caption>
            <thead>
              <tr>
                <th scope="col">Tiempo</th>
                <th scope="col">Casos</th>
                <th scope="col">Mediana</th>
                <th scope="col">p90</th>
              </tr>
            </thead>
            <tbody>
              {[["first_response", "Primera respuesta"], ["resolution", "Resolución"]].map(([key, label]) => (
                <tr key={key} data-key={key}>
                  <th scope="row">{label}</th>
                  <td>{formatNumber(report[key].count)}</td>
                  <td data-seconds={report[key].median_seconds ?? ""}>{formatDuration(report[key].median_seconds)}</td>
                  <td data-seconds={report[key].p90_seconds ?? ""}>{formatDuration(report[key].p90_seconds)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        }>
        <BarChart items={bars} format={formatDuration} color={COLORS[1]} />
      </Chart>
    </section>
  );
}

function Sla({ report }) {
  const rows = Object.entries(SLA_KINDS).map(([key, label]) => ({ key, label, value: report.sla[key] }));
  return (
    <section class="card" aria-labelledby="tablero-sla">
      <h2 id="tablero-sla">Incumplimientos del SLA</h2>
      <p data-testid="sla-breached">
        Conversaciones con algún incumplimiento: <strong>{formatNumber(report.sla.breached_conversations)}</strong>
      </p>
      <Chart id="chart-sla" title="Incumplimientos por meta"
        table={<FigureTable caption="Incumplimientos por meta" head={["Meta", "Conversaciones"]} rows={rows} />}>
        <BarChart items={rows} color={COLORS[4]} />
      </Chart>
    </section>
  );
}

function Csat({ report }) {
  const csat = report.csat;
  const rows = ["1", "2", "3", "4", "5"].map((score) => ({
    key: score, label: `${score} de 5`, value: csat.distribution[score] || 0,
  }));
  return (
    <section class="card" aria-labelledby="tablero-csat">
      <h2 id="tablero-csat">Satisfacción (CSAT)</h2>
      <p data-testid="csat-summary">
        Promedio: <strong data-testid="csat-average">{csat.average === null ? "sin respuestas" : `${formatNumber(csat.average)} de 5`}</strong>{" "}
        ({count(csat.answered, "respuesta", "respuestas")} de {count(csat.surveys_sent, "encuesta enviada", "encuestas enviadas")})
      </p>
      <Chart id="chart-csat" title="Respuestas por calificación"
        table={<FigureTable caption="Respuestas por calificación" head={["Calificación", "Respuestas"]} rows={rows} />}>
        <BarChart items={rows} color={COLORS[3]} />
      </Chart>
    </section>
  );
}

function Complaints({ report }) {
  const rows = report.complaints.by_area.map((item) => ({ key: item.area, label: item.area, value: item.count }));
  return (
    <section class="card" aria-labelledby="tablero-quejas">
      <h2 id="tablero-quejas">Quejas por área</h2>
      <p data-testid="complaints-total">
        Conversaciones marcadas como queja: <strong>{formatNumber(report.complaints.total)}</strong>
      </p>
      {rows.length === 0 ? (
        <p class="empty">Sin quejas en el período.</p>
      ) : (
        <Chart id="chart-complaints" title="Quejas por área"
          table={<FigureTable caption="Quejas por área" head={["Área", "Quejas"]} rows={rows} />}>
          <BarChart items={rows} color={COLORS[4]} />
        </Chart>
      )}
    </section>
  );
}

function Topics({ report }) {
  const top = (items) => items.slice(0, 10).map((item) => ({ key: item.topic, label: item.topic, value: item.count }));
  const labels = top(report.topics.labels);
  const cues = top(report.topics.cues);
  const classes = Object.entries(CLASSES).map(([key, label]) => ({
    key, label, value: report.topics.classification[key] || 0,
  }));
  return (
    <section class="card" aria-labelledby="tablero-temas">
      <h2 id="tablero-temas">Temas más frecuentes</h2>
      <div class="chart-pair">
        {labels.length === 0 ? (
          <p class="empty">Ninguna conversación del período tiene etiquetas.</p>
        ) : (
          <Chart id="chart-labels" title="Etiquetas del personal (conversaciones)"
            table={<FigureTable caption="Etiquetas más frecuentes" head={["Etiqueta", "Conversaciones"]} rows={labels} />}>
            <BarChart items={labels} />
          </Chart>
        )}
        {cues.length === 0 ? (
          <p class="empty">El clasificador no señaló nada en los mensajes del período.</p>
        ) : (
          <Chart id="chart-cues" title="Señales del clasificador (mensajes)"
            table={<FigureTable caption="Señales más frecuentes" head={["Señal", "Mensajes"]} rows={cues} />}>
            <BarChart items={cues} color={COLORS[1]} />
          </Chart>
        )}
      </div>
      <Chart id="chart-classes" title="Mensajes de los usuarios por clase"
        table={<FigureTable caption="Mensajes por clase" head={["Clase", "Mensajes"]} rows={classes} />}>
        <BarChart items={classes} color={COLORS[2]} />
      </Chart>
    </section>
  );
}

function Downloads({ period, filters }) {
  const query = { from: period.from, to: period.to, ...filters };
  return (
    <ul class="actions dashboard-downloads">
      <li>
        <a href={api.href("/api/v1/chat/reports", { ...query, format: "csv" })} download="reporte.csv">
          Descargar el resumen (CSV)
        </a>
      </li>
      <li>
        <a href={api.href("/api/v1/chat/reports", { ...query, per: "conversation", format: "csv" })}
          download="conversaciones.csv">
          Descargar una fila por conversación (CSV)
        </a>
      </li>
    </ul>
  );
}

export default function DashboardPage() {
  const [query, setQuery] = useQuery();
  const filters = { line: query.linea || undefined, area: query.area || undefined, agent: query.agente || undefined };
  const asked = { from: query.desde || undefined, to: query.hasta || undefined, ...filters };
  const key = JSON.stringify(asked);
  const report = useApi(() => api.get("/api/v1/chat/reports", asked), [key]);
  const lines = useApi(() => api.get("/api/v1/chat/lines"), []);
  const areas = useApi(() => api.get("/api/v1/chat/areas"), []);
  const agents = useApi(() => api.get("/api/v1/chat/agents"), []);
  const data = report.data;
  const fields = (report.error && report.error.fields) || {};
  return (
    <>
      <PageHeader title="Tablero de la supervisión del chat">
        <p class="lead">Las conversaciones abiertas en el período: volumen, tiempos, SLA, satisfacción, quejas y temas.</p>
      </PageHeader>
      <Filters query={query} setQuery={setQuery} period={data && data.period} fields={fields}
        lines={(lines.data && lines.data.items) || []} areas={(areas.data && areas.data.items) || []}
        agents={(agents.data && agents.data.items) || []} />
      <LoadError error={lines.error || areas.error || agents.error} />
      <LoadError error={report.error} retry={report.reload} />
      {report.loading && <Loading text="Calculando el reporte…" />}
      {data && (
        <div class={report.loading ? "dashboard dashboard-stale" : "dashboard"} data-testid="dashboard"
          aria-busy={report.loading ? "true" : "false"}>
          <p data-testid="period">
            Del <strong>{shortDay(data.period.from)}</strong> al <strong>{shortDay(data.period.to)}</strong> (hora de{" "}
            {data.period.time_zone}).
          </p>
          <Downloads period={data.period} filters={filters} />
          <Volumes report={data} />
          <Times report={data} />
          <div class="dashboard-grid">
            <Sla report={data} />
            <Csat report={data} />
          </div>
          <Complaints report={data} />
          <Topics report={data} />
        </div>
      )}
    </>
  );
}
