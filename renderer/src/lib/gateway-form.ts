import { parse, stringify } from 'yaml';
import { GATEWAY_FIELDS } from '../../../shared/config/fields.js';

/**
 * The gateway editor's form model and its conversion to and from the gateway source (the YAML/JSON the
 * user writes). Fields the form does not know (Vamp's read-only ones, say) are carried through untouched.
 */
export interface RouteDraft {
  key: string;
  targets: string;
  weight: string;
  condition: string;
  strength: string;
  rewrites: string;
}

export interface GatewayForm {
  name: string;
  port: string;
  host: string;
  enabled: boolean;
  sticky: string;
  stickyBy: string;
  timeout: string;
  connectTimeout: string;
  preserveHost: boolean;
  routes: RouteDraft[];
  extra: Record<string, unknown>;
}

type Source = Record<string, unknown>;
/** The form edits these; every other field (no_route_status, Vamp's read-only ones) is carried through. */
const FORM_FIELDS = GATEWAY_FIELDS.filter((f) => f !== 'no_route_status');

const str = (v: unknown) => (v === undefined || v === null ? '' : String(v));

export function isBracketKey(key: string): boolean {
  return /^\[.*\]$/.test(key);
}

export function toForm(source: Source): GatewayForm {
  const routes = (source.routes as Record<string, Source | null> | undefined) ?? {};
  const extra = Object.fromEntries(Object.entries(source).filter(([k]) => !FORM_FIELDS.includes(k)));
  return {
    name: str(source.name),
    port: str(source.port),
    host: str(source.host),
    enabled: source.enabled !== false,
    sticky: str(source.sticky) || 'none',
    stickyBy: str(source.sticky_by),
    timeout: str(source.timeout),
    connectTimeout: str(source.connect_timeout),
    preserveHost: source.preserve_host === true,
    extra,
    routes: Object.entries(routes).map(([key, r]) => {
      const route = r ?? {};
      const targets = route.targets ?? route.target;
      return {
        key,
        targets: Array.isArray(targets) ? targets.join(', ') : str(targets),
        weight: str(route.weight),
        condition: str(route.condition),
        strength: str(route.condition_strength),
        rewrites:
          Array.isArray(route.rewrites) && route.rewrites.length ? stringify(route.rewrites).trimEnd() : '',
      };
    }),
  };
}

export function toSource(form: GatewayForm): Source {
  const out: Source = {
    ...form.extra,
    name: form.name.trim(),
    port: /^\d+$/.test(form.port.trim()) ? Number(form.port) : form.port.trim(),
  };
  if (form.host.trim()) out.host = form.host.trim();
  if (!form.enabled) out.enabled = false;
  if (form.sticky && form.sticky !== 'none') out.sticky = form.sticky;
  if (form.stickyBy.trim()) out.sticky_by = form.stickyBy.trim();
  if (form.timeout.trim()) out.timeout = form.timeout.trim();
  if (form.connectTimeout.trim()) out.connect_timeout = form.connectTimeout.trim();
  if (form.preserveHost) out.preserve_host = true;
  const routes: Record<string, Source> = {};
  for (const r of form.routes) {
    const route: Source = {};
    const targets = r.targets
      .split(/[\s,]+/)
      .map((t) => t.trim())
      .filter(Boolean);
    if (targets.length && !isBracketKey(r.key)) route.targets = targets;
    if (r.weight.trim()) route.weight = percent(r.weight);
    if (r.condition.trim()) route.condition = r.condition.trim();
    if (r.strength.trim()) route.condition_strength = percent(r.strength);
    if (r.rewrites.trim()) route.rewrites = parseRewrites(r.rewrites);
    routes[r.key] = route;
  }
  out.routes = routes;
  return out;
}

/**
 * The draft with the weights that changed between two running versions (moved live with the sliders)
 * taken in, so applying the draft keeps them; the user's other edits stay as they are.
 */
export function withRunningWeights(form: GatewayForm, before: Source, after: Source): GatewayForm {
  const weightIn = (s: Source, key: string) =>
    str(((s.routes as Record<string, Source | null> | undefined)?.[key] ?? {})?.weight);
  const routes = form.routes.map((r) => {
    const was = weightIn(before, r.key);
    const now = weightIn(after, r.key);
    return was !== now ? { ...r, weight: now } : r;
  });
  return routes.some((r, i) => r !== form.routes[i]) ? { ...form, routes } : form;
}

/** "20" becomes "20%"; anything else is passed on for the engine to judge. */
function percent(text: string): string {
  const t = text.trim();
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
