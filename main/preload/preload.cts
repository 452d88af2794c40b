// The preload: it exposes exactly two surfaces. `bridge` is the message pipe for the contract's envelopes;
// `desktop` is an optional capability object that the UI treats as absent in a browser. Nothing else of
// Electron or Node reaches the page.
// A sandboxed preload is one CommonJS file, never an ES module: Electron runs its text as a function of
// `require`, `process`, `exports`, `module` (a dummy `{ exports }`) and a few globals, and that `require`
// returns only `electron` and a handful of Node built-ins, so this file cannot load helpers of its own.
// test/integration/desktop runs the built file the same way.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const electron = require('electron') as typeof import('electron');

const CHANNEL = 'switchyard:message';

electron.contextBridge.exposeInMainWorld('bridge', {
  send: (message: unknown) => electron.ipcRenderer.send(CHANNEL, message),
  onMessage: (listener: (message: unknown) => void) => {
    const handler = (_event: unknown, message: unknown) => listener(message);
    electron.ipcRenderer.on(CHANNEL, handler);
    return () => electron.ipcRenderer.removeListener(CHANNEL, handler);
  },
});

electron.contextBridge.exposeInMainWorld('desktop', {
  importYaml: () => electron.ipcRenderer.invoke('desktop:import-yaml'),
  exportYaml: () => electron.ipcRenderer.invoke('desktop:export-yaml'),
  saveFile: (name: string, text: string) =>
    electron.ipcRenderer.invoke('desktop:save-file', String(name), String(text)),
  revealConfig: () => electron.ipcRenderer.invoke('desktop:reveal-config'),
});
