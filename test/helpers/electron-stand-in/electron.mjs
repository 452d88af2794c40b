// A recording stand-in for Electron's main-process `electron` module, so that the real built main.js can
// be started in plain Node (test/integration/desktop). It records every call to a JSON-lines file, and
// enforces the rules Electron enforces at run time that the app depends on:
//   - protocol.registerSchemesAsPrivileged only before `ready`; BrowserWindow, Tray, session,
//     protocol.handle only after it;
//   - a window loads app:// only through a registered, privileged scheme with a handler;
//   - `web-contents-created` fires when a window is created (the app's guards must already listen);
//   - app.exit() closes windows without their `close` events; app.quit() emits before-quit first.
// Loading a page runs the app:// handler the way Chromium would (the page, then its scripts and styles)
// and records each response. The test drives the rest over the IPC channel (see `commands` below).
//
// Environment: STAND_IN_LOG (the record file), STAND_IN_USER_DATA, STAND_IN_APP_PATH (the app's
// directory, whose package.json gives the version), STAND_IN_PACKAGED=1, STAND_IN_LOCK=0 (another
// instance holds the single-instance lock), STAND_IN_SECOND_INSTANCE_DURING_STARTUP=1 (a second launch
// and a dock click every few milliseconds from `ready` until the first window exists).
import { Buffer } from 'node:buffer';
import { EventEmitter } from 'node:events';
import { appendFileSync, existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import process from 'node:process';
import { clearInterval, setImmediate, setInterval, setTimeout } from 'node:timers';
import { URL } from 'node:url';

const env = process.env;
const LOG = env.STAND_IN_LOG;
let seq = 0;

/** JSON for a record: functions become '[function]', cycles and Buffers are cut short. */
function plain(value, depth = 0) {
  if (typeof value === 'function') return '[function]';
  if (value === null || typeof value !== 'object') return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (depth > 6) return '[deep]';
  if (Array.isArray(value)) return value.map((v) => plain(v, depth + 1));
  if (value instanceof EventEmitter) return `[${value.constructor.name}]`;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v, depth + 1)]));
}

export function record(kind, name, detail = {}) {
  const line = JSON.stringify({ seq: seq++, kind, name, ...plain(detail) });
  if (LOG) appendFileSync(LOG, line + '\n');
}

function fail(name, message) {
  record('error', name, { message });
  return new Error(`${name}: ${message} (electron stand-in)`);
}

process.type = 'browser';
process.versions.electron = '45.0.0-stand-in';

process.on('unhandledRejection', (reason) => {
  record('error', 'unhandledRejection', { message: String(reason?.stack ?? reason) });
});
process.on('uncaughtException', (err) => {
  // Electron shows "A JavaScript error occurred in the main process" and keeps running.
  record('error', 'uncaughtException', { message: String(err?.stack ?? err) });
});

// A second launch and a dock click, from `ready` until the first window exists: at `ready` itself, at
// every point where the app awaits after one of its calls (sooner than Electron could deliver them, so
// every step of start-up is covered), and every millisecond.
const pokingDuringStartup = env.STAND_IN_SECOND_INSTANCE_DURING_STARTUP === '1';
let pokePending = false;
function poke() {
  if (!ready || windows.length) return;
  record('event', 'startup-poke');
  app.emit('second-instance', {}, [process.execPath, appPath], process.cwd());
  app.emit('activate', {}, false);
}
function schedulePoke() {
  if (!pokingDuringStartup || pokePending || !ready || windows.length) return;
  pokePending = true;
  void Promise.resolve().then(() => {
    pokePending = false;
    poke();
  });
}

/** Wraps an object so that every method call is recorded as `name.method` with its arguments. */
function recorded(name, target) {
  return new Proxy(target, {
    get(obj, key, receiver) {
      const value = Reflect.get(obj, key, receiver);
      if (typeof value !== 'function' || typeof key !== 'string' || key === 'constructor') return value;
      if (['emit', 'listenerCount', 'listeners', 'rawListeners', 'eventNames'].includes(key))
        return value.bind(obj);
      return (...args) => {
        record('call', `${name}.${key}`, { args });
        schedulePoke();
        return value.apply(obj, args);
      };
    },
  });
}

// ---- app ----------------------------------------------------------------------------------------

let ready = false;
let resolveReady;
const readyPromise = new Promise((resolve) => (resolveReady = resolve));
const appPath = env.STAND_IN_APP_PATH ?? process.cwd();

