import type { LogSummary } from './api/contract.js';
import { decodeBase64Text } from './har.js';
import type { BodyPreview, LogEntry } from './log-entry.js';

/**
 * The request log's filter: `status:5xx route:v2 method:POST path:/api gateway:shop is:error`,
 * `header:x-user` (a header's name or value), `body:alice` (request and response bodies and WebSocket
 * messages), and free text (matched against path, route, gateway, method, status and target, and also
 * headers and bodies where the entry has them). A `-` before a term negates it. Terms combine with AND.
 * `gateway:` and `route:` name one exactly (`shop` is not `shop-copy`); a `*` in the name matches
 * anything (`gateway:shop*`).
 *
 * The UI holds summaries only, so a filter that looks into headers or bodies (free text, `header:`,
 * `body:`) is answered by the engine from its log (`log.search`); the rest is matched in the UI too.
 */
export type Loggable = LogSummary & Partial<Pick<LogEntry, HeavyField>>;
type HeavyField = 'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody' | 'messages';
export type Predicate = (e: Loggable) => boolean;

/** Whether the filter needs what only the engine holds (headers, bodies): then the engine answers it. */
export function needsEngine(text: string): boolean {
  return terms(text).some((raw) => {
    const body = raw.startsWith('-') && raw.length > 1 ? raw.slice(1) : raw;
    const colon = body.indexOf(':');
    if (colon <= 0) return true;
    const key = body.slice(0, colon).toLowerCase();
    return key === 'header' || key === 'body' || keyed(key, body.slice(colon + 1)) === undefined;
  });
}

function terms(text: string): string[] {
  return text.trim().split(/\s+/).filter(Boolean);
}

export function parseFilter(text: string): Predicate {
  const tests = terms(text).map(term);
  if (tests.length === 0) return () => true;
  return (e) => tests.every((t) => t(e));
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
    case 'header':
      return (e) => headersInclude(e, v);
    case 'body':
      return (e) => bodiesInclude(e, v);
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
    (e.target ?? '').toLowerCase().includes(t) ||
    headersInclude(e, t) ||
    bodiesInclude(e, t);
}

/** A header's name or value (either direction) contains `t`, or `name: value` does. */
function headersInclude(e: Loggable, t: string): boolean {
  for (const headers of [e.requestHeaders, e.responseHeaders]) {
    for (const [name, value] of Object.entries(headers ?? {})) {
      const values = Array.isArray(value) ? value : [value];
      if (values.some((v) => `${name}: ${v}`.toLowerCase().includes(t))) return true;
    }
  }
  return false;
}

/** The kept part of a body or WebSocket message, read as UTF-8 text, contains `t`. */
function bodiesInclude(e: Loggable, t: string): boolean {
  const previews: (BodyPreview | undefined)[] = [
    e.requestBody,
    e.responseBody,
    ...(e.messages ?? []).map((m) => m.preview),
  ];
  return previews.some((p) => p !== undefined && decodeBase64Text(p.base64).toLowerCase().includes(t));
}
