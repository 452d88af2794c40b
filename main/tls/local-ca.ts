import { randomBytes } from 'node:crypto';
import { chmod, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Issuer, KeyPairPem } from './certificates.js';
import { normalizeNames, withNewline } from './names.js';

/**
 * The X.509 code (with its library and polyfill, some 20 MB) is loaded when a certificate is first made
 * or read, not when Switchyard starts: most sessions never need one.
 */
const x509 = () => import('./certificates.js');

/** The CA's private key followed by its certificate; the one file that defines the CA (mode 0600). */
export const CA_KEY_FILE = 'ca-key.pem';
/** The CA certificate alone: the file users give to trust stores, curl --cacert and NODE_EXTRA_CA_CERTS. */
export const CA_CERT_FILE = 'ca-cert.pem';

const DAY = 24 * 60 * 60 * 1000;

export interface LocalCaOptions {
  /** The clock, in ms since the epoch; tests move it to see leaves expire. */
  now?: () => number;
  /** How long a leaf is valid (default 7 days): short, so a leaked leaf key is not useful for long. */
  leafLifetimeMs?: number;
  /** A cached leaf is re-issued once less than this remains (default 1 day). */
  renewBeforeMs?: number;
  /** How many name sets keep a leaf in memory; SNI names come from clients, so the cache is bounded. */
  maxCachedLeaves?: number;
}

interface Leaf extends KeyPairPem {
  notAfter: number;
}

/**
 * The local certificate authority: created in `dir` on first use, it issues short-lived certificates for
 * the names the gateways serve. Several processes (the desktop app and `switchyard serve`) may share `dir`.
 */
export class LocalCa {
  private issuer?: Promise<Issuer & { pem: string }>;
  private readonly leaves = new Map<string, Promise<Leaf>>();
  private readonly now: () => number;
  private readonly leafLifetimeMs: number;
  private readonly renewBeforeMs: number;
  private readonly maxCachedLeaves: number;

  constructor(
    private readonly dir: string,
    options: LocalCaOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.leafLifetimeMs = options.leafLifetimeMs ?? 7 * DAY;
    this.renewBeforeMs = options.renewBeforeMs ?? DAY;
    this.maxCachedLeaves = options.maxCachedLeaves ?? 1000;
  }

  /** The CA certificate's file (PEM); the CA is created on first use of any method. */
  async certificatePath(): Promise<string> {
    await this.load();
    return path.join(this.dir, CA_CERT_FILE);
  }

  /** The CA certificate, PEM. */
  async caPem(): Promise<string> {
    return (await this.load()).pem;
  }

  /**
   * A key and certificate (PEM) for these names (DNS names, `*.x` wildcards, IPv4/IPv6 literals), issued on
   * demand, cached by the sorted name list, renewed before expiry.
   */
  async issue(names: string[]): Promise<{ cert: string; key: string }> {
    const sorted = normalizeNames(names);
    const cacheKey = sorted.join(',');
    for (;;) {
      const pending = this.leaves.get(cacheKey);
      if (!pending) break;
      const leaf = await pending.catch(() => undefined);
      if (leaf && leaf.notAfter - this.now() > this.renewBeforeMs) return { cert: leaf.cert, key: leaf.key };
      // Stale or failed: the first caller to get here replaces it; the others loop and wait for that one.
      if (this.leaves.get(cacheKey) === pending) {
        this.leaves.delete(cacheKey);
        break;
      }
    }
    const created = this.load().then(async (issuer) =>
      (await x509()).createLeaf(issuer, sorted, this.now(), this.leafLifetimeMs),
    );
    this.remember(cacheKey, created);
    const leaf = await created;
    return { cert: leaf.cert, key: leaf.key };
  }

  private remember(cacheKey: string, leaf: Promise<Leaf>): void {
    this.leaves.set(cacheKey, leaf);
    leaf.catch(() => {
      if (this.leaves.get(cacheKey) === leaf) this.leaves.delete(cacheKey);
    });
    // Map order is insertion order: the first key is the oldest issuance.
    while (this.leaves.size > this.maxCachedLeaves) {
      const oldest = this.leaves.keys().next().value;
      if (oldest === undefined) break;
      this.leaves.delete(oldest);
    }
  }

