import type { GatewayConfig, RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { targetHostPort } from '../../shared/wire/host.js';

/**
 * Where the exports listen, shared by every format: a gateway's own port (http, https or tcp), the shared
 * listeners that serve the virtual hosts by Host, the certificate files each TLS listener needs, and a
 * TCP gateway's servers. Each exporter spells these out in its own syntax.
 */

/** Where `tls: auto` certificates go in an export: the local CA's certificates stay on the laptop. */
export const CERT_DIR = '/etc/switchyard/certs';

/** Debian's bundle of the system's CAs: what the engine trusts for https targets besides the local CA. */
export const SYSTEM_CA_FILE = '/etc/ssl/certs/ca-certificates.crt';

export interface CertificateFiles {
  cert: string;
  key: string;
}

/**
 * The certificate of a gateway's TLS listeners: its own files, or (for `tls: auto`, the local CA) files
 * under CERT_DIR that the operator must provide, which is then a warning naming the host names to cover.
 */
export function certificateOf(
  g: GatewayConfig,
  warn: (w: string) => void,
  keyFile: (cert: string) => string = (cert) => cert.replace(/\.pem$/, '.key'),
): CertificateFiles {
  if (g.tls?.kind === 'files') return { cert: g.tls.certFile, key: g.tls.keyFile };
  const cert = `${CERT_DIR}/${fileName(g.name)}.pem`;
  const key = keyFile(cert);
  const names = g.virtualHosts?.length ? g.virtualHosts.join(', ') : "the gateway's host name";
  warn(
    `tls: auto (the local CA) is exported as ${cert} and ${key}: provide a certificate for ${names} there`,
  );
  return { cert, key };
}

/** Whether the gateway's own port speaks TLS. */
export function ownPortTls(g: GatewayConfig): boolean {
  return g.protocol === 'https';
}

/** The gateways the shared listeners dispatch to: HTTP gateways with virtual hosts. */
export function virtualHostGateways(config: SwitchyardConfig): GatewayConfig[] {
  return config.gateways.filter((g) => g.protocol !== 'tcp' && (g.virtualHosts?.length ?? 0) > 0);
}

/** One virtual host name and the index of its gateway in `config.gateways`. */
export interface HostRule {
  name: string;
  /** `*.shop.localhost` -> `.shop.localhost`; undefined for an exact name. */
  suffix?: string;
  gateway: number;
}

/**
 * Every virtual host in the order a first-match proxy must test them to pick what the engine picks
 * (main/engine/virtual-hosts.ts): exact names first, then wildcards, longest suffix first.
 */
export function hostRules(config: SwitchyardConfig): HostRule[] {
  const rules = config.gateways.flatMap((g, gateway) =>
    g.protocol === 'tcp'
      ? []
      : (g.virtualHosts ?? []).map((name) =>
          name.startsWith('*.') ? { name, suffix: name.slice(1), gateway } : { name, gateway },
        ),
  );
  const exact = rules.filter((r) => !r.suffix);
  const wild = rules.filter((r) => r.suffix).sort((a, b) => b.suffix!.length - a.suffix!.length);
  return [...exact, ...wild];
}

/** A server of a TCP gateway's one pool: its route's weight shared among the route's targets. */
export interface TcpServer {
  hostPort: string;
  /** Percent of connections (0-100), the route's weight times the target's share of it. */
  percent: number;
  route: string;
}

/**
 * A TCP gateway picks a route by weight, then a target of the route: the same shares as one weighted
 * pool of every target, which both nginx's stream upstream and a HAProxy tcp backend express exactly.
 */
export function tcpServers(g: GatewayConfig): TcpServer[] {
  return g.routes.flatMap((r) => {
    const weights = r.targets.map((_, k) => r.targetWeights?.[k] ?? 1);
    const total = weights.reduce((a, b) => a + b, 0) || 1;
    return r.targets.map((t, k) => ({
      hostPort: targetHostPort(t),
      percent: (r.weight * weights[k]!) / total,
      route: r.name,
    }));
  });
}

/** Integer weights in proportion to the shares (at most `max` each, at least 1 for a share above 0). */
export function integerWeights(percents: number[], max: number): number[] {
  const top = Math.max(...percents, 0);
  return percents.map((p) => (p <= 0 ? 0 : Math.max(1, Math.round((p / (top || 1)) * max))));
}

/** The https targets of a route. */
export function httpsTargets(r: RouteConfig): string[] {
  return r.targets.filter((t) => t.startsWith('https:'));
}

/** A gateway name as a file name. */
export function fileName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '-');
}
