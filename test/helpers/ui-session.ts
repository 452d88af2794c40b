import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM, CHROMIUM_ARGS } from '../../bench/chromium.js';
import { eventually, request, type Reply } from './client.js';

/**
 * A real `switchyard serve` (control server on port 0) and Debian's Chromium driven by playwright-core:
 * what the UI end-to-end tests run against.
 */
export { CHROMIUM, CHROMIUM_ARGS };

const ROOT = path.resolve(import.meta.dirname, '../..');

export interface UiSession {
  control: number;
  dir: string;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Everything serve printed. */
  output(): string;
  /** Kills `switchyard serve` at once, as a crash would (the page stays open, disconnected). */
  stopServer(): void;
  /** A REST call to the control server, with the Host header it requires. */
  api(p: string, opts?: { method?: string; body?: unknown }): Promise<Reply>;
  close(): Promise<void>;
}

export async function startUiSession(
  yaml: string,
  viewport = { width: 1400, height: 900 },
  /** The environment of serve and Chromium (a temporary HOME and SWITCHYARD_CA_DIR for the local CA). */
  env?: NodeJS.ProcessEnv,
): Promise<UiSession> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-e2e-'));
  await writeFile(path.join(dir, 'switchyard.yaml'), yaml);
  let out = '';
  const serve: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [
      path.join(ROOT, 'bin/switchyard.js'),
      'serve',
      '--config',
      'switchyard.yaml',
      '--control-port',
      '0',
      '--log',
      'none',
    ],
    { cwd: dir, ...(env ? { env } : {}) },
  );
  serve.stdout.on('data', (d) => (out += String(d)));
  serve.stderr.on('data', (d) => (out += String(d)));
  const listening = /control server on http:\/\/127\.0\.0\.1:(\d+)/;
  await eventually(() => listening.test(out), 10_000, 'the control server');
  const control = Number(listening.exec(out)![1]);
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    ...(env ? { env } : {}),
    args: CHROMIUM_ARGS,
  });
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], {
    origin: `http://127.0.0.1:${control}`,
  });
  const page = await context.newPage();
  page.on('pageerror', (err) => console.error('page error:', err));
  await page.goto(`http://127.0.0.1:${control}/`);
  await page.getByText('Connected').waitFor();
  const api = (p: string, opts: { method?: string; body?: unknown } = {}) =>
    request(control, p, {
      method: opts.method ?? 'GET',
      headers: { host: `127.0.0.1:${control}`, 'content-type': 'application/json' },
      ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
    });
  return {
    control,
    dir,
    browser,
    context,
    page,
    output: () => out,
    stopServer: () => serve.kill('SIGKILL'),
    api,
    close: async () => {
      await browser.close();
      serve.kill('SIGTERM');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** A HAR document of `n` GET requests to /{prefix}-{i}, for filling the log quickly. */
export function harOf(n: number, prefix: string): { log: { entries: unknown[] } } {
  const now = Date.now();
  return {
    log: {
      entries: Array.from({ length: n }, (_, i) => ({
        startedDateTime: new Date(now - (n - i) * 10).toISOString(),
        time: 1,
        request: { method: 'GET', url: `http://har.test/${prefix}-${i}`, headers: [] },
        response: { status: 200, headers: [], content: { size: 0 } },
      })),
    },
  };
}
