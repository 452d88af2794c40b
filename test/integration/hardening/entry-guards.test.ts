import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { rawExchange, request } from '../../helpers/client.js';
import { startServe, type ServeProcess } from '../../helpers/serve-process.js';

/**
 * Each of these requests took `switchyard serve` down before its entry points were guarded. They run
 * against a real child process, so a crash is a dead process, not a test framework's unhandled error.
 */
const cleanup = cleanupAfterEach();

async function serveWith(args: string[] = []): Promise<ServeProcess> {
  const [up] = await upstreamsFor(cleanup, 'up');
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-guard-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'switchyard.yaml');
  await writeFile(
    file,
    `gateways:\n  - name: shop\n    port: 0\n    routes:\n      "[${up!.hostPort}]": {}\n`,
  );
  return startServe(cleanup, ['--config', file, '--log', 'none', ...args]);
}

const get = (port: number, target: string, extra = '') =>
  rawExchange(port, `GET ${target} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n${extra}Connection: close\r\n\r\n`);

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

const HOSTILE = [
  '/%zz',
  '//',
  '/proxy/host/127.0.0.999/port/80/',
  '/proxy/host/[::1/port/80/',
  '/proxy/host/::1]/port/80/',
  '/proxy/host/127.0.0.1/port/0/',
  '/proxy/host/127.0.0.1/port/99999/',
  '/proxy/host/user@127.0.0.1/port/80/',
  '/proxy/host/a..b/port/80/',
  '/proxy/host/%zz/port/80/',
  '/api/v1/gateways/%zz',
  '/proxy/gateways/%zz/',
];

describe('the entry points of switchyard serve', () => {
  it('answer every hostile request target and stay up, without a token', async () => {
    const s = await serveWith();
    for (const target of HOSTILE) {
      // `//` is the UI's page like any other path; everything else here is a client error.
      const status = statusOf(await get(s.controlPort, target));
      expect([target, status]).toEqual([target, target === '//' ? 200 : expect.any(Number)]);
      if (target !== '//') expect([target, status >= 400 && status < 500]).toEqual([target, true]);
      expect(s.alive()).toBe(true);
    }
    const ws = await rawExchange(
      s.controlPort,
      `GET // HTTP/1.1\r\nHost: 127.0.0.1:${s.controlPort}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
      1000,
    );
    expect(statusOf(ws)).toBe(404);
    expect((await request(s.controlPort, '/api/v1/health')).status).toBe(200);
    expect(s.alive()).toBe(true);
  });

  it('with a token, refuse them without answering from the UI, the API or /proxy, and stay up', async () => {
    const s = await serveWith(['--token', 's3cret']);
    for (const target of HOSTILE) {
      const status = statusOf(await get(s.controlPort, target));
      expect([target, status === 401 || status === 400]).toEqual([target, true]);
    }
    expect(statusOf(await get(s.controlPort, '/proxy/host/127.0.0.1/port/1/'))).toBe(401);
    expect(statusOf(await get(s.controlPort, '/'))).toBe(401);
    expect(s.alive()).toBe(true);
  });

  it('name the problem in the answer: a bad IPv4 address, an unclosed IPv6 bracket, a port out of range', async () => {
    const s = await serveWith();
    expect(await get(s.controlPort, '/proxy/host/127.0.0.999/port/80/')).toContain(
      "host '127.0.0.999' is not a valid IPv4 address",
    );
    expect(await get(s.controlPort, '/proxy/host/[::1/port/80/')).toContain(
      "host '[::1' is not a valid bracketed IPv6 address",
    );
    expect(await get(s.controlPort, '/proxy/host/127.0.0.1/port/65536/')).toContain(
      "port '65536' is not a number from 1 to 65535",
    );
  });

  it('answer malformed HTTP on the control server with 400, as the gateways do, and report it', async () => {
    const s = await serveWith();
    const raw = await rawExchange(s.controlPort, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nBad Header\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('malformed request');
    expect(s.err()).toContain('malformed request answered 400');
    const gateway = await rawExchange(s.gatewayPort('shop'), 'GET / HTTP/1.1\r\nBad Header\r\n\r\n');
    expect(statusOf(gateway)).toBe(400);
  });
});
