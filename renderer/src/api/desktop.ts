/**
 * The desktop app's optional capability object (see the preload). In a browser it is absent, and the
 * UI falls back to downloads and file inputs.
 */
export interface DesktopCapability {
  importYaml(): Promise<string[] | undefined>;
  exportYaml(): Promise<string | undefined>;
  saveFile(name: string, text: string): Promise<string | undefined>;
  revealConfig(): Promise<void>;
}

export function desktop(): DesktopCapability | undefined {
  return (window as unknown as { desktop?: DesktopCapability }).desktop;
}

/** Saves text as a file: the desktop's save dialog, or a browser download. */
export async function saveText(name: string, text: string, type = 'application/json'): Promise<void> {
  const d = desktop();
  if (d) {
    await d.saveFile(name, text);
    return;
  }
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}
