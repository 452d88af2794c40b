// @peculiar/x509 resolves its services through tsyringe, which needs the Reflect metadata polyfill loaded
// before the library itself.
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { randomBytes, webcrypto } from 'node:crypto';
import { isIP } from 'node:net';
import { withNewline } from './names.js';

type CryptoKey = webcrypto.CryptoKey;
type CryptoKeyPair = webcrypto.CryptoKeyPair;

/** A certificate and its private key, both PEM (the key as PKCS #8). */
export interface KeyPairPem {
  cert: string;
  key: string;
}

/** The CA as the issuer of leaves: its certificate and the key that signs them. */
export interface Issuer {
  cert: x509.X509Certificate;
  key: CryptoKey;
}

// ECDSA P-256: accepted by Chromium, Firefox, curl and Node, and a key is generated in a millisecond where
// RSA takes a noticeable fraction of a second per leaf.
const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1';
const DAY = 24 * 60 * 60 * 1000;
/** Clocks of the machine and the browser may disagree a little; a leaf valid from "now" could be rejected. */
const BACKDATE_MS = 60 * 1000;
const crypto = webcrypto;

export const CA_LIFETIME_MS = 10 * 365 * DAY;
export const LEAF_LIFETIME_MS = 7 * DAY;

/** A self-signed CA that may sign leaves only (path length 0), never other CAs. */
export async function createCa(commonName: string, now: number): Promise<KeyPairPem> {
  const keys = await generateKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned(
    {
      serialNumber: serialNumber(),
      name: [{ CN: [commonName] }, { O: ['Switchyard'] }],
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(now + CA_LIFETIME_MS),
      keys,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(true, 0, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: withNewline(cert.toString('pem')), key: await exportKey(keys.privateKey) };
}

/** A server certificate for `names` (normalized: see `normalizeNames`), signed by the CA. */
export async function createLeaf(
  issuer: Issuer,
  names: string[],
  now: number,
  lifetimeMs = LEAF_LIFETIME_MS,
): Promise<KeyPairPem & { notAfter: number }> {
  const keys = await generateKeys();
  // DNS names first: the common name is the first, and it reads better than an IP address in a browser.
  const ordered = [...names.filter((n) => !isIP(n)), ...names.filter((n) => isIP(n))];
  const notAfter = Math.min(now + lifetimeMs, issuer.cert.notAfter.getTime());
  const cert = await x509.X509CertificateGenerator.create(
    {
      serialNumber: serialNumber(),
      subject: [{ CN: [ordered[0] ?? 'localhost'] }, { O: ['Switchyard'] }],
      issuer: issuer.cert.subjectName,
      notBefore: new Date(now - BACKDATE_MS),
      notAfter: new Date(notAfter),
      publicKey: keys.publicKey,
      signingKey: issuer.key,
      signingAlgorithm: ALGORITHM,
      extensions: [
        new x509.BasicConstraintsExtension(false, undefined, true),
        new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
        new x509.ExtendedKeyUsageExtension([SERVER_AUTH]),
        new x509.SubjectAlternativeNameExtension(
          ordered.map((n) => ({ type: isIP(n) ? ('ip' as const) : ('dns' as const), value: n })),
          false,
        ),
        await x509.SubjectKeyIdentifierExtension.create(keys.publicKey, false, crypto),
        await x509.AuthorityKeyIdentifierExtension.create(issuer.cert.publicKey, false, crypto),
      ],
    },
    crypto,
  );
  return { cert: withNewline(cert.toString('pem')), key: await exportKey(keys.privateKey), notAfter };
}

/** Reads the CA back from its PEM certificate and PKCS #8 key. */
export async function loadIssuer(pem: KeyPairPem): Promise<Issuer> {
  const cert = new x509.X509Certificate(pem.cert);
  const der = x509.PemConverter.decodeFirst(pem.key);
  const key = await crypto.subtle.importKey('pkcs8', der, ALGORITHM, false, ['sign']);
  return { cert, key };
}

function generateKeys(): Promise<CryptoKeyPair> {
  return crypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
}

async function exportKey(key: CryptoKey): Promise<string> {
  return withNewline(x509.PemConverter.encode(await crypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY'));
}

/** 16 random bytes, high bit clear so the DER integer stays positive (RFC 5280 4.1.2.2). */
function serialNumber(): string {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0] ?? 0) & 0x7f;
  return bytes.toString('hex');
}
