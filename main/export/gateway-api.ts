import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import type { TCPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1alpha2/TCPRoute';
import { stringify } from 'yaml';
import type { ConditionNode } from '../../shared/conditions/ast.js';
import { parseCondition } from '../../shared/conditions/parser.js';
import { userAgentAlias } from '../../shared/conditions/user-agents.js';
import type { GatewayConfig, RouteConfig, SwitchyardConfig } from '../../shared/config/model.js';
import { ignoresCase } from '../../shared/wire/case-folding.js';
import { OVERRIDE_HEADER } from '../../shared/wire/override.js';
import { portOf } from '../../shared/wire/ports.js';
import type { ExportResult } from './export-result.js';
import { headerPlan } from './header-plan.js';
import { warnUnexported } from './unexported.js';
import { gatewayApiShadow } from './shadow-export.js';
import {
  dnsName,
  gatewayListeners,
  hostnameParents,
  tcpRoute,
  upstreamWarnings,
} from './gateway-api-listeners.js';

type HTTPRouteData = ConstructorParameters<typeof HTTPRoute>[0] & object;
type Rule = NonNullable<NonNullable<HTTPRouteData['spec']>['rules']>[number];
type Match = NonNullable<Rule['matches']>[number];
type BackendRef = NonNullable<Rule['backendRefs']>[number];

export interface GatewayApiOptions {
  /** Service names by target (URL or host:port), route or `gateway/route`: from --service NAME=TARGET. */
  services?: Record<string, string>;
  gatewayClass?: string;
}

/**
 * Exports gateways as Kubernetes Gateway API documents: one `Gateway` with a listener per gateway, and an
 * `HTTPRoute` per gateway. Vamp's "first matching condition, by its strength, else the weights" becomes
 * a rule per condition whose backendRefs carry the strength and the remaining weights, a default rule
 * with the weights, and a rule per route for the override header. Built with and validated by
 * @kubernetes-models/gateway-api; what the API cannot express is approximated or listed as a warning.
 */
export function exportGatewayApi(config: SwitchyardConfig, opts: GatewayApiOptions = {}): ExportResult {
  const warnings: string[] = [];
  const derived: string[] = [];
  const gateway = new Gateway({
    metadata: { name: 'switchyard' },
    spec: {
      gatewayClassName: opts.gatewayClass ?? 'switchyard-export',
      listeners: gatewayListeners(config, warnings),
    },
  });
  gateway.validate();
  const routes = config.gateways.flatMap((g): (HTTPRoute | TCPRoute)[] => {
    const warn = (w: string) => warnings.push(`gateway '${g.name}': ${w}`);
    if (g.protocol === 'tcp') return [tcpRoute(g, (r) => serviceFor(g, r, opts, derived), warn)];
    const data = httpRoute(g, opts, warn, derived);
    // HTTPRoute hostnames filter every parent, so the virtual hosts get a route of their own beside the
    // one for the gateway's own port, which answers any Host.
    const hosts = hostnameParents(g, config);
    const own = g.port !== undefined ? [data] : [];
    const named = hosts
      ? [
          {
            metadata: { name: dnsName(own.length ? `${g.name}-hosts` : g.name) },
            spec: { ...data.spec, parentRefs: hosts, hostnames: g.virtualHosts },
          },
        ]
      : [];
    if (!own.length && !named.length)
      warn('is not exported: it has no port of its own and no virtual hosts on shared listeners');
    return [...own, ...named].map((d) => {
      const route = new HTTPRoute(d);
      route.validate();
      return route;
    });
  });
  if (config.gateways.some((g) => g.port === 0))
    warnings.push('gateways on port 0 (any free port) get listener port 80');
  const note = derived.length
    ? `# Service names derived from routes (map them with --service NAME=TARGET): ${derived.join(', ')}\n`
    : '';
  const text = note + [gateway, ...routes].map((doc) => `---\n${stringify(doc.toJSON())}`).join('');
  return { text, warnings };
}

function httpRoute(
  g: GatewayConfig,
  opts: GatewayApiOptions,
  warn: (w: string) => void,
  derived: string[],
): HTTPRouteData {
  warnUnexported(
    g,
    ['headers', 'gatewayHeaders', 'shadow', 'virtualHosts', 'tls', 'upstreamTls', 'h2'],
    warn,
  );
  upstreamWarnings(g, warn);
  const filters = headerFilters(g, warn);
  const backend = (r: RouteConfig, weight: number): BackendRef => {
    const port = r.targets[0] ? (portOf(new URL(r.targets[0])) ?? g.port) : g.port;
    const f = filters.get(r);
    return {
      name: serviceFor(g, r, opts, derived),
      port,
      weight: Math.round(weight * 100),
      ...(f?.length ? { filters: f } : {}),
    };
  };
  const rules: Rule[] = [];
  const timeouts = { request: `${Math.round(g.timeoutMs / 1000) || 1}s` };

  // The override header: exact, a rule per route.
  for (const r of g.routes) {
    rules.push({
      matches: [{ headers: [{ type: 'Exact', name: OVERRIDE_HEADER, value: r.name }] }],
      backendRefs: [backend(r, 100)],
      timeouts,
    });
  }

  // Conditions: the route gets its strength, the rest falls to the weights, as in Switchyard.
  const weighted = g.routes.filter((r) => r.weight > 0);
  for (const r of g.routes.filter((x) => x.condition)) {
    const matches = toMatches(parseCondition(r.condition as string), (w) => warn(`route '${r.name}': ${w}`));
    if (!matches) continue;
    const refs = new Map<RouteConfig, number>([[r, r.conditionStrength]]);
    for (const w of weighted)
      refs.set(w, (refs.get(w) ?? 0) + ((100 - r.conditionStrength) * w.weight) / 100);
    rules.push({
      matches,
      backendRefs: [...refs].filter(([, w]) => w > 0).map(([route, w]) => backend(route, w)),
      timeouts,
    });
  }
  if (g.routes.filter((x) => x.condition).length > 1) {
    warn(
      'conditions are matched by the Gateway API by specificity, not in route order; overlapping conditions may route differently',
    );
  }

  // Everything else: the weights.
  if (weighted.length)
    rules.push({
      matches: [{ path: { type: 'PathPrefix', value: '/' } }],
      backendRefs: weighted.map((r) => backend(r, r.weight)),
      timeouts,
    });
  else
    warn(
      'all weights are 0%: requests that match no condition get no route (404 from most implementations, 503 in Switchyard)',
    );

  if (g.sticky !== 'none' || g.stickyBy)
    warn(
      `sticky ${g.stickyBy ? 'sticky_by' : g.sticky} has no counterpart in the standard channel; traffic is split without stickiness`,
    );
  for (const r of g.routes) {
    if (r.rewrites.length)
      warn(
        `route '${r.name}': rewrites are not exported (URLRewrite needs a path match of the same prefix); set them on the Service or add a filter`,
      );
    if (r.gateway)
      warn(`route '${r.name}' chains to gateway '${r.gateway}': exported as a Service of that name`);
  }
  if (g.preserveHost)
    warn('preserve_host is the Gateway API default; not preserving Host has no standard filter');

  gatewayApiShadow(g, rules, (r) => backend(r, 100), warn);
  return {
    metadata: { name: dnsName(g.name) },
    spec: { parentRefs: [{ name: 'switchyard', sectionName: dnsName(g.name) }], rules },
  };
}

type BackendFilter = NonNullable<BackendRef['filters']>[number];

/**
 * Header rules (the gateway's, then the route's) as RequestHeaderModifier and ResponseHeaderModifier
 * filters on each route's backendRef. `%[...]` values have no Gateway API counterpart: warned, left out.
 */
function headerFilters(g: GatewayConfig, warn: (w: string) => void): Map<RouteConfig, BackendFilter[]> {
  const out = new Map<RouteConfig, BackendFilter[]>();
  for (const side of ['request', 'response'] as const) {
    const plan = headerPlan(g, side);
    g.routes.forEach((r, i) => {
      const set: { name: string; value: string }[] = [];
      const add: { name: string; value: string }[] = [];
      const remove: string[] = [];
      const literal = (name: string, v: string) => {
        if (!v.includes('%[')) return true;
        warn(
          `route '${r.name}': the ${side} header ${name} uses %[...] variables, which the Gateway API cannot carry; it is left out`,
        );
        return false;
      };
      for (const [name, byRoute] of plan) {
        const e = byRoute.get(i);
        if (!e) continue;
        if (e.removed && e.set === undefined) remove.push(name);
        if (e.set !== undefined && literal(name, e.set)) set.push({ name, value: e.set });
        if (e.adds.length > 1)
          warn(`route '${r.name}': the added ${side} header ${name} values are joined into one`);
        const joined = e.adds.join(', ');
        if (e.adds.length && literal(name, joined)) add.push({ name, value: joined });
      }
      if (!set.length && !add.length && !remove.length) return;
      const modifier = {
        ...(set.length ? { set } : {}),
        ...(add.length ? { add } : {}),
        ...(remove.length ? { remove } : {}),
      };
      const filter: BackendFilter =
        side === 'request'
          ? { type: 'RequestHeaderModifier', requestHeaderModifier: modifier }
          : { type: 'ResponseHeaderModifier', responseHeaderModifier: modifier };
      out.set(r, [...(out.get(r) ?? []), filter]);
    });
  }
  return out;
}

/**
 * A condition as Gateway API matches (alternatives), or undefined when it has a part the API cannot
 * express (negation, say), which is then a warning: the route still gets its weighted share.
 */
function toMatches(node: ConditionNode, warn: (w: string) => void): Match[] | undefined {
  const alternatives = dnf(node);
  if (!alternatives) {
    warn('the condition uses negation or a test the Gateway API cannot express; the rule is left out');
    return undefined;
  }
  const matches: Match[] = [];
  for (const term of alternatives) {
    const m: Match = {};
    for (const leaf of term) {
      const part = leafMatch(leaf, warn);
      if (!part) return undefined;
      if (part.path) {
        if (m.path)
          return (
            warn('two path tests in one alternative cannot be one Gateway API match; the rule is left out'),
            undefined
          );
        m.path = part.path;
      }
      if (part.method) m.method = part.method;
      if (part.headers) m.headers = [...(m.headers ?? []), ...part.headers];
      if (part.queryParams) m.queryParams = [...(m.queryParams ?? []), ...part.queryParams];
    }
    matches.push(m);
  }
  if (matches.length > 8)
    return (
      warn('more than 8 alternatives: the Gateway API allows 8 matches per rule; the rule is left out'),
      undefined
    );
  return matches;
}

/** Disjunctive normal form without negation; undefined when a negation is met. */
function dnf(node: ConditionNode): ConditionNode[][] | undefined {
  if (node.type === 'and' || node.type === 'or') {
    const l = dnf(node.left);
    const r = dnf(node.right);
    if (!l || !r) return undefined;
    return node.type === 'or' ? [...l, ...r] : l.flatMap((a) => r.map((b) => [...a, ...b]));
  }
  if (node.type === 'not' || ((node.type === 'test' || node.type === 'exists') && node.negate))
    return undefined;
  if (node.type === 'const') return node.value ? [[]] : undefined;
  return [[node]];
}

function leafMatch(node: ConditionNode, warn: (w: string) => void): Match | undefined {
  if (node.type === 'exists') {
    if (node.subject.kind === 'header')
      return { headers: [{ type: 'RegularExpression', name: node.subject.name, value: '.*' }] };
    if (node.subject.kind === 'query')
      return { queryParams: [{ type: 'RegularExpression', name: node.subject.name, value: '.*' }] };
    warn(`has cookie ${node.subject.name} is approximated by a regular expression on the Cookie header`);
    return {
      headers: [
        { type: 'RegularExpression', name: 'Cookie', value: `(^|.*; )${escape(node.subject.name)}=.*` },
      ],
    };
  }
  if (node.type === 'acl') {
    warn(`the raw HAProxy ACL '${node.source}' is not exported`);
    return undefined;
  }
  if (node.type !== 'test') return undefined;
  const { subject, comparison, value } = node;
  const regexFor = () =>
    comparison === 'matches'
      ? value
      : comparison === 'starts-with'
        ? `${escape(value)}.*`
        : comparison === 'ends-with'
          ? `.*${escape(value)}`
          : `.*${escape(value)}.*`;
  switch (subject.kind) {
    case 'path':
      if (comparison === 'equals') return { path: { type: 'Exact', value } };
      if (comparison === 'starts-with' && value.startsWith('/'))
        return { path: { type: 'PathPrefix', value } };
      warn(
        `path ${comparison} ${value} is approximated by a regular expression (implementation-specific in the Gateway API)`,
      );
      return { path: { type: 'RegularExpression', value: regexFor() } };
    case 'method': {
      const method = value.toUpperCase();
      const known = ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH'];
      if (comparison === 'equals' && known.includes(method)) return { method: method as Match['method'] };
      warn(`method ${comparison} ${value} cannot be expressed`);
      return undefined;
    }
    case 'user-agent': {
      const alias = comparison === 'equals' ? userAgentAlias(value) : undefined;
      // Where the test ignores case, [Ff]: RE2 and PCRE both read it, where (?i) is not universal.
      const fold = ignoresCase(subject.kind, comparison) ? caseless : (s: string) => s;
      // An alias needs one of anyOf and all of allOf (Vamp's Safari: "Safari" and "Version"), in any order.
      const words = alias
        ? [
            `(${alias.anyOf.map((a) => fold(escape(a))).join('|')})`,
            ...alias.allOf.map((a) => fold(escape(a))),
          ]
        : [fold(escape(value))];
      const orders = permutations(words).map((p) => `.*${p.join('.*')}.*`);
      const pattern = orders.length === 1 ? orders[0]! : `(${orders.join('|')})`;
      warn(
        `user-agent ${comparison === 'equals' ? 'is' : comparison} ${value} is a substring test, approximated by a regular expression on User-Agent${alias?.noneOf.length ? ` (without excluding ${alias.noneOf.join(', ')})` : ''}`,
      );
      return { headers: [{ type: 'RegularExpression', name: 'User-Agent', value: pattern }] };
    }
    case 'host':
      warn('host tests belong in the HTTPRoute hostnames; add them there');
      return undefined;
    case 'header':
      return comparison === 'equals'
        ? { headers: [{ type: 'Exact', name: subject.name, value }] }
        : { headers: [{ type: 'RegularExpression', name: subject.name, value: regexFor() }] };
    case 'query':
      return comparison === 'equals'
        ? { queryParams: [{ type: 'Exact', name: subject.name, value }] }
        : { queryParams: [{ type: 'RegularExpression', name: subject.name, value: regexFor() }] };
    case 'cookie':
      warn(`cookie ${subject.name} is approximated by a regular expression on the Cookie header`);
      return {
        headers: [
          {
            type: 'RegularExpression',
            name: 'Cookie',
            value: `(^|.*; )${escape(subject.name)}=${comparison === 'equals' ? `${escape(value)}(;.*)?$` : regexFor()}`,
          },
        ],
      };
  }
}

function serviceFor(g: GatewayConfig, r: RouteConfig, opts: GatewayApiOptions, derived: string[]): string {
  const keys = [`${g.name}/${r.name}`, r.name, ...r.targets.flatMap((t) => [t, new URL(t).host])];
  const mapped = keys.map((k) => opts.services?.[k]).find(Boolean);
  if (mapped) return mapped;
  const name = dnsName(r.gateway ?? `${g.name}-${r.name}`);
  if (!derived.includes(name)) derived.push(name);
  return name;
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Every order of a few words (an alias has at most two to place). */
function permutations(words: string[]): string[][] {
  if (words.length <= 1) return [words];
  return words.flatMap((w, i) => permutations(words.toSpliced(i, 1)).map((rest) => [w, ...rest]));
}

function caseless(pattern: string): string {
  return pattern.replace(/[a-z]/gi, (c) => `[${c.toUpperCase()}${c.toLowerCase()}]`);
}
