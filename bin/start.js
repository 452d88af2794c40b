#!/usr/bin/env node
// `npm start`: the desktop app, or, where it cannot run, the same engine and UI headless
// (`switchyard serve`: open the printed address in a browser), with a one-line reason why.
//
// Electron 45's package has no install script: its binary is downloaded the first time it is needed.
// When it is missing, this runs Electron's own install step (node_modules/electron/install.js, what
// `npx install-electron` runs; it honours ELECTRON_MIRROR and electron_config_cache), then launches.
// SWITCHYARD_HEADLESS=1 skips the desktop app altogether (CI sets it).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(import.meta.dirname, '..');
/** A desktop app that dies this soon after launch failed to start; headless takes over. */
const STARTUP_GRACE_MS = 15_000;

/** node_modules/electron, when installed (it is a devDependency). */
export function electronPackageDir(root = ROOT) {
  try {
    return path.dirname(createRequire(path.join(root, 'package.json')).resolve('electron/package.json'));
  } catch {
    return undefined;
  }
}

/**
 * The binary Electron's own index.js would run, when it is present: found without requiring
 * 'electron', which would start the download as a side effect.
 */
export function installedBinary(dir, env = process.env) {
  let relative;
  try {
    relative = readFileSync(path.join(dir, 'path.txt'), 'utf8').trim();
  } catch {
    relative = undefined;
  }
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (!override && !relative) return undefined;
  const binary = override ? path.join(override, relative || 'electron') : path.join(dir, 'dist', relative);
  return existsSync(binary) ? binary : undefined;
}

/** Runs Electron's install step; returns the binary, or why there is none, in one line. */
export function fetchBinary(dir, { env = process.env, timeoutMs = 10 * 60_000 } = {}) {
  const result = spawnSync(process.execPath, [path.join(dir, 'install.js')], {
    cwd: dir,
    env,
    stdio: ['ignore', 'inherit', 'pipe'],
    encoding: 'utf8',
    timeout: timeoutMs,
  });
  if (result.error) return { reason: `Electron's install step did not finish (${result.error.message})` };
  if (result.status !== 0) {
    const line = (result.stderr ?? '')
      .split('\n')
      .map((l) => l.trim())
      .find((l) => l && !l.startsWith('at '));
    return {
      reason: `Electron's binary could not be downloaded (${line ?? `install step exited with ${result.status ?? result.signal}`})`,
    };
  }
  const binary = installedBinary(dir, env);
  return binary ? { binary } : { reason: "Electron's install step finished but left no binary" };
}

/** Why the desktop app cannot start on this machine before even looking for Electron, if it cannot. */
export function hostProblem({
  env = process.env,
  platform = process.platform,
  uid = process.getuid?.(),
} = {}) {
  if (['1', 'true', 'yes'].includes((env.SWITCHYARD_HEADLESS ?? '').toLowerCase()))
    return 'SWITCHYARD_HEADLESS is set';
  if (platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY)
    return 'there is no display (neither DISPLAY nor WAYLAND_DISPLAY is set)';
  if (platform === 'linux' && uid === 0) return "Electron's sandbox does not run as root";
  return undefined;
}

/**
 * Ubuntu 24.04 and later restrict unprivileged user namespaces with AppArmor; Electron's sandbox then
 * aborts at launch unless its binary has an AppArmor profile that allows them, or its chrome-sandbox
 * helper is setuid root (the sandbox Chromium falls back to). Returns what to do, when blocked.
 */
export function appArmorProblem(
  binary,
  { platform = process.platform, read = readText, profiles = '/etc/apparmor.d' } = {},
) {
  if (platform !== 'linux') return undefined;
  if (read('/proc/sys/kernel/apparmor_restrict_unprivileged_userns')?.trim() !== '1') return undefined;
  const sandbox = path.join(path.dirname(binary), 'chrome-sandbox');
  try {
    const s = statSync(sandbox);
    if (s.uid === 0 && (s.mode & 0o4000) !== 0) return undefined;
  } catch {
    // no helper: only a profile helps
  }
  try {
    for (const name of readdirSync(profiles))
      if (read(path.join(profiles, name))?.includes(binary)) return undefined;
  } catch {
    // no profiles readable
  }
  return (
    `AppArmor restricts the user namespaces Electron's sandbox needs (kernel.apparmor_restrict_unprivileged_userns=1); ` +
    `allow it with: sudo chown root:root ${sandbox} && sudo chmod 4755 ${sandbox} (or see the README, "Ubuntu 24.04")`
  );
}

function readText(file) {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The desktop binary to launch, or the reason to run headless; downloads Electron's binary when missing. */
export function plan({
  root = ROOT,
  env = process.env,
  platform = process.platform,
  uid = process.getuid?.(),
  log = console.log,
} = {}) {
  const problem = hostProblem({ env, platform, uid });
  if (problem) return { reason: problem };
  const dir = electronPackageDir(root);
  if (!dir) return { reason: 'the electron package is not installed (it is a devDependency)' };
  let binary = installedBinary(dir, env);
  if (!binary) {
    const version = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
    log(`switchyard: downloading Electron ${version}'s binary (once; this can take a minute)...`);
    const fetched = fetchBinary(dir, { env });
    if (!fetched.binary) return { reason: fetched.reason };
    binary = fetched.binary;
  }
  const blocked = appArmorProblem(binary, { platform });
  return blocked ? { reason: blocked } : { binary };
}

function headless(reason) {
  console.log(
    `switchyard: ${reason}; running headless instead (the UI is at the control server address below)`,
  );
  run(process.execPath, [path.join(ROOT, 'bin/switchyard.js'), 'serve', ...process.argv.slice(2)]);
}

function run(command, args, onEarlyFailure) {
  const started = Date.now();
  let signalled = false;
  const env = { ...process.env };
  // A shell inherited from an Electron-based editor may carry this; it would make Electron plain Node.
  delete env.ELECTRON_RUN_AS_NODE;
  const child = spawn(command, args, { stdio: 'inherit', env });
  const forward = (signal) => {
    signalled = true;
    child.kill(signal);
  };
  process.on('SIGINT', forward);
  process.on('SIGTERM', forward);
  child.on('error', (err) => {
    if (onEarlyFailure) return fallBack(onEarlyFailure, `the desktop app did not launch (${err.message})`);
    console.error(`switchyard: ${err.message}`);
    process.exit(1);
  });
  child.on('exit', (code, signal) => {
    if (signalled) process.exit(code ?? 0);
    if (onEarlyFailure && code !== 0 && Date.now() - started < STARTUP_GRACE_MS)
      return fallBack(onEarlyFailure, `the desktop app exited at start (${signal ?? `code ${code}`})`);
    process.exit(code ?? 1);
  });
  function fallBack(next, reason) {
    process.off('SIGINT', forward);
    process.off('SIGTERM', forward);
    next(reason);
  }
}

if (path.resolve(process.argv[1] ?? '') === fileURLToPath(import.meta.url)) {
  const decided = plan();
  if (decided.binary) run(decided.binary, [ROOT], headless);
  else headless(decided.reason);
}
