import { formatPercent } from '../../shared/config/units.js';
import { parseCondition } from '../../shared/conditions/parser.js';
import type { GatewayConfig, Rewrite, SwitchyardConfig } from '../../shared/config/model.js';
import { hostPort, targetHostPort } from '../../shared/wire/host.js';
import { OVERRIDE_HEADER, OVERRIDE_QUERY } from '../../shared/wire/override.js';
import {
  routeStickyId,
  STICKY_COOKIE_ATTRIBUTES,
  stickyCookieName,
} from '../../shared/wire/sticky-cookie.js';
import { escape, NginxConditionCompiler, varName } from './nginx-conditions.js';
import type { ExportResult } from './export-result.js';
import { DOLLAR_GEO, FORWARDED_DEFAULTS, nginxResilience } from './nginx-resilience.js';
import { warnUnexported } from './unexported.js';
import { nginxShadow } from './shadow-export.js';
import { defaultServers, gatewayServers, upstreamTlsLines } from './nginx-listeners.js';
import { nginxStream } from './nginx-stream.js';

/**
 * Exports gateways as nginx configuration: a `server` per gateway, an `upstream` (with keepalive) per
 * route, and Vamp's selection spelled out in `map` and `split_clients` blocks:
 *   the override header, then the sticky cookie, then the first route whose condition matches (taken
 *   with its strength, a second split_clients), then the weights (split_clients keyed by the sticky_by
 *   key, or per request).
 * A gateway's servers (its own port, and the shared listeners by server_name) are in nginx-listeners.ts;
 * TCP gateways go in a stream {} block beside http {} (nginx-stream.ts).
 * Whatever nginx cannot say exactly is listed as a warning, here and in the file.
 */
export function exportNginx(config: SwitchyardConfig, opts: { fragment?: boolean } = {}): ExportResult {
  const warnings: string[] = [];
  const blocks = config.gateways.flatMap((g, i) =>
    g.protocol === 'tcp' ? [] : [gatewayBlocks(g, `sy${i}`, config, warnings)],
  );
  const shared = [
    '# WebSocket upgrades pass through; other requests keep the upstream connection alive.',
    'map $http_upgrade $sy_connection {\n    default upgrade;\n    "" "";\n}',
    DOLLAR_GEO,
  ];
  const body = [...shared, ...blocks, ...defaultServers(config)].join('\n\n');
  // TCP gateways go in a top-level stream {} block, which an include inside http {} cannot hold.
  const stream = nginxStream(config, warnings);
  if (opts.fragment) {
    if (stream)
      warnings.push(
        'tcp gateways need a stream {} block at the top level of nginx.conf, which a fragment for http {} cannot hold: export without --fragment',
      );
    return { text: `${body}\n`, warnings };
  }
  return { text: `http {\n${indent(body)}\n}\n${stream ? `\n${stream}` : ''}`, warnings };
}

