// While a hearing is typed: is its room free then? Asked to the API (GET .../hearings/conflicts) 400 ms after
// the last keystroke, only the newest question counts; the answer names the hearing that holds the room with
// the API's own message (the one a 409 hearing_conflict would give on sending).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { formatDateTime, Notice } from "../../ui.jsx";
import { instant } from "./common.jsx";

export const CHECK_DELAY_MS = 400;

export function useConflict(caseNumber, { date, time, duration, room }, hearingId) {
  const [state, setState] = useState({ status: "idle", conflict: null });
  const startsAt = instant(date, time);
  const minutes = String(duration || "").trim();
  const where = String(room || "").trim();
  useEffect(() => {
    if (!caseNumber || !startsAt || !/^\d+$/.test(minutes) || !where) {
      setState({ status: "idle", conflict: null });
      return undefined;
    }
    const controller = new AbortController();
    setState((old) => ({ ...old, status: "checking" }));
    const timer = setTimeout(() => {
      api
        .get(`/api/v1/cases/${encodeURIComponent(caseNumber)}/hearings/conflicts`,
          { starts_at: startsAt, duration_minutes: minutes, room: where, hearing_id: hearingId },
          { signal: controller.signal })
        .then(
          (answer) => setState({ status: answer.available ? "free" : "conflict", conflict: answer.conflict }),
          (error) => {
            if (error && error.name === "AbortError") return;
            // an incomplete or refused value (422): the form says why when it is sent; a service down: say so
            setState({ status: error.unavailable ? "unavailable" : "idle", conflict: null });
          },
        );
    }, CHECK_DELAY_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [caseNumber, startsAt, minutes, where, hearingId]);
  return state;
}

// The answer, in a live region (read out when it changes).
export function ConflictStatus({ state }) {
  return (
    <div aria-live="polite" class="conflict-status">
      {state.status === "checking" && <p class="hint">Revisando si la sala está libre…</p>}
      {state.status === "free" && (
        <p class="hint" data-testid="slot-free">
          La sala está libre en ese horario.
        </p>
      )}
      {state.status === "conflict" && state.conflict && (
        <Notice kind="error" data-testid="conflict" role="status">
          <p>
            <strong>Choque de horario.</strong> {state.conflict.message}
          </p>
          <p class="hint">
            Ocupa la sala de {formatDateTime(state.conflict.starts_at)} a {formatDateTime(state.conflict.ends_at)}.
          </p>
        </Notice>
      )}
      {state.status === "unavailable" && (
        <p class="hint">No se pudo revisar si la sala está libre: el servicio no está disponible.</p>
      )}
    </div>
  );
}

// The day and time of a hearing, with the API's error for starts_at under both (its id is the field's).
export function WhenFields({ form, dateLabel = "Día", timeLabel = "Hora (hora de Guatemala)" }) {
  const error = form.errors.starts_at;
  const describedBy = error ? "campo-starts_at-error" : undefined;
  return (
    <fieldset class={`when${error ? " field-invalid" : ""}`}>
      <legend>Fecha y hora</legend>
      <div class="when-row">
        <div class="field">
          <label for="campo-starts_at">{dateLabel}</label>
          <input
            id="campo-starts_at"
            type="date"
            value={form.values.date}
            onInput={(e) => form.set("date", e.currentTarget.value)}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={describedBy}
          />
        </div>
        <div class="field">
          <label for="campo-hora">{timeLabel}</label>
          <input
            id="campo-hora"
            type="time"
            value={form.values.time}
            onInput={(e) => form.set("time", e.currentTarget.value)}
            aria-invalid={error ? "true" : undefined}
            aria-describedby={describedBy}
          />
        </div>
      </div>
      {error && (
        <p class="field-error" id="campo-starts_at-error" data-field-error="starts_at">
          {String(error)}
        </p>
      )}
    </fieldset>
  );
}
