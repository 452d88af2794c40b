import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';
import { closedPort } from '../helpers/upstream.js';
import { CHROMIUM, startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * The Compare view, Replay and compare, and the A/B columns of the Traffic view (issue 14), in Chromium
 * against a real `switchyard serve`: a shadow route whose upstream answers a different JSON field.
 */
const haveChromium = existsSync(CHROMIUM);

async function jsonUpstream(price: number): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ id: req.url, name: 'widget', price }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

describe.skipIf(!haveChromium)('Compare view', () => {
  let s: UiSession;
  let stable: Awaited<ReturnType<typeof jsonUpstream>>;
  let candidate: Awaited<ReturnType<typeof jsonUpstream>>;
  let port: number;

  beforeAll(async () => {
    [stable, candidate] = [await jsonUpstream(10), await jsonUpstream(12)];
    port = await closedPort();
    s = await startUiSession(
      [
        'gateways:',
        '  - name: shop',
        `    port: ${port}`,
        '    routes:',
        `      stable: { target: "${stable.url}", weight: 100% }`,
        '      candidate:',
        `        target: "${candidate.url}"`,
        '        weight: 0%',
        '        shadow: 100%',
        `      variant: { target: "${candidate.url}", weight: 0% }`,
        '',
      ].join('\n'),
    );
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    await stable?.close();
    await candidate?.close();
  });

  const page = () => s.page;
  const send = async (n: number, from = 0) => {
    for (let i = from; i < from + n; i++) await request(port, `/items/${i}`);
  };
  const shapeRow = () => page().locator('.compare-shapes tr', { hasText: 'GET /items/{id}' });

  it('lists the shape with its different count, highlights the field, and ignores it in one click', async () => {
    await send(5);
    await page().getByRole('tab', { name: 'Compare' }).click();
    await eventually(
      async () => (await shapeRow().getByLabel('5 different').count()) === 1,
      5000,
      '5 different',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: the row says ${await shapeRow()
          .textContent()
          .catch(() => '?')}`,
      );
    });
    await shapeRow().getByRole('button', { name: 'GET /items/{id}' }).click();
    const diff = page().locator('.compare-differences tr.diff', { hasText: 'body:$.price' });
    await diff.waitFor({ timeout: 3000 });
    expect(await diff.textContent()).toContain('10');
    expect(await diff.textContent()).toContain('12');
    // The field is marked in both bodies.
    await expect.poll(() => page().locator('.compare-body .diff', { hasText: '"price"' }).count()).toBe(2);
    for (const [scheme, width] of [
      ['light', 1280],
      ['dark', 1280],
      ['light', 800],
      ['dark', 800],
    ] as const) {
      await page().emulateMedia({ colorScheme: scheme });
      await page().setViewportSize({ width, height: 900 });
      await page().screenshot({
        path: path.join(tmpdir(), `switchyard-compare-${width}-${scheme}.png`),
        fullPage: true,
      });
    }
    await page().setViewportSize({ width: 1400, height: 900 });

    await diff.getByRole('button', { name: 'Ignore body:$.price' }).click();
    await diff.getByText('ignored from now on').waitFor({ timeout: 3000 });
    const yaml = await readFile(path.join(s.dir, 'switchyard.yaml'), 'utf8');
    expect(yaml).toContain('body:$.price');
    const g = (await s.api('/api/v1/gateways/shop')).json<{
      routes: Record<string, { compare?: { ignore?: string[] } }>;
    }>();
    expect(g.routes.candidate!.compare!.ignore).toEqual(['body:$.price']);

    await send(3, 100);
    await eventually(
      async () => (await shapeRow().getByLabel('3 same').count()) === 1,
      5000,
      'later requests the same',
    ).catch(async (err: Error) => {
      throw new Error(
        `${err.message}: the row says ${await shapeRow()
          .textContent()
          .catch(() => '?')}`,
      );
    });
    expect(await shapeRow().getByLabel('5 different').count()).toBe(1);
  });

  it('shows each route’s intervals and its verdict against the first route in the Traffic view', async () => {
    // Enough requests a side for intervals: the variant gets real ones, forced by the override header.
    for (let i = 0; i < 40; i++) {
      await request(port, `/ab/${i}`);
      await request(port, `/ab/${i}`, { headers: { 'x-switchyard-route': 'variant' } });
    }
    await page().getByRole('tab', { name: 'Traffic' }).click();
    const verdict = page().getByLabel('variant against the first route');
    await eventually(
      async () => /Errors: no (significant )?difference/.test((await verdict.textContent()) ?? ''),
      5000,
      'an error-rate verdict',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: it says ${await verdict.textContent()}`);
    });
    expect(await verdict.textContent()).toMatch(/Latency: (no|faster|slower)/);
    expect(await page().locator('.stats-table .interval').first().textContent()).toMatch(/^95%: /);
    expect(await page().getByLabel('stable against the first route').textContent()).toBe('baseline');
    // The shadow route is compared, not tested: its verdict counts.
    expect(await page().getByLabel('candidate against the first route').textContent()).toMatch(
      /Shadow: \d+ same, \d+ different, 0 errors/,
    );
  });

  it('replays the requests shown to two routes and shows the report by shape', async () => {
    await page().getByLabel('Filter requests').fill('path:/items/');
    await page().getByRole('button', { name: 'Replay and compare…' }).click();
    const dialog = page().getByRole('dialog', { name: 'Replay and compare' });
    await dialog.getByLabel('Requests').selectOption('shown');
    await dialog.getByLabel('Baseline route').selectOption('stable');
    await dialog.getByLabel('Candidate route').selectOption('variant');
    await dialog.getByRole('button', { name: 'Replay and compare' }).click();
    const report = dialog.getByLabel('Compare report');
    await report.waitFor({ timeout: 10_000 });
    const text = (await report.textContent()) ?? '';
    expect(text).toContain('8 requests: 0 same, 8 different, 0 errors');
    expect(text).toContain('GET /items/{id}  (8: 0 same, 8 different, 0 errors)');
    expect(text).toContain('body:$.price changed: 10 -> 12');
    await page().screenshot({ path: path.join(tmpdir(), 'switchyard-replay-compare.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page().getByLabel('Filter requests').fill('');
  });
});
