import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startServe, type ServeProcess } from '../../helpers/serve-process.js';

/**
 * Generated requests (targets, methods, headers, upgrades) against a real `switchyard serve`: its
 * gateway and its control server must answer or close each one, and keep answering normal requests.
 * Bounded: a fixed number of runs with a fixed seed, each exchange at most 500 ms.
 */
const cleanup = cleanupAfterEach();

async function serving(): Promise<ServeProcess> {
  const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-fuzz-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'switchyard.yaml');
  await writeFile(
    file,
    `gateways:
  - name: shop
    port: 0
    sticky: route
    timeout: 2s
    routes:
      a: { target: "${a!.url}", weight: 50%, condition: 'header x-test matches "^(a+)+$" or path starts-with /a', rewrites: [{ path: "/v2%[path] if path starts-with /api" }] }
      b: { target: "${b!.url}", weight: 50% }
`,
  );
  return startServe(cleanup, ['--config', file, '--log', 'none']);
}

/** Writes the bytes, half-closes, and waits for the server to answer or close (at most 500 ms). */
function exchange(port: number, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(got);
    };
    const timer = setTimeout(done, 500);
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', done);
    socket.on('close', done);
    socket.end(bytes);
  });
}

const token = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const method = fc.oneof(
  { arbitrary: fc.constant('GET'), weight: 4 },
  {
    arbitrary: fc.constantFrom('HEAD', 'POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH', 'CONNECT', 'TRACE'),
    weight: 2,
  },
  { arbitrary: token, weight: 1 },
);
const segment = fc.oneof(
  fc.string({ maxLength: 12 }).map((s) => s.replace(/[\s/]/g, '')),
  fc.constantFrom(
    '%zz',
    '%',
    '%e',
    '%2e%2e',
    '..',
    '.',
    '',
    '[::1',
    '::1]',
    '127.0.0.999',
    '999999',
    '0',
    'a..b',
    'user@h',
  ),
  fc
    .tuple(fc.string({ maxLength: 6 }), fc.constantFrom('%', '%z', '%G0', '%00'))
    .map(([a, b]) => (a + b).replace(/[\s/]/g, '')),
);
const target = fc.oneof(
  fc.array(segment, { maxLength: 6 }).map((s) => `/${s.join('/')}`),
  fc.tuple(segment, segment).map(([h, p]) => `/proxy/host/${h}/port/${p}/x`),
  fc.tuple(segment, segment, segment).map(([g, r, i]) => `/proxy/gateways/${g}/routes/${r}/instances/${i}/`),
  fc.tuple(segment, segment).map(([a, b]) => `/api/v1/${a}/${b}`),
  fc.constantFrom(
    '//',
    '///x',
    '*',
    'http://evil/',
    '/?%zz',
    '/a?x=%',
    '/api/v1/gateways/%zz',
    '/api/v1/log/abc',
  ),
  fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n ]/g, '')),
);
const header = fc.tuple(
  fc.oneof(
    token,
    fc.constantFrom(
      'Host',
      'Content-Length',
      'Transfer-Encoding',
      'Cookie',
      'X-Switchyard-Route',
      'X-Test',
      'Origin',
      'Authorization',
      'Upgrade',
      'Connection',
    ),
  ),
  fc.oneof(
    fc.string({ maxLength: 30 }).map((s) => s.replace(/[\r\n]/g, '')),
    fc.constantFrom(
      '-1',
      '99999999999',
      'chunked',
      'websocket',
      'a'.repeat(30) + '!',
      'switchyard_route=zzz',
    ),
  ),
);
const requestBytes = (host: string) =>
  fc
    .record({
      method,
      target,
      headers: fc.array(header, { maxLength: 5 }),
      upgrade: fc.boolean(),
      body: fc.string({ maxLength: 20 }),
    })
    .map(({ method, target, headers, upgrade, body }) => {
      const lines = [
        `${method} ${target} HTTP/1.1`,
        `Host: ${host}`,
        ...headers.map(([n, v]) => `${n}: ${v}`),
      ];
      if (upgrade)
        lines.push(
          'Upgrade: websocket',
          'Connection: Upgrade',
          'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==',
          'Sec-WebSocket-Version: 13',
        );
      return `${lines.join('\r\n')}\r\n\r\n${body}`;
    });

describe('generated requests', () => {
  it('never take down serve: the gateway and the control server keep answering', async () => {
    const s = await serving();
    const gateway = s.gatewayPort('shop');
    const control = s.controlPort;
    await fc.assert(
      fc.asyncProperty(fc.boolean(), requestBytes(`127.0.0.1:${control}`), async (toGateway, bytes) => {
        await exchange(toGateway ? gateway : control, bytes);
        expect(s.alive()).toBe(true);
      }),
      { numRuns: 600, seed: 20261130 },
    );
    expect((await request(gateway, '/')).status).toBe(200);
    expect((await request(control, '/api/v1/health')).status).toBe(200);
    expect(s.alive()).toBe(true);
  }, 120_000);
});
