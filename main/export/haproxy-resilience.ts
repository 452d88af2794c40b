import type { CorsConfig, GatewayConfig, RouteConfig } from '../../shared/config/model.js';
import { headerPlan, mockContentType, mockHeaders, translateTemplate } from './header-plan.js';

/**
 * Issue 15's fields in HAProxy: active health as `option httpchk` and `check inter/fall/rise`, passive
 * health as `observe layer7 ... on-error mark-down`, header rules as `http-request` and
 * `http-after-response` set-header/add-header/del-header (after-response so a mock's answer gets them
 * too, gateway rules then route rules as the engine applies them), mock routes as
 * `http-request return`, and CORS in the frontend: preflights returned there, headers added after
 * every response (HAProxy's own 503s too).
 */

/** Backend lines for a route: health directives, header rules, the mock's return. */
export function routeResilience(
  g: GatewayConfig,
  i: number,
  warn: (w: string) => void,
): { options: string[]; request: string[]; response: string[]; serverParams: string } {
  const r = g.routes[i] as RouteConfig;
  const options: string[] = [];
  const params: string[] = [];
  const value = (v: string) =>
    quoteFormat(
      translateTemplate(
        v,
        (s) => (s.fetch === 'hdr' ? `%[req.hdr(${s.name ?? ''})]` : `%[${s.fetch}]`),
        (t) => t.replace(/%/g, '%%'),
        warn,
      ),
    );
  if (r.healthCheck || r.passive)
    // A request that cannot connect tries another instance, as Switchyard never sends to a down one.
    options.push('    retries 2', '    option redispatch 1');
  if (r.healthCheck) {
    const h = r.healthCheck;
    options.push(`    option httpchk GET ${h.path}`, `    timeout check ${h.timeoutMs}ms`);
    params.push(`check inter ${h.intervalMs}ms fall ${h.unhealthyAfter} rise ${h.healthyAfter}`);
  }
  if (r.passive) {
    const pv = r.passive;
    if (!r.healthCheck) params.push(`check inter ${pv.ejectForMs}ms`);
    params.push(`observe layer7 error-limit ${pv.failures} on-error mark-down`);
    warn(
      `route '${r.name}': passive health is exported as observe layer7 error-limit ${pv.failures} on-error mark-down: HAProxy counts errors without the ${pv.withinMs}ms window, and an instance comes back when its ${r.healthCheck ? 'health checks' : `connection checks every ${pv.ejectForMs}ms`} pass`,
    );
  }

  const request: string[] = [];
  for (const [name, byRoute] of headerPlan(g, 'request')) {
    const e = byRoute.get(i);
    if (!e) continue;
    if (e.removed && e.set === undefined) request.push(`    http-request del-header ${name}`);
    if (e.set !== undefined) request.push(`    http-request set-header ${name} ${value(e.set)}`);
    for (const a of e.adds) request.push(`    http-request add-header ${name} ${value(a)}`);
  }
  const response: string[] = [];
  for (const [name, byRoute] of headerPlan(g, 'response')) {
    const e = byRoute.get(i);
    if (!e) continue;
    if (e.removed && e.set === undefined) response.push(`    http-after-response del-header ${name}`);
    if (e.set !== undefined) response.push(`    http-after-response set-header ${name} ${value(e.set)}`);
    for (const a of e.adds) response.push(`    http-after-response add-header ${name} ${value(a)}`);
  }

  const m = r.respond;
  if (m) {
    const type = mockContentType(m);
    const body =
      m.bodyFile !== undefined
        ? ` file ${quoteFormat(m.bodyFile)}`
        : m.body
          ? ` string ${quoteFormat(m.body)}`
          : '';
    if (m.bodyFile !== undefined)
      warn(`route '${r.name}': HAProxy reads the mock's body_file when it starts, not on each request`);
    const hdrs = mockHeaders(m)
      .map(([k, v]) => ` hdr ${k} ${quoteFormat(v.replace(/%/g, '%%'))}`)
      .join('');
    request.push(
      `    http-request return status ${m.status}${body && type ? ` content-type ${quoteFormat(type)}` : ''}${body}${hdrs}`,
    );
  }
  return { options, request, response, serverParams: params.length ? ` ${params.join(' ')}` : '' };
}

/** Frontend lines for CORS. */
export function corsLines(cors: CorsConfig, p: string): string[] {
  const allowed =
    cors.origins === '*'
      ? 'req.hdr(origin) -m found'
      : `req.hdr(origin) -m str ${cors.origins.map(quoteFormat).join(' ')}`;
  const originVar = cors.origins === '*' ? 'str(*)' : 'req.hdr(origin)';
  const preflight = `${p}_preflight`;
  const ok = `${p}_cors_allowed`;
  const vary = 'hdr Vary "Origin, Access-Control-Request-Method, Access-Control-Request-Headers"';
  const allow = [
    `hdr Access-Control-Allow-Origin ${cors.origins === '*' ? '"*"' : '"%[req.hdr(origin)]"'}`,
    `hdr Access-Control-Allow-Methods ${quoteFormat(cors.methods.join(', '))}`,
    cors.headers
      ? `hdr Access-Control-Allow-Headers ${quoteFormat(cors.headers.join(', '))}`
      : 'hdr Access-Control-Allow-Headers "%[req.hdr(access-control-request-headers)]"',
    ...(cors.credentials ? ['hdr Access-Control-Allow-Credentials true'] : []),
    `hdr Access-Control-Max-Age ${cors.maxAgeS}`,
  ].join(' ');
  const actual = `{ var(txn.${p}_origin) -m found } !{ var(txn.${p}_pf) -m found }`;
  return [
    `    acl ${preflight} method OPTIONS`,
    `    acl ${preflight}_origin req.hdr(origin) -m found`,
    `    acl ${preflight}_method req.hdr(access-control-request-method) -m found`,
    `    acl ${ok} ${allowed}`,
    `    http-request set-var(txn.${p}_pf) bool(true) if ${preflight} ${preflight}_origin ${preflight}_method`,
    `    http-request return status 204 ${vary} ${allow} if ${preflight} ${preflight}_origin ${preflight}_method ${ok}`,
    `    http-request return status 204 ${vary} if ${preflight} ${preflight}_origin ${preflight}_method`,
    `    http-request set-var(txn.${p}_origin) ${originVar} if ${ok}`,
    `    http-after-response set-header Access-Control-Allow-Origin %[var(txn.${p}_origin)] if ${actual}`,
    ...(cors.credentials
      ? [`    http-after-response set-header Access-Control-Allow-Credentials true if ${actual}`]
      : []),
    ...(cors.expose.length
      ? [
          `    http-after-response set-header Access-Control-Expose-Headers ${quoteFormat(cors.expose.join(', '))} if ${actual}`,
        ]
      : []),
    ...(cors.origins === '*'
      ? []
      : [`    http-after-response add-header Vary Origin if !{ var(txn.${p}_pf) -m found }`]),
  ];
}

/** A log-format argument in double quotes. */
function quoteFormat(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '\\$')}"`;
}