function gatewayBlocks(g: GatewayConfig, p: string, config: SwitchyardConfig, warnings: string[]): string {
  const warn = (what: string) => warnings.push(`gateway '${g.name}': ${what}`);
  const out: string[] = [`# gateway '${g.name}'`];
  const conditions = new NginxConditionCompiler(p);
  const upstream = (i: number) => `${p}_r${i}`;
  warnUnexported(
    g,
    [
      'healthCheck',
      'passive',
      'headers',
      'gatewayHeaders',
      'respond',
      'cors',
      'shadow',
      'virtualHosts',
      'tls',
      'upstreamTls',
    ],
    warn,
  );
  const sticky = g.sticky !== 'none' && !g.stickyBy;
  const resilience = nginxResilience(
    g,
    p,
    upstream,
    warn,
    sticky ? [`add_header Set-Cookie $${p}_set_cookie always;`] : [],
  );
  // Shadow traffic (issue 14): mirror lines and internal locations, alongside the resilience ones.
  const shadow = nginxShadow(g, p, upstream, config);
  resilience.maps.push(...shadow.maps);
  resilience.location.push(...shadow.location);
  resilience.locations.push(...shadow.locations);
  if (g.maxConnections)
    warn(
      `max_connections ${g.maxConnections} is not exported: nginx's worker_connections is for the whole server`,
    );

  // Upstreams: one per route; a chained route goes to the other gateway's listener.
  g.routes.forEach((r, i) => {
    if (r.respond) return; // a mock route answers in its own location, without an upstream
    let servers: string[];
    if (r.gateway) {
      const target = config.gateways.find((x) => x.name === r.gateway);
      servers = target ? [hostPort(target.host, target.port ?? 0)] : [];
      warn(`route '${r.name}' chains to gateway '${r.gateway}' through its port (an extra hop in nginx)`);
      if (target && (target.port === undefined || target.protocol === 'https'))
        warn(
          `route '${r.name}': gateway '${r.gateway}' has no plain http port of its own to chain to; give it one`,
        );
    } else {
      servers = r.targets.map(
        (t, k) =>
          `${targetHostPort(t)}${r.targetWeights ? ` weight=${Math.max(1, r.targetWeights[k] ?? 1)}` : ''}`,
      );
      if (r.balance.type !== 'round-robin')
        warn(`route '${r.name}': balance ${r.balance.type} is exported as nginx's round-robin`);
      if (r.targets.some((t) => new URL(t).pathname !== '/'))
        warn(`route '${r.name}' has a target base path, which nginx does not add`);
    }
    const maxConns = `${g.maxUpstreamConnections ? ` max_conns=${g.maxUpstreamConnections}` : ''}${resilience.serverParams(r)}`;
    out.push(
      `upstream ${upstream(i)} {\n${servers.map((s) => `    server ${s}${maxConns};`).join('\n')}\n    keepalive 16;\n}`,
    );
  });

  // Vamp: the first route, in order, whose condition matches.
  const conditional = g.routes.map((r, i) => ({ r, i })).filter(({ r }) => r.condition);
  const condVars = conditional.map(({ r }) => conditions.compile(parseCondition(r.condition as string)));
  const key = stickyKey(g);
  if (conditional.length) {
    const entries = conditional.map(({ i }, k) => `"~^${'0'.repeat(k)}1" ${i};`);
    out.push(mapBlock(`"${condVars.join('')}"`, `$${p}_match`, entries, '""'));
    conditional.forEach(({ r, i }) => {
      // The strength draw: a second split_clients (hashed per user under sticky_by, as in Switchyard).
      const strength = r.conditionStrength;
      const draw = `$${p}_s${i}`;
      if (strength >= 100) out.push(mapBlock('$host', draw, [], 'hit'));
      else if (strength <= 0) out.push(mapBlock('$host', draw, [], '""'));
      else
        out.push(
          `split_clients "${key}strength${i}" ${draw} {\n    ${formatPercent(strength)} hit;\n    * "";\n}`,
        );
      out.push(mapBlock(`"$${p}_match:${draw}"`, `$${p}_take${i}`, [`"${i}:hit" ${upstream(i)};`], '""'));
    });
  }

  // The weights.
  const weighted = g.routes.map((r, i) => ({ r, i })).filter(({ r }) => r.weight > 0);
  if (weighted.length) {
    out.push(
      `split_clients "${key}" $${p}_weighted {\n${weighted.map(({ r, i }, k) => `    ${k === weighted.length - 1 ? '*' : formatPercent(r.weight)} ${upstream(i)};`).join('\n')}\n}`,
    );
  } else out.push(mapBlock('$host', `$${p}_weighted`, [], '""'));

  // The override header (and query), and the sticky cookie.
  const byName = g.routes.map((r, i) => `${quote(r.name)} ${upstream(i)};`);
  out.push(mapBlock(`$http_${OVERRIDE_HEADER.replaceAll('-', '_')}`, `$${p}_override_h`, byName, '""'));
  out.push(mapBlock(`$arg_${OVERRIDE_QUERY.replaceAll('-', '_')}`, `$${p}_override_q`, byName, '""'));
  const cookie = stickyCookieName(g.name);
  if (sticky) {
    const ids = g.routes.map((r, i) => ({ id: routeStickyId(g.name, r.name), i, r }));
    out.push(
      mapBlock(
        `$cookie_${varName(cookie)}`,
        `$${p}_sticky`,
        ids.filter(({ r }) => r.weight > 0 || r.condition).map(({ id, i }) => `"~^${id}" ${upstream(i)};`),
        '""',
      ),
    );
    out.push(
      mapBlock(
        `"$${p}_sticky|$${p}_route"`,
        `$${p}_set_cookie`,
        ids.map(({ id, i }) => `"|${upstream(i)}" "${cookie}=${id}; ${STICKY_COOKIE_ATTRIBUTES}";`),
        '""',
      ),
    );
    if (g.sticky === 'instance')
      warn('sticky: instance is exported as route stickiness; nginx picks the instance round-robin');
    warn(
      'a sticky cookie naming a route whose weight dropped to 0% is still honoured while that route has a condition',
    );
  }
  if (g.stickyBy)
    warn(
      `sticky_by ${describeKey(g)}: requests without the key share one bucket in nginx (Switchyard draws them at random)`,
    );

  const chain = [
    `$${p}_override_h`,
    `$${p}_override_q`,
    ...(sticky ? [`$${p}_sticky`] : []),
    ...conditional.map(({ i }) => `$${p}_take${i}`),
    `$${p}_weighted`,
  ];
  out.push(mapBlock(`"${chain.join('|')}"`, `$${p}_route`, ['"~^\\|*(?<sy_first>[^|]+)" $sy_first;'], '""'));

  // Host header per route (the first instance's), and the rewritten path.
  out.push(
    mapBlock(
      `$${p}_route`,
      `$${p}_upstream_host`,
      g.routes.flatMap((r, i) =>
        r.respond
          ? []
          : `${upstream(i)} "${r.gateway ? hostPort(config.gateways.find((x) => x.name === r.gateway)?.host ?? '127.0.0.1', config.gateways.find((x) => x.name === r.gateway)?.port ?? 0) : new URL(r.targets[0] as string).host}";`,
      ),
      '$host',
    ),
  );
  const pathVar = rewrites(g, p, conditions, warnings, upstream, out);
  out.unshift(...conditions.maps);
  const upstreamTls = upstreamTlsLines(g, p, warn);
  if (upstreamTls.length) out.push(...tlsMaps(g, p, upstream));

  if (g.port === 0)
    warn('port 0 (any free port) has no nginx equivalent; the server listens on 0 and needs a real port');
  out.push(...resilience.maps);
  out.push(...gatewayServers(g, config, locations(g, p, pathVar, sticky, resilience, upstreamTls), warn));
  warnings.push(...conditions.warnings.map((w) => `gateway '${g.name}': ${w}`));
  return out.join('\n\n');
}

