import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { GatewayView, StatsSnapshot, TrafficResult } from '../../../shared/api/contract.js';
import { isFailure } from '../lib/health.js';
import { routeColor } from '../lib/route-colors.js';
import { useColorScheme } from '../lib/use-color-scheme.js';
import { useAppStore } from '../store/app-store.js';
import { useLogStore } from '../store/log-store.js';

const RANGES = [
  { label: '1 min', seconds: 60 },
  { label: '5 min', seconds: 300 },
  { label: '15 min', seconds: 900 },
];

/** Live traffic for one gateway: requests per second by route (stacked), share against weight, errors, latency. */
export function TrafficPanel({ gateway }: { gateway: GatewayView }) {
  const [range, setRange] = useState(60);
  const stats = useWindowStats(gateway.name, range);
  const g = stats?.gateways.find((x) => x.gateway === gateway.name);
  return (
    <div className="traffic">
      <div className="section-head">
        <h3>Requests per second by route</h3>
        <div className="segmented" role="group" aria-label="Time range">
          {RANGES.map((r) => (
            <button key={r.seconds} aria-pressed={range === r.seconds} onClick={() => setRange(r.seconds)}>
              {r.label}
            </button>
          ))}
        </div>
      </div>
      <RateChart gateway={gateway} seconds={range} />
      <table className="stats-table">
        <caption className="muted">
          Last {RANGES.find((r) => r.seconds === range)?.label}: {g?.requests ?? 0} requests,{' '}
          {g ? errorRate(g.errors, g.requests) : '0%'} errors
        </caption>
        <thead>
          <tr>
            <th>Route</th>
            <th>Weight</th>
            <th>Observed share</th>
            <th>Requests</th>
            <th>Errors</th>
            <th>p50</th>
            <th>p95</th>
            <th>Against {gateway.config.routes[0]?.name ?? 'the first route'}</th>
          </tr>
        </thead>
        <tbody>
          {gateway.config.routes.map((r, i) => {
            const s = g?.routes.find((x) => x.route === r.name);
            return (
              <tr key={r.name}>
                <td>
                  <span className="swatch" style={{ background: routeColor(i) }} />
                  {r.name}
                </td>
                <td>{Math.round(r.weight * 100) / 100}%</td>
                <td>
                  <span className="share-bar">
                    <span
                      className="share-fill"
                      style={{ width: `${s?.share ?? 0}%`, background: routeColor(i) }}
                    />
                    <span
                      className="share-weight"
                      style={{ left: `${r.weight}%` }}
                      title="configured weight"
                    />
                  </span>
                  {s ? `${Math.round(s.share)}%` : '–'}
                </td>
                <td>{s?.requests ?? 0}</td>
                <td>
                  {s ? errorRate(s.errors, s.requests) : '–'}
                  <Interval label="error rate" value={s?.errorInterval} unit="%" scale={100} />
                </td>
                <td>
                  {s?.requests ? `${Math.round(s.p50)} ms` : '–'}
                  <Interval label="p50" value={s?.p50Interval} unit=" ms" />
                </td>
                <td>
                  {s?.requests ? `${Math.round(s.p95)} ms` : '–'}
                  <Interval label="p95" value={s?.p95Interval} unit=" ms" />
                </td>
                <td className="ab-verdict" aria-label={`${r.name} against the first route`}>
                  {i === 0 ? (
                    <span className="muted">baseline</span>
                  ) : s?.comparison ? (
                    <>
                      <span className={`ab-${s.comparison.latency.verdict}`}>
                        Latency: {s.comparison.latency.text}
                      </span>
                      <span className={`ab-${s.comparison.errors.verdict}`}>
                        Errors: {s.comparison.errors.text}
                      </span>
                    </>
                  ) : s?.shadow ? (
                    // A shadow route serves no client: its answers are compared instead (the Compare view).
                    <span>
                      Shadow: {s.shadow.same} same, {s.shadow.different} different, {s.shadow.error} errors
                    </span>
                  ) : (
                    <span className="muted">–</span>
                  )}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <DemoTraffic gateway={gateway} />
    </div>
  );
}

/** A 95% interval under its value, e.g. "95%: 12–18 ms"; nothing below the minimum sample. */
function Interval(props: {
  label: string;
  value: { low: number; high: number } | undefined;
  unit: string;
  scale?: number;
}) {
  if (!props.value) return null;
  const f = (x: number) => `${Math.round(x * (props.scale ?? 1) * 10) / 10}`;
  return (
    <span className="interval muted" title={`95% interval of the ${props.label}`}>
      95%: {f(props.value.low)}–{f(props.value.high)}
      {props.unit}
    </span>
  );
}

function errorRate(errors: number, requests: number): string {
  return requests ? `${Math.round((errors / requests) * 1000) / 10}%` : '0%';
}

/** Statistics over the chosen window: the 1-minute ticks as they come, longer windows fetched every 2 s. */
function useWindowStats(gateway: string, seconds: number): StatsSnapshot | undefined {
  const ticks = useAppStore((s) => s.stats);
  const client = useAppStore((s) => s.client);
  const [fetched, setFetched] = useState<StatsSnapshot>();
  useEffect(() => {
    if (seconds === 60 || !client) return;
    let live = true;
    const load = () =>
      void client.call('stats.get', { windowSeconds: seconds }).then(
        (s) => live && setFetched(s),
        () => undefined,
      );
    load();
    const timer = setInterval(load, 2000);
    return () => {
      live = false;
      clearInterval(timer);
    };
  }, [client, seconds, gateway]);
  return seconds === 60 ? ticks.at(-1) : fetched;
}

/**
 * A stacked area chart of requests per second by route, from the request log, redrawn once a second.
 * The areas are bands between neighbouring stacked lines (so colours never blend), and the legend shows
 * each route's own rate, not the stacked total. It is rebuilt when the theme changes: a canvas reads its
 * colours once.
 */
function RateChart({ gateway, seconds }: { gateway: GatewayView; seconds: number }) {
  const holder = useRef<HTMLDivElement>(null);
  const routes = useMemo(() => gateway.config.routes.map((r) => r.name), [gateway.config.routes]);
  const scheme = useColorScheme();

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    let raw = rateCounts(gateway.name, routes, seconds);
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 200,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [
        { ...axis(), space: 90, values: (_u, splits) => splits.map(clockLabel) },
        { ...axis(), label: 'req/s', size: 50 },
      ],
      series: [
        { value: (_u, v) => (v === null ? '–' : clockLabel(v)) },
        ...routes.map((name, i) => ({
          label: name,
          stroke: routeColor(i),
          fill: `${routeColor(i)}66`,
          width: 1.5,
          // The route's own rate at the cursor; the line is drawn at the stacked height.
          value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
            idx === null ? '–' : String(raw[i + 1]?.[idx] ?? 0),
        })),
        {
          label: 'failed',
          stroke: failedColor(),
          width: 2,
          dash: [4, 3],
          value: (_u: uPlot, _v: number | null, _s: number, idx: number | null) =>
            idx === null ? '–' : String(raw[routes.length + 1]?.[idx] ?? 0),
        },
      ],
      // Each route's area lies between its stacked line and the one below it.
      bands: routes.slice(1).map((_, k) => ({ series: [k + 2, k + 1] as [number, number] })),
    };
    const u = new uPlot(opts, stack(raw), el);
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 200 }));
    resize.observe(el);
    const timer = setInterval(() => {
      raw = rateCounts(gateway.name, routes, seconds);
      u.setData(stack(raw));
    }, 1000);
    return () => {
      clearInterval(timer);
      resize.disconnect();
      u.destroy();
    };
  }, [gateway.name, routes, seconds, scheme]);
  return (
    <div
      className="chart"
      ref={holder}
      role="img"
      aria-label={`Requests per second by route over the last ${seconds} seconds`}
    />
  );
}

