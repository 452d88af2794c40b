import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, type Cleanup } from '../../helpers/cleanup.js';
import { eventually } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { closedPort } from '../../helpers/upstream.js';

const cleanup = cleanupAfterEach();

/** A TCP server that greets each connection with its name, then echoes what it is sent. */
async function tcpServer(cleanup: Cleanup, name: string): Promise<number> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => undefined);
    s.write(`${name}\n`);
    s.pipe(s);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => {
    for (const s of sockets) s.destroy();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return (server.address() as net.AddressInfo).port;
}

/** Connects, sends `text`, half-closes, and returns everything received until the close. */
function exchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(text));
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

async function tcpGateway(routes: string, extra = '') {
  const started = await startEngine(
    `gateways:\n  - name: db\n    port: 0/tcp\n${extra}    routes:\n${routes}`,
  );
  cleanup.push(() => started.engine.stop(100));
  return { engine: started.engine, port: started.port('db') };
}

describe('TCP gateways', () => {
  it('splits 1,000 connections by weight, carrying bytes both ways', async () => {
    const [a, b] = [await tcpServer(cleanup, 'a'), await tcpServer(cleanup, 'b')];
    const { engine, port } = await tcpGateway(
      `      a: { weight: 80%, targets: ["127.0.0.1:${a}"] }\n      b: { weight: 20%, targets: ["tcp://127.0.0.1:${b}"] }\n`,
    );
    const counts = { a: 0, b: 0 } as Record<string, number>;
    for (let batch = 0; batch < 20; batch++) {
      const replies = await Promise.all(Array.from({ length: 50 }, () => exchange(port, 'ping')));
      for (const r of replies) {
        const [name, echo] = r.split('\n');
        expect(echo).toBe('ping');
        counts[name!]!++;
      }
    }
    expect(counts.a! + counts.b!).toBe(1000);
    // 800 expected; a binomial's 4 standard deviations are about 51
    expect(Math.abs(counts.a! - 800)).toBeLessThan(60);
    await eventually(() => engine.log.page(0, 2000).length >= 1000);
    const entry = engine.log.page(0, 1)[0]!;
    expect(entry).toMatchObject({ protocol: 'tcp', method: 'TCP', status: 200, bytesIn: 4, bytesOut: 6 });
    expect(entry.closeCause).toMatch(/closed/);
    expect(engine.status()[0]!.urls).toEqual([`tcp://127.0.0.1:${port}`]);
  });

  it('with sticky: route keeps a client address on one route', async () => {
    const [a, b] = [await tcpServer(cleanup, 'a'), await tcpServer(cleanup, 'b')];
    const { port } = await tcpGateway(
      `      a: { weight: 50%, targets: ["127.0.0.1:${a}"] }\n      b: { weight: 50%, targets: ["127.0.0.1:${b}"] }\n`,
      '    sticky: route\n',
    );
    const names = new Set<string>();
    for (let i = 0; i < 40; i++) names.add((await exchange(port, 'x')).split('\n')[0]!);
    expect(names.size).toBe(1);
  });

  it('logs a refused target as 502 naming it, and the gateway keeps serving', async () => {
    const dead = await closedPort();
    const { engine, port } = await tcpGateway(`      a: { targets: ["127.0.0.1:${dead}"] }\n`);
    expect(await exchange(port, 'x')).toBe('');
    await eventually(() => engine.log.page(0, 10).length === 1);
    const entry = engine.log.page(0, 10)[0]!;
    expect(entry.status).toBe(502);
    expect(entry.error).toContain(`127.0.0.1:${dead}`);
    expect(engine.status()[0]!.state).toBe('listening');
  });
});
