import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../helpers/cleanup.js';
import type { Engine } from '../../main/engine/engine.js';
import { eventually, rawExchange, request } from '../helpers/client.js';
import { ConfigStore } from '../../main/api/config-store.js';
import { applyConfig, startEngine } from '../helpers/engine.js';
import { closedPort, startUpstream } from '../helpers/upstream.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

const cleanup = cleanupAfterEach();

const upstreams = (...names: string[]) => upstreamsFor(cleanup, ...names);

async function engineFor(
  yaml: string,
  options = {},
): Promise<{ engine: Engine; port: (g?: string) => number }> {
  const started = await startEngine(yaml, options);
  cleanup.push(() => started.engine.stop(100));
  return started;
}

/** Sends n requests and counts which upstream answered. */
async function distribution(
  port: number,
  n: number,
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await request(port, '/', { headers });
    expect(r.status).toBe(200);
    const name = r.json<{ name: string }>().name;
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const share = (counts: Record<string, number>, name: string, n: number) => ((counts[name] ?? 0) / n) * 100;

// Tolerance for the Vamp examples: 400 requests with the engine's seeded source; the binomial standard
// deviation of a 50% share over 400 is 2.5 points, so 8 points is over three of them.
const N = 400;
const TOLERANCE = 8;

describe('the Vamp gateway examples, on real sockets', () => {
  it('routes all and only Firefox users to service_B', async () => {
    const [a, b] = await upstreams('service_A', 'service_B');
    const { port } = await engineFor(`name: vamp
port: 0
routes:
  "[${a!.hostPort}]": { weight: 100% }
  "[${b!.hostPort}]":
    weight: 0%
    condition_strength: 100%
    condition: user-agent == Firefox
`);
    expect(await distribution(port(), 40, { 'user-agent': FIREFOX })).toEqual({ service_B: 40 });
    expect(await distribution(port(), 40, { 'user-agent': CHROME })).toEqual({ service_A: 40 });
  });

  it('sends half of Firefox users to service_B and splits the rest 80/20', async () => {
    const [a, b] = await upstreams('service_A', 'service_B');
    const { port } = await engineFor(`name: vamp
port: 0
routes:
  "[${a!.hostPort}]": { weight: 80% }
  "[${b!.hostPort}]":
    weight: 20%
    condition_strength: 50%
    condition: user-agent == Firefox
`);
    const firefox = await distribution(port(), N, { 'user-agent': FIREFOX });
    expect(Math.abs(share(firefox, 'service_B', N) - 60)).toBeLessThan(TOLERANCE);
    const others = await distribution(port(), N, { 'user-agent': CHROME });
    expect(Math.abs(share(others, 'service_B', N) - 20)).toBeLessThan(TOLERANCE);
  });

  it('A/B tests two deployments 90/10', async () => {
    const [v1, v2] = await upstreams('sava:1.0', 'sava:1.1');
    const { port } = await engineFor(`---
name: sava
port: 0/http
routes:
  "[${v1!.hostPort}]":
    weight: 90%
  "[${v2!.hostPort}]":
    weight: 10%
`);
    const c = await distribution(port(), N);
    expect(Math.abs(share(c, 'sava:1.1', N) - 10)).toBeLessThan(TOLERANCE);
  });

  it('splits the mesos example 50/50 and keeps each client on its route (sticky: route)', async () => {
    const [m1, m2] = await upstreams('mesos-1', 'mesos-2');
    const { port } = await engineFor(`name: mesos
port: 0/http
sticky: route

routes:
  "[${m1!.hostPort}]":
    weight: 50%
  "[${m2!.hostPort}]":
    weight: 50%
`);
    const c = await distribution(port(), N);
    expect(Math.abs(share(c, 'mesos-1', N) - 50)).toBeLessThan(TOLERANCE);
    const first = await request(port(), '/');
    const setCookie = first.headers['set-cookie']?.[0] ?? '';
    expect(setCookie).toMatch(/; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(setCookie).not.toContain(String(m1!.port));
    const cookie = setCookie.split(';')[0]!;
    const pinned = await distribution(port(), 30, { cookie });
    expect(pinned).toEqual({ [first.json<{ name: string }>().name]: 30 });
  });
});

describe('routing features end to end', () => {
  it('chains gateways in-process', async () => {
    const [api] = await upstreams('api');
    const { port } = await engineFor(`gateways:
  - name: edge
    port: 0
    routes:
      backend: { weight: 100%, rewrites: [{ strip_prefix: /edge }] }
  - name: backend
    port: 0
    routes:
      "[${api!.hostPort}]": {}
`);
    const r = await request(port('edge'), '/edge/things?x=1');
    expect(r.json()).toMatchObject({ name: 'api', url: '/things?x=1' });
  });

  it('honours the override header and query, and marks them in the log', async () => {
    const [a, b] = await upstreams('a', 'b');
    const { engine, port } = await engineFor(`name: g
port: 0
routes:
  a: { targets: [${a!.url}], weight: 100% }
  b: { targets: [${b!.url}], weight: 0% }
`);
    expect((await request(port(), '/', { headers: { 'x-switchyard-route': 'b' } })).json()).toMatchObject({
      name: 'b',
    });
    expect((await request(port(), '/?switchyard-route=b')).json()).toMatchObject({ name: 'b' });
    // The override header is the proxy's business, not the upstream's.
    expect(b!.requests[0]!.headers['x-switchyard-route']).toBeUndefined();
    const bad = await request(port(), '/', { headers: { 'x-switchyard-route': 'zzz' } });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain("override names route 'zzz'");
    const entries = engine.log.page(0);
    expect(entries.map((e) => [e.route, e.override, e.status])).toEqual([
      ['b', true, 200],
      ['b', true, 200],
      [undefined, false, 400],
    ]);
  });

  it('rewrites the path upstream but routes on the normalised path', async () => {
    const [api, web] = await upstreams('api', 'web');
    const { engine, port } = await engineFor(`name: g
port: 0
routes:
  api:
    targets: [${api!.url}]
    weight: 0%
    condition: path starts-with /api
    rewrites:
      - path: /v2%[path] if path starts-with /api
  web: { targets: [${web!.url}], weight: 100% }
`);
    expect((await request(port(), '/api/users?id=1')).json()).toMatchObject({
      name: 'api',
      url: '/v2/api/users?id=1',
    });
    expect((await request(port(), '/api/../admin')).json()).toMatchObject({ name: 'web', url: '/admin' });
    expect((await request(port(), '/api/%2e%2e/admin')).json()).toMatchObject({ name: 'web', url: '/admin' });
    const entry = engine.log.page(0)[0]!;
    expect(entry).toMatchObject({
      path: '/api/users?id=1',
      forwardedPath: '/v2/api/users?id=1',
      route: 'api',
    });
    expect(entry.trace.map((t) => t.text)).toContain('path rewritten /api/users -> /v2/api/users');
  });

  it('forwards to a target with a base path and to several instances round-robin', async () => {
    const [i1, i2] = await upstreams('i1', 'i2');
    const { port } = await engineFor(`name: g
port: 0
routes:
  app: { targets: ["${i1!.url}/base", "${i2!.url}/base"] }
`);
    const names = [];
    for (let i = 0; i < 4; i++)
      names.push((await request(port(), '/x')).json<{ name: string; url: string }>());
    expect(names.map((n) => `${n.name} ${n.url}`)).toEqual([
      'i1 /base/x',
      'i2 /base/x',
      'i1 /base/x',
      'i2 /base/x',
    ]);
  });
});

describe('headers', () => {
  it('strips hop-by-hop headers both ways and sets X-Forwarded-* and Host', async () => {
    const up = await startUpstream('up', (req, res) => {
      res.writeHead(200, {
        connection: 'x-up-secret, keep-alive',
        'x-up-secret': '1',
        'keep-alive': 'timeout=5',
        'x-kept': 'yes',
        'content-type': 'application/json',
      });
      res.end(JSON.stringify(req.headers));
    });
    cleanup.push(() => up.close());
    const { port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${up.hostPort}]": {}\n`);
    const r = await request(port(), '/', {
      headers: {
        connection: 'x-secret, keep-alive',
        'x-secret': 'drop me',
        'keep-alive': 'timeout=1',
        'proxy-authorization': 'Basic Zm9vOmJhcg==',
        te: 'trailers',
        'x-forwarded-for': '6.6.6.6',
        'x-forwarded-host': 'evil.test',
        'x-kept': 'yes',
      },
    });
    const seen = r.json<Record<string, string>>();
    expect(seen['x-secret']).toBeUndefined();
    expect(seen['keep-alive']).toBeUndefined();
    expect(seen['proxy-authorization']).toBeUndefined();
    expect(seen.te).toBeUndefined();
    expect(seen['x-kept']).toBe('yes');
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-forwarded-host']).toBe(`127.0.0.1:${port()}`);
    expect(seen['x-forwarded-proto']).toBe('http');
    expect(seen['x-forwarded-port']).toBe(String(port()));
    expect(seen.host).toBe(up.hostPort);
    expect(r.headers['x-up-secret']).toBeUndefined();
    expect(r.headers['x-kept']).toBe('yes');
  });

  it('keeps the client Host with preserve_host', async () => {
    const [up] = await upstreams('up');
    const { port } = await engineFor(
      `name: g\nport: 0\npreserve_host: true\nroutes:\n  "[${up!.hostPort}]": {}\n`,
    );
    const r = await request(port(), '/', { headers: { host: 'app.localhost:9999' } });
    expect(r.json<{ headers: Record<string, string> }>().headers.host).toBe('app.localhost:9999');
  });
});

describe('failures are answered, never crashes', () => {
  it('502 for an unreachable upstream, naming gateway, route, target and cause (JSON when asked)', async () => {
    const dead = await closedPort();
    const { engine, port } = await engineFor(
      `name: shop\nport: 0\nroutes:\n  v2: { targets: [127.0.0.1:${dead}] }\n`,
    );
    const text = await request(port(), '/');
    expect(text.status).toBe(502);
    expect(text.headers['content-type']).toContain('text/plain');
    expect(text.body).toContain(
      `gateway 'shop', route 'v2', target http://127.0.0.1:${dead}: connection refused (ECONNREFUSED)`,
    );
    const json = await request(port(), '/', { headers: { accept: 'application/json' } });
    expect(json.json()).toMatchObject({
      error: {
        status: 502,
        gateway: 'shop',
        route: 'v2',
        target: `http://127.0.0.1:${dead}`,
        cause: 'connection refused (ECONNREFUSED)',
      },
    });
    expect(engine.log.page(0)[0]!.error).toContain('connection refused');
  });

  it('502 for an upstream that resets or answers garbage', async () => {
    const reset = await startUpstream('reset', (req) => req.socket.destroy());
    const garbage = await startUpstream('garbage', (req) => {
      req.socket.end('NOT HTTP AT ALL\r\n\r\n');
    });
    cleanup.push(
      () => reset.close(),
      () => garbage.close(),
    );
    const { port } = await engineFor(`gateways:
  - { name: r, port: 0, routes: { "[${reset.hostPort}]": {} } }
  - { name: g, port: 0, routes: { "[${garbage.hostPort}]": {} } }
`);
    const r = await request(port('r'), '/');
    expect(r.status).toBe(502);
    expect(r.body).toMatch(/reset|closed/);
    const g = await request(port('g'), '/');
    expect(g.status).toBe(502);
    expect(g.body).toContain('invalid response from the upstream');
  });

  it('504 when the upstream does not answer within timeout, and the upstream request is destroyed', async () => {
    let upstreamClosed = false;
    const slow = await startUpstream('slow', (req) => req.on('close', () => (upstreamClosed = true)));
    cleanup.push(() => slow.close());
    const { port } = await engineFor(
      `name: g\nport: 0\ntimeout: 300ms\nroutes:\n  "[${slow.hostPort}]": {}\n`,
    );
    const r = await request(port(), '/');
    expect(r.status).toBe(504);
    expect(r.body).toContain('no response within 300 ms (timeout)');
    await eventually(() => upstreamClosed, 2000, 'the upstream request to close');
  });

  it('503 when no route can take the request', async () => {
    const [a] = await upstreams('a');
    const { port } = await engineFor(
      `name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": { weight: 0%, condition: has cookie beta }\n`,
    );
    const r = await request(port(), '/');
    expect(r.status).toBe(503);
    expect(r.body).toContain("gateway 'g': no route can take the request");
    expect((await request(port(), '/', { headers: { cookie: 'beta=1' } })).status).toBe(200);
  });

  it('400 for targets that are not origin-form paths, 431 for oversized headers', async () => {
    const [a] = await upstreams('a');
    const { engine, port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    for (const target of ['http://evil.test/x', '//evil.test/x', '/a\\b']) {
      const reply = await rawExchange(
        port(),
        `GET ${target} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
      );
      expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    }
    const huge = await rawExchange(
      port(),
      `GET / HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(40_000)}\r\n\r\n`,
    );
    expect(huge).toMatch(/^HTTP\/1\.1 431 /);
    const garbage = await rawExchange(port(), 'THIS IS NOT HTTP\r\n\r\n');
    expect(garbage).toMatch(/^HTTP\/1\.1 400 /);
    expect(a!.requests).toHaveLength(0);
    expect(engine.log.page(0).map((e) => e.status)).toEqual([400, 400, 400, 431, 400]);
    // Still serving.
    expect((await request(port(), '/')).status).toBe(200);
  });

  it('an aborted request leaves no upstream connection behind (SSE)', async () => {
    let open = 0;
    const sse = await startUpstream('sse', (req, res) => {
      open++;
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      const timer = setInterval(() => res.write('data: tick\n\n'), 20);
      req.on('close', () => {
        clearInterval(timer);
        open--;
      });
    });
    cleanup.push(() => sse.close());
    const { engine, port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${sse.hostPort}]": {}\n`);
    await new Promise<void>((resolve, reject) => {
      const req = http.get({ host: '127.0.0.1', port: port(), path: '/events', agent: false }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => undefined);
      setTimeout(() => reject(new Error('no event arrived')), 3000);
    });
    await eventually(() => open === 0, 2000, 'the upstream SSE request to close');
    await eventually(() => engine.log.page(0).length === 1, 2000, 'the log entry');
    expect(engine.log.page(0)[0]).toMatchObject({
      status: 200,
      error: expect.stringContaining('client closed the connection'),
    });
  });
});

describe('bodies and the request log', () => {
  it('streams a large body both ways and keeps capped previews', async () => {
    const echo = await startUpstream('echo', (req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      req.pipe(res);
    });
    cleanup.push(() => echo.close());
    const { engine, port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${echo.hostPort}]": {}\n`, {
      previewBytes: 1024,
    });
    const size = 32 * 1024 * 1024;
    const received = await new Promise<number>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port: port(), method: 'POST', path: '/upload', agent: false },
        (res) => {
          let n = 0;
          res.on('data', (c: Buffer) => (n += c.length));
          res.on('end', () => resolve(n));
        },
      );
      req.on('error', reject);
      const chunk = Buffer.alloc(64 * 1024, 7);
      let sent = 0;
      const pump = () => {
        while (sent < size) {
          sent += chunk.length;
          if (!req.write(chunk)) return req.once('drain', pump);
        }
        req.end();
      };
      pump();
    });
    expect(received).toBe(size);
    await eventually(() => engine.log.page(0).length === 1, 2000, 'the log entry');
    const e = engine.log.page(0)[0]!;
    expect(e).toMatchObject({ bytesIn: size, bytesOut: size, status: 200 });
    expect(e.requestBody).toMatchObject({ truncated: true });
    expect(Buffer.from(e.requestBody!.base64, 'base64')).toEqual(Buffer.alloc(1024, 7));
  });

  it('handles Expect: 100-continue uploads, HEAD, 204 and redirects (passed back, never followed)', async () => {
    const up = await startUpstream('up', (req, res) => {
      if (req.url === '/none') return void res.writeHead(204).end();
      if (req.url === '/moved')
        return void res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
      let n = 0;
      req.on('data', (c: Buffer) => (n += c.length));
      req.on('end', () =>
        res
          .writeHead(200, { 'content-type': 'application/json', 'x-n': String(n) })
          .end(JSON.stringify({ n, expect: req.headers.expect ?? null })),
      );
    });
    cleanup.push(() => up.close());
    const { port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${up.hostPort}]": {}\n`);
    const body = Buffer.alloc(100_000, 1);
    const continued = await new Promise<string>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: port(),
          method: 'PUT',
          path: '/upload',
          agent: false,
          headers: { expect: '100-continue', 'content-length': body.length },
        },
        (res) => {
          let text = '';
          res.on('data', (c) => (text += String(c)));
          res.on('end', () => resolve(text));
        },
      );
      req.on('continue', () => req.end(body));
      req.on('error', reject);
    });
    expect(JSON.parse(continued)).toEqual({ n: 100_000, expect: null });
    const head = await request(port(), '/h', { method: 'HEAD' });
    expect([head.status, head.body, head.headers['x-n']]).toEqual([200, '', '0']);
    expect((await request(port(), '/none')).status).toBe(204);
    const moved = await request(port(), '/moved');
    expect([moved.status, moved.headers.location]).toEqual([302, 'http://127.0.0.1:1/elsewhere']);
  });

  it('records headers, bodies and the decision', async () => {
    const [a] = await upstreams('a');
    const { engine, port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    await request(port(), '/submit', {
      method: 'POST',
      body: '{"hello":"world"}',
      headers: { 'content-type': 'application/json' },
    });
    const e = engine.log.page(0)[0]!;
    expect(e).toMatchObject({
      gateway: 'g',
      route: `[${a!.hostPort}]`,
      target: a!.url,
      method: 'POST',
      path: '/submit',
      status: 200,
      bytesIn: 17,
    });
    expect(Buffer.from(e.requestBody!.base64, 'base64').toString()).toBe('{"hello":"world"}');
    expect(JSON.parse(Buffer.from(e.responseBody!.base64, 'base64').toString())).toMatchObject({ name: 'a' });
    expect(e.requestHeaders['content-type']).toBe('application/json');
    expect(e.responseHeaders['x-upstream']).toBe('a');
    expect(e.trace[0]!.kind).toBe('weight');
  });
});

