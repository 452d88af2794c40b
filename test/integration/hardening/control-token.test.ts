import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient } from '../../../shared/api/client.js';
import type { Message, Pipe } from '../../../shared/api/contract.js';
import { ControlPlane } from '../../../main/api/control-plane.js';
import { ControlServer } from '../../../main/control/control-server.js';
import { Engine } from '../../../main/engine/engine.js';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';

const cleanup = cleanupAfterEach();

async function start(token: string) {
  const [up] = await upstreamsFor(cleanup, 'up');
  const engine = new Engine();
  const plane = new ControlPlane(engine);
  await plane.store.load(`gateways:\n  - { name: g, port: 0, routes: { "[${up!.hostPort}]": {} } }\n`);
  const ui = await mkdtemp(path.join(tmpdir(), 'switchyard-ui-'));
  await writeFile(path.join(ui, 'index.html'), '<!doctype html><html><head></head><body>ui</body></html>');
  const server = new ControlServer(plane, {
    host: '127.0.0.1',
    port: 0,
    version: 'test',
    token,
    uiDir: ui,
    report: () => undefined,
  });
  const port = await server.listen();
  cleanup.push(async () => {
    await server.close();
    plane.close();
    await engine.stop(100);
    await rm(ui, { recursive: true, force: true });
  });
  const api = (p: string, headers: Record<string, string> = {}) =>
    request(port, p, { headers: { host: `127.0.0.1:${port}`, ...headers } });
  return { server, port, api, up: up! };
}

function wsOpen(port: number, headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/api/v1/stream`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    cleanup.push(() => ws.terminate());
  });
}

const pipeOf = (ws: WebSocket): Pipe => ({
  send: (m) => ws.send(JSON.stringify(m)),
  onMessage: (fn) => {
    const h = (d: WebSocket.RawData) => fn(JSON.parse(String(d)) as Message);
    ws.on('message', h);
    return () => ws.off('message', h);
  },
});

describe('the control server token', () => {
  it('serves nothing without it: not the UI page, not the API, not /proxy', async () => {
    const { api } = await start('s3cret');
    for (const p of [
      '/',
      '/index.html',
      '/api/v1/health',
      '/proxy/gateways/g/',
      '/proxy/host/127.0.0.1/port/80/',
    ]) {
      const r = await api(p, { accept: 'text/html' });
      expect([p, r.status]).toEqual([p, 401]);
      expect(r.body).not.toContain('s3cret');
    }
    expect((await api('/proxy/gateways/g/', { authorization: 'Bearer s3cret' })).status).toBe(200);
  });

  it('logs a browser in once through the printed one-time link, with an HttpOnly SameSite=Strict cookie', async () => {
    const { server, api, port } = await start('s3cret');
    const link = server.auth.loginPath!;
    const login = await api(link);
    expect(login.status).toBe(303);
    expect(login.headers.location).toBe('/');
    const cookie = String(login.headers['set-cookie']);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).not.toContain('s3cret');
    const session = cookie.split(';')[0]!;

    const page = await api('/', { cookie: session });
    expect(page.status).toBe(200);
    expect(page.body).not.toContain('s3cret');
    expect((await api('/api/v1/health', { cookie: session })).status).toBe(200);
    expect((await api('/proxy/gateways/g/', { cookie: session })).status).toBe(200);

    // The stream upgrade carries the cookie, so the browser needs no token message.
    const ws = await wsOpen(port, { cookie: session, origin: `http://127.0.0.1:${port}` });
    expect(await new ApiClient(pipeOf(ws)).call('engine.status', {})).toHaveLength(1);

    expect((await api(link)).status).toBe(401); // one time only
    expect((await api('/login?token=wrong')).status).toBe(401);
    expect((await api('/login?token=s3cret')).status).toBe(303);
    expect((await api('/', { cookie: 'switchyard_session=forged' })).status).toBe(401);
  });
});
