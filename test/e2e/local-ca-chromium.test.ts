import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { CHROMIUM, CHROMIUM_ARGS } from '../helpers/ui-session.js';
import { LocalCa } from '../../main/tls/local-ca.js';
import { eventually } from '../helpers/client.js';
import { startServe } from '../helpers/serve-process.js';
import { closedPort, startUpstream } from '../helpers/upstream.js';

// The functions given to page.evaluate run in the page; this file is type-checked without the DOM library.
declare const performance: { getEntriesByType(type: string): { nextHopProtocol: string }[] };

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const hasCertutil = await run('certutil', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);
const cleanup = cleanupAfterEach();
const SCREENS = '/tmp/switchyard-screens';

/**
 * What `switchyard ca trust` is for: Chromium on Linux reads the user's ~/.pki/nssdb, so after `ca trust`
 * it accepts a leaf of the local CA that it refused before, with no flag that weakens its checks.
 */
describe.skipIf(!hasCertutil || !existsSync(CHROMIUM))(
  'Chromium and the local CA (needs certutil and Chromium; skipped without them)',
  () => {
    it(
      'refuses the leaf before `switchyard ca trust` and accepts it after',
      { timeout: 60_000 },
      async () => {
        const home = await mkdtemp(path.join(tmpdir(), 'switchyard-ca-chromium-'));
        cleanup.push(() => rm(home, { recursive: true, force: true }));
        const caDir = path.join(home, 'ca');
        const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, SWITCHYARD_CA_DIR: caDir };
        delete env.SWITCHYARD_NSS_DBS;
        const nssdb = path.join(home, '.pki', 'nssdb');
        await mkdir(nssdb, { recursive: true });
        await run('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`]);

        const ca = new LocalCa(caDir);
        const server = https.createServer(await ca.issue(['shop.localhost']), (_req, res) =>
          res.end('<title>shop over tls</title>'),
        );
        server.on('tlsClientError', () => {});
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
        const url = `https://shop.localhost:${(server.address() as AddressInfo).port}/`;

        const visit = async () => {
          const browser = await chromium.launch({
            executablePath: CHROMIUM,
            env,
            args: CHROMIUM_ARGS,
          });
          try {
            const page = await browser.newPage();
            return await page.goto(url).then(
              async () => page.title(),
              (e: Error) => e.message,
            );
          } finally {
            await browser.close();
          }
        };

        expect(await visit()).toMatch(/ERR_CERT_AUTHORITY_INVALID/);
        await run(process.execPath, [path.join(ROOT, 'bin/switchyard.js'), 'ca', 'trust'], {
          env,
          cwd: ROOT,
        });
        expect(await visit()).toBe('shop over tls');
      },
    );

    it(
      'loads https://shop.localhost on the shared HTTPS port of `switchyard serve` over HTTP/2, with no certificate error',
      { timeout: 60_000 },
      async () => {
        const home = await mkdtemp(path.join(tmpdir(), 'switchyard-serve-h2-'));
        cleanup.push(() => rm(home, { recursive: true, force: true }));
        const caDir = path.join(home, 'ca');
        const nssdb = path.join(home, '.pki', 'nssdb');
        await mkdir(nssdb, { recursive: true });
        await run('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`]);
        const upstream = await startUpstream('shop', (_req, res) => {
          res.writeHead(200, { 'content-type': 'text/html' });
          res.end('<title>shop over h2</title><h1>shop.localhost through Switchyard</h1>');
        });
        cleanup.push(() => upstream.close());
        const port = await closedPort();
        const config = path.join(home, 'switchyard.yaml');
        await writeFile(
          config,
          [
            `listeners: {https: ${port}}`,
            'gateways:',
            '  - name: shop',
            '    virtual_hosts: [shop.localhost]',
            '    routes:',
            `      web: { target: "${upstream.url}" }`,
            '',
          ].join('\n'),
        );
        const serve = await startServe(cleanup, ['--config', config, '--log', 'none'], {
          SWITCHYARD_CA_DIR: caDir,
        });
        const status = async () => {
          const r = await fetch(`http://127.0.0.1:${serve.controlPort}/api/v1/listeners/status`);
          return (await r.json()) as { state: string }[];
        };
        await eventually(async () => (await status())[0]?.state === 'listening', 10_000, 'the https port');
        // The CA into the browser's NSS database, as `switchyard ca trust` does (the CA exists once serve
        // has needed it, or `ca path` creates it in the same directory).
        await run(process.execPath, [path.join(ROOT, 'bin/switchyard.js'), 'ca', 'path'], {
          env: { ...process.env, SWITCHYARD_CA_DIR: caDir },
        });
        await run('certutil', [
          '-A',
          '-d',
          `sql:${nssdb}`,
          '-t',
          'C,,',
          '-n',
          'Switchyard test CA',
          '-i',
          path.join(caDir, 'ca-cert.pem'),
        ]);

        const browser = await chromium.launch({
          executablePath: CHROMIUM,
          env: { ...process.env, HOME: home },
          args: CHROMIUM_ARGS,
        });
        cleanup.push(() => browser.close());
        const page = await browser.newPage({ viewport: { width: 1000, height: 500 } });
        const url = `https://shop.localhost:${port}/`;
        const response = await page.goto(url); // a certificate error would throw net::ERR_CERT_...
        expect(response?.status()).toBe(200);
        expect(await page.title()).toBe('shop over h2');
        const security = await response!.securityDetails();
        expect(security?.issuer).toMatch(/Switchyard Local CA/);
        expect(
          await page.evaluate(() => performance.getEntriesByType('navigation')[0]?.nextHopProtocol),
        ).toBe('h2');
        await mkdir(SCREENS, { recursive: true });
        await page.screenshot({ path: path.join(SCREENS, 'https-shop-localhost-h2.png') });
        expect(upstream.requests[0]?.url).toBe('/');
      },
    );
  },
);
