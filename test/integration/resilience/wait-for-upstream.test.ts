import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startEngine } from '../../helpers/engine.js';

/**
 * A dev server restarting (nodemon, vite, `go run`) refuses connections for a moment. With
 * wait_for_upstream the gateway holds those requests and tries again every 100 ms, so clients see a slow
 * answer instead of a 502; when the server stays down, the wait ends in a 502 that says so.
 */
const cleanup = cleanupAfterEach();

function devServer(port = 0): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => res.end(`${req.method} ${Buffer.concat(chunks).length}`));
  });
  return new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(server)));
}

function kill(server: http.Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

describe('wait_for_upstream', () => {
  it('20 clients see no error while the dev server is killed and restarted within 3 s', async () => {
    let server = await devServer();
    const port = (server.address() as AddressInfo).port;
    cleanup.push(() => kill(server));
    const { engine, port: gw } = await startEngine({
      gateways: [{ name: 'dev', port: 0, wait_for_upstream: '10s', routes: { [`[127.0.0.1:${port}]`]: {} } }],
    });
    cleanup.push(() => engine.stop(1000));

    const statuses: number[] = [];
    const failures: string[] = [];
    const deadline = Date.now() + 15_000;
    // Each client sends at most 60 requests. The clients' requests are GETs: one in flight when the
    // process dies is sent again (nothing of it was answered, and a GET may be sent twice). POSTs are sent
    // while the server is down: they wait, held with their bodies, and arrive whole.
    const client = async (i: number, posts = false) => {
      for (let n = 0; n < (posts ? 5 : 60) && Date.now() < deadline; n++) {
        const post = posts;
        try {
          const r = await request(`http://127.0.0.1:${gw()}/c${i}/${n}`, {
            method: post ? 'POST' : 'GET',
            ...(post ? { body: 'x'.repeat(1000) } : {}),
          });
          const text = await r.body.text();
          statuses.push(r.statusCode);
          if (r.statusCode !== 200) failures.push(`${post ? 'POST' : 'GET'} ${r.statusCode} ${text}`);
        } catch (err) {
          failures.push(String(err));
        }
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const clients = Promise.all(Array.from({ length: 20 }, (_, i) => client(i)));
    await new Promise((r) => setTimeout(r, 300));
    // The "kill": the listening socket and every connection go at once, as when the process exits.
    await kill(server);
    const posting = Promise.all(Array.from({ length: 4 }, (_, i) => client(100 + i, true)));
    await new Promise((r) => setTimeout(r, 1500));
    server = await devServer(port);
    await clients;
    await posting;
    expect(failures).toEqual([]);
    expect(statuses.length).toBeGreaterThan(200);
    const waited = engine.log.find((e) => (e.waitedMs ?? 0) > 0, {}, 10_000).entries;
    expect(waited.length).toBeGreaterThan(0);
    expect(waited[0]!.trace.some((s) => s.kind === 'wait' && /waited \d+ ms/.test(s.text))).toBe(true);
    // POSTs held while waiting reached the server whole.
    const posts = engine.log.find((e) => e.method === 'POST' && (e.waitedMs ?? 0) > 0, {}, 10_000).entries;
    expect(posts.length).toBeGreaterThan(0);
    expect(posts.every((e) => e.status === 200 && e.bytesIn === 1000)).toBe(true);
  }, 30_000);

  it('answers 502 naming the wait when the server stays down', async () => {
    const server = await devServer();
    const port = (server.address() as AddressInfo).port;
    await kill(server);
    const { engine, port: gw } = await startEngine({
      gateways: [
        { name: 'dev', port: 0, wait_for_upstream: '800ms', routes: { [`[127.0.0.1:${port}]`]: {} } },
      ],
    });
    cleanup.push(() => engine.stop(1000));
    const started = Date.now();
    const r = await request(`http://127.0.0.1:${gw()}/`, { method: 'POST', body: 'hello' });
    const text = await r.body.text();
    expect(r.statusCode).toBe(502);
    expect(Date.now() - started).toBeGreaterThanOrEqual(700);
    expect(text).toMatch(/connection refused .*wait_for_upstream 800 ms/);
    engine.log.flush();
    const entry = engine.log.page(0).at(-1)!;
    expect(entry.waitedMs).toBeGreaterThanOrEqual(700);
    expect(entry.error).toMatch(/wait_for_upstream/);
  });

  it('without wait_for_upstream a refused connection is a 502 at once', async () => {
    const server = await devServer();
    const port = (server.address() as AddressInfo).port;
    await kill(server);
    const { engine, port: gw } = await startEngine({
      gateways: [{ name: 'dev', port: 0, routes: { [`[127.0.0.1:${port}]`]: {} } }],
    });
    cleanup.push(() => engine.stop(1000));
    const r = await request(`http://127.0.0.1:${gw()}/`);
    await r.body.text();
    expect(r.statusCode).toBe(502);
  });
});
