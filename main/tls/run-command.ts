import { execFile } from 'node:child_process';

/** What a program said and how it exited; `code` is null when it could not be started (not installed). */
export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program without a shell; tests replace it to see what would run. */
export type RunCommand = (program: string, args: string[]) => Promise<CommandResult>;

export const runCommand: RunCommand = (program, args) =>
  new Promise((resolve) => {
    execFile(program, args, { timeout: 60_000, windowsHide: true }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
      resolve({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });

/** A command as a user would paste it into their shell: POSIX quoting, or double quotes on Windows. */
export function commandLine(words: string[], platform: NodeJS.Platform = process.platform): string {
  return words.map((w) => quote(w, platform)).join(' ');
}

function quote(word: string, platform: NodeJS.Platform): string {
  if (/^[\w@%+=:,./-]+$/.test(word)) return word;
  if (platform === 'win32') return `"${word.replace(/"/g, '""')}"`;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}
