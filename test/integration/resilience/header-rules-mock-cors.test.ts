import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { memoryPipePair } from '../../../main/api/memory-pipe.js';
import { Engine } from '../../../main/engine/engine.js';
import { seededRandom } from '../../../main/engine/random.js';
import { ApiClient } from '../../../shared/api/client.js';
import { loadConfigValue } from '../../../shared/config/load.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';
import { hasFastProperties } from '../../helpers/v8-shape.js';

/** Header rules (gateway then route, with %[...] values), mock routes, CORS, and faults set live. */
const cleanup = cleanupAfterEach();

async function upstream() {
  const u = await startUpstream('api', (req, res) => {
    req.resume();
    res.writeHead(200, {
      'x-debug-upstream': 'secret',
      'cache-control': 'max-age=60',
      'content-type': 'text/plain',
    });
    res.end('from api');
  });
  cleanup.push(() => u.close());
  return u;
}

describe('header rules, mock routes, CORS', () => {
  it('applies gateway then route header rules both ways, with template values', async () => {
    const u = await upstream();
    const { engine, port } = await startEngine({
      gateways: [
        {
          name: 'shop',
          port: 0,
          headers: {
            request: { set: { 'X-Env': 'prod', 'X-Path': '%[path]' }, remove: ['X-Debug'] },
            response: { remove: ['X-Debug-Upstream'] },
          },
          routes: {
            api: {
              targets: [u.url],
              headers: {
                request: { set: { 'X-Env': 'dev' }, add: { 'X-User-Copy': '%[hdr(X-User)]' } },
                response: { set: { 'Cache-Control': 'no-store' }, add: { 'X-Variant': 'api' } },
              },
            },
          },
        },
      ],
    });
    cleanup.push(() => engine.stop(500));
    const r = await request(`http://127.0.0.1:${port()}/items?x=1`, {
      headers: { 'x-debug': '1', 'x-user': 'ada' },
    });
    expect(await r.body.text()).toBe('from api');
    const seen = u.requests[0]!.headers;
    expect(seen['x-env']).toBe('dev');
    expect(seen['x-path']).toBe('/items');
    expect(seen['x-debug']).toBeUndefined();
    expect(seen['x-user-copy']).toBe('ada');
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.headers['x-variant']).toBe('api');
    expect(r.headers['x-debug-upstream']).toBeUndefined();
    engine.log.flush();
    const logged = engine.log.page(0)[0]!;
    expect(logged.responseHeaders['x-debug-upstream']).toBeUndefined();
    // Removed by copying, not `delete`: the log keeps these headers, and a deleted key makes a hash table.
    expect(hasFastProperties(logged.responseHeaders)).toBe(true);
    expect(logged.trace.filter((s) => s.kind === 'headers').map((s) => s.text)).toEqual([
      'request headers -x-debug =x-path =x-env +x-user-copy',
      'response headers -x-debug-upstream =cache-control +x-variant',
    ]);
  });

  it('mock routes answer by condition and by weight, from a body or a file', async () => {
    const u = await upstream();
    const { engine, port } = await startEngine({
      gateways: [
        {
          name: 'shop',
          port: 0,
          routes: {
            maintenance: {
              condition: 'has header X-Maintenance',
              respond: { status: 503, headers: { 'Retry-After': '30' }, body: 'back soon' },
              weight: '0%',
            },
            api: { targets: [u.url], weight: '100%' },
          },
        },
      ],
    });
    cleanup.push(() => engine.stop(500));
    const m = await request(`http://127.0.0.1:${port()}/`, { headers: { 'x-maintenance': '1' } });
    expect(m.statusCode).toBe(503);
    expect(m.headers['retry-after']).toBe('30');
    expect(await m.body.text()).toBe('back soon');
    const a = await request(`http://127.0.0.1:${port()}/`);
    expect(await a.body.text()).toBe('from api');
    engine.log.flush();
    const entry = engine.log.page(0)[0]!;
    expect(entry.route).toBe('maintenance');
    expect(entry.status).toBe(503);
    expect(entry.trace.at(-1)).toEqual({
      kind: 'respond',
      text: "mock route 'maintenance' answers 503 itself",
    });
  });

  it('refuses a mock route with targets and credentials with origins "*"', () => {
    const bad = loadConfigValue({
      gateways: [
        {
          name: 'g',
          port: 0,
          cors: { origins: '*', credentials: true },
          routes: { m: { targets: ['http://127.0.0.1:1'], respond: { status: 200 } } },
        },
      ],
    });
    expect(bad.ok).toBe(false);
    const messages = bad.ok ? [] : bad.issues.map((i) => i.message);
    expect(messages).toContain(
      `gateway 'g': cors.credentials: origins "*" cannot allow credentials (the CORS spec forbids it); list the origins instead`,
    );
    expect(messages).toContain(
      `gateway 'g': route 'm': respond: a mock route answers by itself; remove its targets (or remove respond)`,
    );
  });

  it('answers CORS preflights and adds CORS headers for allowed origins only', async () => {
    const u = await upstream();
    const { engine, port } = await startEngine({
      gateways: [
        {
          name: 'shop',
          port: 0,
          cors: { origins: ['http://localhost:5173'], credentials: true, expose: ['X-Variant'] },
          routes: { api: { targets: [u.url] } },
        },
      ],
    });
    cleanup.push(() => engine.stop(500));
    const pre = await request(`http://127.0.0.1:${port()}/items`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:5173',
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type',
      },
    });
    await pre.body.dump();
    expect(pre.statusCode).toBe(204);
    expect(pre.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(pre.headers['access-control-allow-credentials']).toBe('true');
    expect(pre.headers['access-control-allow-headers']).toBe('content-type');
    expect(String(pre.headers['access-control-allow-methods'])).toContain('PUT');
    expect(u.requests.length).toBe(0);
    const other = await request(`http://127.0.0.1:${port()}/items`, {
      method: 'OPTIONS',
      headers: { origin: 'http://evil.test', 'access-control-request-method': 'PUT' },
    });
    await other.body.dump();
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
    const get = await request(`http://127.0.0.1:${port()}/items`, {
      headers: { origin: 'http://localhost:5173' },
    });
    await get.body.dump();
    expect(get.headers['access-control-allow-origin']).toBe('http://localhost:5173');
    expect(get.headers['access-control-expose-headers']).toBe('X-Variant');
    expect(get.headers.vary).toBe('Origin');
  });

  it('sets faults live through the contract, keeping health and rotation', async () => {
    const u = await upstream();
    const engine = new Engine({ random: seededRandom(3) });
    const plane = new ControlPlane(engine);
    expect(await plane.store.load(`name: g\nport: 0\nroutes:\n  api:\n    targets: [${u.url}]\n`)).toEqual({
      ok: true,
    });
    const [server, pipe] = memoryPipePair();
    const disconnect = plane.connect(server);
    const client = new ApiClient(pipe);
    cleanup.push(async () => {
      client.close();
      disconnect();
      plane.close();
      await engine.stop(100);
    });
    const port = engine.status()[0]!.boundPort!;
    const view = await client.call('routes.setFaults', {
      name: 'g',
      route: 'api',
      faults: { abort: { percent: 100, status: 503 } },
    });
    expect(view.config.routes[0]!.faults?.abort).toEqual({ percent: 100, status: 503 });
    const r = await request(`http://127.0.0.1:${port}/`);
    await r.body.dump();
    expect(r.statusCode).toBe(503);
    await client.call('routes.setFaults', { name: 'g', route: 'api', faults: null });
    const ok = await request(`http://127.0.0.1:${port}/`);
    await ok.body.dump();
    expect(ok.statusCode).toBe(200);
    const bad = await client
      .call('routes.setFaults', { name: 'g', route: 'api', faults: { abort: { percent: 5, status: 200 } } })
      .catch((e: Error) => e.message);
    expect(String(bad)).toMatch(/faults.abort.status/);
  });
});