/** A tick or cursor time as the clock shows it, 24-hour, so labels are short and never overlap. */
function clockLabel(seconds: number): string {
  return new Date(seconds * 1000).toLocaleTimeString(undefined, { hour12: false });
}

/** Canvas cannot read CSS variables: resolve the theme's colours to plain ones, as they are now. */
function axis(): uPlot.Axis {
  const probe = document.createElement('span');
  document.body.append(probe);
  const resolve = (variable: string) => {
    probe.style.color = `var(${variable})`;
    return getComputedStyle(probe).color;
  };
  const muted = resolve('--muted');
  const grid = resolve('--border');
  probe.remove();
  return { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid, width: 1 } };
}

/** The theme's error colour, resolved for the canvas. */
function failedColor(): string {
  const probe = document.createElement('span');
  document.body.append(probe);
  probe.style.color = 'var(--err)';
  const color = getComputedStyle(probe).color;
  probe.remove();
  return color;
}

/**
 * Per-second counts over the last `seconds`: [times, route 1, route 2, ..., failed], failed being the
 * gateway's 5xx and unanswered requests, drawn as its own red line.
 */
function rateCounts(gateway: string, routes: string[], seconds: number): number[][] {
  const now = Math.floor(Date.now() / 1000);
  const start = now - seconds + 1;
  const counts = routes.map(() => new Array<number>(seconds).fill(0));
  const failed = new Array<number>(seconds).fill(0);
  const index = new Map(routes.map((r, i) => [r, i]));
  const entries = useLogStore.getState().entries;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const t = Math.floor(e.time / 1000);
    if (t < start) break;
    const r = e.route === undefined ? undefined : index.get(e.route);
    if (e.gateway !== gateway || r === undefined || t > now) continue;
    counts[r]![t - start]!++;
    if (isFailure(e.status)) failed[t - start]!++;
  }
  const xs = Array.from({ length: seconds }, (_, k) => start + k);
  return [xs, ...counts, failed];
}

