import { readFile } from 'node:fs/promises';
import tls from 'node:tls';
import type { RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';

/** How a route reaches its instances, beyond their URLs: TLS trust and HTTP/2. */
export interface UpstreamOptions {
  /** Pools differ by these options: part of their key. */
  key: string;
  /** Forward as HTTP/2 (h2c to http://, ALPN to https://). */
  h2: boolean;
  /** Verify https:// targets' certificates. */
  rejectUnauthorized: boolean;
  /** The certificates trusted for https:// targets: the system's, the local CA and the route's `ca`. */
  ca?: string[];
  /** The route's `ca` file could not be read: its requests answer 502 saying so. */
  error?: string;
}

/**
 * Upstream TLS for each route, read at apply: by default https:// targets are verified against the
 * system's trust store (as curl and browsers do, not only Node's bundled roots) plus the local CA, so
 * another Switchyard gateway's `tls: auto` is trusted; `tls_verify: false` and `ca: FILE` per route for
 * self-signed dev servers.
 */
export class UpstreamTls {
  /** By the route's configuration object: no key is built per request. */
  private routes = new Map<RouteConfig, UpstreamOptions>();
  private defaults: Promise<string[]> | undefined;

  constructor(private readonly localCaPem: () => Promise<string | undefined>) {}

  async load(config: SwitchyardConfig): Promise<void> {
    const routes = new Map<RouteConfig, UpstreamOptions>();
    for (const g of config.gateways)
      for (const r of g.routes) {
        const options = await this.optionsOf(r);
        if (options) routes.set(r, options);
      }
    this.routes = routes;
  }

  /** The options of a route; undefined: plain HTTP/1.1 to http:// targets, as before. */
  of(route: RouteConfig): UpstreamOptions | undefined {
    return this.routes.get(route);
  }

  private async optionsOf(r: RouteConfig): Promise<UpstreamOptions | undefined> {
    const secure = r.targets.some((t) => t.startsWith('https:'));
    if (!secure && !r.h2) return undefined;
    const h2 = r.h2 === true;
    const rejectUnauthorized = r.tlsVerify !== false;
    const options: UpstreamOptions = {
      key: `h2=${h2} verify=${rejectUnauthorized} ca=${r.caFile ?? ''}`,
      h2,
      rejectUnauthorized,
    };
    if (!secure || !rejectUnauthorized) return options;
    const base = await this.defaultCas();
    if (!r.caFile) return { ...options, ca: base };
    try {
      return { ...options, ca: [...base, await readFile(r.caFile, 'utf8')] };
    } catch (err) {
      const e = err as Error & { code?: string };
      return { ...options, error: `cannot read the route's ca file ${r.caFile}: ${e.code ?? e.message}` };
    }
  }

  private defaultCas(): Promise<string[]> {
    this.defaults ??= this.localCaPem().then(
      (local) => [...new Set([...tls.rootCertificates, ...systemCas(), ...(local ? [local] : [])])],
      () => [...new Set([...tls.rootCertificates, ...systemCas()])],
    );
    return this.defaults;
  }
}

function systemCas(): string[] {
  try {
    return tls.getCACertificates('system');
  } catch {
    return [];
  }
}
