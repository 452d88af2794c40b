import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startEngine } from '../../helpers/engine.js';

/**
 * Dev servers close idle keep-alive connections whenever they like. A request the proxy sends on such a
 * connection just as it closes must not become a 502: an idempotent request without a body is retried
 * once on a fresh connection; nothing else is.
 */
const cleanup = cleanupAfterEach();

/** Answers every request, and closes about one idle connection in eight a moment after answering. */
async function flakyUpstream(seed = 7) {
  let state = seed;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const busy = new WeakMap<Socket, number>();
  let posts = 0;
  const server = http.createServer({ keepAliveTimeout: 60_000 }, (req, res) => {
    const socket = req.socket;
    busy.set(socket, (busy.get(socket) ?? 0) + 1);
    if (req.method === 'POST') posts++;
    req.resume();
    req.on('end', () => {
      res.end('ok');
      busy.set(socket, (busy.get(socket) ?? 1) - 1);
      if (random() < 0.125) {
        setTimeout(
          () => {
            if (!busy.get(socket)) socket.destroy();
          },
          Math.floor(random() * 3),
        );
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as AddressInfo).port, posts: () => posts };
}

function send(agent: http.Agent, port: number, method = 'GET', body?: string): Promise<number> {
  return new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, agent, method, path: '/' }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', () => resolve(-1));
    req.end(body);
  });
}

describe('stale keep-alive connections to the upstream', () => {
  it('cost zero 502s over 50,000 GETs to an upstream that closes idle connections at random', async () => {
    const up = await flakyUpstream();
    const { engine, port } = await startEngine(
      `gateways:\n  - name: g\n    port: 0\n    routes:\n      up: { target: "http://127.0.0.1:${up.port}" }\n`,
      { logging: false },
    );
    cleanup.push(() => engine.stop(100));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 16 });
    cleanup.push(() => agent.destroy());
    const statuses = new Map<number, number>();
    let left = 50_000;
    const deadline = Date.now() + 60_000;
    const worker = async () => {
      while (left > 0 && Date.now() < deadline) {
        left--;
        const status = await send(agent, port('g'));
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    expect(left).toBe(0);
    expect(Object.fromEntries(statuses)).toEqual({ 200: 50_000 });
  }, 90_000);

  it('never sends a request with a body twice', async () => {
    const up = await flakyUpstream(11);
    const { engine, port } = await startEngine(
      `gateways:\n  - name: g\n    port: 0\n    routes:\n      up: { target: "http://127.0.0.1:${up.port}" }\n`,
      { logging: false },
    );
    cleanup.push(() => engine.stop(100));
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    cleanup.push(() => agent.destroy());
    let sent = 0;
    const worker = async () => {
      for (let i = 0; i < 500; i++) {
        sent++;
        await send(agent, port('g'), 'POST', 'x');
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    expect(up.posts()).toBeLessThanOrEqual(sent);
  }, 30_000);
});
