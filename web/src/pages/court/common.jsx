// Pieces the court's pages share: where an error that names no field belongs, local date and time in the
// court's time zone, and the links of a case's pages.
import { Link } from "../../router.jsx";
import { COURT_TIME_ZONE } from "../../ui.jsx";

// Guatemala keeps -06:00 all year (no daylight saving time): a local date and time become an instant with it.
export const COURT_OFFSET = "-06:00";

// An ApiError whose answer names no field (a 409 of a state rule, a 415 of a PDF): put its message beside the
// field it is about, by its code (`{ invalid_stage_transition: "stage" }`), else `fallback` (or nowhere).
export function placeError(error, byCode, fallback) {
  if (!error || error.unavailable || (error.fields && Object.keys(error.fields).length)) return error;
  const field = (byCode && byCode[error.code]) || fallback;
  if (field && error.status) error.fields = { [field]: error.message };
  return error;
}

// "2026-03-10T15:00:00.000Z" -> { date: "2026-03-10", time: "09:00" } in the court's time zone.
export function localParts(iso) {
  if (!iso) return { date: "", time: "" };
  const parts = Object.fromEntries(new Intl.DateTimeFormat("en-CA", {
    timeZone: COURT_TIME_ZONE, year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(new Date(iso)).map((p) => [p.type, p.value]));
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

// A local day and time ("2026-03-10", "09:00") as the API's instant with the court's offset, or "" if either
// is missing (the API then names starts_at).
export function instant(date, time) {
  return date && time ? `${date}T${time}:00${COURT_OFFSET}` : "";
}

export const caseHref = (caseNumber, page = "") =>
  `/tribunal/expedientes/${encodeURIComponent(caseNumber)}${page ? `/${page}` : ""}`;

export function BackToCase({ caseNumber }) {
  return (
    <p>
      <Link href={caseHref(caseNumber)}>Volver al expediente {caseNumber}</Link>
    </p>
  );
}
