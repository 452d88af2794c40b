import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.js';
import { eventually, request } from '../helpers/client.js';
import { CHROMIUM, startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * End to end: Debian's Chromium, driven by playwright-core, against a real `switchyard serve` and real
 * upstream servers. Each test leaves screenshots under test-results/.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const RESULTS = path.join(ROOT, 'test-results');
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium)
  console.warn(
    `UI end-to-end tests skipped: ${CHROMIUM} is not installed (.ci/run installs Debian's chromium).`,
  );

describe.skipIf(!haveChromium)('the UI in Chromium', () => {
  let session: UiSession;
  let control = 0;
  let dir: string;
  let page: Page;
  let a: Upstream;
  let b: Upstream;
  let gatewayPort: number;

  beforeAll(async () => {
    await mkdir(RESULTS, { recursive: true });
    [a, b] = [await startUpstream('a'), await startUpstream('b')];
    gatewayPort = await closedPort();
    session = await startUiSession('gateways: []\n');
    ({ control, dir, page } = session);
  }, 30_000);

  afterAll(async () => {
    await session?.close();
    await a?.close();
    await b?.close();
  });

  const shot = (name: string) => page.screenshot({ path: path.join(RESULTS, `${name}.png`) });
  const api = async (p: string) =>
    (await request(control, p, { headers: { host: `127.0.0.1:${control}` } })).json<
      Record<string, unknown>
    >();
  const weights = async () => {
    const g = await api('/api/v1/gateways/shop');
    return Object.values(g.routes as Record<string, { weight?: string }>).map((r) => r.weight);
  };
  const send = async (n: number) => {
    for (let i = 0; i < n; i++) await request(gatewayPort, `/item/${i}`);
  };

  it('creates a gateway with two routes from the UI', async () => {
    await expect(page.getByText('No gateways yet')).toBeDefined();
    await shot('01-empty');
    await page.getByRole('button', { name: 'New gateway' }).click();
    await page.locator('.gateway-name', { hasText: 'gateway' }).waitFor();
    await page.getByLabel('Name', { exact: true }).fill('shop');
    await page.getByLabel('Port', { exact: true }).fill(String(gatewayPort));
    // A new gateway has no route (issue 11: it sends nothing anywhere until it is given a target).
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByLabel('Route 1 name').fill('a');
    await page.getByLabel('Route 1 targets').fill(a.url);
    await page.getByLabel('Route 1 weight').fill('100');
    await page.getByRole('button', { name: 'Add route' }).click();
    await page.getByLabel('Route 2 name').fill('b');
    await page.getByLabel('Route 2 targets').fill(b.url);
    await page.getByLabel('Route 2 weight').fill('0');
    await page.getByText('Unsaved changes').waitFor();
    await page.getByRole('button', { name: 'Apply' }).click();
    await page.getByText('Running as shown').waitFor();
    await page.locator('.gateway-name', { hasText: 'shop' }).waitFor();
    expect(await weights()).toEqual(['100%', '0%']);
    // The file the server runs was written back.
    expect(await readFile(path.join(dir, 'switchyard.yaml'), 'utf8')).toContain('name: shop');
    await send(10);
    await shot('02-created');
  });

  it('moves live traffic with a slider dragged by the mouse, and with the keyboard', async () => {
    const slider = page.locator('#weight-1');
    const box = (await slider.boundingBox())!;
    await page.mouse.move(box.x + 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.3, box.y + box.height / 2, { steps: 8 });
    await page.mouse.move(box.x + box.width * 0.5, box.y + box.height / 2, { steps: 8 });
    await page.mouse.up();
    // The sends made while dragging may land before the one made on release: wait for that one.
    const settled = async () => Math.abs(Number(String((await weights())[1]).replace('%', '')) - 50) <= 3;
    await eventually(settled, 3000, 'the drag to reach the engine');
    const [wa, wb] = (await weights()).map((w) => Number(String(w).replace('%', '')));
    expect(wa! + wb!).toBe(100);
    expect(Math.abs(wb! - 50)).toBeLessThanOrEqual(3);
    await send(200);
    const routes = page.locator('.log-row[role=row]:not(.head) span:nth-child(3)');
    await eventually(
      async () => (await routes.allTextContents()).some((t) => t.startsWith('b')),
      3000,
      'route b in the log',
    );
    await shot('03-dragged');

    // Keyboard: focus the first slider, arrows move by 1, Page Up by 10.
    await page.locator('#weight-0').focus();
    const before = Number(String((await weights())[0]).replace('%', ''));
    await page.keyboard.press('ArrowRight');
    await eventually(async () => (await weights())[0] === `${before + 1}%`, 3000, 'one step up');
    await page.keyboard.press('PageUp');
    await eventually(
      async () => Number(String((await weights())[0]).replace('%', '')) >= before + 10,
      3000,
      'a page up',
    );
    expect(await page.locator('#weight-0').getAttribute('aria-valuetext')).toMatch(/percent$/);

    await page.getByRole('tab', { name: 'Traffic' }).click();
    await send(100);
    await eventually(
      async () => (await page.locator('.stats-table tbody tr').count()) === 2,
      3000,
      'the stats table',
    );
    await eventually(
      async () =>
        (await page.locator('.stats-table tbody tr').nth(1).locator('td').nth(3).textContent()) !== '0',
      3000,
      'route b requests in the chart table',
    );
    expect(await page.locator('.chart canvas').count()).toBeGreaterThan(0);
    await shot('04-traffic');
    await page.getByRole('tab', { name: 'Routes' }).click();
  });

  it('shows an invalid condition at its field and does not apply it', async () => {
    const before = await api('/api/v1/gateways/shop');
    await page.locator('#condition-1').fill('user-agent Firefox');
    const error = page.locator('#condition-1-explain');
    await eventually(
      async () => ((await error.textContent()) ?? '').includes('expected an operator'),
      3000,
      'the condition error',
    );
    expect(await error.textContent()).toContain('at column 12');
    await eventually(
      async () => ((await page.getByRole('status').filter({ hasText: 'problem' }).count()) ?? 0) > 0,
      3000,
      'the engine issue',
    );
    expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await error.scrollIntoViewIfNeeded();
    await shot('05-invalid-condition');
    expect(await api('/api/v1/gateways/shop')).toEqual(before);
    await page.locator('#condition-1').fill('user-agent == Firefox');
    await page.getByText('Matches when the browser is Firefox.').waitFor();
    await page.getByRole('button', { name: 'Revert' }).click();
  });

  it('edits the gateway as YAML, with problems shown at their line', async () => {
    await page.getByRole('tab', { name: 'YAML' }).click();
    const yaml = page.getByLabel('Gateway YAML');
    const text = await yaml.inputValue();
    expect(text).toContain('name: shop');
    await yaml.fill(text.replace(/weight: \d+%/, 'weight: lots'));
    const problem = page.locator('.yaml-problems li').first();
    await problem.waitFor();
    const line = text.split('\n').findIndex((l) => /weight: \d+%/.test(l)) + 1;
    expect(await problem.textContent()).toBe(
      `line ${line}: gateway 'shop': route 'a': weight: "lots" is not a percentage; write it like 20% or 20`,
    );
    expect(await page.locator('.gutter .bad').textContent()).toBe(`${line}\n`);
    expect(await page.getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await shot('05b-yaml');
    await page.getByRole('button', { name: 'Revert' }).click();
    await page.getByRole('tab', { name: 'Form' }).click();
  });

  it('filters the log, opens a request, copies it as cURL and exports HAR', async () => {
    await page.getByLabel('Filter requests').fill('route:b');
    await eventually(
      async () => {
        const texts = await page.locator('.log-scroll .log-row span:nth-child(3)').allTextContents();
        return texts.length > 0 && texts.every((t) => t.startsWith('b'));
      },
      3000,
      'only route b rows',
    );
    await shot('06-filtered');
    await page.locator('.log-scroll .log-row').first().click();
    await page.getByText('Why it went there').waitFor();
    expect(await page.locator('.trace li').first().textContent()).toMatch(/route 'b'|weighted draw/);
    await page.getByRole('button', { name: 'Copy as cURL' }).click();
    await page.getByText('Copied as cURL.').waitFor();
    const curl = await page.evaluate(() =>
      (
        globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }
      ).navigator.clipboard.readText(),
    );
    expect(curl).toMatch(new RegExp(`^curl '?http://127\\.0\\.0\\.1:${gatewayPort}/item/\\d+'?`));
    const download = page.waitForEvent('download');
    await page.locator('.detail').getByRole('button', { name: 'Export HAR' }).click();
    const file = await (await download).path();
    const har = JSON.parse(await readFile(file!, 'utf8')) as {
      log: { version: string; entries: { request: { url: string } }[] };
    };
    expect(har.log.version).toBe('1.2');
    expect(har.log.entries[0]!.request.url).toContain(`127.0.0.1:${gatewayPort}/item/`);
    await page.getByRole('tab', { name: 'Request' }).click();
    await shot('07-details');
    // The log's Export HAR exports what the filter shows (issue 11): without a filter, the whole log.
    await page.getByLabel('Filter requests').fill('');
    const whole = page.waitForEvent('download');
    await page.locator('.log-toolbar').getByRole('button', { name: 'Export HAR' }).click();
    const all = JSON.parse(await readFile((await (await whole).path())!, 'utf8')) as {
      log: { entries: unknown[] };
    };
    expect(all.log.entries.length).toBeGreaterThanOrEqual(300);
  });

  it('exports and imports YAML, and changes the theme in Settings', async () => {
    const exported = page.waitForEvent('download');
    await page.getByLabel('Export gateways').selectOption('yaml');
    const yaml = await readFile((await (await exported).path())!, 'utf8');
    expect(yaml).toContain('name: shop');
    const file = path.join(dir, 'imported.yaml');
    await writeFile(file, `name: imported\nport: 0\nroutes:\n  "[${a.hostPort}]": {}\n`);
    await page.getByLabel('YAML file to import').setInputFiles(file);
    await page.getByText('Imported imported.').waitFor();
    const nginx = page.waitForEvent('download');
    await page.getByLabel('Export gateways').selectOption('nginx');
    expect(await readFile((await (await nginx).path())!, 'utf8')).toMatch(
      /^# Exported by Switchyard \S+ \(nginx\)/,
    );
    const harFile = path.join(dir, 'captured.har');
    await writeFile(
      harFile,
      JSON.stringify({
        log: {
          entries: [
            {
              startedDateTime: new Date().toISOString(),
              time: 3,
              request: { method: 'GET', url: 'http://captured.test/from-a-har', headers: [] },
              response: { status: 299, headers: [], content: { size: 0 } },
            },
          ],
        },
      }),
    );
    await page.getByLabel('HAR file to open').setInputFiles(harFile);
    await page.getByText('Added 1 requests from captured.har.').waitFor();
    await page.getByLabel('Filter requests').fill('from-a-har');
    await page.locator('.log-scroll .log-row', { hasText: '/from-a-har' }).waitFor();
    expect(await page.locator('.log-scroll .log-row', { hasText: '/from-a-har' }).textContent()).toContain(
      '299',
    );
    await page.getByLabel('Filter requests').fill('');
    await page.locator('.gateway-name', { hasText: 'imported' }).waitFor();

    await page.getByRole('button', { name: 'Settings' }).click();
    const dialog = page.getByRole('dialog', { name: 'Settings' });
    await dialog.getByText(`http://127.0.0.1:${control}`).waitFor();
    await dialog.getByLabel('Theme').selectOption('dark');
    expect(
      await page.evaluate(
        () =>
          (globalThis as unknown as { document: { documentElement: { dataset: { theme?: string } } } })
            .document.documentElement.dataset.theme,
      ),
    ).toBe('dark');
    await shot('08-settings-dark');
    await dialog.getByRole('button', { name: 'Close' }).click();
    await page.locator('.gateway-name', { hasText: 'shop' }).click();
  });

  it('renders request data as text, never as HTML', async () => {
    await request(gatewayPort, '/%3Cimg%20src=x%20onerror=alert(1)%3E', {
      headers: { 'user-agent': '<script>window.pwned=1</script>' },
    });
    await page.getByLabel('Filter requests').fill('onerror');
    await page.locator('.log-scroll .log-row').first().click();
    await page.getByRole('tab', { name: 'Request' }).click();
    await page.getByText('<script>window.pwned=1</script>').waitFor();
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('.detail img').count()).toBe(0);
    await page.getByLabel('Filter requests').fill('');
  });
});
