import type { GatewayConfig, RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { hostPort } from '../../shared/wire/host.js';
import {
  certificateOf,
  hostRules,
  integerWeights,
  ownPortTls,
  tcpServers,
  virtualHostGateways,
} from './listen-plan.js';
import { warnUnexported } from './unexported.js';

/**
 * HAProxy's listeners: a gateway's own bind (plain or TLS), the shared frontends that pick a gateway by
 * Host, and TCP gateways. A shared frontend hands a request to its gateway's frontend over an abstract
 * socket with the PROXY protocol, so the gateway's routing rules are written once and still see the
 * client's address and the port it came in on.
 */

/** The internal socket a gateway's frontend accepts its virtual hosts' requests on. */
const internal = (p: string) => `abns@${p}_vh`;

/** The `bind` lines of an HTTP gateway's frontend; none when it is not reachable at all (then a warning). */
export function gatewayBinds(
  g: GatewayConfig,
  p: string,
  config: SwitchyardConfig,
  warn: (w: string) => void,
): string[] {
  const binds: string[] = [];
  if (g.port !== undefined)
    binds.push(`    bind ${hostPort(g.host, g.port)}${ownPortTls(g) ? tlsParams([certFile(g, warn)]) : ''}`);
  if (g.virtualHosts?.length) {
    if (config.listeners) binds.push(`    bind ${internal(p)} accept-proxy`);
    else warn('virtual_hosts are not exported: the configuration has no shared listeners to serve them on');
  }
  return binds;
}

/** The ports a request arrives on over TLS, to say so in X-Forwarded-Proto. */
export function tlsPorts(g: GatewayConfig, config: SwitchyardConfig): number[] {
  return [
    ...(g.port !== undefined && ownPortTls(g) ? [g.port] : []),
    ...(g.virtualHosts?.length && config.listeners?.https !== undefined ? [config.listeners.https] : []),
  ];
}

/** The shared listeners as frontends that dispatch by Host (exact names, then longest wildcards). */
export function sharedFrontends(config: SwitchyardConfig, warnings: string[]): string[] {
  const shared = config.listeners;
  const gateways = virtualHostGateways(config);
  if (!shared || (shared.http === undefined && shared.https === undefined)) return [];
  const prefix = (g: GatewayConfig) => `sy${config.gateways.indexOf(g)}`;
  const rules = hostRules(config);
  // The Host without its port, any case: what the engine looks up (HAProxy 2.6 has no host_only).
  const host = 'req.hdr(host),field(1,:),lower';
  const dispatch = [
    ...rules.map((r, k) => `    acl sy_vh${k} ${host} -m ${r.suffix ? `end ${r.suffix}` : `str ${r.name}`}`),
    ...rules.map((r, k) => `    use_backend ${prefix(config.gateways[r.gateway]!)}_vh if sy_vh${k}`),
    '    default_backend sy_unknown_host',
  ];
  const out: string[] = [];
  if (shared.http !== undefined)
    out.push(['frontend sy_http', `    bind ${hostPort(shared.host, shared.http)}`, ...dispatch].join('\n'));
  if (shared.https !== undefined) {
    const certs = gateways.map((g) => certFile(g, (w) => warnings.push(`gateway '${g.name}': ${w}`)));
    if (certs.length)
      out.push(
        [
          'frontend sy_https',
          `    bind ${hostPort(shared.host, shared.https)}${tlsParams(certs)}`,
          ...dispatch,
        ].join('\n'),
      );
    else warnings.push('listeners: https is not exported: no gateway has virtual hosts to serve on it');
  }
  for (const g of gateways)
    out.push(
      [
        `backend ${prefix(g)}_vh`,
        `    # gateway '${g.name}'`,
        `    server s0 ${internal(prefix(g))} send-proxy-v2`,
      ].join('\n'),
    );
  out.push(
    [
      'backend sy_unknown_host',
      '    # a Host no gateway claims: 404, as the engine answers',
      '    http-request return status 404 content-type text/plain string "No gateway answers to this host here"',
    ].join('\n'),
  );
  return out;
}

/** A TCP gateway: a `mode tcp` frontend and one backend weighted by route and target shares. */
export function tcpGateway(g: GatewayConfig, p: string, warn: (w: string) => void): string[] {
  warnUnexported(g, [], warn);
  if (g.port === 0)
    warn('port 0 (any free port) has no HAProxy equivalent; the frontend binds port 0 and needs a real port');
  const servers = tcpServers(g);
  // HAProxy weights are 0-256; 0 takes no connections, as a route at 0% takes none.
  const weights = integerWeights(
    servers.map((s) => s.percent),
    256,
  );
  const frontend = [
    `frontend ${p}`,
    `    # gateway '${g.name}' (tcp)`,
    '    mode tcp',
    `    bind ${hostPort(g.host, g.port ?? 0)}`,
    ...(g.maxConnections ? [`    maxconn ${g.maxConnections}`] : []),
    `    timeout client ${g.timeoutMs}ms`,
    `    default_backend ${p}_tcp`,
  ];
  const backend = [
    `backend ${p}_tcp`,
    '    mode tcp',
    // sticky: the engine keeps a client address on its route; a hash of the source does the same.
    `    balance ${g.sticky !== 'none' || g.stickyBy ? 'source' : 'roundrobin'}`,
    `    timeout connect ${g.connectTimeoutMs}ms`,
    `    timeout server ${g.timeoutMs}ms`,
    ...servers.map(
      (s, k) =>
        `    server s${k} ${s.hostPort} weight ${weights[k]}${g.maxUpstreamConnections ? ` maxconn ${g.maxUpstreamConnections}` : ''}  # route '${s.route}'`,
    ),
  ];
  return [frontend.join('\n'), backend.join('\n')];
}

/** TLS and HTTP/2 parameters of a server line for a route's target. */
export function serverTls(r: RouteConfig, target: string | undefined): string {
  const https = target?.startsWith('https:') ?? false;
  const h2 = r.h2 ? (https ? ' alpn h2' : ' proto h2') : '';
  if (!https) return h2;
  const sni = ` sni str(${new URL(target!).hostname.replace(/^\[|\]$/g, '')})`;
  const verify =
    r.tlsVerify === false ? ' verify none' : ` verify required ca-file ${r.caFile ?? '@system-ca'}`;
  return ` ssl${verify}${sni}${h2}`;
}

function tlsParams(certs: string[]): string {
  return ` ssl${certs.map((c) => ` crt ${c}`).join('')} alpn h2,http/1.1`;
}

/** HAProxy reads a certificate's key from the same file or from `<cert>.key` beside it. */
function certFile(g: GatewayConfig, warn: (w: string) => void): string {
  const files = certificateOf(g, warn, (cert) => `${cert}.key`);
  if (files.key !== files.cert && files.key !== `${files.cert}.key`)
    warn(
      `HAProxy reads the key from ${files.cert} itself or from ${files.cert}.key beside it: copy ${files.key} there`,
    );
  return files.cert;
}
