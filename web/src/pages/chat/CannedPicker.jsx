// The canned responses (GET /api/v1/chat/canned-responses) in the reply box, as Chatwoot offers them: typing «/» at
// the start of the reply lists the responses whose shortcode starts with what follows; ArrowDown/ArrowUp move through
// them, Enter puts the chosen one's text in the box (to read or complete before sending) and Escape closes the list.
// The reply box is the textbox that owns the list (aria-autocomplete="list", aria-controls, aria-activedescendant:
// the focus never leaves it) and the list is a listbox of options; a status line says how many match and how to
// choose. The API's own rule (a text that still starts with /shortcode when sent is expanded by the chat service;
// // escapes a slash) is the README's; this only helps to find the text.
import { useEffect, useState } from "preact/hooks";

const LIST_ID = "respuestas-guardadas-lista";
const MAX_SHOWN = 8;

// What is being typed as a shortcode: the text starts with «/» (not «//») and has no blank yet; else null.
export function cannedQuery(text) {
  if (!text.startsWith("/") || text.startsWith("//") || /\s/.test(text)) return null;
  return text.slice(1).toLowerCase();
}

export function cannedMatches(responses, query) {
  if (query === null) return [];
  const first = responses.filter((r) => r.shortcode.startsWith(query));
  const then = responses.filter((r) => !r.shortcode.startsWith(query) && r.shortcode.includes(query));
  return [...first, ...then];
}

const optionId = (response) => `respuesta-guardada-${response.shortcode}`;

// The picker's state for the reply box's `text`; choose(response) puts its text in the box.
// Returns { open, matches, active, inputProps (for the textarea), choose }.
export function useCannedPicker(responses, text, choose) {
  const [active, setActive] = useState(0);
  const [dismissed, setDismissed] = useState(null); // the text when Escape closed the list
  const query = cannedQuery(text);
  const all = cannedMatches(responses, query);
  const matches = all.slice(0, MAX_SHOWN);
  const open = matches.length > 0 && dismissed !== text;
  const index = Math.min(active, Math.max(matches.length - 1, 0));
  useEffect(() => setActive(0), [query]);
  const pick = (response) => {
    setDismissed(null);
    choose(response);
  };
  const onKeyDown = (event) => {
    if (!open || event.altKey || event.ctrlKey || event.metaKey) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      const step = event.key === "ArrowDown" ? 1 : -1;
      setActive((index + step + matches.length) % matches.length);
    } else if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      pick(matches[index]);
    } else if (event.key === "Escape") {
      event.preventDefault();
      setDismissed(text);
    }
  };
  const inputProps = {
    onKeyDown,
    "aria-autocomplete": "list",
    "aria-haspopup": "listbox",
    "aria-controls": open ? LIST_ID : undefined,
    "aria-activedescendant": open ? optionId(matches[index]) : undefined,
  };
  return { open, matches, more: all.length - matches.length, active: index, inputProps, choose: pick };
}

export function CannedList({ picker }) {
  const { open, matches, more, active, choose } = picker;
  const count = matches.length + more;
  return (
    <>
      <p class="visually-hidden canned-status" role="status" data-testid="canned-status">
        {open
          ? `${count} ${count === 1 ? "respuesta guardada coincide" : "respuestas guardadas coinciden"}: flechas para elegir, Intro para ponerla en la respuesta, Escape para cerrar.`
          : ""}
      </p>
      {open && (
        <ul class="canned-list" role="listbox" id={LIST_ID} aria-label="Respuestas guardadas" data-testid="canned-list">
          {matches.map((response, i) => (
            <li key={response.shortcode} id={optionId(response)} role="option" aria-selected={i === active ? "true" : "false"}
              class={i === active ? "canned-option canned-option-active" : "canned-option"} data-shortcode={response.shortcode}
              onMouseDown={(event) => {
                event.preventDefault(); // the focus stays in the reply box
                choose(response);
              }}>
              <strong>/{response.shortcode}</strong> <span class="canned-option-text">{response.text}</span>
            </li>
          ))}
        </ul>
      )}
      {open && more > 0 && (
        <p class="hint canned-more">
          Y {more} más: siga escribiendo el atajo.
        </p>
      )}
    </>
  );
}
