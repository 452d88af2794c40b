import type { IncomingMessage, ServerResponse } from 'node:http';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import type { Engine } from '../../../main/engine/engine.js';
import { SHADOW_BODY_CAP } from '../../../main/engine/shadow.js';
import type { LogEntry } from '../../../shared/log-entry.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';

/**
 * Shadow traffic through real sockets: the client only ever gets the primary's answer, byte for byte, and
 * on time; each mirrored request gets a verdict in the primary's log entry.
 */
const cleanup = cleanupAfterEach();

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

const json =
  (value: unknown, extra: Record<string, string> = {}): Handler =>
  (req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json', ...extra });
      res.end(typeof value === 'function' ? (value as () => string)() : JSON.stringify(value));
    });
  };

async function setup(primary: Handler, candidate: Handler, shadow: object = {}, timeout = '2s') {
  const p = await startUpstream('stable', primary);
  const c = await startUpstream('candidate', candidate);
  cleanup.push(
    () => p.close(),
    () => c.close(),
  );
  const { engine, port } = await startEngine({
    gateways: [
      {
        name: 'shop',
        port: 0,
        timeout,
        routes: {
          stable: { target: p.url, weight: '100%' },
          candidate: { target: c.url, weight: '0%', shadow: '100%', ...shadow },
        },
      },
    ],
  });
  cleanup.push(() => engine.stop(500));
  return { engine, port, primary: p, candidate: c };
}

/** The next `n` log entries whose shadows have all come back. */
function shadowed(engine: Engine, n = 1): Promise<LogEntry[]> {
  const got: LogEntry[] = [];
  return new Promise((resolve) => {
    const on = (e: LogEntry) => {
      got.push(e);
      if (got.length === n) {
        engine.off('shadows', on);
        resolve(got);
      }
    };
    engine.on('shadows', on);
  });
}

async function get(port: number, path = '/', init: { method?: string; body?: string } = {}) {
  const started = Date.now();
  const r = await request(`http://127.0.0.1:${port}${path}`, {
    method: (init.method ?? 'GET') as 'GET',
    ...(init.body !== undefined ? { body: init.body } : {}),
  });
  const body = Buffer.from(await r.body.arrayBuffer());
  const headers = { ...r.headers };
  delete headers.date;
  delete headers['keep-alive'];
  return { status: r.statusCode, headers, body, ms: Date.now() - started };
}

