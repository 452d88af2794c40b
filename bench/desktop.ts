import { fork, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import autocannon from 'autocannon';

/**
 * `npm run bench:desktop`: the desktop app's main process (engine, control plane, and the window's
 * renderer at the end of a structured-clone channel, as Electron's IPC is) under 5,000 req/s of small
 * GETs for BENCH_SECONDS (default 10). Reports the engine process's event-loop delay p99 (bar: < 20 ms)
 * and how late log batches reach the renderer (bar: p99 < 250 ms).
 */
const HERE = import.meta.dirname;
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const RATE = 5000;

function start(script: string, args: string[]): Promise<{ proc: ChildProcess; port: number }> {
  const proc = fork(path.join(HERE, script), args, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  return new Promise((resolve, reject) => {
    proc.once('message', (m: { port: number }) => resolve({ proc, port: m.port }));
    proc.once('exit', (code) => reject(new Error(`${script} exited with ${code}`)));
  });
}

function ask<T>(proc: ChildProcess, type: string): Promise<T> {
  return new Promise((resolve) => {
    proc.once('message', (m: T) => resolve(m));
    proc.send({ type });
  });
}

const upstream = await start('upstream.js', []);
const desktop = await start('desktop-engine.js', [String(upstream.port)]);
const url = `http://127.0.0.1:${desktop.port}/small`;
await autocannon({ url, connections: 50, duration: 1, overallRate: RATE }); // warm-up
desktop.proc.send({ type: 'eld-start' });
const r = await autocannon({ url, connections: 50, duration: SECONDS, overallRate: RATE });
const eld = await ask<{ p99: number; max: number }>(desktop.proc, 'eld');
const lag = await ask<{ batches: number; entries: number; p50: number; p99: number; max: number }>(
  desktop.proc,
  'lag',
);
desktop.proc.kill();
upstream.proc.kill();
console.log(
  `Switchyard desktop benchmark: ${RATE} req/s for ${SECONDS}s through a gateway, log streamed to a renderer over structured-clone IPC, node ${process.version}`,
);
console.log(`  carried: ${r.requests.average.toFixed(0)} req/s, errors ${r.errors + r.non2xx}`);
console.log(
  `  engine event-loop delay: p99 ${eld.p99.toFixed(1)} ms, max ${eld.max.toFixed(1)} ms   (bar: p99 < 20 ms)`,
);
console.log(
  `  log batches to the renderer: ${lag.batches} batches, ${lag.entries} entries; lag p50 ${lag.p50} ms, p99 ${lag.p99} ms, max ${lag.max} ms   (bar: p99 < 250 ms)`,
);
