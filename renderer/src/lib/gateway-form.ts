import { parse, stringify } from 'yaml';
import { editRoute, patchGateway, setRoutes, type Patch } from '../../../shared/config/edit.js';
import type { RawGateway } from '../../../shared/config/schema.js';
import {
  routeMap,
  type GatewaySource,
  type RouteMap,
  type RouteSource,
} from '../../../shared/config/source.js';
import {
  listenPatch,
  listenText,
  routeTlsPatch,
  routeTlsText,
  type ListenDraft,
  type RouteTlsDraft,
} from './gateway-form-listen.js';

/**
 * The gateway editor's form: text boxes and checkboxes over a gateway source (the YAML/JSON the user
 * writes). The form keeps the source it was made from, and turning it back into a source edits that
 * source (through shared/config/edit.ts) only where a box was changed: fields the form does not show
 * (balance, weighted targets, Vamp's read-only fields, x- extensions) and the way untouched values were
 * written come back as they were, so `toSource(toForm(s))` is `s`.
 */
export interface RouteDraft extends RouteTlsDraft {
  key: string;
  targets: string;
  weight: string;
  condition: string;
  strength: string;
  rewrites: string;
  /** Nested route fields (health_check, passive, headers, respond), each as a small YAML box. */
  yaml: Record<RouteYamlField, string>;
  /** The route as written, when the draft was made from one; absent for a route added in the form. */
  base?: RouteSource | null;
}

/** Route fields edited as a YAML map in a box of their own (issue 15), in the order the form shows them. */
export const ROUTE_YAML_FIELDS = [
  'health_check',
  'passive',
  'headers',
  'respond',
] as const satisfies readonly (keyof RouteSource)[];
export type RouteYamlField = (typeof ROUTE_YAML_FIELDS)[number];

/** Gateway fields edited as a YAML map in a box of their own. */
export const GATEWAY_YAML_FIELDS = ['cors', 'headers'] as const satisfies readonly (keyof RawGateway)[];
export type GatewayYamlField = (typeof GATEWAY_YAML_FIELDS)[number];

/** The gateway fields the form shows; each box's kind follows the field's type in the schema. */
const TEXT_FIELDS = {
  name: 'name',
  port: 'port',
  host: 'host',
  sticky: 'sticky',
  stickyBy: 'sticky_by',
  timeout: 'timeout',
  connectTimeout: 'connect_timeout',
  waitForUpstream: 'wait_for_upstream',
} as const satisfies Record<string, keyof RawGateway>;

/** Checkboxes, with the value a gateway has when the field is not written. */
const FLAG_FIELDS = {
  enabled: { field: 'enabled', unset: true },
  preserveHost: { field: 'preserve_host', unset: false },
} as const satisfies Record<string, { field: keyof RawGateway; unset: boolean }>;

export type GatewayForm = { [K in keyof typeof TEXT_FIELDS]: string } & {
  [K in keyof typeof FLAG_FIELDS]: boolean;
} & ListenDraft & {
    routes: RouteDraft[];
    /** Nested gateway fields (cors, headers), each as a small YAML box. */
    yaml: Record<GatewayYamlField, string>;
    /** The source the form was made from. */
    base: GatewaySource;
  };

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function isBracketKey(key: string): boolean {
  return /^\[.*\]$/.test(key);
}

export function toForm(source: GatewaySource): GatewayForm {
  const text = Object.fromEntries(
    Object.entries(TEXT_FIELDS).map(([box, field]) => [box, textOf(source, field)]),
  ) as { [K in keyof typeof TEXT_FIELDS]: string };
  return {
    ...text,
    ...listenText(source),
    enabled: flagOf(source, FLAG_FIELDS.enabled),
    preserveHost: flagOf(source, FLAG_FIELDS.preserveHost),
    yaml: yamlBoxes(source, GATEWAY_YAML_FIELDS),
    base: source,
    routes: Object.entries(routeMap(source.routes)).map(([key, route]) => ({
      ...routeText(route),
      key,
      base: route,
    })),
  };
}

