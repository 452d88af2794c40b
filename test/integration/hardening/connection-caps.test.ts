import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { eventually, rawExchange, request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startServe } from '../../helpers/serve-process.js';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';

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

  it('keeps the control server answering while 1,000 slow clients flood a gateway', async () => {
    const up = await startUpstream('up');
    cleanup.push(() => up.close());
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-flood-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'switchyard.yaml');
    await writeFile(
      file,
      `gateways:\n  - name: g\n    port: 0\n    max_connections: 300\n    routes:\n      up: { target: "${up.url}" }\n`,
    );
    const s = await startServe(cleanup, ['--config', file, '--log', 'none']);
    const slow: net.Socket[] = [];
    cleanup.push(() => slow.forEach((c) => c.destroy()));
    for (let i = 0; i < 1000; i++) {
      const c = net.connect(s.gatewayPort('g'), '127.0.0.1');
      c.on('error', () => undefined);
      c.write('GET / HTTP/1.1\r\nHost: x\r\n'); // and never the end of the headers
      slow.push(c);
    }
    await new Promise((r) => setTimeout(r, 300));
    expect((await request(s.controlPort, '/api/v1/health')).status).toBe(200);
    expect(s.alive()).toBe(true);
  });

  it('keeps a bounded number of upstream pools when a client walks 300 ports through /proxy/host', async () => {
    const up = await startUpstream('up');
    cleanup.push(() => up.close());
    const engine = new Engine();
    const plane = new ControlPlane(engine);
    const control = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'test' });
    const controlPort = await control.listen();
    cleanup.push(async () => {
      await control.close();
      plane.close();
      await engine.stop(100);
    });
    for (let p = 0; p < 300; p++) {
      const r = await request(controlPort, `/proxy/host/127.0.0.1/port/${20_000 + p}/`, {
        headers: { host: `127.0.0.1:${controlPort}` },
      });
      expect([502, 200]).toContain(r.status);
    }
    // The pools are the transport's own; this is the one place a test looks inside.
    const pools = (engine as unknown as { transport: { upstreams: Map<string, unknown> } }).transport
      .upstreams;
    expect(pools.size).toBeLessThanOrEqual(256);
    const through = await request(controlPort, `/proxy/host/127.0.0.1/port/${up.port}/`, {
      headers: { host: `127.0.0.1:${controlPort}` },
    });
    expect(through.status).toBe(200);
  });
});
