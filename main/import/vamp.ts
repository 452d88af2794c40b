import { parseAllDocuments } from 'yaml';

export interface ImportResult {
  /** The gateways in Switchyard's format (sources), ready for `switchyard serve`. */
  gateways: Record<string, unknown>[];
  /** What still needs the user: routes without a target, fields with no counterpart. */
  problems: string[];
  notes: string[];
}

/** Vamp fields that describe its own deployment, not routing: dropped with a note. */
const VAMP_ONLY = ['kind', 'lookup_name', 'internal', 'service', 'deployed', 'active'];

/**
 * Imports Vamp gateways. Routes that are `"[host:port]"` keep their meaning; routes that name Vamp
 * deployments (`sava:1.0/sava/port`) have no target outside Vamp, so each needs one from `targets`
 * (route name → URL, from --target ROUTE=URL) or is listed as a problem.
 */
export function importVamp(text: string, targets: Record<string, string[]>): ImportResult {
  const problems: string[] = [];
  const notes: string[] = [];
  const docs = parseAllDocuments(text);
  const values = (Array.isArray(docs) ? docs : []).flatMap((d) => {
    const v = d.toJS() as unknown;
    if (v && typeof v === 'object' && 'gateways' in v) return (v as { gateways: unknown[] }).gateways;
    return Array.isArray(v) ? v : v ? [v] : [];
  }) as Record<string, unknown>[];
  const names = new Set(values.map((g) => String(g.name)));
  const used = new Set<string>();
  const gateways = values.map((g) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(g)) {
      if (VAMP_ONLY.includes(k)) continue;
      if (k !== 'routes') out[k] = v;
    }
    const dropped = Object.keys(g).filter((k) => VAMP_ONLY.includes(k));
    if (dropped.length) {
      const one = dropped.length === 1;
      notes.push(
        `gateway '${String(g.name)}': Vamp's ${dropped.join(', ')} ${one ? 'describes' : 'describe'} its deployment and ${one ? 'is' : 'are'} dropped`,
      );
    }
    const routes: Record<string, unknown> = {};
    for (const [key, raw] of Object.entries(
      (g.routes as Record<string, Record<string, unknown> | null>) ?? {},
    )) {
      // Vamp's instances (host and port) are targets Switchyard runs as they are.
      const route = { ...(raw ?? {}) };
      if (/^\[.*\]$/.test(key) || names.has(key) || route.targets || route.target || route.instances) {
        routes[key] = route;
        continue;
      }
      // --target given more than once for a route: every one is an instance.
      const target = targets[key];
      if (target?.length) {
        used.add(key);
        routes[key] = { ...route, targets: target };
      } else {
        problems.push(
          `gateway '${String(g.name)}': route '${key}' names a Vamp deployment and needs a target: --target '${key}=http://127.0.0.1:PORT'`,
        );
        routes[key] = route;
      }
    }
    out.routes = routes;
    return out;
  });
  for (const key of Object.keys(targets))
    if (!used.has(key)) problems.push(`--target '${key}' names no route that needs one`);
  return { gateways, problems, notes };
}
