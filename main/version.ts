import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Switchyard's version, from its package.json: the one place it is read, for `--version`, the app info
 * the UI shows, export headers and HAR creators alike. The nearest package.json above this file is the
 * project's in every layout: the sources (tests), the build (dist/) and the packaged app.asar, whose
 * files Electron's fs reads as any others.
 */
function readVersion(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
    if (dir === path.dirname(dir)) throw new Error(`no package.json above ${from}`);
  }
}

export const VERSION = readVersion(import.meta.dirname);
