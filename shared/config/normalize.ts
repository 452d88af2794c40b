import type { z } from 'zod';
import { parseCondition, ConditionSyntaxError } from '../conditions/parser.js';
import { checkRegex } from '../conditions/regex.js';
import { GATEWAY_FIELDS, ROUTE_FIELDS } from './fields.js';
import { issue, type ConfigIssue } from './issues.js';
import {
  DEFAULTS,
  type Balance,
  type GatewayConfig,
  type GatewayProtocol,
  type ListenersConfig,
  type PathMatcher,
  type Rewrite,
  type RouteConfig,
  type StickyKey,
  type SwitchyardConfig,
  type TlsConfig,
} from './model.js';
import { checkListeners, hasSharedPort, listenerPortIssues, type ListenersSource } from './listeners.js';
import { tcpRefusals } from './tcp-gateway.js';
import { readVirtualHost, virtualHostIssues } from './virtual-hosts.js';
import { parseTemplate } from './rewrite-template.js';
import {
  readCors,
  readFaults,
  readHeaderRules,
  readHealthCheck,
  readPassive,
  readRespond,
  type Fail,
} from './resilience-fields.js';
import { readShadow } from './compare-fields.js';
import type { GatewaySource } from './source.js';
import { rawGatewaySchema, type RawGateway, type RawPathMatcher, type RawRoute } from './schema.js';
import { evenSplit, formatPercent, parseDuration, parsePercent } from './units.js';
import { httpOrigin } from '../wire/host.js';
import {
  checkConditions,
  isConditionName,
  resolveCondition,
  storedNames,
  type NamedConditions,
} from './named-conditions.js';

/**
 * On success, `sources` are the gateways as written (parsed YAML/JSON), in order, one for each of
 * `config.gateways`: the source at index i is what the gateway at index i means.
 */
export type NormalizeResult =
  | {
      ok: true;
      config: SwitchyardConfig;
      sources: GatewaySource[];
      /** The stored conditions (top-level `conditions:`) the routes may name, as written. */
      conditions: NamedConditions;
      /** The shared ports (top-level `listeners:`) as written; unset when the document has none. */
      listeners?: ListenersSource;
    }
  | { ok: false; issues: ConfigIssue[] };

const EPSILON = 1e-6;

/**
 * Validates raw gateways (as parsed from YAML or JSON) and returns the normalised model, or every issue
 * found. Nothing is half-valid: one issue anywhere means no configuration. `rawConditions` are the named
 * conditions (a mapping of name to definition) that routes may name; their issues' paths start with
 * 'conditions'. `rawListeners` is the top-level `listeners:` (the shared ports); its issues' paths start
 * with 'listeners'.
 */
export function normalizeGateways(
  raw: unknown[],
  rawConditions?: unknown,
  rawListeners?: unknown,
): NormalizeResult {
  const checked = checkConditions(rawConditions);
  const conditions = checked.conditions;
  const shared = checkListeners(rawListeners);
  const issues: ConfigIssue[] = [...checked.issues, ...shared.issues];
  const parsed: { index: number; gw: RawGateway }[] = [];
  raw.forEach((item, index) => {
    const result = rawGatewaySchema.safeParse(withoutExtensions(vampRoutes(item)));
    if (result.success) parsed.push({ index, gw: result.data });
    else issues.push(...shapeIssues(item, index, result.error));
  });
  const names = new Set(parsed.map((p) => p.gw.name));
  const gateways: GatewayConfig[] = [];
  for (const { index, gw } of parsed) {
    const g = new GatewayChecker(
      gw,
      index,
      names,
      issues,
      conditions,
      checked.broken,
      shared.listeners,
    ).check();
    if (g) gateways.push(g);
  }
  if (issues.length === 0) checkAcrossGateways(gateways, parsed, issues, shared.listeners);
  if (issues.length) return { ok: false, issues };
  const config: SwitchyardConfig = { gateways };
  if (shared.listeners) config.listeners = shared.listeners;
  // Every gateway passed the schema, so each raw value is a gateway source.
  const result = { ok: true as const, config, sources: raw as GatewaySource[], conditions };
  return shared.source ? { ...result, listeners: shared.source } : result;
}

