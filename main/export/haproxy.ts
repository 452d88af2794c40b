import type { AclCriterion, Comparison, ConditionNode, Subject } from '../../shared/conditions/ast.js';
import { parseCondition } from '../../shared/conditions/parser.js';
import { userAgentAlias } from '../../shared/conditions/user-agents.js';
import type { GatewayConfig, Rewrite, StickyKey, SwitchyardConfig } from '../../shared/config/model.js';
import { aclIgnoresCase, ignoresCase } from '../../shared/wire/case-folding.js';
import { hostPort, targetHostPort } from '../../shared/wire/host.js';
import { OVERRIDE_HEADER, OVERRIDE_QUERY } from '../../shared/wire/override.js';
import {
  routeStickyId,
  STICKY_COOKIE_ATTRIBUTES,
  stickyCookieName,
} from '../../shared/wire/sticky-cookie.js';
import type { ExportResult } from './export-result.js';
import { corsLines, routeResilience } from './haproxy-resilience.js';
import { warnUnexported } from './unexported.js';
import { gatewayBinds, serverTls, sharedFrontends, tcpGateway, tlsPorts } from './haproxy-listeners.js';

/**
 * Exports gateways as HAProxy configuration, in the structure Vamp generated: a frontend per gateway
 * with ACLs for the conditions and `use_backend` rules in route order, and a backend per route.
 * Draws are transaction variables set from rand() (or from a hash of the sticky_by key), so one
 * request's weight draw is compared against cumulative ranges; `cookie ... insert` keeps instance
 * stickiness; rewrites are `http-request set-path`/`replace-path`. The shared listeners (virtual hosts),
 * TLS binds and TCP gateways are in haproxy-listeners.ts.
 */
export function exportHaproxy(config: SwitchyardConfig, opts: { fragment?: boolean } = {}): ExportResult {
  const warnings: string[] = [];
  const sections = config.gateways.flatMap((g, i) =>
    g.protocol === 'tcp'
      ? tcpGateway(g, `sy${i}`, (w) => warnings.push(`gateway '${g.name}': ${w}`))
      : gateway(g, `sy${i}`, config, warnings),
  );
  sections.push(...sharedFrontends(config, warnings));
  const defaults = [
    'defaults',
    '    mode http',
    '    option http-keep-alive',
    '    timeout connect 5s',
    '    timeout client 60s',
    '    timeout server 30s',
    '    timeout tunnel 1h',
  ].join('\n');
  const global = ['global', '    log stdout format raw local0 warning'].join('\n');
  const text = [...(opts.fragment ? [] : [global, defaults]), ...sections].join('\n\n') + '\n';
  return { text, warnings };
}

/** Scale of the draws: a weight of 12.34% is 1234 in 10000. */
const SCALE = 10_000;

