import { X509Certificate } from 'node:crypto';
import path from 'node:path';
import { defaultTrustEnvironment } from '../tls/ca-service.js';
import { defaultCaDir, LocalCa } from '../tls/local-ca.js';
import {
  installTrust,
  trustStatus,
  uninstallTrust,
  type CaCertificate,
  type TrustChange,
  type TrustEnvironment,
} from '../tls/trust-store.js';

export interface CaFlags {
  /** NSS databases to use instead of the browsers' own (repeatable `--nss-db`). */
  nssDb: string[];
}

/** `switchyard ca path`: just the path, so that `curl --cacert "$(switchyard ca path)"` works. */
export async function caPath(): Promise<number> {
  console.log(await new LocalCa(defaultCaDir()).certificatePath());
  return 0;
}

/** `switchyard ca status`: the CA and, for each trust store this machine has, whether it trusts it. */
export async function caStatus(flags: CaFlags): Promise<number> {
  const ca = await loadCa();
  const cert = new X509Certificate(ca.pem);
  console.log(`CA certificate: ${ca.path}`);
  console.log(`  subject: ${cert.subject.replace(/\n/g, ', ')}`);
  console.log(`  valid until: ${new Date(cert.validTo).toISOString()}`);
  console.log(`  SHA-256: ${cert.fingerprint256}`);
  const statuses = await trustStatus(ca, environment(flags));
  if (statuses.length === 0) console.log('no trust store found that Switchyard can check');
  for (const s of statuses) {
    const detail = s.detail ? ` (${s.detail})` : '';
    console.log(`${STATE_TEXT[s.state].padEnd(12)} ${s.store}${detail}`);
  }
  return 0;
}

const STATE_TEXT = {
  trusted: 'trusted',
  'not-trusted': 'not trusted',
  other: 'other CA', // an older Switchyard CA under the same name: `ca trust` replaces it
  unknown: 'unknown',
} as const;

/** `switchyard ca trust`: trusts the CA where it can, prints the commands for the rest. */
export async function caTrust(flags: CaFlags): Promise<number> {
  const ca = await loadCa();
  const changes = await installTrust(ca, environment(flags));
  report(changes);
  console.log(`Node: set NODE_EXTRA_CA_CERTS=${ca.path} (Node does not read the system store by default)`);
  return changes.some((c) => !c.done && c.commands.length === 0) ? 1 : 0;
}

/** `switchyard ca uninstall`: removes the CA from the stores it can, prints the commands for the rest. */
export async function caUninstall(flags: CaFlags): Promise<number> {
  const ca = await loadCa();
  report(await uninstallTrust(ca, environment(flags)));
  console.log(`the CA itself stays in ${path.dirname(ca.path)}; delete that directory to drop it for good`);
  return 0;
}

async function loadCa(): Promise<CaCertificate> {
  const ca = new LocalCa(defaultCaDir());
  return { path: await ca.certificatePath(), pem: await ca.caPem() };
}

function environment(flags: CaFlags): TrustEnvironment {
  return defaultTrustEnvironment(flags.nssDb);
}

function report(changes: TrustChange[]): void {
  if (changes.length === 0) console.log('no trust store found that Switchyard can change');
  for (const c of changes) {
    console.log(`${c.store}: ${c.message}`);
    for (const command of c.commands) console.log(`  ${command}`);
  }
}
