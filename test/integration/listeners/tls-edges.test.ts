import { mkdtemp } from 'node:fs/promises';
import http2 from 'node:http2';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { describe, expect, it } from 'vitest';
import { LocalCa } from '../../../main/tls/local-ca.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';

const cleanup = cleanupAfterEach();

async function tlsGateway() {
  const up = await startUpstream('up');
  cleanup.push(() => up.close());
  const ca = new LocalCa(await mkdtemp(path.join(tmpdir(), 'switchyard-edges-ca-')));
  const started = await startEngine(
    `listeners: {https: 0}\ngateways:\n  - name: g\n    port: 0/https\n    virtual_hosts: ["*.edge.localhost"]\n    routes: { up: { target: "${up.url}" } }\n`,
    { ca },
  );
  cleanup.push(() => started.engine.stop(100));
  const shared = started.engine.sharedStatus()[0]!.boundPort!;
  return { engine: started.engine, port: started.port('g'), shared, caPem: await ca.caPem() };
}

/** One HTTP/2 request; resolves with its status, or with the error's code. */
function h2(port: number, ca: string, headers: http2.OutgoingHttpHeaders): Promise<number | string> {
  return new Promise((resolve) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername: 'localhost' });
    session.on('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
    const s = session.request(headers);
    s.on('response', (h) => {
      resolve(Number(h[':status']));
      session.close();
    });
    s.on('error', (e: Error & { code?: string }) => {
      resolve(e.code ?? e.message);
      session.destroy();
    });
    s.end();
  });
}

/** Bytes on a TLS connection (HTTP/1.1); everything the server sends back until it closes. */
function overTls(port: number, ca: string, bytes: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = tls.connect(
      { port, host: '127.0.0.1', ca, servername: 'localhost', ALPNProtocols: ['http/1.1'] },
      () => socket.write(bytes),
    );
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('error', () => undefined);
    socket.on('close', () => resolve(got));
    setTimeout(() => socket.destroy(), 2000).unref();
  });
}

describe('TLS listeners at the edges', () => {
  it('survives CONNECT over HTTP/2 and HTTP/1.1, malformed requests and non-TLS garbage, and keeps serving', async () => {
    const { port, caPem } = await tlsGateway();
    const connect = await h2(port, caPem, { ':method': 'CONNECT', ':authority': 'example.com:443' });
    expect(connect).toBe(405);
    expect(
      await overTls(port, caPem, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n'),
    ).toMatch(/^HTTP\/1\.1 405/);
    expect(await overTls(port, caPem, 'GET /%zz HTTP/1.1\r\nHost: x\r\n\r\n')).toMatch(
      /^HTTP\/1\.1 (400|200)/,
    );
    expect(await overTls(port, caPem, '\x00\x01garbage\r\n\r\n')).toMatch(/^(HTTP\/1\.1 400|$)/);
    // A TLS record header announcing 64 KiB that never come: that handshake waits (up to its timeout),
    // the rest goes on.
    await new Promise<void>((resolve) => {
      const s = net.connect(port, '127.0.0.1', () =>
        s.write(Buffer.from([0x16, 0x03, 0x01, 0xff, 0xff, 0, 0, 0])),
      );
      s.on('error', () => undefined);
      setTimeout(() => (s.destroy(), resolve()), 200);
    });
    expect(await h2(port, caPem, { ':path': '/still-up' })).toBe(200);
  });

  it('answers any SNI name: names a gateway claims verify, others get the localhost certificate', async () => {
    const { shared, caPem } = await tlsGateway();
    const names = Array.from({ length: 60 }, (_, i) => `n${i}.edge.localhost`);
    for (const name of [...names, 'unclaimed.example', '']) {
      const ok = await new Promise<boolean>((resolve) => {
        const s = tls.connect(
          { port: shared, host: '127.0.0.1', ca: caPem, ...(name ? { servername: name } : {}) },
          () => {
            resolve(true);
            s.end();
          },
        );
        s.on('error', () => resolve(false));
      });
      // Claimed names verify; others get the localhost certificate, which fails verification for them.
      expect(ok).toBe(name.endsWith('.edge.localhost') || name === '');
    }
  });
});
