import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';

/** An NSS certificate database: Firefox keeps one per profile, Chromium on Linux one per user. */
export interface NssDb {
  /** The directory holding cert9.db (sql:) or the legacy cert8.db (dbm:). */
  dir: string;
  /** Whose database it is, for the user: `Firefox profile abc.default`, `Chromium`. */
  label: string;
}

/** The NSS nickname of the CA; one name, so trusting a new CA replaces an old one. */
export const NSS_NICKNAME = 'Switchyard Local CA';

/** Where browsers keep NSS databases, relative to the home directory; `*` is one directory level. */
const NSS_LOCATIONS: { platform: NodeJS.Platform; pattern: string; label: string }[] = [
  { platform: 'linux', pattern: '.pki/nssdb', label: 'Chromium' },
  { platform: 'linux', pattern: 'snap/chromium/current/.pki/nssdb', label: 'Chromium (snap)' },
  { platform: 'linux', pattern: '.mozilla/firefox/*', label: 'Firefox profile' },
  { platform: 'linux', pattern: 'snap/firefox/common/.mozilla/firefox/*', label: 'Firefox (snap) profile' },
  {
    platform: 'linux',
    pattern: '.var/app/org.mozilla.firefox/.mozilla/firefox/*',
    label: 'Firefox (flatpak) profile',
  },
  { platform: 'darwin', pattern: 'Library/Application Support/Firefox/Profiles/*', label: 'Firefox profile' },
];

/** The NSS databases under `home` that exist; Windows browsers use the system store instead. */
export async function findNssDbs(home: string, platform: NodeJS.Platform): Promise<NssDb[]> {
  const found: NssDb[] = [];
  for (const { pattern, label } of NSS_LOCATIONS.filter((l) => l.platform === platform)) {
    for (const dir of await expand(home, pattern)) {
      if (!nssPrefix(dir)) continue;
      found.push({ dir, label: pattern.endsWith('*') ? `${label} ${path.basename(dir)}` : label });
    }
  }
  return found;
}

/** Databases named by the user (`--nss-db`, `$SWITCHYARD_NSS_DBS`): taken as they are, existing or not. */
export function namedNssDbs(dirs: string[]): NssDb[] {
  return dirs.filter(Boolean).map((dir) => ({ dir: path.resolve(dir), label: 'NSS database' }));
}

/** certutil's name for a database: `sql:DIR` for cert9.db, `dbm:DIR` for the legacy format. */
export function nssPrefix(dir: string): string | undefined {
  if (existsSync(path.join(dir, 'cert9.db'))) return `sql:${dir}`;
  if (existsSync(path.join(dir, 'cert8.db'))) return `dbm:${dir}`;
  return undefined;
}

async function expand(home: string, pattern: string): Promise<string[]> {
  if (!pattern.endsWith('/*')) return [path.join(home, pattern)];
  const parent = path.join(home, pattern.slice(0, -2));
  const entries = await readdir(parent, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => e.isDirectory()).map((e) => path.join(parent, e.name));
}
