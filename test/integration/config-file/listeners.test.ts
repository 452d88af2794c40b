import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { YamlConfigFile } from '../../../main/cli/yaml-config-file.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';
import { seededRandom } from '../../../main/engine/random.js';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';

/**
 * The shared listeners (issue 13) through /api/v1/listeners: kept as written, validated with every
 * gateway, and written into the user's YAML file beside their comments.
 */
const cleanup = cleanupAfterEach();

const FILE = (a: string) => `# the shop team's gateways
gateways:
  - name: shop
    port: 0 # any free port
    routes:
      a: { target: "${a}" }
`;

async function start(text: string) {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-listeners-'));
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
  const api = (p: string, method = 'GET', body?: unknown) =>
    request(port, p, {
      method,
      headers: {
        host: `127.0.0.1:${port}`,
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  return { file, api, plane };
}

describe('/api/v1/listeners and the YAML file', () => {
  it('reads, replaces and removes the shared ports; the file keeps its comments', async () => {
    const [a] = await upstreamsFor(cleanup, 'a');
    const text = FILE(a!.url);
    const { file, api, plane } = await start(text);

    expect((await api('/api/v1/listeners')).json()).toEqual({});
    const put = await api('/api/v1/listeners', 'PUT', { http: 0, host: '127.0.0.1' });
    expect(put.status).toBe(200);
    expect(put.json()).toEqual({ http: 0, host: '127.0.0.1' });
    const written = await readFile(file, 'utf8');
    expect(written).toContain('# any free port');
    expect(parse(written)).toEqual({ listeners: { http: 0, host: '127.0.0.1' }, ...parse(text) });
    expect(plane.store.configOf().listeners).toEqual({ http: 0, host: '127.0.0.1' });

    // A gateway with only virtual hosts, then listeners that would leave it unreachable: refused whole.
    const hosted = await api('/api/v1/gateways/hosted', 'PUT', {
      name: 'hosted',
      virtual_hosts: ['hosted.localhost'],
      routes: { a: { target: a!.url } },
    });
    expect(hosted.status).toBe(201);
    const before = await readFile(file, 'utf8');
    const orphan = await api('/api/v1/listeners', 'PUT', {});
    expect(orphan.status).toBe(400);
    expect(orphan.json()).toMatchObject({
      error: { code: 'invalid_config', issues: [{ gateway: 'hosted', field: 'virtual_hosts' }] },
    });
    expect(await readFile(file, 'utf8')).toBe(before);
    expect((await api('/api/v1/listeners')).json()).toEqual({ http: 0, host: '127.0.0.1' });

    const bad = await api('/api/v1/listeners', 'PUT', { http: 70000, htps: 1 });
    expect(bad.status).toBe(400);
    expect(bad.json()).toMatchObject({ error: { code: 'invalid_config' } });
    expect((await api('/api/v1/listeners', 'POST', {})).status).toBe(405);

    // Without the hosted gateway, the listeners can go, and the key leaves the file.
    expect((await api('/api/v1/gateways/hosted', 'DELETE')).status).toBe(204);
    expect((await api('/api/v1/listeners', 'PUT', {})).json()).toEqual({});
    expect(parse(await readFile(file, 'utf8'))).toEqual(parse(text));
  });

  it("keeps the file's listeners through gateway changes and loads them from the file", async () => {
    const [a] = await upstreamsFor(cleanup, 'a');
    const text = `listeners: {http: 0} # shared\n${FILE(a!.url)}`;
    const { file, api } = await start(text);
    expect((await api('/api/v1/listeners')).json()).toEqual({ http: 0 });
    const saved = await api('/api/v1/gateways/shop', 'PUT', {
      name: 'shop',
      port: 0,
      virtual_hosts: ['shop.localhost'],
      routes: { a: { target: a!.url } },
    });
    expect(saved.status).toBe(200);
    const written = await readFile(file, 'utf8');
    expect(written.startsWith('listeners: {http: 0} # shared\n')).toBe(true);
    expect(parse(written).gateways[0].virtual_hosts).toEqual(['shop.localhost']);
  });
});
