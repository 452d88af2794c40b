import { routeMap, type GatewaySource, type RouteMap, type RouteSource } from './source.js';
import { formatPercent } from './units.js';

/**
 * The changes Switchyard makes to a gateway as the user wrote it: the API, the weight sliders and the
 * editor's form all edit through these. Each returns a new source and leaves everything it was not asked
 * to change as it was, the user's `x-` extensions and fields it does not know among them, so that the
 * YAML write-back touches only what changed.
 */

/** A patch: a field set to undefined is removed, one that is absent is left alone. */
export type Patch<T> = { [K in keyof T]?: T[K] | undefined };

/** Applies a patch to an object, keeping its key order; new keys go last. */
function patched<T extends object>(value: T, patch: Patch<T>): T {
  const out = { ...value } as Record<string, unknown>;
  for (const [key, v] of Object.entries(patch)) {
    if (v === undefined) delete out[key];
    else out[key] = v;
  }
  return out as T;
}

export function patchGateway(g: GatewaySource, patch: Patch<GatewaySource>): GatewaySource {
  return patched(g, patch);
}

export function setEnabled(g: GatewaySource, enabled: boolean): GatewaySource {
  return patchGateway(g, { enabled });
}

export function renameGateway(g: GatewaySource, name: string): GatewaySource {
  return patchGateway(g, { name });
}

/** The route keys, in order. */
export function routeKeys(g: GatewaySource): string[] {
  return Object.keys(routeMap(g.routes));
}

/** Replaces the routes with a new ordered map (written as a map, whichever form they had). */
export function setRoutes(g: GatewaySource, routes: RouteMap): GatewaySource {
  return patchGateway(g, { routes });
}

/** A route with some fields changed; a route written as a bare key (null) becomes a mapping. */
export function editRoute(route: RouteSource | null, patch: Patch<RouteSource>): RouteSource {
  return patched(route ?? {}, patch);
}

/** Changes one route's fields. */
export function patchRoute(g: GatewaySource, key: string, patch: Patch<RouteSource>): GatewaySource {
  const routes = routeMap(g.routes);
  return setRoutes(g, { ...routes, [key]: editRoute(routes[key] ?? null, patch) });
}

/**
 * Sets (or with null removes) a route's faults, as the Chaos panel and `routes.setFaults` do: live, like
 * weights.
 */
export function setRouteFaults(
  g: GatewaySource,
  key: string,
  faults: RouteSource['faults'] | null,
): GatewaySource {
  return patchRoute(g, key, { faults: faults ?? undefined });
}

/** Sets the named routes' weights (percent), written the one way Switchyard writes percent: "33.33%". */
export function setRouteWeights(g: GatewaySource, weights: Record<string, number>): GatewaySource {
  return Object.entries(weights).reduce(
    (out, [key, weight]) => patchRoute(out, key, { weight: formatPercent(weight) }),
    g,
  );
}

/**
 * Adds an ignore rule (`header:x-version`, `body:$.price`) to a shadow route's `compare.ignore`, as the
 * Compare view's "ignore this field" does; a rule already there is not added twice.
 */
export function addCompareIgnore(g: GatewaySource, key: string, rule: string): GatewaySource {
  const compare = routeMap(g.routes)[key]?.compare ?? {};
  const ignore = compare.ignore ?? [];
  if (ignore.includes(rule)) return g;
  return patchRoute(g, key, { compare: { ...compare, ignore: [...ignore, rule] } });
}