function gateway(g: GatewayConfig, p: string, config: SwitchyardConfig, warnings: string[]): string[] {
  const warn = (what: string) => warnings.push(`gateway '${g.name}': ${what}`);
  const acls = new AclCompiler(p);
  const backend = (i: number) => `${p}_r${i}`;
  const binds = gatewayBinds(g, p, config, warn);
  if (!binds.length) {
    warn('is not exported: it has no port of its own and no virtual hosts on shared listeners');
    return [];
  }
  const lines = [`frontend ${p}`, `    # gateway '${g.name}'`, ...binds];
  if (g.maxConnections) lines.push(`    maxconn ${g.maxConnections}`);
  const requestRules: string[] = [];
  const rules: string[] = [];
  warnUnexported(
    g,
    [
      'healthCheck',
      'passive',
      'headers',
      'gatewayHeaders',
      'respond',
      'cors',
      'virtualHosts',
      'tls',
      'upstreamTls',
      'h2',
    ],
    warn,
  );
  // CORS first: a preflight is answered before any route is chosen.
  if (g.cors) requestRules.push(...corsLines(g.cors, p));
  if (g.port === 0)
    warn('port 0 (any free port) has no HAProxy equivalent; the frontend binds port 0 and needs a real port');

  // The draws, once per request: strength and weights (hashed from the sticky_by key when there is one).
  const key = stickyKey(g);
  requestRules.push(`    http-request set-var(txn.sy_draw) rand(${SCALE})`);
  requestRules.push(`    http-request set-var(txn.sy_strength) rand(${SCALE})`);
  if (key) {
    requestRules.push(
      `    http-request set-var(txn.sy_draw) ${key},xxh32,mod(${SCALE}) if { ${key} -m found }`,
    );
    requestRules.push(
      `    http-request set-var(txn.sy_strength) ${key},xxh32(1),mod(${SCALE}) if { ${key} -m found }`,
    );
    warn(
      `sticky_by ${g.stickyBy?.source === 'ip' ? 'ip' : `${g.stickyBy?.source} ${(g.stickyBy as { name: string }).name}`} is a hash of the key over cumulative weight ranges in HAProxy; a change of weights moves more users than in Switchyard`,
    );
  }

  // The override header and query.
  g.routes.forEach((r, i) => {
    const acl = `${p}_override_r${i}`;
    lines.push(`    acl ${acl} req.hdr(${OVERRIDE_HEADER}) -m str ${quote(r.name)}`);
    lines.push(`    acl ${acl} url_param(${OVERRIDE_QUERY}) -m str ${quote(r.name)}`);
    rules.push(`    use_backend ${backend(i)} if ${acl}`);
  });

  // The sticky cookie: a client that has one stays on that route while it could still get the request.
  const cookie = stickyCookieName(g.name);
  const sticky = g.sticky !== 'none' && !g.stickyBy;
  if (sticky) {
    requestRules.push(`    http-request set-var(txn.sy_cookie) req.cook(${cookie})`);
    g.routes.forEach((r, i) => {
      if (r.weight <= 0 && !r.condition) return;
      const acl = `${p}_sticky_r${i}`;
      lines.push(`    acl ${acl} req.cook(${cookie}) -m beg ${routeStickyId(g.name, r.name)}`);
      rules.push(`    use_backend ${backend(i)} if ${acl}`);
    });
    if (g.routes.some((r) => r.weight <= 0 && r.condition))
      warn('a sticky cookie naming a route at 0% is honoured even when its condition no longer matches');
  }

  // Vamp: the first route whose condition matches takes the request with its strength. The first match
  // is recorded in a variable, term by term in route order, so later routes cannot overwrite it.
  const conditional = g.routes.map((r, i) => ({ r, i })).filter(({ r }) => r.condition);
  for (const { r, i } of conditional) {
    for (const term of acls.dnf(parseCondition(r.condition as string))) {
      requestRules.push(
        `    http-request set-var(txn.sy_match) int(${i}) if ${[...term, '!{ var(txn.sy_match) -m found }'].join(' ')}`,
      );
    }
    const hit = `${p}_strength_r${i}`;
    lines.push(
      `    acl ${hit} var(txn.sy_strength) -m int lt ${Math.round(r.conditionStrength * (SCALE / 100))}`,
    );
    lines.push(`    acl ${p}_match_r${i} var(txn.sy_match) -m int eq ${i}`);
  }
  const conditionRules = conditional.map(
    ({ i }) => `    use_backend ${backend(i)} if ${p}_match_r${i} ${p}_strength_r${i}`,
  );

  rules.push(...conditionRules);

  // The weights, as cumulative ranges of the one draw.
  let upTo = 0;
  g.routes.forEach((r, i) => {
    if (r.weight <= 0) return;
    upTo += r.weight;
    const acl = `${p}_weight_r${i}`;
    lines.push(`    acl ${acl} var(txn.sy_draw) -m int lt ${Math.round(upTo * (SCALE / 100))}`);
    rules.push(`    use_backend ${backend(i)} if ${acl}`);
  });
  // No route could take it: a backend without servers answers 503.
  rules.push(`    default_backend ${p}_none`);

  const out = [
    [...lines, ...acls.lines, ...requestRules, ...rules].join('\n'),
    [`backend ${p}_none`, '    # no route can take the request: 503'].join('\n'),
  ];
  g.routes.forEach((r, i) =>
    out.push(
      routeBackend(g, r.name, i, backend(i), {
        cookie,
        sticky,
        config,
        warn,
        acls: new AclCompiler(`${p}_r${i}`),
      }),
    ),
  );
  return out;
}

