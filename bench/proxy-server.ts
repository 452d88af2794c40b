import http from 'node:http';
import net from 'node:net';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { AddressInfo } from 'node:net';
import httpProxy from 'http-proxy';
import { ControlPlane } from '../main/api/control-plane.js';
import { ControlServer } from '../main/control/control-server.js';
import { Engine } from '../main/engine/engine.js';
import { loadConfigText } from '../shared/config/load.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LocalCa } from '../main/tls/local-ca.js';
import { applyResidentHeapPolicy } from '../main/host/heap-policy.js';
import { startBareUndici } from './bare-undici.js';

/**
 * One proxy under test, in its own process so its memory is its own. argv: mode, upstream port.
 * Modes: undici (a bare forwarding proxy on undici: the floor), relay (a TCP relay: the ceiling), raw
 * (http-proxy with default options plus a keep-alive agent), switchyard (a gateway with two weighted
 * routes, logging on), switchyard-nolog (the same without the request log), switchyard-control (the
 * gateway inside a control plane with its control server, as `serve` runs it; it also reports the
 * control server's port), switchyard-https (the gateway on a TLS port).
 * It reports its port, then answers { rss } requests with its peak resident memory (overall, and since the
 * last { phase } message).
 */
const [mode, upstreamPort] = [process.argv[2], Number(process.argv[3])];
const upstream = `http://127.0.0.1:${upstreamPort}`;
let peakRss = process.memoryUsage.rss();
// The peak since the last 'phase' message too: one workload's own figure, in a process that ran others.
let phasePeak = peakRss;
// process.memoryUsage.rss(), not memoryUsage(): the latter also walks the heap (measured 0.3-0.35 ms a call
// under load in --cpu-prof), which at 40 samples a second took over 1% of the proxy under test.
setInterval(() => {
  const now = process.memoryUsage.rss();
  peakRss = Math.max(peakRss, now);
  phasePeak = Math.max(phasePeak, now);
}, 25).unref();

let controlPort: number | undefined;

async function start(): Promise<number> {
  if (mode === 'undici') return startBareUndici(upstream);
  if (mode === 'relay') return tcpRelay();
  if (mode === 'raw') {
    const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 256 });
    const proxy = httpProxy.createProxyServer({ target: upstream, agent });
    proxy.on('error', (_err, _req, res) => {
      if (res instanceof http.ServerResponse && !res.headersSent) res.writeHead(502).end();
    });
    const server = http.createServer((req, res) => proxy.web(req, res));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as AddressInfo).port;
  }
  // switchyard-https: the same gateway on a TLS port (HTTP/2 and HTTP/1.1 by ALPN), certificates from
  // a CA made for this run.
  // As the product runs it (AppHost applies the same policy in serve and the desktop app).
  applyResidentHeapPolicy();
  const https = mode === 'switchyard-https';
  const ca = https ? new LocalCa(mkdtempSync(path.join(tmpdir(), 'switchyard-bench-ca-'))) : undefined;
  const engine = new Engine({ logging: mode !== 'switchyard-nolog', ...(ca ? { ca } : {}) });
  const yaml = `name: bench
port: ${https ? '0/https' : 0}
routes:
  a: { targets: [${upstream}], weight: 50% }
  b: { targets: [${upstream}], weight: 50% }
${
  // switchyard-shadow: every request is also copied to a shadow route and compared (issue 14's bar: client
  // p99 within 10% of switchyard (logging on), memory bounded).
  mode === 'switchyard-shadow' ? `  shadow: { targets: [${upstream}], weight: 0%, shadow: 100% }\n` : ''
}`;
  if (mode === 'switchyard-control') {
    const plane = new ControlPlane(engine);
    const loaded = await plane.store.load(yaml);
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    const control = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'bench' });
    controlPort = await control.listen();
  } else {
    const loaded = loadConfigText(yaml);
    if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
    await engine.apply(loaded.config);
  }
  return engine.status()[0]!.boundPort!;
}

/**
 * The ceiling of any Node proxy: bytes copied between a client's connection and one of its own to the
 * upstream, with no HTTP parsed, routed or logged. What a Node proxy of any design could reach on
 * keep-alive connections, beside nginx and Caddy (issue 16's 1 MiB bar). With a new connection per
 * request it also opens one to the upstream each time, which a pooling proxy does not: no ceiling there.
 */
async function tcpRelay(): Promise<number> {
  const server = net.createServer((client) => {
    const up = net.connect(upstreamPort, '127.0.0.1');
    client.on('error', () => up.destroy());
    up.on('error', () => client.destroy());
    client.pipe(up);
    up.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

const port = await start();
process.send?.({ port, controlPort });
// Event-loop delay of this (the engine's) process, between an 'eld-start' and an 'eld' message.
let delay: IntervalHistogram | undefined;
process.on('message', (m: { type: string }) => {
  if (m.type === 'eld-start') {
    delay = monitorEventLoopDelay({ resolution: 10 });
    delay.enable();
  }
  if (m.type === 'eld' && delay) {
    delay.disable();
    process.send?.({ p99: delay.percentile(99) / 1e6, max: delay.max / 1e6 });
  }
  if (m.type === 'phase') phasePeak = process.memoryUsage.rss();
  if (m.type === 'rss') {
    const now = process.memoryUsage.rss();
    process.send?.({ rss: Math.max(peakRss, now), phase: Math.max(phasePeak, now), now });
  }
});
process.on('disconnect', () => process.exit(0));
