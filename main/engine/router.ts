import { formatPercent } from '../../shared/config/units.js';
import {
  compileCondition,
  explainCondition,
  parseCondition,
  type Matcher,
  type RequestView,
} from '../../shared/conditions/index.js';
import type {
  GatewayConfig,
  MockResponse,
  RouteConfig,
  StickyKey,
  SwitchyardConfig,
} from '../../shared/config/model.js';
import type { TraceStep } from '../../shared/log-entry.js';
import {
  instanceStickyId,
  routeStickyId,
  STICKY_COOKIE_ATTRIBUTES,
  stickyCookieName,
} from '../../shared/wire/sticky-cookie.js';
import type { HttpRequestView } from './http-request-view.js';
import {
  HashedStrength,
  RandomStrength,
  RandomWeights,
  rendezvousPick,
  SlotWeights,
  type StrengthPolicy,
  type WeightPolicy,
} from './policies.js';
import type { Random } from './random.js';
import { compilePathMatchers, type PathMatch } from './path-matchers.js';
import { compileRewrites } from './rewrite.js';
import type { BalanceCursor, HealthView } from './upstream-registry.js';

/** What routing reads from the upstream registry: instance health and each route's rotation. */
export interface Upstreams extends HealthView {
  cursor(gateway: string, route: string, targets: readonly string[]): BalanceCursor;
}

/** Upstreams for a compile without a registry (unit tests): everyone healthy, rotations of its own. */
export function localUpstreams(): Upstreams {
  const cursors = new Map<string, BalanceCursor>();
  return {
    isHealthy: () => true,
    allHealthy: () => true,
    cursor: (gateway, route, targets) => {
      const key = `${gateway}\u0000${route}\u0000${targets.join(' ')}`;
      let c = cursors.get(key);
      if (!c) cursors.set(key, (c = { next: 0, current: targets.map(() => 0) }));
      return c;
    },
  };
}

/** A route ready to take traffic: its condition compiled, its instances and sticky ids computed. */
export interface CompiledRoute {
  readonly name: string;
  readonly weight: number;
  readonly config: RouteConfig;
  /** The id sticky cookies carry; a drain gives the route a new one, so old cookies choose again. */
  stickyId: string;
  /** How many times the route was drained (kept across re-applies). */
  drains: number;
  /** The route's path matchers (AILERON's pathMatchers), which also give the forwarded path. */
  readonly pathMatch?: PathMatch;
  readonly matcher?: Matcher;
  readonly conditionText?: string;
  readonly strength: number;
  readonly targets: readonly Instance[];
  readonly rewrite: ReturnType<typeof compileRewrites>;
  /** Set after all gateways are compiled, for routes that chain. */
  chained?: CompiledGateway;
  /**
   * Round-robin position and smooth weighted round-robin counters (one per instance), kept in the upstream
   * registry so that a re-apply (a slider drag) continues the rotation.
   */
  readonly cursor: BalanceCursor;
}

export interface CompiledGateway {
  readonly config: GatewayConfig;
  readonly name: string;
  readonly routes: readonly CompiledRoute[];
  readonly byName: ReadonlyMap<string, CompiledRoute>;
  readonly cookieName: string;
  readonly weights: WeightPolicy;
  readonly strength: StrengthPolicy;
  readonly random: Random;
  /** The sticky_by slot table, kept so the next compile can move as few users as possible. */
  readonly slots?: SlotWeights;
  /** Instance health, from the upstream registry. */
  readonly health: HealthView;
}

/**
 * An instance of a route, with its weight (`{url, weight}` targets; 1 when none is written). Equal
 * weights are balanced round-robin, differing ones by smooth weighted round-robin; hashing (balance,
 * sticky_by with sticky: instance) picks among them by the same weights.
 */
export interface Instance {
  readonly url: string;
  readonly name: string;
  readonly weight: number;
  readonly stickyId: string;
}

