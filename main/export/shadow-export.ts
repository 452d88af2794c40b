import type { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { GatewayConfig, RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { formatPercent } from '../../shared/config/units.js';
import { hostPort } from '../../shared/wire/host.js';
import { OVERRIDE_HEADER } from '../../shared/wire/override.js';

/**
 * Shadow traffic (a route's `shadow: N%`) in the exports that can mirror: nginx's `mirror` to an internal
 * location per shadow route, and the Gateway API's RequestMirror filter. Production proxies throw the
 * mirror's answer away, so `compare` is never exported (unexported.ts warns; `switchyard compare` is the
 * CI counterpart). HAProxy mirrors only through an SPOE agent: unexported.ts warns there too.
 */

/** The marker Switchyard puts on shadow copies, kept in the exports so upstreams can tell them apart. */
const SHADOW_HEADER = 'X-Switchyard-Shadow';

function shadowRoutes(g: GatewayConfig): { r: RouteConfig; i: number }[] {
  return g.routes.map((r, i) => ({ r, i })).filter(({ r }) => r.shadow && !r.respond);
}

/**
 * nginx: `mirror` lines for the gateway's main location, and per shadow route an internal location that
 * sends the copy to the route's upstream, drops the methods not mirrored and (below 100%) the requests
 * outside the share, by a split_clients on $request_id.
 */
export function nginxShadow(
  g: GatewayConfig,
  p: string,
  upstream: (i: number) => string,
  config: SwitchyardConfig,
): { maps: string[]; location: string[]; locations: string[] } {
  const maps: string[] = [];
  const location: string[] = [];
  const locations: string[] = [];
  for (const { r, i } of shadowRoutes(g)) {
    const shadow = r.shadow!;
    const path = `/_switchyard_shadow/${p}_r${i}`;
    const sample = `$${p}_shadow${i}`;
    if (shadow.percent < 100)
      maps.push(
        `split_clients "$request_id" ${sample} {\n    ${formatPercent(Math.max(shadow.percent, 0.01))} 1;\n    * "";\n}`,
      );
    location.push(`mirror ${path};`);
    const chained = r.gateway ? config.gateways.find((x) => x.name === r.gateway) : undefined;
    const host = chained
      ? hostPort(chained.host, chained.port ?? 0)
      : new URL(r.targets[0] ?? 'http://127.0.0.1').host;
    locations.push(
      [
        `# shadow copies for route '${r.name}' (${formatPercent(shadow.percent)} of ${shadow.methods.join(', ')}); the answer is discarded`,
        `location = ${path} {`,
        '    internal;',
        `    if ($request_method !~ ^(${shadow.methods.join('|')})$) {`,
        '        return 204;',
        '    }',
        ...(shadow.percent < 100 ? [`    if (${sample} = "") {`, '        return 204;', '    }'] : []),
        '    proxy_http_version 1.1;',
        '    proxy_set_header Connection "";',
        `    proxy_set_header Host "${host}";`,
        `    proxy_set_header ${SHADOW_HEADER} 1;`,
        `    proxy_set_header ${OVERRIDE_HEADER} "";`,
        `    proxy_connect_timeout ${Math.max(1, Math.ceil(g.connectTimeoutMs / 1000))}s;`,
        `    proxy_read_timeout ${Math.max(1, Math.ceil(g.timeoutMs / 1000))}s;`,
        `    proxy_pass http://${upstream(i)}$request_uri;`,
        '}',
      ].join('\n'),
    );
  }
  if (location.length) location.push('mirror_request_body on;');
  return { maps, location, locations };
}

type HTTPRouteData = ConstructorParameters<typeof HTTPRoute>[0] & object;
type Rule = NonNullable<NonNullable<HTTPRouteData['spec']>['rules']>[number];
type RuleFilter = NonNullable<Rule['filters']>[number];

/**
 * Gateway API: a RequestMirror filter per shadow route on every rule that does not send to that route
 * itself, with its share as `percent` (or a `fraction` when it is not whole). The standard has no
 * method match on a mirror: every method is mirrored, which is warned about unless all are listed.
 */
export function gatewayApiShadow(
  g: GatewayConfig,
  rules: Rule[],
  backend: (r: RouteConfig) => { name: string; port?: number | undefined },
  warn: (w: string) => void,
): void {
  for (const { r } of shadowRoutes(g)) {
    const shadow = r.shadow!;
    const ref = backend(r);
    const share = Number.isInteger(shadow.percent)
      ? { percent: shadow.percent }
      : { fraction: { numerator: Math.round(shadow.percent * 100), denominator: 10_000 } };
    const filter: RuleFilter = {
      type: 'RequestMirror',
      requestMirror: { backendRef: { name: ref.name, ...(ref.port ? { port: ref.port } : {}) }, ...share },
    };
    for (const rule of rules) {
      if (rule.backendRefs?.length === 1 && rule.backendRefs[0]?.name === ref.name) continue;
      rule.filters = [...(rule.filters ?? []), filter];
    }
    warn(
      `route '${r.name}': shadow ${formatPercent(shadow.percent)} is exported as a RequestMirror filter, which mirrors every method (Switchyard mirrors ${shadow.methods.join(', ')}) and without the ${SHADOW_HEADER} header`,
    );
  }
}
