import type { GatewayConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { hostPort } from '../../shared/wire/host.js';
import { integerWeights, tcpServers } from './listen-plan.js';
import { warnUnexported } from './unexported.js';

/**
 * TCP gateways as an nginx `stream {}` block: per gateway an upstream with every target of every route,
 * weighted by its share (route weight times the target's share of the route, which is the engine's
 * two-step pick in one), `hash $remote_addr consistent` for `sticky: route` (the engine keeps a client
 * address on its route), and a server that listens and passes. Undefined when there is no TCP gateway.
 */
export function nginxStream(config: SwitchyardConfig, warnings: string[]): string | undefined {
  const blocks = config.gateways.flatMap((g, i) =>
    g.protocol === 'tcp' ? [tcpGateway(g, `sy${i}`, (w) => warnings.push(`gateway '${g.name}': ${w}`))] : [],
  );
  if (!blocks.length) return undefined;
  const body = blocks.join('\n\n').replace(/^(?=.)/gm, '    ');
  return [
    // Debian's nginx builds stream as a module (libnginx-mod-stream, loaded from modules-enabled).
    '# TCP gateways; needs the stream module (Debian: apt install libnginx-mod-stream).',
    `stream {\n${body}\n}`,
    '',
  ].join('\n');
}

function tcpGateway(g: GatewayConfig, p: string, warn: (w: string) => void): string {
  warnUnexported(g, [], warn);
  const servers = tcpServers(g);
  const weights = integerWeights(
    servers.map((s) => s.percent),
    1000,
  );
  const lines = servers.flatMap((s, k) =>
    weights[k] ? [`    server ${s.hostPort} weight=${weights[k]};  # route '${s.route}'`] : [],
  );
  if (g.port === 0) warn('port 0 (any free port) has no nginx equivalent; the server needs a real port');
  const upstream = lines.length
    ? [
        `upstream ${p}_tcp {`,
        ...(g.sticky !== 'none' || g.stickyBy ? ['    hash $remote_addr consistent;'] : []),
        ...lines,
        '}',
      ].join('\n')
    : undefined;
  if (!upstream) warn('every route is at 0%: the export refuses every connection');
  const server = [
    'server {',
    `    listen ${hostPort(g.host, g.port ?? 0)};`,
    `    proxy_connect_timeout ${g.connectTimeoutMs}ms;`,
    `    proxy_timeout ${g.timeoutMs}ms;`,
    // No upstream: a closed port stands in, so nginx refuses as the engine does.
    `    proxy_pass ${upstream ? `${p}_tcp` : '127.0.0.1:1'};`,
    '}',
  ].join('\n');
  return [`# gateway '${g.name}' (tcp)`, ...(upstream ? [upstream] : []), server].join('\n');
}