/** The route counts stacked: each route's line is its own rate plus those before it; failed stays as is. */
function stack(raw: number[][]): uPlot.AlignedData {
  const out = raw.map((series) => [...series]);
  for (let r = 2; r < out.length - 1; r++)
    for (let k = 0; k < out[r]!.length; k++) out[r]![k]! += out[r - 1]![k]!;
  return out as uPlot.AlignedData;
}

const AGENTS: Record<string, string> = {
  Firefox: 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0',
  Chrome:
    'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36',
  Safari:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15',
  iPhone:
    'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1',
  curl: 'curl/8.5.0',
};

/** What is wrong with the demo traffic form, by field; empty when it can be sent. */
interface DemoProblems {
  count?: string;
  rate?: string;
  seconds?: string;
  header?: string;
}

/** A whole or decimal number in [min, max] from a text box, or undefined. */
function numberIn(text: string, min: number, max: number): number | undefined {
  const n = Number(text.trim());
  return text.trim() !== '' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
}

/** "Name: value" as a header, or why it is not one (an empty box is no header). */
function parseHeader(text: string): { header?: Record<string, string>; problem?: string } {
  if (!text.trim()) return {};
  const colon = text.indexOf(':');
  const name = colon > 0 ? text.slice(0, colon).trim() : '';
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name))
    return { problem: 'Write the header as Name: value, e.g. X-User: alice' };
  return { header: { [name]: text.slice(colon + 1).trim() } };
}