/** Keys a document may have beside `gateways`: none, except user extensions starting with `x-`. */
export const TOP_LEVEL_FIELDS = ['gateways', 'conditions', 'listeners'];

/**
 * Issues for the top level of a `gateways:` document: every key but `gateways` and extensions named
 * `x-...` (as OpenAPI allows, so YAML anchors have somewhere to live) is an error naming it.
 */
export function topLevelIssues(doc: Record<string, unknown>): ConfigIssue[] {
  const unknown = Object.keys(doc).filter((k) => !TOP_LEVEL_FIELDS.includes(k) && !k.startsWith('x-'));
  if (!unknown.length) return [];
  const names = unknown.map((k) => `'${k}'`).join(', ');
  return [
    issue(
      { path: [unknown[0] as string] },
      `unknown top-level field${unknown.length > 1 ? 's' : ''} ${names}; a document has ${TOP_LEVEL_FIELDS.join(', ')} (and extensions named x-...)`,
    ),
  ];
}

/**
 * Vamp's API also reads `routes` as a list of route names or one-entry maps, or as one name
 * (magneticio/vamp model/.../reader/GatewayReader.scala, `expand`): read as the ordered map it means.
 */
function vampRoutes(item: unknown): unknown {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) return item;
  const routes = (item as { routes?: unknown }).routes;
  if (typeof routes !== 'string' && !Array.isArray(routes)) return item;
  const map: Record<string, unknown> = {};
  for (const entry of typeof routes === 'string' ? [routes] : routes) {
    if (typeof entry === 'string') map[entry] = null;
    else if (entry && typeof entry === 'object' && !Array.isArray(entry)) Object.assign(map, entry);
    else return item; // not Vamp's form: let the schema say what is wrong
  }
  return { ...item, routes: map };
}

/** Drops user extensions (keys starting with `x-`) from a gateway and its routes before the schema sees it. */
function withoutExtensions(item: unknown): unknown {
  const strip = (o: unknown): unknown =>
    o && typeof o === 'object' && !Array.isArray(o)
      ? Object.fromEntries(Object.entries(o).filter(([k]) => !k.startsWith('x-')))
      : o;
  const g = strip(item);
  if (!g || typeof g !== 'object' || Array.isArray(g)) return g;
  const routes = (g as { routes?: unknown }).routes;
  if (!routes || typeof routes !== 'object' || Array.isArray(routes)) return g;
  return {
    ...g,
    routes: Object.fromEntries(Object.entries(routes).map(([k, v]) => [k, strip(v)])),
  };
}

function gatewayLabel(item: unknown, index: number): string {
  const name = (item as { name?: unknown } | null)?.name;
  return typeof name === 'string' ? name : `#${index + 1}`;
}

/** Turns zod's shape errors into issues that name the gateway, route and field. */
function shapeIssues(item: unknown, index: number, error: z.ZodError): ConfigIssue[] {
  if (item === null || typeof item !== 'object' || Array.isArray(item)) {
    return [
      issue(
        { path: [index] },
        `gateway #${index + 1} must be a mapping with at least a name, and a port or virtual_hosts`,
      ),
    ];
  }
  const gateway = gatewayLabel(item, index);
  return error.issues.map((zi) => {
    const path = zi.path.map((p) => (typeof p === 'symbol' ? String(p) : p));
    const inRoute = path[0] === 'routes' && path.length >= 2;
    const route = inRoute ? String(path[1]) : undefined;
    const fieldPath = inRoute ? path.slice(2) : path;
    let message: string;
    if (zi.code === 'unrecognized_keys') {
      message = `unknown field${zi.keys.length > 1 ? 's' : ''} ${zi.keys.map((k) => `'${k}'`).join(', ')}`;
      message += `; ${inRoute ? 'a route' : 'a gateway'} has ${(inRoute ? ROUTE_FIELDS : GATEWAY_FIELDS).join(', ')}`;
    } else if (valueAt(item, path) === undefined) {
      message = 'is required';
    } else {
      message = zi.message;
    }
    const field = fieldPath.length ? fieldPath.join('.') : undefined;
    return issue({ gateway, route, field, path: [index, ...path] }, message);
  });
}