export function toSource(form: GatewayForm): GatewaySource {
  const patch: Patch<GatewaySource> = {};
  for (const [box, field] of Object.entries(TEXT_FIELDS) as [keyof typeof TEXT_FIELDS, keyof RawGateway][]) {
    if (form[box] !== textOf(form.base, field)) Object.assign(patch, { [field]: fromText(field, form[box]) });
  }
  for (const [box, { field, unset }] of Object.entries(FLAG_FIELDS) as [
    keyof typeof FLAG_FIELDS,
    { field: keyof RawGateway; unset: boolean },
  ][]) {
    if (form[box] !== flagOf(form.base, { field, unset }))
      Object.assign(patch, { [field]: form[box] === unset ? undefined : form[box] });
  }
  for (const field of GATEWAY_YAML_FIELDS) {
    if (form.yaml[field] !== yamlText(form.base[field]))
      Object.assign(patch, { [field]: fromYaml(form.yaml[field]) });
  }
  Object.assign(patch, listenPatch(form, form.base));
  const edited = patchGateway(form.base, patch);
  return sameRoutes(form) ? edited : setRoutes(edited, routesOf(form.routes));
}

/**
 * The draft with the weights that changed between two running versions (moved live with the sliders)
 * taken in, so applying the draft keeps them; the user's other edits stay as they are.
 */
export function withRunningWeights(
  form: GatewayForm,
  before: GatewaySource,
  after: GatewaySource,
): GatewayForm {
  const weightIn = (s: GatewaySource, key: string) => str(routeMap(s.routes)[key]?.weight);
  const routes = form.routes.map((r) => {
    const was = weightIn(before, r.key);
    const now = weightIn(after, r.key);
    return was !== now ? { ...r, weight: now } : r;
  });
  return routes.some((r, i) => r !== form.routes[i]) ? { ...form, routes } : form;
}

function textOf(source: GatewaySource, field: keyof RawGateway): string {
  const value = str(source[field]);
  return field === 'sticky' ? value || 'none' : value;
}

function flagOf(source: GatewaySource, { field, unset }: { field: keyof RawGateway; unset: boolean }) {
  const value = source[field];
  return typeof value === 'boolean' ? value : unset;
}

/** A changed box as the value written: empty removes the field, a bare number is a number (port). */
function fromText(field: keyof RawGateway, text: string): unknown {
  const t = text.trim();
  if (!t) return undefined;
  return field === 'port' && /^\d+$/.test(t) ? Number(t) : t;
}

const routeText = (r: RouteSource | null): Omit<RouteDraft, 'key' | 'base'> => ({
  targets: targetsText(r?.targets ?? r?.target),
  weight: str(r?.weight),
  condition: str(r?.condition),
  strength: str(r?.condition_strength),
  rewrites: Array.isArray(r?.rewrites) && r.rewrites.length ? stringify(r.rewrites).trimEnd() : '',
  yaml: yamlBoxes(r ?? {}, ROUTE_YAML_FIELDS),
  ...routeTlsText(r),
});

/** A route added in the form: a target to change, every other box empty. */
export function newRouteDraft(key: string): RouteDraft {
  return { ...routeText({ targets: 'http://127.0.0.1:3000' }), key };
}

/** A nested field as its box shows it: YAML, or empty when the field is not written. */
function yamlText(value: unknown): string {
  return value === undefined || value === null ? '' : stringify(value).trimEnd();
}

function yamlBoxes<F extends string>(
  source: Partial<Record<F, unknown>>,
  fields: readonly F[],
): Record<F, string> {
  return Object.fromEntries(fields.map((f) => [f, yamlText(source[f])])) as Record<F, string>;
}

/** A changed YAML box as the value written: empty removes the field; text that is not YAML is passed on for the engine to reject. */
function fromYaml(text: string): unknown {
  if (!text.trim()) return undefined;
  try {
    return parse(text) as unknown;
  } catch {
    return text;
  }
}

