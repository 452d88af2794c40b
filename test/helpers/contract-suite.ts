import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from './cleanup.js';
import { ApiCallError, type ApiClient } from '../../shared/api/client.js';
import { ControlPlane } from '../../main/api/control-plane.js';
import { loadConfigText } from '../../shared/config/load.js';
import { Engine } from '../../main/engine/engine.js';
import { seededRandom } from '../../main/engine/random.js';
import { eventually, request } from './client.js';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Host } from '../../main/api/handlers.js';
import { caService } from '../../main/tls/ca-service.js';
import { LocalCa } from '../../main/tls/local-ca.js';
import type { RunCommand } from '../../main/tls/run-command.js';
import { VERSION } from '../../main/version.js';

const cleanup = cleanupAfterEach();
const execFileP = promisify(execFile);

export type Connect = (plane: ControlPlane) => Promise<{ client: ApiClient; close(): Promise<void> | void }>;

/**
 * The contract's behaviour, run over each transport (in-memory, WebSocket, Electron IPC): a transport
 * must carry every command, result, error value and event unchanged.
 */
export function contractSuite(transport: string, connect: Connect): void {
  async function setup(yaml: string, host?: Host) {
    const engine = new Engine({ random: seededRandom(1) });
    const plane = new ControlPlane(engine, undefined, host);
    const loaded = await plane.store.load(yaml);
    expect(loaded).toEqual({ ok: true });
    const { client, close } = await connect(plane);
    cleanup.push(async () => {
      client.close();
      await close();
      plane.close();
      await engine.stop(100);
    });
    return { engine, plane, client };
  }

  const upstreams = (...names: string[]) => upstreamsFor(cleanup, ...names);

  const failure = async (p: Promise<unknown>) => {
    try {
      await p;
    } catch (err) {
      if (err instanceof ApiCallError) return err.error;
      throw err;
    }
    throw new Error('expected the call to fail');
  };

  describe(`the contract over ${transport}`, () => {
    it('cancels demo traffic', async () => {
      const [a] = await upstreams('a');
      const { client, plane } = await setup(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      const running = client.call('traffic.generate', { gateway: 'g', ratePerSecond: 20, seconds: 10 });
      await eventually(() => a!.requests.length >= 3, 3000, 'some demo requests');
      const id = String(a!.requests[0]!.headers['x-switchyard-traffic']);
      expect(await client.call('traffic.cancel', { id })).toEqual({ cancelled: true });
      const result = await running;
      expect(result.cancelled).toBe(true);
      expect(result.sent).toBeLessThan(200);
      expect(plane.traffic.cancel(id)).toBe(false);
    });

    it('lists, gets, creates, renames, deletes gateways, with errors as values', async () => {
      const [a] = await upstreams('a');
      const { client } = await setup(
        `gateways:\n  - name: one\n    port: 0\n    routes:\n      "[${a!.hostPort}]": {}\n`,
      );
      const list = await client.call('gateways.list', {});
      expect(list.map((g) => [g.name, g.status?.state, g.config.routes[0]?.weight])).toEqual([
        ['one', 'listening', 100],
      ]);
      expect(list[0]!.source).toEqual({ name: 'one', port: 0, routes: { [`[${a!.hostPort}]`]: {} } });

      const created = await client.call('gateways.save', {
        gateway: { name: 'two', port: 0, routes: { [`[${a!.hostPort}]`]: { weight: '100%' } } },
        create: true,
      });
      expect(created.status?.state).toBe('listening');
      expect(
        await failure(client.call('gateways.save', { gateway: { name: 'two', port: 0 }, create: true })),
      ).toMatchObject({ code: 'conflict' });

      const renamed = await client.call('gateways.save', {
        gateway: { name: 'deux', port: 0, routes: { [`[${a!.hostPort}]`]: {} } },
        previousName: 'two',
      });
      expect(renamed.name).toBe('deux');
      expect((await client.call('gateways.list', {})).map((g) => g.name)).toEqual(['one', 'deux']);
      expect(await client.call('gateways.delete', { name: 'deux' })).toEqual({ deleted: true });
      expect(await client.call('gateways.delete', { name: 'deux' })).toEqual({ deleted: false });
      expect(await failure(client.call('gateways.get', { name: 'nope' }))).toEqual({
        code: 'not_found',
        message: "there is no gateway 'nope'",
      });
    });

    it('stores named conditions that routes name, refusing to delete one in use', async () => {
      const [a] = await upstreams('a');
      const { client } = await setup(`name: one\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      const beta = { name: 'beta', condition: 'has cookie beta' };
      expect(await client.call('conditions.save', { condition: beta, create: true })).toEqual(beta);
      expect(await failure(client.call('conditions.save', { condition: beta, create: true }))).toMatchObject({
        code: 'conflict',
      });
      expect(
        await client.call('conditions.validate', { condition: { name: 'x', condition: 'user-agent ==' } }),
      ).toMatchObject({ ok: false, issues: [{ path: ['conditions', 'x'], field: 'condition' }] });
      const saved = await client.call('gateways.save', {
        gateway: { name: 'one', port: 0, routes: { [`[${a!.hostPort}]`]: { condition: 'beta' } } },
      });
      expect(saved.config.routes[0]).toMatchObject({ condition: 'has cookie beta', conditionName: 'beta' });
      expect(await failure(client.call('conditions.delete', { name: 'beta' }))).toEqual({
        code: 'conflict',
        message: `condition 'beta' is used by gateway 'one' route '[${a!.hostPort}]'; change their condition first`,
      });
      expect(await client.call('conditions.list', {})).toEqual([beta]);
      expect(await client.call('conditions.get', { name: 'beta' })).toEqual(beta);
      expect(await client.call('conditions.delete', { name: 'nope' })).toEqual({ deleted: false });
      await client.call('config.import', { yaml: 'conditions:\n  ff: user-agent == Firefox\n' });
      expect((await client.call('conditions.list', {})).map((c) => c.name)).toEqual(['beta', 'ff']);
      expect(await failure(client.call('conditions.get', { name: 'nope' }))).toEqual({
        code: 'not_found',
        message: "there is no condition 'nope' (conditions: beta, ff)",
      });
    });

    it('reads and replaces the shared listeners, validated with the gateways (issue 13)', async () => {
      const [a] = await upstreams('a');
      const { client } = await setup(`name: one\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      expect(await client.call('listeners.get', {})).toEqual({});
      expect(await client.call('listeners.set', { listeners: { http: 0 } })).toEqual({ http: 0 });
      expect(await client.call('listeners.get', {})).toEqual({ http: 0 });
      const error = await failure(client.call('listeners.set', { listeners: { http: 'x' } }));
      expect(error).toMatchObject({
        code: 'invalid_config',
        issues: [{ path: ['listeners', 'http'], field: 'listeners.http' }],
      });
      const hosted = await client.call('gateways.save', {
        gateway: { name: 'two', virtual_hosts: ['two.localhost'], routes: { [`[${a!.hostPort}]`]: {} } },
        create: true,
      });
      expect(hosted.config).toMatchObject({ virtualHosts: ['two.localhost'], protocol: 'http' });
      // Removing the shared ports would leave 'two' unreachable: refused whole, the listeners stay.
      const orphan = await failure(client.call('listeners.set', { listeners: {} }));
      expect(orphan).toMatchObject({
        code: 'invalid_config',
        issues: [{ gateway: 'two', field: 'virtual_hosts' }],
      });
      expect(await client.call('listeners.get', {})).toEqual({ http: 0 });
      expect((await client.call('config.export', {})).text).toMatch(/^listeners:\n {2}http: 0\n/);
      // Other changes keep them; an import's own listeners replace them.
      await client.call('conditions.save', { condition: { name: 'beta', condition: 'has cookie beta' } });
      await client.call('config.import', { yaml: 'conditions:\n  ff: user-agent == Firefox\n' });
      expect(await client.call('listeners.get', {})).toEqual({ http: 0 });
      await client.call('config.import', { yaml: 'listeners: {https: 0}\n' });
      expect(await client.call('listeners.get', {})).toEqual({ https: 0 });
    });

    it('reports the shared ports as they run (issue 13)', async () => {
      const { client } = await setup('listeners: {http: 0}\n');
      const [shared] = await client.call('listeners.status', {});
      expect(shared).toMatchObject({ kind: 'http', port: 0, state: 'listening' });
      expect(shared!.boundPort).toBeGreaterThan(0);
      await client.call('listeners.set', { listeners: {} });
      expect(await client.call('listeners.status', {})).toEqual([]);
    });

    it('reports, trusts and removes the local CA, in a temporary NSS database (issue 13)', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'switchyard-ca-api-'));
      cleanup.push(() => rm(dir, { recursive: true, force: true }));
      const caDir = path.join(dir, 'ca');
      const nssDb = path.join(dir, 'nssdb');
      await mkdir(nssDb);
      await execFileP('certutil', ['-N', '--empty-password', '-d', `sql:${nssDb}`]).catch(() => undefined);
      const certutil = existsSync(path.join(nssDb, 'cert9.db'));
      // Without certutil the store answers with the command to run instead; a stand-in says so.
      const run: RunCommand | undefined = certutil
        ? undefined
        : () => Promise.resolve({ code: null, stdout: '', stderr: '' });
      if (!certutil) await execFileP('touch', [path.join(nssDb, 'cert9.db')]);
      const env = {
        platform: 'linux' as const,
        home: dir,
        root: dir,
        nssDbs: [nssDb],
        ...(run ? { run } : {}),
      };
      const ca = caService(new LocalCa(caDir), caDir, () => env);
      const host: Host = {
        info: () => ({ mode: 'headless', version: VERSION, settingsEditable: false }),
        ca,
      };
      const { client } = await setup('gateways: []\n', host);

      const none = await client.call('ca.status', {});
      expect(none).toEqual({ path: path.join(caDir, 'ca-cert.pem'), exists: false, stores: [] });
      expect(existsSync(caDir)).toBe(false); // asking did not create it
      expect(await client.call('ca.uninstall', {})).toEqual([]);

      const store = `NSS database (${nssDb})`;
      const trusted = await client.call('ca.trust', {});
      expect(trusted).toEqual([
        certutil
          ? { store, done: true, message: 'trusted', commands: [] }
          : {
              store,
              done: false,
              message: expect.stringContaining('certutil is not installed'),
              commands: [expect.stringMatching(/^certutil -A -d sql:/)],
            },
      ]);
      const status = await client.call('ca.status', {});
      expect(status).toMatchObject({
        path: none.path,
        exists: true,
        subject: expect.stringContaining('Switchyard Local CA'),
      });
      expect(status.fingerprint).toMatch(/^([0-9A-F]{2}:){31}[0-9A-F]{2}$/);
      expect(Date.parse(status.validTo!)).toBeGreaterThan(Date.now());
      expect(status.stores).toEqual([
        {
          store,
          state: certutil ? 'trusted' : 'unknown',
          ...(certutil ? {} : { detail: 'certutil is not installed' }),
        },
      ]);

      const removed = await client.call('ca.uninstall', {});
      expect(removed[0]).toMatchObject(
        certutil ? { store, done: true, message: 'removed' } : { store, done: false },
      );
      if (certutil) expect((await client.call('ca.status', {})).stores[0]?.state).toBe('not-trusted');
    });

    it('says so when the host has no local CA', async () => {
      const { client } = await setup('gateways: []\n');
      expect(await failure(client.call('ca.status', {}))).toEqual({
        code: 'not_found',
        message: 'this host has no local CA',
      });
    });

    it('rejects invalid configurations whole, with the engine issues and field paths', async () => {
      const [a] = await upstreams('a');
      const { client } = await setup(`name: one\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      const error = await failure(
        client.call('gateways.save', {
          gateway: {
            name: 'one',
            port: 0,
            routes: { x: { targets: [a!.url], weight: '50%' }, y: { targets: [a!.url], weight: '40%' } },
          },
        }),
      );
      expect(error.code).toBe('invalid_config');
      expect(error.issues).toEqual([
        expect.objectContaining({
          gateway: 'one',
          path: [0, 'routes'],
          message:
            "gateway 'one': route weights total 90%; they must total 100% (a two-way split is 50/50), or 0% to route by condition only",
        }),
      ]);
      // Nothing changed.
      expect((await client.call('gateways.get', { name: 'one' })).source.routes).toEqual({
        [`[${a!.hostPort}]`]: {},
      });

      const draft = await client.call('config.validate', {
        gateway: {
          name: 'draft',
          port: 0,
          routes: { r: { targets: [a!.url], condition: 'user-agent Firefox' } },
        },
      });
      expect(draft.ok).toBe(false);
      expect(draft.issues[0]).toMatchObject({
        path: [0, 'routes', 'r', 'condition'],
        route: 'r',
        field: 'condition',
      });
      expect((await client.call('config.validate', { gateway: { name: 'draft', port: 0 } })).ok).toBe(true);
    });

    it('validates params: the caller is untrusted', async () => {
      const { plane } = await setup('gateways: []\n');
      const reply = await plane.dispatch({
        type: 'call',
        id: 7,
        command: 'gateways.setWeights',
        params: { name: 'x', weights: { a: 'lots' } },
      });
      expect(reply).toMatchObject({ type: 'result', id: 7, ok: false, error: { code: 'invalid_params' } });
      expect(
        await plane.dispatch({ type: 'call', id: 8, command: 'engine.shutdown', params: {} }),
      ).toMatchObject({ ok: false, error: { code: 'unknown_command' } });
      expect(
        await plane.dispatch({ type: 'call', id: 9, command: 'log.page', params: { after: -1, evil: true } }),
      ).toMatchObject({ ok: false, error: { code: 'invalid_params' } });
      expect(await plane.dispatch('garbage')).toBeUndefined();
    });

    it('sets weights in one call, and the traffic follows', async () => {
      const [blue, green] = await upstreams('blue', 'green');
      const { client, engine } = await setup(`name: demo
port: 0
routes:
  blue: { targets: [${blue!.url}], weight: 100% }
  green: { targets: [${green!.url}], weight: 0% }
`);
      const events: string[] = [];
      client.on('gateways.changed', (views) =>
        events.push(
          views.map((v) => v.config.routes.map((r) => `${r.name}=${r.weight}`).join(',')).join(';'),
        ),
      );
      const view = await client.call('gateways.setWeights', {
        name: 'demo',
        weights: { blue: 0, green: 100 },
      });
      expect(view.config.routes.map((r) => r.weight)).toEqual([0, 100]);
      expect(view.source.routes).toMatchObject({ blue: { weight: '0%' }, green: { weight: '100%' } });
      const port = engine.status()[0]!.boundPort!;
      expect((await request(port, '/')).json()).toMatchObject({ name: 'green' });
      await eventually(() => events.length === 1, 1000, 'the gateways.changed event');
      expect(events).toEqual(['blue=0,green=100']);
      expect(
        await failure(client.call('gateways.setWeights', { name: 'demo', weights: { purple: 10 } })),
      ).toMatchObject({ code: 'not_found' });
      expect(
        await failure(client.call('gateways.setWeights', { name: 'demo', weights: { blue: 10 } })),
      ).toMatchObject({ code: 'invalid_config' });
    });

    it('enables and disables a gateway', async () => {
      const [a] = await upstreams('a');
      const { client } = await setup(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      expect((await client.call('gateways.setEnabled', { name: 'g', enabled: false })).status).toMatchObject({
        state: 'stopped',
        enabled: false,
      });
      expect((await client.call('gateways.setEnabled', { name: 'g', enabled: true })).status).toMatchObject({
        state: 'listening',
      });
    });

    it('imports and exports YAML', async () => {
      const [a] = await upstreams('a');
      const { client } = await setup(`name: one\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      const imported = await client.call('config.import', {
        yaml: `---\nname: sava\nport: 0/http\nroutes:\n  "[${a!.hostPort}]":\n    weight: 90%\n  "[127.0.0.1:1]":\n    weight: 10%\n`,
      });
      expect(imported).toEqual({ gateways: ['sava'] });
      const { text: yaml } = await client.call('config.export', { gateways: ['sava'] });
      expect(yaml).toContain('name: sava');
      expect(yaml).toContain('weight: 90%');
      // What the app exports, `switchyard serve` runs unchanged: the same configuration comes back.
      const reread = loadConfigText(yaml);
      expect(reread.ok && reread.config.gateways).toEqual(
        (await client.call('gateways.list', {})).filter((g) => g.name === 'sava').map((g) => g.config),
      );
      expect(await failure(client.call('config.import', { yaml: 'name: [' }))).toMatchObject({
        code: 'invalid_config',
      });
    });

    it('pages the log, gets one entry in full, clears it, and streams appends and stats', async () => {
      const [a] = await upstreams('a');
      const { client, engine } = await setup(`name: g\nport: 0\nroutes:\n  "[${a!.hostPort}]": {}\n`);
      const appended: number[] = [];
      client.on('log.appended', (batch) => appended.push(...batch.map((e) => e.seq)));
      const port = engine.status()[0]!.boundPort!;
      for (let i = 0; i < 3; i++) await request(port, `/r${i}`, { method: 'POST', body: 'hello' });
      await eventually(() => appended.length === 3, 2000, 'three appends');
      const page = await client.call('log.page', { after: 1, limit: 10 });
      expect(page.entries.map((e) => e.path)).toEqual(['/r1', '/r2']);
      expect(page.lastSeq).toBe(3);
      expect(page.entries[0]).not.toHaveProperty('requestHeaders');
      const full = await client.call('log.get', { seq: 2 });
      expect(Buffer.from(full.requestBody!.base64, 'base64').toString()).toBe('hello');
      expect(full.trace.length).toBeGreaterThan(0);
      const stats = await client.call('stats.get', {});
      expect(stats.gateways[0]).toMatchObject({
        gateway: 'g',
        requests: 3,
        errors: 0,
        routes: [expect.objectContaining({ requests: 3, share: 100, weight: 100 })],
      });
      let tick = 0;
      client.on('stats.tick', (s) => (tick = s.gateways[0]?.requests ?? 0));
      await eventually(() => tick === 3, 2500, 'a stats tick');
      await client.call('log.clear', {});
      expect((await client.call('log.page', {})).entries).toEqual([]);
      expect(await failure(client.call('log.get', { seq: 2 }))).toMatchObject({ code: 'not_found' });
    });

    it('sends demo traffic through a gateway and reports where it went', async () => {
      const [blue, green] = await upstreams('blue', 'green');
      const { client } = await setup(`name: demo
port: 0
routes:
  blue: { targets: [${blue!.url}], weight: 0% }
  green: { targets: [${green!.url}], weight: 0%, condition: user-agent == Firefox }
`);
      const r = await client.call('traffic.generate', {
        gateway: 'demo',
        count: 40,
        userAgents: ['Mozilla/5.0 Firefox/128.0'],
      });
      expect(r).toMatchObject({ sent: 40, cancelled: false, statuses: { '200': 40 }, routes: { green: 40 } });
      const paced = await client.call('traffic.generate', {
        gateway: 'demo',
        ratePerSecond: 50,
        seconds: 0.2,
      });
      expect(paced).toMatchObject({ sent: 10, statuses: { '503': 10 } });
      expect(
        await failure(client.call('traffic.generate', { gateway: 'demo', count: 20_000 })),
      ).toMatchObject({
        code: 'invalid_params',
      });
      expect(
        await failure(client.call('traffic.generate', { gateway: 'demo', ratePerSecond: 10, seconds: 120 })),
      ).toMatchObject({ code: 'invalid_params' });
      expect(await failure(client.call('traffic.generate', { gateway: 'nope', count: 1 }))).toMatchObject({
        code: 'not_found',
      });
    });
  });
}
