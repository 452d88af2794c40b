import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { eventually, rawExchange, request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';

/** One flooded gateway cannot take every descriptor, nor open unbounded connections upstream. */
const cleanup = cleanupAfterEach();

describe('connection caps', () => {
  it('answers 503 past max_connections and serves again once connections close', async () => {
    const up = await startUpstream('up');
    cleanup.push(() => up.close());
    const { engine, port } = await startEngine(
      `gateways:\n  - name: g\n    port: 0\n    max_connections: 5\n    routes:\n      up: { target: "${up.url}" }\n`,
    );
    cleanup.push(() => engine.stop(100));
    const idle = Array.from({ length: 5 }, () => net.connect(port('g'), '127.0.0.1'));
    for (const s of idle) s.on('error', () => undefined);
    await Promise.all(idle.map((s) => new Promise((r) => s.once('connect', r))));
    await new Promise((r) => setTimeout(r, 50));
    const refused = await rawExchange(port('g'), 'GET / HTTP/1.1\r\nHost: x\r\n\r\n', 2000);
    expect(refused).toMatch(/^HTTP\/1\.1 503/);
    expect(refused).toContain('too many connections');
    for (const s of idle) s.destroy();
    await eventually(async () => (await request(port('g'), '/')).status === 200, 3000, 'service again');
  });

  it('opens at most max_upstream_connections to a target, queueing the rest', async () => {
    let open = 0;
    let peak = 0;
    const up = await startUpstream('up', (req, res) => setTimeout(() => res.end('ok'), 30));
    up.server.on('connection', (s: net.Socket) => {
      peak = Math.max(peak, ++open);
      s.on('close', () => open--);
    });
    cleanup.push(() => up.close());
    const { engine, port } = await startEngine(
      `gateways:\n  - name: g\n    port: 0\n    max_upstream_connections: 2\n    routes:\n      up: { target: "${up.url}" }\n`,
    );
    cleanup.push(() => engine.stop(100));
    const agent = new http.Agent({ keepAlive: false });
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => request(port('g'), '/').then((r) => r.status)),
    );
    agent.destroy();
    expect(statuses.every((s) => s === 200)).toBe(true);
    expect(peak).toBeLessThanOrEqual(2);
  });
});
