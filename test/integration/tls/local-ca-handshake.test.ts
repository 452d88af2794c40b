import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import tls from 'node:tls';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { LocalCa } from '../../../main/tls/local-ca.js';

const cleanup = cleanupAfterEach();
const run = promisify(execFile);
const hasCurl = await run('curl', ['--version']).then(
  () => true,
  () => false,
);

async function tempCa(): Promise<LocalCa> {
  const dir = await mkdtemp(path.join(tmpdir(), 'switchyard-ca-'));
  cleanup.push(() => rm(dir, { recursive: true, force: true }));
  return new LocalCa(path.join(dir, 'ca'));
}

async function listen(server: tls.Server): Promise<number> {
  server.on('tlsClientError', () => {}); // the client that rejects the certificate aborts the handshake
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanup.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return (server.address() as AddressInfo).port;
}

function connect(port: number, ca: string, servername: string): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const socket = tls.connect({ host: '127.0.0.1', port, ca, servername }, () => resolve(socket));
    socket.on('error', reject);
    cleanup.push(() => void socket.destroy());
  });
}

describe('a leaf of the local CA in a real TLS handshake', () => {
  it('is accepted for its name by a client that trusts only the CA, and rejected for another name', async () => {
    const ca = await tempCa();
    const port = await listen(tls.createServer(await ca.issue(['shop.localhost', '127.0.0.1'])));
    const caPem = await ca.caPem();

    const ok = await connect(port, caPem, 'shop.localhost');
    expect(ok.authorized).toBe(true);
    expect(ok.getPeerCertificate().subjectaltname).toBe('DNS:shop.localhost, IP Address:127.0.0.1');

    const err = await connect(port, caPem, 'other.localhost').then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
    expect(err?.message).toMatch(/Hostname\/IP does not match certificate's altnames/);
  });

  it('is rejected by a client that does not trust the CA', async () => {
    const ca = await tempCa();
    const port = await listen(tls.createServer(await ca.issue(['shop.localhost'])));
    const other = await (await tempCa()).caPem();
    const err = await connect(port, other, 'shop.localhost').then(
      () => undefined,
      (e: NodeJS.ErrnoException) => e,
    );
    expect(err?.code).toBe('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
  });

  it.skipIf(!hasCurl)('is accepted by curl --cacert (needs curl; skipped without it)', async () => {
    const ca = await tempCa();
    const server = https.createServer(await ca.issue(['shop.localhost', '127.0.0.1']), (_req, res) =>
      res.end('hello over tls'),
    );
    const port = await listen(server);
    const caPath = await ca.certificatePath();
    const { stdout } = await run('curl', [
      '--silent',
      '--show-error',
      '--fail',
      '--cacert',
      caPath,
      '--resolve',
      `shop.localhost:${port}:127.0.0.1`,
      `https://shop.localhost:${port}/`,
    ]);
    expect(stdout).toBe('hello over tls');
    // The IP literal is in the certificate too.
    const byIp = await run('curl', ['-sSf', '--cacert', caPath, `https://127.0.0.1:${port}/`]);
    expect(byIp.stdout).toBe('hello over tls');
    const wrong = await run('curl', [
      '-sS',
      '--cacert',
      caPath,
      '--resolve',
      `other.localhost:${port}:127.0.0.1`,
      `https://other.localhost:${port}/`,
    ]).then(
      () => undefined,
      (e: { code: number; stderr: string }) => e,
    );
    expect(wrong?.code).toBe(60); // CURLE_PEER_FAILED_VERIFICATION
  });
});
