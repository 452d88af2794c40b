import type { Bridge, DesktopCapability } from '../../../shared/api/desktop.js';

export type { DesktopCapability };

declare global {
  /** What the desktop app's preload adds (shared/api/desktop.ts); in a browser, neither is there. */
  interface Window {
    bridge?: Bridge;
    desktop?: DesktopCapability;
  }
}

/** The desktop app's optional capability object; absent in a browser, where the UI falls back to downloads and file inputs. */
export function desktop(): DesktopCapability | undefined {
  return window.desktop;
}

/** The desktop app's message pipe to the main process; absent in a browser. */
export function bridge(): Bridge | undefined {
  return window.bridge;
}

/** Downloads what the control server serves at `url` (same origin: the session cookie goes along). */
export function download(url: string, name: string): void {
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
}

/** Saves text as a file: the desktop's save dialog, or a browser download. */
export async function saveText(name: string, text: string, type = 'application/json'): Promise<void> {
  const d = desktop();
  if (d) {
    await d.saveFile(name, text);
    return;
  }
  const url = URL.createObjectURL(new Blob([text], { type }));
  download(url, name);
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
