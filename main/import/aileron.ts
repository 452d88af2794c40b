import { parseAllDocuments } from 'yaml';
import type { ImportResult } from './vamp.js';

/**
 * Imports AILERON Gateway configurations (Entrypoint, HTTPServer and ReverseProxyHandler documents) as
 * Switchyard gateways: an HTTPServer's `addr` is the gateway's port; each load balancer, in order, is a
 * route that takes every request its matchers accept (weight 0%, strength 100%: the first match wins,
 * as in AILERON), and a request no load balancer accepts gets 404, AILERON's answer. Fields with no
 * counterpart are reported, never silently ignored.
 */
type Doc = {
  apiVersion?: string;
  kind?: string;
  metadata?: { name?: string };
  spec?: Record<string, unknown>;
};
type Obj = Record<string, unknown>;

export function isAileron(text: string): boolean {
  try {
    return docs(text).some(
      (d) =>
        typeof d.apiVersion === 'string' &&
        d.apiVersion.startsWith('core/') &&
        ['Entrypoint', 'HTTPServer', 'ReverseProxyHandler'].includes(String(d.kind)),
    );
  } catch {
    return false;
  }
}

export function importAileron(text: string): ImportResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const all = docs(text);
  const servers = all.filter((d) => d.kind === 'HTTPServer');
  const handlers = all.filter((d) => d.kind === 'ReverseProxyHandler');
  for (const d of all) {
    if (!['Entrypoint', 'HTTPServer', 'ReverseProxyHandler'].includes(String(d.kind)))
      notes.push(
        `${d.kind} '${d.metadata?.name ?? ''}' has no counterpart in Switchyard and is not imported`,
      );
  }
  if (!servers.length) problems.push('no HTTPServer document: nothing listens');
  const gateways = servers.map((server, si) => {
    const spec = server.spec ?? {};
    const name = server.metadata?.name ?? (servers.length > 1 ? `aileron-${si + 1}` : 'aileron');
    const where = `HTTPServer '${name}'`;
    unknownFields(spec, ['addr', 'virtualHosts'], where, notes);
    const { host, port } = address(String(spec.addr ?? ':8080'), notes, where);
    const routes: Obj = {};
    for (const [vi, vh] of ((spec.virtualHosts as Obj[] | undefined) ?? []).entries()) {
      unknownFields(vh, ['hosts', 'handlers', 'pattern'], `${where} virtual host ${vi + 1}`, notes);
      const vhHosts = (vh.hosts as string[] | undefined) ?? [];
      for (const h of (vh.handlers as Obj[] | undefined) ?? []) {
        const ref = (h.handler ?? {}) as Obj;
        if (ref.kind !== 'ReverseProxyHandler') {
          notes.push(`${where}: handler ${String(ref.kind)} has no counterpart and is not imported`);
          continue;
        }
        const handler = handlers.find((x) => !ref.name || x.metadata?.name === ref.name);
        if (!handler) {
          problems.push(
            `${where}: the ReverseProxyHandler '${String(ref.name ?? '')}' it refers to is not in the file`,
          );
          continue;
        }
        const extraMatch = [
          ...(vhHosts.length ? [anyOf(vhHosts.map((x) => `host == ${quote(x)}`))] : []),
          ...(((h.pathPatterns ?? h.patterns) as string[] | undefined)?.length
            ? [
                anyOf(
                  ((h.pathPatterns ?? h.patterns) as string[]).map(
                    (p) => `path starts-with ${quote(p.replace(/\{.*$/, ''))}`,
                  ),
                ),
              ]
            : []),
        ];
        Object.assign(
          routes,
          handlerRoutes(handler, extraMatch, Object.keys(routes).length, notes, problems),
        );
      }
    }
    return { name, port, host, no_route_status: 404, routes };
  });
  if (servers.some((s) => !String(s.spec?.addr ?? ':8080').split(':')[0])) {
    notes.push(
      'AILERON listens on every interface for ":PORT"; Switchyard binds 127.0.0.1 (set host to change it)',
    );
  }
  return { gateways, problems, notes };
}

