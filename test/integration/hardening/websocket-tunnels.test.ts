import { readdirSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { eventually, rawExchange } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';

/**
 * A tunnel's two sockets live and die together: a client that aborts (RST or FIN) must not leave its
 * upstream socket open, and an upstream that never answers an upgrade is bounded by the timeout.
 * Counted with the upstream's own connection count and this process's open descriptors.
 */
const cleanup = cleanupAfterEach();

const openFds = () => readdirSync('/proc/self/fd').length;

/**
 * A WebSocket upstream that answers the handshake and echoes bytes, and, like many servers waiting for a
 * close frame, does not end its side when the proxy half-closes (allowHalfOpen).
 */
async function echoServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer({ allowHalfOpen: true }, (s) => {
    sockets.add(s);
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
    let upgraded = false;
    // After the proxy's FIN it keeps writing, as a server sending its close frame would: a proxy that
    // destroyed its socket answers with a reset and this side closes; one that only half-closed keeps
    // the connection (and its descriptor) open for good.
    s.on('end', () => {
      const ping = setInterval(() => s.write(Buffer.from([0x89, 0x00])), 50);
      s.on('close', () => clearInterval(ping));
    });
    s.on('data', (chunk: Buffer) => {
      if (upgraded) return void s.write(Buffer.from([0x81, 0x02, 0x68, 0x69]));
      upgraded = true;
      s.write(
        'HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n',
      );
      void chunk;
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, open: () => sockets.size };
}

/** An upstream that accepts connections and never says a word. */
async function silentServer() {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.resume(); // reads (and drops) what arrives, so that it sees the other side close
    s.on('error', () => undefined);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  );
  return { port: (server.address() as net.AddressInfo).port, open: () => sockets.size };
}

async function gateway(upstreamPort: number, timeout = '30s') {
  const started = await startEngine(
    `gateways:\n  - name: ws\n    port: 0\n    timeout: ${timeout}\n    routes:\n      "[127.0.0.1:${upstreamPort}]": {}\n`,
  );
  cleanup.push(() => started.engine.stop(100));
  return { engine: started.engine, port: started.port('ws') };
}

const UPGRADE =
  'GET /chat HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';
/** A masked text frame "hi" from the client. */
const FRAME = Buffer.from([0x81, 0x82, 1, 2, 3, 4, 'h'.charCodeAt(0) ^ 1, 'i'.charCodeAt(0) ^ 2]);

/** Opens a tunnel, exchanges one message, and returns the client socket. */
function openTunnel(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    let seen = Buffer.alloc(0);
    let upgraded = false;
    socket.on('data', (chunk: Buffer) => {
      seen = Buffer.concat([seen, chunk]);
      if (!upgraded && seen.includes('\r\n\r\n')) {
        if (!seen.toString('latin1').startsWith('HTTP/1.1 101')) return reject(new Error(seen.toString()));
        upgraded = true;
        seen = seen.subarray(seen.indexOf('\r\n\r\n') + 4);
        socket.write(FRAME);
      }
      if (upgraded && seen.length >= 4) resolve(socket); // the echo came back
    });
    socket.write(UPGRADE);
  });
}

async function abortMany(port: number, n: number, how: 'rst' | 'fin'): Promise<void> {
  for (let i = 0; i < n; i += 20) {
    const batch = await Promise.all(Array.from({ length: Math.min(20, n - i) }, () => openTunnel(port)));
    for (const s of batch) {
      if (how === 'rst') s.resetAndDestroy();
      else s.end();
    }
  }
}

describe('WebSocket tunnels', () => {
  it('leave no socket behind after 200 client resets and 200 client FINs mid-stream', async () => {
    const echo = await echoServer();
    const { port } = await gateway(echo.port);
    await openTunnel(port).then((s) => s.destroy()); // warm up: pools, lazy modules
    await eventually(() => echo.open() === 0, 3000, 'the warm-up tunnel to close');
    const before = openFds();
    await abortMany(port, 200, 'rst');
    await eventually(
      () => echo.open() === 0,
      5000,
      `upstream sockets to close after RSTs (${echo.open()} open)`,
    );
    await abortMany(port, 200, 'fin');
    await eventually(
      () => echo.open() === 0,
      5000,
      `upstream sockets to close after FINs (${echo.open()} open)`,
    );
    await eventually(
      () => openFds() <= before + 2,
      5000,
      `descriptors to return (${openFds()} vs ${before})`,
    );
  }, 60_000);

  it('answers an upgrade to a silent upstream with 504 after the timeout, and closes both sides', async () => {
    const silent = await silentServer();
    const { engine, port } = await gateway(silent.port, '300ms');
    const raw = await rawExchange(port, UPGRADE, 3000);
    expect(raw).toMatch(/^HTTP\/1\.1 504/);
    expect(raw).toContain('no upgrade answer within 300 ms');
    await eventually(() => silent.open() === 0, 3000, 'the upstream socket to close');
    await eventually(() => engine.log.page(0).some((e) => e.status === 504), 2000, 'the 504 in the log');
  });

  it('leaves nothing open when 100 clients leave an upgrade the upstream never answers', async () => {
    const silent = await silentServer();
    const { port } = await gateway(silent.port);
    const before = openFds();
    const clients = Array.from({ length: 100 }, () => {
      const s = net.connect(port, '127.0.0.1');
      s.on('error', () => undefined);
      s.write(UPGRADE);
      return s;
    });
    await eventually(() => silent.open() === 100, 5000, `100 upstream connections (${silent.open()})`);
    for (const s of clients) s.destroy();
    await eventually(() => silent.open() === 0, 5000, `upstream sockets to close (${silent.open()} open)`);
    await eventually(
      () => openFds() <= before + 2,
      5000,
      `descriptors to return (${openFds()} vs ${before})`,
    );
  }, 30_000);
});
