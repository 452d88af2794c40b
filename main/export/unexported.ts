import type { GatewayConfig, HeaderOps, HeaderRules, RouteConfig } from '../../shared/config/model.js';

/**
 * The fields of a gateway that an exporter may leave out, each with the warning it then gives, so that
 * nothing is dropped silently: an exporter names the fields it carries and every other one that is set
 * is listed here. One table, so a new field added to the model gets its warning in every format at once.
 */
export type ExportableField =
  | 'waitForUpstream'
  | 'cors'
  | 'gatewayHeaders'
  | 'noRouteStatus'
  | 'semantics'
  | 'paths'
  | 'healthCheck'
  | 'passive'
  | 'faults'
  | 'headers'
  | 'respond'
  | 'shadow'
  | 'compare'
  | 'virtualHosts'
  | 'tls'
  | 'upstreamTls'
  | 'h2';

type GatewayCheck = { set: (g: GatewayConfig) => boolean; warning: (g: GatewayConfig) => string };
type RouteCheck = { set: (r: RouteConfig) => boolean; warning: (r: RouteConfig) => string };

const GATEWAY_FIELDS: Partial<Record<ExportableField, GatewayCheck>> = {
  waitForUpstream: {
    set: (g) => g.waitForUpstreamMs !== undefined,
    warning: (g) =>
      `wait_for_upstream ${g.waitForUpstreamMs}ms is not exported: a production proxy answers 502 at once when a target refuses the connection`,
  },
  cors: {
    set: (g) => g.cors !== undefined,
    warning: () => 'cors is not exported: preflights go to the targets and no CORS headers are added',
  },
  gatewayHeaders: {
    set: (g) => hasRules(g.headers),
    warning: () => 'the gateway header rules are not exported',
  },
  noRouteStatus: {
    set: (g) => g.noRouteStatus !== 503,
    warning: (g) => `no_route_status ${g.noRouteStatus} is not exported: the export answers 503`,
  },
  semantics: {
    set: (g) => g.semantics !== undefined,
    warning: (g) => `semantics: ${g.semantics} is not exported: the export follows Vamp's rules`,
  },
  virtualHosts: {
    set: (g) => (g.virtualHosts?.length ?? 0) > 0,
    warning: () => "virtual_hosts are not exported: the export answers on the gateway's own port only",
  },
  tls: {
    set: (g) => g.tls !== undefined || g.protocol === 'https',
    warning: () => "tls is not exported: the export's port speaks plain http",
  },
};

const ROUTE_FIELDS: Partial<Record<ExportableField, RouteCheck>> = {
  paths: {
    set: (r) => (r.paths?.length ?? 0) > 0,
    warning: () => 'path matchers (paths) are not exported: the route takes every path',
  },
  healthCheck: {
    set: (r) => r.healthCheck !== undefined,
    warning: () => 'the health check is not exported: every instance gets traffic',
  },
  passive: {
    set: (r) => r.passive !== undefined,
    warning: () => 'passive health (ejection) is not exported',
  },
  faults: {
    set: (r) => hasFaults(r),
    warning: () =>
      'faults (delay, abort, bandwidth, header control) are not exported: they are for testing on a laptop',
  },
  headers: {
    set: (r) => hasRules(r.headers),
    warning: () => 'header rules are not exported',
  },
  respond: {
    set: (r) => r.respond !== undefined,
    warning: () => 'the mock response (respond) is not exported: the route has no target',
  },
  shadow: {
    set: (r) => r.shadow !== undefined,
    warning: (r) =>
      `shadow ${r.shadow!.percent}% is not exported: this proxy has no built-in mirror (HAProxy mirrors only through an SPOE agent such as spoa-mirror); the route gets no copies`,
  },
  compare: {
    set: (r) => r.shadow !== undefined,
    warning: () =>
      "compare (shadow answers compared with the primary) is not exported: a production proxy discards the mirror's answers; run `switchyard compare` on a HAR file in CI instead",
  },
  upstreamTls: {
    set: (r) => r.tlsVerify === false || r.caFile !== undefined,
    warning: () => "tls_verify and ca are not exported: the proxy's defaults check https targets",
  },
  h2: {
    set: (r) => r.h2 === true,
    warning: () => 'h2 is not exported: the route is forwarded as HTTP/1.1',
  },
};

/** Warnings for every field set in `g` that the exporter does not carry (`carried`). */
export function warnUnexported(
  g: GatewayConfig,
  carried: readonly ExportableField[],
  warn: (w: string) => void,
): void {
  const skip = new Set(carried);
  for (const [field, check] of Object.entries(GATEWAY_FIELDS) as [ExportableField, GatewayCheck][])
    if (!skip.has(field) && check.set(g)) warn(check.warning(g));
  for (const r of g.routes)
    for (const [field, check] of Object.entries(ROUTE_FIELDS) as [ExportableField, RouteCheck][])
      if (!skip.has(field) && check.set(r)) warn(`route '${r.name}': ${check.warning(r)}`);
}

export function hasFaults(r: RouteConfig): boolean {
  const f = r.faults;
  return (
    !!f && (f.delay !== undefined || f.abort !== undefined || f.bandwidthBps !== undefined || f.headerControl)
  );
}

function hasOps(o: HeaderOps | undefined): boolean {
  return (
    !!o &&
    (Object.keys(o.set ?? {}).length > 0 ||
      Object.keys(o.add ?? {}).length > 0 ||
      (o.remove?.length ?? 0) > 0)
  );
}

export function hasRules(h: HeaderRules | undefined): boolean {
  return !!h && (hasOps(h.request) || hasOps(h.response));
}
