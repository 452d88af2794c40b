import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { findNssDbs, namedNssDbs, NSS_NICKNAME, nssPrefix, type NssDb } from './nss-db.js';
import { commandLine, runCommand, type RunCommand } from './run-command.js';
import type { TrustChange, TrustState, TrustStatus } from '../../shared/ca-status.js';

export type { TrustChange, TrustState, TrustStatus };

/** The CA as trust stores see it: its certificate file and PEM. */
export interface CaCertificate {
  path: string;
  pem: string;
}

/** Where to look and how to act; everything a test needs to point the trust stores at temporary ones. */
export interface TrustEnvironment {
  platform: NodeJS.Platform;
  home: string;
  /** NSS databases to use instead of the ones found under `home` (Firefox profiles, ~/.pki/nssdb). */
  nssDbs?: string[];
  /** The root of the system's file tree, where the system trust directories are looked up ('/'). */
  root?: string;
  run?: RunCommand;
}

interface TrustStore {
  name: string;
  status(ca: CaCertificate): Promise<TrustStatus>;
  install(ca: CaCertificate): Promise<TrustChange>;
  uninstall(ca: CaCertificate): Promise<TrustChange>;
}

/** The system-wide Linux stores: a PEM file in a directory, then the distribution's update command. */
const LINUX_SYSTEM_STORES = [
  {
    name: 'system store (Debian, Ubuntu)',
    dir: '/usr/local/share/ca-certificates',
    file: 'switchyard-local-ca.crt', // update-ca-certificates only reads *.crt
    update: ['update-ca-certificates'],
  },
  {
    name: 'system store (Fedora, RHEL)',
    dir: '/etc/pki/ca-trust/source/anchors',
    file: 'switchyard-local-ca.pem',
    update: ['update-ca-trust'],
  },
  {
    name: 'system store (Arch)',
    dir: '/etc/ca-certificates/trust-source/anchors',
    file: 'switchyard-local-ca.pem',
    update: ['update-ca-trust'],
  },
];

/** Every store this machine has that Switchyard knows of, in the order they are reported. */
export async function trustStores(env: TrustEnvironment): Promise<TrustStore[]> {
  const run = env.run ?? runCommand;
  const nss = env.nssDbs ? namedNssDbs(env.nssDbs) : await findNssDbs(env.home, env.platform);
  const stores = nss.map((db) => nssStore(db, run, env.platform));
  if (env.platform === 'linux') stores.push(...linuxSystemStores(env.root ?? '/'));
  if (env.platform === 'darwin') stores.push(macKeychain(env.home, run));
  if (env.platform === 'win32') stores.push(windowsUserStore(run));
  return stores;
}

export async function trustStatus(ca: CaCertificate, env: TrustEnvironment): Promise<TrustStatus[]> {
  return Promise.all((await trustStores(env)).map((s) => s.status(ca)));
}

/** Changes one store after another: certutil and the keychain do not like concurrent writers. */
export async function installTrust(ca: CaCertificate, env: TrustEnvironment): Promise<TrustChange[]> {
  const changes: TrustChange[] = [];
  for (const store of await trustStores(env)) changes.push(await store.install(ca));
  return changes;
}

export async function uninstallTrust(ca: CaCertificate, env: TrustEnvironment): Promise<TrustChange[]> {
  const changes: TrustChange[] = [];
  for (const store of await trustStores(env)) changes.push(await store.uninstall(ca));
  return changes;
}

function nssStore(db: NssDb, run: RunCommand, platform: NodeJS.Platform): TrustStore {
  const store = `${db.label} (${db.dir})`;
  const name = () => nssPrefix(db.dir) ?? `sql:${db.dir}`;
  const add = (ca: CaCertificate) => [
    'certutil',
    '-A',
    '-d',
    name(),
    '-t',
    'C,,',
    '-n',
    NSS_NICKNAME,
    '-i',
    ca.path,
  ];
  const del = () => ['certutil', '-D', '-d', name(), '-n', NSS_NICKNAME];
  const manual = (message: string, commands: string[][]): TrustChange => ({
    store,
    done: false,
    message,
    commands: commands.map((c) => commandLine(c, platform)),
  });
  const present = async (ca: CaCertificate): Promise<TrustState | 'no-certutil' | 'no-db'> => {
    if (!nssPrefix(db.dir)) return 'no-db';
    const r = await run('certutil', ['-L', '-d', name(), '-n', NSS_NICKNAME, '-a']);
    if (r.code === null) return 'no-certutil';
    if (r.code !== 0) return 'not-trusted';
    return samePem(r.stdout, ca.pem) ? 'trusted' : 'other';
  };
  // Deleting by nickname removes one certificate a time; an old and a new CA may both be there.
  const deleteAll = async () => {
    for (let i = 0; i < 10; i++) if ((await run('certutil', del().slice(1))).code !== 0) return;
  };
  return {
    name: store,
    async status(ca) {
      const state = await present(ca);
      if (state === 'no-certutil') return { store, state: 'unknown', detail: 'certutil is not installed' };
      if (state === 'no-db') return { store, state: 'unknown', detail: 'no NSS database there' };
      return { store, state };
    },
    async install(ca) {
      const state = await present(ca);
      if (state === 'no-certutil')
        return manual('certutil is not installed (Debian, Ubuntu: sudo apt install libnss3-tools)', [
          add(ca),
        ]);
      if (state === 'no-db') return manual('no NSS database there', []);
      if (state === 'trusted') return { store, done: true, message: 'already trusted', commands: [] };
      await deleteAll();
      const r = await run('certutil', add(ca).slice(1));
      if (r.code !== 0) return manual(`certutil failed: ${firstLine(r.stderr)}`, [add(ca)]);
      return { store, done: true, message: 'trusted', commands: [] };
    },
    async uninstall(ca) {
      const state = await present(ca);
      if (state === 'no-certutil') return manual('certutil is not installed', [del()]);
      if (state === 'no-db' || state === 'not-trusted')
        return { store, done: true, message: 'not there', commands: [] };
      await deleteAll();
      return (await present(ca)) === 'not-trusted'
        ? { store, done: true, message: 'removed', commands: [] }
        : manual('certutil could not remove it', [del()]);
    },
  };
}

