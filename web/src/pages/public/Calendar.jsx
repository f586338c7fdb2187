// A month calendar to pick a day: real buttons (Tab and Enter), the chosen day marked aria-pressed, today
// aria-current, days with hearings marked with a dot and a text for screen readers.
const MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
  "noviembre", "diciembre"];
const WEEKDAYS = [["lu", "lunes"], ["ma", "martes"], ["mi", "miércoles"], ["ju", "jueves"], ["vi", "viernes"],
  ["sá", "sábado"], ["do", "domingo"]];

const pad = (n) => String(n).padStart(2, "0");
const iso = (y, m, d) => `${y}-${pad(m)}-${pad(d)}`;
const daysIn = (y, m) => new Date(Date.UTC(y, m, 0)).getUTCDate();

// The first and last day of the month of `day` ("AAAA-MM-DD").
export function monthRange(day) {
  const [y, m] = day.split("-").map(Number);
  return [iso(y, m, 1), iso(y, m, daysIn(y, m))];
}

function shift(day, months) {
  const [y, m, d] = day.split("-").map(Number);
  const index = y * 12 + (m - 1) + months;
  const ny = Math.floor(index / 12);
  const nm = (index % 12) + 1;
  return iso(ny, nm, Math.min(d, daysIn(ny, nm)));
}

// busyLabel: what a marked day has, for screen readers ("con audiencias", "con vencimientos").
export function Calendar({ day, busyDays, onPick, today, busyLabel = "con audiencias" }) {
  const [y, m, d] = day.split("-").map(Number);
  const first = (new Date(Date.UTC(y, m - 1, 1)).getUTCDay() + 6) % 7; // monday = 0
  const total = daysIn(y, m);
  const cells = [];
  for (let i = 0; i < first; i++) cells.push(null);
  for (let n = 1; n <= total; n++) cells.push(n);
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  const now = today || new Intl.DateTimeFormat("en-CA", { timeZone: "America/Guatemala" }).format(new Date());

  return (
    <div class="calendar">
      <div class="calendar-head">
        <button type="button" class="calendar-nav" onClick={() => onPick(shift(day, -1))} aria-label="Mes anterior">
          ‹
        </button>
        <h2 class="calendar-title" id="calendario-mes">
          {MONTHS[m - 1]} {y}
        </h2>
        <button type="button" class="calendar-nav" onClick={() => onPick(shift(day, 1))} aria-label="Mes siguiente">
          ›
        </button>
      </div>
      <table class="calendar-grid" aria-labelledby="calendario-mes">
        <thead>
          <tr>
            {WEEKDAYS.map(([short, long]) => (
              <th key={short} scope="col">
                <abbr title={long}>{short}</abbr>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, w) => (
            <tr key={w}>
              {week.map((n, i) => {
                if (!n) return <td key={i} />;
                const value = iso(y, m, n);
                const busy = busyDays && busyDays.has(value);
                return (
                  <td key={i}>
                    <button
                      type="button"
                      class={`calendar-day${busy ? " calendar-busy" : ""}`}
                      aria-pressed={n === d ? "true" : "false"}
                      aria-current={value === now ? "date" : undefined}
                      aria-label={`${n} de ${MONTHS[m - 1]}${busy ? `, ${busyLabel}` : ""}`}
                      onClick={() => onPick(value)}
                    >
                      {n}
                    </button>
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
