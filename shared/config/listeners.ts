import type { z } from 'zod';
import { issue, type ConfigIssue } from './issues.js';
import { DEFAULTS, type GatewayConfig, type ListenersConfig } from './model.js';
import { rawListenersSchema } from './schema.js';

/**
 * The shared ports as the user wrote them (top-level `listeners:`), kept beside the gateways as the named
 * conditions are:
 *
 *     listeners:
 *       http: 8000
 *       https: 8443
 */
export type ListenersSource = z.input<typeof rawListenersSchema>;

const FIELDS = Object.keys(rawListenersSchema.shape);

/**
 * Checks the top-level `listeners:` value. Issue paths start with 'listeners', so a loader can point at
 * the line. Absent (or null): no shared ports, and no `listeners` in the configuration.
 */
export function checkListeners(raw: unknown): {
  listeners?: ListenersConfig;
  source?: ListenersSource;
  issues: ConfigIssue[];
} {
  if (raw === null || raw === undefined) return { issues: [] };
  const parsed = rawListenersSchema.safeParse(raw);
  if (!parsed.success) return { issues: parsed.error.issues.map((zi) => listenerIssue(raw, zi)) };
  const { http, https, host } = parsed.data;
  const listeners: ListenersConfig = { host: host ?? DEFAULTS.host };
  if (typeof http === 'number') listeners.http = http;
  if (typeof https === 'number') listeners.https = https;
  const issues: ConfigIssue[] = [];
  if (http && http === https)
    issues.push(
      issue(
        { field: 'listeners.https', path: ['listeners', 'https'] },
        `${https} is the http listener's port too; http and https need a port each`,
      ),
    );
  return { listeners, source: raw as ListenersSource, issues };
}

function listenerIssue(raw: unknown, zi: z.ZodError['issues'][number]): ConfigIssue {
  const key = zi.path[0];
  const field = key === undefined ? 'listeners' : `listeners.${String(key)}`;
  const path = ['listeners', ...(key === undefined ? [] : [String(key)])];
  if (zi.code === 'unrecognized_keys')
    return issue(
      { field, path: ['listeners', zi.keys[0] as string] },
      `unknown field${zi.keys.length > 1 ? 's' : ''} ${zi.keys.map((k) => `'${k}'`).join(', ')}; listeners has ${FIELDS.join(', ')}`,
    );
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw))
    return issue(
      { field, path },
      'must be a mapping of the shared ports, e.g. `listeners: {http: 8000, https: 8443}`',
    );
  const what =
    key === 'host'
      ? 'must be an address, e.g. 127.0.0.1'
      : 'must be a port, 1-65535 (or 0 for any free port)';
  return issue({ field, path }, `${JSON.stringify((raw as Record<string, unknown>)[String(key)])} ${what}`);
}

/** Whether any shared port is configured, so that a gateway with only virtual hosts can be reached. */
export function hasSharedPort(listeners: ListenersConfig | undefined): boolean {
  return listeners?.http !== undefined || listeners?.https !== undefined;
}

/**
 * Issues for gateways whose own port is one of the shared ports on the same address: one of the two
 * could not listen. Disabled gateways and port 0 (any free port) never clash.
 */
export function listenerPortIssues(
  gateways: GatewayConfig[],
  indexOf: Map<string, number>,
  listeners: ListenersConfig | undefined,
): ConfigIssue[] {
  if (!listeners) return [];
  const shared = (['http', 'https'] as const).filter((k) => listeners[k]);
  return gateways.flatMap((g) => {
    const clash = shared.find(
      (k) => g.enabled && g.port && g.port === listeners[k] && g.host === listeners.host,
    );
    if (!clash) return [];
    return [
      issue(
        { gateway: g.name, field: 'port', path: [indexOf.get(g.name) ?? 0, 'port'] },
        `${g.port} is the shared ${clash} listener's port (listeners.${clash}); give the gateway another port, or only virtual_hosts`,
      ),
    ];
  });
}