function routeBackend(
  g: GatewayConfig,
  name: string,
  i: number,
  backendName: string,
  c: {
    cookie: string;
    sticky: boolean;
    config: SwitchyardConfig;
    warn: (w: string) => void;
    acls: AclCompiler;
  },
): string {
  const r = g.routes[i]!;
  const balance =
    r.balance.type === 'random'
      ? 'random'
      : r.balance.type === 'hash'
        ? hashBalance(r.balance.key)
        : 'roundrobin';
  const lines = [`backend ${backendName}`, `    # route '${name}'`, `    balance ${balance}`];
  const resilience = routeResilience(g, i, c.warn);
  lines.push(...resilience.options);
  let servers: string[];
  if (r.respond) servers = [];
  else if (r.gateway) {
    const target = c.config.gateways.find((x) => x.name === r.gateway);
    servers = target ? [hostPort(target.host, target.port ?? 0)] : [];
    c.warn(`route '${name}' chains to gateway '${r.gateway}' through its port (an extra hop in HAProxy)`);
    if (target && (target.port === undefined || target.protocol === 'https'))
      c.warn(
        `route '${name}': gateway '${r.gateway}' has no plain http port of its own to chain to; give it one`,
      );
  } else {
    servers = r.targets.map(targetHostPort);
    if (r.targets.some((t) => new URL(t).pathname !== '/'))
      c.warn(`route '${name}' has a target base path, which HAProxy does not add`);
  }
  const instanceSticky = g.sticky === 'instance' && !g.stickyBy && servers.length > 1;
  if (instanceSticky)
    lines.push(`    cookie ${c.cookie}_i insert indirect nocache httponly attr "SameSite=Lax"`);
  lines.push(`    timeout connect ${g.connectTimeoutMs}ms`, `    timeout server ${g.timeoutMs}ms`);
  lines.push('    http-request set-header X-Forwarded-For %[src]');
  lines.push('    http-request set-header X-Forwarded-Host %[req.hdr(host)]');
  lines.push('    http-request set-header X-Forwarded-Proto http');
  // Behind the shared TLS listener the request comes over the internal socket: its port says it was TLS.
  const tls = tlsPorts(g, c.config);
  if (tls.length)
    lines.push(`    http-request set-header X-Forwarded-Proto https if { dst_port ${tls.join(' ')} }`);
  lines.push('    http-request set-header X-Forwarded-Port %[dst_port]');
  lines.push(`    http-request del-header ${OVERRIDE_HEADER}`);
  if (!g.preserveHost && servers[0]) lines.push(`    http-request set-header Host ${servers[0]}`);
  for (const rw of r.rewrites) lines.push(...rewrite(rw, c.acls, name, c.warn));
  lines.push(...resilience.request, ...resilience.response);
  if (c.sticky) {
    const id = routeStickyId(g.name, name);
    lines.push(
      `    http-response add-header Set-Cookie "${c.cookie}=${id}; ${STICKY_COOKIE_ATTRIBUTES}" if !{ var(txn.sy_cookie) -m beg ${id} }`,
    );
  }
  const weight = (k: number) => (r.targetWeights ? ` weight ${r.targetWeights[k] ?? 1}` : '');
  if (r.caFile)
    c.warn(
      `route '${name}': HAProxy trusts only ${r.caFile} for its targets (the engine trusts it besides the system's CAs)`,
    );
  servers.forEach((s, k) =>
    lines.push(
      `    server s${k} ${s}${weight(k)}${r.gateway ? '' : serverTls(r, r.targets[k])}${instanceSticky ? ` cookie s${k}` : ''}${g.maxUpstreamConnections ? ` maxconn ${g.maxUpstreamConnections}` : ''}${resilience.serverParams}`,
    ),
  );
  return [...lines.slice(0, 3), ...c.acls.lines, ...lines.slice(3)].join('\n');
}

function rewrite(rw: Rewrite, acls: AclCompiler, route: string, warn: (w: string) => void): string[] {
  const cond = rw.condition ? acls.dnf(parseCondition(rw.condition)) : [[]];
  const suffix = (term: string[]) => (term.length ? ` if ${term.join(' ')}` : '');
  const each = (action: string) => cond.map((term) => `    ${action}${suffix(term)}`);
  switch (rw.type) {
    case 'path':
      if (cond.length > 1)
        warn(`route '${route}': a rewrite condition with 'or' applies once per alternative in HAProxy`);
      return each(`http-request set-path ${rw.template}`);
    case 'strip_prefix':
      return [
        ...each(`http-request replace-path ^${regex(rw.prefix)}$ /`),
        ...each(`http-request replace-path ^${regex(rw.prefix)}(/.*)$ \\1`),
      ];
    case 'add_prefix':
      return each(`http-request set-path ${rw.prefix}%[path]`);
    case 'replace':
      return each(
        `http-request replace-path ${rw.regex.replace(/ /g, '\\ ')} ${rw.with.replace(/\$(\d)/g, '\\$1').replace(/ /g, '\\ ')}`,
      );
  }
}

/**
 * Conditions as HAProxy ACLs. HAProxy's rule conditions are OR-of-AND lists of (possibly negated) ACL
 * names without parentheses, so a condition is brought to disjunctive normal form first.
 */
class AclCompiler {
  readonly lines: string[] = [];
  private count = 0;
  constructor(private readonly prefix: string) {}

