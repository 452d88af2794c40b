import { X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { CaStatus, TrustChange } from '../../shared/ca-status.js';
import { CA_CERT_FILE, CA_KEY_FILE, LocalCa } from './local-ca.js';
import {
  installTrust,
  trustStatus,
  uninstallTrust,
  type CaCertificate,
  type TrustEnvironment,
} from './trust-store.js';

/** The local CA's actions as the contract offers them (`ca.status`, `ca.trust`, `ca.uninstall`). */
export interface CaService {
  status(): Promise<CaStatus>;
  /** Creates the CA when there is none yet, then trusts it where it can. */
  trust(): Promise<TrustChange[]>;
  uninstall(): Promise<TrustChange[]>;
}

/**
 * The stores of this user's machine, or the NSS databases in `$SWITCHYARD_NSS_DBS` (and `extraNssDbs`)
 * instead of the browsers' own: how tests and `switchyard ca --nss-db` point it at temporary ones.
 */
export function defaultTrustEnvironment(extraNssDbs: string[] = []): TrustEnvironment {
  const fromEnv = process.env.SWITCHYARD_NSS_DBS?.split(path.delimiter).filter(Boolean) ?? [];
  const nssDbs = [...extraNssDbs, ...fromEnv];
  return { platform: process.platform, home: os.homedir(), nssDbs: nssDbs.length ? nssDbs : undefined };
}

export function caService(ca: LocalCa, dir: string, env: () => TrustEnvironment): CaService {
  const certPath = path.join(dir, CA_CERT_FILE);
  // The key file defines the CA (local-ca.ts); asking about a CA that is not there must not create one.
  const exists = () => existsSync(path.join(dir, CA_KEY_FILE));
  const certificate = async (): Promise<CaCertificate> => ({
    path: await ca.certificatePath(),
    pem: await ca.caPem(),
  });
  return {
    async status() {
      if (!exists()) return { path: certPath, exists: false, stores: [] };
      const cert = await certificate();
      const x509 = new X509Certificate(cert.pem);
      return {
        path: cert.path,
        exists: true,
        subject: x509.subject.replace(/\n/g, ', '),
        validTo: new Date(x509.validTo).toISOString(),
        fingerprint: x509.fingerprint256,
        stores: await trustStatus(cert, env()),
      };
    },
    trust: async () => installTrust(await certificate(), env()),
    uninstall: async () => (exists() ? uninstallTrust(await certificate(), env()) : []),
  };
}
