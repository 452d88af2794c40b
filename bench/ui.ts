import { fork, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { chromium } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from './chromium.js';

/**
 * `npm run bench:ui`: the request log under load. A real `switchyard serve`, the UI open in Debian's
 * Chromium on the log, and 100,000 requests at 2,000 per second through a gateway (bounded: UI_BENCH_COUNT
 * requests at UI_BENCH_RATE per second). Reports frame times (p50/p95/max) while the entries stream in
 * and the renderer's JS heap afterwards. Bar: p95 frame under 50 ms, memory under 300 MB.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const COUNT = Number(process.env.UI_BENCH_COUNT ?? 100_000);
const RATE = Number(process.env.UI_BENCH_RATE ?? 2000);

async function main(): Promise<void> {
  const upstream = fork(path.join(import.meta.dirname, 'upstream.js'), [], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const upstreamPort = await new Promise<number>((resolve) =>
    upstream.once('message', (m: { port: number }) => resolve(m.port)),
  );
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ui-bench-'));
  await writeFile(
    path.join(dir, 'switchyard.yaml'),
    `gateways:\n  - name: bench\n    port: 0\n    routes:\n      a: { targets: [http://127.0.0.1:${upstreamPort}], weight: 70% }\n      b: { targets: [http://127.0.0.1:${upstreamPort}], weight: 30% }\n`,
  );
  const serve = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/switchyard.js'),
      'serve',
      '--config',
      'switchyard.yaml',
      '--control-port',
      '0',
      '--log',
      'none',
    ],
    { cwd: dir },
  );
  let out = '';
  serve.stdout.on('data', (d) => (out += String(d)));
  const ports = await new Promise<{ control: number; gateway: number }>((resolve) => {
    const check = setInterval(() => {
      const control = /control server on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      const gateway = /gateway 'bench' listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(out);
      if (control && gateway) {
        clearInterval(check);
        resolve({ control: Number(control[1]), gateway: Number(gateway[1]) });
      }
    }, 50);
  });

  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(`http://127.0.0.1:${ports.control}/`);
    await page.getByText('Connected').waitFor();
    await page.evaluate(() => {
      const w = globalThis as unknown as {
        frames: number[];
        requestAnimationFrame(cb: (t: number) => void): number;
      };
      w.frames = [];
      let last = 0;
      const tick = (t: number) => {
        if (last) w.frames.push(t - last);
        last = t;
        w.requestAnimationFrame(tick);
      };
      w.requestAnimationFrame(tick);
    });
    console.log(`UI benchmark: ${COUNT} requests at ${RATE}/s through a gateway, the log open in Chromium`);
    const started = Date.now();
    const load = await autocannon({
      url: `http://127.0.0.1:${ports.gateway}/small`,
      connections: 20,
      amount: COUNT,
      overallRate: RATE,
    });
    const seconds = (Date.now() - started) / 1000;
    await page.waitForTimeout(1500);
    const frames = await page.evaluate(() => (globalThis as unknown as { frames: number[] }).frames);
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Performance.enable');
    await cdp.send('HeapProfiler.collectGarbage');
    const metrics = (await cdp.send('Performance.getMetrics')).metrics as { name: string; value: number }[];
    const metric = (name: string) => metrics.find((m) => m.name === name)?.value ?? 0;
    const shown = await page.locator('.log-toolbar .count').textContent();
    await page.screenshot({ path: path.join(ROOT, 'bench-results-ui.png') });
    const sorted = [...frames].sort((a, b) => a - b);
    const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
    console.log(
      `  sent ${load.requests.total} requests in ${seconds.toFixed(1)} s (${(load.requests.total / seconds).toFixed(0)}/s), non-2xx ${load.non2xx}, errors ${load.errors}`,
    );
    console.log(`  the log shows: ${shown}`);
    console.log(
      `  frames: ${frames.length}, p50 ${pct(0.5).toFixed(1)} ms, p95 ${pct(0.95).toFixed(1)} ms, max ${(sorted.at(-1) ?? 0).toFixed(1)} ms   (bar: p95 < 50 ms)`,
    );
    console.log(
      `  renderer JS heap after GC: ${(metric('JSHeapUsedSize') / 1024 / 1024).toFixed(0)} MB (total ${(metric('JSHeapTotalSize') / 1024 / 1024).toFixed(0)} MB), DOM nodes ${metric('Nodes')}   (bar: < 300 MB)`,
    );
  } finally {
    await browser.close();
    serve.kill('SIGTERM');
    upstream.kill();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
