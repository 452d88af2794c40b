import https from 'node:https';
import tls from 'node:tls';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import {
  checkExported,
  HAPROXY,
  NGINX,
  NGINX_STREAM_MODULE,
  runExported,
  type ProductionProxy,
} from '../../helpers/production-proxies.js';
import { closedPort } from '../../helpers/upstream.js';
import { LocalCa } from '../../../main/tls/local-ca.js';
import { loadConfigText } from '../../../shared/config/load.js';
import { exportConfig } from '../../../main/export/export.js';

/**
 * Exports of the shared listeners (virtual hosts), TLS ports and TCP gateways, checked by nginx and
 * HAProxy themselves and run beside the engine: the same Host headers reach the same gateway, TLS is
 * terminated with the gateway's certificate, and TCP connections are split by the same weights.
 */
if (NGINX.binary && !NGINX_STREAM_MODULE)
  console.warn(
    'nginx tcp export tests skipped: the stream module is not installed (Debian: libnginx-mod-stream; .ci/run installs it).',
  );

const cleanup = cleanupAfterEach();

/** Certificates from a throwaway local CA, written where the export's `tls:` points. */
async function certificates(names: string[]) {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-export-certs-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  const ca = new LocalCa(dir);
  const leaf = await ca.issue(names);
  const cert = path.join(dir, 'leaf.pem');
  const key = path.join(dir, 'leaf.key');
  await writeFile(cert, leaf.cert);
  await writeFile(key, leaf.key);
  // HAProxy looks for the key beside the certificate (see main/export/haproxy-listeners.ts).
  await writeFile(`${cert}.key`, leaf.key);
  return { cert, key, caFile: await ca.certificatePath(), caPem: await ca.caPem() };
}

const EVERYTHING = (c: {
  cert: string;
  key: string;
  caFile: string;
}) => `listeners: {http: 18610, https: 18611}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost, "*.shop.localhost"]
    tls: {cert: ${c.cert}, key: ${c.key}}
    routes:
      a: { targets: [http://127.0.0.1:3001] }
  - name: web
    port: 18612/https
    virtual_hosts: [web.localhost]
    tls: {cert: ${c.cert}, key: ${c.key}}
    routes:
      secure: { targets: [https://127.0.0.1:3443], ca: ${c.caFile}, weight: 50% }
      insecure: { targets: [https://127.0.0.1:3444], tls_verify: false, weight: 50% }
  - name: grpc
    port: 18613
    routes:
      a: { targets: [http://127.0.0.1:3002], h2: true }
  - name: db
    port: 18614/tcp
    sticky: route
    routes:
      a: { targets: [127.0.0.1:5432], weight: 70% }
      b: { targets: [127.0.0.1:5434, 127.0.0.1:5435], weight: 30% }
`;

const VHOSTS = (shared: number, a: string, b: string) => `listeners: {http: ${shared}}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost, "*.shop.localhost"]
    routes: { shop: { targets: ["${a}"] } }
  - name: api
    virtual_hosts: [api.shop.localhost, "*.eu.shop.localhost"]
    routes: { api: { targets: ["${b}"] } }
`;

/** A TCP server that answers each connection with its name and closes. */
async function tcpServer(name: string): Promise<number> {
  const server = net.createServer((s) => {
    s.on('error', () => undefined);
    s.end(name);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => new Promise<void>((r) => server.close(() => r())));
  return (server.address() as net.AddressInfo).port;
}

function firstWords(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let got = '';
    socket.on('data', (c: Buffer) => (got += c.toString()));
    socket.on('close', () => resolve(got));
    socket.on('error', reject);
  });
}

async function tallyTcp(port: number, n: number): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const name = await firstWords(port);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

function httpsGet(
  port: number,
  host: string,
  ca: string,
): Promise<{ status: number; body: string; alpn: string | false }> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      { host: '127.0.0.1', port, path: '/', servername: host, headers: { host }, ca, agent: false },
      (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            body,
            alpn: (res.socket as { alpnProtocol?: string | false }).alpnProtocol ?? false,
          }),
        );
      },
    );
    req.on('error', reject);
    req.end();
  });
}

/** An https upstream with a certificate for `localhost` from its own local CA. */
async function httpsUpstream(name: string) {
  const certs = await certificates(['localhost']);
  const server = https.createServer(
    { cert: await readFile(certs.cert), key: await readFile(certs.key) },
    (req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ name, url: req.url }));
    },
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // The proxies keep upstream connections alive: close those too, or close() waits for them.
  cleanup.push(() => new Promise<void>((r) => (server.close(() => r()), server.closeAllConnections())));
  return { url: `https://localhost:${(server.address() as net.AddressInfo).port}`, caFile: certs.caFile };
}

/** The protocol the listener picks by ALPN when offered h2 first. */
function alpnOf(port: number, servername: string, ca: string): Promise<string | false> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect(
      { host: '127.0.0.1', port, servername, ca, ALPNProtocols: ['h2', 'http/1.1'] },
      () => {
        resolve(socket.alpnProtocol ?? false);
        socket.destroy();
      },
    );
    socket.on('error', reject);
  });
}

