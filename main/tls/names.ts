import { isIP } from 'node:net';

/**
 * Lower-cases DNS names, drops a trailing dot and IPv6 brackets, removes duplicates and sorts, so that the
 * same set of names always means the same cache entry; throws on an empty list or a name that cannot go in
 * a certificate.
 */
export function normalizeNames(names: string[]): string[] {
  const out = new Set<string>();
  for (const raw of names) {
    const name = raw.trim().replace(/^\[(.*)\]$/, '$1');
    if (isIP(name)) {
      out.add(name.toLowerCase());
      continue;
    }
    const dns = name.toLowerCase().replace(/\.$/, '');
    if (!/^(\*\.)?([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(dns))
      throw new Error(`'${raw}' is not a DNS name or IP address a certificate can be issued for`);
    out.add(dns);
  }
  if (out.size === 0) throw new Error('a certificate needs at least one name');
  return [...out].sort();
}

/** PEM files end with a line break; the library's text does not, and files and strings must agree. */
export function withNewline(s: string): string {
  return s.endsWith('\n') ? s : `${s}\n`;
}
