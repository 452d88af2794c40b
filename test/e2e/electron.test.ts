import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';

/**
 * A smoke test of the desktop app itself. It needs Electron's binary, which machines that install with
 * ELECTRON_SKIP_BINARY_DOWNLOAD=1 (CI here) do not have; there it is skipped, and says so.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');

function electronBinary(): string | undefined {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const binary = path.join(dir, 'dist', readFileSync(path.join(dir, 'path.txt'), 'utf8').trim());
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}

const binary = electronBinary();
if (!binary)
  console.warn(
    'Electron smoke test skipped: the Electron binary is not installed here (installed with ELECTRON_SKIP_BINARY_DOWNLOAD=1).',
  );

describe.skipIf(!binary)('the desktop app', () => {
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
