import type { Message } from './contract.js';

/**
 * The desktop app's surface between its main process and its page, typed once: the preload builds it
 * (main/preload/preload.ts), the main process answers it (main/electron), and the UI uses it
 * (renderer/src/api). The preload exposes exactly these two objects and nothing else of Electron or Node.
 */

/** The one IPC channel the contract's envelopes travel on, both ways. */
export const IPC_CHANNEL = 'switchyard:message';

/** `window.bridge`: the message pipe for the contract's envelopes. */
export interface Bridge {
  send(message: Message): void;
  onMessage(listener: (message: Message) => void): () => void;
}

/**
 * `window.desktop`: an optional capability, absent in a browser, where the UI falls back to downloads
 * and file inputs. Each call resolves undefined when the user cancels (or the caller is not the app's page).
 */
export interface DesktopCapability {
  /** Opens a file dialog and imports the gateways in the chosen file; returns their names. */
  importYaml(): Promise<string[] | undefined>;
  /** Saves the gateways as YAML through a save dialog; returns the path written. */
  exportYaml(): Promise<string | undefined>;
  /** Saves `text` through a save dialog proposing `name`; returns the path written. */
  saveFile(name: string, text: string): Promise<string | undefined>;
  /** Shows the file the gateways are kept in. */
  revealConfig(): Promise<void>;
}

/** The IPC channel (ipcRenderer.invoke / ipcMain.handle) of each desktop call. */
export const DESKTOP_CHANNELS: { readonly [K in keyof DesktopCapability]: `desktop:${string}` } = {
  importYaml: 'desktop:import-yaml',
  exportYaml: 'desktop:export-yaml',
  saveFile: 'desktop:save-file',
  revealConfig: 'desktop:reveal-config',
};

/** What the preload puts on `window`, by name. */
export interface PreloadSurface {
  bridge: Bridge;
  desktop: DesktopCapability;
}
