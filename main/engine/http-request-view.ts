import type { IncomingHttpHeaders } from 'node:http';
import type { RequestView } from '../../shared/conditions/request-view.js';

/** A RequestView over Node's parsed headers; cookies and query are parsed on first use only. */
export class HttpRequestView implements RequestView {
  private cookies?: Map<string, string>;
  private params?: URLSearchParams;

  constructor(
    readonly method: string,
    readonly path: string,
    /** The query string with its '?', or '' (rewrites' %[url] and %[query]). */
    readonly search: string,
    private readonly headers: IncomingHttpHeaders,
  ) {}

  get host(): string {
    return this.headers.host ?? '';
  }

  header(name: string): string | undefined {
    const v = this.headers[name];
    return Array.isArray(v) ? v.join(', ') : v;
  }

  cookie(name: string): string | undefined {
    this.cookies ??= parseCookies(this.headers.cookie);
    return this.cookies.get(name);
  }

  query(name: string): string | undefined {
    this.params ??= new URLSearchParams(this.search);
    return this.params.get(name) ?? undefined;
  }

  /** The same request seen with another path: after a rewrite, for the next gateway in a chain. */
  withPath(path: string): HttpRequestView {
    const view = new HttpRequestView(this.method, path, this.search, this.headers);
    view.cookies = this.cookies;
    view.params = this.params;
    return view;
  }
}

export function parseCookies(header: string | undefined): Map<string, string> {
  const out = new Map<string, string>();
  if (!header) return out;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name || out.has(name)) continue;
    let value = part.slice(eq + 1).trim();
    if (value.startsWith('"') && value.endsWith('"') && value.length >= 2) value = value.slice(1, -1);
    try {
      out.set(name, decodeURIComponent(value));
    } catch {
      out.set(name, value);
    }
  }
  return out;
}
