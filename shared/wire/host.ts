import { portOf } from './ports.js';

/**
 * How a host is written on the wire and in configuration: an IPv6 address goes in brackets wherever a
 * port or a scheme may follow it (`http://[::1]:8080`, `listen [::1]:8080;`, `bind [::1]:8080`), and
 * without them wherever an address alone is meant (`listen()`, `host: ::1`).
 */

/** The host as it appears before `:port` or in a URL: `::1` -> `[::1]`; others (and `[::1]`) as they are. */
export function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The address alone, as sockets take it: `[::1]` -> `::1`; others as they are. */
export function bareHost(host: string): string {
  return host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
}

/** `host:port`, an IPv6 host in brackets. */
export function hostPort(host: string, port: number | string): string {
  return `${urlHost(host)}:${port}`;
}

/** `http://host:port/`'s origin, `http://host:port`, an IPv6 host in brackets. */
export function httpOrigin(host: string, port: number | string): string {
  return `http://${hostPort(host, port)}`;
}

/**
 * A target URL's `host:port` with the port always written, the scheme's when the URL names none: what a
 * production proxy's server line needs (HAProxy and nginx would otherwise pick their own default).
 */
export function targetHostPort(target: string): string {
  const url = new URL(target);
  return hostPort(url.hostname, portOf(url) ?? '');
}

/** The loopback address of the same family as a bind address: how this machine reaches a listener on it. */
export function loopbackFor(bindHost: string): string {
  return bareHost(bindHost).includes(':') ? '::1' : '127.0.0.1';
}
