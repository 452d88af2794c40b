import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/client.js';
import { CHROMIUM, CHROMIUM_ARGS, startUiSession, type UiSession } from '../helpers/ui-session.js';
import { closedPort, startUpstream, type Upstream } from '../helpers/upstream.js';

/**
 * The UI of the shared ports, virtual hosts, TLS and TCP gateways (issue 13), in Chromium against a real
 * `switchyard serve` whose local CA and NSS database live in a temporary home.
 */
const run = promisify(execFile);
// Runs in the page; this file is type-checked without the DOM library.
declare const getComputedStyle: (el: unknown) => { fontWeight: string };
const hasCertutil = await run('certutil', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT',
);
const SCREENS = '/tmp/switchyard-screens';

describe.skipIf(!hasCertutil || !existsSync(CHROMIUM))('the UI of listeners and the local CA', () => {
  let s: UiSession;
  let web: Upstream;
  let echo: net.Server;
  let home: string;
  const ports = { http: 0, https: 0, db: 0 };

  beforeAll(async () => {
    home = await mkdtemp(path.join(tmpdir(), 'switchyard-ui-listeners-'));
    const nssdb = path.join(home, '.pki', 'nssdb');
    await mkdir(nssdb, { recursive: true });
    await run('certutil', ['-N', '--empty-password', '-d', `sql:${nssdb}`]);
    await mkdir(SCREENS, { recursive: true });
    web = await startUpstream('web');
    echo = net.createServer((socket) => {
      socket.on('error', () => {});
      socket.pipe(socket);
    });
    await new Promise<void>((resolve) => echo.listen(0, '127.0.0.1', resolve));
    [ports.http, ports.https, ports.db] = [await closedPort(), await closedPort(), await closedPort()];
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, SWITCHYARD_CA_DIR: path.join(home, 'ca') };
    delete env.SWITCHYARD_NSS_DBS;
    s = await startUiSession(
      [
        `listeners: {http: ${ports.http}, https: ${ports.https}}`,
        'gateways:',
        '  - name: shop',
        '    virtual_hosts: [shop.localhost, "*.shop.localhost"]',
        '    routes:',
        `      web: { target: "${web.url}" }`,
        '  - name: db',
        `    port: ${ports.db}/tcp`,
        '    routes:',
        `      primary: { targets: ["127.0.0.1:${(echo.address() as AddressInfo).port}"] }`,
        '',
      ].join('\n'),
      { width: 1400, height: 900 },
      env,
    );
  }, 30_000);

  afterAll(async () => {
    await s?.close();
    await web?.close();
    await new Promise((resolve) => echo?.close(resolve));
    if (home) await rm(home, { recursive: true, force: true });
  });

  const page = () => s.page;
  const gatewayButton = (name: string) =>
    page()
      .getByRole('complementary', { name: 'Gateways' })
      .getByRole('button', { name: new RegExp(`^${name}\\b`) });
  const shot = (name: string) => page().screenshot({ path: path.join(SCREENS, `${name}.png`) });

  it("lists each gateway's addresses in the sidebar, as links that open in a new tab", async () => {
    const urls = page().getByRole('list', { name: 'Addresses of shop' });
    await urls.getByRole('link').first().waitFor();
    const links = await urls
      .getByRole('link')
      .evaluateAll((as) => as.map((a) => [a.getAttribute('href'), a.getAttribute('target')]));
    expect(links).toEqual([
      [`http://shop.localhost:${ports.http}/`, '_blank'],
      [`https://shop.localhost:${ports.https}/`, '_blank'],
    ]);
    const db = page().getByRole('list', { name: 'Addresses of db' });
    await expect(db.textContent()).resolves.toBe(`tcp://127.0.0.1:${ports.db}`);
    await expect(gatewayButton('db').textContent()).resolves.toBe(`db:${ports.db} tcp`);
    await page()
      .locator('.sidebar')
      .screenshot({ path: path.join(SCREENS, 'listeners-sidebar.png') });
  });

  it('shows the shared ports and trusts the local CA from Settings, with the commands left to run', async () => {
    await page().getByRole('button', { name: 'Settings' }).click();
    const dialog = page().getByRole('dialog', { name: 'Settings' });
    const states = dialog.getByRole('list', { name: 'Shared port states' });
    await expect
      .poll(() => states.textContent())
      .toBe(`http 127.0.0.1:${ports.http} listeninghttps 127.0.0.1:${ports.https} listening`);
    const ca = dialog.getByRole('region', { name: 'Local CA' });
    await ca.getByText(path.join(home, 'ca', 'ca-cert.pem')).waitFor();
    await ca.getByRole('button', { name: /trust$/i }).click();
    const result = ca.getByRole('status', { name: 'Trust result' });
    await result.getByText(`Chromium (${path.join(home, '.pki', 'nssdb')}): trusted`).waitFor();
    await ca
      .getByRole('list', { name: 'Trust stores' })
      .getByText('trusted', { exact: true })
      .first()
      .waitFor();
    await dialog.screenshot({ path: path.join(SCREENS, 'listeners-settings.png') });

    // A port another gateway holds is refused whole, with the engine's message; the ports stay as they were.
    const https = dialog.getByRole('textbox', { name: 'HTTPS port (HTTP/2)' });
    await https.fill(String(ports.db));
    await dialog.getByRole('button', { name: 'Apply' }).click();
    const notice = page().locator('.notice').first();
    await notice.getByText('is the shared https listener').waitFor();
    expect((await s.api('/api/v1/listeners')).json()).toEqual({ http: ports.http, https: ports.https });
    await https.fill(String(ports.https));
    // The commands for the stores that need root, at the bottom of the dialog.
    await result.scrollIntoViewIfNeeded();
    await dialog.screenshot({ path: path.join(SCREENS, 'listeners-settings-commands.png') });
    await dialog.getByRole('button', { name: 'Close' }).click();
    await notice.getByRole('button', { name: 'Dismiss' }).click();
  });

  it('shows the host and protocol of each request, h2 and TLS marked, and TCP connections', async () => {
    // Chromium with the CA trusted in its NSS database (the Trust button above) speaks h2 to the HTTPS port.
    const browser = await chromium.launch({
      executablePath: CHROMIUM,
      env: { ...process.env, HOME: home },
      args: CHROMIUM_ARGS,
    });
    try {
      const visitor = await browser.newPage();
      await visitor.goto(`https://shop.localhost:${ports.https}/h2-page`);
      await visitor.goto(`http://shop.localhost:${ports.http}/plain-page`);
    } finally {
      await browser.close();
    }
    await new Promise<void>((resolve, reject) => {
      const socket = net.connect(ports.db, '127.0.0.1', () => socket.end('hello tcp'));
      socket
        .on('error', reject)
        .on('close', () => resolve())
        .resume();
    });
    const row = (text: string) => page().locator('.log-row', { hasText: text }).first();
    await row('/h2-page').waitFor();
    await row('tcp').waitFor();
    const cells = async (text: string) =>
      (await row(text).locator('[role=gridcell]').allTextContents()).slice(1, 7);
    expect(await cells('/h2-page')).toEqual([
      'shop',
      'web',
      'GET',
      `shop.localhost:${ports.https}`,
      'h2 TLS',
      '/h2-page',
    ]);
    expect(await cells('/plain-page')).toEqual([
      'shop',
      'web',
      'GET',
      `shop.localhost:${ports.http}`,
      '1.1',
      '/plain-page',
    ]);
    const tcp = await cells('tcp');
    expect(tcp.slice(0, 3)).toEqual(['db', 'primary', 'TCP']);
    expect(tcp[4]).toBe('tcp');
    expect(tcp[5]).toMatch(/closed · 9 B in \/ 9 B out$/);
    await expect(
      row('/h2-page')
        .locator('.protocol')
        .evaluate((el) => getComputedStyle(el).fontWeight),
    ).resolves.toBe('600');
    await shot('listeners-log');

    await row('/h2-page').click();
    const detail = page().getByRole('complementary', { name: 'Request details' });
    await detail.getByText('HTTP/2 over TLS').waitFor();
    await detail.getByText(`shop.localhost:${ports.https}`).waitFor();
    await shot('listeners-log-detail');
  });

  it('edits the port protocol, virtual hosts and TLS in the form, written back to the YAML file', async () => {
    await gatewayButton('shop').click();
    const hosts = page().getByRole('textbox', { name: 'Virtual hosts' });
    await expect(hosts.inputValue()).resolves.toBe('shop.localhost, *.shop.localhost');
    await hosts.fill('shop.localhost, *.shop.localhost, store.localhost');
    await page().getByRole('combobox', { name: 'TLS' }).selectOption('files');
    await page().getByRole('textbox', { name: 'Certificate file' }).waitFor();
    await page().getByRole('combobox', { name: 'TLS' }).selectOption('auto');
    await page().getByRole('checkbox', { name: 'Route 1 HTTP/2' }).check();
    await page().getByRole('checkbox', { name: 'Route 1 verify TLS' }).uncheck();
    await shot('listeners-editor');
    await page().getByRole('button', { name: 'Apply' }).click();
    await page().getByText('Running as shown').waitFor();
    const yaml = await readFile(path.join(s.dir, 'switchyard.yaml'), 'utf8');
    expect(yaml).toMatch(/virtual_hosts:[\s\S]*store\.localhost/);
    expect(yaml).toMatch(/tls: auto/);
    expect(yaml).toMatch(/h2: true/);
    expect(yaml).toMatch(/tls_verify: false/);
    await eventually(
      () =>
        page()
          .getByRole('list', { name: 'Addresses of shop' })
          .textContent()
          .then((t) => !!t?.includes('store.localhost')),
      5000,
      'the new name among the addresses',
    );

    // A TCP gateway's routes take connections by weight only: the HTTP boxes are gone.
    await gatewayButton('db').click();
    await expect(page().getByRole('combobox', { name: 'Port protocol' }).inputValue()).resolves.toBe('tcp');
    await page().getByText('A TCP route takes connections by weight only.').waitFor();
    expect(await page().getByRole('textbox', { name: 'Route 1 rewrites' }).count()).toBe(0);
    // Nor does it have faults to inject.
    expect(await page().getByRole('heading', { name: 'Chaos' }).count()).toBe(0);
    // Nor names or TLS: it is reached on its port alone.
    expect(await page().getByRole('textbox', { name: 'Virtual hosts' }).count()).toBe(0);
    expect(await page().getByRole('combobox', { name: 'TLS' }).count()).toBe(0);
    await shot('listeners-editor-tcp');
  });
});
