import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { Cleanup } from './cleanup.js';
import { eventually } from './client.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/switchyard.js');

export interface ServeProcess {
  child: ChildProcessWithoutNullStreams;
  out: () => string;
  err: () => string;
  exited: Promise<number | null>;
  /** The control server's port, once it printed it. */
  controlPort: number;
  /** A gateway's port, from its "listening on" line. */
  gatewayPort(name: string): number;
  alive(): boolean;
}

/**
 * `switchyard serve` as a real child process (built output), so a test can see whether anything a client
 * sends takes the process down. Killed after the test.
 */
export async function startServe(
  cleanup: Cleanup,
  args: string[],
  /** Added to the environment (SWITCHYARD_CA_DIR, say). */
  env: NodeJS.ProcessEnv = {},
): Promise<ServeProcess> {
  if (!existsSync(path.join(ROOT, 'dist/main/cli/index.js')))
    throw new Error('the CLI is not built: run `npm run build` first (npm test does)');
  const child = spawn(process.execPath, [BIN, 'serve', '--control-port', '0', ...args], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', ...env },
  });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += String(d)));
  child.stderr.on('data', (d) => (err += String(d)));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  cleanup.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
  });
  const control = () => /control server on http:\/\/127\.0\.0\.1:(\d+)/.exec(out)?.[1];
  await eventually(() => control() !== undefined || child.exitCode !== null, 10_000, 'the control server');
  if (child.exitCode !== null) throw new Error(`serve exited ${child.exitCode}: ${err}`);
  return {
    child,
    out: () => out,
    err: () => err,
    exited,
    controlPort: Number(control()),
    gatewayPort(name) {
      const m = new RegExp(`gateway '${name}' listening on http://127\\.0\\.0\\.1:(\\d+)`).exec(out);
      if (!m) throw new Error(`gateway ${name} is not listening:\n${out}\n${err}`);
      return Number(m[1]);
    },
    alive: () => child.exitCode === null && child.signalCode === null,
  };
}