function handlerRoutes(
  handler: Doc,
  outer: string[],
  offset: number,
  notes: string[],
  problems: string[],
): Obj {
  const spec = handler.spec ?? {};
  const where = `ReverseProxyHandler '${handler.metadata?.name ?? ''}'`;
  unknownFields(spec, ['loadBalancers', 'methods', 'patterns'], where, notes);
  const handlerMethods = (spec.methods as string[] | undefined) ?? [];
  const routes: Obj = {};
  for (const [i, lb] of ((spec.loadBalancers as Obj[] | undefined) ?? []).entries()) {
    const at = `${where} load balancer ${i + 1}`;
    unknownFields(
      lb,
      [
        'lbAlgorithm',
        'upstreams',
        'pathMatcher',
        'pathMatchers',
        'methods',
        'hosts',
        'headerMatchers',
        'queryMatchers',
        'hasher',
        'hashers',
      ],
      at,
      notes,
    );
    const matchers = [
      ...(lb.pathMatcher ? [lb.pathMatcher as Obj] : []),
      ...((lb.pathMatchers as Obj[] | undefined) ?? []),
    ];
    const conditions = [...outer];
    const rewrites: Obj[] = [];
    if (matchers.length) {
      const paths = matchers.map((m) => pathCondition(m, at, notes));
      conditions.push(anyOf(paths));
      // Rewrites need one matcher to say which prefix to trim; with several, the first is used.
      const m = matchers[0]!;
      if (matchers.length > 1 && matchers.slice(1).some((x) => x.trimPrefix || x.appendPrefix || x.rewrite))
        notes.push(`${at}: rewrites of matchers after the first are not imported`);
      if (m.trimPrefix) rewrites.push({ strip_prefix: String(m.trimPrefix) });
      if (m.rewrite && ['Regex', 'RegexPOSIX'].includes(String(m.matchType)))
        rewrites.push({ replace: { regex: String(m.match ?? ''), with: goExpand(String(m.rewrite)) } });
      else if (m.rewrite)
        notes.push(
          `${at}: rewrite is used with Regex or RegexPOSIX match types only, as in AILERON; ignored for ${String(m.matchType ?? 'Prefix')}`,
        );
      if (m.appendPrefix) rewrites.push({ add_prefix: String(m.appendPrefix) });
    } else
      problems.push(
        `${at}: no pathMatcher, so AILERON answers every request with an error; the route is imported without a path condition`,
      );
    const methods = [...handlerMethods, ...((lb.methods as string[] | undefined) ?? [])];
    if (methods.length) conditions.push(anyOf(methods.map((x) => `method == ${x}`)));
    const hosts = (lb.hosts as string[] | undefined) ?? [];
    if (hosts.length) conditions.push(anyOf(hosts.map((x) => `host == ${quote(x)}`)));
    for (const hm of (lb.headerMatchers as Obj[] | undefined) ?? [])
      conditions.push(paramCondition('header', hm));
    for (const qm of (lb.queryMatchers as Obj[] | undefined) ?? [])
      conditions.push(paramCondition('query', qm));

    const upstreams = ((lb.upstreams as Obj[] | undefined) ?? []).filter((u) => Number(u.weight ?? 1) !== -1);
    for (const u of (lb.upstreams as Obj[] | undefined) ?? [])
      unknownFields(u, ['url', 'weight'], `${at} upstream ${String(u.url)}`, notes);
    if (!upstreams.length) problems.push(`${at}: no upstreams`);
    const weights = upstreams.map((u) => Math.max(1, Number(u.weight ?? 1) || 1));
    const route: Obj = {
      weight: '0%',
      condition: conditions.length ? conditions.join(' and ') : 'true',
      targets: upstreams.map((u, k) =>
        weights.some((w) => w !== 1) ? { url: String(u.url), weight: weights[k] } : String(u.url),
      ),
    };
    const balance = lbBalance(lb, at, notes);
    if (balance) route.balance = balance;
    if (rewrites.length) route.rewrites = rewrites;
    routes[`lb${offset + i + 1}`] = route;
  }
  return routes;
}

/** AILERON's matchType for paths; the default is Prefix. */
function pathCondition(m: Obj, at: string, notes: string[]): string {
  const type = String(m.matchType ?? 'Prefix');
  const match = String(m.match ?? '/');
  const trim = m.trimPrefix ? String(m.trimPrefix) : '';
  // With trimPrefix the match applies to what follows the prefix.
  const re = (body: string) => `path matches ${quote(`^${escape(trim)}${body}`)}`;
  switch (type) {
    case 'Exact':
      return trim ? re(`${escape(match)}$`) : `path == ${quote(match)}`;
    case 'Prefix':
      return trim ? re(escape(match)) : `path starts-with ${quote(match)}`;
    case 'Suffix':
      return trim ? re(`.*${escape(match)}$`) : `path ends-with ${quote(match)}`;
    case 'Contains':
      return trim ? re(`.*${escape(match)}`) : `path contains ${quote(match)}`;
    case 'Path':
    case 'FilePath':
      return re(`${glob(match)}$`);
    case 'Regex':
    case 'RegexPOSIX':
      if (type === 'RegexPOSIX')
        notes.push(
          `${at}: a POSIX regular expression is read as a JavaScript one (leftmost-longest matching is not kept)`,
        );
      return trim ? re(match.replace(/^\^/, '')) : `path matches ${quote(match)}`;
    default:
      notes.push(`${at}: matchType ${type} is not known; read as Prefix`);
      return `path starts-with ${quote(match)}`;
  }
}

