import type { GatewayConfig, RouteConfig } from '../../shared/config/model.js';
import {
  headerPlan,
  mockContentType,
  mockHeaders,
  replaces,
  translateTemplate,
  type HeaderPlan,
} from './header-plan.js';
import { varName } from './nginx-conditions.js';

/**
 * Issue 15's fields in nginx: passive health as `max_fails`/`fail_timeout`, header rules as
 * `proxy_set_header` (requests) and `proxy_hide_header` + `add_header ... always` (responses), each a
 * `map` over the chosen route, mock routes as an internal location that `return`s, and CORS as maps on
 * the Origin with preflights answered in an internal location. `$` in literal text is written as
 * `${sy_dollar}` (a geo variable), nginx having no escape for it.
 */
export const DOLLAR_GEO = '# A literal $ in exported text.\ngeo $sy_dollar {\n    default "$";\n}';

/** The headers the location sets already, with the value they get when no rule touches them. */
export const FORWARDED_DEFAULTS: Record<string, string> = {
  'x-forwarded-for': '$remote_addr',
  'x-forwarded-host': '$http_host',
  'x-forwarded-proto': '$scheme',
  'x-forwarded-port': '$server_port',
};

export interface NginxResilience {
  /** `max_fails=... fail_timeout=...` for the route's servers (with a leading space), or ''. */
  serverParams(r: RouteConfig): string;
  /** http-level blocks (maps). */
  maps: string[];
  /** Lines at the start of `location /`, before the route check (the preflight). */
  first: string[];
  /** Lines in `location /` (header directives). */
  location: string[];
  /** Extra locations in the server block. */
  locations: string[];
  /** Names of request headers the location's own proxy_set_header lines must leave to the rules. */
  requestHeaders: Set<string>;
}

export function nginxResilience(
  g: GatewayConfig,
  p: string,
  upstream: (i: number) => string,
  warn: (w: string) => void,
  extraLocationLines: string[],
): NginxResilience {
  const maps: string[] = [];
  const first: string[] = [];
  const location: string[] = [];
  const locations: string[] = [];
  const text = (t: string) => escapeText(t);
  const value = (v: string) =>
    translateTemplate(
      v,
      (s) =>
        s.fetch === 'path'
          ? '$uri'
          : s.fetch === 'url'
            ? '$request_uri'
            : s.fetch === 'query'
              ? '$args'
              : `$http_${varName(s.name ?? '')}`,
      text,
      warn,
    );
  const byRoute = (variable: string, entries: [number, string][], fallback: string) =>
    `map $${p}_route ${variable} {\n${[...entries.map(([i, v]) => `${upstream(i)} "${v}";`), `default ${fallback};`].map((e) => `    ${e}`).join('\n')}\n}`;

  // Request headers: proxy_set_header with the route's value; "" removes the header.
  const requestPlan = headerPlan(g, 'request');
  const requestHeaders = new Set<string>();
  for (const [name, routes] of requestPlan) {
    const v = `$${p}_rq_${varName(name)}`;
    requestHeaders.add(name);
    const entries: [number, string][] = [];
    for (const [i, e] of routes) {
      if (e.adds.length && e.set === undefined && !e.removed)
        warn(
          `route '${g.routes[i]?.name}': request header rule add ${name} is exported as set (nginx's proxy_set_header replaces what the client sent)`,
        );
      entries.push([i, [...(e.set !== undefined ? [e.set] : []), ...e.adds].map(value).join(', ')]);
    }
    maps.push(byRoute(v, entries, `"${FORWARDED_DEFAULTS[name] ?? `$http_${varName(name)}`}"`));
    location.push(`proxy_set_header ${name} ${v};`);
  }

  // Response headers: hidden when any route replaces or removes them, then added back per route.
  const responsePlan = headerPlan(g, 'response');
  const responseLines = responseHeaderLines(responsePlan, p, value, byRoute, maps, warn, g);
  location.push(...responseLines.location);

  // CORS: the allowed origin (or ""), and what goes with it.
  const corsLines: string[] = [];
  if (g.cors) {
    const c = g.cors;
    const origins =
      c.origins === '*'
        ? ['"" "";', 'default "*";']
        : [...c.origins.map((o) => `"${o}" "${o}";`), 'default "";'];
    maps.push(`map $http_origin $${p}_cors_origin {\n${origins.map((e) => `    ${e}`).join('\n')}\n}`);
    const ifAllowed = (name: string, v: string) =>
      maps.push(`map $${p}_cors_origin $${p}_cors_${name} {\n    "" "";\n    default "${v}";\n}`);
    ifAllowed('methods', c.methods.join(', '));
    ifAllowed('credentials', c.credentials ? 'true' : '');
    ifAllowed('expose', c.expose.join(', '));
    ifAllowed('max_age', String(c.maxAgeS));
    if (c.headers) ifAllowed('headers', c.headers.join(', '));
    else
      maps.push(
        `map "$${p}_cors_origin|$http_access_control_request_headers" $${p}_cors_headers {\n    "~^[^|]+\\|(?<${p}_cors_h>.+)$" $${p}_cors_h;\n    default "";\n}`,
      );
    maps.push(
      `map "$request_method|$http_origin|$http_access_control_request_method" $${p}_preflight {\n    "~^OPTIONS\\|.+\\|.+$" 1;\n    default "";\n}`,
    );
    // A preflight is answered by the gateway, never forwarded (cors.ts).
    first.push(`if ($${p}_preflight) {`, `    rewrite ^ /.switchyard/${p}/preflight last;`, '}');
    locations.push(
      [
        `location = /.switchyard/${p}/preflight {`,
        '    internal;',
        '    add_header Vary "Origin, Access-Control-Request-Method, Access-Control-Request-Headers" always;',
        `    add_header Access-Control-Allow-Origin $${p}_cors_origin always;`,
        `    add_header Access-Control-Allow-Methods $${p}_cors_methods always;`,
        `    add_header Access-Control-Allow-Headers $${p}_cors_headers always;`,
        `    add_header Access-Control-Allow-Credentials $${p}_cors_credentials always;`,
        `    add_header Access-Control-Max-Age $${p}_cors_max_age always;`,
        '    return 204;',
        '}',
      ].join('\n'),
    );
    corsLines.push(
      ...(c.origins === '*' ? [] : ['add_header Vary Origin always;']),
      `add_header Access-Control-Allow-Origin $${p}_cors_origin always;`,
      `add_header Access-Control-Allow-Credentials $${p}_cors_credentials always;`,
      `add_header Access-Control-Expose-Headers $${p}_cors_expose always;`,
    );
    location.push(
      'proxy_hide_header Access-Control-Allow-Origin;',
      'proxy_hide_header Access-Control-Allow-Credentials;',
      'proxy_hide_header Access-Control-Expose-Headers;',
      ...corsLines,
    );
  }

  // Mock routes: an internal location answering with the mock's status, headers and body.
  g.routes.forEach((r, i) => {
    const m = r.respond;
    if (!m) return;
    const at = `/.switchyard/${p}/r${i}`;
    first.push(`if ($${p}_route = ${upstream(i)}) {`, `    rewrite ^ ${at} last;`, '}');
    const type = mockContentType(m);
    if (m.bodyFile !== undefined)
      warn(
        `route '${r.name}': the mock's body_file is served with nginx's alias, which answers 200 and ignores the status ${m.status}`,
      );
    const redirect = [301, 302, 303, 307, 308].includes(m.status);
    const body = m.body !== undefined && m.body !== '' && !redirect && m.status !== 204 && m.status !== 304;
    if (redirect && m.body)
      warn(`route '${r.name}': a ${m.status} mock answers without its body in nginx (return takes a URL)`);
    locations.push(
      [
        `location = ${at} {`,
        '    internal;',
        `    default_type "${escapeText(type ?? 'text/plain')}";`,
        ...mockHeaders(m).map(([k, v]) => `    add_header ${k} "${escapeText(v)}" always;`),
        ...responseLines.mock.map((l) => `    ${l}`),
        ...corsLines.map((l) => `    ${l}`),
        ...extraLocationLines.map((l) => `    ${l}`),
        m.bodyFile !== undefined
          ? `    alias ${m.bodyFile};`
          : `    return ${m.status}${body ? ` "${escapeText(m.body as string)}"` : ''};`,
        '}',
      ].join('\n'),
    );
  });

  return {
    serverParams: (r) => serverParams(r, warn),
    maps,
    first,
    location,
    locations,
    requestHeaders,
  };
}

