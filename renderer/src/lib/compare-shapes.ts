import type { LogSummary } from '../../../shared/api/contract.js';
import { shapeOf } from '../../../shared/compare/report.js';

/** Logged requests of one shape that a shadow route received copies of, and how their answers compared. */
export interface ShadowShape {
  /** `GET /users/{id}` (shared/compare/report.ts's shapeOf). */
  shape: string;
  /** The shadow route the counts are about. */
  route: string;
  same: number;
  different: number;
  error: number;
  skipped: number;
  /** Seqs of the requests, newest first. */
  seqs: number[];
  /** The newest request's seq: the shapes are listed newest first. */
  newest: number;
}

/**
 * The Compare view's list: one gateway's logged requests that have shadow verdicts, grouped by shape and
 * shadow route, the shape with the newest request first. Summaries carry only the verdicts, so this counts
 * without fetching any entry in full.
 */
export function shadowShapes(entries: readonly LogSummary[], gateway: string): ShadowShape[] {
  const byKey = new Map<string, ShadowShape>();
  for (const e of entries) {
    if (e.gateway !== gateway || !e.shadow) continue;
    const shape = shapeOf(e.method, e.path);
    for (const s of e.shadow) {
      const key = `${shape}\n${s.route}`;
      let g = byKey.get(key);
      if (!g)
        byKey.set(
          key,
          (g = { shape, route: s.route, same: 0, different: 0, error: 0, skipped: 0, seqs: [], newest: 0 }),
        );
      g[s.verdict]++;
      g.seqs.push(e.seq);
      g.newest = Math.max(g.newest, e.seq);
    }
  }
  const shapes = [...byKey.values()];
  for (const g of shapes) g.seqs.sort((a, b) => b - a);
  return shapes.sort((a, b) => b.newest - a.newest);
}
