import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  nativeImage,
  protocol,
  screen,
  session,
  shell,
  Tray,
  type IpcMainInvokeEvent,
} from 'electron';
import ElectronStore from 'electron-store';
import type { AppSettings } from '../../shared/api/contract.js';
import { DESKTOP_CHANNELS, type DesktopCapability } from '../../shared/api/desktop.js';
import { exportFormat, type ProxyFormatId } from '../../shared/export-formats.js';
import { DEMO_PORTS } from '../../shared/wire/ports.js';
import { AppHost, RENDERER_DIR } from '../host/app-host.js';
import { MIME_TYPES, resolveAppPath } from './app-protocol.js';
import { DesktopPersistence, openDesktopStore, type KeyValueStore, type Settings } from './desktop-store.js';
import { ipcPipe } from './ipc-transport.js';
import { applicationMenu, trayMenu, type MenuActions } from './menus.js';
import {
  allowNavigation,
  allowPermission,
  APP_ORIGIN,
  APP_SCHEME,
  CONTENT_SECURITY_POLICY,
  isTrustedSender,
  secureWebPreferences,
  windowOpenDecision,
} from './security.js';
import { debounce, restorableBounds } from './window-bounds.js';

/**
 * The desktop app's main process: hosts the engine and its listeners, persists gateways with
 * electron-store, serves the renderer from app:// to one secure window over IPC, and also starts the
 * control server on 127.0.0.1 so scripts can drive the running app.
 *
 * Electron 45 runs this as an ES module in its own Node (24). The order matters and is tested by
 * test/integration/desktop (this file run in plain Node with a recording stand-in for `electron`):
 * the app:// scheme is registered before `ready`; at `ready` the app is locked down (permission and
 * navigation guards, the app:// handler, the IPC handlers) before anything else; and a window is only
 * created once start-up has finished, whatever the user does meanwhile (a second launch, a dock click).
 */
const RENDERER = RENDERER_DIR;
const PRELOAD = path.resolve(import.meta.dirname, '../preload/preload.cjs');

let window: BrowserWindow | undefined;
let tray: Tray | undefined;
let store: KeyValueStore;
/** The engine, its control plane, the demo and the control server (main/host), once start-up made them. */
let host: AppHost | undefined;
let stopping = false;
/** True once start-up has finished (it ends by opening the first window); before that, no window is created. */
let started = false;

function appSettings(s: Settings): AppSettings {
  return {
    theme: s.theme,
    controlEnabled: s.controlEnabled,
    controlPort: s.controlPort,
    logCapacity: s.logCapacity,
  };
}

async function start(): Promise<void> {
  const userData = app.getPath('userData');
  const opened = openDesktopStore(
    () => new ElectronStore({ name: 'switchyard', cwd: userData, clearInvalidConfig: false }),
    path.join(userData, 'switchyard.json'),
  );
  store = opened.store;
  const firstRun = !opened.store.get('initialized');
  const h = new AppHost({
    mode: 'desktop',
    engine: { logCapacity: opened.data.settings.logCapacity },
    persistence: new DesktopPersistence(store),
    configPath: store.path,
    settings: {
      get: () => appSettings(store.get('settings') as Settings),
      set: (patch) => {
        const next = { ...(store.get('settings') as Settings), ...patch };
        store.set('settings', next);
        return appSettings(next);
      },
    },
  });
  host = h;

  // The demo services run on every launch; on the first run the demo gateway is created for them.
  const demo = await h.startDemo(DEMO_PORTS, DEMO_PORTS.gateway);
  const loaded = await (firstRun
    ? h.plane.store.load(demo.config)
    : h.plane.store.loadSources(opened.data.gateways, opened.data.conditions, opened.data.listeners));
  if (!loaded.ok)
    await dialog.showMessageBox({
      type: 'error',
      message: 'The saved gateways are not valid',
      detail: loaded.issues.map((i) => i.message).join('\n'),
    });
  if (firstRun) {
    store.set(
      'gateways',
      h.plane.store.views().map((v) => v.source),
    );
    store.set('initialized', true);
  }

  const settings = store.get('settings') as Settings;
  if (settings.controlEnabled)
    await h.startControl({
      host: '127.0.0.1',
      port: settings.controlPort,
      portExplicit: false,
      token: settings.controlToken,
      allowProxyHosts: [],
    });

  Menu.setApplicationMenu(Menu.buildFromTemplate(applicationMenu(actions, process.platform === 'darwin')));
  createTray();
  if (stopping) return;
  started = true;
  showWindow();
  if (opened.movedAside) {
    await dialog.showMessageBox({
      type: 'warning',
      message: 'Switchyard could not read its saved settings and started with defaults.',
      detail: `The old file was kept at:\n${opened.movedAside}`,
    });
  }
}

