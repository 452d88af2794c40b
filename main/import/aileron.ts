import { parseAllDocuments } from 'yaml';
import type { ImportResult } from './vamp.js';
import { bareHost } from '../../shared/wire/host.js';

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
    return { name, port, host, no_route_status: 404, semantics: 'aileron', routes };
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
    // Each pathMatchers entry keeps its own trimPrefix, appendPrefix and rewrite (matcher.go); Switchyard's
    // route `paths` run them the same way (main/engine/path-matchers.ts).
    const paths = matchers.map((m) => pathMatcher(m, at, notes));
    if (!matchers.length)
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

    const upstreams = ((lb.upstreams as Obj[] | undefined) ?? [])
      .filter((u) => Number(u.weight ?? 1) !== -1)
      .map((u): Obj => ({ ...u, url: upstreamUrl(String(u.url), at, notes) }));
    for (const u of (lb.upstreams as Obj[] | undefined) ?? [])
      unknownFields(u, ['url', 'weight'], `${at} upstream ${String(u.url)}`, notes);
    if (!upstreams.length) problems.push(`${at}: no upstreams`);
    const weights = upstreams.map((u) => Math.max(1, Number(u.weight ?? 1) || 1));
    const route: Obj = {
      weight: '0%',
      ...(paths.length ? { paths } : {}),
      ...(conditions.length || !paths.length
        ? { condition: conditions.length ? conditions.join(' and ') : 'true' }
        : {}),
      targets: upstreams.map((u, k) =>
        weights.some((w) => w !== 1) ? { url: String(u.url), weight: weights[k] } : String(u.url),
      ),
    };
    const balance = lbBalance(lb, at, notes);
    if (balance) route.balance = balance;
    routes[`lb${offset + i + 1}`] = route;
  }
  return routes;
}

/** AILERON's matchTypes as Switchyard's path matcher types; AILERON's default is Prefix (matcher.go). */
const MATCH_TYPES: Record<string, string> = {
  Exact: 'exact',
  Prefix: 'prefix',
  Suffix: 'suffix',
  Contains: 'contains',
  Path: 'path',
  FilePath: 'file_path',
  Regex: 'regex',
  RegexPOSIX: 'regex_posix',
};

function pathMatcher(m: Obj, at: string, notes: string[]): Obj {
  const written = String(m.matchType ?? 'Prefix');
  const type = MATCH_TYPES[written];
  if (!type) notes.push(`${at}: matchType ${written} is not known; read as Prefix, as AILERON does`);
  const out: Obj = { match: String(m.match ?? ''), type: type ?? 'prefix' };
  if (m.trimPrefix) out.trim_prefix = String(m.trimPrefix);
  if (m.appendPrefix) out.append_prefix = String(m.appendPrefix);
  if (m.rewrite && (type === 'regex' || type === 'regex_posix')) out.rewrite = String(m.rewrite);
  else if (m.rewrite)
    notes.push(
      `${at}: rewrite is used with the Regex and RegexPOSIX match types only, as in AILERON; ignored for ${written}`,
    );
  if (type === 'regex_posix')
    notes.push(
      `${at}: a POSIX regular expression runs on RE2 with leftmost-first matching (AILERON: leftmost-longest); a rewrite may expand a shorter match`,
    );
  return out;
}

/**
 * AILERON sends the request's path (after its matchers), not the upstream URL's: toProxyURL in
 * loadbalancer.go replaces it. The gateway's `semantics: aileron` does the same; the upstream's query,
 * which AILERON puts in front of the request's, has no counterpart.
 */
function upstreamUrl(raw: string, at: string, notes: string[]): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return raw;
  }
  if (url.search)
    notes.push(`${at}: the query of upstream ${raw} is not sent; Switchyard targets carry no query`);
  if (url.pathname !== '/')
    notes.push(
      `${at}: the path of upstream ${raw} is not sent, as in AILERON (the request's path replaces it)`,
    );
  return url.search ? `${url.origin}${url.pathname === '/' ? '' : url.pathname}` : raw;
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
  // A missing key hashes as the empty value, as AILERON's hasher.go does (semantics: aileron).
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
  const host = bareHost(m[1] ?? '');
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
