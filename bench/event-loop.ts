import { fork, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import path from 'node:path';
import autocannon from 'autocannon';

/**
 * `npm run bench:stall`: the engine's event-loop delay (p99, perf_hooks monitorEventLoopDelay) while
 * proxy traffic runs alongside the heaviest things a client can ask of the control server: a hostile
 * 1 MiB YAML body (a map of tens of thousands of keys, which the YAML parser takes seconds over), a
 * 64 MiB HAR import, and a full log.har export. Bar: p99 < 50 ms.
 */
const HERE = import.meta.dirname;

interface Child {
  proc: ChildProcess;
  port: number;
  controlPort: number;
}

function startChild(script: string, args: string[]): Promise<Child> {
  const proc = fork(path.join(HERE, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: Omit<Child, 'proc'>) => resolve({ proc, ...m }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function ask<T>(child: Child, type: string): Promise<T> {
  return new Promise((resolve) => {
    child.proc.once('message', (m: T) => resolve(m));
    child.proc.send({ type });
  });
}

/** One request to the control server; resolves with its status and how long it took. */
function call(port: number, method: string, urlPath: string, body?: string, type = 'application/yaml') {
  const started = Date.now();
  return new Promise<{ status: number; ms: number; bytes: number }>((resolve, reject) => {
    const req = http.request(
      { host: '127.0.0.1', port, method, path: urlPath, headers: { 'content-type': type } },
      (res) => {
        let bytes = 0;
        res.on('data', (c: Buffer) => (bytes += c.length));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: Date.now() - started, bytes }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A HAR of `n` entries with bodies, about `bytes` long in all. */
function har(n: number, bytes: number): string {
  const text = 'x'.repeat(Math.floor(bytes / n / 2));
  const entry = (i: number) => ({
    startedDateTime: new Date(1_700_000_000_000 + i).toISOString(),
    time: 3,
    request: {
      method: 'POST',
      url: `http://127.0.0.1/item/${i}`,
      headers: [{ name: 'content-type', value: 'text/plain' }],
      postData: { mimeType: 'text/plain', text },
    },
    response: { status: 200, headers: [], content: { size: text.length, mimeType: 'text/plain', text } },
  });
  return JSON.stringify({ log: { version: '1.2', entries: Array.from({ length: n }, (_, i) => entry(i)) } });
}

const upstream = await startChild('upstream.js', []);
const proxy = await startChild('proxy-server.js', ['switchyard-control', String(upstream.port)]);
const hostile =
  `name: hostile\nport: 0\nx-keys:\n${Array.from({ length: 80_000 }, (_, i) => `  k${i}: v`).join('\n')}\n`.slice(
    0,
    1024 * 1024 - 1,
  );
const bigHar = har(10_000, 60 * 1024 * 1024); // just under the 64 MiB the API takes
console.log(
  `Switchyard event-loop delay: traffic on 20 connections while the control server takes a ${(hostile.length / 1024).toFixed(0)} KiB hostile YAML, a ${(bigHar.length / 1024 / 1024).toFixed(0)} MiB HAR import and a full log.har export; node ${process.version}\n`,
);

proxy.proc.send({ type: 'eld-start' });
// Traffic runs until the control server's work is done (at most two minutes).
let finished!: (r: autocannon.Result) => void;
const done = new Promise<autocannon.Result>((resolve) => (finished = resolve));
const traffic = autocannon(
  { url: `http://127.0.0.1:${proxy.port}/small`, connections: 20, duration: 120 },
  (_err, result) => finished(result),
);
await new Promise((r) => setTimeout(r, 500));
const yaml = await call(proxy.controlPort, 'POST', '/api/v1/gateways', hostile);
const imported = await call(proxy.controlPort, 'POST', '/api/v1/log/import', bigHar, 'application/json');
const exported = await call(proxy.controlPort, 'GET', '/api/v1/log.har');
traffic.stop();
const load = await done;
const eld = await ask<{ p99: number; max: number }>(proxy, 'eld');
proxy.proc.kill();
upstream.proc.kill();

console.log(`  hostile YAML body:   ${yaml.status} in ${yaml.ms} ms`);
console.log(
  `  ${(bigHar.length / 1024 / 1024).toFixed(0)} MiB HAR import:   ${imported.status} in ${imported.ms} ms`,
);
console.log(
  `  log.har export:      ${exported.status}, ${(exported.bytes / 1024 / 1024).toFixed(0)} MiB in ${exported.ms} ms`,
);
console.log(
  `  proxy traffic:       ${load.requests.average.toFixed(0)} req/s, p99 ${load.latency.p99} ms, errors ${load.errors + load.non2xx}`,
);
console.log(
  `  engine event-loop delay: p99 ${eld.p99.toFixed(1)} ms, max ${eld.max.toFixed(1)} ms (bar: p99 < 50 ms)`,
);