/** Whether the routes are the ones the form was made from, in order, with no box changed. */
function sameRoutes(form: GatewayForm): boolean {
  const before = Object.entries(routeMap(form.base.routes));
  return (
    before.length === form.routes.length &&
    form.routes.every((r, i) => {
      const [key, route] = before[i] ?? [];
      return r.key === key && r.base === route && sameText(r, routeText(route ?? null));
    })
  );
}

function sameText(r: RouteDraft, text: Omit<RouteDraft, 'key' | 'base'>): boolean {
  return (Object.keys(text) as (keyof typeof text)[]).every((k) =>
    k === 'yaml' ? ROUTE_YAML_FIELDS.every((f) => r.yaml[f] === text.yaml[f]) : r[k] === text[k],
  );
}

function routesOf(drafts: RouteDraft[]): RouteMap {
  return Object.fromEntries(drafts.map((r) => [r.key, routeOf(r)]));
}

/** A route from its draft: the route it was made from, with the boxes that changed written into it. */
function routeOf(r: RouteDraft): RouteSource | null {
  const was = routeText(r.base ?? null);
  const patch: Patch<RouteSource> = {};
  if (r.targets !== was.targets) Object.assign(patch, targetsPatch(r, r.base ?? null));
  if (r.weight !== was.weight) patch.weight = percent(r.weight);
  if (r.condition !== was.condition) patch.condition = r.condition.trim() || undefined;
  if (r.strength !== was.strength) patch.condition_strength = percent(r.strength);
  if (r.rewrites !== was.rewrites)
    patch.rewrites = r.rewrites.trim() ? (parseRewrites(r.rewrites) as RouteSource['rewrites']) : undefined;
  for (const field of ROUTE_YAML_FIELDS) {
    if (r.yaml[field] !== was.yaml[field]) Object.assign(patch, { [field]: fromYaml(r.yaml[field]) });
  }
  Object.assign(patch, routeTlsPatch(r, was));
  if (Object.keys(patch).length) return editRoute(r.base ?? null, patch);
  return r.base === undefined ? {} : r.base;
}

/**
 * Targets as a box shows them: URLs separated by commas, a weighted one as `URL*WEIGHT`. A
 * "[host:port]" route is its own target, so what is typed for it is not written.
 */
function targetsText(targets: RouteSource['targets'] | RouteSource['target']): string {
  if (targets === undefined || targets === null) return '';
  if (!Array.isArray(targets)) return targets;
  return targets.map((t) => (typeof t === 'string' ? t : `${t.url}*${t.weight}`)).join(', ');
}

function targetsPatch(r: RouteDraft, base: RouteSource | null): Patch<RouteSource> {
  const targets = r.targets
    .split(/[\s,]+/)
    .map((t) => t.trim())
    .filter(Boolean)
    .map((t) => {
      const weighted = /^(.+)\*(\d+)$/.exec(t);
      return weighted ? { url: weighted[1] as string, weight: Number(weighted[2]) } : t;
    });
  if (!targets.length || isBracketKey(r.key)) return { targets: undefined, target: undefined };
  // One plain URL where the user wrote `target:` stays a `target:`.
  if (base?.target !== undefined && targets.length === 1 && typeof targets[0] === 'string')
    return { target: targets[0], targets: undefined };
  return { targets, target: undefined };
}

/** "20" becomes "20%"; empty removes the field; anything else is passed on for the engine to judge. */
function percent(text: string): string | undefined {
  const t = text.trim();
  if (!t) return undefined;
  return /^\d+(\.\d+)?$/.test(t) ? `${t}%` : t;
}

/** Rewrites are edited as a YAML list; text that is not one is passed on and rejected with a message. */
function parseRewrites(text: string): unknown {
  try {
    return parse(text) as unknown;
  } catch {
    return text;
  }
}
