import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '../../helpers/client.js';

/** `npm start` (bin/start.js): fetch Electron's binary when missing, else fall back to headless with a reason. */
const ROOT = path.resolve(import.meta.dirname, '../../..');
const START = path.join(ROOT, 'bin/start.js');

type Fetched = { binary?: string; reason?: string };
interface StartModule {
  installedBinary(dir: string, env?: NodeJS.ProcessEnv): string | undefined;
  fetchBinary(dir: string, o?: { env?: NodeJS.ProcessEnv; timeoutMs?: number }): Fetched;
  hostProblem(o: { env: NodeJS.ProcessEnv; platform: string; uid?: number }): string | undefined;
  appArmorProblem(
    binary: string,
    o: { platform: string; read: (file: string) => string | undefined; profiles: string },
  ): string | undefined;
  plan(o: {
    root: string;
    env: NodeJS.ProcessEnv;
    platform: string;
    uid?: number;
    log: (line: string) => void;
  }): Fetched;
}
// A computed specifier: bin/ is plain JavaScript, outside the type-checked sources.
const start = (await import(pathToFileURL(START).href)) as StartModule;

const work = mkdtempSync(path.join(tmpdir(), 'switchyard-start-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
let n = 0;

/** A project with an `electron` package whose install step does what `script` says. */
function project(installScript: string): { root: string; electron: string } {
  const root = path.join(work, `project-${++n}`);
  const electron = path.join(root, 'node_modules/electron');
  mkdirSync(electron, { recursive: true });
  writeFileSync(path.join(root, 'package.json'), '{"name":"p","type":"module"}');
  writeFileSync(
    path.join(electron, 'package.json'),
    '{"name":"electron","version":"45.4.1","main":"index.js"}',
  );
  writeFileSync(path.join(electron, 'install.js'), installScript);
  return { root, electron };
}
const INSTALLS = `const fs = require('fs'), path = require('path');
fs.mkdirSync(path.join(__dirname, 'dist'), { recursive: true });
fs.writeFileSync(path.join(__dirname, 'dist', 'electron'), '');
fs.writeFileSync(path.join(__dirname, 'path.txt'), 'electron');`;
const OFFLINE = `console.error(\`TypeError: fetch failed
    at node:internal/deps/undici/undici:15270:13
    at async downloadArtifact (file:///x/@electron/get/dist/index.js:154:12)\`);
process.exit(1);`;
const desktop = { DISPLAY: ':0' };

describe('the Electron binary', () => {
  it('is found from path.txt, as Electron finds it, and only when the file is there', () => {
    const { electron } = project(INSTALLS);
    expect(start.installedBinary(electron, {})).toBeUndefined();
    writeFileSync(path.join(electron, 'path.txt'), 'electron');
    expect(start.installedBinary(electron, {})).toBeUndefined();
    mkdirSync(path.join(electron, 'dist'));
    writeFileSync(path.join(electron, 'dist/electron'), '');
    expect(start.installedBinary(electron, {})).toBe(path.join(electron, 'dist/electron'));
  });

  it("is fetched by Electron's own install step when missing", () => {
    const { electron } = project(INSTALLS);
    expect(start.fetchBinary(electron, { env: {} })).toEqual({
      binary: path.join(electron, 'dist/electron'),
    });
  });

  it('gives a one-line reason when the download fails', () => {
    const { electron } = project(OFFLINE);
    expect(start.fetchBinary(electron, { env: {} })).toEqual({
      reason: "Electron's binary could not be downloaded (TypeError: fetch failed)",
    });
  });
});

describe('the plan', () => {
  it('downloads, then launches the binary', () => {
    const { root, electron } = project(INSTALLS);
    const log: string[] = [];
    expect(start.plan({ root, env: desktop, platform: 'darwin', uid: 501, log: (l) => log.push(l) })).toEqual(
      { binary: path.join(electron, 'dist/electron') },
    );
    expect(log).toEqual([
      "switchyard: downloading Electron 45.4.1's binary (once; this can take a minute)...",
    ]);
  });

  it('runs headless, with the reason, when the download fails or Electron is not installed', () => {
    const offline = project(OFFLINE);
    expect(
      start.plan({ root: offline.root, env: desktop, platform: 'darwin', uid: 501, log: () => {} }),
    ).toEqual({ reason: "Electron's binary could not be downloaded (TypeError: fetch failed)" });
    const bare = path.join(work, 'bare');
    mkdirSync(bare);
    writeFileSync(path.join(bare, 'package.json'), '{}');
    expect(start.plan({ root: bare, env: desktop, platform: 'darwin', uid: 501, log: () => {} })).toEqual({
      reason: 'the electron package is not installed (it is a devDependency)',
    });
  });

  it('does not download where the desktop app cannot run', () => {
    const { root, electron } = project(INSTALLS);
    const plan = (env: NodeJS.ProcessEnv, platform: string, uid?: number) =>
      start.plan({ root, env, platform, uid, log: () => {} });
    expect(plan({ ...desktop, SWITCHYARD_HEADLESS: '1' }, 'darwin')).toEqual({
      reason: 'SWITCHYARD_HEADLESS is set',
    });
    expect(plan({}, 'linux', 1000)).toEqual({
      reason: 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)',
    });
    expect(plan({ WAYLAND_DISPLAY: 'wayland-0' }, 'linux', 0)).toEqual({
      reason: "Electron's sandbox does not run as root",
    });
    expect(start.installedBinary(electron, {})).toBeUndefined();
  });
});

describe("AppArmor's user-namespace restriction (Ubuntu 24.04 and later)", () => {
  const binary = '/home/me/switchyard/node_modules/electron/dist/electron';
  const profiles = path.join(work, 'apparmor.d');
  mkdirSync(profiles, { recursive: true });
  const restricted = (file: string) =>
    file.endsWith('apparmor_restrict_unprivileged_userns') ? '1\n' : undefined;

  it('is explained with what to do, when it would stop the sandbox', () => {
    const problem = start.appArmorProblem(binary, { platform: 'linux', read: restricted, profiles });
    expect(problem).toContain('kernel.apparmor_restrict_unprivileged_userns=1');
    expect(problem).toContain(
      'sudo chown root:root /home/me/switchyard/node_modules/electron/dist/chrome-sandbox',
    );
  });

  it('is no problem when off, elsewhere, or when a profile covers the binary', () => {
    expect(start.appArmorProblem(binary, { platform: 'linux', read: () => '0\n', profiles })).toBeUndefined();
    expect(start.appArmorProblem(binary, { platform: 'darwin', read: restricted, profiles })).toBeUndefined();
    writeFileSync(
      path.join(profiles, 'switchyard-dev'),
      `profile electron-dev ${binary} flags=(unconfined) {}`,
    );
    const read = (file: string) =>
      file.startsWith(profiles) ? `profile electron-dev ${binary} flags=(unconfined) {}` : restricted(file);
    expect(start.appArmorProblem(binary, { platform: 'linux', read, profiles })).toBeUndefined();
  });
});

describe('npm start with SWITCHYARD_HEADLESS=1 (as on CI)', () => {
  it('says why in one line and serves the UI headless', async () => {
    const cwd = path.join(work, 'cwd');
    mkdirSync(cwd);
    const child = spawn(process.execPath, [START, '--demo-port', '0', '--control-port', '0'], {
      cwd,
      env: { ...process.env, SWITCHYARD_HEADLESS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    try {
      await eventually(() => out.includes('switchyard: control server on'), 15_000, 'the control server');
      expect(out.split('\n')[0]).toBe(
        'switchyard: SWITCHYARD_HEADLESS is set; running headless instead (the UI is at the control server address below)',
      );
    } finally {
      child.kill('SIGTERM');
      await exited;
    }
  });
});