/** What routing needs besides the request itself. */
export interface RoutingInput {
  view: HttpRequestView;
  clientIp: string;
  /** The route forced by X-Switchyard-Route or ?switchyard-route, if any. */
  override?: string;
  /** What forced it, for the trace (default: the override header or query). */
  overrideBy?: string;
  /** Send to this instance of the chosen route (0-based), as /proxy/.../instances/{n} does. */
  instance?: number;
}

export type Decision =
  | {
      ok: true;
      gateway: CompiledGateway;
      route: CompiledRoute;
      /** The route chosen in the gateway the client called (differs from route.name when chained). */
      entryRoute: string;
      target: string;
      /** The instance as configured (the upstream registry's key); '' for a mock route. */
      instance: string;
      /** Set when the route is a mock route: answer this, forward nothing. */
      respond?: MockResponse;
      path: string;
      override: boolean;
      setCookies: string[];
      trace: TraceStep[];
    }
  | {
      ok: false;
      status: number;
      gateway: CompiledGateway;
      route?: string;
      cause: string;
      trace: TraceStep[];
    };

/**
 * Compiles validated gateways; conditions were checked by validation, so parsing here cannot fail.
 * `previous` is the running compilation, from which sticky_by keeps its assignments.
 */
export function compileGateways(
  config: SwitchyardConfig,
  random: Random,
  previous?: ReadonlyMap<string, CompiledGateway>,
  upstreams: Upstreams = localUpstreams(),
): Map<string, CompiledGateway> {
  const out = new Map<string, CompiledGateway>();
  for (const g of config.gateways)
    out.set(g.name, compileGateway(g, random, upstreams, previous?.get(g.name)));
  for (const g of out.values()) {
    for (const r of g.routes) if (r.config.gateway) r.chained = out.get(r.config.gateway);
  }
  return out;
}

function compileGateway(
  config: GatewayConfig,
  random: Random,
  upstreams: Upstreams,
  previous?: CompiledGateway,
): CompiledGateway {
  const previousSlots = previous?.slots;
  const routes = config.routes.map((r): CompiledRoute => {
    const node = r.condition ? parseCondition(r.condition) : undefined;
    const condition = node ? compileCondition(node) : undefined;
    const pathMatch = r.paths?.length ? compilePathMatchers(r.paths) : undefined;
    const matcher =
      pathMatch && condition
        ? (v: RequestView) => pathMatch(v.path) !== undefined && condition(v)
        : pathMatch
          ? (v: RequestView) => pathMatch(v.path) !== undefined
          : condition;
    const explained = [
      ...(pathMatch ? [`the path matches ${r.paths?.map(describePathMatcher).join(' or ')}`] : []),
      ...(node ? [explainCondition(node)] : []),
    ].join(' and ');
    const drains = previous?.byName.get(r.name)?.drains ?? 0;
    return {
      name: r.name,
      weight: r.weight,
      config: r,
      stickyId: routeStickyId(config.name, r.name, drains),
      drains,
      ...(matcher ? { matcher, conditionText: explained } : {}),
      ...(pathMatch ? { pathMatch } : {}),
      strength: r.conditionStrength / 100,
      targets: r.targets.map((url, k) => ({
        // AILERON's toProxyURL (loadbalancer.go) replaces the upstream URL's path with the request's.
        url: config.semantics === 'aileron' ? new URL(url).origin : url,
        name: url,
        weight: r.targetWeights?.[k] ?? 1,
        stickyId: instanceStickyId(config.name, r.name, url),
      })),
      rewrite: compileRewrites(r.rewrites),
      cursor: upstreams.cursor(config.name, r.name, r.targets),
    };
  });
  const weights: WeightPolicy = new RandomWeights(random);
  const strength: StrengthPolicy = new RandomStrength(random);
  const slots = config.stickyBy
    ? new SlotWeights(
        routes.map((r) => r.name),
        routes.map((r) => r.weight),
        weights,
        previousSlots,
      )
    : undefined;
  return {
    config,
    name: config.name,
    routes,
    byName: new Map(routes.map((r) => [r.name, r])),
    cookieName: stickyCookieName(config.name),
    random,
    weights: slots ?? weights,
    strength: config.stickyBy ? new HashedStrength(strength) : strength,
    ...(slots ? { slots } : {}),
    health: upstreams,
  };
}