/**
 * Permissions, navigation, new windows and webviews: all denied, except writing to the clipboard from
 * the app's own page ("Copy as cURL"); valid http(s) links open in the browser.
 */
function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback, details) =>
    callback(allowPermission(permission, details.requestingUrl, details.isMainFrame)),
  );
  session.defaultSession.setPermissionCheckHandler((_contents, permission, requestingOrigin, details) =>
    allowPermission(permission, details.requestingUrl ?? requestingOrigin, details.isMainFrame),
  );
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault();
    });
    contents.on('will-redirect', (event, url) => {
      if (!allowNavigation(url)) event.preventDefault();
    });
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(({ url }) => {
      const decision = windowOpenDecision(url);
      if (decision.openExternally) void shell.openExternal(decision.openExternally);
      return { action: 'deny' };
    });
  });
}

/** The renderer, from app://switchyard; every response, errors included, carries the CSP. */
function serveRenderer(): void {
  const headers = (type: string) => ({
    'content-type': type,
    'content-security-policy': CONTENT_SECURITY_POLICY,
    'x-content-type-options': 'nosniff',
  });
  protocol.handle(APP_SCHEME, async (request) => {
    const file = resolveAppPath(RENDERER, request.url);
    if (!file) return new Response('refused', { status: 403, headers: headers('text/plain') });
    try {
      const body = await readFile(file);
      return new Response(body, {
        headers: headers(MIME_TYPES[path.extname(file)] ?? 'application/octet-stream'),
      });
    } catch {
      return new Response('not found', { status: 404, headers: headers('text/plain') });
    }
  });
}

function saveWindowBounds(): void {
  if (!window || window.isDestroyed() || !store) return;
  // The normal bounds: a maximized or full-screen window reopens at the size it had before.
  store.set('settings', { ...(store.get('settings') as Settings), windowBounds: window.getNormalBounds() });
}
/** A drag or resize emits many events; the bounds are written once it settles (and at close and quit). */
const saveWindowBoundsSoon = debounce(saveWindowBounds, 500);

function showWindow(): void {
  if (!started) return;
  if (window && !window.isDestroyed()) {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
    return;
  }
  const settings = store.get('settings') as Settings;
  const bounds = restorableBounds(
    settings.windowBounds,
    screen.getAllDisplays().map((d) => d.workArea),
  );
  window = new BrowserWindow({
    ...(bounds ?? { width: 1400, height: 900 }),
    minWidth: 900,
    minHeight: 600,
    title: 'Switchyard',
    show: false,
    webPreferences: secureWebPreferences(PRELOAD),
  });
  const disconnect = running().plane.connect(ipcPipe(ipcMain, window.webContents));
  window.once('ready-to-show', () => window?.show());
  window.on('move', saveWindowBoundsSoon);
  window.on('resize', saveWindowBoundsSoon);
  window.on('close', () => saveWindowBoundsSoon.flush());
  window.on('closed', () => {
    disconnect();
    window = undefined;
  });
  window
    .loadURL(`${APP_ORIGIN}/index.html`)
    .catch((err: unknown) => console.error('switchyard: the UI did not load:', err));
}

/** The answers to the preload's `desktop` capability (shared/api/desktop.ts), by call. */
const desktopCalls: DesktopCapability = {
  importYaml,
  exportYaml,
  // Arguments come from the page: whatever it passes is taken as text.
  saveFile: (name, text) => saveFile(String(name), String(text)),
  revealConfig: async () => void shell.showItemInFolder(store.path),
};

/** The optional `desktop` capability: file dialogs and the config folder, for the app's own frame only. */
function handleDesktopCalls(): void {
  for (const call of Object.keys(DESKTOP_CHANNELS) as (keyof DesktopCapability)[]) {
    const answer = desktopCalls[call] as (...args: unknown[]) => Promise<unknown>;
    ipcMain.handle(DESKTOP_CHANNELS[call], (event: IpcMainInvokeEvent, ...args: unknown[]) =>
      isTrustedSender(event.senderFrame) ? answer(...args) : Promise.resolve(undefined),
    );
  }
}

