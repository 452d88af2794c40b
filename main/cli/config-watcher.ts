import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Calls `onChange` with the file's new text shortly after it changes. Watches the directory, not the
 * file, because editors save by writing a new file and renaming it over the old one. Unchanged text
 * (a touch, or our own write) is not reported.
 */
export interface ConfigWatcher {
  close(): void;
  /** Marks `text` as known, so that our own write of it is not reported as a change. */
  remember(text: string): void;
}

export function watchConfig(
  file: string,
  lastText: string,
  onChange: (text: string) => void,
  debounceMs = 150,
): ConfigWatcher {
  const dir = path.dirname(path.resolve(file));
  const base = path.basename(file);
  let timer: NodeJS.Timeout | undefined;
  let last = lastText;
  const check = async () => {
    timer = undefined;
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch {
      return; // mid-rename or deleted: the next event will tell
    }
    if (text === last) return;
    last = text;
    onChange(text);
  };
  const watcher = watch(dir, (_event, name) => {
    if (name !== null && name !== base) return;
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), debounceMs);
  });
  watcher.on('error', () => undefined);
  return {
    close: () => watcher.close(),
    remember: (text) => {
      last = text;
    },
  };
}
