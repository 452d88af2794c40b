import { useEffect, useMemo, useRef, useState } from 'react';
import type { GatewayView } from '../../../shared/api/contract.js';
import { isFailure } from '../lib/health.js';
import { routeColor } from '../lib/route-colors.js';
import { evenSplit, maxFor, rebalance } from '../lib/weights.js';
import { useAppStore } from '../store/app-store.js';
import { DraftInput } from './DraftInput.js';
import { useLogStore } from '../store/log-store.js';

/** How often weights go to the engine while a slider is dragged (about five times a second). */
const LIVE_INTERVAL_MS = 200;
/** How many recent requests the observed share is computed over. */
const OBSERVED_WINDOW = 200;

/**
 * One slider per route. Dragging one moves the others proportionally so the total stays 100%; locked
 * routes keep their value. Changes reach live traffic while dragging (throttled) and exactly on release;
 * the engine's echo is what the sliders settle on.
 */
export function WeightSliders({ gateway }: { gateway: GatewayView }) {
  const run = useAppStore((s) => s.run);
  const routes = gateway.config.routes;
  const engineWeights = useMemo(() => routes.map((r) => Math.round(r.weight)), [routes]);
  const [weights, setWeights] = useState(engineWeights);
  const [locked, setLocked] = useState<boolean[]>(() => routes.map(() => false));
  const dragging = useRef(false);
  const lastSent = useRef(0);
  const trailing = useRef<ReturnType<typeof setTimeout>>(undefined);
  const observed = useObservedShare(gateway.name);

  // The engine's echo is the truth, except while the user is dragging.
  useEffect(() => {
    if (!dragging.current) setWeights(engineWeights);
    setLocked((l) => (l.length === routes.length ? l : routes.map(() => false)));
  }, [engineWeights, routes]);

  const send = (next: number[]) => {
    clearTimeout(trailing.current);
    lastSent.current = Date.now();
    const payload = Object.fromEntries(routes.map((r, i) => [r.name, next[i] ?? 0]));
    void run((c) => c.call('gateways.setWeights', { name: gateway.name, weights: payload }));
  };
  const sendThrottled = (next: number[]) => {
    const wait = LIVE_INTERVAL_MS - (Date.now() - lastSent.current);
    clearTimeout(trailing.current);
    if (wait <= 0) send(next);
    else trailing.current = setTimeout(() => send(next), wait);
  };
  const change = (index: number, value: number, final: boolean) => {
    const next = rebalance(
      weights.map((w, i) => ({ weight: w, locked: !!locked[i] })),
      index,
      value,
    );
    setWeights(next);
    if (final) send(next);
    else sendThrottled(next);
  };

  if (routes.length === 0) return <p className="muted">This gateway has no routes yet. Add one below.</p>;
  const total = weights.reduce((a, b) => a + b, 0);

  return (
    <section className="sliders" aria-label="Route weights">
      <div className="section-head">
        <h3>Weights</h3>
        <span className="muted">
          {total === 0
            ? 'All weights are 0%: only conditions route; other requests get 503.'
            : 'Drag to move live traffic. Observed share is over the last 200 requests.'}
        </span>
        <button
          onClick={() => {
            const next = evenSplit(weights.map((w, i) => ({ weight: w, locked: !!locked[i] })));
            setWeights(next);
            send(next);
          }}
        >
          Even split
        </button>
      </div>
      {routes.map((r, i) => {
        const id = `weight-${i}`;
        const seen = observed.get(r.name);
        const share = seen?.share;
        return (
          <div className="slider-row" key={r.name}>
            <label htmlFor={id} className="route-label" title={r.name}>
              <span className="swatch" style={{ background: routeColor(i) }} />
              {r.name}
            </label>
            <input
              id={id}
              type="range"
              min={0}
              max={100}
              step={1}
              value={weights[i] ?? 0}
              disabled={!!locked[i] || routes.length === 1}
              aria-valuetext={`${weights[i] ?? 0} percent`}
              onPointerDown={() => (dragging.current = true)}
              onPointerUp={(e) => {
                dragging.current = false;
                change(i, Number(e.currentTarget.value), true);
              }}
              onChange={(e) => change(i, Number(e.currentTarget.value), !dragging.current)}
            />
            <WeightNumber
              route={r.name}
              value={weights[i] ?? 0}
              max={maxFor(
                weights.map((w, k) => ({ weight: w, locked: !!locked[k] })),
                i,
              )}
              disabled={!!locked[i] || routes.length === 1}
              onCommit={(v) => change(i, v, true)}
            />
            <span className="unit">%</span>
            <label className="lock" title="Lock: keep this route's weight while others move">
              <input
                type="checkbox"
                aria-label={`Lock ${r.name}`}
                checked={!!locked[i]}
                onChange={(e) => {
                  const checked = e.currentTarget.checked;
                  setLocked((l) => l.map((v, k) => (k === i ? checked : v)));
                }}
              />
              lock
            </label>
            {gateway.config.sticky !== 'none' && (
              <button
                className="drain"
                title="Sticky clients keep this route even at 0%; drain moves them off it now"
                aria-label={`Drain ${r.name}`}
                onClick={() => void run((c) => c.call('routes.drain', { name: gateway.name, route: r.name }))}
              >
                drain
              </button>
            )}
            <span
              className="observed"
              aria-label={`${r.name} observed share`}
              title="Share of the gateway's last 200 requests; red: the part that failed (5xx or no answer)"
            >
              <span className="bar" style={{ width: `${share ?? 0}%` }} />
              <span className="bar errors" style={{ width: `${seen?.errorShare ?? 0}%` }} />
              <span className="observed-text">
                {share === undefined ? '–' : `${Math.round(share)}% seen`}
                {seen?.errorShare ? `, ${Math.round(seen.errorShare)}% failed` : ''}
              </span>
            </span>
          </div>
        );
      })}
    </section>
  );
}

