import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { AppSettings } from '../../../shared/api/contract.js';
import { AppHost } from '../../../main/host/app-host.js';
import { VERSION } from '../../../main/version.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { echoWebSocketServer, openWebSocket } from '../../helpers/websocket-echo.js';

/**
 * The host both `switchyard serve` and the desktop app run: engine, control plane, demo and control
 * server, and the shutdown order that lets requests finish and ends WebSocket tunnels with 1001.
 */
const cleanup = cleanupAfterEach();

function recorder() {
  const lines: string[] = [];
  return { lines, log: { log: (l: string) => lines.push(l), error: (l: string) => lines.push(l) } };
}

function started(options: Partial<ConstructorParameters<typeof AppHost>[0]> = {}) {
  const out = recorder();
  const host = new AppHost({ mode: 'headless', log: out.log, ...options });
  cleanup.push(() => host.stop(0));
  return { host, lines: out.lines };
}

describe('the host of the engine', () => {
  it('runs the demo, and tells the UI what it is and where its control server listens', async () => {
    const { host, lines } = started({ configPath: '/tmp/switchyard.yaml' });
    const demo = await host.startDemo(undefined, 0);
    const loaded = await host.plane.store.load(demo.config);
    expect(loaded.ok).toBe(true);
    expect(host.engine.current.gateways.map((g) => g.name)).toEqual(['demo']);
    const blue = await request(Number(new URL(demo.blue).port), '/api');
    expect(blue.json<{ service: string }>().service).toBe('blue');

    expect(host.controlUrl).toBeUndefined();
    const url = await host.startControl({
      host: '127.0.0.1',
      port: 0,
      portExplicit: true,
      token: 'secret',
      allowProxyHosts: [],
    });
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(host.controlUrl).toBe(url);
    // With a token, the one-time login link is printed with the address.
    expect(lines.join('\n')).toContain(`control server on ${url}`);
    expect(lines.join('\n')).toMatch(new RegExp(`one-time login link: ${url}/\\S+`));

    const reply = await host.plane.dispatch({ type: 'call', id: 1, command: 'app.info', params: {} });
    expect(reply).toMatchObject({
      ok: true,
      result: {
        mode: 'headless',
        version: VERSION,
        settingsEditable: false,
        controlUrl: url,
        configPath: '/tmp/switchyard.yaml',
      },
    });
  });

  it('lets the desktop change its settings', async () => {
    let settings: AppSettings = { theme: 'system', controlEnabled: true, controlPort: 7, logCapacity: 10 };
    const { host } = started({
      mode: 'desktop',
      settings: { get: () => settings, set: (patch) => (settings = { ...settings, ...patch }) },
    });
    const info = await host.plane.dispatch({ type: 'call', id: 1, command: 'app.info', params: {} });
    expect(info).toMatchObject({ ok: true, result: { mode: 'desktop', settingsEditable: true } });
  });

  it('stops in order: in-flight work ends, tunnels get 1001, the control server closes, once', async () => {
    const { host } = started();
    const echo = await echoWebSocketServer(cleanup);
    await host.plane.store.load(
      `gateways:\n  - name: ws\n    port: 0\n    routes:\n      "[127.0.0.1:${echo}]": {}\n`,
    );
    const port = host.engine.status()[0]!.boundPort!;
    const url = await host.startControl({
      host: '127.0.0.1',
      port: 0,
      portExplicit: true,
      allowProxyHosts: [],
    });
    const direct = await openWebSocket(cleanup, `ws://127.0.0.1:${port}/`);
    const viaControl = await openWebSocket(cleanup, `${url!.replace('http', 'ws')}/proxy/gateways/ws/`);

    const stopping = host.stop(2_000);
    expect(host.stop()).toBe(stopping);
    expect(await direct.closed).toBe(1001);
    expect(await viaControl.closed).toBe(1001);
    await stopping;
    await expect(request(Number(new URL(url!).port), '/api/v1/gateways')).rejects.toThrow();
  });

  it('serves the local CA and the shared ports over REST, without creating the CA to report it (issue 13)', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'switchyard-host-ca-'));
    cleanup.push(() => rm(dir, { recursive: true, force: true }));
    // An NSS database that does not exist: the store reports 'unknown', and nothing of the real home is read.
    const saved = process.env.SWITCHYARD_NSS_DBS;
    process.env.SWITCHYARD_NSS_DBS = path.join(dir, 'nssdb');
    cleanup.push(() => {
      if (saved === undefined) delete process.env.SWITCHYARD_NSS_DBS;
      else process.env.SWITCHYARD_NSS_DBS = saved;
    });
    const caDir = path.join(dir, 'ca');
    const { host } = started({ caDir });
    await host.plane.store.load('listeners: {http: 0}\n');
    const url = await host.startControl({
      host: '127.0.0.1',
      port: 0,
      portExplicit: true,
      allowProxyHosts: [],
    });
    const port = Number(new URL(url!).port);

    const none = await request(port, '/api/v1/ca');
    expect(none.status).toBe(200);
    expect(none.json()).toEqual({ path: path.join(caDir, 'ca-cert.pem'), exists: false, stores: [] });
    expect(existsSync(caDir)).toBe(false);

    const trust = await request(port, '/api/v1/ca/trust', { method: 'POST' });
    const store = `NSS database (${path.join(dir, 'nssdb')})`;
    // The machine's system stores (read only, never written: they need root) may follow the NSS one.
    expect(trust.json<unknown[]>()[0]).toEqual({
      store,
      done: false,
      message: 'no NSS database there',
      commands: [],
    });
    expect((await request(port, '/api/v1/ca')).json()).toMatchObject({
      exists: true,
      stores: expect.arrayContaining([{ store, state: 'unknown', detail: 'no NSS database there' }]),
    });
    expect((await request(port, '/api/v1/ca/uninstall', { method: 'POST' })).json<unknown[]>()[0]).toEqual({
      store,
      done: true,
      message: 'not there',
      commands: [],
    });
    expect((await request(port, '/api/v1/ca/trust')).status).toBe(404); // GET: no such endpoint

    const shared = await request(port, '/api/v1/listeners/status');
    expect(shared.json()).toEqual([
      { kind: 'http', host: '127.0.0.1', port: 0, boundPort: expect.any(Number), state: 'listening' },
    ]);
  });
});