class App extends EventEmitter {
  commandLine = { appendSwitch() {}, hasSwitch: () => false, getSwitchValue: () => '' };
  get isPackaged() {
    return env.STAND_IN_PACKAGED === '1';
  }
  getName() {
    return 'Switchyard';
  }
  getVersion() {
    try {
      return JSON.parse(readFileSync(path.join(appPath, 'package.json'), 'utf8')).version;
    } catch {
      return '0.0.0';
    }
  }
  getAppPath() {
    return appPath;
  }
  getPath(name) {
    if (name === 'userData') return env.STAND_IN_USER_DATA;
    return path.join(env.STAND_IN_USER_DATA, `path-${name}`);
  }
  setPath() {}
  isReady() {
    return ready;
  }
  whenReady() {
    return readyPromise;
  }
  requestSingleInstanceLock() {
    return env.STAND_IN_LOCK !== '0';
  }
  releaseSingleInstanceLock() {}
  setAppUserModelId() {}
  focus() {}
  quit() {
    let prevented = false;
    const event = {
      preventDefault: () => {
        prevented = true;
      },
    };
    this.emit('before-quit', event);
    record('event', 'app.before-quit', { prevented });
    if (prevented) return;
    setImmediate(() => {
      for (const w of [...windows]) w.close();
      this.emit('will-quit', { preventDefault() {} });
      this.emit('quit', {}, 0);
      exit(0);
    });
  }
  exit(code = 0) {
    // Electron: "All windows will be closed immediately without asking the user, and the before-quit and
    // will-quit events will not be emitted."
    for (const w of [...windows]) w.destroy();
    exit(code);
  }
}

function exit(code) {
  record('exit', 'process', { code });
  process.exit(code);
}

export const app = recorded('app', new App());

// ---- protocol and session -----------------------------------------------------------------------

const privileged = new Map();
const handlers = new Map();

export const protocol = recorded('protocol', {
  registerSchemesAsPrivileged(schemes) {
    if (ready) throw fail('protocol.registerSchemesAsPrivileged', 'called after the app is ready');
    for (const s of schemes) privileged.set(s.scheme, s.privileges ?? {});
  },
  handle(scheme, handler) {
    if (!ready) throw fail('protocol.handle', 'called before the app is ready');
    if (handlers.has(scheme)) throw fail('protocol.handle', `the scheme ${scheme} is already handled`);
    handlers.set(scheme, handler);
  },
  unhandle(scheme) {
    handlers.delete(scheme);
  },
  isProtocolHandled(scheme) {
    return handlers.has(scheme);
  },
});

const permissionHandlers = { request: null, check: null };
const defaultSession = recorded('session.defaultSession', {
  setPermissionRequestHandler(handler) {
    permissionHandlers.request = handler;
  },
  setPermissionCheckHandler(handler) {
    permissionHandlers.check = handler;
  },
  setDevicePermissionHandler() {},
  webRequest: { onHeadersReceived() {}, onBeforeRequest() {} },
});

export const session = {
  get defaultSession() {
    if (!ready) throw fail('session.defaultSession', 'used before the app is ready');
    return defaultSession;
  },
};

/** Fetches an app:// URL as Chromium would: only through a privileged scheme with a handler. */
async function fetchApp(url) {
  const scheme = new URL(url).protocol.slice(0, -1);
  if (!privileged.get(scheme)?.standard)
    throw fail('load', `${scheme}:// was not registered as a standard scheme`);
  const handler = handlers.get(scheme);
  if (!handler) throw fail('load', `ERR_UNKNOWN_URL_SCHEME: no handler for ${scheme}://`);
  const response = await handler(new globalThis.Request(url));
  const body = Buffer.from(await response.arrayBuffer());
  const headers = Object.fromEntries(response.headers);
  record('response', url, { status: response.status, headers, bytes: body.length });
  return { status: response.status, headers, body };
}

// ---- windows ------------------------------------------------------------------------------------

const windows = [];
let nextId = 1;

class WebContents extends EventEmitter {
  id = nextId++;
  url = '';
  destroyed = false;
  windowOpenHandler = null;
  setWindowOpenHandler(handler) {
    this.windowOpenHandler = handler;
  }
  send(channel, message) {
    record('send', channel, { message });
  }
  isDestroyed() {
    return this.destroyed;
  }
  getURL() {
    return this.url;
  }
  get session() {
    return defaultSession;
  }
  /** What the app's guards attached to this page. */
  guards() {
    return {
      willNavigate: this.listenerCount('will-navigate'),
      willRedirect: this.listenerCount('will-redirect'),
      willAttachWebview: this.listenerCount('will-attach-webview'),
      windowOpenHandler: typeof this.windowOpenHandler === 'function',
    };
  }
}

