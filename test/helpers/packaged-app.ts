import { execFile } from 'node:child_process';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Packs the app with electron-builder exactly as `npm run dist` does (electron-builder.yml: files, asar,
 * fuses), but for Linux into a directory (`--dir`) and against a stand-in unpacked Electron
 * (`-c.electronDist`), so that it runs offline and fast on any machine; then extracts app.asar.
 */
const ROOT = path.resolve(import.meta.dirname, '../..');
const requireHere = createRequire(import.meta.url);

/** electron-builder's own dependencies, resolved from where it resolves them (not hoisting-dependent). */
function builderRequire(id: string): unknown {
  const builder = requireHere.resolve('electron-builder/package.json');
  const lib = createRequire(builder).resolve('app-builder-lib/package.json');
  return createRequire(lib)(id);
}

/** The fuse wire sentinel of @electron/fuses, then the wire: version, length, one state byte per fuse. */
export const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
export const FUSE_NAMES = [
  'runAsNode',
  'enableCookieEncryption',
  'enableNodeOptionsEnvironmentVariable',
  'enableNodeCliInspectArguments',
  'enableEmbeddedAsarIntegrityValidation',
  'onlyLoadAppFromAsar',
  'loadBrowserProcessSpecificV8Snapshot',
  'grantFileProtocolExtraPrivileges',
] as const;
const ENABLED = 0x31;
const DISABLED = 0x30;

/** Electron's own defaults, as an unpacked Electron ships them. */
const DEFAULT_WIRE = [1, 0, 1, 1, 0, 0, 0, 1];

/** Reads the fuse states out of a binary, as @electron/fuses does. */
export function readFuses(binary: Buffer): Record<string, boolean> {
  const at = binary.indexOf(FUSE_SENTINEL);
  if (at < 0) throw new Error('no fuse wire in the binary');
  const wire = at + FUSE_SENTINEL.length;
  const length = binary[wire + 1]!;
  return Object.fromEntries(
    FUSE_NAMES.slice(0, length).map((name, i) => [name, binary[wire + 2 + i] === ENABLED]),
  );
}

/**
 * A stand-in unpacked Electron for Linux: what electron-builder copies and edits. The `electron`
 * executable is a shell script carrying the fuse wire (version 1, eight fuses at Electron's defaults).
 */
export async function writeStandInElectronDist(dir: string, version: string): Promise<void> {
  await mkdir(path.join(dir, 'resources'), { recursive: true });
  await mkdir(path.join(dir, 'locales'), { recursive: true });
  const wire = Buffer.from([1, DEFAULT_WIRE.length, ...DEFAULT_WIRE.map((on) => (on ? ENABLED : DISABLED))]);
  const script = Buffer.from('#!/bin/sh\necho "stand-in Electron: nothing to run"\nexit 1\n# ');
  await writeFile(path.join(dir, 'electron'), Buffer.concat([script, Buffer.from(FUSE_SENTINEL), wire]));
  await chmod(path.join(dir, 'electron'), 0o755);
  await writeFile(path.join(dir, 'chrome-sandbox'), '#!/bin/sh\nexit 1\n', { mode: 0o755 });
  await writeFile(path.join(dir, 'version'), version);
  await writeFile(path.join(dir, 'LICENSE'), 'stand-in');
  await writeFile(path.join(dir, 'LICENSES.chromium.html'), 'stand-in');
}

export interface Packed {
  /** linux-unpacked: the executable, resources/app.asar. */
  unpacked: string;
  executable: string;
  asar: string;
  log: string;
}

export async function packWithElectronBuilder(electronDist: string, output: string): Promise<Packed> {
  const cli = requireHere.resolve('electron-builder/cli.js');
  const env = { ...process.env };
  // Nothing may come from the network, and a developer's signing or publishing settings do not apply.
  for (const key of ['CSC_LINK', 'CSC_KEY_PASSWORD', 'GH_TOKEN', 'GITHUB_TOKEN', 'ELECTRON_BUILDER_CACHE'])
    delete env[key];
  const run = promisify(execFile)(
    process.execPath,
    [
      cli,
      '--dir',
      '--linux',
      '--x64',
      '--publish',
      'never',
      `-c.electronDist=${electronDist}`,
      `-c.directories.output=${output}`,
      '-c.npmRebuild=false',
    ],
    { cwd: ROOT, env, maxBuffer: 16 * 1024 * 1024, timeout: 170_000 },
  );
  const { stdout, stderr } = await run.catch(
    (err: Error & { stdout?: string; stderr?: string; code?: unknown; signal?: unknown }) => {
      throw new Error(
        `electron-builder failed (exit ${String(err.code)}, signal ${String(err.signal)}): ${err.message}\n${err.stdout ?? ''}${err.stderr ?? ''}`,
      );
    },
  );
  const unpacked = path.join(output, 'linux-unpacked');
  return {
    unpacked,
    executable: path.join(unpacked, 'switchyard'),
    asar: path.join(unpacked, 'resources', 'app.asar'),
    log: stdout + stderr,
  };
}

export function extractAsar(asar: string, dest: string): void {
  (builderRequire('@electron/asar') as { extractAll(archive: string, dest: string): void }).extractAll(
    asar,
    dest,
  );
}

export function listAsar(asar: string): string[] {
  return (
    builderRequire('@electron/asar') as { listPackage(archive: string, o: object): string[] }
  ).listPackage(asar, {});
}
