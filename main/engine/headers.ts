import { OVERRIDE_HEADER } from '../../shared/wire/override.js';
import { FAULT_ABORT_HEADER, FAULT_DELAY_HEADER } from '../../shared/wire/fault-headers.js';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import type { AddressInfo, Server, Socket } from 'node:net';

/** RFC 9110 section 7.6.1: connection-specific headers, never forwarded by a proxy. */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/**
 * Headers not passed upstream as the client sent them: X-Forwarded-* are set by Switchyard (a client's
 * values are not trusted), the route override is for Switchyard only, and Expect is answered by Node's
 * server itself (100 Continue) before the body flows.
 */
const SET_BY_PROXY = new Set([
  'x-forwarded-for',
  'x-forwarded-host',
  'x-forwarded-proto',
  'x-forwarded-port',
  OVERRIDE_HEADER,
  FAULT_DELAY_HEADER,
  FAULT_ABORT_HEADER,
  'expect',
]);

const NOTHING: ReadonlySet<string> = new Set();

/** Copies headers without hop-by-hop ones and those the Connection header names. */
export function endToEndHeaders(
  headers: IncomingHttpHeaders,
  // One shared empty set, not a default `new Set()`: this runs for every response (issue 16).
  drop: ReadonlySet<string> = NOTHING,
): OutgoingHttpHeaders {
  const named = connectionTokens(headers.connection);
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    // HTTP/2 pseudo-headers (:method, :path, :authority, :scheme) describe the request; they are not headers.
    if (name.charCodeAt(0) === 58) continue;
    if (HOP_BY_HOP.has(name) || drop.has(name) || (named && named.has(name))) continue;
    const value = headers[name];
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function connectionTokens(value: string | undefined): Set<string> | undefined {
  // What nearly every request says, answered without splitting a string per request.
  if (!value || value === 'keep-alive' || value === 'close' || value === 'Keep-Alive') return undefined;
  const tokens = value.split(',').map((t) => t.trim().toLowerCase());
  return tokens.some((t) => t !== 'close' && t !== 'keep-alive' && t !== '') ? new Set(tokens) : undefined;
}

export interface ForwardedFrom {
  clientIp: string;
  /** A client's X-Forwarded-For, appended to rather than replaced (AILERON gateways: its util.go). */
  priorForwardedFor?: string;
  host: string | undefined;
  localPort: number;
  encrypted: boolean;
}

/** The request headers sent upstream: end-to-end headers, X-Forwarded-*, and Host. */
export function upstreamRequestHeaders(
  headers: IncomingHttpHeaders,
  from: ForwardedFrom,
  upstreamHost: string | undefined,
): OutgoingHttpHeaders {
  const out = endToEndHeaders(headers, SET_BY_PROXY);
  out['x-forwarded-for'] = from.priorForwardedFor
    ? `${from.priorForwardedFor}, ${from.clientIp}`
    : from.clientIp;
  if (from.host) out['x-forwarded-host'] = from.host;
  out['x-forwarded-proto'] = from.encrypted ? 'https' : 'http';
  out['x-forwarded-port'] = String(from.localPort);
  if (upstreamHost) out.host = upstreamHost;
  // preserve_host for an HTTP/2 client: its :authority is the Host.
  else if (out.host === undefined && from.host) out.host = from.host;
  return out;
}

/** Strips an IPv4-mapped IPv6 prefix so logs and X-Forwarded-For show 127.0.0.1, not ::ffff:127.0.0.1. */
export function clientAddress(remote: string | undefined): string {
  if (!remote) return '';
  return remote.startsWith('::ffff:') ? remote.slice(7) : remote;
}

const serverPorts = new WeakMap<Server, number>();

/**
 * The port a client connected to (X-Forwarded-Port), from the server that accepted it: the socket's own
 * localPort is a getsockname() call per connection (4 µs, a tenth of a new connection's cost; issue 16),
 * and every connection a server accepts shares its port.
 */
export function localPort(socket: Socket | undefined): number {
  const server = (socket as (Socket & { server?: Server }) | undefined)?.server;
  if (!server) return socket?.localPort ?? 0;
  const known = serverPorts.get(server);
  if (known !== undefined) return known;
  const address = server.address() as AddressInfo | string | null;
  // Closing, or not a TCP server: the socket's own port, uncached.
  if (!address || typeof address === 'string') return socket?.localPort ?? 0;
  serverPorts.set(server, address.port);
  return address.port;
}