/** Never run with sudo on the user's behalf: print what to run, and check the file where we can. */
function linuxSystemStores(root: string): TrustStore[] {
  return LINUX_SYSTEM_STORES.filter((s) => existsSync(path.join(root, s.dir))).map((s) => {
    const target = path.posix.join(s.dir, s.file);
    const state = async (ca: CaCertificate): Promise<TrustState> => {
      const text = await readFile(path.join(root, target), 'utf8').catch(() => undefined);
      return text === undefined ? 'not-trusted' : samePem(text, ca.pem) ? 'trusted' : 'other';
    };
    const sudo = (words: string[]) => commandLine(['sudo', ...words], 'linux');
    return {
      name: s.name,
      status: async (ca) => ({ store: s.name, state: await state(ca), detail: target }),
      install: async (ca) =>
        (await state(ca)) === 'trusted'
          ? { store: s.name, done: true, message: 'already trusted', commands: [] }
          : {
              store: s.name,
              done: false,
              message: 'needs root; run',
              commands: [`${sudo(['cp', ca.path, target])} && ${sudo(s.update)}`],
            },
      uninstall: async (ca) =>
        (await state(ca)) === 'not-trusted'
          ? { store: s.name, done: true, message: 'not there', commands: [] }
          : {
              store: s.name,
              done: false,
              message: 'needs root; run',
              commands: [`${sudo(['rm', '-f', target])} && ${sudo(s.update)}`],
            },
    };
  });
}

/** The login keychain needs no sudo; macOS asks for the user's password itself. */
function macKeychain(home: string, run: RunCommand): TrustStore {
  const store = 'macOS login keychain';
  const keychain = path.posix.join(home, 'Library/Keychains/login.keychain-db');
  const add = (ca: CaCertificate) => [
    'security',
    'add-trusted-cert',
    '-r',
    'trustRoot',
    '-k',
    keychain,
    ca.path,
  ];
  const remove = (ca: CaCertificate) => [
    'security',
    'delete-certificate',
    '-Z',
    sha1(ca.pem),
    '-t',
    keychain,
  ];
  return viaCommands(store, run, 'darwin', {
    check: (ca) => ['security', 'verify-cert', '-c', ca.path],
    add,
    remove,
  });
}

/** The current user's Root store: no administrator needed; Windows shows its own confirmation. */
function windowsUserStore(run: RunCommand): TrustStore {
  const serial = (ca: CaCertificate) => new X509Certificate(ca.pem).serialNumber;
  return viaCommands('Windows user Root store', run, 'win32', {
    check: (ca) => ['certutil', '-user', '-verifystore', 'Root', serial(ca)],
    add: (ca) => ['certutil', '-user', '-addstore', 'Root', ca.path],
    remove: (ca) => ['certutil', '-user', '-delstore', 'Root', serial(ca)],
  });
}

/** A store driven by three commands: one that exits 0 when the CA is trusted, one to add, one to remove. */
function viaCommands(
  store: string,
  run: RunCommand,
  platform: NodeJS.Platform,
  commands: Record<'check' | 'add' | 'remove', (ca: CaCertificate) => string[]>,
): TrustStore {
  const exec = (words: string[]) => run(words[0] ?? '', words.slice(1));
  const trusted = async (ca: CaCertificate) => (await exec(commands.check(ca))).code === 0;
  const change = async (ca: CaCertificate, which: 'add' | 'remove', done: string): Promise<TrustChange> => {
    const words = commands[which](ca);
    const r = await exec(words);
    return r.code === 0
      ? { store, done: true, message: done, commands: [] }
      : {
          store,
          done: false,
          message: `failed (${firstLine(r.stderr) || `exit ${r.code}`}); run`,
          commands: [commandLine(words, platform)],
        };
  };
  return {
    name: store,
    status: async (ca) => ({ store, state: (await trusted(ca)) ? 'trusted' : 'not-trusted' }),
    install: async (ca) =>
      (await trusted(ca))
        ? { store, done: true, message: 'already trusted', commands: [] }
        : change(ca, 'add', 'trusted'),
    uninstall: async (ca) =>
      (await trusted(ca))
        ? change(ca, 'remove', 'removed')
        : { store, done: true, message: 'not there', commands: [] },
  };
}

/** PEM text compared by the certificate it encodes, not by line breaks. */
function samePem(a: string, b: string): boolean {
  try {
    return new X509Certificate(a).raw.equals(new X509Certificate(b).raw);
  } catch {
    return false;
  }
}

function sha1(pem: string): string {
  return new X509Certificate(pem).fingerprint.replace(/:/g, '');
}

function firstLine(text: string): string {
  return text.trim().split('\n')[0] ?? '';
}
