import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { eventually } from './client.js';

/**
 * Runs the desktop app's built main.js in plain Node, with the recording stand-in for `electron`
 * (test/helpers/electron-stand-in), and reads what it recorded.
 */
const REGISTER = path.join(import.meta.dirname, 'electron-stand-in/register.mjs');

export interface StandInRecord {
  seq: number;
  kind: 'call' | 'event' | 'window' | 'tray' | 'response' | 'send' | 'command' | 'error' | 'exit';
  name: string;
  args?: unknown[];
  [key: string]: unknown;
}

export interface LaunchOptions {
  /** The app's directory: the one holding package.json and dist/ (the project, or an extracted app.asar). */
  appDir: string;
  userData: string;
  /** Where the records go (one file per launch). */
  log: string;
  packaged?: boolean;
  /** Another instance holds the single-instance lock. */
  lockHeld?: boolean;
  /** A second launch and a dock click, again and again, from `ready` until the first window. */
  pokeDuringStartup?: boolean;
}

export interface DesktopApp {
  child: ChildProcess;
  records(): StandInRecord[];
  /** Waits until a record matches, and returns it. */
  waitFor(match: (r: StandInRecord) => boolean, what: string, ms?: number): Promise<StandInRecord>;
  command<T = unknown>(command: string, params?: object): Promise<T>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  output(): string;
}

export function launchDesktopApp(o: LaunchOptions): DesktopApp {
  const main = path.join(o.appDir, 'dist/main/electron/main.js');
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    STAND_IN_LOG: o.log,
    STAND_IN_USER_DATA: o.userData,
    STAND_IN_APP_PATH: o.appDir,
    STAND_IN_PACKAGED: o.packaged ? '1' : '0',
    STAND_IN_LOCK: o.lockHeld ? '0' : '1',
    STAND_IN_SECOND_INSTANCE_DURING_STARTUP: o.pokeDuringStartup ? '1' : '0',
  };
  delete env.NODE_OPTIONS;
  const child = fork(main, [], {
    cwd: o.appDir,
    env,
    execArgv: ['--import', REGISTER],
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal })),
  );
  let nextId = 1;
  const pending = new Map<number, (reply: { ok: boolean; result?: unknown; error?: string }) => void>();
  child.on('message', (reply: { id: number; ok: boolean; result?: unknown; error?: string }) => {
    pending.get(reply.id)?.(reply);
    pending.delete(reply.id);
  });
  const records = (): StandInRecord[] =>
    existsSync(o.log)
      ? readFileSync(o.log, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as StandInRecord)
      : [];
  return {
    child,
    records,
    async waitFor(match, what, ms = 15_000) {
      let found: StandInRecord | undefined;
      const story = () => {
        const all = records();
        const errors = all.filter((r) => r.kind === 'error');
        const last = all.slice(-8).map((r) => `${r.kind} ${r.name}`);
        return `\nerrors: ${JSON.stringify(errors)}\nlast records: ${last.join(' | ')}\noutput:\n${output}`;
      };
      try {
        await eventually(
          () => {
            if (child.exitCode !== null) throw new Error(`the app exited (${child.exitCode}) before ${what}`);
            found = records().find(match);
            return !!found;
          },
          ms,
          what,
        );
      } catch (err) {
        throw new Error(`${(err as Error).message}${story()}`, { cause: err });
      }
      return found!;
    },
    command<T>(command: string, params?: object) {
      const id = nextId++;
      return new Promise<T>((resolve, reject) => {
        pending.set(id, (reply) =>
          reply.ok ? resolve(reply.result as T) : reject(new Error(`${command}: ${reply.error}`)),
        );
        child.send({ id, command, params });
      });
    },
    exited,
    output: () => output,
  };
}

/** Index of the first record matching, or -1. */
export function indexOf(records: StandInRecord[], match: (r: StandInRecord) => boolean): number {
  return records.findIndex(match);
}

export const isCall =
  (name: string, firstArg?: unknown) =>
  (r: StandInRecord): boolean =>
    r.kind === 'call' && r.name === name && (firstArg === undefined || r.args?.[0] === firstArg);
