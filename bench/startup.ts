import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from './external-proxies.js';

/**
 * `switchyard serve` with the demo, as a user starts it: the time from spawning the process to the first
 * answer proxied through the demo gateway (polled every 5 ms), and the resident memory once it has been
 * idle for IDLE_MS. Medians of `runs` fresh processes. Bars (issue 16): first answer < 300 ms, idle RSS
 * < 70 MB.
 */
const BIN = path.resolve(import.meta.dirname, '../../bin/switchyard.js');
const IDLE_MS = 3000;

async function once(): Promise<{ firstMs: number; idleRss: number }> {
  const [demo, control] = [await freePort(), await freePort()];
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [BIN, 'serve', '--demo-port', String(demo), '--control-port', String(control), '--log', 'none'],
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
      else await new Promise((r) => setTimeout(r, 5));
    }
    await new Promise((r) => setTimeout(r, IDLE_MS));
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
    return { firstMs, idleRss: Number(kb) * 1024 };
  } finally {
    child.kill();
  }
}

export async function measureStartup(runs = 3): Promise<{ firstMs: number; idleRss: number }> {
  const results = [];
  for (let i = 0; i < runs; i++) results.push(await once());
  const mid = <T>(values: T[]) => [...values].sort()[Math.floor(values.length / 2)] as T;
  return {
    firstMs: mid(results.map((r) => r.firstMs)),
    idleRss: mid(results.map((r) => r.idleRss)),
  };
}

if (process.argv[1] === import.meta.filename) {
  const r = await measureStartup();
  console.log(
    `switchyard serve (demo): first proxied answer ${r.firstMs.toFixed(0)} ms after start (bar: < 300 ms), idle RSS ${(r.idleRss / 1048576).toFixed(0)} MB (bar: < 70 MB); median of 3`,
  );
}
