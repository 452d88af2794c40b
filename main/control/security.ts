import type { IncomingMessage } from 'node:http';
import { httpOrigin, urlHost } from '../../shared/wire/host.js';

/**
 * The control server's guards. It binds loopback, but a browser will still send it requests a page on
 * another site makes, so: a Host that is not this machine's name for the server is refused (DNS
 * rebinding) and a mutating request or WebSocket upgrade from another Origin is refused (CSRF). The token
 * is ControlAuth's.
 */
export class ControlSecurity {
  private readonly hosts: Set<string>;
  private readonly origins: Set<string>;

  constructor(port: number, bindHost: string) {
    const names = ['localhost', '127.0.0.1', '[::1]'];
    if (!['127.0.0.1', '::1', 'localhost', '0.0.0.0', '::'].includes(bindHost)) names.push(urlHost(bindHost));
    this.hosts = new Set(names.flatMap((n) => [n, `${n}:${port}`]));
    this.origins = new Set(names.map((n) => httpOrigin(n, port)));
  }

  /** Why the request is refused, or undefined when it may proceed. */
  refusal(req: IncomingMessage, upgrade: boolean): { status: number; reason: string } | undefined {
    const host = (req.headers.host ?? '').toLowerCase();
    if (!this.hosts.has(host)) {
      return {
        status: 403,
        reason: `Host '${host}' is refused: the control server answers only to localhost, 127.0.0.1 and [::1]`,
      };
    }
    const origin = req.headers.origin;
    const mutating = upgrade || !['GET', 'HEAD', 'OPTIONS'].includes(req.method ?? 'GET');
    if (mutating && origin !== undefined && !this.origins.has(origin.toLowerCase())) {
      return {
        status: 403,
        reason: `Origin '${origin}' is refused: only the control server's own pages may change things or open its stream`,
      };
    }
    return undefined;
  }
}

/** The host has been parsed strictly (parseProxyHost), so a dotted quad here is a valid address. */
const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|::1)$/i;

/** /proxy/host reaches loopback only, unless a pattern (`*` matches any run of characters) allows the host. */
export function proxyHostRefusal(host: string, patterns: readonly string[]): string | undefined {
  if (LOOPBACK.test(host)) return undefined;
  const lower = host.toLowerCase();
  const allowed = patterns.some((p) =>
    new RegExp(
      `^${p
        .toLowerCase()
        .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
        .replace(/\*/g, '.*')}$`,
    ).test(lower),
  );
  if (allowed) return undefined;
  return `host '${host}' is not allowed: /proxy/host reaches loopback addresses only; allow it with --allow-proxy-host ${host}`;
}
