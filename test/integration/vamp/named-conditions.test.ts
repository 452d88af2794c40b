import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { YamlConfigFile } from '../../../main/cli/yaml-config-file.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';
import { seededRandom } from '../../../main/engine/random.js';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startServe } from '../../helpers/serve-process.js';

/**
 * Named conditions as Vamp's conditions document has them (`/api/v1/conditions`, a route's condition
 * naming one), served by the control server and written back into the user's YAML file.
 */
const cleanup = cleanupAfterEach();

const FILE = (a: string, b: string) => `# the shop team's gateways
gateways:
  - name: shop
    port: 0
    routes:
      a: { target: "${a}", weight: 100% } # stable
      b: { target: "${b}", weight: 0% }
`;

async function start(text: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-conditions-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'switchyard.yaml');
  await writeFile(file, text);
  const engine = new Engine({ random: seededRandom(3) });
  const plane = new ControlPlane(engine, new YamlConfigFile(file, text));
  expect(await plane.store.load(text)).toEqual({ ok: true });
  const server = new ControlServer(plane, { host: '127.0.0.1', port: 0, version: 'test' });
  const port = await server.listen();
  cleanup.push(async () => {
    await server.close();
    plane.close();
    await engine.stop(100);
  });
  const api = (p: string, method = 'GET', body?: unknown, type = 'application/json') =>
    request(port, p, {
      method,
      headers: { host: `127.0.0.1:${port}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
    });
  const routeOf = async (headers: Record<string, string>) =>
    (await request(engine.status()[0]!.boundPort!, '/', { headers })).json<{ name: string }>().name;
  return { file, api, routeOf };
}

describe('named conditions: /api/v1/conditions and routes that name them', () => {
  it('creates, reads, replaces and deletes conditions; routes run them; the file keeps them', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const { file, api, routeOf } = await start(FILE(a!.url, b!.url));

    expect((await api('/api/v1/conditions')).json()).toEqual([]);
    const created = await api('/api/v1/conditions', 'POST', { name: 'beta', condition: 'has cookie beta' });
    expect(created.status, created.body).toBe(201);
    expect(created.json()).toEqual({ name: 'beta', condition: 'has cookie beta' });
    expect(
      (await api('/api/v1/conditions', 'POST', { name: 'beta', condition: 'has cookie x' })).status,
    ).toBe(409);
    // YAML bodies, as Vamp's API takes them; validate_only stores nothing.
    const yaml = await api(
      '/api/v1/conditions',
      'POST',
      'name: firefox\ncondition: user-agent == Firefox\n',
      'application/x-yaml',
    );
    expect(yaml.status, yaml.body).toBe(201);
    const invalid = await api('/api/v1/conditions?validate_only=true', 'POST', {
      name: 'broken',
      condition: 'user-agent ==',
    });
    expect(invalid.status).toBe(400);
    expect(invalid.json()).toMatchObject({ error: { code: 'invalid_config' } });
    const dry = await api('/api/v1/conditions/later?validate_only=true', 'PUT', {
      name: 'later',
      condition: 'has header x-later',
    });
    expect(dry.status).toBe(200);
    expect((await api('/api/v1/conditions/later')).status).toBe(404);
    expect((await api('/api/v1/conditions')).json()).toEqual([
      { name: 'beta', condition: 'has cookie beta' },
      { name: 'firefox', condition: 'user-agent == Firefox' },
    ]);

    // The file holds them at the top, and the user's lines as they were.
    const written = await readFile(file, 'utf8');
    expect(written).toBe(
      `conditions:\n  beta: has cookie beta\n  firefox: user-agent == Firefox\n${FILE(a!.url, b!.url)}`,
    );

    // A route names one.
    const shop = {
      name: 'shop',
      port: 0,
      routes: {
        a: { target: a!.url, weight: '100%' },
        b: { target: b!.url, weight: '0%', condition: 'beta' },
      },
    };
    const put = await api('/api/v1/gateways/shop', 'PUT', shop);
    expect(put.status, put.body).toBe(200);
    expect(await routeOf({ cookie: 'beta=1' })).toBe('b');
    expect(await routeOf({})).toBe('a');
    expect(await readFile(file, 'utf8')).toContain(
      'b: { target: "' + b!.url + '", weight: 0%, condition: beta }',
    );

    // Replacing the definition moves the traffic that matches it.
    const replaced = await api('/api/v1/conditions/beta', 'PUT', {
      name: 'beta',
      condition: 'has cookie gamma',
    });
    expect(replaced.status, replaced.body).toBe(200);
    expect(await routeOf({ cookie: 'beta=1' })).toBe('a');
    expect(await routeOf({ cookie: 'gamma=1' })).toBe('b');
    const renamed = await api('/api/v1/conditions/beta', 'PUT', { name: 'other', condition: 'has cookie x' });
    expect(renamed.status).toBe(400);
    expect(renamed.body).toMatch(/Inconsistent name/);

    // A condition a route uses cannot be deleted; one no route uses can.
    const refused = await api('/api/v1/conditions/beta', 'DELETE');
    expect(refused.status).toBe(409);
    expect(refused.json()).toMatchObject({
      error: { code: 'conflict', message: expect.stringContaining("gateway 'shop' route 'b'") },
    });
    expect((await api('/api/v1/conditions/beta')).status).toBe(200);
    expect((await api('/api/v1/conditions/firefox', 'DELETE')).status).toBe(204);
    expect((await api('/api/v1/conditions/firefox')).status).toBe(404);
    expect(await readFile(file, 'utf8')).not.toContain('firefox');

    // A route naming a condition that is not stored is refused, with the names there are.
    const unknown = await api('/api/v1/gateways/shop', 'PUT', {
      ...shop,
      routes: { ...shop.routes, b: { ...shop.routes.b, condition: 'gamma' } },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.json<{ error: { message: string } }>().error.message).toBe(
      "gateway 'shop': route 'b': condition: 'gamma' is neither a stored condition nor a condition; stored conditions: beta",
    );

    // The YAML export carries the conditions its gateways name, so it loads elsewhere.
    const exported = await api('/api/v1/export?format=yaml&gateway=shop');
    expect(exported.body).toMatch(/^conditions:\n {2}beta: has cookie gamma\ngateways:\n/);

    // What was written starts again as it was left.
    const again = await start(await readFile(file, 'utf8'));
    expect((await again.api('/api/v1/conditions')).json()).toEqual([
      { name: 'beta', condition: 'has cookie gamma' },
    ]);
    expect(await again.routeOf({ cookie: 'gamma=1' })).toBe('b');
  });

  it('switchyard serve runs a file whose routes name its conditions, and refuses one naming nothing', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-conditions-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'switchyard.yaml');
    const text = `conditions:\n  beta: has cookie beta\n${FILE(a!.url, b!.url).replace('weight: 0% }', 'weight: 0%, condition: beta }')}`;
    await writeFile(file, text);
    const s = await startServe(cleanup, ['--config', file, '--log', 'none']);
    const port = s.gatewayPort('shop');
    const route = async (headers: Record<string, string>) =>
      (await request(port, '/', { headers })).json<{ name: string }>().name;
    expect(await route({ cookie: 'beta=1' })).toBe('b');
    expect(await route({})).toBe('a');
    const conditions = await request(s.controlPort, '/api/v1/conditions', {
      headers: { host: `127.0.0.1:${s.controlPort}` },
    });
    expect(conditions.json()).toEqual([{ name: 'beta', condition: 'has cookie beta' }]);

    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, text.replace('condition: beta', 'condition: gamma'));
    await expect(startServe(cleanup, ['--config', bad, '--log', 'none'])).rejects.toThrow(
      /route 'b': condition: 'gamma' is neither a stored condition nor a condition; stored conditions: beta/,
    );
  });
});
