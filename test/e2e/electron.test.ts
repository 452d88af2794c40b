import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';

/**
 * A smoke test of the desktop app itself, in real Electron. It needs Electron's binary, which is
 * downloaded on first use (`npm start`, or `npx install-electron`) and cannot be on machines without
 * access to Electron's downloads (CI here); there it is skipped, and says why. Without the binary, the
 * start-up tests in test/integration/desktop run the same main.js with a stand-in for `electron`.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

interface Start {
  electronPackageDir(): string | undefined;
  installedBinary(dir: string): string | undefined;
  hostProblem(o: { env: NodeJS.ProcessEnv }): string | undefined;
  appArmorProblem(binary: string): string | undefined;
}
// npm start's own checks (bin/start.js is plain JavaScript, so it is imported by a computed specifier).
const start = (await import(pathToFileURL(path.join(ROOT, 'bin/start.js')).href)) as Start;
const dir = start.electronPackageDir();
const binary = dir ? start.installedBinary(dir) : undefined;
const skipReason = !binary
  ? "Electron's binary is not downloaded here (npm start or npx install-electron fetches it)"
  : (start.hostProblem({ env: { ...process.env, SWITCHYARD_HEADLESS: '' } }) ??
    start.appArmorProblem(binary));
if (skipReason) console.warn(`Electron smoke test skipped: ${skipReason}.`);

describe.skipIf(!!skipReason)('the desktop app', () => {
  it('launches with the demo gateway, exposes only the bridge, and logs a request through the demo', async () => {
    const userData = await mkdtemp(path.join(tmpdir(), 'switchyard-electron-'));
    const app = await electron.launch({
      executablePath: binary!,
      args: [ROOT, `--user-data-dir=${userData}`],
    });
    try {
      const window = await app.firstWindow();
      await window.getByText('Connected').waitFor();
      await window.locator('.gateway-name', { hasText: 'demo' }).waitFor();
      expect(await window.evaluate(() => typeof (globalThis as { bridge?: unknown }).bridge)).toBe('object');
      expect(await window.evaluate(() => typeof (globalThis as { require?: unknown }).require)).toBe(
        'undefined',
      );
      expect(await window.evaluate(() => typeof (globalThis as { process?: unknown }).process)).toBe(
        'undefined',
      );
      await request(8080, '/from-the-smoke-test');
      await eventually(
        async () =>
          (await window.locator('.log-scroll').textContent())?.includes('/from-the-smoke-test') ?? false,
        5000,
        'the request in the log',
      );
    } finally {
      await app.close();
      await rm(userData, { recursive: true, force: true });
    }
  }, 60_000);
});
