import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually, request } from '../helpers/client.js';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.js';
import { CHROMIUM, harOf, startUiSession, type UiSession } from '../helpers/ui-session.js';

/**
 * The UI shows the truth and never loses anything (issue 11): each numbered bug of the issue, in
 * Chromium, against a real `switchyard serve` and real upstreams.
 */
const haveChromium = existsSync(CHROMIUM);

// The functions given to page.evaluate run in the page; this file is type-checked without the DOM library.
/* eslint-disable @typescript-eslint/no-explicit-any */
declare const document: any;
declare const window: any;
declare const location: { host: string };
declare const requestAnimationFrame: (fn: () => void) => number;
declare const getComputedStyle: (el: unknown) => { backgroundColor: string; color: string };
/* eslint-enable @typescript-eslint/no-explicit-any */

describe.skipIf(!haveChromium)('the UI shows the truth', () => {
  let s: UiSession;
  let a: Upstream;
  let b: Upstream;
  let shopPort: number;

  beforeAll(async () => {
    [a, b] = [await startUpstream('a'), await startUpstream('b')];
    shopPort = await closedPort();
    s = await startUiSession(
      [
        'gateways:',
        '  - name: shop',
        `    port: ${shopPort}`,
        '    routes:',
        `      a: { targets: ["${a.url}"], weight: 65% }`,
        `      b: { targets: ["${b.url}"], weight: 35% }`,
        '',
      ].join('\n'),
    );
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    await a?.close();
    await b?.close();
  });

  const page = () => s.page;
  const weights = async (gateway = 'shop') => {
    const g = (await s.api(`/api/v1/gateways/${gateway}`)).json<{
      routes: Record<string, { weight?: string }>;
    }>();
    return Object.values(g.routes).map((r) => r.weight);
  };
  const setWeights = (a: number, b: number) =>
    s.api('/api/v1/gateways/shop', {
      method: 'PUT',
      body: {
        name: 'shop',
        port: shopPort,
        routes: { a: { targets: [a_url()], weight: `${a}%` }, b: { targets: [b_url()], weight: `${b}%` } },
      },
    });
  const a_url = () => a.url;
  const b_url = () => b.url;
  const send = async (n: number, headers: Record<string, string> = {}) => {
    for (let i = 0; i < n; i++) await request(shopPort, `/item/${i}`, { headers });
  };
  const countText = () => page().locator('.log-toolbar .count').textContent();
  const lastSeq = async () => (await s.api('/api/v1/log?limit=1')).json<{ lastSeq: number }>().lastSeq;

  it('1. opens the log on the newest requests and loads older ones on scrolling up', async () => {
    const imported = await s.api('/api/v1/log/import', { method: 'POST', body: harOf(6000, 'har') });
    expect(imported.status).toBe(200);
    const newest = (await s.api('/api/v1/log?limit=3')).json<{ entries: { path: string }[] }>();
    expect(newest.entries.map((e) => e.path)).toEqual(['/har-5997', '/har-5998', '/har-5999']);

    await page().reload();
    await page().getByText('Connected').waitFor();
    await request(shopPort, '/after-reload');
    await page().getByLabel('Filter requests').fill('after-reload');
    await page().locator('.log-scroll .log-row', { hasText: '/after-reload' }).waitFor({ timeout: 3000 });
    await page().getByLabel('Filter requests').fill('har-');
    await eventually(
      async () => (await countText())?.startsWith('5000 of') ?? false,
      3000,
      '5000 loaded',
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: the count says ${await countText()}`);
    });
    // Scrolling to the top asks the engine for the page before the oldest one shown.
    await page()
      .locator('.log-scroll')
      .evaluate((el) => (el.scrollTop = 0));
    await eventually(async () => (await countText())?.startsWith('6000 of') ?? false, 5000, 'older page');
    await page()
      .locator('.log-scroll')
      .evaluate((el) => (el.scrollTop = 0));
    await page()
      .locator('.log-scroll .log-row .path', { hasText: /^\/har-0$/ })
      .waitFor({ timeout: 3000 });
    await page().getByLabel('Filter requests').fill('');
  });

  it('2. keeps what arrives while paused, and the seen bars keep moving', async () => {
    await page().getByLabel('Filter requests').fill('');
    await setWeights(100, 0);
    await send(200);
    await page().locator('.gateway-name', { hasText: 'shop' }).first().click();
    await eventually(
      async () => (await page().getByLabel('a observed share').textContent())?.includes('100% seen') ?? false,
      3000,
      'a at 100%',
    );
    await page().getByRole('button', { name: 'Pause' }).click();
    const shownBefore = await page().locator('.log-scroll .log-row').last().textContent();
    await send(30, { 'x-switchyard-route': 'b' });
    // The seen bars are live while the view is frozen.
    await eventually(
      async () => (await page().getByLabel('b observed share').textContent()) !== '–',
      3000,
      'b seen while paused',
    );
    expect(await page().locator('.log-scroll .log-row').last().textContent()).toBe(shownBefore);
    await page().getByRole('button', { name: 'Resume' }).click();
    const total = await lastSeq();
    await eventually(
      async () => (await countText()) === `${total} requests`,
      3000,
      `${total} requests`,
    ).catch(async (err: Error) => {
      throw new Error(`${err.message}: the count says ${await countText()}`);
    });
  });

  it('3. keeps weights moved live when the form with other edits is applied', async () => {
    await setWeights(65, 35);
    await expect.poll(() => page().getByLabel('a weight, percent').inputValue()).toBe('65');
    await page().getByLabel('Timeout', { exact: true }).fill('20s');
    await page().getByText('Unsaved changes').waitFor();
    await page().locator('#weight-0').focus();
    await page().keyboard.press('PageUp');
    await eventually(async () => (await weights())[0] === '75%', 3000, 'the slider at 75%');
    await expect.poll(() => page().getByLabel('Route 1 weight').inputValue()).toBe('75%');
    await page().getByRole('button', { name: 'Apply' }).click();
    await page().getByText('Running as shown').waitFor();
    expect(await weights()).toEqual(['75%', '25%']);
    const g = (await s.api('/api/v1/gateways/shop')).json<{ timeout?: string }>();
    expect(g.timeout).toBe('20s');
  });

  it('4. never applies YAML other than what is shown, and never replaces it', async () => {
    await page().getByRole('tab', { name: 'YAML' }).click();
    const yaml = page().getByLabel('Gateway YAML');
    const text = await yaml.inputValue();
    await yaml.fill(text.replace('timeout: 20s', 'timeout: 25s'));
    await page().getByText('Unsaved changes').waitFor();
    const broken = `${text.replace('timeout: 20s', 'timeout: 25s')}extra: [unclosed\n`;
    await yaml.fill(broken);
    await page().locator('.yaml-view .field-error', { hasText: 'YAML' }).waitFor();
    expect(await page().getByRole('button', { name: 'Apply' }).isDisabled()).toBe(true);
    await page().getByRole('tab', { name: 'Form' }).click();
    await page().getByRole('tab', { name: 'YAML' }).click();
    expect(await page().getByLabel('Gateway YAML').inputValue()).toBe(broken);
    await page().getByRole('button', { name: 'Revert' }).click();
    await page().getByRole('tab', { name: 'Form' }).click();
  });

  it('5. commits the weight number box on Enter, not on every keystroke', async () => {
    await setWeights(65, 35);
    const box = page().getByLabel('a weight, percent');
    await expect.poll(() => box.inputValue()).toBe('65');
    await box.fill('');
    await page().waitForTimeout(300);
    expect(await weights()).toEqual(['65%', '35%']);
    await box.pressSequentially('3');
    await page().waitForTimeout(300);
    expect(await weights()).toEqual(['65%', '35%']);
    await box.pressSequentially('5');
    await box.press('Enter');
    await eventually(async () => (await weights())[0] === '35%', 3000, 'a at 35%');
    expect(await box.inputValue()).toBe('35');
    await box.fill('250');
    await box.press('Enter');
    await page().getByText('Enter a whole number from 0 to 100').waitFor();
    await box.press('Escape');
    expect(await weights()).toEqual(['35%', '65%']);
  });

  it('6. draws rows in view at all times while following the newest under traffic', async () => {
    await page().getByLabel('Filter requests').fill('');
    const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
    let stop = false;
    const load = async () => {
      while (!stop)
        await new Promise<void>((resolve) => {
          http
            .get({ host: '127.0.0.1', port: shopPort, path: '/load', agent }, (res) => {
              res.resume();
              res.on('end', resolve);
            })
            .on('error', () => resolve());
        });
    };
    const senders = Array.from({ length: 8 }, load);
    // Sampled between tasks as well as before frames: a row range that lags the scroll position shows
    // up in either.
    const samples = await page().evaluate(async () => {
      const scroller = document.querySelector('.log-scroll')!;
      let blank = 0;
      let total = 0;
      const sample = () => {
        const view = scroller.getBoundingClientRect();
        const rows = [...scroller.querySelectorAll('.log-row')].filter((r) => {
          const box = r.getBoundingClientRect();
          return box.bottom > view.top + 2 && box.top < view.bottom - 2;
        });
        total++;
        if (rows.length === 0) blank++;
      };
      const end = performance.now() + 3000;
      await new Promise<void>((done) => {
        const frame = () => (sample(), performance.now() < end ? requestAnimationFrame(frame) : done());
        const tick = () => (sample(), performance.now() < end && setTimeout(tick, 3));
        requestAnimationFrame(frame);
        tick();
      });
      return { blank, total };
    });
    stop = true;
    await Promise.all(senders);
    agent.destroy();
    expect(samples.total).toBeGreaterThan(20);
    expect(samples.blank).toBe(0);
  });

  it('7. closes the gateway menu after Duplicate and Rename', async () => {
    await page().getByLabel('Actions for shop').click();
    await page().getByRole('button', { name: 'Duplicate' }).click();
    await page().locator('.gateway-name', { hasText: 'shop-copy' }).waitFor();
    expect(await page().locator('details.menu[open]').count()).toBe(0);
    await page().getByLabel('Actions for shop-copy').click();
    await page().getByRole('button', { name: 'Rename' }).click();
    expect(await page().locator('details.menu[open]').count()).toBe(0);
    await page().getByLabel('New name').press('Escape');
  });

  it('8. matches gateway: and chips exactly, and * asks for a substring', async () => {
    await s.api('/api/v1/log/import?gateway=shop-copy', { method: 'POST', body: harOf(1, 'copy-entry') });
    const filter = page().getByLabel('Filter requests');
    await filter.fill('gateway:shop copy-entry');
    await page().getByText('No request matches the filter.').waitFor();
    await filter.fill('gateway:shop* copy-entry');
    await page().locator('.log-scroll .log-row', { hasText: '/copy-entry-0' }).waitFor();
    await filter.fill('gateway:shop-copy');
    const chips = page().getByRole('group', { name: 'Quick filters' });
    expect(await chips.getByRole('button', { name: 'shop', exact: true }).getAttribute('aria-pressed')).toBe(
      'false',
    );
    await chips.getByRole('button', { name: 'shop', exact: true }).click();
    expect(await filter.inputValue()).toBe('gateway:shop');
    await chips.getByRole('button', { name: 'shop', exact: true }).click();
    expect(await filter.inputValue()).toBe('');
  });

  it('9. says in the editor that a gateway cannot listen until that is fixed', async () => {
    const blocker = http.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const taken = (blocker.address() as AddressInfo).port;
    try {
      const created = await s.api('/api/v1/gateways', {
        method: 'POST',
        body: { name: 'clash', port: taken, routes: { [`[${a.hostPort}]`]: {} } },
      });
      expect(created.status).toBeLessThan(300);
      await page().locator('.gateway-name', { hasText: 'clash' }).click();
      const status = page().locator('.editor-bar [role=status]');
      await eventually(
        async () => /cannot listen/.test((await status.textContent()) ?? ''),
        3000,
        'the listener error in the editor',
      );
      expect(await status.textContent()).not.toContain('Running as shown');
    } finally {
      blocker.close();
      await s.api('/api/v1/gateways/clash', { method: 'DELETE' });
    }
  });

  it('10. shows per-route values in the chart legend', async () => {
    await setWeights(100, 0);
    await page()
      .locator('.gateway-name', { hasText: /^shop:/ })
      .click();
    await page().getByRole('tab', { name: 'Traffic' }).click();
    await send(30);
    await page().waitForTimeout(1200);
    const over = page().locator('.chart .u-over');
    const box = (await over.boundingBox())!;
    const values = page().locator('.chart .u-legend .u-series .u-value');
    let checked = false;
    for (let x = box.width - 2; x > box.width * 0.5 && !checked; x -= 3) {
      await page().mouse.move(box.x + x, box.y + box.height / 2);
      const [ra, rb] = [await values.nth(1).textContent(), await values.nth(2).textContent()];
      if (Number(ra) > 0) {
        expect(Number(rb)).toBe(0);
        checked = true;
      }
    }
    expect(checked).toBe(true);
  });

  it('11. recolours the chart when the theme changes', async () => {
    const border = (theme: string) =>
      page().evaluate((t) => {
        const probe = document.createElement('span');
        probe.style.colorScheme = t;
        probe.style.color = 'var(--border)';
        document.body.append(probe);
        const c = getComputedStyle(probe).color;
        probe.remove();
        return c;
      }, theme);
    const gridPixels = (rgb: string) =>
      page().evaluate((color) => {
        const [r, g, b] = color.match(/\d+/g)!.map(Number);
        const canvas = document.querySelector('.chart canvas');
        const data = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let n = 0;
        for (let i = 0; i < data.length; i += 4)
          if (data[i] === r && data[i + 1] === g && data[i + 2] === b && data[i + 3] === 255) n++;
        return n;
      }, rgb);
    await page().getByRole('button', { name: 'Settings' }).click();
    const dialog = page().getByRole('dialog', { name: 'Settings' });
    await dialog.getByLabel('Theme').selectOption('light');
    await dialog.getByLabel('Theme').selectOption('dark');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const dark = await border('dark');
    await eventually(async () => (await gridPixels(dark)) > 100, 3000, 'the grid in the dark colour');
    await page().getByRole('button', { name: 'Settings' }).click();
    await dialog.getByLabel('Theme').selectOption('light');
    await dialog.getByRole('button', { name: 'Close' }).click();
    const light = await border('light');
    await eventually(async () => (await gridPixels(light)) > 100, 3000, 'the grid in the light colour');
    expect(await gridPixels(dark)).toBe(0);
  });

  it('12. shows the port the control server is on in Settings', async () => {
    await page().getByRole('button', { name: 'Settings' }).click();
    const dialog = page().getByRole('dialog', { name: 'Settings' });
    await expect.poll(() => dialog.getByLabel('Control server port').inputValue()).toBe(String(s.control));
    await dialog.getByRole('button', { name: 'Close' }).click();
  });

  it('13. keeps the log column headers off the details header at 1280 px', async () => {
    await page().setViewportSize({ width: 1280, height: 800 });
    await page().getByRole('tab', { name: 'Routes' }).click();
    await page().getByLabel('Filter requests').fill('/item/');
    await page().locator('.log-scroll .log-row').first().click({ timeout: 3000 });
    const head = page().locator('.detail-head');
    await head.waitFor();
    const box = (await head.boundingBox())!;
    for (const x of [box.x + 4, box.x + box.width / 2, box.x + box.width - 30]) {
      const inside = await page().evaluate(
        ([px, py]) => !!document.elementFromPoint(px!, py!)?.closest('.detail-head'),
        [x, box.y + box.height / 2],
      );
      expect(inside).toBe(true);
    }
    await page().keyboard.press('Escape');
    await page().getByLabel('Filter requests').fill('');
    await page().setViewportSize({ width: 1400, height: 900 });
  });

  it('14. demo traffic: says what is wrong with a header and a count, and cancels a run', async () => {
    await page().getByRole('tab', { name: 'Traffic' }).click();
    const before = await lastSeq();
    await page().getByLabel('Header').fill('X-User alice');
    await page().getByRole('button', { name: 'Send traffic' }).click();
    await page().getByText('Write the header as Name: value').waitFor();
    expect(await lastSeq()).toBe(before);
    await page().getByLabel('Header').fill('X-User: alice');
    await page().getByLabel('Number of requests', { exact: true }).fill('');
    await page().getByRole('button', { name: 'Send traffic' }).click();
    await page().getByText('Enter how many requests to send, from 1 to 10,000').waitFor();
    expect(await page().getByText('Too small').count()).toBe(0);
    await page().getByLabel('Requests per second', { exact: true }).click();
    await page().getByLabel('Requests per second', { exact: true }).fill('5');
    await page().getByLabel('Seconds', { exact: true }).fill('30');
    await page().getByRole('radio', { name: 'Send requests per second' }).check();
    await page().getByRole('button', { name: 'Send traffic' }).click();
    await page().getByRole('button', { name: 'Cancel' }).click();
    await page().locator('.demo-result', { hasText: '(cancelled)' }).waitFor({ timeout: 5000 });
  });

  it('15. condition completions: opaque, Tab moves on, no error while typing', async () => {
    await page().getByRole('tab', { name: 'Routes' }).click();
    const field = page().locator('#condition-0');
    await field.click();
    await field.pressSequentially('user');
    const list = page().locator('.completions');
    await list.waitFor();
    const bg = await list.evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(bg).not.toBe('rgba(0, 0, 0, 0)');
    expect(await page().locator('#condition-0-explain.field-error').count()).toBe(0);
    await field.press('Tab');
    expect(await page().evaluate(() => document.activeElement?.id)).not.toBe('condition-0');
    expect(await field.inputValue()).toBe('user');
    await page().locator('#condition-0-explain.field-error').waitFor();
    await page().getByRole('button', { name: 'Revert' }).click();
  });

  it('16. in the desktop app, Open through is the control server URL', async () => {
    const desktop = await s.context.newPage();
    // The desktop app's preload bridge, played by the control server's WebSocket; app.info says desktop.
    await desktop.addInitScript(() => {
      const ws = new WebSocket(`ws://${location.host}/api/v1/stream`);
      const listeners = new Set<(m: unknown) => void>();
      const queue: string[] = [];
      const infoCalls = new Set<number>();
      ws.onopen = () => queue.splice(0).forEach((m) => ws.send(m));
      ws.onmessage = (ev) => {
        const m = JSON.parse(String(ev.data)) as { type: string; id: number; ok: boolean; result: object };
        if (m.type === 'result' && infoCalls.has(m.id) && m.ok) m.result = { ...m.result, mode: 'desktop' };
        for (const l of listeners) l(m);
      };
      (window as unknown as { bridge: unknown }).bridge = {
        send(m: { type: string; id: number; command: string }) {
          if (m.type === 'call' && m.command === 'app.info') infoCalls.add(m.id);
          if (ws.readyState === 1) ws.send(JSON.stringify(m));
          else queue.push(JSON.stringify(m));
        },
        onMessage(l: (m: unknown) => void) {
          listeners.add(l);
          return () => listeners.delete(l);
        },
      };
    });
    await desktop.goto(`http://127.0.0.1:${s.control}/`);
    await desktop.getByLabel('Filter requests').fill('/item/');
    await desktop.locator('.log-scroll .log-row').last().click();
    const link = desktop.locator('.detail .compare a').first();
    await link.waitFor();
    expect(await link.getAttribute('href')).toMatch(
      new RegExp(`^http://127\\.0\\.0\\.1:${s.control}/proxy/gateways/shop/routes/a/item/`),
    );
    await desktop.close();
  });

  it('shows health where users look: failed share by the weights, a badge in the sidebar', async () => {
    const dead = await closedPort();
    const sickPort = await closedPort();
    await s.api('/api/v1/gateways', {
      method: 'POST',
      body: {
        name: 'sick',
        port: sickPort,
        routes: {
          ok: { targets: [a.url], weight: '50%' },
          dead: { targets: [`http://127.0.0.1:${dead}`], weight: '50%' },
        },
      },
    });
    for (let i = 0; i < 40; i++) await request(sickPort, `/sick/${i}`);
    await page().locator('.gateway-name', { hasText: 'sick' }).click();
    await page().getByRole('tab', { name: 'Routes' }).click();
    await eventually(
      async () => /failed/.test((await page().getByLabel('dead observed share').textContent()) ?? ''),
      3000,
      'the failed share of route dead',
    );
    expect(await page().getByLabel('ok observed share').textContent()).not.toContain('failed');
    await page()
      .getByRole('img', { name: /^Problem: \d+% of requests failed/ })
      .waitFor({ timeout: 3000 });
  });

  it('colours each route the same in the sliders and the log', async () => {
    await page().getByLabel('Filter requests').fill('gateway:sick route:dead');
    const inLog = await page()
      .locator('.log-scroll .log-row .swatch')
      .first()
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    const inSliders = await page()
      .locator('.slider-row', { hasText: 'dead' })
      .locator('.swatch')
      .evaluate((el) => getComputedStyle(el).backgroundColor);
    expect(inLog).toBe(inSliders);
    await page().getByLabel('Filter requests').fill('');
  });

  it('keeps a [host:port] route its target when it is renamed; errors name only what is wrong', async () => {
    await s.api('/api/v1/gateways', {
      method: 'POST',
      body: { name: 'bracket', port: await closedPort(), routes: { [`[${a.hostPort}]`]: {} } },
    });
    await page().locator('.gateway-name', { hasText: 'bracket' }).click();
    await page().getByLabel('Route 1 name').fill('web');
    expect(await page().getByLabel('Route 1 targets').inputValue()).toBe(a.hostPort);
    await page().getByLabel('Route 1 weight').fill('lots');
    const error = page().locator('.route-card .field-error', { hasText: 'not a percentage' });
    await error.waitFor();
    expect(await error.textContent()).not.toMatch(/gateway '|route '/);
    await page().getByRole('button', { name: 'Revert' }).click();
  });

  it('names status dots and the condition field, and moves between tabs with the arrow keys', async () => {
    expect(await page().locator('.gateway-list .dot').first().textContent()).toMatch(
      /listening on|error|disabled/,
    );
    expect(await page().getByRole('textbox', { name: 'Condition', exact: true }).getAttribute('id')).toBe(
      'condition-0',
    );
    await page().getByRole('tab', { name: 'Routes' }).focus();
    await page().keyboard.press('ArrowRight');
    expect(await page().getByRole('tab', { name: 'Traffic' }).getAttribute('aria-selected')).toBe('true');
    await page().getByRole('tabpanel').first().waitFor();
    await page().keyboard.press('ArrowLeft');
    expect(await page().getByRole('tab', { name: 'Routes' }).getAttribute('aria-selected')).toBe('true');
  });

  it('screenshots every view at 800, 1024, 1280 and 1920 px, light and dark', async () => {
    const dir = path.join(tmpdir(), 'switchyard-screens');
    await mkdir(dir, { recursive: true });
    await page()
      .locator('.gateway-name', { hasText: /^shop:/ })
      .click();
    await send(40);
    for (const width of [800, 1024, 1280, 1920]) {
      await page().setViewportSize({ width, height: width >= 1920 ? 1080 : 800 });
      for (const theme of ['light', 'dark']) {
        await page().evaluate((t) => (document.documentElement.dataset.theme = t), theme);
        const shot = (view: string) =>
          page().screenshot({ path: path.join(dir, `${view}-${width}-${theme}.png`) });
        await page().getByRole('tab', { name: 'Routes' }).click();
        await page().getByRole('tab', { name: 'Form' }).click();
        await shot('routes');
        await page().getByRole('tab', { name: 'YAML' }).click();
        await shot('yaml');
        await page().getByRole('tab', { name: 'Form' }).click();
        await page().getByRole('tab', { name: 'Traffic' }).click();
        await page().waitForTimeout(300);
        await shot('traffic');
        await page().locator('.log-scroll .log-row').last().click({ timeout: 3000 });
        await page().getByText('Why it went there').waitFor({ timeout: 3000 });
        await shot('details');
        await page().keyboard.press('Escape');
        await page().getByRole('button', { name: 'Settings' }).click();
        await shot('settings');
        await page().getByRole('dialog', { name: 'Settings' }).getByRole('button', { name: 'Close' }).click();
        await page().locator('.gateway-name').first().click();
      }
    }
    await page()
      .locator('.gateway-name', { hasText: /^shop:/ })
      .click();
    await page().setViewportSize({ width: 1400, height: 900 });
  }, 120_000);

  it('disables the controls and says so while disconnected from the engine', async () => {
    await page().getByRole('tab', { name: 'Routes' }).click();
    await page().locator('#weight-0').waitFor({ timeout: 3000 });
    s.stopServer();
    await page()
      .getByText(/Disconnected from the engine/)
      .waitFor({ timeout: 5000 });
    expect(await page().getByRole('button', { name: 'New gateway' }).isDisabled({ timeout: 3000 })).toBe(
      true,
    );
    expect(await page().locator('#weight-0').isDisabled({ timeout: 3000 })).toBe(true);
  });
});
