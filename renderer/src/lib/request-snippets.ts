import type { LogEntry } from '../../../shared/log-entry.js';
import { decodeBase64Text } from '../../../shared/har.js';

/** Headers the client sets itself, or that describe the connection rather than the request. */
const SKIP = new Set(['host', 'content-length', 'connection', 'accept-encoding', 'transfer-encoding']);

/** The request's URL and the headers worth repeating, one [name, value] per line. */
function parts(e: LogEntry): { url: string; headers: [string, string][]; body?: string } {
  const host = first(e.requestHeaders.host) ?? 'localhost';
  const headers = Object.entries(e.requestHeaders)
    .filter(([name]) => !SKIP.has(name))
    .flatMap(([name, value]) =>
      (Array.isArray(value) ? value : [value]).map((v) => [name, v] as [string, string]),
    );
  return {
    url: `http://${host}${e.path}`,
    headers,
    ...(e.requestBody ? { body: decodeBase64Text(e.requestBody.base64) } : {}),
  };
}

/** The request as JavaScript's fetch(); strings are JSON-quoted, so nothing from the request can break out. */
export function toFetch(e: LogEntry): string {
  const { url, headers, body } = parts(e);
  const init: Record<string, unknown> = { method: e.method, headers: Object.fromEntries(headers) };
  if (body !== undefined) init.body = body;
  return `await fetch(${JSON.stringify(url)}, ${JSON.stringify(init, null, 2)});`;
}

/** The request as an HTTPie command line, quoted for POSIX shells. */
export function toHttpie(e: LogEntry): string {
  const { url, headers, body } = parts(e);
  const line = ['http', e.method, quote(url), ...headers.map(([n, v]) => quote(`${n}:${v}`))];
  return body !== undefined ? `printf %s ${quote(body)} | ${line.join(' ')}` : line.join(' ');
}

function quote(s: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

function first(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
