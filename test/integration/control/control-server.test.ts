import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import WebSocket, { WebSocketServer } from 'ws';
import { parse as parseYaml } from 'yaml';
import { ApiClient } from '../../../shared/api/client.js';
import type { Message, Pipe } from '../../../shared/api/contract.js';
import { websocketPipe } from '../../../shared/api/websocket-pipe.js';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';
import { seededRandom } from '../../../main/engine/random.js';
import { eventually, request, type Reply } from '../../helpers/client.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

const cleanup = cleanupAfterEach();

async function start(
  yaml = 'gateways: []\n',
  opts: { token?: string; allowProxyHosts?: string[]; uiDir?: string } = {},
) {
  const engine = new Engine({ random: seededRandom(5) });
  const plane = new ControlPlane(engine);
  expect(await plane.store.load(yaml)).toEqual({ ok: true });
  const server = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'test', ...opts });
  const port = await server.listen();
  cleanup.push(async () => {
    await server.close();
    plane.close();
    await engine.stop(100);
  });
  const api = (path: string, o: Parameters<typeof request>[2] = {}) =>
    request(port, path, { ...o, headers: { host: `127.0.0.1:${port}`, ...(o.headers ?? {}) } });
  return { engine, plane, port, api };
}

const upstreams = (...names: string[]) => upstreamsFor(cleanup, ...names);

const SAVA = (v1: Upstream, v2: Upstream) => `---
name: sava/9070
port: 0/http
routes:
  "[${v1.hostPort}]":
    weight: 90%          # condition can be used as well
  "[${v2.hostPort}]":
    weight: 10%
`;

