// The number of unread notices beside «Casillero» in the navigation, pushed to the page: the mailbox's live events
// (GET /api/v1/mailbox/stream, Server-Sent Events with the session cookie) carry the count when a notice arrives
// and when one is opened, on any tab or device, so the badge changes while the lawyer stays on a page. The count is
// read from GET /api/v1/mailbox/summary when the stream opens (and reopens: the browser reconnects by itself with
// Last-Event-ID) and on "reset". The badge is a hint: while the stream is not open (it failed, or the browser has
// no EventSource), the summary is read again on every navigation and when a page says a notice was opened
// (refreshUnread()), as before; nothing is shown about the stream itself.
// A screen reader hears a new notice: where="status" is the badge's spoken copy, a visually hidden polite live region
// (one, outside the navigation: the navigation is folded away on a phone) that says «Tiene 3 notificaciones sin
// leer» when the count grows while the page is open. The first count after connecting (a page load, signing in) is
// not news and is not said; a count that drops (a notice opened) empties the region quietly.
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { useLocation } from "../../router.jsx";

const TYPES = ["notification_available", "notification_opened", "reset"];
const shown = new Set(); // the setters of the badges on the page (the navigation's and the phone menu's)
const spoken = new Set(); // the setters of the live region's text
let unread = 0;
let known = false; // a count was shown since connecting: a greater one is news
let source = null;
let round = 0; // a summary read that an event overtook is not shown

function announcement(count) {
  return count === 1 ? "Tiene 1 notificación sin leer" : `Tiene ${count} notificaciones sin leer`;
}

function show(count) {
  const news = known && count > unread;
  if (known && count !== unread) for (const say of spoken) say(news ? announcement(count) : "");
  unread = count;
  known = true;
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
  known = false;
  round += 1;
}

export function refreshUnread() {
  if (!live()) readSummary();
}

// The live region that says a new notice arrived (see above); always on the page, empty until there is news.
function Announcement() {
  const [text, setText] = useState("");
  useEffect(() => {
    spoken.add(setText);
    return () => spoken.delete(setText);
  }, []);
  return (
    <div class="visually-hidden" role="status" aria-live="polite" aria-atomic="true" data-testid="unread-announcement">
      {text}
    </div>
  );
}

// where="menu": the copy on the phone's «Menú» button (the navigation itself is folded there); where="status": the
// spoken copy, a live region.
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
    if (!where && source === null) readSummary(); // no stream: asked again on every navigation
  }, [path]);
  if (where === "status") return <Announcement />;
  if (!count) return null;
  return (
    <span class="nav-badge" data-testid={where === "menu" ? "unread-badge-menu" : "unread-badge"}>
      <span class="visually-hidden">: </span>
      {count}
      <span class="visually-hidden"> sin abrir</span>
    </span>
  );
}
