// The number of unread notices beside «Casillero» in the navigation, pushed to the page: the mailbox's live events
// (GET /api/v1/mailbox/stream, Server-Sent Events with the session cookie) carry the count when a notice arrives
// and when one is opened, on any tab or device, so the badge changes while the lawyer stays on a page. The count is
// read from GET /api/v1/mailbox/summary when the stream opens (and reopens: the browser reconnects by itself with
// Last-Event-ID) and on "reset". The badge is a hint: while the stream is not open (it failed, or the browser has
// no EventSource), the summary is read again on every navigation and when a page says a notice was opened
// (refreshUnread()), as before; nothing is shown about the stream itself.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { useLocation } from "../../router.jsx";

const TYPES = ["notification_available", "notification_opened", "reset"];
const shown = new Set(); // the setters of the badges on the page (the navigation's and the phone menu's)
let unread = 0;
let source = null;
let round = 0; // a summary read that an event overtook is not shown

function show(count) {
  unread = count;
  for (const set of shown) set(count);
}

function readSummary() {
  const mine = ++round;
  api.get("/api/v1/mailbox/summary").then(
    (summary) => mine === round && show(summary.unread),
    () => null, // the mailbox page itself says when the service is unavailable
  );
}

function live() {
  return source !== null && source.readyState === EventSource.OPEN;
}

function connect() {
  if (typeof EventSource === "undefined") return;
  source = api.events(
    "/api/v1/mailbox/stream",
    {},
    TYPES,
    (type, data) => {
      if (type === "reset") readSummary();
      else if (data && Number.isInteger(data.unread)) {
        round += 1;
        show(data.unread);
      }
    },
    () => {
      // closed for good (refused, or not a stream): the summary is read on navigation from now on
      if (source && source.readyState === EventSource.CLOSED) source = null;
    },
  );
  source.onopen = readSummary;
}

function disconnect() {
  if (source) source.close();
  source = null;
  unread = 0; // the next badge may be another person's (after signing out and in)
  round += 1;
}

export function refreshUnread() {
  if (!live()) readSummary();
}

// where="menu": the copy on the phone's «Menú» button (the navigation itself is folded there).
export default function MailboxBadge({ where }) {
  const { path } = useLocation();
  const [count, setCount] = useState(unread);
  useEffect(() => {
    shown.add(setCount);
    if (shown.size === 1) {
      readSummary();
      connect();
    }
    return () => {
      shown.delete(setCount);
      if (shown.size === 0) disconnect();
    };
  }, []);
  useEffect(() => {
    if (where !== "menu" && source === null) readSummary(); // no stream: asked again on every navigation
  }, [path]);
  if (!count) return null;
  return (
    <span class="nav-badge" data-testid={where === "menu" ? "unread-badge-menu" : "unread-badge"}>
      <span class="visually-hidden">: </span>
      {count}
      <span class="visually-hidden"> sin abrir</span>
    </span>
  );
}