async function tally(port: number, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = (await request(port, '/')).json<{ name: string }>().name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function wsConnect(port: number, path: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}${path}`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })),
    );
    ws.once('error', reject);
    cleanup.push(() => ws.terminate());
  });
}

function wsPipe(ws: WebSocket): Pipe {
  return {
    send: (m) => ws.send(JSON.stringify(m)),
    onMessage: (fn) => {
      const listener = (d: WebSocket.RawData) => fn(JSON.parse(String(d)) as Message);
      ws.on('message', listener);
      return () => ws.off('message', listener);
    },
  };
}

describe('REST, shaped like Vamp', () => {
  it("accepts the seed's 90/10 gateway posted as YAML, serves it, and drives it", async () => {
    const [v1, v2] = await upstreams('sava:1.0', 'sava:1.1');
    const { api, engine } = await start();
    const created = await api('/api/v1/gateways', {
      method: 'POST',
      body: SAVA(v1!, v2!),
      headers: { 'content-type': 'application/x-yaml' },
    });
    expect(created.status).toBe(201);
    expect(created.json()).toMatchObject({ name: 'sava/9070', port: '0/http' });
    expect(
      (
        await api('/api/v1/gateways', {
          method: 'POST',
          body: SAVA(v1!, v2!),
          headers: { 'content-type': 'application/yaml' },
        })
      ).status,
    ).toBe(409);

    const one = await api('/api/v1/gateways/sava%2F9070', { headers: { accept: 'application/x-yaml' } });
    expect(one.headers['content-type']).toContain('yaml');
    expect(parseYaml(one.body)).toMatchObject({ name: 'sava/9070' });
    expect((await api('/api/v1/gateways/sava/9070')).json()).toMatchObject({ name: 'sava/9070' });
    expect((await api('/api/v1/gateways')).json<unknown[]>()).toHaveLength(1);

    const port = engine.status()[0]!.boundPort!;
    const before = await tally(port, 200);
    expect(Math.abs((before['sava:1.1'] ?? 0) / 2 - 10)).toBeLessThan(6);

    // Weights changed over the API: the traffic follows at once (the next request sees the new split).
    const flipped = SAVA(v1!, v2!)
      .replace('weight: 90%', 'weight: 0%')
      .replace('weight: 10%', 'weight: 100%');
    const put = await api('/api/v1/gateways/sava%2F9070', {
      method: 'PUT',
      body: flipped,
      headers: { 'content-type': 'application/yaml' },
    });
    expect(put.status).toBe(200);
    expect(await tally(port, 20)).toEqual({ 'sava:1.1': 20 });
  });

  it('validates without applying, rejects invalid input whole with the issues, and is idempotent on delete', async () => {
    const [a] = await upstreams('a');
    const { api, plane } = await start();
    const good = { name: 'g', port: 0, routes: { [`[${a!.hostPort}]`]: {} } };
    const bad = { name: 'g', port: 0, routes: { x: { targets: [a!.url], weight: '30%' } } };
    const json = { 'content-type': 'application/json' };
    expect(
      (
        await api('/api/v1/gateways?validate_only=true', {
          method: 'POST',
          body: JSON.stringify(good),
          headers: json,
        })
      ).status,
    ).toBe(201);
    expect(plane.store.has('g')).toBe(false);
    const invalid = await api('/api/v1/gateways', {
      method: 'POST',
      body: JSON.stringify(bad),
      headers: json,
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({
      error: {
        code: 'invalid_config',
        issues: [
          expect.objectContaining({
            gateway: 'g',
            message: expect.stringContaining('route weights total 30%'),
          }),
        ],
      },
    });
    expect(
      (await api('/api/v1/gateways', { method: 'POST', body: JSON.stringify(good), headers: json })).status,
    ).toBe(201);
    const inconsistent = await api('/api/v1/gateways/other', {
      method: 'PUT',
      body: JSON.stringify(good),
      headers: json,
    });
    expect([inconsistent.status, inconsistent.json<{ error: { message: string } }>().error.message]).toEqual([
      400,
      "Inconsistent name: the path names gateway 'other' but the body names 'g'",
    ]);
    expect(
      (
        await api('/api/v1/gateways/g?validate_only=true', {
          method: 'PUT',
          body: JSON.stringify(bad),
          headers: json,
        })
      ).status,
    ).toBe(400);
    expect((await api('/api/v1/gateways/g', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/gateways/g', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/gateways/g')).status).toBe(404);
  });

  it('answers malformed bodies with the parser message and position, and limits body size', async () => {
    const { api } = await start();
    const badJson = await api('/api/v1/gateways', {
      method: 'POST',
      body: '{"name": "g",',
      headers: { 'content-type': 'application/json' },
    });
    expect(badJson.status).toBe(400);
    expect(badJson.json<{ error: { message: string } }>().error.message).toMatch(
      /^malformed JSON: .*position|^malformed JSON: .*end of JSON/i,
    );
    const badYaml = await api('/api/v1/gateways', {
      method: 'POST',
      body: 'name: g\nroutes: [\n',
      headers: { 'content-type': 'application/yaml' },
    });
    expect(badYaml.status).toBe(400);
    expect(badYaml.json<{ error: { message: string } }>().error.message).toMatch(
      /^malformed YAML \(line \d+, column \d+\)/,
    );
    const huge = await api('/api/v1/gateways', {
      method: 'POST',
      body: 'x'.repeat(1024 * 1024 + 10),
      headers: { 'content-type': 'application/yaml' },
    }).catch(() => ({ status: 413 }) as Reply);
    expect(huge.status).toBe(413);
    expect((await api('/api/v1/nothing')).status).toBe(404);
  });

  it('pages the log, gets an entry, exports HAR, clears, and reports stats and health', async () => {
    const [a] = await upstreams('a');
    const { api, engine } = await start(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    const port = engine.status()[0]!.boundPort!;
    for (let i = 0; i < 3; i++)
      await request(port, `/p${i}?x=${i}`, {
        method: 'POST',
        body: '{"n":1}',
        headers: { 'content-type': 'application/json' },
      });
    await eventually(() => engine.log.lastSeq === 3, 2000, 'three log entries');
    const page = (await api('/api/v1/log?after=1&limit=1')).json<{
      entries: { seq: number; path: string }[];
      lastSeq: number;
    }>();
    expect(page).toMatchObject({ entries: [{ seq: 2, path: '/p1?x=1' }], lastSeq: 3 });
    expect((await api('/api/v1/log/3')).json()).toMatchObject({
      seq: 3,
      requestHeaders: expect.any(Object),
      trace: expect.any(Array),
    });
    expect((await api('/api/v1/log/99')).status).toBe(404);
    const har = (await api('/api/v1/log.har')).json<{
      log: {
        version: string;
        entries: { request: { url: string; postData: { text: string } }; response: { status: number } }[];
      };
    }>();
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries).toHaveLength(3);
    expect(har.log.entries[0]).toMatchObject({
      request: { url: `http://127.0.0.1:${port}/p0?x=0`, postData: { text: '{"n":1}' } },
      response: { status: 200 },
    });
    const stats = (await api('/api/v1/stats?window=60')).json<{
      gateways: { gateway: string; requests: number; routes: { share: number; p50: number }[] }[];
    }>();
    expect(stats.gateways[0]).toMatchObject({ gateway: 'g', requests: 3, routes: [{ share: 100 }] });
    expect((await api('/api/v1/health')).json()).toMatchObject({
      status: 'ok',
      gateways: [{ gateway: 'g', state: 'listening' }],
    });
    expect((await api('/api/v1/export?format=yaml')).body).toContain('name: g');
    const nginx = await api('/api/v1/export?format=nginx');
    expect(nginx.body).toMatch(/^# Exported by Switchyard \S+ \(nginx\)/);
    // The test gateway listens on port 0, which nginx cannot: one warning.
    expect(nginx.headers['x-switchyard-warnings']).toBe('1');
    expect(nginx.body).toContain('port 0 (any free port) has no nginx equivalent');
    expect((await api('/api/v1/export?format=apache')).status).toBe(400);
    expect((await api('/api/v1/log', { method: 'DELETE' })).status).toBe(204);
    expect((await api('/api/v1/log')).json()).toMatchObject({ entries: [] });
  });

  it('sends demo traffic', async () => {
    const [a] = await upstreams('a');
    const { api } = await start(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    const r = await api('/api/v1/traffic', {
      method: 'POST',
      body: JSON.stringify({ gateway: 'g', count: 25 }),
      headers: { 'content-type': 'application/json' },
    });
    expect(r.json()).toMatchObject({
      sent: 25,
      statuses: { '200': 25 },
      routes: { [`[${a!.hostPort}]`]: 25 },
    });
  });
});