describe('shadow traffic', () => {
  it('calls reordered JSON keys the same, and reports a changed nested value at its path', async () => {
    let changed = false;
    const { engine, port, candidate, primary } = await setup(
      json({ id: 1, user: { name: 'ann', city: 'Oslo' } }),
      json(() =>
        JSON.stringify(
          changed
            ? { user: { city: 'Bergen', name: 'ann' }, id: 1 }
            : { user: { city: 'Oslo', name: 'ann' }, id: 1 },
        ),
      ),
    );
    let done = shadowed(engine);
    const answer = await get(port(), '/users/1');
    expect(JSON.parse(answer.body.toString())).toEqual({ id: 1, user: { name: 'ann', city: 'Oslo' } });
    let [entry] = await done;
    expect(entry!.route).toBe('stable');
    expect(entry!.shadows).toMatchObject([
      { route: 'candidate', verdict: 'same', status: 200, summary: 'same' },
    ]);
    expect(entry!.trace.some((t) => t.kind === 'shadow' && t.text.includes('candidate'))).toBe(true);
    expect(candidate.requests[0]!.headers['x-switchyard-shadow']).toBe('1');
    expect(candidate.requests[0]!.url).toBe('/users/1');
    expect(primary.requests[0]!.headers['x-switchyard-shadow']).toBeUndefined();

    changed = true;
    done = shadowed(engine);
    await get(port(), '/users/1');
    [entry] = await done;
    expect(entry!.shadows![0]).toMatchObject({
      verdict: 'different',
      differences: [{ path: 'body:$.user.city', kind: 'changed', primary: '"Oslo"', shadow: '"Bergen"' }],
    });
  });

  it('gives the client the same bytes with and without a shadow, and a hanging or failing shadow changes nothing', async () => {
    const body = { items: Array.from({ length: 500 }, (_, i) => ({ i, name: `item ${i}` })) };
    const p = await startUpstream('stable', json(body, { 'x-version': '1' }));
    const hang = await startUpstream('hang', () => undefined);
    const fail = await startUpstream('fail', (req, res) => {
      req.resume();
      res.writeHead(500).end('boom');
    });
    cleanup.push(
      () => p.close(),
      () => hang.close(),
      () => fail.close(),
    );
    const gateway = (name: string, routes: object) => ({ name, port: 0, timeout: '400ms', routes });
    const { engine, port } = await startEngine({
      gateways: [
        gateway('plain', { stable: { target: p.url } }),
        gateway('shadowed', {
          stable: { target: p.url, weight: '100%' },
          hang: { target: hang.url, weight: '0%', shadow: '100%' },
          fail: { target: fail.url, weight: '0%', shadow: '100%' },
        }),
      ],
    });
    cleanup.push(() => engine.stop(500));
    const without = await get(port('plain'), '/list');
    const done = shadowed(engine);
    const withShadow = await get(port('shadowed'), '/list');
    expect(withShadow.status).toBe(without.status);
    expect(withShadow.headers).toEqual(without.headers);
    expect(withShadow.body.equals(without.body)).toBe(true);
    // The hanging shadow is bounded by the 400 ms timeout; the client did not wait for it.
    expect(withShadow.ms).toBeLessThan(300);
    const [entry] = await done;
    const byRoute = Object.fromEntries(entry!.shadows!.map((s) => [s.route, s]));
    expect(byRoute.hang).toMatchObject({ verdict: 'error', summary: expect.stringMatching(/within 400 ms/) });
    expect(byRoute.fail).toMatchObject({ verdict: 'different', status: 500 });
    expect(byRoute.fail!.differences![0]).toMatchObject({ path: 'status', primary: '200', shadow: '500' });
  });

  it('mirrors unsafe methods only when listed, with the request body teed', async () => {
    const echo: Handler = (req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => res.end(Buffer.concat(chunks)));
    };
    const a = await setup(echo, echo);
    await get(a.port(), '/orders', { method: 'POST', body: 'one' });
    await new Promise((r) => setTimeout(r, 100));
    expect(a.candidate.requests).toHaveLength(0);
    a.engine.log.flush();
    expect(a.engine.log.page(0, 10)[0]!.trace.map((t) => t.text)).toContain(
      'not copied to candidate: POST is not in its shadow_methods',
    );

    const b = await setup(echo, echo, { shadow_methods: ['GET', 'POST'] });
    let done = shadowed(b.engine);
    const answer = await get(b.port(), '/orders', { method: 'POST', body: 'two' });
    expect(answer.body.toString()).toBe('two');
    let [entry] = await done;
    expect(entry!.shadows![0]).toMatchObject({ verdict: 'same' });
    expect(b.candidate.requests[0]!.method).toBe('POST');

    // Over the cap the shadow is skipped, and says why; the client's request is untouched.
    done = shadowed(b.engine);
    const big = 'x'.repeat(SHADOW_BODY_CAP + 10);
    const bigAnswer = await get(b.port(), '/orders', { method: 'POST', body: big });
    expect(bigAnswer.body.length).toBe(big.length);
    [entry] = await done;
    expect(entry!.shadows![0]).toMatchObject({
      verdict: 'skipped',
      summary: expect.stringMatching(/over 262144 bytes/),
    });
    expect(b.candidate.requests).toHaveLength(1);
  });

  it('copies about 50% of 400 requests with shadow: 50% (seeded)', async () => {
    const { engine, port, candidate } = await setup(json({ ok: 1 }), json({ ok: 1 }), { shadow: '50%' });
    for (let i = 0; i < 400; i++) await get(port());
    await new Promise((r) => setTimeout(r, 200));
    while (engine.shadows.pending > 0) await new Promise((r) => setTimeout(r, 20));
    // Binomial(400, 0.5): sd 10; 4 sd either side.
    expect(candidate.requests.length).toBeGreaterThan(160);
    expect(candidate.requests.length).toBeLessThan(240);
  });

  it('ignore rules and learned noise suppress exactly what they name', async () => {
    let n = 0;
    const { engine, port } = await setup(
      json(() => JSON.stringify({ id: 1, token: `t${n++}`, generatedAt: n, price: 10 }), {}),
      json(() => JSON.stringify({ id: 1, token: 'other', generatedAt: 0, price: 11 })),
      { compare: { ignore: ['body:$.generatedAt'], noise: true } },
    );
    const done = shadowed(engine);
    await get(port(), '/item');
    const [entry] = await done;
    const shadow = entry!.shadows![0]!;
    expect(shadow.learned).toEqual(['body:$.token', 'body:$.generatedAt']);
    expect(shadow.differences!.map((d) => d.path)).toEqual(['body:$.price']);
    expect(engine.shadows.noise()).toEqual([
      { gateway: 'shop', route: 'candidate', rules: ['body:$.token', 'body:$.generatedAt'] },
    ]);
  });
});
