import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { eventually, request } from '../helpers/client.js';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.js';
import { CHROMIUM, startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * Issue 11's remaining bullets in Chromium against a real `switchyard serve`: free ports and no default
 * target, WebSockets live in the log, import errors, toasts, Clear with other clients, engine-side
 * search, HAR of the filter, Resend, sort and resizable columns, the remembered split, dark contrast.
 */
const haveChromium = existsSync(CHROMIUM);

// The functions given to page.evaluate run in the page; this file is type-checked without the DOM library.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const localStorage: { clear(): void };
declare const getComputedStyle: (el: unknown) => any;
/** A DOM node or box as the page hands it over. */
type El = any;
/* eslint-enable @typescript-eslint/no-explicit-any */

describe.skipIf(!haveChromium)('the UI finds things and shows the truth', () => {
  let s: UiSession;
  let a: Upstream;
  let b: Upstream;
  let wss: WebSocketServer;
  let wsPort: number;
  let shopPort: number;

  beforeAll(async () => {
    [a, b] = [await startUpstream('a'), await startUpstream('b')];
    // A WebSocket upstream that echoes every message.
    wss = new WebSocketServer({ port: 0, host: '127.0.0.1', perMessageDeflate: false });
    wss.on('connection', (ws) => ws.on('message', (m, binary) => ws.send(m, { binary })));
    await new Promise<void>((resolve) => wss.once('listening', resolve));
    wsPort = (wss.address() as AddressInfo).port;
    shopPort = await closedPort();
    s = await startUiSession(
      [
        'gateways:',
        '  - name: shop',
        `    port: ${shopPort}`,
        '    routes:',
        `      a: { targets: ["${a.url}"], weight: 50% }`,
        `      b: { targets: ["${b.url}"], weight: 50% }`,
        `      ws: { targets: ["http://127.0.0.1:${wsPort}"], weight: 0%, condition: path starts-with /socket }`,
        '',
      ].join('\n'),
      { width: 1280, height: 800 },
    );
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    await a?.close();
    await b?.close();
    await new Promise((resolve) => wss?.close(resolve));
  });

  const page = () => s.page;
  const filter = () => page().getByLabel('Filter requests');
  const rows = () => page().locator('.log-scroll .log-row');

  it('gives a new gateway a port free on this machine and no target until the user gives one', async () => {
    // Nothing configured uses 8081, but something on the machine does: the new gateway must not take it.
    const blocker = http.createServer();
    const blocked = await new Promise<boolean>((resolve) => {
      blocker.once('error', () => resolve(false));
      blocker.listen(8081, '127.0.0.1', () => resolve(true));
    });
    try {
      await page().getByRole('button', { name: 'New gateway' }).click();
      await page()
        .locator('.gateway-name', { hasText: /^gateway:/ })
        .waitFor();
      const g = (await s.api('/api/v1/gateways/gateway')).json<{ port: number; routes?: object }>();
      expect(g.port).not.toBe(8081);
      expect(Object.keys(g.routes ?? {})).toEqual([]);
      const status = (await s.api('/api/v1/status')).json<{ gateway: string; state: string }[]>();
      expect(status.find((x) => x.gateway === 'gateway')?.state).toBe('listening');
      // No route: it answers 503 itself and sends nothing anywhere (no default 127.0.0.1:3000).
      expect((await request(g.port, '/')).status).toBe(503);
      await page().getByLabel('Actions for gateway', { exact: true }).click();
      await page().getByRole('button', { name: 'Duplicate' }).click();
      await page().locator('.gateway-name', { hasText: 'gateway-copy' }).waitFor();
      const copy = (await s.api('/api/v1/gateways/gateway-copy')).json<{ port: number }>();
      expect([8081, g.port]).not.toContain(copy.port);
    } finally {
      if (blocked) blocker.close();
      await s.api('/api/v1/gateways/gateway', { method: 'DELETE' });
      await s.api('/api/v1/gateways/gateway-copy', { method: 'DELETE' });
    }
    expect(blocked || true).toBe(true);
  });

  it('shows a WebSocket when it opens, live, with its messages both ways', async () => {
    await page()
      .locator('.gateway-name', { hasText: /^shop:/ })
      .click();
    await filter().fill('is:ws');
    const client = new WebSocket(`ws://127.0.0.1:${shopPort}/socket`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    const row = rows().filter({ hasText: '/socket' });
    await row.filter({ hasText: 'open' }).waitFor({ timeout: 3000 });
    expect(await row.textContent()).toContain('WS');
    await row.click();
    await page().getByRole('tab', { name: 'Messages' }).click();
    client.send('hello through the tunnel');
    const table = page().locator('.ws-messages');
    await table.locator('tr.sent', { hasText: 'hello through the tunnel' }).waitFor({ timeout: 3000 });
    await table.locator('tr.received', { hasText: 'hello through the tunnel' }).waitFor({ timeout: 3000 });
    expect(await table.locator('tr.sent').first().textContent()).toMatch(/24 B/);
    expect(await page().locator('.detail-actions').textContent()).not.toContain('cURL');
    client.close();
    await row.filter({ hasText: 'closed' }).waitFor({ timeout: 3000 });
    await page().locator('.ws-summary', { hasText: 'Closed' }).waitFor({ timeout: 3000 });
    await page().keyboard.press('Escape');
    await filter().fill('');
  });

  it('lists every problem of an import and selects the imported gateway', async () => {
    const input = page().getByLabel('YAML file to import');
    const bad = [
      'gateways:',
      '  - name: bad one',
      '    port: 99999',
      '    routes: { x: { weight: lots } }',
      '',
    ];
    await input.setInputFiles({
      name: 'bad.yaml',
      mimeType: 'text/yaml',
      buffer: Buffer.from(bad.join('\n')),
    });
    const notice = page().locator('.notice', { has: page().locator('details') });
    await notice.waitFor();
    const summary = notice.locator('summary');
    const n = Number(/All (\d+) problems/.exec((await summary.textContent()) ?? '')?.[1]);
    expect(n).toBeGreaterThanOrEqual(3);
    await summary.click();
    expect(await notice.locator('li').count()).toBe(n);
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    const good = ['gateways:', '  - name: imported', `    port: ${await closedPort()}`, '    routes: {}', ''];
    await input.setInputFiles({
      name: 'ok.yaml',
      mimeType: 'text/yaml',
      buffer: Buffer.from(good.join('\n')),
    });
    await page().locator('.gateway-list li.selected', { hasText: 'imported' }).waitFor({ timeout: 3000 });
    await s.api('/api/v1/gateways/imported', { method: 'DELETE' });
    await page()
      .locator('.gateway-name', { hasText: /^shop:/ })
      .click();
  });

  it('never puts a toast over a toolbar, nor over the details, at any width', async () => {
    await request(shopPort, '/toast-row');
    const row = page().locator('.log-scroll [role=row]').first();
    await row.waitFor();
    await row.click();
    await page().locator('.detail').waitFor();
    for (const width of [800, 1024, 1280, 1920]) {
      await page().setViewportSize({ width, height: width >= 1920 ? 1080 : 800 });
      for (let i = 0; i < 5; i++)
        await page()
          .getByLabel('YAML file to import')
          .setInputFiles({
            name: 'bad.yaml',
            mimeType: 'text/yaml',
            buffer: Buffer.from(`gateways: [ { name: "t${i}", port: 99999 } ]`),
          });
      await expect.poll(() => page().locator('.notice').count()).toBe(5);
      const overlaps = await page().evaluate(() => {
        const bars = [
          ...document.querySelectorAll(
            '.topbar, .log-toolbar, .editor-bar, .sidebar-head, [role=tablist], .detail',
          ),
        ];
        const notices = document.querySelector('.notices');
        const clip = notices.getBoundingClientRect();
        const covered: string[] = [];
        // A notice covers a bar where the bar would be what shows if the notices were not there: a bar
        // scrolled out of its panel, behind another, is not covered by anything.
        for (const n of [...document.querySelectorAll('.notice')]) {
          const r = n.getBoundingClientRect();
          const top = Math.max(r.top, clip.top);
          const bottom = Math.min(r.bottom, clip.bottom);
          if (bottom <= top) continue;
          for (let y = top + 2; y < bottom; y += 6) {
            for (let x = r.left + 2; x < r.right; x += 6) {
              notices.style.visibility = 'hidden';
              const under = document.elementFromPoint(x, y);
              notices.style.visibility = '';
              const bar = bars.find((el: El) => el.contains(under));
              if (bar)
                covered.push(
                  `${Math.round(x)},${Math.round(y)} over ${bar.className || bar.getAttribute('role')}`,
                );
            }
          }
        }
        return covered.slice(0, 3);
      });
      expect(overlaps, `at ${width} px`).toEqual([]);
      await page().screenshot({ path: path.join(tmpdir(), 'switchyard-screens', `notices-${width}.png`) });
      const dismiss = page().locator('.notice').getByRole('button', { name: 'Dismiss' });
      while ((await dismiss.count()) > 0) await dismiss.last().click();
    }
    await page().setViewportSize({ width: 1280, height: 800 });
  }, 60_000);

  it('searches headers and bodies in the engine, and exports what the filter shows', async () => {
    await request(shopPort, '/search/one', {
      method: 'POST',
      headers: { 'x-secret-user': 'zed-42', 'content-type': 'text/plain' },
      body: 'a needle-in-the-body here',
    });
    await request(shopPort, '/search/two', { headers: { 'x-secret-user': 'amy-7' } });
    await filter().fill('header:zed-42');
    await rows().filter({ hasText: '/search/one' }).waitFor({ timeout: 3000 });
    expect(await rows().count()).toBe(1);
    await filter().fill('body:needle-in-the-body');
    await rows().filter({ hasText: '/search/one' }).waitFor({ timeout: 3000 });
    expect(await rows().count()).toBe(1);
    // Free text looks into headers and bodies too.
    await filter().fill('amy-7');
    await rows().filter({ hasText: '/search/two' }).waitFor({ timeout: 3000 });
    expect(await rows().count()).toBe(1);
    // New traffic that matches arrives while the filter is on.
    await request(shopPort, '/search/three', { headers: { 'x-secret-user': 'amy-7' } });
    await rows().filter({ hasText: '/search/three' }).waitFor({ timeout: 3000 });
    await filter().fill('body:no-such-needle');
    await page().getByText('No request matches the filter.').waitFor({ timeout: 3000 });

    await filter().fill('header:x-secret-user');
    await expect.poll(() => rows().count()).toBe(3);
    const download = page().waitForEvent('download');
    await page().getByRole('button', { name: 'Export HAR' }).first().click();
    const file = await (await download).path();
    const har = JSON.parse(await readFile(file, 'utf8')) as {
      log: { entries: { request: { url: string } }[] };
    };
    expect(har.log.entries.map((e) => new URL(e.request.url).pathname).sort()).toEqual([
      '/search/one',
      '/search/three',
      '/search/two',
    ]);
  });

  it('resends a request, edited, through a chosen route', async () => {
    await filter().fill('body:needle-in-the-body');
    await rows().first().click();
    await page().getByRole('button', { name: 'Resend…' }).click();
    const form = page().getByRole('form', { name: 'Resend the request' });
    await form.getByLabel('Path').fill('/search/resent');
    await form.getByLabel('Through').selectOption('b');
    await form.getByRole('button', { name: 'Send' }).click();
    await page().getByText('Resent: 200 via route b.').waitFor({ timeout: 5000 });
    await page().locator('.detail-head .path', { hasText: '/search/resent' }).waitFor({ timeout: 3000 });
    const sent = b.requests.find((r) => r.url === '/search/resent');
    expect(sent?.method).toBe('POST');
    expect(sent?.headers['x-secret-user']).toBe('zed-42');
    await page().keyboard.press('Escape');
    await filter().fill('');
  });

  it('sorts by a column and resizes columns, and remembers the widths', async () => {
    await filter().fill('gateway:shop');
    const status = page().getByRole('columnheader', { name: /Status/ });
    await status.getByRole('button').click();
    expect(await status.getAttribute('aria-sort')).toBe('ascending');
    await page()
      .locator('.log-scroll')
      .evaluate((el) => (el.scrollTop = 0));
    const firstStatus = Number(
      await rows()
        .first()
        .locator('.status')
        .textContent()
        .then((t) => t?.split(' ')[0]),
    );
    await status.getByRole('button').click();
    expect(await status.getAttribute('aria-sort')).toBe('descending');
    await page()
      .locator('.log-scroll')
      .evaluate((el) => (el.scrollTop = 0));
    const firstDesc = Number(
      await rows()
        .first()
        .locator('.status')
        .textContent()
        .then((t) => t?.split(' ')[0]),
    );
    expect(firstDesc).toBeGreaterThan(firstStatus);
    await status.getByRole('button').click();
    expect(await status.getAttribute('aria-sort')).toBe('none');

    const gateway = page().getByRole('columnheader', { name: /Gateway/ });
    const before = (await gateway.boundingBox())!.width;
    const handle = (await page().getByRole('separator', { name: 'Resize Gateway' }).boundingBox())!;
    await page().mouse.move(handle.x + handle.width / 2, handle.y + handle.height / 2);
    await page().mouse.down();
    await page().mouse.move(handle.x + handle.width / 2 + 60, handle.y + handle.height / 2, { steps: 5 });
    await page().mouse.up();
    const after = (await gateway.boundingBox())!.width;
    expect(after).toBeGreaterThan(before + 45);
    // The rows follow the header.
    const cell = (await rows().first().locator('[role=gridcell]').nth(1).boundingBox())!;
    expect(Math.abs(cell.width - after)).toBeLessThan(2);
    await page().reload();
    await page().getByText('Connected').waitFor();
    const reloaded = (await page()
      .getByRole('columnheader', { name: /Gateway/ })
      .boundingBox())!.width;
    expect(Math.abs(reloaded - after)).toBeLessThan(2);
    await page().evaluate(() => localStorage.clear());
    await page().reload();
    await page().getByText('Connected').waitFor();
    await filter().fill('');
  });

  it('shows the decision trace without scrolling at 1280x800, and remembers a resized split', async () => {
    await page()
      .locator('.gateway-name', { hasText: /^shop:/ })
      .click();
    await rows().last().click();
    const trace = page().locator('.trace li').last();
    await trace.waitFor();
    const inView = await page().evaluate(() => {
      const detail = document.querySelector('.detail').getBoundingClientRect();
      const last = [...document.querySelectorAll('.trace li')].at(-1).getBoundingClientRect();
      return last.bottom <= Math.min(detail.bottom, 800) && document.querySelector('.detail').scrollTop === 0;
    });
    expect(inView).toBe(true);
    const log = page().locator('section.log');
    const start = (await log.boundingBox())!;
    const bar = (await page().getByRole('separator', { name: 'Resize the request log' }).boundingBox())!;
    await page().mouse.move(bar.x + 300, bar.y + bar.height / 2);
    await page().mouse.down();
    await page().mouse.move(bar.x + 300, bar.y + bar.height / 2 - 100, { steps: 5 });
    await page().mouse.up();
    const taller = (await log.boundingBox())!.height;
    expect(Math.abs(taller - (start.height + 100))).toBeLessThan(4);
    await page().reload();
    await page().getByText('Connected').waitFor();
    expect(Math.abs((await log.boundingBox())!.height - taller)).toBeLessThan(4);
    await page().evaluate(() => localStorage.clear());
    await page().reload();
    await page().getByText('Connected').waitFor();
  });

  it('asks before Clear when other clients are connected', async () => {
    const other = await s.context.newPage();
    await other.goto(`http://127.0.0.1:${s.control}/`);
    await other.getByText('Connected').waitFor();
    const count = async () =>
      (await s.api('/api/v1/log?limit=1')).json<{ entries: unknown[] }>().entries.length;
    let asked = '';
    page().once('dialog', (d) => {
      asked = d.message();
      void d.dismiss();
    });
    await page().getByRole('button', { name: 'Clear', exact: true }).click();
    await eventually(() => asked !== '', 3000, 'the question');
    expect(asked).toMatch(/1 other window is connected/);
    expect(await count()).toBe(1);
    await other.close();
    await request(shopPort, '/after-close');
    await eventually(
      async () => {
        const n = (await s.api('/api/v1/log?limit=1')).json<{ entries: unknown[] }>();
        return n.entries.length === 1;
      },
      3000,
      'an entry',
    );
    // Alone, it clears without asking (a dialog here would be dismissed and nothing cleared).
    await page().getByRole('button', { name: 'Clear', exact: true }).click();
    await eventually(async () => (await count()) === 0, 3000, 'the log cleared');
  });

  it('has dark-mode contrast of 4.5:1 for text and 3:1 for controls, in every view', async () => {
    await page().evaluate(() => (document.documentElement.dataset.theme = 'dark'));
    await request(shopPort, '/contrast', { headers: { 'x-secret-user': 'c' } });
    await request(await closedPort().then(() => shopPort), '/missing-route', {
      headers: { 'x-switchyard-route': 'nope' },
    });
    const measure = () =>
      page().evaluate(() => {
        const rgb = (c: string) => (c.match(/[\d.]+/g) ?? []).map(Number);
        const lum = ([r, g, b]: number[]) => {
          const f = (v: number) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
          return 0.2126 * f(r!) + 0.7152 * f(g!) + 0.0722 * f(b!);
        };
        const ratio = (x: number[], y: number[]) => {
          const [hi, lo] = [lum(x), lum(y)].sort((p, q) => q - p);
          return (hi! + 0.05) / (lo! + 0.05);
        };
        // The colour behind an element: the first ancestor with an opaque background.
        const behind = (el: El): number[] => {
          for (let e = el; e; e = e.parentElement) {
            const c = rgb(getComputedStyle(e).backgroundColor);
            if (c.length === 3 || (c.length === 4 && c[3]! >= 0.9)) return c.slice(0, 3);
          }
          return rgb(getComputedStyle(document.documentElement).backgroundColor).slice(0, 3);
        };
        const visible = (el: El) => {
          const r = el.getBoundingClientRect();
          const st = getComputedStyle(el);
          return r.width > 0 && r.height > 0 && st.visibility !== 'hidden' && st.opacity !== '0';
        };
        const failures: string[] = [];
        for (const el of document.querySelectorAll('body *')) {
          if (!visible(el) || el.closest('.chart, .visually-hidden, [disabled], :disabled')) continue;
          const own = [...el.childNodes].some((n: El) => n.nodeType === 3 && n.textContent.trim());
          const st = getComputedStyle(el);
          if (own) {
            const r = ratio(rgb(st.color).slice(0, 3), behind(el));
            if (r < 4.5)
              failures.push(
                `text ${el.className || el.tagName} "${el.textContent.trim().slice(0, 20)}" ${r.toFixed(2)}`,
              );
          }
          if (
            el.matches('input:not([type=range]):not([type=checkbox]):not([type=radio]), select, textarea')
          ) {
            const r = ratio(rgb(st.borderTopColor).slice(0, 3), behind(el.parentElement));
            if (r < 3)
              failures.push(`control ${el.tagName} ${el.getAttribute('aria-label') ?? ''} ${r.toFixed(2)}`);
          }
        }
        return [...new Set(failures)];
      });
    const failures: string[] = [];
    await page().getByRole('tab', { name: 'Routes' }).click();
    failures.push(...(await measure()));
    await page().getByRole('tab', { name: 'YAML' }).click();
    failures.push(...(await measure()));
    await page().getByRole('tab', { name: 'Form' }).click();
    await page().getByRole('tab', { name: 'Traffic' }).click();
    failures.push(...(await measure()));
    await rows().last().click();
    failures.push(...(await measure()));
    await page().getByRole('button', { name: 'Resend…' }).click();
    failures.push(...(await measure()));
    await page().keyboard.press('Escape');
    await page().getByRole('button', { name: 'Settings' }).click();
    failures.push(...(await measure()));
    await page().getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Close' }).click();
    expect([...new Set(failures)]).toEqual([]);
  });

  it('screenshots the new views at four widths, light and dark; sliders keep their length', async () => {
    const dir = path.join(tmpdir(), 'switchyard-screens');
    await mkdir(dir, { recursive: true });
    await page().getByRole('tab', { name: 'Routes' }).click();
    const client = new WebSocket(`ws://127.0.0.1:${shopPort}/socket`, { perMessageDeflate: false });
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    for (const m of ['{"hello":"world"}', 'second message', 'third']) client.send(m);
    for (const width of [800, 1024, 1280, 1920]) {
      await page().setViewportSize({ width, height: width >= 1920 ? 1080 : 800 });
      for (const theme of ['light', 'dark']) {
        await page().evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        const sliders = await page()
          .locator('.slider-row input[type=range]')
          .evaluateAll((els) =>
            els.map(
              (e) =>
                (e as unknown as { getBoundingClientRect(): { width: number } }).getBoundingClientRect()
                  .width,
            ),
          );
        for (const w of sliders) expect(w, `slider at ${width} px`).toBeGreaterThanOrEqual(120);
        await filter().fill('is:ws');
        await rows().first().click();
        await page().getByRole('tab', { name: 'Messages' }).click();
        await page().screenshot({ path: path.join(dir, `ws-messages-${width}-${theme}.png`) });
        await filter().fill('-is:ws');
        await rows().last().click();
        await page().getByRole('button', { name: 'Resend…' }).click();
        await page().screenshot({ path: path.join(dir, `resend-${width}-${theme}.png`) });
        await page().keyboard.press('Escape');
        await filter().fill('');
      }
    }
    client.close();
    await page().setViewportSize({ width: 1280, height: 800 });
  }, 120_000);
});
