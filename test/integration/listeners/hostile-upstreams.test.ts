import http2 from 'node:http2';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { eventually, request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';

const cleanup = cleanupAfterEach();

/** An h2c upstream that does `behave` to every stream. */
async function h2Upstream(behave: (stream: http2.ServerHttp2Stream) => void): Promise<number> {
  const server = http2.createServer();
  // The upstream's own side of a reset stream reports it too; that is the test's hostility, not news.
  server.on('stream', (stream) => {
    stream.on('error', () => undefined);
    behave(stream);
  });
  server.on('session', (s) => cleanup.push(() => void s.destroy()));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

async function gateway(yaml: string) {
  const started = await startEngine(yaml);
  cleanup.push(() => started.engine.stop(100));
  return started;
}

describe('hostile upstreams behind the new listeners', () => {
  it('answers an h2 upstream that never replies with 504, one that resets with 502, and keeps serving', async () => {
    const silent = await h2Upstream(() => undefined);
    const resets = await h2Upstream((s) => s.close(http2.constants.NGHTTP2_INTERNAL_ERROR));
    const ok = await h2Upstream((s) => s.respond({ ':status': 200 }, { endStream: true }));
    const gw = (name: string, upstream: number) =>
      `  - name: ${name}\n    port: 0\n    timeout: 300ms\n    routes:\n      r: { target: "http://127.0.0.1:${upstream}", h2: true }\n`;
    const { port } = await gateway(`gateways:\n${gw('silent', silent)}${gw('resets', resets)}${gw('g', ok)}`);
    const slow = await request(port('silent'), '/');
    expect(slow.status).toBe(504);
    expect(slow.body).toContain('no response within 300 ms');
    const reset = await request(port('resets'), '/');
    expect(reset.status).toBe(502);
    expect(reset.body).toContain('NGHTTP2_INTERNAL_ERROR');
    expect((await request(port('g'), '/fine')).status).toBe(200);
  });

  it('logs a TCP target that accepts and drops each connection, and keeps serving', async () => {
    const rude = net.createServer((s) => s.destroy());
    await new Promise<void>((r) => rude.listen(0, '127.0.0.1', r));
    cleanup.push(() => new Promise<void>((r) => rude.close(() => r())));
    const target = (rude.address() as net.AddressInfo).port;
    const { engine, port } = await gateway(
      `gateways:\n  - name: db\n    port: 0/tcp\n    routes:\n      a: { target: "127.0.0.1:${target}" }\n`,
    );
    for (let i = 0; i < 50; i++)
      await new Promise<void>((resolve) => {
        const c = net.connect(port('db'), '127.0.0.1', () => c.write('hello'));
        c.on('error', () => undefined);
        c.on('close', () => resolve());
      });
    await eventually(() => engine.log.page(0, 100).length === 50);
    for (const e of engine.log.page(0, 100)) expect(e.closeCause).toMatch(/upstream closed|failed/);
    expect(engine.status()[0]!.state).toBe('listening');
  });
});