function valueAt(item: unknown, path: (string | number)[]): unknown {
  let v = item;
  for (const p of path)
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[p] : undefined;
  return v;
}

class GatewayChecker {
  private readonly name: string;
  /** What the own port speaks; decides which targets a route may have. */
  private protocol: GatewayProtocol = 'http';
  constructor(
    private readonly raw: RawGateway,
    private readonly index: number,
    private readonly gatewayNames: Set<string>,
    private readonly issues: ConfigIssue[],
    private readonly conditions: NamedConditions = {},
    /** Stored conditions already reported as invalid: a route naming one is not reported again. */
    private readonly brokenConditions: string[] = [],
    /** The shared ports, which a gateway with only virtual hosts needs. */
    private readonly listeners?: ListenersConfig,
  ) {
    this.name = raw.name;
  }

  check(): GatewayConfig | undefined {
    const before = this.issues.length;
    const raw = this.raw;
    if (!/^[^\s[\]]+$/.test(raw.name)) {
      this.fail(
        ['name'],
        'name',
        `${JSON.stringify(raw.name)} is not a valid name; names have no whitespace and no [ ]`,
      );
    }
    const { port, protocol, tls } = this.ownPort();
    this.protocol = protocol;
    const virtualHosts = this.virtualHosts(port);
    if (protocol === 'tcp') for (const r of tcpRefusals(raw)) this.fail(r.path, r.field, r.what, r.route);
    const timeoutMs = this.duration('timeout', DEFAULTS.timeoutMs);
    const connectTimeoutMs = this.duration('connect_timeout', DEFAULTS.connectTimeoutMs);
    const stickyBy = raw.sticky_by ? this.stickyBy(raw.sticky_by, ['sticky_by'], 'sticky_by') : undefined;
    const routes = this.routes();
    const waitForUpstreamMs = this.optionalDuration('wait_for_upstream');
    const cors = raw.cors ? readCors(raw.cors, this.under(['cors'])) : undefined;
    const headers = raw.headers ? readHeaderRules(raw.headers, this.under(['headers'])) : undefined;
    if (this.issues.length > before) return undefined;
    const g: GatewayConfig = {
      name: raw.name,
      protocol,
      host: raw.host ?? DEFAULTS.host,
      enabled: raw.enabled ?? true,
      sticky: raw.sticky ?? 'none',
      timeoutMs,
      connectTimeoutMs,
      preserveHost: raw.preserve_host ?? false,
      noRouteStatus: raw.no_route_status ?? 503,
      routes,
    };
    if (port !== undefined) g.port = port;
    if (virtualHosts.length) g.virtualHosts = virtualHosts;
    if (tls) g.tls = tls;
    if (stickyBy) g.stickyBy = stickyBy;
    if (raw.max_connections) g.maxConnections = raw.max_connections;
    if (raw.max_upstream_connections) g.maxUpstreamConnections = raw.max_upstream_connections;
    if (raw.semantics === 'aileron') g.semantics = 'aileron';
    if (waitForUpstreamMs !== undefined) g.waitForUpstreamMs = waitForUpstreamMs;
    if (cors) g.cors = cors;
    if (headers) g.headers = headers;
    return g;
  }

  private fail(path: (string | number)[], field: string | undefined, what: string, route?: string): void {
    this.issues.push(issue({ gateway: this.name, route, field, path: [this.index, ...path] }, what));
  }

  /** A `fail` for the readers of resilience-fields.ts, whose paths start at `prefix`. */
  private under(prefix: (string | number)[], route?: string): Fail {
    return (path, field, what) => this.fail([...prefix, ...path], field, what, route);
  }