/** Header and query matchers: patterns are alternatives; the default match type is Exact. */
function paramCondition(kind: 'header' | 'query', m: Obj): string {
  const key = String(m.key ?? '');
  const op: Record<string, string> = {
    Exact: '==',
    Prefix: 'starts-with',
    Suffix: 'ends-with',
    Contains: 'contains',
    Regex: 'matches',
    RegexPOSIX: 'matches',
    Path: 'matches',
    FilePath: 'matches',
  };
  const type = String(m.matchType ?? 'Exact');
  const patterns = ((m.patterns as string[] | undefined) ?? ['']).map((p) =>
    type === 'Path' || type === 'FilePath' ? `^${glob(p)}$` : p,
  );
  return anyOf(patterns.map((p) => `${kind} ${quote(key)} ${op[type] ?? '=='} ${quote(p)}`));
}

/** lbAlgorithm: RoundRobin (default), Random, and the hash-based ones keyed by the first hasher. */
function lbBalance(lb: Obj, at: string, notes: string[]): string | undefined {
  const algorithm = String(lb.lbAlgorithm ?? 'RoundRobin');
  if (algorithm === 'RoundRobin') return undefined;
  if (algorithm === 'Random') return 'random';
  const hasher = ((lb.hashers as Obj[] | undefined)?.[0] ?? lb.hasher) as Obj | undefined;
  const source = String(hasher?.hashSource ?? 'ClientAddr');
  const key = String(hasher?.key ?? '');
  const by: Record<string, string> = {
    Header: `header ${key}`,
    Cookie: `cookie ${key}`,
    Query: `query ${key}`,
    ClientAddr: 'ip',
  };
  if (!['RingHash', 'Maglev', 'DirectHash'].includes(algorithm)) {
    notes.push(`${at}: lbAlgorithm ${algorithm} is not known; round-robin is used`);
    return undefined;
  }
  if (!by[source]) {
    notes.push(`${at}: hash source ${source} has no counterpart; hashing by client address instead`);
    return 'hash ip';
  }
  if (algorithm !== 'RingHash')
    notes.push(
      `${at}: ${algorithm} is imported as rendezvous hashing, which keeps keys on their instance the same way`,
    );
  return `hash ${by[source]}`;
}

function address(addr: string, notes: string[], where: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(addr);
  if (!m) {
    notes.push(`${where}: addr ${addr} is not host:port; port 8080 is used`);
    return { host: '127.0.0.1', port: 8080 };
  }
  const host = (m[1] ?? '').replace(/^\[|\]$/g, '');
  return {
    host: host && host !== '0.0.0.0' ? (host === 'localhost' ? '127.0.0.1' : host) : '127.0.0.1',
    port: Number(m[2]),
  };
}

function unknownFields(obj: Obj, known: string[], where: string, notes: string[]): void {
  const extra = Object.keys(obj ?? {}).filter((k) => !known.includes(k));
  if (extra.length)
    notes.push(
      `${where}: ${extra.join(', ')} ${extra.length === 1 ? 'has' : 'have'} no counterpart in Switchyard and ${extra.length === 1 ? 'is' : 'are'} not imported`,
    );
}

function docs(text: string): Doc[] {
  return parseAllDocuments(text)
    .map((d) => (d as { toJS(): unknown }).toJS())
    .filter((d): d is Doc => !!d && typeof d === 'object');
}

/** Go's regexp.Expand syntax ($1, ${name}) in JavaScript's replacement syntax ($1, $<name>). */
function goExpand(template: string): string {
  return template.replace(/\$\{(\d+)\}/g, '$$$1').replace(/\$\{(\w+)\}/g, '$$<$1>');
}

/** A path.Match pattern (*, ?, [..]) as a regular expression body. */
function glob(pattern: string): string {
  return pattern
    .split('')
    .map((c) => (c === '*' ? '[^/]*' : c === '?' ? '[^/]' : c === '[' || c === ']' ? c : escape(c)))
    .join('');
}

function anyOf(parts: string[]): string {
  return parts.length === 1 ? (parts[0] as string) : `(${parts.join(' or ')})`;
}

function quote(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
