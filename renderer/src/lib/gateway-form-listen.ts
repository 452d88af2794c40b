import type { Patch } from '../../../shared/config/edit.js';
import type { GatewaySource, RouteSource } from '../../../shared/config/source.js';

/**
 * The gateway form's boxes for where and how a gateway listens (issue 13): virtual hosts, TLS, the port's
 * protocol; and a route's upstream TLS and HTTP/2. Like the other boxes, a field is written back only when
 * its box changed, so the way it was written stays otherwise.
 */

export type TlsMode = 'none' | 'auto' | 'files';

export interface ListenDraft {
  /** Names separated by commas or spaces: `shop.localhost, *.shop.localhost`. */
  virtualHosts: string;
  tls: TlsMode;
  tlsCert: string;
  tlsKey: string;
}

export interface RouteTlsDraft {
  h2: boolean;
  /** True unless the route says `tls_verify: false`. */
  tlsVerify: boolean;
  ca: string;
}

export type PortProtocol = 'http' | 'https' | 'tcp';
export const PORT_PROTOCOLS: readonly PortProtocol[] = ['http', 'https', 'tcp'];

export function listenText(source: GatewaySource): ListenDraft {
  const tls = source.tls;
  const files = tls && typeof tls === 'object' ? tls : undefined;
  return {
    virtualHosts: (source.virtual_hosts ?? []).join(', '),
    tls: files ? 'files' : tls === 'auto' ? 'auto' : 'none',
    tlsCert: files?.cert ?? '',
    tlsKey: files?.key ?? '',
  };
}

/** The gateway fields whose boxes changed since `base`. */
export function listenPatch(draft: ListenDraft, base: GatewaySource): Patch<GatewaySource> {
  const was = listenText(base);
  const patch: Patch<GatewaySource> = {};
  if (draft.virtualHosts !== was.virtualHosts) {
    const names = draft.virtualHosts.split(/[\s,]+/).filter(Boolean);
    patch.virtual_hosts = names.length ? names : undefined;
  }
  if (draft.tls !== was.tls || draft.tlsCert !== was.tlsCert || draft.tlsKey !== was.tlsKey)
    patch.tls = TLS_VALUE[draft.tls](draft);
  return patch;
}

const TLS_VALUE: Record<TlsMode, (d: ListenDraft) => GatewaySource['tls']> = {
  none: () => undefined,
  auto: () => 'auto',
  files: (d) => ({ cert: d.tlsCert.trim(), key: d.tlsKey.trim() }),
};

export function routeTlsText(r: RouteSource | null): RouteTlsDraft {
  return { h2: r?.h2 === true, tlsVerify: r?.tls_verify !== false, ca: r?.ca ?? '' };
}

export function routeTlsPatch(draft: RouteTlsDraft, was: RouteTlsDraft): Patch<RouteSource> {
  const patch: Patch<RouteSource> = {};
  // Both flags are written only when they differ from what an unwritten field means.
  if (draft.h2 !== was.h2) patch.h2 = draft.h2 || undefined;
  if (draft.tlsVerify !== was.tlsVerify) patch.tls_verify = draft.tlsVerify ? undefined : false;
  if (draft.ca !== was.ca) patch.ca = draft.ca.trim() || undefined;
  return patch;
}

/** What a port box says its port speaks: `8443/https`, `5433/tcp`, else http. */
export function portProtocol(port: string): PortProtocol {
  const suffix = /\/(\w+)\s*$/.exec(port)?.[1]?.toLowerCase();
  return suffix === 'https' || suffix === 'tcp' ? suffix : 'http';
}

/** The port box with its protocol changed; plain http is written as the bare number. */
export function withProtocol(port: string, protocol: PortProtocol): string {
  const number = port.replace(/\/\w*\s*$/, '').trim();
  return protocol === 'http' ? number : `${number}/${protocol}`;
}
