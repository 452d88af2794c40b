import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { runCompare } from '../../../main/api/compare-run.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';
import { seededRandom } from '../../../main/engine/random.js';
import type { CompareReport } from '../../../shared/compare/report.js';
import { harRequests } from '../../../shared/har.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startUpstream } from '../../helpers/upstream.js';

const cleanup = cleanupAfterEach();

/** An upstream answering JSON about the requested id; `change` alters the price of item 2. */
async function api(name: string, change = false) {
  const u = await startUpstream(name, (req, res) => {
    req.resume();
    const id = Number(/\/items\/(\d+)/.exec(req.url ?? '')?.[1] ?? 0);
    res.writeHead(200, {
      'content-type': 'application/json',
      'x-served-by': name,
      date: new Date().toUTCString(),
    });
    res.end(
      JSON.stringify({ id, price: change && id === 2 ? 99 : 10, generatedAt: `${name}-${Date.now()}` }),
    );
  });
  cleanup.push(() => u.close());
  return u;
}

const har = {
  log: {
    version: '1.2',
    entries: ['/items/1', '/items/2?x=1', '/items/3', '/health'].map((p) => ({
      request: { method: 'GET', url: `http://example.test${p}`, headers: [{ name: 'Accept', value: '*/*' }] },
      response: { status: 200, headers: [], content: { text: '' } },
    })),
  },
};

async function start(change: boolean) {
  const stable = await api('stable');
  const candidate = await api('candidate', change);
  const engine = new Engine({ random: seededRandom(3) });
  const plane = new ControlPlane(engine);
  const yaml = `name: shop\nport: 0\nroutes:\n  stable: { target: "${stable.url}", weight: 100% }\n  candidate: { target: "${candidate.url}", weight: 0% }\n`;
  expect(await plane.store.load(yaml)).toEqual({ ok: true });
  const server = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'test' });
  const port = await server.listen();
  cleanup.push(async () => {
    await server.close();
    plane.close();
    await engine.stop(100);
  });
  return { engine, plane, port };
}

const IGNORE = ['header:x-served-by', 'body:$.generatedAt'];

describe('replay and compare', () => {
  it('finds nothing between identical upstreams once the ignore rules take what differs by nature', async () => {
    const { engine } = await start(false);
    const report = await runCompare(engine, {
      gateway: 'shop',
      routes: ['stable', 'candidate'],
      ignore: IGNORE,
      requests: harRequests(har),
    });
    expect(report).toMatchObject({ total: 4, same: 4, different: 0, error: 0 });
    expect(report.shapes.map((s) => [s.shape, s.count])).toEqual([
      ['GET /items/{id}', 3],
      ['GET /health', 1],
    ]);
    // Without the rules, what differs is named by path.
    const raw = await runCompare(engine, {
      gateway: 'shop',
      routes: ['stable', 'candidate'],
      requests: harRequests(har),
    });
    expect(raw.different).toBe(4);
    expect(raw.shapes[0]!.cases[0]!.differences.map((d) => d.path).sort()).toEqual([
      'body:$.generatedAt',
      'header:x-served-by',
    ]);
  });

  it('reports the changed value at its path, under its shape, and REST and the contract answer the same', async () => {
    const { engine, plane, port } = await start(true);
    const report = await runCompare(engine, {
      gateway: 'shop',
      routes: ['stable', 'candidate'],
      ignore: IGNORE,
      requests: harRequests(har),
    });
    expect(report).toMatchObject({ total: 4, same: 3, different: 1, error: 0 });
    const items = report.shapes[0]!;
    expect(items).toMatchObject({ shape: 'GET /items/{id}', count: 3, same: 2, different: 1, error: 0 });
    const changed = items.cases.find((c) => c.verdict === 'different')!;
    expect(changed).toMatchObject({ method: 'GET', path: '/items/2?x=1', statuses: [200, 200] });
    expect(changed.differences).toEqual([
      { path: 'body:$.price', kind: 'changed', primary: '10', shadow: '99' },
    ]);

    const strip = (r: CompareReport) =>
      JSON.parse(JSON.stringify(r, (k, v: unknown) => (k === 'durationsMs' ? undefined : v))) as unknown;
    // REST: the HAR as the body, the rest in the query.
    const query = `gateway=shop&routes=stable,candidate&${IGNORE.map((r) => `ignore=${encodeURIComponent(r)}`).join('&')}`;
    const rest = await request(port, `/api/v1/compare?${query}`, {
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify(har),
    });
    expect(rest.status).toBe(200);
    expect(strip(rest.json<CompareReport>())).toEqual(strip(report));
    // REST: everything in the body, as the command takes it.
    const body = await request(port, '/api/v1/compare', {
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify({ har, gateway: 'shop', routes: ['stable', 'candidate'], ignore: IGNORE }),
    });
    expect(strip(body.json<CompareReport>())).toEqual(strip(report));
    // The contract, with logged requests by seq.
    engine.log.flush();
    const seqs = engine.log
      .page(0, 1000)
      .filter((e) => e.path === '/items/2?x=1')
      .map((e) => e.seq)
      .slice(0, 1);
    const reply = await plane.dispatch({
      type: 'call',
      id: 1,
      command: 'compare.run',
      params: { gateway: 'shop', routes: ['stable', 'candidate'], ignore: IGNORE, seqs },
    });
    expect(reply).toMatchObject({ ok: true, result: { total: 1, different: 1 } });
  });

  it('refuses unknown routes and bad rules as errors, over REST as 4xx', async () => {
    const { engine, port } = await start(false);
    await expect(
      runCompare(engine, { gateway: 'shop', routes: ['stable', 'nope'], requests: [] }),
    ).rejects.toThrow(/no route 'nope'/);
    const bad = await request(port, '/api/v1/compare?gateway=shop&routes=stable,candidate&ignore=nonsense', {
      method: 'POST',
      headers: { host: `127.0.0.1:${port}`, 'content-type': 'application/json' },
      body: JSON.stringify(har),
    });
    expect(bad.status).toBe(400);
    expect(bad.body).toContain('not an ignore rule');
  });

  it("reports the statuses when a route's upstream is down (the gateway answers 502)", async () => {
    const { engine, plane } = await start(false);
    await plane.store.load(
      `name: shop\nport: 0\nroutes:\n  stable: { target: "http://127.0.0.1:9", weight: 100% }\n  candidate: { target: "http://127.0.0.1:9", weight: 0% }\n`,
    );
    const report = await runCompare(engine, {
      gateway: 'shop',
      routes: ['stable', 'candidate'],
      requests: harRequests(har).slice(0, 1),
    });
    // The gateway answers 502 for both: the same answer, so same; the report tells the statuses.
    expect(report.shapes[0]!.cases[0]!.statuses).toEqual([502, 502]);
  });
});
