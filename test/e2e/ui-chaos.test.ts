import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.js';
import { CHROMIUM, startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * The UI of issue 15 in Chromium against a real `switchyard serve`: the Chaos panel moves live traffic
 * (checked with real requests to the gateway), health dots follow an instance going down and coming back.
 */
const haveChromium = existsSync(CHROMIUM);

// The functions given to page.evaluate run in the page; this file is type-checked without the DOM library.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const document: any;

describe.skipIf(!haveChromium)('the Chaos panel and health dots', () => {
  let s: UiSession;
  let a: Upstream;
  let flaky: Upstream;
  let flakyAgain: http.Server | undefined;
  let shopPort: number;

  beforeAll(async () => {
    [a, flaky] = [await startUpstream('a'), await startUpstream('flaky')];
    shopPort = await closedPort();
    s = await startUiSession(
      [
        'gateways:',
        '  - name: shop',
        `    port: ${shopPort}`,
        '    routes:',
        `      api: { targets: ["${a.url}"], weight: 100% }`,
        `      flaky:`,
        `        targets: ["${flaky.url}"]`,
        '        weight: 0%',
        '        health_check: { path: /health, interval: 200ms, timeout: 200ms, unhealthy_after: 1, healthy_after: 1 }',
        '',
      ].join('\n'),
    );
    await s.page.locator('.gateway-name', { hasText: /^shop:/ }).click();
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    await a?.close();
    await flaky?.close();
    await new Promise((r) => (flakyAgain ? flakyAgain.close(r) : r(undefined)));
  });

  const page = () => s.page;
  const statuses = async (n: number) => {
    const out: number[] = [];
    for (let i = 0; i < n; i++) out.push((await request(shopPort, `/chaos/${i}`)).status);
    return out;
  };

  it('aborts every request once the abort slider is at 100%, and the trace says so', async () => {
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);
    const status = page().getByLabel('api abort status');
    await status.fill('502');
    await status.press('Enter');
    const slider = page().getByLabel('api abort, percent of requests');
    await slider.focus();
    await page().keyboard.press('End');
    await page().getByLabel('api faults running').getByText('abort 100% → 502').waitFor({ timeout: 3000 });
    const source = (await s.api('/api/v1/gateways/shop')).json<{
      routes: Record<string, { faults?: unknown }>;
    }>();
    expect(source.routes.api?.faults).toEqual({ abort: { percent: '100%', status: 502 } });
    expect(await statuses(10)).toEqual(Array(10).fill(502));

    await page().getByRole('tab', { name: 'Traffic' }).click();
    await page().getByLabel('Filter requests').fill('/chaos/9');
    await page().locator('.log-scroll .log-row', { hasText: '/chaos/9' }).first().click({ timeout: 3000 });
    await page().getByText('Why it went there').waitFor({ timeout: 3000 });
    const fault = page().locator('.trace li', { has: page().locator('.trace-kind.fault') });
    await fault.first().waitFor({ timeout: 3000 });
    expect(await fault.first().textContent()).toMatch(/fault.*abort/i);
    await page().keyboard.press('Escape');
    await page().getByLabel('Filter requests').fill('');
    await page().getByRole('tab', { name: 'Routes' }).click();
  });

  it('refuses an invalid value with a message, and clearing the faults lets requests through', async () => {
    const bandwidth = page().getByLabel('api bandwidth');
    await bandwidth.fill('fast');
    await bandwidth.press('Enter');
    await page()
      .getByRole('alert')
      .getByText(/256kbps/)
      .waitFor({ timeout: 3000 });
    await bandwidth.press('Escape');
    await page().getByRole('button', { name: 'Clear faults of api' }).click();
    await page().getByLabel('api faults running').getByText('no faults').waitFor({ timeout: 3000 });
    expect(await statuses(5)).toEqual([200, 200, 200, 200, 200]);

    const delay = page().getByLabel('api delay, percent', { exact: true });
    await delay.fill('100');
    await delay.press('Enter');
    const duration = page().getByLabel('api delay duration');
    await duration.fill('300ms');
    await duration.press('Enter');
    await page().getByLabel('api faults running').getByText('delay 100% × 300ms').waitFor({ timeout: 3000 });
    const started = Date.now();
    expect((await request(shopPort, '/slow')).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(280);
    await page().getByRole('button', { name: 'Clear faults of api' }).click();
    await page().getByLabel('api faults running').getByText('no faults').waitFor({ timeout: 3000 });
  });

  it('turns a health dot red when its instance goes down and green when it is back', async () => {
    const dot = page().locator('.route-card .health-dot');
    const sidebarDot = page().locator('.gateway-list .health-dot');
    await eventually(async () => (await dot.getAttribute('class'))?.includes('healthy') ?? false, 5000, 'up');
    expect(await dot.textContent()).toContain(`${flaky.url} healthy`);
    await flaky.close();
    await eventually(
      async () => (await dot.getAttribute('class'))?.includes('unhealthy') ?? false,
      5000,
      'the dot red',
    );
    expect(await dot.textContent()).toContain('unhealthy');
    expect(await sidebarDot.textContent()).toContain(`flaky: ${flaky.url} unhealthy`);
    const red = await dot.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(red).toBe('rgb(220, 38, 38)');
    await shots('health-down');

    flakyAgain = http.createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => flakyAgain!.listen(flaky.port, '127.0.0.1', r));
    await eventually(
      async () => / healthy$/.test((await dot.getAttribute('class')) ?? ''),
      5000,
      'the dot green again',
    );
    expect(await dot.evaluate((el) => getComputedStyle(el).backgroundColor)).toBe('rgb(22, 163, 74)');
  });

  it('screenshots the Chaos panel and the health dots at 1280 and 800 px, light and dark', async () => {
    await page().getByLabel('api abort, percent', { exact: true }).fill('25');
    await page().getByLabel('api abort, percent', { exact: true }).press('Enter');
    await page().getByLabel('api bandwidth').fill('256kbps');
    await page().getByLabel('api bandwidth').press('Enter');
    await page()
      .getByLabel('api faults running')
      .getByText(/abort 25%.*256kbps/)
      .waitFor({ timeout: 3000 });
    await shots('chaos');
  }, 60_000);

  async function shots(name: string) {
    const dir = path.join(tmpdir(), 'switchyard-screens');
    await mkdir(dir, { recursive: true });
    for (const width of [1280, 800]) {
      await page().setViewportSize({ width, height: 800 });
      for (const theme of ['light', 'dark']) {
        await page().evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        await page().waitForTimeout(100);
        await page().screenshot({ path: path.join(dir, `${name}-${width}-${theme}.png`) });
      }
    }
    await page().evaluate(() => delete document.documentElement.dataset.theme);
    await page().setViewportSize({ width: 1400, height: 900 });
  }
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
declare const getComputedStyle: (el: any) => { backgroundColor: string };
