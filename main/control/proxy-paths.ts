import type { ProxyEndpoint } from '../engine/engine.js';
import { parseProxyHost, parseProxyPort } from './proxy-host.js';
import { vampInstancePath } from './vamp-instance.js';

/**
 * Parses Vamp's reverse-proxy paths (the query string is kept, the prefix stripped):
 *   /proxy/gateways/{name}/...                        through the gateway's routing
 *   /proxy/gateways/{name}/routes/{route}/...         to one route, bypassing weights
 *   /proxy/gateways/{name}/routes/{route}/instances/{n}/...   to one instance
 *   /proxy/host/{host}/port/{port}/...                to a host and port
 *   /proxy/deployments/{d}/clusters/{c}/services/{s}/instances/{i}/ports/{p}/...   (Vamp, vamp-instance.ts)
 *   /proxy/workflows/{w}/instances/{i}/ports/{p}/...
 * A gateway name with '/' may be URL-encoded (sava%2F9050) or written as segments (sava/9050); segments
 * are matched against the existing names, longest first.
 */
export function parseProxyPath(
  rawUrl: string,
  gatewayNames: readonly string[],
): ProxyEndpoint | { error: string; status: number } | undefined {
  const q = rawUrl.indexOf('?');
  const pathname = q < 0 ? rawUrl : rawUrl.slice(0, q);
  const search = q < 0 ? '' : rawUrl.slice(q);
  if (!pathname.startsWith('/proxy/')) return undefined;
  const segments = pathname.slice('/proxy/'.length).split('/');
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  const restUrl = (from: number) => `/${segments.slice(from).join('/')}${search}`;

  if (segments[0] === 'host') {
    if (segments[2] !== 'port' || !segments[1] || segments[3] === undefined) {
      return { status: 400, error: 'write /proxy/host/{host}/port/{port}/...' };
    }
    const host = parseProxyHost(segments[1]);
    if ('error' in host) return { status: 400, error: host.error };
    const port = parseProxyPort(segments[3]);
    if ('error' in port) return { status: 400, error: port.error };
    return { kind: 'host', host: host.host, port: port.port, url: restUrl(4) };
  }
  if (segments[0] === 'deployments' || segments[0] === 'workflows')
    return vampInstancePath(segments, restUrl, decode);
  if (segments[0] !== 'gateways' || !segments[1]) {
    return {
      status: 404,
      error: 'reverse-proxy paths are /proxy/gateways/{name}/... and /proxy/host/{host}/port/{port}/...',
    };
  }
  let nameEnd = 0;
  let name = '';
  for (let end = segments.length; end >= 2; end--) {
    const candidate = segments.slice(1, end).map(decode).join('/');
    if (gatewayNames.includes(candidate)) {
      nameEnd = end;
      name = candidate;
      break;
    }
  }
  if (!name) return { status: 404, error: `there is no gateway '${decode(segments[1])}'` };
  if (segments[nameEnd] !== 'routes') return { kind: 'gateway', gateway: name, url: restUrl(nameEnd) };
  const route = segments[nameEnd + 1];
  if (!route) return { status: 400, error: 'write /proxy/gateways/{name}/routes/{route}/...' };
  if (segments[nameEnd + 2] === 'instances') {
    const n = segments[nameEnd + 3] ?? '';
    if (!/^\d+$/.test(n))
      return {
        status: 400,
        error: 'an instance is a number from 0: /proxy/gateways/{name}/routes/{route}/instances/{n}/...',
      };
    return {
      kind: 'gateway',
      gateway: name,
      route: decode(route),
      instance: Number(n),
      url: restUrl(nameEnd + 4),
    };
  }
  return { kind: 'gateway', gateway: name, route: decode(route), url: restUrl(nameEnd + 2) };
}
