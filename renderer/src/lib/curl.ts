import type { LogEntry } from '../../../shared/log-entry.js';
import { decodeBase64Text } from '../../../shared/har.js';

/** Headers curl sets itself, or that describe the connection rather than the request. */
const SKIP = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'transfer-encoding']);

/** The request as a curl command line, quoted for POSIX shells. */
export function toCurl(e: LogEntry, origin?: string): string {
  const host = first(e.requestHeaders.host) ?? 'localhost';
  const parts = ['curl'];
  if (e.method !== 'GET') parts.push('-X', quote(e.method));
  parts.push(quote(`${origin ?? `http://${host}`}${e.path}`));
  for (const [name, value] of Object.entries(e.requestHeaders)) {
    if (SKIP.has(name)) continue;
    for (const v of Array.isArray(value) ? value : [value]) parts.push('-H', quote(`${name}: ${v}`));
  }
  if (e.requestBody) parts.push('--data-binary', quote(decodeBase64Text(e.requestBody.base64)));
  return parts.join(' ');
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