  /**
   * The own port and what it speaks: `"5433/tcp"` is a TCP gateway, `"8443/https"` or `tls` make it
   * HTTPS (`tls: auto` unless given). No port: the gateway answers only by its virtual hosts.
   */
  private ownPort(): { port?: number; protocol: GatewayProtocol; tls?: TlsConfig } {
    const raw = this.raw;
    const tls: TlsConfig | undefined =
      raw.tls === 'auto'
        ? { kind: 'auto' }
        : raw.tls
          ? { kind: 'files', certFile: raw.tls.cert, keyFile: raw.tls.key }
          : undefined;
    if (raw.port === undefined || raw.port === null) {
      if (!raw.virtual_hosts?.length)
        this.fail(
          ['port'],
          'port',
          'a gateway needs a port, virtual_hosts, or both; write port: 8080, or virtual_hosts: [shop.localhost] to answer on the shared listeners',
        );
      return { protocol: tls ? 'https' : 'http', ...(tls ? { tls } : {}) };
    }
    const m = /^(\d+)(?:\/(http|https|tcp))?$/.exec(String(raw.port).trim());
    const port = m ? Number(m[1]) : NaN;
    if (!m || port > 65535)
      this.fail(
        ['port'],
        'port',
        `${JSON.stringify(raw.port)} is not a port; write 8080, "8080/http", "8443/https" or "5433/tcp" (1-65535, or 0 for any free port)`,
      );
    const suffix = m?.[2];
    if (tls && (suffix === 'tcp' || suffix === 'http'))
      this.fail(
        ['tls'],
        'tls',
        `a "/${suffix}" port does not speak TLS; remove tls, or write the port as "${m?.[1]}/https"`,
      );
    if (suffix === 'tcp') return { port, protocol: 'tcp' };
    if (suffix === 'https' || tls) return { port, protocol: 'https', tls: tls ?? { kind: 'auto' } };
    return { port, protocol: 'http' };
  }

  /** The virtual hosts, lower case; with no own port they need a shared listener to be reached by. */
  private virtualHosts(port: number | undefined): string[] {
    const names = (this.raw.virtual_hosts ?? []).flatMap((text, i) => {
      const { name, problem } = readVirtualHost(text);
      if (problem) this.fail(['virtual_hosts', i], 'virtual_hosts', problem);
      return problem ? [] : [name];
    });
    if (names.length && port === undefined && !hasSharedPort(this.listeners))
      this.fail(
        ['virtual_hosts'],
        'virtual_hosts',
        'virtual hosts are served on the shared listeners, and there are none; add listeners: {http: 8000} (or https: 8443) at the top of the document, or give the gateway a port',
      );
    return names;
  }

  private optionalDuration(field: 'wait_for_upstream'): number | undefined {
    const value = this.raw[field];
    if (value === undefined || value === null) return undefined;
    const ms = parseDuration(value);
    if (typeof ms === 'string') this.fail([field], field, ms);
    return typeof ms === 'number' ? ms : undefined;
  }

  private duration(field: 'timeout' | 'connect_timeout', fallback: number): number {
    const value = this.raw[field];
    if (value === undefined || value === null) return fallback;
    const ms = parseDuration(value);
    if (typeof ms === 'string') this.fail([field], field, ms);
    return typeof ms === 'number' ? ms : fallback;
  }

  private stickyBy(
    text: string,
    path: (string | number)[],
    field: string,
    route?: string,
  ): StickyKey | undefined {
    const m = /^\s*(header|cookie|query)\s+(\S+)\s*$|^\s*(ip)\s*$/i.exec(text);
    if (!m) {
      this.fail(
        path,
        field,
        `${JSON.stringify(text)} is not a key; write "header X-User", "cookie NAME", "query NAME" or "ip"`,
        route,
      );
      return undefined;
    }
    if (m[3]) return { source: 'ip' };
    return { source: (m[1] as string).toLowerCase() as 'header', name: m[2] as string };
  }

  private routes(): RouteConfig[] {
    const entries = Object.entries(this.raw.routes ?? {});
    const routes = entries.map(([key, value]) => this.route(key, value ?? {}));
    this.resolveWeights(routes);
    return routes;
  }

