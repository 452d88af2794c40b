import type { z } from 'zod';
import type { rawGatewaySchema, rawRouteSchema } from './schema.js';

/**
 * A gateway as the user wrote it, typed from the schema that checks it: the one shape the config store,
 * the YAML write-back, the editor's form and the contract all pass around. Keys named `x-...` are the
 * user's extensions (anchors, notes): kept as written, ignored by the engine.
 */
type Extensions = { [extension: `x-${string}`]: unknown };

export type RouteSource = z.input<typeof rawRouteSchema> & Extensions;

/** Routes keyed by name, in order; a route written as a bare key (`checkout:`) is null. */
export type RouteMap = Record<string, RouteSource | null>;

/** Vamp's API also reads `routes` as one name, or a list of names and one-entry maps. */
export type VampRouteList = string | (string | RouteMap)[];

export type GatewaySource = Omit<z.input<typeof rawGatewaySchema>, 'routes'> &
  Extensions & { routes?: RouteMap | VampRouteList | null | undefined };

/** The routes as the ordered map they mean, whichever of Vamp's forms the user wrote them in. */
export function routeMap(routes: GatewaySource['routes']): RouteMap {
  if (routes === null || routes === undefined) return {};
  if (typeof routes === 'string') return { [routes]: null };
  if (!Array.isArray(routes)) return routes;
  const map: RouteMap = {};
  for (const entry of routes) {
    if (typeof entry === 'string') map[entry] = null;
    else Object.assign(map, entry);
  }
  return map;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
