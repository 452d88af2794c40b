import type { RawGateway, RawRoute } from './schema.js';

/**
 * A TCP gateway (`port: "5433/tcp"`) forwards bytes: its routes are picked by weight only, since there
 * is no request to look at. These are the fields that need a request, refused rather than ignored; the
 * value beside each is the default that means "not used" and so is harmless to write.
 */
const GATEWAY_HTTP_ONLY: Record<string, unknown> = {
  virtual_hosts: undefined,
  headers: undefined,
  cors: undefined,
  preserve_host: false,
  semantics: 'switchyard',
};

const ROUTE_HTTP_ONLY: Record<string, unknown> = {
  condition: undefined,
  condition_strength: undefined,
  rewrites: undefined,
  paths: undefined,
  headers: undefined,
  respond: undefined,
  shadow: undefined,
  shadow_methods: undefined,
  compare: undefined,
  faults: undefined,
  h2: false,
  tls_verify: true,
  ca: undefined,
};

const WHY = 'a tcp gateway forwards bytes and picks routes by weight only';

/** A field a tcp gateway may not set; `route` when it is one of a route's. */
export interface TcpRefusal {
  path: string[];
  field: string;
  what: string;
  route?: string;
}

/** The HTTP-only fields a gateway (or a route, with `route`) sets, each with the reason it is refused. */
export function tcpRefusals(
  raw: RawGateway,
): { path: string[]; field: string; what: string; route?: string }[] {
  const out: TcpRefusal[] = setFields(raw, GATEWAY_HTTP_ONLY).map((field) => ({
    path: [field],
    field,
    what: `${WHY}; remove ${field} (or make the gateway http)`,
  }));
  if (raw.sticky === 'instance')
    out.push({
      path: ['sticky'],
      field: 'sticky',
      what: `${WHY}; use sticky: route (pinned by client address)`,
    });
  if (raw.sticky_by && raw.sticky_by.trim().toLowerCase() !== 'ip')
    out.push({ path: ['sticky_by'], field: 'sticky_by', what: `${WHY}; only sticky_by: ip is possible` });
  for (const [key, route] of Object.entries(raw.routes ?? {})) {
    if (!route) continue;
    for (const field of setFields(route, ROUTE_HTTP_ONLY))
      out.push({ path: ['routes', key, field], field, route: key, what: `${WHY}; remove ${field}` });
    if (route.balance && /^\s*hash\s+(?!ip\s*$)/i.test(route.balance))
      out.push({
        path: ['routes', key, 'balance'],
        field: 'balance',
        route: key,
        what: `${WHY}; balance round-robin, random or hash ip`,
      });
  }
  return out;
}

function setFields(raw: RawGateway | RawRoute, fields: Record<string, unknown>): string[] {
  return Object.keys(fields).filter((field) => {
    const value = (raw as Record<string, unknown>)[field];
    if (value === undefined || value === null) return false;
    if (Array.isArray(value) && value.length === 0) return false;
    return value !== fields[field];
  });
}
