// Small SVG charts for the supervisor's dashboard, with no library: horizontal bars and columns by day. The SVG
// only draws (aria-hidden): every chart goes with a table of the same figures, the text equivalent screen readers
// and axe read. Sizes come from the viewBox (the chart scales with its box, 360 px to desktop); colours are SVG
// presentation attributes (fill), never style attributes (the CSP has no unsafe-inline).

export const COLORS = ["#1d3a5f", "#0b5cad", "#7a4a00", "#1e6b34", "#a4161a"]; // 4.5:1 or more on white
const INK = "#1b1f24";
const GRID = "#c9d1da";
const WIDTH = 360;

const numbers = new Intl.NumberFormat("es-GT", { maximumFractionDigits: 2 });
export const formatNumber = (value) => (value === null || value === undefined ? "—" : numbers.format(value));

// 75 -> "1 min 15 s"; 5400 -> "1 h 30 min"; 200000 -> "2 d 7 h"; null -> "—"
export function formatDuration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return pair(Math.floor(s / 60), "min", s % 60, "s");
  if (s < 86400) return pair(Math.floor(s / 3600), "h", Math.floor((s % 3600) / 60), "min");
  return pair(Math.floor(s / 86400), "d", Math.floor((s % 86400) / 3600), "h");
}

function pair(big, bigUnit, small, smallUnit) {
  return small ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
}

function shorten(text, max = 34) {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

// Horizontal bars, one row per item: its label above, the bar, and the value (as `format` writes it) after it.
// items: [{ key, label, value }]
export function BarChart({ items, format = formatNumber, color = COLORS[0] }) {
  const row = 42;
  const valueRoom = 96;
  const barRoom = WIDTH - valueRoom;
  const max = Math.max(0, ...items.map((item) => item.value || 0));
  const height = Math.max(row, items.length * row) + 4;
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${height}`} aria-hidden="true" focusable="false" data-chart="bars">
      {items.map((item, i) => {
        const y = i * row;
        const width = max > 0 && item.value ? Math.max(2, (item.value / max) * barRoom) : 0;
        return (
          <g key={item.key}>
            <text x="0" y={y + 14} fill={INK} font-size="14">
              {shorten(item.label)}
            </text>
            <rect x="0" y={y + 20} width={barRoom} height="16" fill="#eef1f4" />
            <rect x="0" y={y + 20} width={width} height="16" fill={color} data-value={item.value ?? ""} />
            <text x={barRoom + 6} y={y + 33} fill={INK} font-size="14" font-weight="600">
              {format(item.value)}
            </text>
          </g>
        );
      })}
    </svg>
  );
}

// Columns by day, one or more series stacked: days [{ day, ...values }], series [{ key, label, color }].
export function DayChart({ days, series }) {
  const height = 160;
  const top = 16;
  const bottom = 24;
  const left = 34;
  const plot = WIDTH - left - 4;
  const totals = days.map((day) => series.reduce((sum, s) => sum + (day[s.key] || 0), 0));
  const max = Math.max(1, ...totals);
  const step = plot / Math.max(1, days.length);
  const gap = step > 4 ? Math.min(2, step * 0.2) : 0;
  const scale = (value) => (value / max) * (height - top - bottom);
  return (
    <svg class="chart" viewBox={`0 0 ${WIDTH} ${height}`} aria-hidden="true" focusable="false" data-chart="days">
      <line x1={left} y1={height - bottom} x2={WIDTH - 4} y2={height - bottom} stroke={GRID} stroke-width="1" />
      <line x1={left} y1={top} x2={WIDTH - 4} y2={top} stroke={GRID} stroke-width="1" stroke-dasharray="3 3" />
      <text x={left - 5} y={top + 5} fill={INK} font-size="13" text-anchor="end">
        {formatNumber(max)}
      </text>
      <text x={left - 5} y={height - bottom + 5} fill={INK} font-size="13" text-anchor="end">
        0
      </text>
      {days.map((day, i) => {
        let base = height - bottom;
        return (
          <g key={day.day}>
            {series.map((s) => {
              const h = scale(day[s.key] || 0);
              base -= h;
              return h > 0 ? (
                <rect key={s.key} x={left + i * step + gap / 2} y={base} width={Math.max(0.5, step - gap)} height={h}
                  fill={s.color} />
              ) : null;
            })}
          </g>
        );
      })}
      {days.length > 0 && (
        <>
          <text x={left} y={height - 4} fill={INK} font-size="13">
            {shortDay(days[0].day)}
          </text>
          <text x={WIDTH - 4} y={height - 4} fill={INK} font-size="13" text-anchor="end">
            {shortDay(days[days.length - 1].day)}
          </text>
        </>
      )}
    </svg>
  );
}

// "2026-12-06" -> "6/12/2026"
export function shortDay(day) {
  const [y, m, d] = day.split("-").map(Number);
  return `${d}/${m}/${y}`;
}

// The series' colours explained (the chart itself is aria-hidden: the table says the same).
export function Legend({ series }) {
  return (
    <ul class="chart-legend" aria-hidden="true">
      {series.map((s) => (
        <li key={s.key}>
          <svg viewBox="0 0 10 10" width="12" height="12" focusable="false">
            <rect width="10" height="10" fill={s.color} />
          </svg>{" "}
          {s.label}
        </li>
      ))}
    </ul>
  );
}
