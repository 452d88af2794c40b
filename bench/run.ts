import { execFileSync, fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';
import { h2Load } from './h2-load.js';

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

/** Pins a process to one CPU when the machine has two or more and taskset is installed. */
function pin(pid: number | undefined, cpu: number): boolean {
  if (pid === undefined || CPUS < 2) return false;
  try {
    execFileSync('taskset', ['-pc', String(cpu), String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

function peakRss(child: Child): Promise<number> {
  return new Promise((resolve) => {
    child.proc.once('message', (m: { rss: number }) => resolve(m.rss));
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
}

/** How a target is spoken to: plain HTTP/1.1, HTTP/1.1 over TLS, or HTTP/2 over TLS. */
type Scheme = 'http' | 'https' | 'h2';

async function load(port: number, urlPath: string, scheme: Scheme = 'http'): Promise<Load> {
  if (scheme === 'h2') {
    const origin = `https://127.0.0.1:${port}`;
    await h2Load(origin, urlPath, { seconds: 0.5, streams: CONNECTIONS, sessions: 2 }); // warm-up
    return h2Load(origin, urlPath, { seconds: SECONDS, streams: CONNECTIONS, sessions: 2 });
  }
  const url = `${scheme}://127.0.0.1:${port}${urlPath}`;
  await autocannon({ url, connections: CONNECTIONS, duration: 0.5 }); // warm-up: connections, JIT
  const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS });
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.non2xx };
}

/** The median round of each target, by req/s; rounds interleave the targets so drift hits all alike. */
async function measure(
  targets: { name: string; port: number; scheme?: Scheme }[],
  urlPath: string,
): Promise<Map<string, Load>> {
  const rounds = new Map<string, Load[]>(targets.map((t) => [t.name, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (const t of targets) rounds.get(t.name)!.push(await load(t.port, urlPath, t.scheme));
  }
  const out = new Map<string, Load>();
  for (const [name, loads] of rounds) {
    const mid = median(loads.map((l) => l.rps));
    out.set(
      name,
      loads.find((l) => l.rps === mid)!,
    );
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

async function main(): Promise<void> {
  const upstream = await startChild('upstream.js', []);
  const tls = await startChild('proxy-server.js', ['switchyard-https', String(upstream.port)]);
  const targets: { name: string; child: Child | undefined; port: number; scheme?: Scheme }[] = [
    { name: 'direct upstream', child: undefined as Child | undefined, port: upstream.port },
    // One TLS gateway, loaded over HTTP/1.1 and over HTTP/2 in turn; its RSS row is the HTTP/1.1 one's.
    { name: 'switchyard https (h1)', child: tls, port: tls.port, scheme: 'https' },
    { name: 'switchyard https (h2)', child: undefined, port: tls.port, scheme: 'h2' },
    ...(await Promise.all(
      ['raw', 'switchyard', 'switchyard-nolog', 'switchyard-shadow'].map(async (mode) => {
        const child = await startChild('proxy-server.js', [mode, String(upstream.port)]);
        const names: Record<string, string> = {
          raw: 'raw http-proxy',
          switchyard: 'switchyard (logging on)',
          'switchyard-nolog': 'switchyard (logging off)',
          'switchyard-shadow': 'switchyard (shadow 100%)',
        };
        return { name: names[mode]!, child: child as Child | undefined, port: child.port };
      }),
    )),
  ];

  const pinned =
    pin(process.pid, 0) && [upstream, ...targets.map((t) => t.child)].every((c) => !c || pin(c.proc.pid, 1));
  console.log(
    `Switchyard benchmark: ${CONNECTIONS} keep-alive connections, median of ${ROUNDS} interleaved rounds of ${SECONDS}s, node ${process.version}, ` +
      (pinned ? 'load generator on CPU 0, servers on CPU 1\n' : 'not pinned to CPUs\n'),
  );

  const results: Record<string, Record<string, Load | number>> = {};
  for (const body of [
    { label: 'small body', path: '/small' },
    { label: '1 MiB body', path: '/large' },
  ]) {
    console.log(`${body.label}:`);
    const measured = await measure(targets, body.path);
    for (const t of targets) {
      const r = measured.get(t.name)!;
      (results[t.name] ??= {})[body.label] = r;
      console.log(
        `  ${t.name.padEnd(26)} ${r.rps.toFixed(0).padStart(7)} req/s   p50 ${String(r.p50).padStart(4)} ms   p99 ${String(r.p99).padStart(4)} ms${r.errors ? `   errors ${r.errors}` : ''}`,
      );
    }
  }
  console.log('\npeak RSS after both loads:');
  for (const t of targets) {
    if (!t.child) continue;
    const rss = await peakRss(t.child);
    results[t.name]!.rss = rss;
    console.log(`  ${t.name.padEnd(26)} ${mb(rss)}`);
  }
  // Shadows double the upstream's work, so at saturation they cost throughput by design; the bar is the
  // client's p99 at the same load: both at a fixed rate below what the shadow gateway can carry.
  const sameRate = Math.round(0.4 * (results['switchyard (shadow 100%)']!['small body'] as Load).rps);
  const atRate = new Map<string, number[]>();
  for (let round = 0; round < ROUNDS; round++) {
    for (const name of ['switchyard (logging on)', 'switchyard (shadow 100%)']) {
      const t = targets.find((x) => x.name === name)!;
      const url = `http://127.0.0.1:${t.port}/small`;
      const r = await autocannon({ url, connections: CONNECTIONS, duration: SECONDS, overallRate: sameRate });
      atRate.set(name, [...(atRate.get(name) ?? []), r.latency.p99]);
    }
  }
  const p99At = (name: string) => median(atRate.get(name)!);
  console.log(
    `\nat the same load (${sameRate} req/s, small body): p99 logging on ${p99At('switchyard (logging on)')} ms, shadow 100% ${p99At('switchyard (shadow 100%)')} ms`,
  );
  results.sameLoad = { on: p99At('switchyard (logging on)'), shadow: p99At('switchyard (shadow 100%)') };
  for (const t of targets) if (t.child) stop(t.child);

  // Streaming: a fresh gateway, 1 GiB down and 1 GiB up, then its peak RSS.
  const sy = await startChild('proxy-server.js', ['switchyard', String(upstream.port)]);
  if (pinned) pin(sy.proc.pid, 1);
  const directDown = await stream(upstream.port, 'down', STREAM_BYTES);
  const syDown = await stream(sy.port, 'down', STREAM_BYTES);
  const directUp = await stream(upstream.port, 'up', STREAM_BYTES);
  const syUp = await stream(sy.port, 'up', STREAM_BYTES);
  const streamRss = await peakRss(sy);
  stop(sy);
  stop(upstream);

  const small = (name: string) => (results[name]!['small body'] as Load).rps;
  const large = (name: string) => (results[name]!['1 MiB body'] as Load).rps;
  const logCost = 1 - small('switchyard (logging on)') / small('switchyard (logging off)');
  console.log(
    `\nstreaming ${mb(STREAM_BYTES)} through switchyard: down ${syDown.toFixed(0)} MiB/s (direct ${directDown.toFixed(0)}), up ${syUp.toFixed(0)} MiB/s (direct ${directUp.toFixed(0)}), peak RSS ${mb(streamRss)}`,
  );
  console.log('\nratios (same run):');
  console.log(
    `  switchyard / raw http-proxy, small body req/s:  ${ratio(small('switchyard (logging on)'), small('raw http-proxy'))}   (bar: >= 1.5x)`,
  );
  console.log(
    `  switchyard / raw http-proxy, 1 MiB body req/s:  ${ratio(large('switchyard (logging on)'), large('raw http-proxy'))}`,
  );
  console.log(
    `  switchyard / direct upstream, small body req/s: ${ratio(small('switchyard (logging on)'), small('direct upstream'))}`,
  );
  console.log(
    `  shadow 100% / logging on, p99 at the same load: ${ratio(results.sameLoad!.shadow as number, results.sameLoad!.on as number)}   (bar: <= 1.1x)`,
  );
  console.log(
    `  shadow 100% / logging on, p99 at saturation:    ${ratio((results['switchyard (shadow 100%)']!['small body'] as Load).p99, (results['switchyard (logging on)']!['small body'] as Load).p99)}   (the upstream does twice the work)`,
  );
  for (const scheme of ['h1', 'h2'])
    console.log(
      `  https (${scheme}) / http, small body req/s:     ${ratio(small(`switchyard https (${scheme})`), small('switchyard (logging on)'))}   1 MiB: ${ratio(large(`switchyard https (${scheme})`), large('switchyard (logging on)'))}`,
    );
  console.log(
    `  cost of logging, small body:                    ${(logCost * 100).toFixed(1)}%   (bar: < 10%)`,
  );
  console.log(`  peak RSS streaming ${mb(STREAM_BYTES)} down and up:     ${mb(streamRss)}   (bar: < 150 MB)`);
}

await main();