/** Rewrites, applied in order, each a map over "route:condition:path"; returns the variable with the final path. */
function rewrites(
  g: GatewayConfig,
  p: string,
  conditions: NginxConditionCompiler,
  warnings: string[],
  upstream: (i: number) => string,
  out: string[],
): string {
  let current = '$uri';
  let step = 0;
  g.routes.forEach((r, i) => {
    for (const rw of r.rewrites) {
      const cond = rw.condition ? conditions.compile(parseCondition(rw.condition)) : undefined;
      const next = `$${p}_path${step++}`;
      const head = `${upstream(i)}:${cond ? '1' : ''}:`;
      const entries = rewriteEntries(rw, escape(head), r.name, g.name, warnings);
      out.push(mapBlock(`"$${p}_route:${cond ?? ''}:${current}"`, next, entries, current));
      current = next;
    }
  });
  return current;
}

function rewriteEntries(
  rw: Rewrite,
  head: string,
  route: string,
  gateway: string,
  warnings: string[],
): string[] {
  switch (rw.type) {
    case 'path':
      return [`"~^${head}(?<sy_p>.*)$" "${rw.template.replaceAll('%[path]', '$sy_p')}";`];
    case 'strip_prefix':
      return [`"~^${head}${escape(rw.prefix)}$" /;`, `"~^${head}${escape(rw.prefix)}(?<sy_p>/.*)$" $sy_p;`];
    case 'add_prefix':
      return [`"~^${head}(?<sy_p>.*)$" "${rw.prefix}$sy_p";`];
    case 'replace':
      if (/\$\d|\$&/.test(rw.with)) {
        warnings.push(
          `gateway '${gateway}': route '${route}': the replace rewrite uses regex groups in its replacement, which this export cannot carry; it is left out`,
        );
        return [];
      }
      return [
        `"~^${head}(?<sy_a>.*?)${rw.regex.replace(/^\^/, '').replace(/"/g, '\\"')}(?<sy_b>.*)$" "$sy_a${rw.with}$sy_b";`,
      ];
  }
}

