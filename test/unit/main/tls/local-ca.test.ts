import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../../helpers/cleanup.js';
import { normalizeNames } from '../../../../main/tls/names.js';
import { CA_CERT_FILE, CA_KEY_FILE, defaultCaDir, LocalCa } from '../../../../main/tls/local-ca.js';

const cleanup = cleanupAfterEach();
const DAY = 24 * 60 * 60 * 1000;

async function tempCaDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ca-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return path.join(dir, 'ca');
}

describe('LocalCa', () => {
  it('creates a CA on first use: a self-signed CA:true certificate, key 0600, directory 0700', async () => {
    const dir = await tempCaDir();
    const ca = new LocalCa(dir);
    const certPath = await ca.certificatePath();
    expect(certPath).toBe(path.join(dir, CA_CERT_FILE));
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect((await stat(path.join(dir, CA_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(certPath)).mode & 0o022).toBe(0); // readable by others is fine, writable is not

    const pem = await readFile(certPath, 'utf8');
    expect(await ca.caPem()).toBe(pem);
    expect(pem).not.toContain('PRIVATE KEY');
    const cert = new X509Certificate(pem);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toMatch(/^CN=Switchyard Local CA \(.+@.+\)/);
    expect(cert.verify(cert.publicKey)).toBe(true);
    const years = (Date.parse(cert.validTo) - Date.now()) / (365 * DAY);
    expect(years).toBeGreaterThan(9.9);
    expect(cert.publicKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
  });

  it('issues a leaf for DNS names and IPs that verifies against the CA and not other names', async () => {
    const ca = new LocalCa(await tempCaDir());
    const { cert, key } = await ca.issue(['shop.localhost', '127.0.0.1', '::1']);
    expect(key).toContain('BEGIN PRIVATE KEY');
    const leaf = new X509Certificate(cert);
    const caCert = new X509Certificate(await ca.caPem());
    expect(leaf.verify(caCert.publicKey)).toBe(true);
    expect(leaf.checkIssued(caCert)).toBe(true);
    expect(leaf.ca).toBe(false);
    expect(leaf.checkHost('shop.localhost')).toBe('shop.localhost');
    expect(leaf.checkHost('other.localhost')).toBeUndefined();
    expect(leaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(leaf.checkIP('::1')).toBe('::1');
    expect(leaf.checkIP('127.0.0.2')).toBeUndefined();
    expect(leaf.keyUsage).toEqual(['1.3.6.1.5.5.7.3.1']);
    expect(Date.parse(leaf.validFrom)).toBeLessThanOrEqual(Date.now() - 59_000);
    expect(Date.parse(leaf.validTo) - Date.now()).toBeGreaterThan(6.9 * DAY);
    expect(Date.parse(leaf.validTo) - Date.now()).toBeLessThanOrEqual(7 * DAY);
  });

  it('issues wildcard certificates', async () => {
    const ca = new LocalCa(await tempCaDir());
    const leaf = new X509Certificate((await ca.issue(['*.shop.localhost'])).cert);
    expect(leaf.checkHost('eu.shop.localhost')).toBe('*.shop.localhost');
    expect(leaf.checkHost('shop.localhost')).toBeUndefined();
  });

  it('caches by the sorted name list and shares one issuance between concurrent calls', async () => {
    const ca = new LocalCa(await tempCaDir());
    const [a, b] = await Promise.all([
      ca.issue(['b.localhost', 'a.localhost']),
      ca.issue(['A.localhost.', 'b.localhost']),
    ]);
    expect(b.cert).toBe(a.cert);
    expect((await ca.issue(['a.localhost', 'b.localhost'])).cert).toBe(a.cert);
    expect((await ca.issue(['a.localhost'])).cert).not.toBe(a.cert);
  });

  it('re-issues a leaf when less than a day of it remains, once for concurrent callers', async () => {
    let now = Date.parse('2026-01-01T00:00:00Z');
    const ca = new LocalCa(await tempCaDir(), { now: () => now });
    const first = await ca.issue(['shop.localhost']);
    now += 5 * DAY;
    expect((await ca.issue(['shop.localhost'])).cert).toBe(first.cert);
    now += 1.5 * DAY; // half a day left
    const [a, b] = await Promise.all([ca.issue(['shop.localhost']), ca.issue(['shop.localhost'])]);
    expect(a.cert).not.toBe(first.cert);
    expect(b.cert).toBe(a.cert);
    expect(Date.parse(new X509Certificate(a.cert).validTo)).toBe(now + 7 * DAY);
  });

  it('keeps at most maxCachedLeaves name sets, dropping the oldest', async () => {
    const ca = new LocalCa(await tempCaDir(), { maxCachedLeaves: 2 });
    const a = await ca.issue(['a.localhost']);
    const b = await ca.issue(['b.localhost']);
    await ca.issue(['c.localhost']); // evicts a
    expect((await ca.issue(['b.localhost'])).cert).toBe(b.cert);
    expect((await ca.issue(['a.localhost'])).cert).not.toBe(a.cert);
  });

  it('keeps the CA of the directory: a second instance (another process) loads it rather than making a new one', async () => {
    const dir = await tempCaDir();
    const [one, two] = [new LocalCa(dir), new LocalCa(dir)];
    const [a, b] = await Promise.all([one.caPem(), two.caPem()]);
    expect(b).toBe(a);
    expect(await new LocalCa(dir).caPem()).toBe(a);
    const leaf = new X509Certificate((await two.issue(['x.localhost'])).cert);
    expect(leaf.verify(new X509Certificate(a).publicKey)).toBe(true);
  });

  it('refuses a key file that is not a CA instead of replacing it', async () => {
    const dir = await tempCaDir();
    await new LocalCa(dir).caPem();
    await writeFile(path.join(dir, CA_KEY_FILE), 'garbage');
    await expect(new LocalCa(dir).caPem()).rejects.toThrow(/not a Switchyard CA/);
  });

  it('rejects names a certificate cannot carry', async () => {
    const ca = new LocalCa(await tempCaDir());
    await expect(ca.issue([])).rejects.toThrow(/at least one name/);
    await expect(ca.issue(['a b'])).rejects.toThrow(/not a DNS name/);
  });
});

describe('normalizeNames', () => {
  it('lower-cases, strips trailing dots and IPv6 brackets, dedupes and sorts', () => {
    expect(normalizeNames(['Shop.Localhost.', '[::1]', '127.0.0.1', 'shop.localhost', '*.x.test'])).toEqual([
      '*.x.test',
      '127.0.0.1',
      '::1',
      'shop.localhost',
    ]);
  });
});

describe('defaultCaDir', () => {
  it('follows each platform and honours SWITCHYARD_CA_DIR', () => {
    expect(defaultCaDir('linux', {}, '/home/u')).toBe('/home/u/.config/switchyard/ca');
    expect(defaultCaDir('linux', { XDG_CONFIG_HOME: '/xdg' }, '/home/u')).toBe('/xdg/switchyard/ca');
    expect(defaultCaDir('linux', { XDG_CONFIG_HOME: 'relative' }, '/home/u')).toBe(
      '/home/u/.config/switchyard/ca',
    );
    expect(defaultCaDir('darwin', {}, '/Users/u')).toBe('/Users/u/Library/Application Support/switchyard/ca');
    expect(defaultCaDir('win32', { APPDATA: 'C:\\Users\\u\\AppData\\Roaming' }, 'C:\\Users\\u')).toBe(
      'C:\\Users\\u\\AppData\\Roaming\\switchyard\\ca',
    );
    expect(defaultCaDir('linux', { SWITCHYARD_CA_DIR: '/tmp/ca' }, '/home/u')).toBe('/tmp/ca');
  });
});