function responseHeaderLines(
  plan: HeaderPlan,
  p: string,
  value: (v: string) => string,
  byRoute: (variable: string, entries: [number, string][], fallback: string) => string,
  maps: string[],
  warn: (w: string) => void,
  g: GatewayConfig,
): { location: string[]; mock: string[] } {
  const location: string[] = [];
  const mock: string[] = [];
  for (const [name, routes] of plan) {
    const base = `${p}_rs_${varName(name)}`;
    if (replaces(routes)) {
      // The upstream's value is hidden; routes that leave it alone pass it on.
      const entries: [number, string][] = [];
      for (const [i, e] of routes)
        entries.push([
          i,
          e.set !== undefined ? value(e.set) : e.removed ? '' : `$upstream_http_${varName(name)}`,
        ]);
      maps.push(byRoute(`$${base}`, entries, `$upstream_http_${varName(name)}`));
      location.push(`proxy_hide_header ${name};`, `add_header ${name} $${base} always;`);
      mock.push(`add_header ${name} $${base} always;`);
    }
    const adds = [...routes].filter(([, e]) => e.adds.length);
    if (adds.length) {
      for (const [i, e] of adds)
        if (e.adds.length > 1)
          warn(`route '${g.routes[i]?.name}': the added ${name} values are joined into one header in nginx`);
      maps.push(
        byRoute(
          `$${base}_add`,
          adds.map(([i, e]) => [i, e.adds.map(value).join(', ')]),
          '""',
        ),
      );
      location.push(`add_header ${name} $${base}_add always;`);
      mock.push(`add_header ${name} $${base}_add always;`);
    }
  }
  return { location, mock };
}

function serverParams(r: RouteConfig, warn: (w: string) => void): string {
  const where = `route '${r.name}'`;
  if (r.healthCheck)
    warn(
      `${where}: open-source nginx has no active health checks; exported as passive max_fails/fail_timeout (an instance is skipped after failed requests, which nginx retries on the next instance)`,
    );
  if (r.passive) {
    if (r.passive.ejectForMs !== r.passive.withinMs)
      warn(
        `${where}: passive eject_for ${r.passive.ejectForMs}ms is exported as fail_timeout ${r.passive.withinMs}ms (nginx ejects for as long as it counts failures)`,
      );
    warn(
      `${where}: nginx counts connection errors and timeouts as failures, not 5xx answers (see proxy_next_upstream)`,
    );
    return ` max_fails=${r.passive.failures} fail_timeout=${seconds(r.passive.withinMs)}`;
  }
  if (r.healthCheck)
    return ` max_fails=${r.healthCheck.unhealthyAfter} fail_timeout=${seconds(r.healthCheck.intervalMs)}`;
  return '';
}

/** Text inside nginx double quotes: backslashes and quotes escaped, `$` through the geo variable. */
export function escapeText(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\$/g, '${sy_dollar}');
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}
