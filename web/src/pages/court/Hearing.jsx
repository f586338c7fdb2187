// Change a hearing: move it (new day, time, duration or room, with the reason) or record that it was held,
// suspended or cancelled. Each change is a new version; all of them are listed.
import { useState } from "preact/hooks";
import { api, newIdempotencyKey } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { formatDateTime, LoadError, Loading, Notice, PageHeader, useApi } from "../../ui.jsx";
import { ConflictStatus, useConflict, WhenFields } from "./conflicts.jsx";
import { BackToCase, instant, localParts, placeError } from "./common.jsx";
import { HEARING_KIND_LABELS, HEARING_STATUS_LABELS, label, MODE_LABELS } from "./labels.js";
import { minutesValue } from "./Schedule.jsx";

const FINAL = ["realizada", "cancelada"];

function RescheduleForm({ hearing, onDone }) {
  const start = localParts(hearing.starts_at);
  const form = useForm({ date: start.date, time: start.time, duration_minutes: String(hearing.duration_minutes), room: hearing.room, reason: "" });
  const [key, setKey] = useState(newIdempotencyKey);
  const { values } = form;
  const check = useConflict(hearing.case_number, { date: values.date, time: values.time, duration: values.duration_minutes, room: values.room }, hearing.hearing_id);
  const save = form.submit(async (v) => {
    const body = { starts_at: instant(v.date, v.time), duration_minutes: minutesValue(v.duration_minutes), room: v.room, reason: v.reason };
    try {
      const changed = await api.post(`/api/v1/hearings/${hearing.hearing_id}/reschedule`, body, { headers: { "Idempotency-Key": key } });
      setKey(newIdempotencyKey());
      onDone(changed, "Audiencia reprogramada.");
    } catch (error) {
      throw placeError(error, { hearing_conflict: "room" });
    }
  });
  return (
    <form onSubmit={save} noValidate aria-labelledby="reprogramar">
      <h2 id="reprogramar">Reprogramar</h2>
      <FormErrors form={form} fields={["starts_at", "reason"]} />
      <WhenFields form={form} dateLabel="Nuevo día" timeLabel="Nueva hora (hora de Guatemala)" />
      <Field form={form} name="duration_minutes" label="Duración en minutos" type="number" inputMode="numeric" min={5} max={600} />
      <Field form={form} name="room" label="Sala" autoComplete="off" />
      <ConflictStatus state={check} />
      <Field form={form} name="reason" id="motivo-reprogramacion" label="Motivo de la reprogramación" as="textarea" rows={2} />
      <p>
        <button disabled={form.busy}>Reprogramar la audiencia</button>
      </p>
    </form>
  );
}

function StatusForm({ hearing, onDone }) {
  const choices = hearing.status === "suspendida" ? ["cancelada"] : ["realizada", "suspendida", "cancelada"];
  const form = useForm({ status: choices[0], reason: "" });
  const [key, setKey] = useState(newIdempotencyKey);
  const save = form.submit(async (v) => {
    try {
      const changed = await api.post(`/api/v1/hearings/${hearing.hearing_id}/status`, v, { headers: { "Idempotency-Key": key } });
      setKey(newIdempotencyKey());
      onDone(changed, `Audiencia ${label(HEARING_STATUS_LABELS, changed.status).toLowerCase()}.`);
    } catch (error) {
      throw placeError(error, null, "status");
    }
  });
  return (
    <form onSubmit={save} noValidate aria-labelledby="estado">
      <h2 id="estado">Registrar lo ocurrido</h2>
      <FormErrors form={form} fields={["reason"]} />
      <Field form={form} name="status" label="La audiencia" as="select">
        {choices.map((value) => (
          <option key={value} value={value}>
            {label(HEARING_STATUS_LABELS, value)}
          </option>
        ))}
      </Field>
      <Field form={form} name="reason" id="motivo-estado" label="Motivo u observación" as="textarea" rows={2} />
      <p>
        <button class="button-secondary" disabled={form.busy}>Registrar</button>
      </p>
    </form>
  );
}

export default function HearingPage({ hearingId }) {
  const found = useApi(() => api.get(`/api/v1/hearings/${encodeURIComponent(hearingId)}`), [hearingId]);
  const [done, setDone] = useState(null);
  const hearing = found.data;
  const onDone = (changed, message) => {
    setDone(message);
    found.reload();
  };
  return (
    <>
      <PageHeader title="Cambiar una audiencia">
        {hearing && <p class="lead">Expediente {hearing.case_number}</p>}
      </PageHeader>
      {hearing && <BackToCase caseNumber={hearing.case_number} />}
      {found.loading && !hearing && <Loading />}
      <LoadError error={found.error} retry={found.reload} />
      {done && (
        <Notice kind="success" data-testid="hearing-changed">
          <p>{done}</p>
        </Notice>
      )}
      {hearing && (
        <>
          <section class="card" aria-labelledby="actual">
            <h2 id="actual">
              {label(HEARING_KIND_LABELS, hearing.kind)} · {formatDateTime(hearing.starts_at)}
            </h2>
            <p>
              {hearing.room} · {label(MODE_LABELS, hearing.mode)} · {hearing.duration_minutes} min ·{" "}
              <span class={`badge badge-${hearing.status}`} data-testid="hearing-status">
                {label(HEARING_STATUS_LABELS, hearing.status)}
              </span>
            </p>
          </section>
          {FINAL.includes(hearing.status) ? (
            <p>Una audiencia {label(HEARING_STATUS_LABELS, hearing.status).toLowerCase()} ya no cambia.</p>
          ) : (
            <>
              <RescheduleForm key={`r${hearing.version}`} hearing={hearing} onDone={onDone} />
              <StatusForm key={`s${hearing.version}`} hearing={hearing} onDone={onDone} />
            </>
          )}
          <section aria-labelledby="versiones">
            <h2 id="versiones">Versiones</h2>
            <ol class="plain-list">
              {hearing.versions.map((v) => (
                <li key={v.version} class="card">
                  <h3>
                    Versión {v.version} · {label(HEARING_STATUS_LABELS, v.status)}
                  </h3>
                  <p>
                    {formatDateTime(v.starts_at)} · {v.room} · {v.duration_minutes} min
                  </p>
                  <p class="hint">
                    {formatDateTime(v.changed_at)} por {v.changed_by.name || v.changed_by.sub}
                    {v.reason ? ` — ${v.reason}` : ""}
                  </p>
                </li>
              ))}
            </ol>
          </section>
        </>
      )}
    </>
  );
}
