import { readFile } from 'node:fs/promises';
import tls, { type SecureContext } from 'node:tls';
import type { GatewayConfig } from '../../shared/config/model.js';

/** Issues leaf certificates (the local CA, main/tls/local-ca.ts); the engine only asks it for names. */
export interface CertificateAuthority {
  issue(names: string[]): Promise<{ cert: string; key: string }>;
  /** The CA's own certificate, which https:// targets are also verified against. */
  caPem(): Promise<string>;
}

/** What every automatic certificate also covers, so https://localhost:PORT and the loopback IPs work. */
const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The certificates TLS listeners present: a gateway's own files (`tls: {cert, key}`), read when its
 * listener starts, or a leaf from the local CA for the SNI name the client asked for (when a gateway
 * claims it) plus localhost and the loopback addresses. Contexts are cached; the CA caches and renews
 * its leaves, so a context is asked of it again after a day.
 */
export class Certificates {
  private readonly files = new Map<string, Promise<SecureContext>>();
  private readonly issued = new Map<string, { context: Promise<SecureContext>; at: number }>();

  constructor(private readonly ca: CertificateAuthority | undefined) {}

  /** Why a gateway's listener cannot serve TLS (unreadable or invalid files, no CA); undefined: it can. */
  async check(g: GatewayConfig | undefined): Promise<string | undefined> {
    if (g && g.protocol !== 'https') return undefined;
    if (g?.tls?.kind === 'files') {
      try {
        await this.fromFiles(g.tls.certFile, g.tls.keyFile);
        return undefined;
      } catch (err) {
        return `tls: ${(err as Error).message}`;
      }
    }
    return this.ca ? undefined : 'tls: there is no local CA to issue a certificate (tls: auto)';
  }

  /** The context for gateway `g` (undefined: none claims the name) and the SNI name it claims. */
  contextFor(g: GatewayConfig | undefined, servername: string | undefined): Promise<SecureContext> {
    if (g?.tls?.kind === 'files') return this.fromFiles(g.tls.certFile, g.tls.keyFile);
    return this.fromCa(
      servername && !LOOPBACK_NAMES.includes(servername) ? [servername, ...LOOPBACK_NAMES] : LOOPBACK_NAMES,
    );
  }

  /** Each apply reads the files again: the user may have replaced them. */
  forgetFiles(): void {
    this.files.clear();
  }

  private fromFiles(certFile: string, keyFile: string): Promise<SecureContext> {
    const key = `${certFile}\n${keyFile}`;
    let context = this.files.get(key);
    if (!context) {
      context = readPair(certFile, keyFile);
      this.files.set(key, context);
      context.catch(() => this.files.delete(key));
    }
    return context;
  }

  private fromCa(names: string[]): Promise<SecureContext> {
    const ca = this.ca;
    if (!ca) return Promise.reject(new Error('there is no local CA to issue a certificate'));
    const key = names.join(' ');
    const cached = this.issued.get(key);
    if (cached && Date.now() - cached.at < RECHECK_MS) return cached.context;
    const context = ca.issue(names).then(({ cert, key: pem }) => tls.createSecureContext({ cert, key: pem }));
    this.issued.set(key, { context, at: Date.now() });
    context.catch(() => this.issued.delete(key));
    // Names come from clients' SNI (only names a gateway claims, but wildcards admit many): keep the
    // cache bounded.
    if (this.issued.size > MAX_ISSUED) this.issued.delete(this.issued.keys().next().value!);
    return context;
  }
}

/** How long a context from the CA is used before the CA is asked again (it renews leaves near expiry). */
const RECHECK_MS = 60 * 60 * 1000;
const MAX_ISSUED = 1000;

async function readPair(certFile: string, keyFile: string): Promise<SecureContext> {
  const [cert, key] = await Promise.all([
    readFile(certFile).catch((err: Error & { code?: string }) => {
      throw new Error(`cannot read the certificate ${certFile}: ${err.code ?? err.message}`);
    }),
    readFile(keyFile).catch((err: Error & { code?: string }) => {
      throw new Error(`cannot read the key ${keyFile}: ${err.code ?? err.message}`);
    }),
  ]);
  try {
    return tls.createSecureContext({ cert, key });
  } catch (err) {
    throw new Error(
      `${certFile} and ${keyFile} are not a PEM certificate and its key: ${(err as Error).message}`,
    );
  }
}