  private route(key: string, raw: RawRoute): RouteConfig {
    const at = (field: string) => ['routes', key, field];
    const weight = raw.weight === undefined || raw.weight === null ? undefined : parsePercent(raw.weight);
    if (typeof weight === 'string') this.fail(at('weight'), 'weight', weight, key);
    // Path matchers are a condition too: strength defaults to 100% with either.
    let strength = raw.condition || raw.paths?.length ? 100 : 0;
    if (raw.condition_strength !== undefined && raw.condition_strength !== null) {
      const s = parsePercent(raw.condition_strength);
      if (typeof s === 'string') this.fail(at('condition_strength'), 'condition_strength', s, key);
      else strength = s;
    }
    const named = raw.condition ? this.namedCondition(raw.condition, at('condition'), key) : undefined;
    const { urls, weights } = this.targets(key, raw);
    const route: RouteConfig = {
      name: key,
      targets: urls,
      balance: this.balance(raw.balance, key),
      weight: typeof weight === 'number' ? weight : 0,
      weightSet: typeof weight === 'number',
      conditionStrength: strength,
      rewrites: (raw.rewrites ?? []).flatMap((r, i) => this.rewrite(r, key, i)),
    };
    if (named) route.condition = named.definition;
    if (named?.name) route.conditionName = named.name;
    if (weights.some((w) => w !== 1)) route.targetWeights = weights;
    if (raw.instances?.length) route.instanceNames = raw.instances.map((x, i) => x.name ?? String(i));
    if (raw.paths?.length) route.paths = raw.paths.flatMap((m, i) => this.pathMatcher(m, key, i));
    if (route.targets.length === 0 && this.gatewayNames.has(key) && !raw.respond) route.gateway = key;
    if (route.gateway && this.protocol === 'tcp')
      this.fail(
        ['routes', key],
        undefined,
        'a tcp gateway cannot chain to another gateway (it forwards bytes, not requests); give the route targets',
        key,
      );
    if (raw.tls_verify === false) route.tlsVerify = false;
    if (raw.ca) route.caFile = raw.ca;
    if (raw.h2) route.h2 = true;
    const under = (field: string) => this.under(['routes', key, field], key);
    if (raw.health_check) route.healthCheck = readHealthCheck(raw.health_check, under('health_check'));
    if (raw.passive) route.passive = readPassive(raw.passive, under('passive'));
    if (raw.faults) route.faults = readFaults(raw.faults, under('faults'));
    if (raw.headers) route.headers = readHeaderRules(raw.headers, under('headers'));
    if (raw.respond) route.respond = readRespond(raw.respond, under('respond'));
    const shadow = readShadow(raw, this.under(['routes', key], key));
    if (shadow) route.shadow = shadow;
    return route;
  }

  /**
   * A route's condition, or the stored condition it names (magneticio/vamp GatewayReader.scala: a
   * route's condition is a `ConditionReference` or an inline `DefaultCondition`). A word that is neither
   * a stored name nor a condition is reported as an unknown name, with the names there are.
   */
  private namedCondition(
    text: string,
    path: (string | number)[],
    route: string,
  ): { definition: string; name?: string } | undefined {
    const resolved = resolveCondition(text, this.conditions);
    if (resolved.name) return resolved;
    const word = text.trim();
    if (this.brokenConditions.includes(word)) return undefined;
    if (isConditionName(word) && !parses(word)) {
      this.fail(
        path,
        'condition',
        `'${word}' is neither a stored condition nor a condition; stored conditions: ${storedNames(this.conditions)}`,
        route,
      );
      return undefined;
    }
    this.condition(text, path, 'condition', route);
    return resolved;
  }

  private condition(text: string, path: (string | number)[], field: string, route: string): void {
    try {
      parseCondition(text);
    } catch (err) {
      if (!(err instanceof ConditionSyntaxError)) throw err;
      this.fail(path, field, `${err.message}: ${JSON.stringify(text)}`, route);
    }
  }

