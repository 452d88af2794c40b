import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';
import { CHROMIUM } from '../helpers/ui-session.js';
import { LocalCa } from '../../main/tls/local-ca.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const run = promisify(execFile);
const hasCertutil = await run('certutil', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);
const cleanup = cleanupAfterEach();

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
            args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
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
  },
);