describe('apply', () => {
  it('re-applies on the same port without dropping a request in flight', async () => {
    const slow = await startUpstream('slow', (req, res) => {
      setTimeout(() => res.end('slow done'), 300);
    });
    const [fast] = await upstreams('fast');
    cleanup.push(() => slow.close());
    const { engine, port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${slow.hostPort}]": {}\n`);
    const before = port();
    const inFlight = request(before, '/');
    await eventually(() => slow.requests.length === 1, 2000, 'the slow request to arrive');
    await applyConfig(engine, `name: g\nport: 0\nroutes:\n  "[${fast!.hostPort}]": {}\n`);
    expect(port()).toBe(before);
    const done = await inFlight;
    expect([done.status, done.body]).toEqual([200, 'slow done']);
    expect((await request(before, '/')).json()).toMatchObject({ name: 'fast' });
  });

  it('an invalid configuration is rejected whole and the running one keeps serving', async () => {
    const [a] = await upstreams('a');
    const { engine, port } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    const store = new ConfigStore(engine);
    const r = await store.load(
      `gateways:\n  - { name: g, port: 0, routes: { "[${a!.hostPort}]": { weight: 50% } } }\n  - { name: h, port: 0 }\n`,
    );
    expect(r.ok).toBe(false);
    expect(engine.status().map((s) => s.gateway)).toEqual(['g']);
    expect((await request(port(), '/')).status).toBe(200);
  });

  it('reports a port that cannot be bound on its gateway while the others serve', async () => {
    const [a] = await upstreams('a');
    const squatter = http.createServer();
    await new Promise<void>((resolve) => squatter.listen(0, '127.0.0.1', resolve));
    cleanup.push(() => new Promise((resolve) => squatter.close(() => resolve())));
    const taken = (squatter.address() as { port: number }).port;
    const { engine, port } = await engineFor(`gateways:
  - { name: blocked, port: ${taken}, routes: { "[${a!.hostPort}]": {} } }
  - { name: fine, port: 0, routes: { "[${a!.hostPort}]": {} } }
`);
    const blocked = engine.status().find((s) => s.gateway === 'blocked')!;
    expect(blocked).toMatchObject({
      state: 'error',
      error: `port ${taken} is already in use on 127.0.0.1 (another program, or another gateway, listens there)`,
    });
    expect((await request(port('fine'), '/')).status).toBe(200);
  });

  it('pauses every listener without changing the configuration, and resumes', async () => {
    const [a] = await upstreams('a');
    const { engine } = await engineFor(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
    const before = engine.current;
    const paused = await engine.setPaused(true);
    expect(paused.map((s) => s.state)).toEqual(['stopped']);
    expect(engine.current).toBe(before);
    const resumed = await engine.setPaused(false);
    expect(resumed[0]!.state).toBe('listening');
    expect((await request(resumed[0]!.boundPort!, '/')).status).toBe(200);
  });

  it('removes gateways and stops listening on their ports', async () => {
    const [a] = await upstreams('a');
    const { engine, port } = await engineFor(`gateways:
  - { name: one, port: 0, routes: { "[${a!.hostPort}]": {} } }
  - { name: two, port: 0, routes: { "[${a!.hostPort}]": {} } }
`);
    const two = port('two');
    await applyConfig(engine, `gateways:\n  - { name: one, port: 0, routes: { "[${a!.hostPort}]": {} } }\n`);
    await eventually(
      async () =>
        (await request(two, '/').then(
          () => 'open',
          () => 'closed',
        )) === 'closed',
      3000,
      'port to close',
    );
    expect((await request(port('one'), '/')).status).toBe(200);
  });
});