  private targets(key: string, raw: RawRoute): { urls: string[]; weights: number[] } {
    const bracket = /^\[(.*)\]$/.exec(key);
    const listed = [
      ...(typeof raw.targets === 'string' ? [raw.targets] : (raw.targets ?? [])),
      ...(raw.target ? [raw.target] : []),
      ...(raw.instances ?? []).map((x) => vampInstance(x.host, x.port, this.protocol)),
    ].map((t) => (typeof t === 'string' ? { url: t, weight: 1 } : t));
    const none = { urls: [], weights: [] };
    if (raw.respond) {
      if (listed.length || bracket)
        this.fail(
          ['routes', key, 'respond'],
          'respond',
          'a mock route answers by itself; remove its targets (or remove respond)',
          key,
        );
      return none;
    }
    if (bracket && listed.length) {
      this.fail(
        ['routes', key, 'targets'],
        'targets',
        'a "[host:port]" route is its own target; remove targets or rename the route',
        key,
      );
      return none;
    }
    if (bracket) listed.push({ url: bracket[1] as string, weight: 1 });
    if (listed.length) {
      const kept = listed.map((t, i) => ({
        url: this.target(t.url, bracket ? ['routes', key] : ['routes', key, 'targets', i], key),
        weight: t.weight,
      }));
      return {
        urls: kept.map((t) => t.url).filter((u) => u !== ''),
        weights: kept.filter((t) => t.url !== '').map((t) => t.weight),
      };
    }
    if (!this.gatewayNames.has(key)) {
      this.fail(
        ['routes', key],
        undefined,
        'has no targets; give it targets: [http://127.0.0.1:3000], write its key as "[host:port]", or name another gateway to chain to it',
        key,
      );
    }
    return none;
  }

  private balance(text: string | null | undefined, route: string): Balance {
    if (!text || text === 'round-robin') return { type: 'round-robin' };
    if (text === 'random') return { type: 'random' };
    const m = /^hash\s+(.+)$/.exec(text.trim());
    const key = m ? this.stickyBy(m[1] as string, ['routes', route, 'balance'], 'balance', route) : undefined;
    if (key) return { type: 'hash', key };
    if (!m)
      this.fail(
        ['routes', route, 'balance'],
        'balance',
        `${JSON.stringify(text)} is not a balance; write round-robin, random, or hash header X-User (cookie NAME, query NAME, ip)`,
        route,
      );
    return { type: 'round-robin' };
  }

  /** Accepts a URL (http/https, optional base path) or host:port; returns the normalised URL or ''. */
  private target(text: string, path: (string | number)[], route: string): string {
    if (this.protocol === 'tcp') return this.tcpTarget(text, path, route);
    const { withScheme, url } = parseTarget(text, 'http');
    const bad = (why: string) => {
      this.fail(path, 'target', `${JSON.stringify(text)} ${why}; write http://host:port or host:port`, route);
      return '';
    };
    if (!url || !url.hostname) return bad('is not a valid address');
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return bad(`uses ${url.protocol.slice(0, -1)}, not http or https`);
    if (url.search || url.hash || url.username) return bad('may not carry a query, fragment or credentials');
    if (withScheme !== text && !/:\d+$/.test(text)) return bad('has no port');
    const base = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
    return `${url.protocol}//${url.host}${base}`;
  }

  /** A tcp gateway's target: host:port or tcp://host:port, normalised to the latter. */
  private tcpTarget(text: string, path: (string | number)[], route: string): string {
    const { url } = parseTarget(text, 'tcp');
    const bad = (why: string) => {
      this.fail(
        path,
        'target',
        `${JSON.stringify(text)} ${why}; a tcp gateway's targets are host:port or tcp://host:port`,
        route,
      );
      return '';
    };
    if (!url || !url.hostname) return bad('is not a valid address');
    if (url.protocol !== 'tcp:') return bad(`uses ${url.protocol.slice(0, -1)}, not tcp`);
    if (!url.port) return bad('has no port');
    if ((url.pathname && url.pathname !== '/') || url.search || url.hash || url.username)
      return bad('may not carry a path, query, fragment or credentials');
    return `tcp://${url.host}`;
  }