describe.each([NGINX, HAPROXY])('the $format export of listeners, TLS and tcp', (proxy: ProductionProxy) => {
  const needsStream = proxy.format === 'nginx' && !NGINX_STREAM_MODULE;

  async function run(yaml: string) {
    const running = await runExported(proxy, yaml);
    cleanup.push(() => running.stop());
    return running;
  }

  it.skipIf(!proxy.binary || needsStream)(
    'passes the proxy own check with virtual hosts, TLS ports, upstream TLS, h2 and a tcp gateway',
    async () => {
      const certs = await certificates(['shop.localhost', '*.shop.localhost', 'web.localhost']);
      const loaded = loadConfigText(EVERYTHING(certs));
      if (!loaded.ok) throw new Error(loaded.issues.map((i) => i.message).join('\n'));
      const result = exportConfig(loaded.config, proxy.format, { version: 'test' });
      const checked = await checkExported(proxy, result.text);
      expect(checked.output).toMatch(
        proxy.format === 'nginx' ? /test is successful/ : /Configuration file is valid/,
      );
      expect(checked.ok).toBe(true);
    },
  );

  it.skipIf(!proxy.binary)('dispatches by Host on the shared port like the engine', async () => {
    const [shop, api] = await upstreamsFor(cleanup, 'shop', 'api');
    const exported = await run(VHOSTS(await closedPort(), shop!.url, api!.url));
    const { engine } = await startEngine(VHOSTS(0, shop!.url, api!.url));
    cleanup.push(() => engine.stop(100));
    const enginePort = engine.sharedStatus().find((l) => l.kind === 'http')!.boundPort!;
    const at = async (port: number, host: string) => {
      const r = await request(port, '/', { headers: { host } });
      return r.status === 200 ? r.json<{ name: string }>().name : String(r.status);
    };
    const hosts = [
      'shop.localhost',
      'SHOP.localhost:8000',
      'a.shop.localhost',
      'api.shop.localhost',
      'x.eu.shop.localhost',
      'x.y.shop.localhost',
      'shop.localhost.evil',
      'nope.localhost',
    ];
    const seen = async (port: number) => Promise.all(hosts.map((h) => at(port, h)));
    const expected = ['shop', 'shop', 'shop', 'api', 'api', 'shop', '404', '404'];
    expect(await seen(enginePort)).toEqual(expected);
    expect(await seen(exported.port)).toEqual(expected);
  });

  it.skipIf(!proxy.binary)(
    'terminates TLS on the shared https port with the gateway certificate, by SNI',
    async () => {
      const certs = await certificates(['shop.localhost', '*.shop.localhost']);
      const [shop] = await upstreamsFor(cleanup, 'shop');
      const [http, tls] = [await closedPort(), await closedPort()];
      await run(`listeners: {http: ${http}, https: ${tls}}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost, "*.shop.localhost"]
    tls: {cert: ${certs.cert}, key: ${certs.key}}
    routes: { shop: { targets: ["${shop!.url}"] } }
`);
      const r = await httpsGet(tls, 'a.shop.localhost', certs.caPem);
      expect(r.status).toBe(200);
      expect(JSON.parse(r.body)).toMatchObject({ name: 'shop' });
      expect(shop!.requests.at(-1)!.headers['x-forwarded-proto']).toBe('https');
      expect(await alpnOf(tls, 'shop.localhost', certs.caPem)).toBe('h2');
    },
  );

  it.skipIf(!proxy.binary)(
    'verifies https targets against ca, or not at all with tls_verify: false, like the engine',
    async () => {
      const target = await httpsUpstream('secure');
      const other = await certificates(['localhost']);
      // A failed handshake is 502 from the engine and nginx; HAProxy answers 503 when it cannot connect.
      const refused = proxy.format === 'haproxy' ? 503 : 502;
      const cases = [
        [`ca: ${target.caFile}`, 200, 200],
        [`ca: ${other.caFile}`, refused, 502],
        ['tls_verify: false', 200, 200],
      ] as const;
      for (const [setting, status, engineStatus] of cases) {
        const yaml = (port: number) =>
          `name: g\nport: ${port}\nroutes:\n  a: { targets: ["${target.url}"], ${setting} }\n`;
        const exported = await run(yaml(await closedPort()));
        const { engine, port } = await startEngine(yaml(0));
        cleanup.push(() => engine.stop(100));
        const [viaExport, viaEngine] = [await request(exported.port, '/x'), await request(port(), '/x')];
        expect({ setting, exported: viaExport.status, engine: viaEngine.status }).toEqual({
          setting,
          exported: status,
          engine: engineStatus,
        });
        await exported.stop();
      }
    },
  );

  it.skipIf(!proxy.binary || needsStream)('splits tcp connections by weight like the engine', async () => {
    const [a, b] = [await tcpServer('a'), await tcpServer('b')];
    const yaml = (port: number) =>
      `gateways:\n  - name: db\n    port: ${port}/tcp\n    routes:\n      a: { weight: 70%, targets: ["127.0.0.1:${a}"] }\n      b: { weight: 30%, targets: ["127.0.0.1:${b}"] }\n`;
    const exported = await run(yaml(await closedPort()));
    const { engine, port } = await startEngine(yaml(0));
    cleanup.push(() => engine.stop(100));
    const n = 200;
    const [viaExport, viaEngine] = [await tallyTcp(exported.port, n), await tallyTcp(port(), n)];
    const share = (c: Record<string, number>) => ((c.b ?? 0) / n) * 100;
    expect(Object.keys(viaExport).sort()).toEqual(['a', 'b']);
    // Weighted round-robin in the proxies is exact; the engine draws at random (sd about 3.2 points).
    expect(Math.abs(share(viaExport) - 30)).toBeLessThan(5);
    expect(Math.abs(share(viaExport) - share(viaEngine))).toBeLessThan(12);
  });
});
