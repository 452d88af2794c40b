import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import { h2Load } from './h2-load.js';
import { startCaddy, startNginx, type External } from './external-proxies.js';
import { describeStartup, measureStartup } from './startup.js';

/**
 * `npm run bench`: the same load against the upstream directly, through raw http-proxy, and through a
 * Switchyard gateway (logging on and off), each proxy in its own process. Figures are reported as
 * ratios against baselines measured in the same run, since these machines are noisy: the targets are
 * measured in interleaved rounds and the median round counts, and where taskset exists the load
 * generator gets one core and the servers the other, so they do not fight over both.
 * Every load is bounded in time (BENCH_SECONDS per round, default 3; BENCH_ROUNDS rounds, default 3)
 * and in bytes (BENCH_STREAM_BYTES, default 1 GiB).
 */
const HERE = import.meta.dirname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 3);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3);
const CONNECTIONS = 50;
const GIB = 1024 * 1024 * 1024;
const STREAM_BYTES = Number(process.env.BENCH_STREAM_BYTES ?? GIB);

interface Child {
  proc: ChildProcess;
  port: number;
}

function startChild(script: string, args: string[]): Promise<Child> {
  const proc = fork(path.join(HERE, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve({ proc, port: m.port }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

// Read before pinning anything: pinning this process narrows what it reports.
const CPUS = os.availableParallelism();

/**
 * Pins a process, every thread of it, to one CPU when the machine has two or more and taskset is
 * installed. Every thread (-a): without it only the main thread moves, and the threads a process started
 * before (V8's collector and compiler, Go's runtime) went on running on the load generator's CPU.
 */
function pin(pid: number | undefined, cpu: number): boolean {
  if (pid === undefined || CPUS < 2) return false;
  try {
    execFileSync('taskset', ['-apc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** The median of the finite values (a round whose figure could not be read is left out); NaN if none. */
function median(values: number[]): number {
  const sorted = values.filter(Number.isFinite).sort((a, b) => a - b);
  return sorted.length ? (sorted[Math.floor(sorted.length / 2)] as number) : NaN;
}

function peakRss(child: Child, of: 'rss' | 'phase' = 'rss'): Promise<number> {
  return new Promise((resolve) => {
    child.proc.once('message', (m: { rss: number; phase: number }) => resolve(m[of]));
    child.proc.send({ type: 'rss' });
  });
}

function stop(child: Child): void {
  child.proc.removeAllListeners('exit');
  child.proc.kill();
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** CPU time the target's process spent per request (µs); NaN where it cannot be read. */
  cpuPerRequest?: number;
  /** The part of it spent off the main thread (V8's and libuv's helper threads). */
  helperCpuPerRequest?: number;
}

/** Kernel clock ticks per second, the unit of /proc/PID/stat's CPU times. */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' })) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU time (user + system) a process has used so far, in µs; NaN without /proc. Throughput on this
 * two-core machine swings 10-20% between runs, CPU per request much less: it is the steadier comparison.
 * With `mainThread`, only its main thread's: the rest is V8's helpers (concurrent and parallel garbage
 * collection, compilation) and libuv's, which a process on one core pays for all the same.
 */
function cpuMicros(pid: number | undefined, mainThread = false): number {
  if (pid === undefined) return NaN;
  try {
    // After the command name, which is in parentheses and may itself hold ') '.
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLK_TCK;
  } catch {
    return NaN;
  }
}

/** How a target is spoken to: plain HTTP/1.1, HTTP/1.1 over TLS, or HTTP/2 over TLS. */
type Scheme = 'http' | 'https' | 'h2';

/** What a load is: its URL path, connections, and whether each request opens a new connection. */
interface Workload {
  label: string;
  path: string;
  connections: number;
  newConnections?: boolean;
}

async function load(port: number, w: Workload, scheme: Scheme = 'http', pid?: number): Promise<Load> {
  if (scheme === 'h2') {
    const origin = `https://127.0.0.1:${port}`;
    const opts = { streams: w.connections, sessions: 2 };
    await h2Load(origin, w.path, { seconds: 0.5, ...opts }); // warm-up
    return h2Load(origin, w.path, { seconds: SECONDS, ...opts });
  }
  const url = `${scheme}://127.0.0.1:${port}${w.path}`;
  // A new connection per request: the server closes each one (autocannon's reconnectRate: 1 sends none).
  const opts = {
    url,
    connections: w.connections,
    ...(w.newConnections ? { headers: { connection: 'close' } } : {}),
  };
  await autocannon({ ...opts, duration: 0.5 }); // warm-up: connections, JIT
  const [cpuBefore, mainBefore] = [cpuMicros(pid), cpuMicros(pid, true)];
  const r = await autocannon({ ...opts, duration: SECONDS });
  const cpu = cpuMicros(pid) - cpuBefore;
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.non2xx,
    cpuPerRequest: cpu / r.requests.total,
    helperCpuPerRequest: (cpu - (cpuMicros(pid, true) - mainBefore)) / r.requests.total,
  };
}

/** The median round of each target, by req/s; rounds interleave the targets so drift hits all alike. */
async function measure(targets: Target[], w: Workload): Promise<Map<string, Load>> {
  const rounds = new Map<string, Load[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) rounds.get(t.name)!.push(await load(t.port, w, t.scheme, t.pid));
  }
  const out = new Map<string, Load>();
  for (const [name, loads] of rounds) {
    const mid = median(loads.map((l) => l.rps));
    const cpuPerRequest = median(loads.map((l) => l.cpuPerRequest ?? NaN));
    const helperCpuPerRequest = median(loads.map((l) => l.helperCpuPerRequest ?? NaN));
    out.set(name, { ...loads.find((l) => l.rps === mid)!, cpuPerRequest, helperCpuPerRequest });
  }
  return out;
}

/** Streams `bytes` down (GET /stream) or up (POST /sink) over one connection; returns MiB/s. */
function stream(port: number, direction: 'down' | 'up', bytes: number): Promise<number> {
  const started = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: '127.0.0.1',
        port,
        agent: false,
        method: direction === 'down' ? 'GET' : 'POST',
        path: direction === 'down' ? `/stream?bytes=${bytes}` : '/sink',
      },
      (res) => {
        let n = 0;
        res.on('data', (c: Buffer) => (n += c.length));
        res.on('end', () => {
          const seconds = Number(process.hrtime.bigint() - started) / 1e9;
          const got = direction === 'down' ? n : bytes;
          if (direction === 'down' && n !== bytes) reject(new Error(`received ${n} of ${bytes} bytes`));
          resolve(got / 1024 / 1024 / seconds);
        });
      },
    );
    req.on('error', reject);
    if (direction === 'down') return void req.end();
    const chunk = Buffer.alloc(64 * 1024, 'u');
    let sent = 0;
    const pump = () => {
      while (sent < bytes) {
        const part = bytes - sent >= chunk.length ? chunk : chunk.subarray(0, bytes - sent);
        sent += part.length;
        if (!req.write(part)) return void req.once('drain', pump);
      }
      req.end();
    };
    pump();
  });
}

const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;

/** One proxy (or the upstream itself) under load. */
interface Target {
  name: string;
  port: number;
  scheme?: Scheme;
  pid?: number | undefined;
  /** Its peak RSS; absent for rows that share another row's process. */
  rss?: () => Promise<number>;
  stop?: () => void;
}

function childTarget(name: string, child: Child, scheme?: Scheme): Target {
  return {
    name,
    port: child.port,
    ...(scheme ? { scheme } : {}),
    pid: child.proc.pid,
    rss: () => peakRss(child),
    stop: () => stop(child),
  };
}

const SWITCHYARD = 'switchyard (logging on)';
/** Bytes relayed with no HTTP at all: the ceiling of any Node proxy, a reference row rather than a rival. */
const RELAY = 'node tcp relay (no HTTP)';
const WORKLOADS: Workload[] = [
  // First, while every process is fresh (issue 16: "new connection per request, fresh process").
  { label: 'new connection per request', path: '/small', connections: CONNECTIONS, newConnections: true },
  { label: 'small body', path: '/small', connections: CONNECTIONS },
  { label: '1 MiB body', path: '/large', connections: 10 },
];

async function main(): Promise<void> {
  const upstream = await startChild('upstream.js', []);
  const proxy = (mode: string) => startChild('proxy-server.js', [mode, String(upstream.port)]);
  const tls = await proxy('switchyard-https');
  const externals = (await Promise.all([startCaddy(upstream.port), startNginx(upstream.port)])).filter(
    (e): e is External => e !== undefined,
  );
  const logged = await proxy('switchyard');
  const targets: Target[] = [
    { name: 'direct upstream', port: upstream.port },
    childTarget(SWITCHYARD, logged),
    childTarget('switchyard (logging off)', await proxy('switchyard-nolog')),
    childTarget('bare undici proxy', await proxy('undici')),
    childTarget(RELAY, await proxy('relay')),
    ...externals.map((e) => ({
      name: e.name,
      port: e.port,
      pid: e.pid,
      rss: async () => e.rss(),
      stop: e.stop,
    })),
    childTarget('raw http-proxy', await proxy('raw')),
    childTarget('switchyard (shadow 100%)', await proxy('switchyard-shadow')),
    // One TLS gateway, loaded over HTTP/1.1 and over HTTP/2 in turn; its RSS row is the HTTP/1.1 one's.
    childTarget('switchyard https (h1)', tls, 'https'),
    { name: 'switchyard https (h2)', port: tls.port, scheme: 'h2' },
  ];
  const missing = ['caddy', 'nginx (1 worker)'].filter((n) => !targets.some((t) => t.name === n));

  const pinned =
    pin(process.pid, 0) &&
    [upstream.proc.pid, ...targets.map((t) => t.pid)].every((p) => p === undefined || pin(p, 1));
  console.log(
    `Switchyard benchmark: median of ${ROUNDS} interleaved rounds of ${SECONDS}s, node ${process.version}, ` +
      (pinned ? 'load generator on CPU 0, proxies and upstream on CPU 1\n' : 'not pinned to CPUs\n'),
  );
  if (missing.length) console.log(`(not installed, so not measured: ${missing.join(', ')})\n`);

  const results = new Map<string, Map<string, Load>>();
  let largeRss = NaN;
  for (const w of WORKLOADS) {
    console.log(`${w.label} (${w.connections} connections):`);
    // The 1 MiB bar's memory is the peak while 1 MiB bodies flow (after the other loads, in the same process).
    if (w.path === '/large') logged.proc.send({ type: 'phase' });
    // HTTP/2 has no new connection per request worth measuring here.
    const measured = await measure(w.newConnections ? targets.filter((t) => t.scheme !== 'h2') : targets, w);
    if (w.path === '/large') largeRss = await peakRss(logged, 'phase');
    results.set(w.label, measured);
    for (const [name, r] of measured)
      console.log(
        `  ${name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms${r.errors ? `   errors ${r.errors}` : ''}`,
      );
  }
  console.log('\npeak RSS after the loads:');
  const rss = new Map<string, number>();
  for (const t of targets) {
    if (!t.rss) continue;
    rss.set(t.name, await t.rss());
    console.log(`  ${t.name.padEnd(26)} ${mb(rss.get(t.name)!)}`);
  }
  // Shadows double the upstream's work, so at saturation they cost throughput by design; the bar is the
  // client's p99 at the same load: both at a fixed rate below what the shadow gateway can carry.
  const rps = (w: string, name: string) => results.get(w)?.get(name)?.rps ?? NaN;
  const sameRate = Math.round(0.4 * rps('small body', 'switchyard (shadow 100%)'));
  const atRate = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of [SWITCHYARD, 'switchyard (shadow 100%)']) {
      const t = targets.find((x) => x.name === name)!;
      const url = `http://127.0.0.1:${t.port}/small`;
      const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, overallRate: sameRate });
      atRate.set(name, [...(atRate.get(name) ?? []), r.latency.p99]);
    }
  }
  const p99At = (name: string) => median(atRate.get(name)!);
  console.log(
    `\nat the same load (${sameRate} req/s, small body): p99 logging on ${p99At(SWITCHYARD)} ms, shadow 100% ${p99At('switchyard (shadow 100%)')} ms`,
  );
  for (const t of targets) t.stop?.();

  // Streaming: a fresh gateway, 1 GiB down and 1 GiB up, then its peak RSS.
  const sy = await proxy('switchyard');
  if (pinned) pin(sy.proc.pid, 1);
  const directDown = await stream(upstream.port, 'down', STREAM_BYTES);
  const syDown = await stream(sy.port, 'down', STREAM_BYTES);
  const directUp = await stream(upstream.port, 'up', STREAM_BYTES);
  const syUp = await stream(sy.port, 'up', STREAM_BYTES);
  const streamRss = await peakRss(sy);
  stop(sy);
  stop(upstream);
  console.log(
    `\nstreaming ${mb(STREAM_BYTES)} through switchyard: down ${syDown.toFixed(0)} MiB/s (direct ${directDown.toFixed(0)}), up ${syUp.toFixed(0)} MiB/s (direct ${directUp.toFixed(0)}), peak RSS ${mb(streamRss)}`,
  );

  // Free to use every CPU, as a user's `serve` is (not confined by this process's own pinning).
  const startup = await measureStartup(3, pinned ? `0-${CPUS - 1}` : undefined);
  console.log(`\nswitchyard serve with the demo (median of 3 fresh processes): ${describeStartup(startup)}`);

  const columns = [SWITCHYARD, 'bare undici proxy', 'caddy', 'nginx (1 worker)', 'raw http-proxy'];
  console.log(`\n| workload | ${columns.join(' | ')} |\n|---|${columns.map(() => '---:').join('|')}|`);
  for (const w of WORKLOADS)
    console.log(
      `| ${w.label} (req/s) | ${columns.map((c) => (Number.isNaN(rps(w.label, c)) ? '-' : rps(w.label, c).toFixed(0))).join(' | ')} |`,
    );
  console.log(`| peak RSS | ${columns.map((c) => (rss.has(c) ? mb(rss.get(c)!) : '-')).join(' | ')} |`);
  const cpu = (w: string, name: string) => results.get(w)?.get(name)?.cpuPerRequest ?? NaN;
  console.log('\nCPU per request (µs, the proxy process alone, median of the rounds):');
  for (const w of WORKLOADS)
    console.log(
      `  ${w.label.padEnd(28)} ${columns.map((c) => `${c} ${Number.isNaN(cpu(w.label, c)) ? '-' : cpu(w.label, c).toFixed(1)}`).join(', ')}`,
    );
  // Node's own helper threads, off the main thread: with the log on, mostly the collector's work on the
  // entries it keeps (the Go and C proxies' threads are another model, so they are left out).
  const nodeRows = [SWITCHYARD, 'switchyard (logging off)', 'bare undici proxy', 'raw http-proxy'];
  const helpers = (name: string) => results.get('small body')?.get(name)?.helperCpuPerRequest ?? NaN;
  console.log(
    `  ${'small body, helper threads'.padEnd(28)} ${nodeRows.map((c) => `${c} ${Number.isNaN(helpers(c)) ? '-' : helpers(c).toFixed(1)}`).join(', ')}`,
  );

  const r = (w: string, a: string, b: string) => ratio(rps(w, a), rps(w, b));
  const logCost = 1 - rps('small body', SWITCHYARD) / rps('small body', 'switchyard (logging off)');
  const logCpuCost = cpu('small body', SWITCHYARD) / cpu('small body', 'switchyard (logging off)') - 1;
  console.log('\nratios (same run):');
  console.log(
    `  small body: switchyard / bare undici proxy      ${r('small body', SWITCHYARD, 'bare undici proxy')}   (bar: >= 1.0x)`,
  );
  console.log(
    `  small body: bare undici proxy / switchyard, CPU per request ${ratio(cpu('small body', 'bare undici proxy'), cpu('small body', SWITCHYARD))}   (the same comparison, steadier)`,
  );
  console.log(
    `  small body: switchyard / caddy                  ${r('small body', SWITCHYARD, 'caddy')}   (bar: >= 1.3x)`,
  );
  console.log(
    `  small body: switchyard / raw http-proxy         ${r('small body', SWITCHYARD, 'raw http-proxy')}   (bar: >= 1.5x)`,
  );
  console.log(
    `  1 MiB body: switchyard / nginx (1 worker)       ${r('1 MiB body', SWITCHYARD, 'nginx (1 worker)')}   (bar: >= 1.0x)`,
  );
  console.log(
    `  1 MiB body: node tcp relay / nginx (1 worker)   ${r('1 MiB body', RELAY, 'nginx (1 worker)')}   (the ceiling of any Node proxy; bare undici proxy ${r('1 MiB body', 'bare undici proxy', 'nginx (1 worker)')})`,
  );
  console.log(
    `  1 MiB body: switchyard peak RSS                 ${mb(largeRss)}   (bar: < 200 MB; ${mb(rss.get(SWITCHYARD) ?? 0)} over every load)`,
  );
  console.log(
    `  new connection per request: switchyard / bare undici proxy ${r('new connection per request', SWITCHYARD, 'bare undici proxy')}   (bar: >= 1.0x)`,
  );
  console.log(
    `  small body: switchyard / direct upstream        ${r('small body', SWITCHYARD, 'direct upstream')}`,
  );
  console.log(
    `  shadow 100% / logging on, p99 at the same load: ${ratio(p99At('switchyard (shadow 100%)'), p99At(SWITCHYARD))}   (bar: <= 1.1x)`,
  );
  for (const scheme of ['h1', 'h2'])
    console.log(
      `  https (${scheme}) / http: small body ${r('small body', `switchyard https (${scheme})`, SWITCHYARD)}, 1 MiB ${r('1 MiB body', `switchyard https (${scheme})`, SWITCHYARD)}`,
    );
  console.log(
    `  cost of logging, small body:                    ${(logCost * 100).toFixed(1)}%   (bar: < 10%; by CPU per request ${(logCpuCost * 100).toFixed(1)}%)`,
  );
  console.log(`  serve start: ${describeStartup(startup)}`);
  console.log(`  peak RSS streaming ${mb(STREAM_BYTES)} down and up:     ${mb(streamRss)}   (bar: < 150 MB)`);
}

await main();