  private rewrite(raw: Record<string, unknown>, route: string, i: number): Rewrite[] {
    const path = ['routes', route, 'rewrites', i];
    const field = `rewrites[${i}]`;
    const keys = Object.keys(raw).filter((k) => k !== 'if');
    const cond = raw['if'];
    if (cond !== undefined && typeof cond !== 'string') {
      this.fail([...path, 'if'], field, '`if` must be a condition string', route);
      return [];
    }
    if (typeof cond === 'string') this.condition(cond, [...path, 'if'], `${field}.if`, route);
    const withCond = <T extends Rewrite>(r: T): T => (cond ? { ...r, condition: cond } : r);
    const value = keys.length === 1 ? raw[keys[0] as string] : undefined;
    const kind = keys.length === 1 ? keys[0] : undefined;
    if (kind === 'path' && typeof value === 'string') {
      // Vamp: `NEW_PATH if CONDITION`, CONDITION being HAProxy's (`path_beg /api`, `{ path_beg /api }`) or
      // the condition language; `if` in any case (HaProxyGatewayMarshaller.scala wraps it in `{ }`).
      const m = /^(\S+)(?:\s+if\s+(.+))?$/is.exec(value.trim());
      if (!m) {
        this.fail(
          path,
          field,
          `${JSON.stringify(value)} is not a path rewrite; write "NEW_PATH if CONDITION", e.g. "/v2%[path] if path_beg /api"`,
          route,
        );
        return [];
      }
      const parts = parseTemplate(m[1] as string);
      if (typeof parts === 'string') this.fail(path, field, parts, route);
      if (m[2]) this.condition(m[2], path, field, route);
      const r: Rewrite = { type: 'path', template: m[1] as string };
      const c = m[2] ?? cond;
      return [c ? { ...r, condition: c } : r];
    }
    if (
      (kind === 'strip_prefix' || kind === 'add_prefix') &&
      typeof value === 'string' &&
      value.startsWith('/')
    ) {
      return [withCond({ type: kind, prefix: value.replace(/\/$/, '') || '/' })];
    }
    if (kind === 'replace' && value && typeof value === 'object') {
      const { regex, with: replacement } = value as { regex?: unknown; with?: unknown };
      if (typeof regex === 'string' && typeof replacement === 'string') {
        const problem = checkRegex(regex);
        if (!problem) return [withCond({ type: 'replace', regex, with: replacement })];
        this.fail(path, field, `invalid regular expression /${regex}/: ${problem}`, route);
        return [];
      }
    }
    this.fail(
      path,
      field,
      'a rewrite is one of `path: NEW if CONDITION`, `strip_prefix: /api`, `add_prefix: /v2` or `replace: {regex: ..., with: ...}` (prefixes start with /), optionally with `if: CONDITION`',
      route,
    );
    return [];
  }

  private pathMatcher(raw: RawPathMatcher, route: string, i: number): PathMatcher[] {
    const type = raw.type ?? 'prefix';
    const m: PathMatcher = { type, match: raw.match };
    if (raw.trim_prefix) m.trimPrefix = raw.trim_prefix;
    if (raw.append_prefix) m.appendPrefix = raw.append_prefix;
    if (raw.rewrite) m.rewrite = raw.rewrite;
    const at = ['routes', route, 'paths', i];
    if (type === 'regex' || type === 'regex_posix') {
      const problem = checkRegex(raw.match);
      if (problem)
        this.fail(at, `paths[${i}].match`, `invalid regular expression /${raw.match}/: ${problem}`, route);
    } else if (raw.rewrite) {
      this.fail(at, `paths[${i}].rewrite`, `rewrite needs type regex or regex_posix (as in AILERON)`, route);
    }
    return [m];
  }

  /** Vamp's rule: weights total 100% (or 0%: only conditions route). Unweighted routes share the rest. */
  private resolveWeights(routes: RouteConfig[]): void {
    if (routes.length === 0) return;
    const set = routes.filter((r) => r.weightSet);
    const unset = routes.filter((r) => !r.weightSet);
    const total = set.reduce((sum, r) => sum + r.weight, 0);
    const split = evenSplit(routes.length).join('/');
    const hint = routes.length > 1 ? ` (a ${wayName(routes.length)} split is ${split})` : '';
    if (unset.length === 0) {
      if (Math.abs(total - 100) > EPSILON && Math.abs(total) > EPSILON) {
        this.fail(
          ['routes'],
          undefined,
          `route weights total ${formatPercent(total)}; they must total 100%${hint}, or 0% to route by condition only`,
        );
      }
      return;
    }
    const rest = 100 - total;
    if (rest < -EPSILON) {
      this.fail(['routes'], undefined, `route weights total ${formatPercent(total)}, more than 100%${hint}`);
      return;
    }
    for (const r of unset) r.weight = Math.max(0, rest) / unset.length;
  }
}

