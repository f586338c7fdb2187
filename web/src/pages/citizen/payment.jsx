// What a payment order looks like to the person who pays it (a certificate request, a copy of the protocol
// archive), and following something's status without a reload.
//
// The API offers no event stream for requests or copies, so the page asks again: every 2 s for the first
// minute, then every 5 s, every 15 s after five minutes; every second while it is paid and being issued (it
// is issued within a second or two); not while the tab is hidden (it asks at once when shown again); never
// again once the status is final.
import { useEffect, useRef, useState } from "preact/hooks";
import { formatDateTime } from "../../ui.jsx";

export function formatReference(reference) {
  // 12 digits in groups of four, as they are read aloud at a bank's window
  return (reference || "").replace(/(\d{4})(?=\d)/g, "$1 ");
}

export function formatMoney(amount, currency) {
  return currency === "GTQ" ? `Q${amount}` : `${amount} ${currency}`;
}

export function PaymentOrder({ payment, paid }) {
  return (
    <dl class="facts" data-testid="payment-order" data-amount={payment.amount}>
      <div>
        <dt>Referencia de pago</dt>
        <dd class="mono reference" data-testid="payment-reference" data-reference={payment.reference}>
          {formatReference(payment.reference)}
        </dd>
      </div>
      <div>
        <dt>Monto</dt>
        <dd>{formatMoney(payment.amount, payment.currency)}</dd>
      </div>
      {!paid && (
        <div>
          <dt>Pague antes del</dt>
          <dd>{formatDateTime(payment.expires_at)}</dd>
        </div>
      )}
    </dl>
  );
}

export function pollDelay(startedAt, status, busyStatuses) {
  if (busyStatuses.includes(status)) return 1000;
  const elapsed = Date.now() - startedAt;
  if (elapsed < 60_000) return 2000;
  if (elapsed < 300_000) return 5000;
  return 15_000;
}

// const { data, error } = usePolling(() => api.get(...), { key, isFinal: (d) => ..., busy: ["paid"] });
// `key` null: nothing to follow. Starts with `initial` when given (the answer of the POST that created it).
export function usePolling(load, { key, isFinal, busy = [], initial = null }) {
  const [state, setState] = useState({ data: initial, error: null });
  const loadRef = useRef(load);
  loadRef.current = load;
  useEffect(() => {
    if (!key) return undefined;
    let live = true;
    let timer = null;
    let last = initial;
    const startedAt = Date.now();
    const schedule = (delay) => {
      clearTimeout(timer);
      if (live) timer = setTimeout(tick, delay);
    };
    const tick = async () => {
      if (!live) return;
      if (document.hidden) return; // resumed by visibilitychange
      try {
        last = await loadRef.current();
        if (!live) return;
        setState({ data: last, error: null });
        if (!isFinal(last)) schedule(pollDelay(startedAt, last.status, busy));
      } catch (error) {
        if (!live) return;
        setState((old) => ({ data: old.data, error }));
        schedule(error.status && error.status < 500 && error.status !== 429 ? 30_000 : 5000);
      }
    };
    const onVisible = () => {
      if (!document.hidden && !(last && isFinal(last))) schedule(0);
    };
    document.addEventListener("visibilitychange", onVisible);
    setState({ data: last, error: null });
    if (!(last && isFinal(last))) schedule(last ? pollDelay(startedAt, last.status, busy) : 0);
    return () => {
      live = false;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [key]);
  return state;
}
