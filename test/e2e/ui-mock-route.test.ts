import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.js';
import { CHROMIUM, startUiSession, type UiSession } from '../helpers/ui-session.js';

/** The editor turns a route into a mock route (issue 15), and a real request gets the mock's answer. */
describe.skipIf(!existsSync(CHROMIUM))('a mock route from the editor', () => {
  let s: UiSession;
  let up: Upstream;
  let shopPort: number;

  beforeAll(async () => {
    up = await startUpstream('up');
    shopPort = await closedPort();
    s = await startUiSession(
      `gateways:\n  - name: shop\n    port: ${shopPort}\n    routes:\n      live: { targets: ["${up.url}"], weight: 100% }\n      maintenance: { targets: ["${up.url}"], weight: 0%, condition: has header X-Maintenance }\n`,
    );
  }, 30_000);
  afterAll(async () => {
    await s?.close();
    await up?.close();
  });

  it('edits a mock answer (status, headers, body), applies it, and the gateway answers with it', async () => {
    const page = s.page;
    await page.locator('.gateway-name', { hasText: 'shop' }).first().click();
    await page.getByLabel('Route 2 targets').fill('');
    const mock = page.getByLabel('Route 2 mock answer');
    await mock.fill('{ status: 503, headers: { Retry-After: "30" }, body: back soon }');
    const apply = page.getByRole('button', { name: 'Apply' });
    await expect.poll(() => apply.isDisabled(), { timeout: 5000 }).toBe(false);
    await apply.click();
    await eventually(
      async () => (await request(shopPort, '/', { headers: { 'x-maintenance': '1' } })).status === 503,
      5000,
      'the mock answer',
    );
    const answer = await request(shopPort, '/', { headers: { 'x-maintenance': '1' } });
    expect([answer.status, answer.headers['retry-after'], answer.body]).toEqual([503, '30', 'back soon']);
    expect((await request(shopPort, '/')).status).toBe(200);
    const source = (await s.api('/api/v1/gateways/shop')).json<{
      routes: Record<string, { respond?: unknown }>;
    }>();
    expect(source.routes.maintenance?.respond).toEqual({
      status: 503,
      headers: { 'Retry-After': '30' },
      body: 'back soon',
    });
    const dir = path.join(tmpdir(), 'switchyard-screens');
    await mkdir(dir, { recursive: true });
    for (const [width, theme] of [
      [1280, 'light'],
      [800, 'dark'],
    ] as const) {
      await page.emulateMedia({ colorScheme: theme });
      await page.setViewportSize({ width, height: 800 });
      await mock.scrollIntoViewIfNeeded();
      await page.screenshot({ path: path.join(dir, `mock-route-${width}-${theme}.png`) });
    }
  });
});