/** Sends demo traffic through the gateway, so a split can be shown without real users; a run can be cancelled. */
function DemoTraffic({ gateway }: { gateway: GatewayView }) {
  const run = useAppStore((s) => s.run);
  const [mode, setMode] = useState<'count' | 'rate'>('count');
  const [count, setCount] = useState('200');
  const [rate, setRate] = useState('20');
  const [seconds, setSeconds] = useState('10');
  const [path, setPath] = useState('/');
  const [agents, setAgents] = useState<string[]>(['Firefox', 'Chrome']);
  const [cookie, setCookie] = useState('');
  const [header, setHeader] = useState('');
  const [runId, setRunId] = useState<string>();
  const [problems, setProblems] = useState<DemoProblems>({});
  const [result, setResult] = useState<TrafficResult>();

  const send = async () => {
    const parsedHeader = parseHeader(header);
    const n = numberIn(count, 1, 10_000);
    const r = numberIn(rate, 0.1, 1000);
    const sec = numberIn(seconds, 0.1, 60);
    const found: DemoProblems = {
      ...(parsedHeader.problem ? { header: parsedHeader.problem } : {}),
      ...(mode === 'count' && n === undefined
        ? { count: 'Enter how many requests to send, from 1 to 10,000' }
        : {}),
      ...(mode === 'rate' && r === undefined ? { rate: 'Enter a rate from 0.1 to 1,000 per second' } : {}),
      ...(mode === 'rate' && sec === undefined ? { seconds: 'Enter a duration from 0.1 to 60 seconds' } : {}),
    };
    setProblems(found);
    if (Object.keys(found).length) return;
    const id = crypto.randomUUID?.() ?? `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    setRunId(id);
    const done = await run((c) =>
      c.call('traffic.generate', {
        gateway: gateway.name,
        id,
        ...(mode === 'count' ? { count: n! } : { ratePerSecond: r!, seconds: sec! }),
        path: path.startsWith('/') ? path : `/${path}`,
        ...(agents.length ? { userAgents: agents.map((a) => AGENTS[a]!) } : {}),
        ...(cookie.trim() ? { cookies: [cookie.trim()] } : {}),
        ...(parsedHeader.header ? { headers: [parsedHeader.header] } : {}),
      }),
    );
    setRunId(undefined);
    if (done) setResult(done);
  };
  const cancel = () => {
    if (runId) void run((c) => c.call('traffic.cancel', { id: runId }));
  };
  const problemText = (key: keyof DemoProblems) =>
    problems[key] && (
      <span className="field-error" role="alert">
        {problems[key]}
      </span>
    );

  return (
    <section className="demo-traffic" aria-label="Demo traffic">
      <h3>Demo traffic</h3>
      <div className="demo-grid">
        <label>
          <input
            type="radio"
            name="demo-mode"
            aria-label="Send a number of requests"
            checked={mode === 'count'}
            onChange={() => setMode('count')}
          />{' '}
          Send
          <input
            inputMode="numeric"
            value={count}
            onChange={(e) => setCount(e.currentTarget.value)}
            aria-label="Number of requests"
            aria-invalid={!!problems.count}
          />{' '}
          requests
          {problemText('count')}
        </label>
        <label>
          <input
            type="radio"
            name="demo-mode"
            aria-label="Send requests per second"
            checked={mode === 'rate'}
            onChange={() => setMode('rate')}
          />
          <input
            inputMode="decimal"
            value={rate}
            onChange={(e) => setRate(e.currentTarget.value)}
            aria-label="Requests per second"
            aria-invalid={!!problems.rate}
          />{' '}
          per second for
          <input
            inputMode="decimal"
            value={seconds}
            onChange={(e) => setSeconds(e.currentTarget.value)}
            aria-label="Seconds"
            aria-invalid={!!problems.seconds}
          />{' '}
          s{problemText('rate')}
          {problemText('seconds')}
        </label>
        <label>
          Path <input value={path} onChange={(e) => setPath(e.currentTarget.value)} aria-label="Path" />
        </label>
        <fieldset className="agents">
          <legend>User agents (mixed at random)</legend>
          {Object.keys(AGENTS).map((a) => (
            <label key={a}>
              <input
                type="checkbox"
                checked={agents.includes(a)}
                onChange={(e) =>
                  setAgents(e.currentTarget.checked ? [...agents, a] : agents.filter((x) => x !== a))
                }
              />{' '}
              {a}
            </label>
          ))}
        </fieldset>
        <label>
          Cookie{' '}
          <input
            value={cookie}
            placeholder="beta=1"
            onChange={(e) => setCookie(e.currentTarget.value)}
            aria-label="Cookie"
          />
        </label>
        <label>
          Header{' '}
          <input
            value={header}
            placeholder="X-User: alice"
            onChange={(e) => setHeader(e.currentTarget.value)}
            aria-label="Header"
            aria-invalid={!!problems.header}
          />
          {problemText('header')}
        </label>
      </div>
      <div className="demo-actions">
        <button className="primary" disabled={runId !== undefined} onClick={() => void send()}>
          {runId ? 'Sending…' : 'Send traffic'}
        </button>
        {runId && <button onClick={cancel}>Cancel</button>}
      </div>
      {result && (
        <p className="demo-result" role="status">
          Sent {result.sent}
          {result.cancelled ? ' (cancelled)' : ''}:{' '}
          {Object.entries(result.routes)
            .map(([r, n]) => `${r} ${n}`)
            .join(', ') || 'no route'}
          ; statuses{' '}
          {Object.entries(result.statuses)
            .map(([s, n]) => `${s}×${n}`)
            .join(', ')}
        </p>
      )}
    </section>
  );
}
