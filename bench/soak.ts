import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';
import WebSocket from 'ws';

/**
 * `npm run bench:soak`: 1,000,000 keep-alive requests through a two-route gateway run as `serve` runs it
 * (engine, control plane, control server), once with no client and once with a UI-style client on the
 * stream receiving the log and the statistics. Prints the req/s of the first and the last 100,000 and the
 * proxy's RSS at 100k, 500k and 1M. Bars: last >= 0.9x first; RSS growth after the first 100k < 15%.
 * SOAK_REQUESTS sets the total (default 1,000,000), in steps of a tenth.
 */
const HERE = import.meta.dirname;
const TOTAL = Number(process.env.SOAK_REQUESTS ?? 1_000_000);
const STEP = Math.round(TOTAL / 10);
const CONNECTIONS = 50;

interface Child {
  proc: ChildProcess;
  port: number;
  controlPort?: number;
}

function startChild(script: string, args: string[]): Promise<Child> {
  const proc = fork(path.join(HERE, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { port: number; controlPort?: number }) => resolve({ proc, ...m }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function rss(child: Child): Promise<number> {
  return new Promise((resolve) => {
    child.proc.once('message', (m: { rss: number; now: number }) => resolve(m.now));
    child.proc.send({ type: 'rss' });
  });
}

/** A client like the UI: on the stream, taking every log batch and statistics tick. */
function streamClient(port: number): Promise<{ close(): void; messages: () => number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`);
    let messages = 0;
    ws.on('message', () => messages++);
    ws.once('open', () => resolve({ close: () => ws.close(), messages: () => messages }));
    ws.once('error', reject);
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;

async function soak(upstreamPort: number, withClient: boolean): Promise<boolean> {
  const proxy = await startChild('proxy-server.js', ['switchyard-control', String(upstreamPort)]);
  const client = withClient ? await streamClient(proxy.controlPort!) : undefined;
  const url = `http://127.0.0.1:${proxy.port}/small`;
  const rates: number[] = [];
  const memory = new Map<number, Promise<number>>();
  // One run, timed per tenth from its responses: a run per tenth would wait for autocannon's one-second
  // tick at its end (a tenth of 6.0 s then reads as 7), and reconnect.
  let run!: autocannon.Instance;
  const result = new Promise<autocannon.Result>((resolve, reject) => {
    run = autocannon({ url, connections: CONNECTIONS, amount: TOTAL, timeout: 10 }, (err, r) =>
      err ? reject(err) : resolve(r),
    );
  });
  let answered = 0;
  let mark = process.hrtime.bigint();
  run.on('response', () => {
    if (++answered % STEP !== 0) return;
    const now = process.hrtime.bigint();
    rates.push(STEP / (Number(now - mark) / 1e9));
    mark = now;
    memory.set(answered, rss(proxy));
  });
  const r = await result;
  if (r.errors || r.non2xx) console.log(`  errors: ${r.errors}, non-2xx: ${r.non2xx}`);
  const rssAt = new Map<number, number>();
  for (const [n, value] of memory) rssAt.set(n, await value);
  client?.close();
  proxy.proc.kill();
  const first = rates[0]!;
  const last = rates.at(-1)!;
  const at = (n: number) => rssAt.get(n) ?? 0;
  const growth = at(TOTAL) / at(STEP) - 1;
  console.log(
    `${withClient ? 'with a stream client' : 'no client'}${client ? ` (${client.messages()} messages)` : ''}:`,
  );
  console.log(`  req/s by tenth: ${rates.map((r) => r.toFixed(0)).join(' ')}`);
  console.log(`  RSS by tenth:   ${[...rssAt.values()].map(mb).join(' ')}`);
  console.log(
    `  req/s first ${STEP}: ${first.toFixed(0)}, last ${STEP}: ${last.toFixed(0)}  -> ${(last / first).toFixed(2)}x (bar: >= 0.90x)`,
  );
  console.log(
    `  RSS at ${STEP}: ${mb(at(STEP))}, at ${STEP * 5}: ${mb(at(STEP * 5))}, at ${TOTAL}: ${mb(at(TOTAL))}  -> growth ${(growth * 100).toFixed(1)}% (bar: < 15%)`,
  );
  return last / first >= 0.9 && growth < 0.15;
}

const upstream = await startChild('upstream.js', []);
console.log(
  `Switchyard soak: ${TOTAL} keep-alive requests, ${CONNECTIONS} connections, two weighted routes, log on, node ${process.version}\n`,
);
const ok = [await soak(upstream.port, false), await soak(upstream.port, true)].every(Boolean);
upstream.proc.kill();
console.log(ok ? '\nsoak: within the bars' : '\nsoak: OUTSIDE the bars');
