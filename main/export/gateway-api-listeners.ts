import type { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { TCPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRoute';
import type { GatewayConfig, RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { portOf } from '../../shared/wire/ports.js';
import { httpsTargets, ownPortTls } from './listen-plan.js';

type GatewayData = ConstructorParameters<typeof Gateway>[0] & object;
type Listener = NonNullable<NonNullable<GatewayData['spec']>['listeners']>[number];
type ParentRef = { name: string; sectionName: string };

/**
 * The Gateway's listeners and the routes' parents: a listener per gateway's own port (HTTP, HTTPS with a
 * certificate Secret, or TCP), one for the shared http port (no hostname: HTTPRoute hostnames pick the
 * gateway), and, on the shared https port, one per virtual host with its gateway's Secret, so each name
 * gets its certificate by SNI in the standard channel.
 */
export function gatewayListeners(config: SwitchyardConfig, warnings: string[]): Listener[] {
  const listeners: Listener[] = [];
  for (const g of config.gateways) {
    const warn = (w: string) => warnings.push(`gateway '${g.name}': ${w}`);
    if (g.port === undefined) continue;
    const port = g.port || 80;
    const name = dnsName(g.name);
    if (g.protocol === 'tcp') listeners.push({ name, port, protocol: 'TCP' });
    else if (ownPortTls(g)) listeners.push({ name, port, protocol: 'HTTPS', tls: terminate(g, warn) });
    else listeners.push({ name, port, protocol: 'HTTP' });
  }
  const shared = config.listeners;
  if (!shared) return listeners;
  const hosted = config.gateways.filter((g) => g.protocol !== 'tcp' && g.virtualHosts?.length);
  if (shared.http !== undefined && hosted.length)
    listeners.push({ name: SHARED_HTTP, port: shared.http, protocol: 'HTTP' });
  if (shared.https !== undefined)
    for (const g of hosted) {
      const tls = terminate(g, (w) => warnings.push(`gateway '${g.name}': ${w}`));
      for (const hostname of g.virtualHosts ?? [])
        listeners.push({
          name: httpsListener(hostname),
          hostname,
          port: shared.https,
          protocol: 'HTTPS',
          tls,
        });
    }
  return listeners;
}

/** The shared listeners a gateway's virtual-host HTTPRoute attaches to; undefined when there are none. */
export function hostnameParents(g: GatewayConfig, config: SwitchyardConfig): ParentRef[] | undefined {
  const shared = config.listeners;
  if (!shared || !g.virtualHosts?.length) return undefined;
  const parents = [
    ...(shared.http !== undefined ? [{ name: 'switchyard', sectionName: SHARED_HTTP }] : []),
    ...(shared.https !== undefined
      ? g.virtualHosts.map((h) => ({ name: 'switchyard', sectionName: httpsListener(h) }))
      : []),
  ];
  return parents.length ? parents : undefined;
}

/**
 * A TCP gateway as a TCPRoute: one rule whose backendRefs carry every route's weight. TCPRoute is in the
 * experimental channel only (v1alpha2), which is a warning; so is stickiness by client address.
 */
export function tcpRoute(
  g: GatewayConfig,
  service: (r: RouteConfig) => string,
  warn: (w: string) => void,
): TCPRoute {
  warn('exported as a TCPRoute (gateway.networking.k8s.io/v1alpha2): install the experimental channel CRDs');
  if (g.sticky !== 'none' || g.stickyBy)
    warn('sticky (by client address) has no TCPRoute counterpart; connections are split without stickiness');
  if (g.routes.some((r) => r.targets.length > 1))
    warn("each route's targets become one Service: put them behind it");
  const backendRefs = g.routes.map((r) => ({
    name: service(r),
    port: r.targets[0] ? portOf(new URL(r.targets[0])) : undefined,
    weight: Math.round(r.weight * 100),
  }));
  const route = new TCPRoute({
    metadata: { name: dnsName(g.name) },
    spec: { parentRefs: [{ name: 'switchyard', sectionName: dnsName(g.name) }], rules: [{ backendRefs }] },
  });
  route.validate();
  return route;
}

/** What the HTTPRoute cannot say about the upstream side: TLS to the targets, and HTTP/2. */
export function upstreamWarnings(g: GatewayConfig, warn: (w: string) => void): void {
  for (const r of g.routes) {
    if (httpsTargets(r).length)
      warn(
        `route '${r.name}' has https targets: add a BackendTLSPolicy for its Service${r.tlsVerify === false ? ' (tls_verify: false has no counterpart: the policy always verifies)' : r.caFile ? ` with ${r.caFile} in a ConfigMap (caCertificateRefs)` : ''}`,
      );
    if (r.h2)
      warn(
        `route '${r.name}': h2 is set on the Service, not the route: give its port appProtocol kubernetes.io/h2c (or kubernetes.io/h2 over TLS)`,
      );
  }
}

/** The Secret a gateway's certificate goes in, and the warning to create it. */
function terminate(g: GatewayConfig, warn: (w: string) => void): NonNullable<Listener['tls']> {
  const secret = `${dnsName(g.name)}-tls`;
  const files =
    g.tls?.kind === 'files' ? `--cert=${g.tls.certFile} --key=${g.tls.keyFile}` : '--cert=... --key=...';
  warn(
    `the HTTPS listener needs the Secret ${secret}: kubectl create secret tls ${secret} ${files}${g.tls?.kind === 'files' ? '' : ' (tls: auto is the local CA, which stays on the laptop)'}`,
  );
  return { mode: 'Terminate', certificateRefs: [{ kind: 'Secret', name: secret }] };
}

const SHARED_HTTP = 'shared-http';

/** A listener name for a host name on the shared https port: `*.shop.localhost` -> `https-wildcard-shop-localhost`. */
function httpsListener(hostname: string): string {
  return dnsName(`https-${hostname.replace(/^\*\./, 'wildcard-')}`);
}

/** A Kubernetes object name: lower case, digits and '-', at most 63 characters. */
export function dnsName(text: string): string {
  return (
    text
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 63) || 'route'
  );
}
