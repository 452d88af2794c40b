import { describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';
import { seededRandom } from '../../../main/engine/random.js';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { applyConfig } from '../../helpers/engine.js';

/**
 * Vamp's forms through the control server and real gateways: the auto-created gateway with instances,
 * its /proxy/deployments/... instance endpoints (HTTP and WebSocket), Vamp's read-only fields, sticky
 * clients at 0% and the drain action, and a catastrophic regex answered at once (issue 9).
 */
const cleanup = cleanupAfterEach();

async function start(yaml: string) {
  const engine = new Engine({ random: seededRandom(5) });
  const plane = new ControlPlane(engine);
  expect(await plane.store.load(yaml)).toEqual({ ok: true });
  const server = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'test' });
  const port = await server.listen();
  cleanup.push(async () => {
    await server.close();
    plane.close();
    await engine.stop(100);
  });
  const api = (path: string, o: Parameters<typeof request>[2] = {}) =>
    request(port, path, { ...o, headers: { host: `127.0.0.1:${port}`, ...(o.headers ?? {}) } });
  const gatewayPort = (name: string) => engine.status().find((s) => s.gateway === name)!.boundPort!;
  return { engine, port, api, gatewayPort };
}

const AUTO = (a: number, b: number, c: number) => `---
name: vamp/sava/port
port: 0/http
sticky: route
routes:
  vamp/sava/sava:1.0.0/port:
    weight: 50%
    instances:
    - { name: vamp_6fd8.cda3, host: default, port: ${a} }
    - { name: vamp_6fd8.cda2, host: default, port: ${b} }
  vamp/sava/sava:1.1.0/port:
    weight: 50%
    instances:
    - { name: vamp_2e2f.caa3, host: 127.0.0.1, port: ${c} }
`;

describe("Vamp's automatically created gateway", () => {
  it('loads, routes to its instances, and answers the /proxy/deployments/... instance endpoints', async () => {
    const [a, b, c] = await upstreamsFor(cleanup, 'a', 'b', 'c');
    const { api, gatewayPort } = await start(AUTO(a!.port, b!.port, c!.port));
    const seen = new Set<string>();
    for (let i = 0; i < 30; i++)
      seen.add((await request(gatewayPort('vamp/sava/port'), '/')).json<{ name: string }>().name);
    expect(seen).toEqual(new Set(['a', 'b', 'c']));
    const instance = await api(
      '/proxy/deployments/vamp/clusters/sava/services/sava:1.0.0/instances/vamp_6fd8.cda2/ports/port/hello?x=1',
    );
    expect(instance.json()).toMatchObject({ name: 'b', url: '/hello?x=1' });
    const numbered = await api(
      '/proxy/deployments/vamp/clusters/sava/service/sava:1.1.0/instances/0/ports/port/',
    );
    expect(numbered.json()).toMatchObject({ name: 'c' });
    const missing = await api('/proxy/deployments/vamp/clusters/sava/services/nope/instances/0/ports/port/');
    expect(missing.status).toBe(404);
    expect(missing.body).toContain("no gateway has a route named 'vamp/sava/nope/port'");
    const badShape = await api('/proxy/deployments/vamp/sava/');
    expect(badShape.status).toBe(404);
    expect(badShape.body).toContain('/proxy/deployments/{deployment}/clusters/');
  });

  it('proxies a WebSocket through a /proxy/workflows/... instance endpoint', async () => {
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise((r) => wss.once('listening', r));
    cleanup.push(() => new Promise<void>((r) => wss.close(() => r())));
    wss.on('connection', (s) => s.on('message', (m) => s.send(`echo ${String(m)}`)));
    const wsPort = (wss.address() as { port: number }).port;
    const { port } = await start(`name: wf
port: 0
routes:
  metrics/port:
    instances: [{ name: w1, host: 127.0.0.1, port: ${wsPort} }]
`);
    const ws = new WebSocket(`ws://127.0.0.1:${port}/proxy/workflows/metrics/instances/w1/ports/port/`);
    cleanup.push(() => ws.terminate());
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    ws.send('hi');
    expect(String(await new Promise((r) => ws.once('message', r)))).toBe('echo hi');
  });

  it("GET /api/v1/gateways/{name} also returns Vamp's read-only fields", async () => {
    const [a, b, c] = await upstreamsFor(cleanup, 'a', 'b', 'c');
    const { api, gatewayPort } = await start(AUTO(a!.port, b!.port, c!.port));
    const g = (await api('/api/v1/gateways/vamp%2Fsava%2Fport')).json();
    expect(g).toMatchObject({
      name: 'vamp/sava/port',
      lookup_name: expect.stringMatching(/^[0-9a-f]{40}$/),
      service: { host: '127.0.0.1', port: `${gatewayPort('vamp/sava/port')}/http` },
      deployed: true,
    });
  });
});

describe('sticky clients and drain', () => {
  it('keep their route at 0%; POST .../routes/{route}/drain moves them', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const yaml = (wa: number, wb: number) => `name: shop
port: 0
sticky: route
routes:
  "[${a!.hostPort}]": { weight: ${wa}% }
  "[${b!.hostPort}]": { weight: ${wb}% }
`;
    const { api, gatewayPort, engine } = await start(yaml(0, 100));
    const first = await request(gatewayPort('shop'), '/');
    expect(first.json()).toMatchObject({ name: 'b' });
    const cookie = String(first.headers['set-cookie']![0]!.split(';')[0]);
    await applyConfig(engine, yaml(100, 0));
    for (let i = 0; i < 5; i++)
      expect((await request(gatewayPort('shop'), '/', { headers: { cookie } })).json()).toMatchObject({
        name: 'b',
      });
    const drained = await api(
      `/api/v1/gateways/shop/routes/${encodeURIComponent(`[${b!.hostPort}]`)}/drain`,
      {
        method: 'POST',
      },
    );
    expect(drained.json()).toEqual({ drained: true });
    expect((await request(gatewayPort('shop'), '/', { headers: { cookie } })).json()).toMatchObject({
      name: 'a',
    });
    expect((await api('/api/v1/gateways/shop/routes/nope/drain', { method: 'POST' })).status).toBe(404);
  });
});

describe('regular expressions in linear time (issue 9)', () => {
  it('header x-test matches "^(a+)+$" against 30 a\'s and "!" answers at once, through a gateway', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const { gatewayPort } = await start(`name: re
port: 0
routes:
  "[${a!.hostPort}]": { weight: 0%, condition: 'header x-test matches "^(a+)+$"' }
  "[${b!.hostPort}]": { weight: 100% }
`);
    const port = gatewayPort('re');
    await request(port, '/'); // warm the connection pool
    const started = performance.now();
    const r = await request(port, '/', { headers: { 'x-test': `${'a'.repeat(30)}!` } });
    const ms = performance.now() - started;
    expect(r.json()).toMatchObject({ name: 'b' });
    expect(ms).toBeLessThan(50);
    expect((await request(port, '/', { headers: { 'x-test': 'aaaa' } })).json()).toMatchObject({ name: 'a' });
  });
});
