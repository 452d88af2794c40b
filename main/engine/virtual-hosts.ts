import type { GatewayConfig } from '../../shared/config/model.js';

/** One name a gateway answers to on the shared listeners. */
export interface VirtualHost {
  name: string;
  gateway: string;
}

/**
 * Which gateway a request on a shared listener is for, by its Host (or HTTP/2 :authority): the exact
 * name first, then the longest wildcard (`*.shop.localhost` matches `a.shop.localhost` and
 * `a.b.shop.localhost`, not `shop.localhost`), as nginx's server_name and Gateway API hostnames do.
 * Validation has made every name lower case and unique.
 */
export class VirtualHosts {
  private readonly exact = new Map<string, string>();
  /** Suffixes with their leading dot (`.shop.localhost`), longest first. */
  private readonly wildcards: { suffix: string; gateway: string }[] = [];
  readonly all: VirtualHost[] = [];

  constructor(gateways: readonly GatewayConfig[]) {
    for (const g of gateways) {
      if (!g.enabled || g.protocol === 'tcp') continue;
      for (const name of g.virtualHosts ?? []) {
        this.all.push({ name, gateway: g.name });
        if (name.startsWith('*.')) this.wildcards.push({ suffix: name.slice(1), gateway: g.name });
        else this.exact.set(name, g.name);
      }
    }
    this.wildcards.sort((a, b) => b.suffix.length - a.suffix.length);
  }

  get size(): number {
    return this.all.length;
  }

  /** The gateway for a Host header's value (port and a trailing dot ignored, any case); undefined: none. */
  lookup(host: string | undefined): string | undefined {
    if (!host) return undefined;
    const name = hostName(host);
    const exact = this.exact.get(name);
    if (exact !== undefined) return exact;
    for (const w of this.wildcards) if (name.endsWith(w.suffix)) return w.gateway;
    return undefined;
  }

  /** The names of one gateway, in the order written. */
  namesOf(gateway: string): string[] {
    return this.all.filter((v) => v.gateway === gateway).map((v) => v.name);
  }
}

/** `Shop.Localhost:8443` -> `shop.localhost`; `[::1]:8000` -> `::1`. */
export function hostName(host: string): string {
  let name = host.trim().toLowerCase();
  if (name.startsWith('[')) return name.slice(1, name.indexOf(']') === -1 ? undefined : name.indexOf(']'));
  const colon = name.lastIndexOf(':');
  if (colon !== -1) name = name.slice(0, colon);
  return name.endsWith('.') ? name.slice(0, -1) : name;
}