async function importYaml(): Promise<string[] | undefined> {
  const picked = await dialog.showOpenDialog({
    title: 'Import gateways',
    filters: [{ name: 'YAML', extensions: ['yaml', 'yml', 'json'] }],
    properties: ['openFile'],
  });
  const file = picked.filePaths[0];
  if (picked.canceled || !file) return undefined;
  try {
    return await running().plane.store.importYaml(await readFile(file, 'utf8'));
  } catch (err) {
    const issues = (err as { error?: { issues?: { message: string }[] } }).error?.issues;
    await dialog.showMessageBox({
      type: 'error',
      message: `Could not import ${path.basename(file)}`,
      detail: issues?.map((i) => i.message).join('\n') ?? (err as Error).message,
    });
    return undefined;
  }
}

async function exportYaml(): Promise<string | undefined> {
  return saveFile(exportFormat('yaml').fileName, running().plane.store.exportYaml());
}

/** Exports for a production proxy; what it could not express is shown before saving. */
async function exportFor(format: ProxyFormatId): Promise<void> {
  const reply = await running().plane.dispatch({
    type: 'call',
    id: 0,
    command: 'config.export',
    params: { format },
  });
  if (!reply || reply.type !== 'result' || !reply.ok) return;
  const { text, warnings } = reply.result as { text: string; warnings: string[] };
  if (warnings.length)
    await dialog.showMessageBox({
      type: 'info',
      message: `Not everything can be expressed for ${format}`,
      detail: warnings.join('\n'),
    });
  await saveFile(exportFormat(format).fileName, text);
}

async function saveFile(name: string, text: string): Promise<string | undefined> {
  const picked = await dialog.showSaveDialog({ title: 'Save', defaultPath: path.basename(name) });
  if (picked.canceled || !picked.filePath) return undefined;
  await writeFile(picked.filePath, text, 'utf8');
  return picked.filePath;
}

const actions: MenuActions = {
  importYaml: () => void importYaml(),
  exportYaml: () => void exportYaml(),
  exportAs: (format) => void exportFor(format),
  openConfigFolder: () => void shell.showItemInFolder(store.path),
  openWindow: () => showWindow(),
  setEnabled: (name, enabled) =>
    void running()
      .plane.store.setEnabled(name, enabled)
      .catch(() => undefined),
  pauseAll: (paused) => void running().engine.setPaused(paused).then(refreshTray),
  quit: () => app.quit(),
};

/** The running host: menus, the tray and the desktop calls act only once start-up has made it. */
function running(): AppHost {
  if (!host) throw new Error('Switchyard has not started yet');
  return host;
}

function createTray(): void {
  tray = new Tray(
    nativeImage.createFromPath(path.join(RENDERER, 'icon.png')).resize({ width: 18, height: 18 }),
  );
  tray.setToolTip('Switchyard');
  tray.on('click', () => showWindow());
  refreshTray();
  running().plane.store.on('changed', refreshTray);
  running().engine.on('status', refreshTray);
}

function refreshTray(): void {
  tray?.setContextMenu(
    Menu.buildFromTemplate(trayMenu(running().plane.store.views(), running().engine.isPaused, actions)),
  );
}

protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  // A second launch, and on macOS a click on the dock icon, bring the window back; during start-up they
  // do nothing, since start-up ends by opening the window.
  app.on('second-instance', () => showWindow());
  app.on('activate', () => showWindow());

  // With a tray the app keeps serving when its window closes; Quit stops it.
  app.on('window-all-closed', () => undefined);

  /** Quitting stops the host (main/host/app-host.ts says in what order), then exits. */
  app.on('before-quit', (event) => {
    // app.exit() below closes the window without its `close` event, so the bounds are saved here.
    saveWindowBoundsSoon.flush();
    if (stopping) return;
    stopping = true;
    if (!host) return;
    event.preventDefault();
    void host.stop(5_000).then(() => app.exit(0));
  });

  void app
    .whenReady()
    .then(() => {
      lockDown();
      serveRenderer();
      handleDesktopCalls();
      return start();
    })
    .catch((err: unknown) => {
      console.error('switchyard: the desktop app could not start:', err);
      dialog.showErrorBox(
        'Switchyard could not start',
        err instanceof Error ? (err.stack ?? err.message) : String(err),
      );
      app.exit(1);
    });
}