  private load(): Promise<Issuer & { pem: string }> {
    this.issuer ??= loadOrCreate(this.dir, this.now()).catch((e: unknown) => {
      this.issuer = undefined; // a later call may succeed (e.g. once the directory is writable)
      throw e;
    });
    return this.issuer;
  }
}

async function loadOrCreate(dir: string, now: number): Promise<Issuer & { pem: string }> {
  const { createCa, loadIssuer } = await x509();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const keyFile = path.join(dir, CA_KEY_FILE);
  let pem = await readCa(keyFile);
  if (!pem) {
    const created = await createCa(caCommonName(), now);
    pem = (await publishExclusive(keyFile, `${created.key}${created.cert}`))
      ? created
      : await readCa(keyFile);
    if (!pem) throw new Error(`${keyFile}: the CA could not be read back after creating it`);
  }
  await writeAtomic(path.join(dir, CA_CERT_FILE), pem.cert, 0o644);
  return { ...(await loadIssuer(pem)), pem: pem.cert };
}

/** The key file holds the key and the certificate; undefined when it does not exist yet. */
async function readCa(keyFile: string): Promise<KeyPairPem | undefined> {
  let text: string;
  try {
    text = await readFile(keyFile, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const key = /-----BEGIN PRIVATE KEY-----[\s\S]+?-----END PRIVATE KEY-----\n?/.exec(text)?.[0];
  const cert = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----\n?/.exec(text)?.[0];
  if (!key || !cert)
    throw new Error(`${keyFile}: not a Switchyard CA (a private key and a certificate); move it away`);
  return { key: withNewline(key), cert: withNewline(cert) };
}

/**
 * Writes `text` to `file` only if it does not exist, all at once: a hard link of a finished temporary file
 * fails with EEXIST when another process published first, so two processes never mix their CAs.
 */
async function publishExclusive(file: string, text: string): Promise<boolean> {
  const temp = tempName(file);
  await writeFile(temp, text, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(temp, 0o600); // the umask may have narrowed it further; never widened, but be exact
    await link(temp, file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  } finally {
    await rm(temp, { force: true });
  }
}

/** Readers never see a half-written file: write a temporary file, then rename it over the old one. */
async function writeAtomic(file: string, text: string, mode: number): Promise<void> {
  const temp = tempName(file);
  try {
    await writeFile(temp, text, { mode, flag: 'wx' });
    await rename(temp, file);
  } finally {
    await rm(temp, { force: true });
  }
}

function tempName(file: string): string {
  return `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
}

/** `Switchyard Local CA (user@host)`: says whose machine a CA came from when several show in a trust store. */
function caCommonName(): string {
  let user = process.env.USER ?? process.env.USERNAME ?? 'user';
  try {
    user = os.userInfo().username;
  } catch {
    // no passwd entry (some containers): keep the environment's name
  }
  return `Switchyard Local CA (${user}@${os.hostname()})`;
}

/**
 * Where the CLI keeps the CA: `$SWITCHYARD_CA_DIR`, else `ca` under the user's config directory
 * (`$XDG_CONFIG_HOME/switchyard` or `~/.config/switchyard` on Linux, `~/Library/Application Support/switchyard`
 * on macOS, `%APPDATA%\switchyard` on Windows).
 */
export function defaultCaDir(
  platform: NodeJS.Platform = process.platform,
  env: NodeJS.ProcessEnv = process.env,
  home: string = os.homedir(),
): string {
  if (env.SWITCHYARD_CA_DIR) return env.SWITCHYARD_CA_DIR;
  if (platform === 'win32') {
    const appData = env.APPDATA || path.win32.join(home, 'AppData', 'Roaming');
    return path.win32.join(appData, 'switchyard', 'ca');
  }
  if (platform === 'darwin')
    return path.posix.join(home, 'Library', 'Application Support', 'switchyard', 'ca');
  // The XDG spec says a relative XDG_CONFIG_HOME is invalid and to be ignored.
  const xdg =
    env.XDG_CONFIG_HOME && path.posix.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : undefined;
  return path.posix.join(xdg ?? path.posix.join(home, '.config'), 'switchyard', 'ca');
}
