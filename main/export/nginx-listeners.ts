import type { GatewayConfig, RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { hostPort } from '../../shared/wire/host.js';
import { certificateOf, httpsTargets, ownPortTls, SYSTEM_CA_FILE } from './listen-plan.js';

/**
 * The nginx `server` blocks of a gateway: one for its own port (plain or TLS) and one per shared
 * listener that serves its virtual hosts by `server_name`, all with the same locations (the routing is in
 * http-level maps, so any server can run it). The shared ports get a default server answering 404, as the
 * engine does for a Host no gateway claims.
 */

/**
 * nginx 1.22 (Debian 12) has no `http2 on;` (1.25.1): HTTP/2 is a `listen` parameter there, which later
 * versions still read (with a deprecation notice).
 */
const TLS_LISTEN = 'ssl http2';

export function gatewayServers(
  g: GatewayConfig,
  config: SwitchyardConfig,
  body: string[],
  warn: (w: string) => void,
): string[] {
  const servers: string[][] = [];
  let cert: string[] | undefined;
  const certLines = () => (cert ??= tlsLines(g, warn));
  if (g.port !== undefined) {
    const tls = ownPortTls(g);
    servers.push([
      `listen ${hostPort(g.host, g.port)}${tls ? ` ${TLS_LISTEN}` : ''};`,
      ...(tls ? certLines() : []),
    ]);
  }
  const names = g.virtualHosts ?? [];
  const shared = config.listeners;
  if (names.length && shared) {
    // nginx reads `*.shop.localhost` as this engine does: any depth below, not the bare name.
    const serverName = `server_name ${names.join(' ')};`;
    if (shared.http !== undefined)
      servers.push([`listen ${hostPort(shared.host, shared.http)};`, serverName]);
    if (shared.https !== undefined)
      servers.push([
        `listen ${hostPort(shared.host, shared.https)} ${TLS_LISTEN};`,
        serverName,
        ...certLines(),
      ]);
  }
  if (names.length && !shared)
    warn('virtual_hosts are not exported: the configuration has no shared listeners to serve them on');
  return servers.map((head) => server([...head, '', ...body]));
}

/** The shared ports' default servers: 404 for an unknown Host; TLS without a matching name is refused. */
export function defaultServers(config: SwitchyardConfig): string[] {
  const shared = config.listeners;
  if (!shared) return [];
  const out: string[] = [];
  const notFound = ['default_type text/plain;', 'return 404 "No gateway answers to $host here\\n";'];
  if (shared.http !== undefined)
    out.push(server([`listen ${hostPort(shared.host, shared.http)} default_server;`, ...notFound]));
  if (shared.https !== undefined)
    out.push(
      server([
        `listen ${hostPort(shared.host, shared.https)} ${TLS_LISTEN} default_server;`,
        // No certificate to show for a name no gateway serves (nginx 1.19.4+).
        'ssl_reject_handshake on;',
        ...notFound,
      ]),
    );
  return out.length ? ['# The shared listeners: a Host no gateway claims gets 404.', ...out] : [];
}

function tlsLines(g: GatewayConfig, warn: (w: string) => void): string[] {
  const files = certificateOf(g, warn);
  return [`ssl_certificate ${files.cert};`, `ssl_certificate_key ${files.key};`];
}

/**
 * Location lines for https targets. nginx sets upstream TLS per location, not per route: when the
 * gateway's https routes disagree on `tls_verify`/`ca`, the first one's settings apply, with a warning.
 * The engine verifies against the system's CAs by default (nginx does not verify unless told).
 */
export function upstreamTlsLines(g: GatewayConfig, p: string, warn: (w: string) => void): string[] {
  const https = g.routes.filter((r) => !r.respond && !r.gateway && httpsTargets(r).length);
  const first = https[0];
  if (!first) return [];
  const key = (r: RouteConfig) => `${r.tlsVerify === false ? 'off' : 'on'}|${r.caFile ?? ''}`;
  if (https.some((r) => key(r) !== key(first)))
    warn(
      `routes ${https.map((r) => `'${r.name}'`).join(', ')} differ in tls_verify/ca; nginx sets them per location, so route '${first.name}''s apply to all`,
    );
  if (https.some((r) => r.targets.some((t) => !t.startsWith('https:'))))
    warn('a route mixes http and https targets; nginx uses the scheme of its first target for all');
  return [
    'proxy_ssl_server_name on;',
    `proxy_ssl_name $${p}_tls_name;`,
    ...(first.tlsVerify === false
      ? ['proxy_ssl_verify off;']
      : ['proxy_ssl_verify on;', `proxy_ssl_trusted_certificate ${trusted(first, warn)};`]),
  ];
}

/** nginx trusts one file: the route's `ca` replaces the system's CAs, where the engine adds it to them. */
function trusted(r: RouteConfig, warn: (w: string) => void): string {
  if (!r.caFile) return SYSTEM_CA_FILE;
  warn(
    `route '${r.name}': nginx trusts only ${r.caFile} for its targets (the engine trusts it besides the system's CAs)`,
  );
  return r.caFile;
}

function server(lines: string[]): string {
  const body = lines
    .join('\n')
    .split('\n')
    .map((l) => (l ? `    ${l}` : l));
  return `server {\n${body.join('\n')}\n}`;
}
