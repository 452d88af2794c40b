import type { LogSummary } from '../../../shared/api/contract.js';

/**
 * The request log's filter: `status:5xx route:v2 method:POST path:/api gateway:shop is:error` and free
 * text (matched against path, route, gateway, method, status and target). A `-` before a term negates
 * it. Terms combine with AND. `gateway:` and `route:` name one exactly (`shop` is not `shop-copy`); a `*`
 * in the name matches anything (`gateway:shop*`).
 */
export type Predicate = (e: LogSummary) => boolean;

export function parseFilter(text: string): Predicate {
  const terms = text.trim().split(/\s+/).filter(Boolean).map(term);
  if (terms.length === 0) return () => true;
  return (e) => terms.every((t) => t(e));
}

function term(raw: string): Predicate {
  const negate = raw.startsWith('-') && raw.length > 1;
  const body = negate ? raw.slice(1) : raw;
  const colon = body.indexOf(':');
  const key = colon > 0 ? body.slice(0, colon).toLowerCase() : '';
  const value = colon > 0 ? body.slice(colon + 1) : body;
  const test = keyed(key, value) ?? freeText(body);
  return negate ? (e) => !test(e) : test;
}

function keyed(key: string, value: string): Predicate | undefined {
  const v = value.toLowerCase();
  switch (key) {
    case 'status':
      return statusMatcher(v);
    case 'route': {
      const matches = nameMatcher(v);
      return (e) => matches((e.route ?? '').toLowerCase());
    }
    case 'gateway': {
      const matches = nameMatcher(v);
      return (e) => matches(e.gateway.toLowerCase());
    }
    case 'method':
      return (e) => e.method.toLowerCase() === v;
    case 'path':
      return (e) => e.path.toLowerCase().includes(v);
    case 'target':
      return (e) => (e.target ?? '').toLowerCase().includes(v);
    case 'is':
      if (v === 'error') return (e) => e.status >= 500 || e.status === 0 || e.error !== undefined;
      if (v === 'override') return (e) => e.override;
      if (v === 'websocket' || v === 'ws') return (e) => e.websocket;
      return undefined;
    default:
      return undefined;
  }
}

/** An exact name, or with `*` a wildcard pattern (the rest of the name is literal). */
function nameMatcher(v: string): (name: string) => boolean {
  if (!v.includes('*')) return (name) => name === v;
  const pattern = v
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const re = new RegExp(`^${pattern}$`);
  return (name) => re.test(name);
}

/**
 * The filter text with `term` toggled: removed when present, else added in place of any other term of
 * the same key (a chip picks one gateway or route). Terms are compared whole, never as substrings.
 */
export function toggleTerm(text: string, term: string): string {
  const terms = text.trim().split(/\s+/).filter(Boolean);
  if (terms.includes(term)) return terms.filter((t) => t !== term).join(' ');
  const key = term.includes(':') ? term.slice(0, term.indexOf(':') + 1) : undefined;
  const keyed = key === 'gateway:' || key === 'route:';
  return [...terms.filter((t) => !(keyed && t.startsWith(key))), term].join(' ');
}

/** Whether the filter text has `term` as a whole term. */
export function hasTerm(text: string, term: string): boolean {
  return text.trim().split(/\s+/).includes(term);
}

function statusMatcher(v: string): Predicate {
  const klass = /^([1-5])xx$/.exec(v);
  if (klass) {
    const lo = Number(klass[1]) * 100;
    return (e) => e.status >= lo && e.status < lo + 100;
  }
  const range = /^(>=|<=|>|<)(\d+)$/.exec(v);
  if (range) {
    const n = Number(range[2]);
    const op = range[1];
    return (e) =>
      op === '>=' ? e.status >= n : op === '<=' ? e.status <= n : op === '>' ? e.status > n : e.status < n;
  }
  return (e) => String(e.status) === v;
}

function freeText(text: string): Predicate {
  const t = text.toLowerCase();
  return (e) =>
    e.path.toLowerCase().includes(t) ||
    (e.route ?? '').toLowerCase().includes(t) ||
    e.gateway.toLowerCase().includes(t) ||
    e.method.toLowerCase() === t ||
    String(e.status) === t ||
    (e.target ?? '').toLowerCase().includes(t);
}
