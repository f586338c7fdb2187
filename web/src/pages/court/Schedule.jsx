// Schedule a hearing in a case: kind, day and time (Guatemala), duration, room, mode and notes. Whether the
// room is free is asked while the user types; the API still decides on sending (409 hearing_conflict).
import { useState } from "preact/hooks";
import { api, newIdempotencyKey } from "../../api.js";
import { Field, FormErrors, useForm } from "../../forms.jsx";
import { Link } from "../../router.jsx";
import { formatDateTime, Notice, PageHeader } from "../../ui.jsx";
import { ConflictStatus, useConflict, WhenFields } from "./conflicts.jsx";
import { BackToCase, caseHref, instant, placeError } from "./common.jsx";
import { HEARING_KINDS, label, MODE_LABELS } from "./labels.js";

export function minutesValue(text) {
  const value = String(text).trim();
  return /^\d+$/.test(value) ? Number(value) : value;
}

export default function SchedulePage({ caseNumber }) {
  const form = useForm({ kind: "debate", date: "", time: "", duration_minutes: "60", room: "", mode: "presencial", notes: "" });
  const [key, setKey] = useState(newIdempotencyKey);
  const [saved, setSaved] = useState(null);
  const { values } = form;
  const check = useConflict(caseNumber, { date: values.date, time: values.time, duration: values.duration_minutes, room: values.room });

  const save = form.submit(async (v) => {
    const body = {
      kind: v.kind, starts_at: instant(v.date, v.time), duration_minutes: minutesValue(v.duration_minutes),
      room: v.room, mode: v.mode,
    };
    if (v.notes.trim()) body.notes = v.notes;
    try {
      const hearing = await api.post(`/api/v1/cases/${encodeURIComponent(caseNumber)}/hearings`, body, {
        headers: { "Idempotency-Key": key },
      });
      setSaved(hearing);
      setKey(newIdempotencyKey());
    } catch (error) {
      throw placeError(error, { hearing_conflict: "room" });
    }
  });

  return (
    <>
      <PageHeader title="Programar una audiencia">
        <p class="lead">Expediente {caseNumber}</p>
      </PageHeader>
      <BackToCase caseNumber={caseNumber} />
      {saved ? (
        <Notice kind="success" data-testid="hearing-saved">
          <p>
            Audiencia programada: {label(Object.fromEntries(HEARING_KINDS), saved.kind)}, {formatDateTime(saved.starts_at)},{" "}
            {saved.room}.
          </p>
          <p>
            <Link href={caseHref(caseNumber)}>Ver el expediente</Link> ·{" "}
            <Link href={`/tribunal/audiencias/${saved.hearing_id}`}>Cambiar esta audiencia</Link>
          </p>
        </Notice>
      ) : (
        <form onSubmit={save} noValidate>
          <FormErrors form={form} fields={["starts_at"]} />
          <Field form={form} name="kind" label="Clase de audiencia" as="select">
            {HEARING_KINDS.map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </Field>
          <WhenFields form={form} />
          <Field form={form} name="duration_minutes" label="Duración en minutos" type="number" inputMode="numeric" min={5} max={600} />
          <Field form={form} name="room" label="Sala" autoComplete="off" />
          <ConflictStatus state={check} />
          <Field form={form} name="mode" label="Modalidad" as="select">
            {Object.entries(MODE_LABELS).map(([value, text]) => (
              <option key={value} value={value}>
                {text}
              </option>
            ))}
          </Field>
          <Field form={form} name="notes" label="Notas (opcional)" as="textarea" rows={2} hint="Quedan en el expediente; no se publican." />
          <p>
            <button disabled={form.busy}>Programar la audiencia</button>
          </p>
        </form>
      )}
    </>
  );
}