function parses(text: string): boolean {
  try {
    parseCondition(text);
    return true;
  } catch (err) {
    if (err instanceof ConditionSyntaxError) return false;
    throw err;
  }
}

/**
 * A Vamp instance as a target. Vamp's gateway document lists `host: default` for instances on the
 * container host; on this machine that is 127.0.0.1.
 */
function vampInstance(host: string, port: number | string, protocol: GatewayProtocol): string {
  const h = host === 'default' ? '127.0.0.1' : host;
  const origin = httpOrigin(h, port);
  return protocol === 'tcp' ? origin.replace(/^http:/, 'tcp:') : origin;
}

function wayName(n: number): string {
  return ['', '', 'two-way', 'three-way', 'four-way', 'five-way'][n] ?? `${n}-way`;
}

function checkAcrossGateways(
  gateways: GatewayConfig[],
  parsed: { index: number; gw: RawGateway }[],
  issues: ConfigIssue[],
  listeners: ListenersConfig | undefined,
): void {
  const indexOf = new Map(parsed.map((p) => [p.gw.name, p.index]));
  issues.push(...virtualHostIssues(gateways, indexOf), ...listenerPortIssues(gateways, indexOf, listeners));
  const seenName = new Set<string>();
  const seenPort = new Map<string, string>();
  for (const g of gateways) {
    const index = indexOf.get(g.name) ?? 0;
    if (seenName.has(g.name)) {
      issues.push(
        issue(
          { gateway: g.name, field: 'name', path: [index, 'name'] },
          'is used by more than one gateway; names must be unique',
        ),
      );
    }
    seenName.add(g.name);
    if (g.port === undefined) continue;
    const bind = `${g.host}:${g.port}`;
    const other = seenPort.get(bind);
    if (g.port !== 0 && g.enabled && other !== undefined) {
      issues.push(
        issue(
          { gateway: g.name, field: 'port', path: [index, 'port'] },
          `${g.port} is already used by gateway '${other}'; each gateway needs its own port`,
        ),
      );
    }
    if (g.port !== 0 && g.enabled) seenPort.set(bind, g.name);
  }
  const cycle = findChainCycle(gateways);
  if (cycle) {
    const first = cycle[0] as string;
    issues.push(
      issue(
        { gateway: first, route: cycle[1], path: [indexOf.get(first) ?? 0, 'routes', cycle[1] ?? ''] },
        `chaining forms a cycle: ${cycle.join(' -> ')}; a request would never leave it`,
      ),
    );
  }
}

/** Depth-first search over route -> gateway edges; returns the cycle as a list of gateway names. */
function findChainCycle(gateways: GatewayConfig[]): string[] | undefined {
  const byName = new Map(gateways.map((g) => [g.name, g]));
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (name: string): string[] | undefined => {
    if (state.get(name) === 'done') return undefined;
    if (state.get(name) === 'visiting') return [...stack.slice(stack.indexOf(name)), name];
    state.set(name, 'visiting');
    stack.push(name);
    for (const r of byName.get(name)?.routes ?? []) {
      if (!r.gateway) continue;
      const found = visit(r.gateway);
      if (found) return found;
    }
    stack.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const g of gateways) {
    const found = visit(g.name);
    if (found) return found;
  }
  return undefined;
}

/** A target as written, with `scheme://` put in front when it has none, and its URL (undefined: not one). */
function parseTarget(text: string, scheme: string): { withScheme: string; url: URL | undefined } {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(text) ? text : `${scheme}://${text}`;
  try {
    return { withScheme, url: new URL(withScheme) };
  } catch {
    return { withScheme, url: undefined };
  }
}
