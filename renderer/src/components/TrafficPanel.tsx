import { useEffect, useMemo, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { GatewayView, StatsSnapshot, TrafficResult } from '../../../shared/api/contract.js';
import { useAppStore } from '../store/app-store.js';
import { useLogStore } from '../store/log-store.js';

const RANGES = [
  { label: '1 min', seconds: 60 },
  { label: '5 min', seconds: 300 },
  { label: '15 min', seconds: 900 },
];
const COLORS = ['#2563eb', '#16a34a', '#f59e0b', '#db2777', '#7c3aed', '#0891b2', '#dc2626', '#65a30d'];

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
          </tr>
        </thead>
        <tbody>
          {gateway.config.routes.map((r, i) => {
            const s = g?.routes.find((x) => x.route === r.name);
            return (
              <tr key={r.name}>
                <td>
                  <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} />
                  {r.name}
                </td>
                <td>{Math.round(r.weight * 100) / 100}%</td>
                <td>
                  <span className="share-bar">
                    <span
                      className="share-fill"
                      style={{ width: `${s?.share ?? 0}%`, background: COLORS[i % COLORS.length] }}
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
                <td>{s ? errorRate(s.errors, s.requests) : '–'}</td>
                <td>{s?.requests ? `${Math.round(s.p50)} ms` : '–'}</td>
                <td>{s?.requests ? `${Math.round(s.p95)} ms` : '–'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <DemoTraffic gateway={gateway} />
    </div>
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

/** A stacked area chart of requests per second by route, from the request log, redrawn once a second. */
function RateChart({ gateway, seconds }: { gateway: GatewayView; seconds: number }) {
  const holder = useRef<HTMLDivElement>(null);
  const chart = useRef<uPlot>(undefined);
  const routes = useMemo(() => gateway.config.routes.map((r) => r.name), [gateway.config.routes]);

  useEffect(() => {
    const el = holder.current;
    if (!el) return;
    const opts: uPlot.Options = {
      width: el.clientWidth || 600,
      height: 200,
      legend: { show: true },
      cursor: { drag: { x: false, y: false } },
      scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
      axes: [axis(), { ...axis(), label: 'req/s', size: 50 }],
      series: [
        {},
        ...routes.map((name, i) => ({
          label: name,
          stroke: COLORS[i % COLORS.length],
          fill: `${COLORS[i % COLORS.length]}55`,
          width: 1.5,
        })),
      ],
    };
    const u = new uPlot(opts, rateSeries(gateway.name, routes, seconds), el);
    chart.current = u;
    const resize = new ResizeObserver(() => u.setSize({ width: el.clientWidth, height: 200 }));
    resize.observe(el);
    const timer = setInterval(() => u.setData(rateSeries(gateway.name, routes, seconds)), 1000);
    return () => {
      clearInterval(timer);
      resize.disconnect();
      u.destroy();
    };
  }, [gateway.name, routes, seconds]);
  return (
    <div
      className="chart"
      ref={holder}
      role="img"
      aria-label={`Requests per second by route over the last ${seconds} seconds`}
    />
  );
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

/** Per-second counts by route over the last `seconds`, stacked (each series includes those below it). */
function rateSeries(gateway: string, routes: string[], seconds: number): uPlot.AlignedData {
  const now = Math.floor(Date.now() / 1000);
  const start = now - seconds + 1;
  const counts = routes.map(() => new Array<number>(seconds).fill(0));
  const index = new Map(routes.map((r, i) => [r, i]));
  const entries = useLogStore.getState().entries;
  for (let i = entries.length - 1; i >= 0; i--) {
    const e = entries[i]!;
    const t = Math.floor(e.time / 1000);
    if (t < start) break;
    const r = e.route === undefined ? undefined : index.get(e.route);
    if (e.gateway !== gateway || r === undefined || t > now) continue;
    counts[r]![t - start]!++;
  }
  for (let r = 1; r < counts.length; r++)
    for (let k = 0; k < seconds; k++) counts[r]![k]! += counts[r - 1]![k]!;
  const xs = Array.from({ length: seconds }, (_, k) => start + k);
  return [xs, ...counts];
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

/** Sends demo traffic through the gateway, so a split can be shown without real users. */
function DemoTraffic({ gateway }: { gateway: GatewayView }) {
  const run = useAppStore((s) => s.run);
  const [mode, setMode] = useState<'count' | 'rate'>('count');
  const [count, setCount] = useState(200);
  const [rate, setRate] = useState(20);
  const [seconds, setSeconds] = useState(10);
  const [path, setPath] = useState('/');
  const [agents, setAgents] = useState<string[]>(['Firefox', 'Chrome']);
  const [cookie, setCookie] = useState('');
  const [header, setHeader] = useState('');
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<TrafficResult>();

  const send = async () => {
    setBusy(true);
    const [hName, ...hValue] = header.split(':');
    const r = await run((c) =>
      c.call('traffic.generate', {
        gateway: gateway.name,
        ...(mode === 'count' ? { count } : { ratePerSecond: rate, seconds }),
        path: path.startsWith('/') ? path : `/${path}`,
        ...(agents.length ? { userAgents: agents.map((a) => AGENTS[a]!) } : {}),
        ...(cookie.trim() ? { cookies: [cookie.trim()] } : {}),
        ...(hName?.trim() && hValue.length ? { headers: [{ [hName.trim()]: hValue.join(':').trim() }] } : {}),
      }),
    );
    setBusy(false);
    if (r) setResult(r);
  };

  return (
    <section className="demo-traffic" aria-label="Demo traffic">
      <h3>Demo traffic</h3>
      <div className="demo-grid">
        <label>
          <input type="radio" checked={mode === 'count'} onChange={() => setMode('count')} /> Send
          <input
            type="number"
            min={1}
            max={10000}
            value={count}
            onChange={(e) => setCount(Number(e.currentTarget.value))}
            aria-label="Number of requests"
          />{' '}
          requests
        </label>
        <label>
          <input type="radio" checked={mode === 'rate'} onChange={() => setMode('rate')} />
          <input
            type="number"
            min={1}
            max={1000}
            value={rate}
            onChange={(e) => setRate(Number(e.currentTarget.value))}
            aria-label="Requests per second"
          />{' '}
          per second for
          <input
            type="number"
            min={1}
            max={60}
            value={seconds}
            onChange={(e) => setSeconds(Number(e.currentTarget.value))}
            aria-label="Seconds"
          />{' '}
          s
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
          />
        </label>
      </div>
      <button className="primary" disabled={busy} onClick={() => void send()}>
        {busy ? 'Sending…' : 'Send traffic'}
      </button>
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
