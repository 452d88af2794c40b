#!/usr/bin/env node
// `npm start`: the desktop app when Electron's binary is installed, else the same engine and UI headless
// (open the printed address in a browser). Machines that install with ELECTRON_SKIP_BINARY_DOWNLOAD=1
// have no binary, and should still get a working demo.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
/** The Electron binary, found without requiring 'electron' (which would try to download it). */
function electronBinary() {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('electron/package.json'));
    const relative = readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
    const binary = path.join(dir, 'dist', relative);
    return existsSync(binary) ? binary : undefined;
  } catch {
    return undefined;
  }
}
const electron = electronBinary();
const [command, args] =
  typeof electron === 'string'
    ? [electron, [root]]
    : [process.execPath, [path.join(root, 'bin/switchyard.js'), 'serve', ...process.argv.slice(2)]];
if (typeof electron !== 'string') {
  console.log(
    'switchyard: the Electron binary is not installed here; running headless instead (the UI is at the control server address below)',
  );
}
const child = spawn(command, args, { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
child.on('exit', (code) => process.exit(code ?? 0));