/** The scheme and TLS name (SNI, and the name verified) of each route's upstream. */
function tlsMaps(g: GatewayConfig, p: string, upstream: (i: number) => string): string[] {
  const direct = g.routes
    .map((r, i) => ({ r, i }))
    .filter(({ r }) => !r.respond && !r.gateway && r.targets[0]);
  const url = (r: (typeof direct)[number]['r']) => new URL(r.targets[0] as string);
  return [
    mapBlock(
      `$${p}_route`,
      `$${p}_scheme`,
      direct.filter(({ r }) => url(r).protocol === 'https:').map(({ i }) => `${upstream(i)} https;`),
      'http',
    ),
    mapBlock(
      `$${p}_route`,
      `$${p}_tls_name`,
      direct.map(({ r, i }) => `${upstream(i)} "${url(r).hostname.replace(/^\[|\]$/g, '')}";`),
      '$host',
    ),
  ];
}

/** The server body every listener of the gateway shares: its locations. */
function locations(
  g: GatewayConfig,
  p: string,
  pathVar: string,
  sticky: boolean,
  resilience: ReturnType<typeof nginxResilience>,
  upstreamTls: string[],
): string[] {
  const forwarded = Object.keys(FORWARDED_DEFAULTS)
    .filter((name) => !resilience.requestHeaders.has(name))
    .map((name) => `    proxy_set_header ${xName(name)} ${FORWARDED_DEFAULTS[name]};`);
  return [
    'location / {',
    ...resilience.first.map((l) => `    ${l}`),
    `    if ($${p}_route = "") {`,
    '        return 503;',
    '    }',
    ...(sticky ? [`    add_header Set-Cookie $${p}_set_cookie always;`] : []),
    '    proxy_http_version 1.1;',
    '    proxy_set_header Connection $sy_connection;',
    '    proxy_set_header Upgrade $http_upgrade;',
    `    proxy_set_header Host ${g.preserveHost ? '$http_host' : `$${p}_upstream_host`};`,
    ...forwarded,
    ...resilience.location.map((l) => `    ${l}`),
    `    proxy_set_header ${OVERRIDE_HEADER} "";`,
    `    proxy_connect_timeout ${seconds(g.connectTimeoutMs)};`,
    `    proxy_read_timeout ${seconds(g.timeoutMs)};`,
    `    proxy_send_timeout ${seconds(g.timeoutMs)};`,
    '    proxy_redirect off;',
    ...upstreamTls.map((l) => `    ${l}`),
    `    proxy_pass ${upstreamTls.length ? `$${p}_scheme` : 'http'}://$${p}_route${pathVar}$is_args$args;`,
    '}',
    ...resilience.locations.flatMap((l) => ['', l]),
  ];
}

/** x-forwarded-for → X-Forwarded-For. */
function xName(name: string): string {
  return name.replace(/(^|-)([a-z])/g, (_, dash: string, c: string) => dash + c.toUpperCase());
}

function stickyKey(g: GatewayConfig): string {
  const by = g.stickyBy;
  if (!by) return '${request_id}';
  if (by.source === 'ip') return '${remote_addr}';
  const prefix = by.source === 'header' ? 'http' : by.source === 'cookie' ? 'cookie' : 'arg';
  return `\${${prefix}_${varName(by.name)}}`;
}

function describeKey(g: GatewayConfig): string {
  const by = g.stickyBy;
  return !by ? '' : by.source === 'ip' ? 'ip' : `${by.source} ${by.name}`;
}

function mapBlock(source: string, variable: string, entries: string[], fallback: string): string {
  return `map ${source} ${variable} {\n${[...entries, `default ${fallback};`].map((e) => `    ${e}`).join('\n')}\n}`;
}

function seconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => (l ? `    ${l}` : l))
    .join('\n');
}
