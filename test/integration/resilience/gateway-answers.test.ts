import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { rawExchange, request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { closedPort, startUpstream } from '../../helpers/upstream.js';

/**
 * What the gateway answers itself: its 502/503/504 carry the CORS headers for an allowed origin (a
 * browser then shows the page the status, not a CORS error), and a WebSocket upgrade to a mock route
 * gets the mock's status, headers and body; the one retry of a stale kept-alive connection is in the
 * decision trace.
 */
const cleanup = cleanupAfterEach();
const ORIGIN = 'http://localhost:5173';

describe("the gateway's own answers", () => {
  it('carry the CORS headers on 502, 503 and 504 for an allowed origin, none for others', async () => {
    const slow = await startUpstream('slow', (req) => req.resume()); // never answers
    cleanup.push(() => slow.close());
    const down = await closedPort();
    const { engine, port } = await startEngine(`gateways:
  - name: shop
    port: 0
    timeout: 300ms
    cors: { origins: ["${ORIGIN}"], credentials: true }
    routes:
      down: { targets: ["127.0.0.1:${down}"], weight: 0%, condition: path starts-with /down }
      slow: { targets: ["${slow.url}"], weight: 0%, condition: path starts-with /slow }
`);
    cleanup.push(() => engine.stop(100));
    for (const [path, status] of [
      ['/down', 502],
      ['/slow', 504],
      ['/nothing', 503],
    ] as const) {
      const allowed = await request(port(), path, { headers: { origin: ORIGIN } });
      expect({
        path,
        status: allowed.status,
        origin: allowed.headers['access-control-allow-origin'],
      }).toEqual({ path, status, origin: ORIGIN });
      expect(allowed.headers['access-control-allow-credentials']).toBe('true');
      const other = await request(port(), path, { headers: { origin: 'http://evil.test' } });
      expect(other.status).toBe(status);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
    }
  });

  it("answers a WebSocket upgrade to a mock route with the mock's status, headers and body", async () => {
    const { engine, port } = await startEngine(`gateways:
  - name: shop
    port: 0
    routes:
      maintenance:
        respond: { status: 503, headers: { Retry-After: "30" }, body: "back soon" }
`);
    cleanup.push(() => engine.stop(100));
    const raw = await rawExchange(
      port(),
      'GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const [head, body] = raw.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 503 /);
    expect(head).toMatch(/\r\nretry-after: 30\r\n/i);
    expect(head).toMatch(/\r\ncontent-type: text\/plain; charset=utf-8\r\n/i);
    expect(body).toBe('back soon');
  });

  it('reports the retry of a stale kept-alive connection in the decision trace', async () => {
    // Answers the first request on a connection and keeps it open; a second request on it finds the
    // connection destroyed, as when a dev server closes an idle connection just as it is reused.
    const served = new WeakSet<Socket>();
    const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
      req.resume();
      if (served.has(req.socket)) return req.socket.destroy();
      served.add(req.socket);
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanup.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const up = (server.address() as AddressInfo).port;
    const { engine, port } = await startEngine(
      `gateways:\n  - name: g\n    port: 0\n    routes:\n      up: { targets: ["127.0.0.1:${up}"] }\n`,
    );
    cleanup.push(() => engine.stop(100));
    expect((await request(port(), '/first')).status).toBe(200);
    expect((await request(port(), '/second')).status).toBe(200);
    const second = engine.log.find((e) => e.path === '/second', {}, 10).entries[0]!;
    expect(second.trace.filter((s) => /retried once on a fresh connection/.test(s.text))).toHaveLength(1);
    const first = engine.log.find((e) => e.path === '/first', {}, 10).entries[0]!;
    expect(first.trace.some((s) => /retried/.test(s.text))).toBe(false);
  });
});