class StandInBrowserWindow extends EventEmitter {
  static getAllWindows() {
    return [...windows];
  }
  static fromWebContents(contents) {
    return windows.find((w) => w.webContents === contents) ?? null;
  }
  constructor(options = {}) {
    super();
    if (!ready) throw fail('BrowserWindow', 'Cannot create BrowserWindow before app is ready');
    this.options = options;
    this.bounds = {
      x: options.x ?? 100,
      y: options.y ?? 100,
      width: options.width ?? 800,
      height: options.height ?? 600,
    };
    this.destroyed = false;
    this.visible = false;
    this.minimized = false;
    this.webContents = new WebContents();
    windows.push(this);
    const preload = options.webPreferences?.preload;
    record('window', 'created', {
      id: this.webContents.id,
      options,
      preloadExists: typeof preload === 'string' && existsSync(preload),
      schemeHandled: handlers.has('app'),
      permissionHandlers: { request: !!permissionHandlers.request, check: !!permissionHandlers.check },
      webContentsCreatedListeners: app.listenerCount('web-contents-created'),
    });
    app.emit('web-contents-created', { preventDefault() {} }, this.webContents);
    app.emit('browser-window-created', { preventDefault() {} }, this);
    record('window', 'guards', { id: this.webContents.id, ...this.webContents.guards() });
  }
  async loadURL(url) {
    this.webContents.url = url;
    const page = await fetchApp(url);
    if (page.status !== 200) throw fail('loadURL', `${url} answered ${page.status}`);
    // The page's scripts and styles, as the browser would request them.
    const html = page.body.toString('utf8');
    for (const [, ref] of html.matchAll(/(?:src|href)="([^"]+)"/g)) {
      if (/^[a-z]+:/i.test(ref)) continue;
      const asset = await fetchApp(new URL(ref, url).href);
      if (asset.status !== 200) throw fail('loadURL', `${ref} answered ${asset.status}`);
    }
    this.webContents.emit('did-finish-load');
    this.emit('ready-to-show');
  }
  show() {
    this.visible = true;
  }
  hide() {
    this.visible = false;
  }
  focus() {}
  isVisible() {
    return this.visible;
  }
  isMinimized() {
    return this.minimized;
  }
  minimize() {
    this.minimized = true;
  }
  restore() {
    this.minimized = false;
  }
  isDestroyed() {
    return this.destroyed;
  }
  getBounds() {
    return { ...this.bounds };
  }
  getNormalBounds() {
    return { ...this.bounds };
  }
  setBounds(bounds) {
    this.bounds = { ...this.bounds, ...bounds };
  }
  close() {
    if (this.destroyed) return;
    let prevented = false;
    this.emit('close', {
      preventDefault: () => {
        prevented = true;
      },
    });
    if (!prevented) this.destroy();
  }
  destroy() {
    if (this.destroyed) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
    windows.splice(windows.indexOf(this), 1);
    this.emit('closed');
    record('window', 'closed', { id: this.webContents.id });
  }
}

export const BrowserWindow = new Proxy(StandInBrowserWindow, {
  construct(target, args) {
    record('call', 'new BrowserWindow', { args });
    return recorded('window', new target(...args));
  },
});

// ---- everything else the main process may use ---------------------------------------------------

class IpcMain extends EventEmitter {
  invokeHandlers = new Map();
  handle(channel, handler) {
    if (this.invokeHandlers.has(channel)) throw fail('ipcMain.handle', `a second handler for '${channel}'`);
    this.invokeHandlers.set(channel, handler);
  }
  removeHandler(channel) {
    this.invokeHandlers.delete(channel);
  }
}
const ipcMainImpl = new IpcMain();
export const ipcMain = recorded('ipcMain', ipcMainImpl);

function labels(template) {
  return template.map((item) => item.label ?? item.role ?? item.type);
}
export const Menu = recorded('Menu', {
  buildFromTemplate: (template) => ({ items: template, labels: labels(template) }),
  setApplicationMenu() {},
  getApplicationMenu: () => null,
});
export const MenuItem = class MenuItem {};

class StandInTray extends EventEmitter {
  constructor(image) {
    super();
    if (!ready) throw fail('Tray', 'Cannot create Tray before app is ready');
    record('tray', 'created', { iconExists: !!image?.path && existsSync(image.path) });
  }
  setToolTip() {}
  setContextMenu() {}
  setImage() {}
  destroy() {}
}
export const Tray = new Proxy(StandInTray, {
  construct(target, args) {
    return recorded('tray', new target(...args));
  },
});

export const nativeImage = recorded('nativeImage', {
  createFromPath(p) {
    const image = {
      path: p,
      isEmpty: () => !existsSync(p),
      resize: () => image,
      getSize: () => ({ width: 18, height: 18 }),
    };
    return image;
  },
  createEmpty: () => ({ path: '', isEmpty: () => true, resize() {} }),
});

export const dialog = recorded('dialog', {
  showMessageBox: async () => ({ response: 0, checkboxChecked: false }),
  showErrorBox() {},
  showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
  showSaveDialog: async () => ({ canceled: true }),
});

