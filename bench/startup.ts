import { fork, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './external-proxies.js';

/**
 * `switchyard serve` with the demo, as a user starts it: the time from spawning the process to the first
 * answer proxied through the demo gateway (polled every 5 ms), and its resident memory 3 s later and once
 * it has settled (SETTLED_MS after the first answer: V8's memory reducer gives start-up's garbage and young
 * generation back about 8 s after start-up's last full collection, and RSS is flat from then on). Medians
 * of `runs` fresh processes. Bars (issue 16): first answer < 300 ms, idle RSS < 70 MB (the settled
 * figure). `cpus` (a taskset list) sets where the process may run: `npm run bench` pins itself to one CPU,
 * which its children would inherit, and `serve` confined to one core starts about 100 ms slower than as a
 * user runs it (V8 compiles and collects on helper threads), so the bench passes every CPU.
 */
const BIN = path.resolve(import.meta.dirname, '../../bin/switchyard.js');
const EARLY_MS = 3000;
const SETTLED_MS = 12_000;

export interface Startup {
  firstMs: number;
  earlyRss: number;
  idleRss: number;
  /** Of the settled RSS, the pages mapped from files: mostly the node binary's code. */
  idleFileRss: number;
  /**
   * The same settled RSS of the bare undici proxy (`bench/bare-undici.ts`) after one proxied answer: Node,
   * its HTTP, TLS and HTTP/2 modules (undici's client loads them) and undici, with nothing of Switchyard's.
   */
  floorRss: number;
}

const rss = (pid: number | undefined) =>
  Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) * 1024;

/**
 * Resident pages mapped from files (the node binary, its libraries), as against the process's own
 * memory: the part of RSS that comes from the code that has run, not from what the process keeps. V8's
 * optimising compiler is such code: once anything gets hot (at start, Node's module loader does) its
 * pages of the binary count (measured: 5 MB; issue 16).
 */
function fileRss(pid: number | undefined): number {
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(rollup)?.[1] ?? NaN);
  return (kb('Rss') - kb('Anonymous')) * 1024;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function once(cpus?: string): Promise<Omit<Startup, 'floorRss'>> {
  const [demo, control] = [await freePort(), await freePort()];
  const started = performance.now();
  const serve = [
    BIN,
    'serve',
    '--demo-port',
    String(demo),
    '--control-port',
    String(control),
    '--log',
    'none',
  ];
  const [command, ...args] = [
    ...(cpus === undefined ? [] : ['taskset', '-c', cpus]),
    process.execPath,
    ...serve,
  ] as [string, ...string[]];
  const child = spawn(
    command,
    args,
    // A CA directory of its own (none exists there): the demo then opens no HTTPS port.
    {
      stdio: 'ignore',
      env: { ...process.env, SWITCHYARD_CA_DIR: mkdtempSync(path.join(tmpdir(), 'sy-ca-')) },
    },
  );
  try {
    let firstMs = 0;
    for (let i = 0; i < 2000 && !firstMs; i++) {
      const ok = await fetch(`http://127.0.0.1:${demo}/`).then(
        async (r) => (await r.arrayBuffer(), r.ok),
        () => false,
      );
      if (ok) firstMs = performance.now() - started;
      else await sleep(5);
    }
    await sleep(EARLY_MS);
    const earlyRss = rss(child.pid);
    await sleep(SETTLED_MS - EARLY_MS);
    return { firstMs, earlyRss, idleRss: rss(child.pid), idleFileRss: fileRss(child.pid) };
  } finally {
    child.kill();
  }
}

/** The bare undici proxy's RSS, settled as `serve`'s is, after one answer proxied from a local upstream. */
async function bareIdleRss(): Promise<number> {
  const upstream = http.createServer((_req, res) => res.end('ok'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as AddressInfo).port;
  const child = fork(path.resolve(import.meta.dirname, 'bare-undici.js'), [String(upstreamPort)], {
    stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
  });
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('message', (m: { port: number }) => resolve(m.port));
      child.once('exit', (code) => reject(new Error(`bare-undici.js exited with ${code}`)));
    });
    await (await fetch(`http://127.0.0.1:${port}/`)).arrayBuffer();
    await sleep(SETTLED_MS);
    return rss(child.pid);
  } finally {
    child.removeAllListeners('exit');
    child.kill();
    upstream.close();
  }
}

export async function measureStartup(runs = 3, cpus?: string): Promise<Startup> {
  const results: Omit<Startup, 'floorRss'>[] = [];
  for (let i = 0; i < runs; i++) results.push(await once(cpus));
  // Side by side: memory is not timed, and each process settles on its own.
  const floors = await Promise.all(Array.from({ length: runs }, () => bareIdleRss()));
  const mid = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return {
    firstMs: mid(results.map((r) => r.firstMs)),
    earlyRss: mid(results.map((r) => r.earlyRss)),
    idleRss: mid(results.map((r) => r.idleRss)),
    idleFileRss: mid(results.map((r) => r.idleFileRss)),
    floorRss: mid(floors),
  };
}

/**
 * One line for the figures: first answer, then idle RSS settled (with the part mapped from files, the
 * figure 3 s after the first answer, and the bare undici proxy's settled RSS, the floor under it).
 */
export function describeStartup(s: Startup): string {
  const mb = (bytes: number) => `${(bytes / 1048576).toFixed(0)} MB`;
  return `first answer ${s.firstMs.toFixed(0)} ms (bar: < 300 ms), idle RSS ${mb(s.idleRss)} settled (bar: < 70 MB; ${mb(s.idleFileRss)} of it mapped from files, mostly the node binary's code; ${mb(s.earlyRss)} 3 s after the first answer; a bare undici proxy settles at ${mb(s.floorRss)})`;
}

if (process.argv[1] === import.meta.filename) {
  console.log(`switchyard serve with the demo, median of 3: ${describeStartup(await measureStartup())}`);
}
