import type { OutgoingHttpHeaders } from 'node:http';
import type { HeaderOps } from '../../shared/config/model.js';
import type { HttpRequestView } from './http-request-view.js';
import { compileValueTemplate } from './rewrite.js';

/**
 * Header rules (set, add, remove) on requests and responses, as nginx's proxy_set_header/add_header and
 * HAProxy's http-request/response set-header do them. Values are templates evaluated on the request as
 * the client sent it; `evaluate` turns rules into plain edits, applied by the transport.
 */
export interface HeaderEdits {
  remove: string[];
  set: [string, string][];
  add: [string, string][];
}

type Compiled = {
  remove: string[];
  set: [string, (v: HttpRequestView) => string][];
  add: [string, (v: HttpRequestView) => string][];
};
const cache = new WeakMap<HeaderOps, Compiled>();

function compile(ops: HeaderOps): Compiled {
  let c = cache.get(ops);
  if (c) return c;
  const entries = (m: Record<string, string> | undefined) =>
    Object.entries(m ?? {}).map(
      ([k, v]) => [k.toLowerCase(), compileValueTemplate(v)] as [string, (v: HttpRequestView) => string],
    );
  c = {
    remove: (ops.remove ?? []).map((k) => k.toLowerCase()),
    set: entries(ops.set),
    add: entries(ops.add),
  };
  cache.set(ops, c);
  return c;
}

/** The edits of several rule sets (the gateway's, then the route's), evaluated for one request. */
export function evaluateHeaderRules(
  rules: readonly (HeaderOps | undefined)[],
  view: HttpRequestView,
): HeaderEdits | undefined {
  const present = rules.filter((r): r is HeaderOps => r !== undefined);
  if (!present.length) return undefined;
  const edits: HeaderEdits = { remove: [], set: [], add: [] };
  for (const r of present) {
    const c = compile(r);
    // A later rule set overrides an earlier one: its removes and sets cancel earlier edits of that header.
    for (const name of [...c.remove, ...c.set.map(([n]) => n)]) {
      edits.set = edits.set.filter(([n]) => n !== name);
      edits.add = edits.add.filter(([n]) => n !== name);
    }
    edits.remove.push(...c.remove);
    for (const [n, fn] of c.set) edits.set.push([n, fn(view)]);
    for (const [n, fn] of c.add) edits.add.push([n, fn(view)]);
  }
  return edits;
}

/**
 * The headers with edits applied (removes first, then sets, then adds), in `headers` itself unless
 * something is removed: removing copies the rest into a new object instead, since `delete` turns an
 * object into a hash table, several times its size, and the log keeps response headers (issue 16).
 */
export function applyHeaderEdits(
  headers: OutgoingHttpHeaders,
  edits: HeaderEdits | undefined,
): OutgoingHttpHeaders {
  if (!edits) return headers;
  const out = edits.remove.length ? without(headers, edits.remove) : headers;
  for (const [name, value] of edits.set) out[name] = value;
  for (const [name, value] of edits.add) {
    const old = out[name];
    out[name] = old === undefined ? value : [...(Array.isArray(old) ? old : [String(old)]), value];
  }
  return out;
}

function without(headers: OutgoingHttpHeaders, names: readonly string[]): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) if (!names.includes(name)) out[name] = headers[name];
  return out;
}

/** A summary for the decision trace. */
export function describeEdits(edits: HeaderEdits): string {
  return [
    ...edits.remove.map((n) => `-${n}`),
    ...edits.set.map(([n]) => `=${n}`),
    ...edits.add.map(([n]) => `+${n}`),
  ].join(' ');
}
