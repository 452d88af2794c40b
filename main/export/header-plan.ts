import type { GatewayConfig, HeaderOps, MockResponse } from '../../shared/config/model.js';
import { parseTemplate, type TemplatePart } from '../../shared/config/rewrite-template.js';

/**
 * The header rules of a gateway resolved per route, as the engine applies them (header-rules.ts): the
 * gateway's rules, then the route's, a later remove or set cancelling an earlier set or add of the same
 * header; then removes, sets and adds. Exporters write these final edits header by header.
 */
export interface HeaderEdit {
  removed: boolean;
  set?: string;
  adds: string[];
}

/** Header name (lower case) → route index → the edit of that header on that route. */
export type HeaderPlan = Map<string, Map<number, HeaderEdit>>;

export function headerPlan(g: GatewayConfig, side: 'request' | 'response'): HeaderPlan {
  const plan: HeaderPlan = new Map();
  g.routes.forEach((r, i) => {
    for (const ops of [g.headers?.[side], r.headers?.[side]]) if (ops) apply(plan, i, ops);
  });
  return plan;
}

function apply(plan: HeaderPlan, i: number, ops: HeaderOps): void {
  const edit = (name: string): HeaderEdit => {
    const k = name.toLowerCase();
    let byRoute = plan.get(k);
    if (!byRoute) plan.set(k, (byRoute = new Map()));
    let e = byRoute.get(i);
    if (!e) byRoute.set(i, (e = { removed: false, adds: [] }));
    return e;
  };
  for (const name of ops.remove ?? []) {
    const e = edit(name);
    e.removed = true;
    delete e.set;
    e.adds = [];
  }
  for (const [name, value] of Object.entries(ops.set ?? {})) {
    const e = edit(name);
    e.set = value;
    e.adds = [];
  }
  for (const [name, value] of Object.entries(ops.add ?? {})) edit(name).adds.push(value);
}

/** Whether any route replaces or removes the header (so the upstream's or client's value must be hidden). */
export function replaces(byRoute: Map<number, HeaderEdit>): boolean {
  return [...byRoute.values()].some((e) => e.removed || e.set !== undefined);
}

/**
 * A header value template in another proxy's variables: `sample` spells each `%[...]` sample; a regsub is
 * left out with a warning.
 */
export function translateTemplate(
  value: string,
  sample: (part: Extract<TemplatePart, { kind: 'sample' }>) => string,
  text: (t: string) => string,
  warn: (w: string) => void,
): string {
  const parts = parseTemplate(value);
  if (typeof parts === 'string') return text(value);
  return parts
    .map((p) => {
      if (p.kind === 'text') return text(p.text);
      if (p.regsubs.length)
        warn(`the regsub in ${JSON.stringify(value)} is not exported; the value is used as fetched`);
      return sample(p);
    })
    .join('');
}

/** The Content-Type a mock answers with, as mock-response.ts picks it. */
export function mockContentType(m: MockResponse): string | undefined {
  const set = Object.entries(m.headers).find(([k]) => k.toLowerCase() === 'content-type');
  if (set) return set[1];
  const body = m.body ?? '';
  if (!body.length) return undefined;
  return body.startsWith('{') || body.startsWith('[') ? 'application/json' : 'text/plain; charset=utf-8';
}

/** A mock's headers other than Content-Type. */
export function mockHeaders(m: MockResponse): [string, string][] {
  return Object.entries(m.headers).filter(([k]) => k.toLowerCase() !== 'content-type');
}