function describePathMatcher(m: NonNullable<RouteConfig['paths']>[number]): string {
  const extras = [
    m.trimPrefix ? `after trimming ${m.trimPrefix}` : '',
    m.rewrite ? `rewritten to ${m.rewrite}` : '',
    m.appendPrefix ? `prefixed with ${m.appendPrefix}` : '',
  ].filter(Boolean);
  return `${m.type} ${JSON.stringify(m.match)}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/**
 * Drain: moves the clients a sticky cookie keeps on a route off it, on purpose (they keep it at 0%
 * otherwise). The route gets a new sticky id, so their cookies name a route that is gone and they
 * choose again. Returns false when the gateway has no such route.
 */
export function drainRoute(gateway: CompiledGateway, route: string): boolean {
  const r = gateway.byName.get(route);
  if (!r) return false;
  r.drains++;
  r.stickyId = routeStickyId(gateway.name, r.name, r.drains);
  return true;
}

/**
 * Routes one request: Vamp's selection (the first route whose condition matches takes it with the
 * probability of its condition_strength; otherwise a weighted draw over all routes, unless sticky or
 * an override decides), then chaining into another gateway's routing, then the instance.
 */
export function decide(gateway: CompiledGateway, input: RoutingInput): Decision {
  const trace: TraceStep[] = [];
  const setCookies: string[] = [];
  let view = input.view;
  let current = gateway;
  let override = input.override;
  let entryRoute: string | undefined;
  for (;;) {
    const key = override === undefined ? stickyKey(current, view, input, trace) : undefined;
    const picked = pickRoute(current, view, key, override, input.overrideBy, trace, setCookies);
    if ('cause' in picked) return { ok: false, gateway: current, trace, ...picked };
    const { route } = picked;
    entryRoute ??= route.name;
    const matchedPath = route.pathMatch?.(view.path);
    if (matchedPath !== undefined && matchedPath !== view.path)
      trace.push({ kind: 'rewrite', text: `path matcher forwards ${view.path} as ${matchedPath}` });
    const path = route.rewrite(matchedPath ?? view.path, view, trace);
    if (route.chained) {
      trace.push({
        kind: 'chain',
        text: `route '${route.name}' hands the request to gateway '${route.chained.name}'`,
      });
      current = route.chained;
      view = path === view.path ? view : view.withPath(path);
      override = undefined;
      continue;
    }
    if (route.config.respond) {
      trace.push({
        kind: 'respond',
        text: `mock route '${route.name}' answers ${route.config.respond.status} itself`,
      });
      return {
        ok: true,
        gateway: current,
        route,
        entryRoute,
        target: `respond ${route.config.respond.status}`,
        instance: '',
        respond: route.config.respond,
        path,
        override: picked.override || input.override !== undefined,
        setCookies,
        trace,
      };
    }
    if (route.targets.length === 0) {
      return {
        ok: false,
        status: 503,
        gateway: current,
        route: route.name,
        cause: `route '${route.name}' has no instances`,
        trace,
      };
    }
    if (input.instance !== undefined) {
      const chosen = route.targets[input.instance];
      if (!chosen) {
        const n = route.targets.length;
        const cause = `route '${route.name}' has ${n} instance${n === 1 ? '' : 's'} (numbered from 0), so there is no instance ${input.instance}`;
        return { ok: false, status: 404, gateway: current, route: route.name, cause, trace };
      }
      trace.push({ kind: 'instance', text: `forced to instance ${input.instance} (${chosen.url})` });
      return {
        ok: true,
        gateway: current,
        route,
        entryRoute,
        target: chosen.url,
        instance: chosen.name,
        path,
        override: true,
        setCookies,
        trace,
      };
    }
    const chosen = pickInstance(
      current,
      route,
      picked.stickyInstance,
      key,
      trace,
      setCookies,
      view,
      input.clientIp,
    );
    return {
      ok: true,
      gateway: current,
      route,
      entryRoute,
      target: chosen.url,
      instance: chosen.name,
      path,
      override: picked.override || input.override !== undefined,
      setCookies,
      trace,
    };
  }
}

type Picked =
  | { route: CompiledRoute; override: boolean; stickyInstance?: string }
  | { status: number; cause: string; route?: string };

function pickRoute(
  g: CompiledGateway,
  view: HttpRequestView,
  key: string | undefined,
  override: string | undefined,
  overrideBy: string | undefined,
  trace: TraceStep[],
  setCookies: string[],
): Picked {
  if (override !== undefined) {
    const route = g.byName.get(override);
    if (!route) {
      const names = g.routes.map((r) => `'${r.name}'`).join(', ') || 'none';
      return {
        status: 400,
        cause: `override names route '${override}', which gateway '${g.name}' does not have (routes: ${names})`,
      };
    }
    trace.push({
      kind: 'override',
      text: `forced to route '${route.name}' by ${overrideBy ?? 'the X-Switchyard-Route override'}`,
    });
    return { route, override: true };
  }
  const sticky =
    g.config.sticky !== 'none' && !g.config.stickyBy ? fromStickyCookie(g, view, trace) : undefined;
  if (sticky) return { ...sticky, override: false };
  const route = selectRoute(g, view, key, trace);
  if (!route && !g.health.allHealthy() && g.routes.some((r) => r.weight > 0 && !routeHealthy(g, r))) {
    const cause = `no route is healthy: ${g.routes.map((r) => routeState(g, r)).join('; ')}`;
    trace.push({ kind: 'health', text: cause });
    return { status: 503, cause };
  }
  if (!route) {
    const cause = g.routes.length
      ? `no route can take the request: no condition matched and all weights are 0%`
      : `gateway '${g.name}' has no routes`;
    trace.push({ kind: 'no-route', text: cause });
    return { status: g.config.noRouteStatus, cause };
  }
  if (g.config.sticky === 'route' && !g.config.stickyBy) setCookies.push(stickyCookie(g, route.stickyId));
  return { route, override: false };
}

/** Vamp: the first route whose condition matches takes the request with probability condition_strength. */
function selectRoute(
  g: CompiledGateway,
  view: HttpRequestView,
  key: string | undefined,
  trace: TraceStep[],
): CompiledRoute | undefined {
  const matched = g.routes.find((r) => r.matcher?.(view));
  if (matched) {
    trace.push({
      kind: 'condition',
      text: `condition of route '${matched.name}' matched: ${matched.conditionText}`,
    });
    const draw = g.strength.draw(matched.name, key);
    const hit = draw < matched.strength;
    const how = key === undefined ? 'draw' : 'hashed draw';
    trace.push({
      kind: 'strength',
      text: `${how} ${draw.toFixed(3)} ${hit ? '<' : '>='} strength ${pct(matched.strength)}: ${hit ? `route '${matched.name}' takes it` : 'falls through to the weights'}`,
    });
    if (hit && routeHealthy(g, matched)) return matched;
    if (hit)
      trace.push({
        kind: 'health',
        text: `route '${matched.name}' has no healthy instance; falls through to the weights`,
      });
  } else if (g.routes.some((r) => r.matcher)) {
    trace.push({ kind: 'condition', text: 'no route condition matched' });
  }
  // With every instance up (the usual case) the draw is over all routes, with no list built per request.
  const allUp = g.health.allHealthy();
  const healthy = allUp ? g.routes : g.routes.filter((r) => routeHealthy(g, r));
  const left = allUp ? [] : g.routes.filter((r) => r.weight > 0 && !healthy.includes(r));
  for (const r of left)
    trace.push({
      kind: 'health',
      text: `route '${r.name}' has no healthy instance: left out of the draw, its ${pct(r.weight / 100)} spread over the others`,
    });
  const route =
    g.weights.choose(healthy, key) ??
    (left.length && key !== undefined ? rendezvousPick(healthy, key) : undefined);
  if (route) {
    const how = key === undefined ? 'weighted draw' : 'hash of the sticky_by key';
    trace.push(
      sharedStep(route, how, () => ({
        kind: 'weight',
        text: `${how} chose route '${route.name}' (weight ${pct(route.weight / 100)})`,
      })),
    );
  }
  return route;
}

function stickyKey(
  g: CompiledGateway,
  view: HttpRequestView,
  input: RoutingInput,
  trace: TraceStep[],
): string | undefined {
  const by = g.config.stickyBy;
  if (!by) return undefined;
  const value = keyValue(by, view, input.clientIp);
  const label = by.source === 'ip' ? 'client address' : `${by.source} ${by.name}`;
  if (value === undefined || value === '') {
    trace.push({ kind: 'sticky', text: `sticky_by ${label} is absent: random draws` });
    return undefined;
  }
  trace.push({ kind: 'sticky', text: `sticky_by ${label}: draws are a hash of its value` });
  return value;
}

/**
 * A sticky cookie keeps its route while the route exists and its condition (if any) still matches, even
 * at 0%: HAProxy's persistence cookie, which Vamp generates (`cookie ... insert indirect nocache`, Vamp's
 * haproxy template.twig), ignores server weights. Draining a route (drainRoute) moves them on purpose.
 */
function fromStickyCookie(
  g: CompiledGateway,
  view: HttpRequestView,
  trace: TraceStep[],
): { route: CompiledRoute; stickyInstance?: string } | undefined {
  const value = view.cookie(g.cookieName);
  if (!value) return undefined;
  const [routeId, instanceId] = value.split('.');
  const route = g.routes.find((r) => r.stickyId === routeId);
  if (!route) {
    trace.push({ kind: 'sticky', text: 'sticky cookie names a route that is gone; choosing again' });
    return undefined;
  }
  if (route.matcher && !route.matcher(view)) {
    trace.push({
      kind: 'sticky',
      text: `sticky cookie names route '${route.name}', whose condition no longer matches; choosing again`,
    });
    return undefined;
  }
  if (!routeHealthy(g, route)) {
    trace.push({
      kind: 'health',
      text: `sticky cookie names route '${route.name}', which has no healthy instance; choosing again`,
    });
    return undefined;
  }
  trace.push({ kind: 'sticky', text: `sticky cookie keeps the client on route '${route.name}'` });
  return instanceId ? { route, stickyInstance: instanceId } : { route };
}

/**
 * The steps most requests take are worded the same way every time (this route by weight, this instance
 * by round-robin): each is made once per compiled route or instance and shared, frozen, by every log
 * entry that took it, instead of a new string per request held by thousands of entries (issue 16).
 */
const sharedSteps = new WeakMap<object, Map<string, TraceStep>>();

function sharedStep(owner: object, key: string, make: () => TraceStep): TraceStep {
  let steps = sharedSteps.get(owner);
  if (!steps) sharedSteps.set(owner, (steps = new Map()));
  let step = steps.get(key);
  if (!step) steps.set(key, (step = Object.freeze(make())));
  return step;
}

function pickInstance(
  g: CompiledGateway,
  route: CompiledRoute,
  stickyInstance: string | undefined,
  key: string | undefined,
  trace: TraceStep[],
  setCookies: string[],
  view: HttpRequestView,
  clientIp: string,
): Instance {
  const all = route.targets;
  const pinned = stickyInstance ? all.find((t) => t.stickyId === stickyInstance) : undefined;
  if (pinned && g.health.isHealthy(pinned.name)) {
    trace.push({ kind: 'instance', text: `sticky cookie keeps the client on instance ${pinned.url}` });
    return pinned;
  }
  if (pinned)
    trace.push({ kind: 'health', text: `sticky instance ${pinned.url} is unhealthy; choosing again` });
  const healthy = g.health.allHealthy() ? all : all.filter((t) => g.health.isHealthy(t.name));
  if (healthy !== all)
    for (const t of all)
      if (!healthy.includes(t))
        trace.push({ kind: 'health', text: `instance ${t.url} is unhealthy: skipped` });
  // A route forced by an override may have no healthy instance: it is tried anyway, as asked.
  const targets = healthy.length ? healthy : all;
  const { chosen, how } = balanceInstances(g, route, targets, key, view, clientIp);
  if (all.length > 1)
    trace.push(
      sharedStep(chosen, `${how} ${targets.length}`, () => ({
        kind: 'instance',
        text: `instance ${chosen.url} (${how} over ${targets.length})`,
      })),
    );
  if (g.config.sticky === 'instance' && !g.config.stickyBy)
    setCookies.push(stickyCookie(g, `${route.stickyId}.${chosen.stickyId}`));
  return chosen;
}

/** Mock and chaining routes are always healthy; a route with instances needs one healthy instance. */
function routeHealthy(g: CompiledGateway, r: CompiledRoute): boolean {
  if (r.chained || r.config.respond || r.targets.length === 0) return true;
  return r.targets.some((t) => g.health.isHealthy(t.name));
}

function routeState(g: CompiledGateway, r: CompiledRoute): string {
  if (r.weight <= 0 && !r.matcher) return `route '${r.name}' has weight 0%`;
  const healthy = r.targets.filter((t) => g.health.isHealthy(t.name)).length;
  return `route '${r.name}' has ${healthy} of ${r.targets.length} instances healthy`;
}

/**
 * The route's own balance first (hash by its key, random), then sticky_by with sticky: instance, then
 * round-robin (smooth weighted round-robin when instance weights differ, as nginx does it).
 */
function balanceInstances(
  g: CompiledGateway,
  route: CompiledRoute,
  targets: readonly Instance[],
  key: string | undefined,
  view: HttpRequestView,
  clientIp: string,
): { chosen: Instance; how: string } {
  const balance = route.config.balance;
  if (balance.type === 'hash') {
    // AILERON hashes a missing key as the empty value (hasher.go): one instance for all such requests.
    const k = keyValue(balance.key, view, clientIp) ?? (g.config.semantics === 'aileron' ? '' : undefined);
    const chosen = k === undefined ? undefined : rendezvousPick(targets, k);
    if (chosen) return { chosen, how: 'hash of the balance key' };
  }
  if (balance.type === 'random') {
    const chosen = new RandomWeights(g.random).choose(targets);
    if (chosen) return { chosen, how: 'random' };
  }
  if (g.config.sticky === 'instance' && key !== undefined) {
    const chosen = rendezvousPick(targets, key);
    if (chosen) return { chosen, how: 'hash of the sticky_by key' };
  }
  const cursor = route.cursor;
  if (!route.config.targetWeights) {
    // The rotation runs over all instances; unhealthy ones are stepped over, so when one comes back the
    // others keep their places.
    const all = route.targets;
    for (let tries = 0; tries < all.length; tries++) {
      const t = all[cursor.next++ % all.length] as Instance;
      if (targets.includes(t)) return { chosen: t, how: 'round-robin' };
    }
    return { chosen: targets[0] as Instance, how: 'round-robin' };
  }
  // Smooth weighted round-robin over the instances that can take requests (nginx's algorithm).
  let best = -1;
  let total = 0;
  route.targets.forEach((t, k) => {
    if (!targets.includes(t)) return;
    total += t.weight;
    cursor.current[k]! += t.weight;
    if (best < 0 || cursor.current[k]! > cursor.current[best]!) best = k;
  });
  cursor.current[best]! -= total;
  return { chosen: route.targets[best] as Instance, how: 'weighted round-robin' };
}

/** The value of a sticky_by or balance key in this request, if it has one. */
function keyValue(by: StickyKey, view: HttpRequestView, clientIp: string): string | undefined {
  const value =
    by.source === 'ip'
      ? clientIp
      : by.source === 'header'
        ? view.header(by.name.toLowerCase())
        : by.source === 'cookie'
          ? view.cookie(by.name)
          : view.query(by.name);
  return value === '' ? undefined : value;
}

function stickyCookie(g: CompiledGateway, value: string): string {
  return `${g.cookieName}=${value}; ${STICKY_COOKIE_ATTRIBUTES}`;
}

/** A fraction (0.25) as Switchyard writes percent everywhere ("25%"). */
function pct(fraction: number): string {
  return formatPercent(fraction * 100);
}
