import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import http2 from 'node:http2';
import https from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import WebSocket from 'ws';
import { describe, expect, it } from 'vitest';
import { LocalCa } from '../../../main/tls/local-ca.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { rawExchange } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { startUpstream } from '../../helpers/upstream.js';
import { echoWebSocketServer } from '../../helpers/websocket-echo.js';

const cleanup = cleanupAfterEach();
const run = promisify(execFile);
const hasCurl = await run('curl', ['--version']).then(
  () => true,
  () => false,
);

async function setup(yaml: (upstream: string) => string) {
  const up = await startUpstream('shop');
  cleanup.push(() => up.close());
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ca-'));
  const ca = new LocalCa(dir);
  const started = await startEngine(yaml(up.url), { ca });
  cleanup.push(() => started.engine.stop(100));
  const caPem = await ca.caPem();
  const caFile = await ca.certificatePath();
  const shared = started.engine.sharedStatus().find((l) => l.kind === 'https');
  return { ...started, up, ca, caPem, caFile, dir, sharedPort: shared?.boundPort };
}

const shop = (upstream: string) => `listeners: {https: 0}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost]
    routes: { shop: { target: "${upstream}" } }
`;

function h2Get(port: number, ca: string, servername: string, host: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const session = http2.connect(`https://127.0.0.1:${port}`, { ca, servername });
    session.on('error', reject);
    const stream = session.request({ ':path': '/h2', ':authority': host });
    let body = '';
    let status = 0;
    stream.on('response', (h) => (status = Number(h[':status'])));
    stream.on('data', (c: Buffer) => (body += c.toString()));
    stream.on('end', () => {
      session.close();
      resolve({ status, body });
    });
    stream.on('error', reject);
  });
}

describe('HTTPS listeners with certificates from the local CA', () => {
  it.skipIf(!hasCurl)(
    'curl verifies https://shop.localhost with --cacert, and refuses a name no gateway claims',
    async () => {
      const { sharedPort, caFile } = await setup(shop);
      const port = sharedPort!;
      const ok = await run('curl', [
        '-sS',
        '--http2',
        '--cacert',
        caFile,
        '--resolve',
        `shop.localhost:${port}:127.0.0.1`,
        '-w',
        '\\n%{http_version}',
        `https://shop.localhost:${port}/hello`,
      ]);
      const [body, version] = ok.stdout.split('\n');
      expect(JSON.parse(body!)).toMatchObject({ name: 'shop', url: '/hello' });
      expect(version).toBe('2');
      const wrong = await run('curl', [
        '-sS',
        '--cacert',
        caFile,
        '--resolve',
        `other.localhost:${port}:127.0.0.1`,
        `https://other.localhost:${port}/`,
      ]).then(
        () => 'verified',
        (err: { code?: number; stderr?: string }) => `${err.code}: ${err.stderr}`,
      );
      // 60: the peer's certificate could not be verified (it names localhost, not other.localhost)
      expect(wrong).toMatch(/^60: .*(certificate|subject)/i);
    },
  );

  it('speaks HTTP/2 by ALPN and HTTP/1.1 on the same port, and logs the protocol, host and TLS', async () => {
    const { sharedPort, caPem, engine } = await setup(shop);
    const port = sharedPort!;
    const h2 = await h2Get(port, caPem, 'shop.localhost', `shop.localhost:${port}`);
    expect(h2.status).toBe(200);
    expect(JSON.parse(h2.body)).toMatchObject({ name: 'shop', url: '/h2' });
    // The upstream got a Host (from :authority) and no pseudo-headers.
    const seen = JSON.parse(h2.body) as { headers: Record<string, string> };
    expect(Object.keys(seen.headers).some((k) => k.startsWith(':'))).toBe(false);
    expect(seen.headers['x-forwarded-proto']).toBe('https');
    expect(seen.headers['x-forwarded-port']).toBe(String(port));
    const h1 = await new Promise<number>((resolve, reject) =>
      https
        .get(
          {
            host: '127.0.0.1',
            port,
            servername: 'shop.localhost',
            headers: { host: 'shop.localhost' },
            ca: caPem,
            path: '/h1',
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject),
    );
    expect(h1).toBe(200);
    const entries = engine.log.page(0, 100);
    expect(entries.find((e) => e.path === '/h2')).toMatchObject({
      protocol: 'h2',
      tls: true,
      host: `shop.localhost:${port}`,
      gateway: 'shop',
    });
    expect(entries.find((e) => e.path === '/h1')).toMatchObject({ protocol: 'http/1.1', tls: true });
  });

  it('answers plain HTTP on a TLS port with 400 saying to use https', async () => {
    const { sharedPort } = await setup(shop);
    const raw = await rawExchange(sharedPort!, 'GET / HTTP/1.1\r\nHost: shop.localhost\r\n\r\n');
    expect(raw).toMatch(/^HTTP\/1\.1 400/);
    expect(raw).toContain('use https://');
  });

  it('serves a gateway on its own "PORT/https" port, with wss:// WebSocket over HTTP/1.1', async () => {
    const wsPort = await echoWebSocketServer(cleanup);
    const { engine, caPem } = await setup(
      (up) => `gateways:
  - name: secure
    port: 0/https
    routes:
      web: { target: "${up}", condition: "path ^/ws" , condition_strength: 0% }
      ws: { target: "http://127.0.0.1:${wsPort}", condition: "path ^/ws" }
`,
    );
    const status = engine.status()[0]!;
    expect(status).toMatchObject({ protocol: 'https', state: 'listening' });
    expect(status.urls).toEqual([`https://127.0.0.1:${status.boundPort}/`]);
    const ws = new WebSocket(`wss://127.0.0.1:${status.boundPort}/ws`, { ca: caPem });
    cleanup.push(() => ws.terminate());
    const echoed = await new Promise<string>((resolve, reject) => {
      ws.once('open', () => ws.send('hello over tls'));
      ws.once('message', (d) => resolve(String(d)));
      ws.once('error', reject);
    });
    expect(echoed).toBe('hello over tls');
  });

  it("uses a gateway's own certificate files, and reports unreadable ones in its status while the others serve", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-files-'));
    const other = new LocalCa(await mkdtemp(path.join(tmpdir(), 'switchyard-other-ca-')));
    const pair = await other.issue(['files.localhost']);
    await writeFile(path.join(dir, 'cert.pem'), pair.cert);
    await writeFile(path.join(dir, 'key.pem'), pair.key);
    const { engine } = await setup(
      (up) => `gateways:
  - name: files
    port: 0
    tls: {cert: ${path.join(dir, 'cert.pem')}, key: ${path.join(dir, 'key.pem')}}
    routes: { a: { target: "${up}" } }
  - name: broken
    port: 0
    tls: {cert: ${path.join(dir, 'missing.pem')}, key: ${path.join(dir, 'key.pem')}}
    routes: { a: { target: "${up}" } }
`,
    );
    const [files, broken] = engine.status();
    const otherCa = await other.caPem();
    expect(broken).toMatchObject({ state: 'error' });
    expect(broken!.error).toContain('missing.pem');
    const status = await new Promise<number>((resolve, reject) =>
      https
        .get(
          {
            host: '127.0.0.1',
            port: files!.boundPort,
            servername: 'files.localhost',
            ca: [otherCa],
          },
          (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          },
        )
        .on('error', reject),
    );
    expect(status).toBe(200);
  });
});
