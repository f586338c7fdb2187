// The number of unread notices beside «Casillero» in the navigation (GET /api/v1/mailbox/summary), asked
// again on every navigation and when a page says a notice was opened (refreshUnread()).
import { useEffect, useState } from "preact/hooks";
import { api } from "../../api.js";
import { useLocation } from "../../router.jsx";

const listeners = new Set();

export function refreshUnread() {
  for (const listener of listeners) listener();
}

// where="menu": the copy on the phone's «Menú» button (the navigation itself is folded there).
export default function MailboxBadge({ where }) {
  const { path } = useLocation();
  const [unread, setUnread] = useState(0);
  const [round, setRound] = useState(0);
  useEffect(() => {
    const again = () => setRound((n) => n + 1);
    listeners.add(again);
    return () => listeners.delete(again);
  }, []);
  useEffect(() => {
    let live = true;
    api.get("/api/v1/mailbox/summary").then(
      (summary) => live && setUnread(summary.unread),
      () => null, // the badge is a hint: the mailbox page itself says when the service is unavailable
    );
    return () => {
      live = false;
    };
  }, [path, round]);
  if (!unread) return null;
  return (
    <span class="nav-badge" data-testid={where === "menu" ? "unread-badge-menu" : "unread-badge"}>
      <span class="visually-hidden">: </span>
      {unread}
      <span class="visually-hidden"> sin abrir</span>
    </span>
  );
}