  /** The condition as a list of alternatives, each a list of (possibly negated) ACL names. */
  dnf(node: ConditionNode, negate = false): string[][] {
    switch (node.type) {
      case 'not':
        return this.dnf(node.operand, !negate);
      case 'and':
      case 'or': {
        const isAnd = (node.type === 'and') !== negate;
        const l = this.dnf(node.left, negate);
        const r = this.dnf(node.right, negate);
        return isAnd ? l.flatMap((a) => r.map((b) => [...a, ...b])) : [...l, ...r];
      }
      case 'const':
        return node.value !== negate ? [[]] : [[this.acl('always_false')]];
      case 'exists':
        return [[(node.negate !== negate ? '!' : '') + this.acl(`${fetch(node.subject)} -m found`)]];
      case 'test': {
        const neg = node.negate !== negate;
        if (node.subject.kind === 'user-agent' && node.comparison === 'equals') {
          const alias = userAgentAlias(node.value);
          const sub = `req.hdr(user-agent) ${caseFlag(node.subject, node.comparison)}-m sub`;
          if (alias) {
            // Vamp's user-agents.yml as the engine runs it: one of anyOf, all of allOf (Safari needs
            // "Version" too), none of noneOf; negated, any one of those failing is enough.
            const any = this.acl(`${sub} ${alias.anyOf.map(quote).join(' ')}`);
            const all = alias.allOf.map((w) => this.acl(`${sub} ${quote(w)}`));
            const none = alias.noneOf.length
              ? this.acl(`${sub} ${alias.noneOf.map(quote).join(' ')}`)
              : undefined;
            if (!neg) return [[any, ...all, ...(none ? [`!${none}`] : [])]];
            return [[`!${any}`], ...all.map((a) => [`!${a}`]), ...(none ? [[none]] : [])];
          }
          return [[(neg ? '!' : '') + this.acl(`${sub} ${quote(node.value)}`)]];
        }
        return [[(neg ? '!' : '') + this.acl(leaf(node.subject, node.comparison, node.value))]];
      }
      case 'acl':
        return [
          [
            (negate ? '!' : '') +
              this.acl(aclLine(node.criterion, node.argument, node.ignoreCase, node.values)),
          ],
        ];
    }
  }

  private acl(definition: string): string {
    const name = `${this.prefix}_a${this.count++}`;
    this.lines.push(`    acl ${name} ${definition}`);
    return name;
  }
}

function fetch(subject: Subject): string {
  switch (subject.kind) {
    case 'user-agent':
      return 'req.hdr(user-agent)';
    case 'host':
      return 'req.hdr(host),field(1,:)';
    case 'path':
      return 'path';
    case 'method':
      return 'method';
    case 'cookie':
      return `req.cook(${subject.name})`;
    case 'header':
      return `req.hdr(${subject.name})`;
    case 'query':
      return `url_param(${subject.name})`;
  }
}

function leaf(subject: Subject, comparison: Comparison, value: string): string {
  const match: Record<Comparison, string> = {
    equals: 'str',
    contains: 'sub',
    'starts-with': 'beg',
    'ends-with': 'end',
    matches: 'reg',
  };
  // `host == X` is the Host header exactly as sent, port included (Vamp's `hdr_str(host) X`).
  const fetched = subject.kind === 'host' && comparison === 'equals' ? 'req.hdr(host)' : fetch(subject);
  return `${fetched} ${caseFlag(subject, comparison)}-m ${match[comparison]} ${quote(value)}`;
}

/** `-i ` where the test ignores case (shared/wire/case-folding.ts), else nothing. */
function caseFlag(subject: Subject, comparison: Comparison): string {
  return ignoresCase(subject.kind, comparison) ? '-i ' : '';
}

function aclLine(
  criterion: AclCriterion,
  argument: string | undefined,
  ignoreCase: boolean,
  values: string[],
): string {
  const arg = argument ? `(${argument})` : '';
  return `${criterion}${arg}${aclIgnoresCase(criterion, ignoreCase) ? ' -i' : ''} ${values.map(quote).join(' ')}`;
}

function stickyKey(g: GatewayConfig): string | undefined {
  const by = g.stickyBy;
  if (!by) return undefined;
  if (by.source === 'ip') return 'src';
  return by.source === 'header'
    ? `req.hdr(${by.name})`
    : by.source === 'cookie'
      ? `req.cook(${by.name})`
      : `url_param(${by.name})`;
}

/** HAProxy words: quote when they hold spaces or quotes. */
function quote(s: string): string {
  return /^[^\s"'\\#]+$/.test(s) ? s : `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function regex(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** HAProxy's own hash balancing for a route's instances. */
function hashBalance(key: StickyKey): string {
  if (key.source === 'ip') return 'source';
  return key.source === 'header'
    ? `hdr(${key.name})`
    : key.source === 'cookie'
      ? `hash req.cook(${key.name})`
      : `url_param ${key.name}`;
}
