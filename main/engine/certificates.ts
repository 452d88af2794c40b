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
  private readonly files = new Map<string, Promise<Pair>>();
  private readonly issued = new Map<string, { pair: Promise<Pair>; at: number }>();

  constructor(private readonly ca: CertificateAuthority | undefined) {}

  /**
   * The certificate a TLS listener presents to clients that send no SNI name (an IP address in the URL),
   * or why it cannot serve (unreadable or invalid files, no CA). `g` is the port's gateway; undefined
   * for the shared HTTPS port.
   */
  async fallback(g: GatewayConfig | undefined): Promise<{ pair: Pair } | { problem: string }> {
    if (!this.ca && g?.tls?.kind !== 'files')
      return { problem: 'tls: there is no local CA to issue a certificate (tls: auto)' };
    try {
      return { pair: await this.pairFor(g, undefined) };
    } catch (err) {
      return { problem: `tls: ${(err as Error).message}` };
    }
  }

  /** The context for gateway `g` (undefined: none claims the name) and the SNI name it claims. */
  async contextFor(g: GatewayConfig | undefined, servername: string | undefined): Promise<SecureContext> {
    return (await this.pairFor(g, servername)).context;
  }

  /** Each apply reads the files again: the user may have replaced them. */
  forgetFiles(): void {
    this.files.clear();
  }

  private pairFor(g: GatewayConfig | undefined, servername: string | undefined): Promise<Pair> {
    if (g?.tls?.kind === 'files') return this.fromFiles(g.tls.certFile, g.tls.keyFile);
    return this.fromCa(
      servername && !LOOPBACK_NAMES.includes(servername) ? [servername, ...LOOPBACK_NAMES] : LOOPBACK_NAMES,
    );
  }

  private fromFiles(certFile: string, keyFile: string): Promise<Pair> {
    const key = `${certFile}\n${keyFile}`;
    let pair = this.files.get(key);
    if (!pair) {
      pair = readPair(certFile, keyFile);
      this.files.set(key, pair);
      pair.catch(() => this.files.delete(key));
    }
    return pair;
  }

  private fromCa(names: string[]): Promise<Pair> {
    const ca = this.ca;
    if (!ca) return Promise.reject(new Error('there is no local CA to issue a certificate'));
    const key = names.join(' ');
    const cached = this.issued.get(key);
    if (cached && Date.now() - cached.at < RECHECK_MS) return cached.pair;
    const pair = ca.issue(names).then(({ cert, key: pem }) => ({
      cert,
      key: pem,
      context: tls.createSecureContext({ cert, key: pem }),
    }));
    this.issued.set(key, { pair, at: Date.now() });
    pair.catch(() => this.issued.delete(key));
    // Names come from clients' SNI (only names a gateway claims, but wildcards admit many): keep the
    // cache bounded.
    if (this.issued.size > MAX_ISSUED) this.issued.delete(this.issued.keys().next().value!);
    return pair;
  }
}

/** A certificate and key (PEM), and the TLS context made of them. */
export interface Pair {
  cert: string | Buffer;
  key: string | Buffer;
  context: SecureContext;
}

/** How long a context from the CA is used before the CA is asked again (it renews leaves near expiry). */
const RECHECK_MS = 60 * 60 * 1000;
const MAX_ISSUED = 1000;

async function readPair(certFile: string, keyFile: string): Promise<Pair> {
  const [cert, key] = await Promise.all([
    readFile(certFile).catch((err: Error & { code?: string }) => {
      throw new Error(`cannot read the certificate ${certFile}: ${err.code ?? err.message}`, { cause: err });
    }),
    readFile(keyFile).catch((err: Error & { code?: string }) => {
      throw new Error(`cannot read the key ${keyFile}: ${err.code ?? err.message}`, { cause: err });
    }),
  ]);
  try {
    return { cert, key, context: tls.createSecureContext({ cert, key }) };
  } catch (err) {
    throw new Error(
      `${certFile} and ${keyFile} are not a PEM certificate and its key: ${(err as Error).message}`,
      { cause: err },
    );
  }
}
