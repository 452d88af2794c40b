import type { GatewayStats, StatsSnapshot } from '../../shared/api/contract.js';
import type { SwitchyardConfig } from '../../shared/config/model.js';
import type { LogEntry } from '../../shared/log-entry.js';

interface Sample {
  time: number;
  route: string | undefined;
  failed: boolean;
  durationMs: number;
}

/** The longest window anyone may ask for, and a cap on what is kept per gateway for it. */
const MAX_WINDOW_MS = 15 * 60_000;
const MAX_SAMPLES = 200_000;

/**
 * Per-gateway, per-route statistics over a sliding window, fed by the request log: requests, observed
 * share against configured weight, errors (5xx, and requests that got no answer), p50/p95 latency.
 */
export class Stats {
  private readonly samples = new Map<string, Sample[]>();

  constructor(private readonly now: () => number = Date.now) {}

  add(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      let list = this.samples.get(e.gateway);
      if (!list) this.samples.set(e.gateway, (list = []));
      list.push({
        time: e.time,
        route: e.route,
        failed: e.status >= 500 || e.status === 0,
        durationMs: e.durationMs,
      });
      if (list.length > MAX_SAMPLES) list.splice(0, list.length - MAX_SAMPLES);
    }
  }

  clear(): void {
    this.samples.clear();
  }

  snapshot(config: SwitchyardConfig, windowSeconds = 60): StatsSnapshot {
    const at = this.now();
    const since = at - windowSeconds * 1000;
    this.forget(at - MAX_WINDOW_MS);
    const gateways: GatewayStats[] = config.gateways.map((g) => {
      const recent = (this.samples.get(g.name) ?? []).filter((s) => s.time >= since);
      const routes = g.routes.map((r) => {
        const mine = recent.filter((s) => s.route === r.name);
        const durations = mine.map((s) => s.durationMs).sort((a, b) => a - b);
        return {
          route: r.name,
          weight: r.weight,
          requests: mine.length,
          share: recent.length ? (mine.length / recent.length) * 100 : 0,
          errors: mine.filter((s) => s.failed).length,
          p50: percentile(durations, 0.5),
          p95: percentile(durations, 0.95),
          requestsPerSecond: mine.length / windowSeconds,
        };
      });
      return {
        gateway: g.name,
        requests: recent.length,
        errors: recent.filter((s) => s.failed).length,
        routes,
      };
    });
    return { at, windowSeconds, gateways };
  }

  private forget(before: number): void {
    for (const [name, list] of this.samples) {
      const keep = list.findIndex((s) => s.time >= before);
      if (keep < 0) this.samples.delete(name);
      else if (keep > 0) list.splice(0, keep);
    }
  }
}

/** Nearest-rank percentile of sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)] as number;
}
