// The preload: CommonJS (sandboxed preloads cannot be ES modules), and it exposes exactly two surfaces.
// `bridge` is the message pipe for the contract's envelopes; `desktop` is an optional capability object
// that the UI treats as absent in a browser. Nothing else of Electron or Node reaches the page.
// A plain require keeps this file a script: sandboxed preloads get `require` but no `exports` object.
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
