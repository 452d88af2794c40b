import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../helpers/cleanup.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const BIN = path.join(ROOT, 'bin/switchyard.js');
const execFileP = promisify(execFile);
const hasCertutil = await execFileP('certutil', ['--help']).then(
  () => true,
  (e: { code?: unknown }) => e.code !== 'ENOENT', // certutil --help exits 1, but it ran
);

beforeAll(() => {
  if (!existsSync(path.join(ROOT, 'dist/main/cli/index.js')))
    throw new Error('the CLI is not built: run `npm run build` first (npm test does)');
});

const cleanup = cleanupAfterEach();

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ca-cli-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Runs the CLI with the CA and the home directory in `dir`, so no real trust store is touched. */
function switchyard(dir: string, args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    NO_COLOR: '1',
    HOME: dir,
    SWITCHYARD_CA_DIR: path.join(dir, 'ca'),
  };
  delete env.SWITCHYARD_NSS_DBS;
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += String(d)));
    child.stderr.on('data', (d) => (err += String(d)));
    child.on('exit', (code) => resolve({ code, out, err }));
  });
}

async function nssDb(dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  await execFileP('certutil', ['-N', '--empty-password', '-d', `sql:${dir}`]);
  return dir;
}

async function nssNicknames(db: string): Promise<string> {
  return (await execFileP('certutil', ['-L', '-d', `sql:${db}`])).stdout;
}

describe('switchyard ca path', () => {
  it('creates the CA on first use and prints only the certificate path; the same CA afterwards', async () => {
    const dir = await tempDir();
    const first = await switchyard(dir, ['ca', 'path']);
    expect(first.code).toBe(0);
    expect(first.out).toBe(`${path.join(dir, 'ca', 'ca-cert.pem')}\n`);
    expect((await stat(path.join(dir, 'ca'))).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, 'ca', 'ca-key.pem'))).mode & 0o777).toBe(0o600);
    const pem = await readFile(path.join(dir, 'ca', 'ca-cert.pem'), 'utf8');
    expect((await switchyard(dir, ['ca', 'path'])).out).toBe(first.out);
    expect(await readFile(path.join(dir, 'ca', 'ca-cert.pem'), 'utf8')).toBe(pem);
  });

  it('two processes creating the CA at once end with one CA', async () => {
    const dir = await tempDir();
    const runs = await Promise.all([1, 2, 3].map(() => switchyard(dir, ['ca', 'status'])));
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const fingerprints = runs.map((r) => /SHA-256: (\S+)/.exec(r.out)?.[1]);
    expect(new Set(fingerprints).size).toBe(1);
    expect(fingerprints[0]).toBeDefined();
  });
});

describe.skipIf(!hasCertutil)(
  'switchyard ca trust and uninstall (needs certutil from libnss3-tools; skipped without it)',
  () => {
    it('trusts the CA in an NSS database given with --nss-db, reports it, and removes it again', async () => {
      const dir = await tempDir();
      const db = await nssDb(path.join(dir, 'nssdb'));

      const before = await switchyard(dir, ['ca', 'status', '--nss-db', db]);
      expect(before.code, before.err).toBe(0);
      expect(before.out).toMatch(new RegExp(`^not trusted +NSS database \\(${db}\\)$`, 'm'));

      const trust = await switchyard(dir, ['ca', 'trust', '--nss-db', db]);
      expect(trust.code, trust.err).toBe(0);
      expect(trust.out).toContain(`NSS database (${db}): trusted\n`);
      expect(trust.out).toContain(`NODE_EXTRA_CA_CERTS=${path.join(dir, 'ca', 'ca-cert.pem')}`);
      expect(await nssNicknames(db)).toMatch(/Switchyard Local CA +C,,/);

      const again = await switchyard(dir, ['ca', 'trust', '--nss-db', db]);
      expect(again.out).toContain(`NSS database (${db}): already trusted\n`);
      const after = await switchyard(dir, ['ca', 'status', '--nss-db', db]);
      expect(after.out).toMatch(new RegExp(`^trusted +NSS database \\(${db}\\)$`, 'm'));

      const removed = await switchyard(dir, ['ca', 'uninstall', '--nss-db', db]);
      expect(removed.code, removed.err).toBe(0);
      expect(removed.out).toContain(`NSS database (${db}): removed\n`);
      expect(await nssNicknames(db)).not.toContain('Switchyard');
    });

    it("finds Chromium's ~/.pki/nssdb and Firefox profiles under the home directory", async () => {
      const dir = await tempDir();
      await nssDb(path.join(dir, '.pki', 'nssdb'));
      const profile = await nssDb(path.join(dir, '.mozilla', 'firefox', 'abc.default-release'));
      const trust = await switchyard(dir, ['ca', 'trust']);
      expect(trust.code, trust.err).toBe(0);
      expect(trust.out).toContain(`Chromium (${path.join(dir, '.pki', 'nssdb')}): trusted\n`);
      expect(trust.out).toContain(`Firefox profile abc.default-release (${profile}): trusted\n`);
      expect(await nssNicknames(profile)).toContain('Switchyard Local CA');
    });

    it('replaces an older Switchyard CA of the same name', async () => {
      const dir = await tempDir();
      const db = await nssDb(path.join(dir, 'nssdb'));
      await switchyard(dir, ['ca', 'trust', '--nss-db', db]);
      await rm(path.join(dir, 'ca'), { recursive: true });
      const status = await switchyard(dir, ['ca', 'status', '--nss-db', db]); // a new CA
      expect(status.out).toMatch(/^other CA +NSS database/m);
      await switchyard(dir, ['ca', 'trust', '--nss-db', db]);
      const exported = await execFileP('certutil', [
        '-L',
        '-d',
        `sql:${db}`,
        '-n',
        'Switchyard Local CA',
        '-a',
      ]);
      expect(exported.stdout.match(/BEGIN CERTIFICATE/g)).toHaveLength(1);
      expect(exported.stdout.replace(/\r/g, '')).toBe(
        await readFile(path.join(dir, 'ca', 'ca-cert.pem'), 'utf8'),
      );
    });
  },
);