export const shell = recorded('shell', {
  openExternal: async () => undefined,
  showItemInFolder() {},
  openPath: async () => '',
});

class NativeTheme extends EventEmitter {
  themeSource = 'system';
  shouldUseDarkColors = false;
}
export const nativeTheme = recorded('nativeTheme', new NativeTheme());

const DISPLAY = {
  id: 1,
  scaleFactor: 1,
  bounds: { x: 0, y: 0, width: 1920, height: 1080 },
  workArea: { x: 0, y: 0, width: 1920, height: 1050 },
};
export const screen = recorded('screen', {
  getPrimaryDisplay: () => DISPLAY,
  getAllDisplays: () => [DISPLAY],
  getDisplayMatching: () => DISPLAY,
  getDisplayNearestPoint: () => DISPLAY,
});

export const Notification = class Notification {
  static isSupported = () => false;
};
export const powerMonitor = new EventEmitter();
export const clipboard = recorded('clipboard', { writeText() {}, readText: () => '' });
export const contextBridge = recorded('contextBridge', { exposeInMainWorld() {} });
export const ipcRenderer = recorded('ipcRenderer', new EventEmitter());

const electron = {
  app,
  BrowserWindow,
  clipboard,
  contextBridge,
  dialog,
  ipcMain,
  ipcRenderer,
  Menu,
  MenuItem,
  nativeImage,
  nativeTheme,
  Notification,
  powerMonitor,
  protocol,
  screen,
  session,
  shell,
  Tray,
};
export default electron;

// ---- the test's side ----------------------------------------------------------------------------

function firstWindow() {
  const w = windows[0];
  if (!w) throw new Error('no window');
  return w;
}

const APP_FRAME = { url: 'app://switchyard/index.html', parent: null };

/** What the test can ask for over the IPC channel; each answer is also recorded. */
const commands = {
  'second-instance': () => app.emit('second-instance', {}, [process.execPath, appPath], process.cwd()),
  activate: () => app.emit('activate', {}, true),
  quit: () => app.quit(),
  windows: () => windows.map((w) => ({ id: w.webContents.id, bounds: w.getBounds(), visible: w.visible })),
  move: ({ bounds }) => {
    const w = firstWindow();
    w.setBounds(bounds);
    w.emit('move');
    w.emit('resize');
  },
  close: () => firstWindow().close(),
  'permission-request': ({ permission, url, isMainFrame = true }) =>
    new Promise((resolve) =>
      permissionHandlers.request(firstWindow().webContents, permission, resolve, {
        requestingUrl: url,
        isMainFrame,
      }),
    ),
  'permission-check': ({ permission, origin, url, isMainFrame = true }) =>
    permissionHandlers.check(firstWindow().webContents, permission, origin, {
      requestingUrl: url,
      isMainFrame,
    }),
  navigate: ({ url, event = 'will-navigate' }) => {
    let prevented = false;
    firstWindow().webContents.emit(event, { preventDefault: () => (prevented = true) }, url);
    return { prevented };
  },
  'window-open': ({ url }) =>
    firstWindow().webContents.windowOpenHandler({ url, frameName: '', features: '' }),
  fetch: async ({ url }) => {
    const r = await fetchApp(url);
    return { status: r.status, headers: r.headers };
  },
  /** A message from the page over the contract's channel, from the given frame (the app's by default). */
  message: ({ channel, message, frame = APP_FRAME }) => {
    const contents = firstWindow().webContents;
    ipcMainImpl.emit(channel, { sender: contents, senderFrame: frame }, message);
  },
  invoke: async ({ channel, args = [], frame = APP_FRAME }) => {
    const handler = ipcMainImpl.invokeHandlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ sender: firstWindow().webContents, senderFrame: frame }, ...args);
  },
};

process.on('message', async ({ id, command, params }) => {
  try {
    const result = await commands[command](params ?? {});
    record('command', command, { params, result });
    process.send?.({ id, ok: true, result: plain(result) });
  } catch (err) {
    record('command', command, { params, error: String(err?.message ?? err) });
    process.send?.({ id, ok: false, error: String(err?.message ?? err) });
  }
});
// The channel must not keep the process alive: the app decides when it ends.
process.channel?.unref();

// `ready` comes after the main script has run, as in Electron.
setTimeout(() => {
  ready = true;
  record('event', 'app.ready');
  app.emit('will-finish-launching');
  app.emit('ready', {}, {});
  resolveReady();
  if (pokingDuringStartup) {
    poke();
    let pokes = 0;
    const timer = setInterval(() => {
      if (windows.length || ++pokes > 5000) return clearInterval(timer);
      poke();
    }, 1);
    schedulePoke();
  }
}, 20);
