import { isIPv4, isIPv6 } from 'node:net';

/**
 * The {host} and {port} of /proxy/host/{host}/port/{port}/, parsed strictly so that nothing reaches
 * `new URL` or a socket that a URL parser would read differently: a bracketed IPv6 address must close
 * and be valid, a dotted quad must be a real IPv4 address, a name is DNS labels (no empty ones, no
 * userinfo, no port), and a port is 1-65535. The host comes back without brackets.
 */
export function parseProxyHost(raw: string): { host: string } | { error: string } {
  let text: string;
  try {
    text = decodeURIComponent(raw);
  } catch {
    return { error: `host '${raw}' has a malformed percent escape` };
  }
  if (text.startsWith('[') || text.endsWith(']')) {
    const inner = text.slice(1, -1);
    if (!text.startsWith('[') || !text.endsWith(']') || !isIPv6(inner))
      return { error: `host '${text}' is not a valid bracketed IPv6 address such as [::1]` };
    return { host: inner };
  }
  if (isIPv6(text)) return { host: text };
  if (/^[\d.]+$/.test(text)) {
    return isIPv4(text) ? { host: text } : { error: `host '${text}' is not a valid IPv4 address` };
  }
  if (text.length > 253) return { error: 'host name is longer than 253 characters' };
  const labels = text.split('.');
  const bad = labels.find((l) => !/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/i.test(l));
  if (bad !== undefined) {
    const why = bad === '' ? 'has an empty label' : `has an invalid label '${bad}'`;
    return { error: `host '${text}' ${why} (write a name, an IPv4 address or [IPv6])` };
  }
  return { host: text.toLowerCase() };
}

export function parseProxyPort(raw: string): { port: number } | { error: string } {
  const port = /^\d{1,5}$/.test(raw) ? Number(raw) : NaN;
  if (!(port >= 1 && port <= 65535)) return { error: `port '${raw}' is not a number from 1 to 65535` };
  return { port };
}
