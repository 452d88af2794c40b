import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../../helpers/cleanup.js';
import { LocalCa } from '../../../../main/tls/local-ca.js';
import { commandLine, type RunCommand } from '../../../../main/tls/run-command.js';
import {
  installTrust,
  trustStatus,
  uninstallTrust,
  type CaCertificate,
} from '../../../../main/tls/trust-store.js';

const cleanup = cleanupAfterEach();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-trust-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

async function caIn(dir: string): Promise<CaCertificate> {
  const ca = new LocalCa(path.join(dir, 'ca'));
  return { path: await ca.certificatePath(), pem: await ca.caPem() };
}

/** A stand-in for the programs: records each call and answers with the exit code `answer` gives. */
function fakeRun(answer: (program: string, args: string[]) => number | null): {
  run: RunCommand;
  calls: string[];
} {
  const calls: string[] = [];
  const run: RunCommand = (program, args) => {
    calls.push([program, ...args].join(' '));
    return Promise.resolve({ code: answer(program, args), stdout: '', stderr: 'denied\n' });
  };
  return { run, calls };
}

describe('Linux system stores', () => {
  it('are never changed, only checked; trust and uninstall print the sudo commands', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'root');
    await mkdir(path.join(root, 'usr/local/share/ca-certificates'), { recursive: true });
    const ca = await caIn(dir);
    const env = { platform: 'linux' as const, home: dir, root, nssDbs: [] };

    expect(await trustStatus(ca, env)).toEqual([
      {
        store: 'system store (Debian, Ubuntu)',
        state: 'not-trusted',
        detail: '/usr/local/share/ca-certificates/switchyard-local-ca.crt',
      },
    ]);
    const [install] = await installTrust(ca, env);
    expect(install?.done).toBe(false);
    expect(install?.commands).toEqual([
      `sudo cp ${ca.path} /usr/local/share/ca-certificates/switchyard-local-ca.crt && sudo update-ca-certificates`,
    ]);

    await writeFile(path.join(root, 'usr/local/share/ca-certificates/switchyard-local-ca.crt'), ca.pem);
    expect((await trustStatus(ca, env))[0]?.state).toBe('trusted');
    expect((await installTrust(ca, env))[0]?.message).toBe('already trusted');
    expect((await uninstallTrust(ca, env))[0]?.commands).toEqual([
      'sudo rm -f /usr/local/share/ca-certificates/switchyard-local-ca.crt && sudo update-ca-certificates',
    ]);
  });

  it('says when the file there is another CA', async () => {
    const dir = await tempDir();
    const root = path.join(dir, 'root');
    await mkdir(path.join(root, 'etc/pki/ca-trust/source/anchors'), { recursive: true });
    const other = await caIn(path.join(dir, 'old'));
    await writeFile(path.join(root, 'etc/pki/ca-trust/source/anchors/switchyard-local-ca.pem'), other.pem);
    const status = await trustStatus(await caIn(dir), { platform: 'linux', home: dir, root, nssDbs: [] });
    expect(status).toEqual([
      expect.objectContaining({ store: 'system store (Fedora, RHEL)', state: 'other' }),
    ]);
  });
});

describe('NSS databases without certutil', () => {
  it('print the certutil command and how to install certutil', async () => {
    const dir = await tempDir();
    const db = path.join(dir, 'nssdb');
    await mkdir(db);
    await writeFile(path.join(db, 'cert9.db'), '');
    const ca = await caIn(dir);
    const { run } = fakeRun(() => null);
    const env = { platform: 'linux' as const, home: dir, root: path.join(dir, 'none'), nssDbs: [db], run };
    expect((await trustStatus(ca, env))[0]).toMatchObject({
      state: 'unknown',
      detail: 'certutil is not installed',
    });
    const [change] = await installTrust(ca, env);
    expect(change?.done).toBe(false);
    expect(change?.message).toMatch(/libnss3-tools/);
    expect(change?.commands).toEqual([
      `certutil -A -d sql:${db} -t C,, -n 'Switchyard Local CA' -i ${ca.path}`,
    ]);
  });
});

describe('macOS login keychain', () => {
  it('adds the CA as a trusted root without sudo, and prints the command when that fails', async () => {
    const dir = await tempDir();
    const ca = await caIn(dir);
    const keychain = '/Users/u/Library/Keychains/login.keychain-db';
    const ok = fakeRun((_p, args) => (args[0] === 'verify-cert' ? 1 : 0));
    const [done] = await installTrust(ca, { platform: 'darwin', home: '/Users/u', nssDbs: [], run: ok.run });
    expect(done).toMatchObject({ store: 'macOS login keychain', done: true, message: 'trusted' });
    expect(ok.calls).toEqual([
      `security verify-cert -c ${ca.path}`,
      `security add-trusted-cert -r trustRoot -k ${keychain} ${ca.path}`,
    ]);

    const denied = fakeRun(() => 1);
    const [failed] = await installTrust(ca, {
      platform: 'darwin',
      home: '/Users/u',
      nssDbs: [],
      run: denied.run,
    });
    expect(failed).toMatchObject({ done: false, message: 'failed (denied); run' });
    expect(failed?.commands).toEqual([`security add-trusted-cert -r trustRoot -k ${keychain} ${ca.path}`]);
  });
});

describe('Windows user Root store', () => {
  it('uses certutil -user (no administrator) and removes by serial number', async () => {
    const dir = await tempDir();
    const ca = await caIn(dir);
    const trusted = fakeRun(() => 0);
    const [removed] = await uninstallTrust(ca, { platform: 'win32', home: 'C:\\Users\\u', run: trusted.run });
    expect(removed).toMatchObject({ store: 'Windows user Root store', done: true, message: 'removed' });
    expect(trusted.calls[1]).toMatch(/^certutil -user -delstore Root [0-9A-F]+$/);
    const fresh = fakeRun((_p, args) => (args[1] === '-verifystore' ? 1 : 0));
    await installTrust(ca, { platform: 'win32', home: 'C:\\Users\\u', run: fresh.run });
    expect(fresh.calls[1]).toBe(`certutil -user -addstore Root ${ca.path}`);
  });
});

describe('commandLine', () => {
  it('quotes words for the shell the user pastes into', () => {
    expect(commandLine(['cp', '/a b/c', "it's"], 'linux')).toBe(`cp '/a b/c' 'it'\\''s'`);
    expect(commandLine(['certutil', 'C:\\Users\\A B\\ca.pem'], 'win32')).toBe(
      'certutil "C:\\Users\\A B\\ca.pem"',
    );
  });
});