/**
 * Share of the last OBSERVED_WINDOW requests of this gateway, by route, and the share that failed there
 * (5xx, or no answer at all), so a dead upstream shows red where the weights are.
 */
function useObservedShare(gateway: string): Map<string, { share: number; errorShare: number }> {
  const version = useLogStore((s) => s.version);
  return useMemo(() => {
    void version;
    const entries = useLogStore.getState().entries;
    const counts = new Map<string, { n: number; failed: number }>();
    let seen = 0;
    for (let i = entries.length - 1; i >= 0 && seen < OBSERVED_WINDOW; i--) {
      const e = entries[i]!;
      if (e.gateway !== gateway || !e.route) continue;
      seen++;
      const c = counts.get(e.route) ?? { n: 0, failed: 0 };
      c.n++;
      if (isFailure(e.status)) c.failed++;
      counts.set(e.route, c);
    }
    return new Map(
      [...counts].map(([route, c]) => [
        route,
        { share: (c.n / seen) * 100, errorShare: (c.failed / seen) * 100 },
      ]),
    );
  }, [gateway, version]);
}

/**
 * The exact weight, typed. Typing is a draft: it reaches live traffic on Enter or on leaving the box, and
 * only as a whole number in range (clearing the box, or "3" on the way to "35", sends nothing); Escape
 * puts back the running value.
 */
function WeightNumber(props: {
  route: string;
  value: number;
  max: number;
  disabled: boolean;
  onCommit: (value: number) => void;
}) {
  return (
    <DraftInput
      boxClass="weight-number-box"
      errorClass="weight-error"
      errorId={`weight-error-${props.route}`}
      className="weight-number"
      inputMode="numeric"
      aria-label={`${props.route} weight, percent`}
      disabled={props.disabled}
      value={String(props.value)}
      check={(text) =>
        /^\d+$/.test(text) && Number(text) <= props.max
          ? undefined
          : props.max === 100
            ? 'Enter a whole number from 0 to 100'
            : `Enter a whole number from 0 to ${props.max} (locked routes hold the rest)`
      }
      // "035" is 35: only a different number is a change.
      onCommit={(text) => Number(text) !== props.value && props.onCommit(Number(text))}
    />
  );
}
