import http from 'node:http';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { eventually, rawExchange, request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';

const cleanup = cleanupAfterEach();

async function gateway(target: string, extra = '') {
  const started = await startEngine(
    `gateways:\n  - name: g\n    port: 0\n${extra}    routes:\n      up: { target: "${target}" }\n`,
  );
  cleanup.push(() => started.engine.stop(100));
  return { engine: started.engine, port: started.port('g') };
}

async function upstream(handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void) {
  const u = await startUpstream('up', handler);
  cleanup.push(() => u.close());
  return u;
}

const statusOf = (raw: string) => Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1] ?? 0);

describe('answers at the edges of HTTP, as nginx gives them', () => {
  it('refuses two Host headers with 400', async () => {
    const up = await upstream();
    const { port } = await gateway(up.url);
    const raw = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\nConnection: close\r\n\r\n');
    expect(statusOf(raw)).toBe(400);
    expect(raw).toContain('more than one Host header');
    expect(up.requests).toHaveLength(0);
  });

  it('answers CONNECT with 405 and logs it', async () => {
    const up = await upstream();
    const { engine, port } = await gateway(up.url);
    const raw = await rawExchange(port, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n');
    expect(statusOf(raw)).toBe(405);
    expect(raw).toContain('Allow: GET');
    const entry = engine.log.page(0).at(-1)!;
    expect([entry.method, entry.status]).toEqual(['CONNECT', 405]);
  });

  it('answers headers that do not arrive within the timeout with 408', async () => {
    const up = await upstream();
    const { port } = await gateway(up.url, '    timeout: 500ms\n');
    const raw = await rawExchange(port, 'GET / HTTP/1.1\r\nHost: x\r\n', 4000);
    expect(statusOf(raw)).toBe(408);
  });

  it('bounds a stalled request body by the timeout: 408, and the upstream request is dropped', async () => {
    let upstreamSawEnd = false;
    const up = await upstream((req, res) => {
      req.resume();
      req.on('end', () => {
        upstreamSawEnd = true;
        res.end('ok');
      });
    });
    const { engine, port } = await gateway(up.url, '    timeout: 500ms\n');
    const raw = await rawExchange(
      port,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789',
      4000,
    );
    expect(statusOf(raw)).toBe(408);
    expect(raw).toContain('stalled');
    expect(upstreamSawEnd).toBe(false);
    await eventually(() => engine.log.page(0).some((e) => e.status === 408), 2000, 'the 408 in the log');
  });

  it('logs a client that leaves before the answer as 499, not as an upstream error', async () => {
    const up = await upstream(() => undefined); // never answers
    const { engine, port } = await gateway(up.url);
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    await eventually(() => up.requests.length === 1, 2000, 'the upstream request');
    socket.destroy();
    await eventually(() => engine.log.page(0).length === 1, 2000, 'the log entry');
    expect(engine.log.page(0)[0]!.status).toBe(499);

    // The same for a client that leaves in the middle of its request body.
    const uploading = net.connect(port, '127.0.0.1');
    uploading.write('POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\nabc');
    await eventually(() => up.requests.length === 2, 2000, 'the second upstream request');
    uploading.resetAndDestroy();
    await eventually(() => engine.log.page(0).length === 2, 2000, 'the second log entry');
    expect(engine.log.page(0)[1]!.status).toBe(499);
  });

  it('keeps answering normal requests after all of that', async () => {
    const up = await upstream();
    const { port } = await gateway(up.url);
    await rawExchange(port, 'CONNECT x:1 HTTP/1.1\r\n\r\n', 500);
    await rawExchange(port, 'GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n', 500);
    expect((await request(port, '/')).status).toBe(200);
  });
});
