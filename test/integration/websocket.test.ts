import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import WebSocket, { WebSocketServer } from 'ws';
import { eventually, request } from '../helpers/client.js';
import { startEngine } from '../helpers/engine.js';
import { closedPort } from '../helpers/upstream.js';

const cleanup = cleanupAfterEach();

async function echoServer(name: string): Promise<{ port: number; connections: () => number }> {
  const wss = new WebSocketServer({ port: 0, host: '127.0.0.1' });
  await new Promise<void>((resolve) => wss.once('listening', () => resolve()));
  let open = 0;
  wss.on('connection', (socket, req) => {
    open++;
    socket.on('close', () => open--);
    socket.on('message', (data) => socket.send(`${name}:${req.url}:${String(data)}`));
  });
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  );
  return { port: (wss.address() as { port: number }).port, connections: () => open };
}

async function engine(yaml: string) {
  const started = await startEngine(yaml);
  cleanup.push(() => started.engine.stop(100));
  return started;
}

function connect(url: string, headers: Record<string, string> = {}): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })),
    );
  });
}

function nextMessage(ws: WebSocket): Promise<string> {
  return new Promise((resolve) => ws.once('message', (d) => resolve(String(d))));
}

describe('WebSocket', () => {
  it('upgrades are routed like any request, with rewrites and conditions', async () => {
    const blue = await echoServer('blue');
    const green = await echoServer('green');
    const { engine: e, port } = await engine(`name: ws
port: 0
routes:
  blue: { targets: [127.0.0.1:${blue.port}], weight: 100% }
  green:
    targets: [127.0.0.1:${green.port}]
    weight: 0%
    condition: has cookie beta
    rewrites: [{ strip_prefix: /socket }]
`);
    const a = await connect(`ws://127.0.0.1:${port()}/socket/chat`);
    a.send('hi');
    expect(await nextMessage(a)).toBe('blue:/socket/chat:hi');
    const b = await connect(`ws://127.0.0.1:${port()}/socket/chat`, { cookie: 'beta=1' });
    b.send('yo');
    expect(await nextMessage(b)).toBe('green:/chat:yo');
    a.close();
    b.close();
    await eventually(() => e.log.page(0).length === 2, 3000, 'both sessions to be logged');
    expect(
      e.log
        .page(0)
        .map((x) => [x.route, x.status, x.websocket])
        .sort(),
    ).toEqual([
      ['blue', 101, true],
      ['green', 101, true],
    ]);
  });

  it('an upstream that refuses gets the client a proper HTTP 502', async () => {
    const dead = await closedPort();
    const { port } = await engine(`name: ws\nport: 0\nroutes:\n  "[127.0.0.1:${dead}]": {}\n`);
    await expect(connect(`ws://127.0.0.1:${port()}/`)).rejects.toMatchObject({ status: 502 });
    expect((await request(port(), '/', { headers: { accept: 'application/json' } })).status).toBe(502);
  });

  it('survives clients that reset early, and leaves no upstream connection behind', async () => {
    const up = await echoServer('up');
    const { port } = await engine(`name: ws\nport: 0\nroutes:\n  "[127.0.0.1:${up.port}]": {}\n`);
    // A client that sends half an upgrade and resets, many times over.
    for (let i = 0; i < 20; i++) {
      await new Promise<void>((resolve) => {
        const s = net.connect(port(), '127.0.0.1', () => {
          s.write(
            `GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: ${Buffer.alloc(16, i).toString('base64')}\r\n\r\n`,
          );
          s.resetAndDestroy();
          resolve();
        });
        s.on('error', () => resolve());
      });
    }
    // Open sessions, then reset them abruptly.
    for (let i = 0; i < 5; i++) {
      const ws = await connect(`ws://127.0.0.1:${port()}/`);
      (ws as unknown as { _socket: net.Socket })._socket.resetAndDestroy();
    }
    await eventually(() => up.connections() === 0, 3000, 'upstream sessions to close');
    const ok = await connect(`ws://127.0.0.1:${port()}/`);
    ok.send('still here');
    expect(await nextMessage(ok)).toBe('up:/:still here');
    ok.close();
  });

  it('refuses upgrades that are not WebSocket with 400', async () => {
    const up = await echoServer('up');
    const { port } = await engine(`name: ws\nport: 0\nroutes:\n  "[127.0.0.1:${up.port}]": {}\n`);
    const reply = await new Promise<string>((resolve) => {
      const s = net.connect(port(), '127.0.0.1', () =>
        s.write('GET / HTTP/1.1\r\nHost: x\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n'),
      );
      let out = '';
      s.on('data', (d) => (out += String(d)));
      s.on('close', () => resolve(out));
      s.on('error', () => resolve(out));
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).toContain('only WebSocket upgrades');
  });
});
