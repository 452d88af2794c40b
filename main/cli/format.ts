import type { ConfigIssue } from '../../shared/config/issues.js';
import type { GatewayConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { formatPercent } from '../../shared/config/units.js';
import type { LogEntry } from '../../shared/log-entry.js';
import type { GatewayStatus } from '../../shared/status.js';
import { httpOrigin } from '../../shared/wire/host.js';

export function formatIssues(file: string, issues: ConfigIssue[]): string {
  return issues.map((i) => `${file}${i.line ? `:${i.line}` : ''}: ${i.message}`).join('\n');
}

export function summarize(config: SwitchyardConfig): string {
  const routes = config.gateways.reduce((n, g) => n + g.routes.length, 0);
  const names = config.gateways.map((g) => `${g.name} (${whereOf(g)})`).join(', ');
  return `${config.gateways.length} gateway${config.gateways.length === 1 ? '' : 's'}, ${routes} route${routes === 1 ? '' : 's'}${names ? `: ${names}` : ''}`;
}

/** `:8080`, `:8443/https`, or the virtual hosts of a gateway that has no port of its own. */
function whereOf(g: GatewayConfig): string {
  if (g.port === undefined) return (g.virtualHosts ?? []).join(', ');
  return `:${g.port}${g.protocol && g.protocol !== 'http' ? `/${g.protocol}` : ''}`;
}

export function formatStatus(s: GatewayStatus, config: SwitchyardConfig): string {
  const g = config.gateways.find((x) => x.name === s.gateway);
  const split = g?.routes.map((r) => `${r.name} ${formatPercent(r.weight)}`).join(', ') ?? '';
  if (!s.enabled) return `gateway '${s.gateway}' is disabled`;
  if (s.state === 'error') return `gateway '${s.gateway}' cannot listen: ${s.error}`;
  // Its own port first (scripts read the port from this line), then its names on the shared listeners.
  const port = s.boundPort ?? s.port;
  const own =
    port === undefined ? [] : [httpOrigin(s.host, port).replace(/^http:/, `${s.protocol ?? 'http'}:`)];
  const where = [...own, ...(s.urls ?? []).filter((u) => !own.some((o) => u.startsWith(o)))].join(', ');
  return `gateway '${s.gateway}' listening on ${where}${split ? ` (${split})` : ' (no routes)'}`;
}

/** A compact access line: time, gateway, method, path, route, status, duration, size. */
export function formatAccess(e: LogEntry): string {
  const time = new Date(e.time).toISOString().slice(11, 23);
  const route = e.route ? ` -> ${e.route}${e.override ? ' (override)' : ''}` : '';
  const size = e.bytesOut >= 1024 ? `${(e.bytesOut / 1024).toFixed(1)}kB` : `${e.bytesOut}B`;
  const ws = e.websocket ? ' ws' : '';
  const err = e.error ? `  ! ${e.error}` : '';
  return `${time} ${e.gateway} ${e.method} ${e.path}${route} ${e.status}${ws} ${Math.round(e.durationMs)}ms ${size}${err}`;
}

/** The JSON access line leaves out headers and bodies: they are in the log, not in the terminal. */
export function formatAccessJson(e: LogEntry): string {
  const { requestHeaders: _h, responseHeaders: _r, requestBody: _b, responseBody: _c, ...rest } = e;
  return JSON.stringify(rest);
}
