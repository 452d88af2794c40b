import { checkIgnoreRule } from '../compare/diff.js';
import type { ShadowConfig } from './model.js';
import type { RawRoute } from './schema.js';
import type { Fail } from './resilience-fields.js';
import { parsePercent } from './units.js';

/** Methods mirrored when a route lists none: those a second copy cannot change anything with. */
export const DEFAULT_SHADOW_METHODS = ['GET', 'HEAD'];

/**
 * A route's `shadow`, `shadow_methods` and `compare` (issue 14) as the engine runs them, or undefined
 * when the route takes no shadow traffic. Problems are reported through `fail`, with paths relative to
 * the route.
 */
export function readShadow(raw: RawRoute, fail: Fail): ShadowConfig | undefined {
  if (raw.shadow === undefined || raw.shadow === null) {
    if (raw.shadow_methods)
      fail(['shadow_methods'], 'shadow_methods', 'has no effect without shadow: (e.g. shadow: 100%)');
    if (raw.compare) fail(['compare'], 'compare', 'has no effect without shadow: (e.g. shadow: 100%)');
    return undefined;
  }
  const percent = parsePercent(raw.shadow);
  if (typeof percent === 'string') {
    fail(['shadow'], 'shadow', percent);
    return undefined;
  }
  if (raw.respond) fail(['shadow'], 'shadow', 'a mock route answers by itself; it cannot be a shadow');
  const methods = (raw.shadow_methods ?? DEFAULT_SHADOW_METHODS).map((m) => m.trim().toUpperCase());
  methods.forEach((m, i) => {
    if (!/^[A-Z]+$/.test(m)) fail(['shadow_methods', i], 'shadow_methods', `"${m}" is not an HTTP method`);
  });
  const ignore = raw.compare?.ignore ?? [];
  ignore.forEach((rule, i) => {
    const problem = checkIgnoreRule(rule);
    if (problem) fail(['compare', 'ignore', i], 'compare', problem);
  });
  return { percent, methods, ignore, noise: raw.compare?.noise ?? false };
}
