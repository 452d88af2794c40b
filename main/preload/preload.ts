// The preload: it exposes exactly two surfaces, typed once in shared/api/desktop.ts. `bridge` is the
// message pipe for the contract's envelopes; `desktop` is an optional capability object that the UI
// treats as absent in a browser. Nothing else of Electron or Node reaches the page.
// A sandboxed preload is one CommonJS file, never an ES module: Electron runs its text as a function of
// `require`, `process`, `exports`, `module` (a dummy `{ exports }`) and a few globals, and that `require`
// returns only `electron` and a handful of Node built-ins, so it cannot load files of its own. This
// source is an ES module that imports the shared one anyway, and the build bundles both into that one
// CommonJS file, dist/main/preload/preload.cjs (vite.preload.config.ts); test/integration/desktop runs
// the built file the way Electron does.
import { contextBridge, ipcRenderer } from 'electron';
import { DESKTOP_CHANNELS, IPC_CHANNEL, type PreloadSurface } from '../../shared/api/desktop.js';

const surface: PreloadSurface = {
  bridge: {
    send: (message) => ipcRenderer.send(IPC_CHANNEL, message),
    onMessage: (listener) => {
      const handler = (_event: unknown, message: Parameters<typeof listener>[0]) => listener(message);
      ipcRenderer.on(IPC_CHANNEL, handler);
      return () => ipcRenderer.removeListener(IPC_CHANNEL, handler);
    },
  },
  desktop: {
    importYaml: () => ipcRenderer.invoke(DESKTOP_CHANNELS.importYaml),
    exportYaml: () => ipcRenderer.invoke(DESKTOP_CHANNELS.exportYaml),
    // The page is not trusted with types: whatever it passes travels as text.
    saveFile: (name, text) => ipcRenderer.invoke(DESKTOP_CHANNELS.saveFile, String(name), String(text)),
    revealConfig: () => ipcRenderer.invoke(DESKTOP_CHANNELS.revealConfig),
  },
};

contextBridge.exposeInMainWorld('bridge', surface.bridge);
contextBridge.exposeInMainWorld('desktop', surface.desktop);