describe('the WebSocket stream carries the contract', () => {
  it('answers calls and pushes events', async () => {
    const [a] = await upstreams('a');
    const { port, engine } = await start(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    const client = new ApiClient(wsPipe(await wsConnect(port, '/api/v1/stream')));
    expect((await client.call('gateways.list', {})).map((g) => g.name)).toEqual(['g']);
    const seen: string[] = [];
    client.on('log.appended', (batch) => seen.push(...batch.map((e) => e.path)));
    await request(engine.status()[0]!.boundPort!, '/hello');
    await eventually(() => seen.includes('/hello'), 2000, 'the log event');
    await expect(client.call('gateways.get', { name: 'missing' })).rejects.toMatchObject({
      error: { code: 'not_found' },
    });
  });
});

describe('the browser transport', () => {
  it('speaks the contract over a standard WebSocket, authenticating with the token first', async () => {
    const { port } = await start('gateways: []\n', { token: 't0k' });
    const socket = new globalThis.WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`);
    cleanup.push(() => socket.close());
    const client = new ApiClient(websocketPipe(socket, 't0k'));
    expect(await client.call('engine.status', {})).toEqual([]);
    const saved = await client.call('gateways.save', { gateway: { name: 'b', port: 0 }, create: true });
    expect(saved.status?.state).toBe('listening');
  });
});

describe('reverse-proxy endpoints', () => {
  it('reaches a gateway, one route, one instance, or a loopback host; strips the prefix, keeps the query, logs it', async () => {
    const [a1, a2, b] = await upstreams('a1', 'a2', 'b');
    const { api, engine } = await start(`name: shop/web
port: 0
routes:
  a: { targets: [${a1!.url}, ${a2!.url}], weight: 100% }
  b: { targets: [${b!.url}], weight: 0% }
`);
    expect((await api('/proxy/gateways/shop%2Fweb/x/y?q=1')).json()).toMatchObject({
      name: expect.stringMatching(/^a[12]$/),
      url: '/x/y?q=1',
    });
    expect((await api('/proxy/gateways/shop/web/x')).json()).toMatchObject({ url: '/x' });
    expect((await api('/proxy/gateways/shop%2Fweb/routes/b/compare?v=2')).json()).toMatchObject({
      name: 'b',
      url: '/compare?v=2',
    });
    expect((await api('/proxy/gateways/shop%2Fweb/routes/a/instances/1/i')).json()).toMatchObject({
      name: 'a2',
      url: '/i',
    });
    expect((await api('/proxy/gateways/shop%2Fweb/routes/a/instances/5/i')).status).toBe(404);
    expect((await api('/proxy/gateways/shop%2Fweb/routes/zzz/')).status).toBe(404);
    expect((await api('/proxy/gateways/nope/')).status).toBe(404);
    expect((await api(`/proxy/host/127.0.0.1/port/${b!.port}/direct?z=9`)).json()).toMatchObject({
      name: 'b',
      url: '/direct?z=9',
    });
    await eventually(() => engine.log.lastSeq >= 7, 2000, 'log entries');
    const entries = engine.log.page(0);
    expect(entries.find((e) => e.path === '/proxy/gateways/shop%2Fweb/routes/b/compare?v=2')).toMatchObject({
      gateway: 'shop/web',
      route: 'b',
      forwardedPath: '/compare?v=2',
      override: true,
    });
    expect(entries.at(-1)).toMatchObject({ gateway: `proxy/host/127.0.0.1/port/${b!.port}`, status: 200 });
  });

  it('refuses non-loopback hosts with 403 and the reason, without connecting, unless allowed', async () => {
    let connections = 0;
    const listener = http.createServer().on('connection', () => connections++);
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => listener.close(() => resolve())));
    const { api } = await start();
    const refused = await api('/proxy/host/example.test/port/80/');
    expect(refused.status).toBe(403);
    expect(refused.json<{ error: { message: string } }>().error.message).toBe(
      "host 'example.test' is not allowed: /proxy/host reaches loopback addresses only; allow it with --allow-proxy-host example.test",
    );
    expect((await api('/proxy/host/10.0.0.1/port/80/')).status).toBe(403);
    expect(connections).toBe(0);
  });

  it('passes redirects back without following them, and proxies WebSockets', async () => {
    const redirect = await startUpstream('r', (_req, res) =>
      res.writeHead(302, { location: 'http://127.0.0.1:1/x' }).end(),
    );
    cleanup.push(() => redirect.close());
    const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
    await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
    wss.on('connection', (s, req) => s.on('message', (d) => s.send(`echo ${req.url} ${String(d)}`)));
    cleanup.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
    const wsPort = (wss.address() as { port: number }).port;
    const { api, port } = await start(`gateways:
  - { name: r, port: 0, routes: { "[${redirect.hostPort}]": {} } }
  - { name: w, port: 0, routes: { "[127.0.0.1:${wsPort}]": {} } }
`);
    const moved = await api('/proxy/gateways/r/');
    expect([moved.status, moved.headers.location]).toEqual([302, 'http://127.0.0.1:1/x']);
    const ws = await wsConnect(port, '/proxy/gateways/w/chat?room=1');
    ws.send('hi');
    expect(await new Promise((resolve) => ws.once('message', (d) => resolve(String(d))))).toBe(
      'echo /chat?room=1 hi',
    );
  });
});

describe('the browser UI', () => {
  it('is served with a strict CSP and never carries the token; traversal is refused', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ui-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    await writeFile(
      path.join(dir, 'index.html'),
      '<!doctype html><html><head><title>ui</title></head><body></body></html>',
    );
    await writeFile(path.join(dir, 'app.js'), 'console.log(1)');
    const { api } = await start('gateways: []\n', { uiDir: dir });
    const page = await api('/gateways/shop');
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('switchyard-token');
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect((await api('/app.js')).headers['content-type']).toContain('javascript');
    expect((await api('/../../etc/passwd')).body).not.toContain('root:');
    expect((await api('/%2e%2e/%2e%2e/etc/passwd.txt')).status).toBe(404);
  });
});

describe('security', () => {
  it('refuses a foreign Host (DNS rebinding)', async () => {
    const { port } = await start();
    const r = await request(port, '/api/v1/health', { headers: { host: 'evil.example:7700' } });
    expect(r.status).toBe(403);
    expect(r.body).toContain("Host 'evil.example:7700' is refused");
    for (const host of [`localhost:${port}`, `127.0.0.1:${port}`, `[::1]:${port}`]) {
      expect((await request(port, '/api/v1/health', { headers: { host } })).status).toBe(200);
    }
  });

  it('refuses mutating requests and stream upgrades from a foreign Origin; allows its own and none', async () => {
    const { api, port } = await start();
    const body = JSON.stringify({ name: 'g', port: 0 });
    const json = { 'content-type': 'application/json' };
    const foreign = await api('/api/v1/gateways', {
      method: 'POST',
      body,
      headers: { ...json, origin: 'https://evil.example' },
    });
    expect(foreign.status).toBe(403);
    expect(foreign.body).toContain("Origin 'https://evil.example' is refused");
    expect((await api('/api/v1/gateways', { headers: { origin: 'https://evil.example' } })).status).toBe(200); // reads are not mutations
    expect(
      (
        await api('/api/v1/gateways', {
          method: 'POST',
          body,
          headers: { ...json, origin: `http://127.0.0.1:${port}` },
        })
      ).status,
    ).toBe(201);
    expect((await api('/api/v1/gateways/g', { method: 'DELETE' })).status).toBe(204);
    await expect(wsConnect(port, '/api/v1/stream', { origin: 'https://evil.example' })).rejects.toMatchObject(
      { status: 403 },
    );
    await expect(
      wsConnect(port, '/api/v1/stream', { origin: `http://localhost:${port}` }),
    ).resolves.toBeDefined();
  });

  it('requires the bearer token on REST and as the first stream message', async () => {
    const { api, port } = await start('gateways: []\n', { token: 's3cret' });
    expect((await api('/api/v1/health')).status).toBe(401);
    expect((await api('/api/v1/health', { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await api('/api/v1/health', { headers: { authorization: 'Bearer s3cret' } })).status).toBe(200);

    const unauthenticated = await wsConnect(port, '/api/v1/stream');
    unauthenticated.send(JSON.stringify({ type: 'call', id: 1, command: 'gateways.list', params: {} }));
    const code = await new Promise((resolve) => unauthenticated.once('close', (c) => resolve(c)));
    expect(code).toBe(4401);

    const ws = await wsConnect(port, '/api/v1/stream');
    ws.send(JSON.stringify({ type: 'auth', token: 's3cret' }));
    const client = new ApiClient(wsPipe(ws));
    expect(await client.call('engine.status', {})).toEqual([]);
  });
});
