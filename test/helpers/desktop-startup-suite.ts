import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, secureWebPreferences } from '../../main/electron/security.js';
import { indexOf, isCall, launchDesktopApp, type DesktopApp, type StandInRecord } from './desktop-app.js';

/**
 * The desktop app's start-up, run for real: the built main.js of one layout (the project after
 * `npm run build`, or the packaged app.asar extracted) in plain Node, with the recording stand-in for
 * `electron`. First run, second run, a second launch during start-up, another instance running, quit.
 */
export function desktopStartupSuite(layout: string, appDir: () => string, packaged: boolean): void {
  let work: string;
  let runs = 0;
  const launch = (userData: string, extra: { lockHeld?: boolean; pokeDuringStartup?: boolean } = {}) =>
    launchDesktopApp({
      appDir: appDir(),
      userData,
      log: path.join(work, `records-${++runs}.jsonl`),
      packaged,
      ...extra,
    });

  beforeAll(async () => {
    work = await mkdtemp(path.join(tmpdir(), 'switchyard-startup-'));
  });
  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** Started apps are quit (or killed) even when a test fails half-way. */
  const running = new Set<DesktopApp>();
  afterAll(async () => {
    for (const app of running) {
      app.child.kill();
      await app.exited;
    }
  });
  async function started(userData: string, extra?: Parameters<typeof launch>[1]) {
    const app = launch(userData, extra);
    running.add(app);
    void app.exited.then(() => running.delete(app));
    await app.waitFor(isCall('window.show'), 'the window shown');
    return app;
  }
  async function quit(app: DesktopApp) {
    await app.command('quit');
    const exit = await app.exited;
    expect(exit, app.output()).toEqual({ code: 0, signal: null });
  }
  const errors = (records: StandInRecord[]) => records.filter((r) => r.kind === 'error');
  const storeOf = (userData: string) =>
    JSON.parse(readFileSync(path.join(userData, 'switchyard.json'), 'utf8')) as {
      initialized?: boolean;
      gateways: { name: string }[];
      settings: { windowBounds?: object };
    };

  describe(`the desktop app's start-up (${layout})`, () => {
    let userData: string;
    beforeAll(async () => {
      userData = await mkdtemp(path.join(work, 'user-data-'));
    });

    it('first run: locks down before the first window, serves the UI with its CSP, and quits cleanly', async () => {
      const app = await started(userData);
      const records = app.records();
      expect(errors(records), app.output()).toEqual([]);

      // Schemes are registered before `ready`, and the lock-down precedes the first window.
      const ready = indexOf(records, (r) => r.name === 'app.ready');
      const firstWindow = indexOf(records, isCall('new BrowserWindow'));
      expect(indexOf(records, isCall('protocol.registerSchemesAsPrivileged'))).toBeLessThan(ready);
      expect(ready).toBeLessThan(firstWindow);
      for (const step of [
        isCall('session.defaultSession.setPermissionRequestHandler'),
        isCall('session.defaultSession.setPermissionCheckHandler'),
        isCall('app.on', 'web-contents-created'),
        isCall('protocol.handle', 'app'),
        isCall('ipcMain.handle', 'desktop:save-file'),
      ]) {
        const at = indexOf(records, step);
        expect(at).toBeGreaterThan(ready);
        expect(at).toBeLessThan(firstWindow);
      }
      const created = records.find((r) => r.kind === 'window' && r.name === 'created')!;
      expect(created).toMatchObject({
        schemeHandled: true,
        permissionHandlers: { request: true, check: true },
        preloadExists: true,
      });
      const guards = records.find((r) => r.kind === 'window' && r.name === 'guards')!;
      expect(guards).toMatchObject({
        willNavigate: 1,
        willRedirect: 1,
        willAttachWebview: 1,
        windowOpenHandler: true,
      });
      const options = created.options as { webPreferences: { preload: string } };
      expect(options.webPreferences).toEqual(
        secureWebPreferences(path.join(appDir(), 'dist/main/preload/preload.cjs')),
      );
      expect(records.filter(isCall('new BrowserWindow'))).toHaveLength(1);
      expect(records.find((r) => r.kind === 'tray')).toMatchObject({ iconExists: true });

      // The page, its script and its stylesheet all came through the app:// handler, each with the CSP.
      const responses = records.filter((r) => r.kind === 'response');
      expect(responses.map((r) => r.name)).toEqual(
        expect.arrayContaining([
          'app://switchyard/index.html',
          expect.stringMatching(/^app:\/\/switchyard\/assets\/.*\.js$/),
          expect.stringMatching(/^app:\/\/switchyard\/assets\/.*\.css$/),
        ]),
      );
      for (const r of responses) {
        expect(r.status, r.name).toBe(200);
        expect((r.headers as Record<string, string>)['content-security-policy'], r.name).toBe(
          CONTENT_SECURITY_POLICY,
        );
      }
      // So do refusals and misses.
      for (const [url, status] of [
        ['app://switchyard/assets/missing.js', 404],
        ['app://switchyard/..%2f..%2fpackage.json', 403],
        ['app://elsewhere/index.html', 403],
      ] as const) {
        const r = await app.command<{ status: number; headers: Record<string, string> }>('fetch', { url });
        expect(r.status, url).toBe(status);
        expect(r.headers['content-security-policy'], url).toBe(CONTENT_SECURITY_POLICY);
      }

      // The first run created the demo gateway, and the window talks to the engine over IPC.
      await app.command('message', {
        channel: 'switchyard:message',
        message: { type: 'call', id: 1, command: 'gateways.list', params: {} },
      });
      const reply = await app.waitFor(
        (r) => r.kind === 'send' && (r.message as { id?: number }).id === 1,
        'the reply to gateways.list',
      );
      expect(reply.message).toMatchObject({ type: 'result', ok: true });
      expect((reply.message as { result: { name: string }[] }).result.map((g) => g.name)).toEqual(['demo']);
      // From any other frame, nothing is answered.
      await app.command('message', {
        channel: 'switchyard:message',
        message: { type: 'call', id: 2, command: 'gateways.list', params: {} },
        frame: { url: 'https://evil.example/', parent: null },
      });
      expect(
        await app.command('invoke', {
          channel: 'desktop:export-yaml',
          frame: { url: 'app://switchyard/index.html', parent: { url: 'app://switchyard/', parent: null } },
        }),
      ).toBeUndefined();

      // Bounds moved just before quitting are saved: app.exit() closes the window without `close`.
      await app.command('move', { bounds: { x: 40, y: 50, width: 1200, height: 800 } });
      await quit(app);
      const after = app.records();
      expect(errors(after), app.output()).toEqual([]);
      expect(after.find((r) => r.name === 'app.before-quit')).toMatchObject({ prevented: true });
      expect(after.some((r) => r.kind === 'send' && (r.message as { id?: number }).id === 2)).toBe(false);
      const store = storeOf(userData);
      expect(store.initialized).toBe(true);
      expect(store.gateways.map((g) => g.name)).toEqual(['demo']);
      expect(store.settings.windowBounds).toEqual({ x: 40, y: 50, width: 1200, height: 800 });
    }, 40_000);

    it('grants the clipboard to the app page only, and keeps navigation and new windows in check', async () => {
      const app = await started(userData);
      const request = (permission: string, url: string, isMainFrame = true) =>
        app.command<boolean>('permission-request', { permission, url, isMainFrame });
      const check = (permission: string, origin: string, isMainFrame = true) =>
        app.command<boolean>('permission-check', { permission, origin, isMainFrame });
      expect(await request('clipboard-sanitized-write', 'app://switchyard/index.html')).toBe(true);
      expect(await check('clipboard-sanitized-write', 'app://switchyard')).toBe(true);
      expect(await request('clipboard-sanitized-write', 'https://evil.example/')).toBe(false);
      expect(await check('clipboard-sanitized-write', 'https://evil.example')).toBe(false);
      expect(await request('clipboard-sanitized-write', 'app://switchyard/index.html', false)).toBe(false);
      for (const p of ['clipboard-read', 'notifications', 'media', 'geolocation', 'openExternal'])
        expect(await request(p, 'app://switchyard/index.html'), p).toBe(false);

      expect(await app.command('navigate', { url: 'https://evil.example/' })).toEqual({ prevented: true });
      expect(await app.command('navigate', { url: 'file:///etc/passwd', event: 'will-redirect' })).toEqual({
        prevented: true,
      });
      expect(await app.command('navigate', { url: 'app://switchyard/routes' })).toEqual({ prevented: false });
      const proxied = 'http://127.0.0.1:7700/proxy/gateways/demo/routes/blue/';
      expect(await app.command('window-open', { url: proxied })).toEqual({ action: 'deny' });
      expect(await app.command('window-open', { url: 'javascript:alert(1)' })).toEqual({ action: 'deny' });
      const opened = app.records().filter(isCall('shell.openExternal'));
      expect(opened.map((r) => r.args![0])).toEqual([proxied]);

      // Second run: the saved window bounds, the demo not created again, no dialogs.
      const records = app.records();
      expect(records.find((r) => r.kind === 'window' && r.name === 'created')).toMatchObject({
        options: { x: 40, y: 50, width: 1200, height: 800 },
      });
      expect(records.filter(isCall('dialog.showMessageBox'))).toEqual([]);

      // A later launch focuses this window; on macOS, a dock click after closing it opens a new one.
      await app.command('second-instance');
      expect(await app.command('windows')).toHaveLength(1);
      await app.command('close');
      expect(await app.command('windows')).toHaveLength(0);
      await app.command('activate');
      await app.waitFor((r) => r.kind === 'window' && r.name === 'created' && r.id !== 1, 'a new window');
      expect(await app.command('windows')).toHaveLength(1);
      await quit(app);
      expect(errors(app.records()), app.output()).toEqual([]);
      expect(storeOf(userData).gateways.map((g) => g.name)).toEqual(['demo']);
    }, 40_000);
  });

  it(`a second launch and dock clicks during start-up create no early window (${layout})`, async () => {
    const userData = await mkdtemp(path.join(work, 'user-data-'));
    const app = await started(userData, { pokeDuringStartup: true });
    const records = app.records();
    expect(errors(records), app.output()).toEqual([]);
    const firstWindow = indexOf(records, isCall('new BrowserWindow'));
    expect(records.filter((r) => r.name === 'startup-poke').length).toBeGreaterThan(0);
    expect(indexOf(records, (r) => r.name === 'startup-poke')).toBeLessThan(firstWindow);
    expect(records.filter(isCall('new BrowserWindow'))).toHaveLength(1);
    expect(records.find((r) => r.kind === 'window' && r.name === 'guards')).toMatchObject({
      willNavigate: 1,
      windowOpenHandler: true,
    });
    await quit(app);
  }, 40_000);

  it(`with another instance running, quits at once without starting anything (${layout})`, async () => {
    const userData = await mkdtemp(path.join(work, 'user-data-'));
    const app = launch(userData, { lockHeld: true });
    expect(await app.exited).toEqual({ code: 0, signal: null });
    const records = app.records();
    expect(errors(records)).toEqual([]);
    expect(records.some(isCall('app.quit'))).toBe(true);
    expect(records.some(isCall('new BrowserWindow'))).toBe(false);
    expect(records.some((r) => r.kind === 'tray')).toBe(false);
    expect(app.output()).not.toContain('control server');
    expect(existsSync(path.join(userData, 'switchyard.json'))).toBe(false);
  });

  it(`the preload runs as Electron runs a sandboxed preload, and exposes bridge and desktop only (${layout})`, () => {
    const file = path.join(appDir(), 'dist/main/preload/preload.cjs');
    const exposed: string[] = [];
    const electron = {
      contextBridge: { exposeInMainWorld: (name: string) => exposed.push(name) },
      ipcRenderer: { send() {}, on() {}, removeListener() {}, invoke: async () => undefined },
    };
    const require = (id: string) => {
      if (id === 'electron') return electron;
      throw new Error(`module not found: ${id}`);
    };
    const exports = {};
    // Electron compiles the text as a function of these parameters (lib/sandboxed_renderer/preload.ts).
    const run = vm.compileFunction(readFileSync(file, 'utf8'), ['require', 'process', 'exports', 'module'], {
      parsingContext: vm.createContext({}),
    });
    run(require, {}, exports, { exports });
    expect(exposed).toEqual(['bridge', 'desktop']);
  });
}
