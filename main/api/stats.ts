import type { GatewayStats, RouteStats, StatsSnapshot } from '../../shared/api/contract.js';
import type { SwitchyardConfig } from '../../shared/config/model.js';
import type { LogEntry, ShadowResult } from '../../shared/log-entry.js';
import { mannWhitney, percentileInterval, twoProportion, wilson } from './ab-stats.js';

/** The longest window anyone may ask for: one slot per second for it, reused in a ring. */
const SLOTS = 15 * 60;
/**
 * Latency histogram: bucket i holds durations up to MIN_MS * GROWTH^i (HdrHistogram's idea with a
 * coarser step), so a percentile is known to within half a step (about 10%) at constant cost.
 */
const MIN_MS = 0.1;
const GROWTH = 1.2;
const BUCKETS = 100; // up to about 6.8e6 ms
const LOG_GROWTH = Math.log(GROWTH);

/** One second of one route's traffic. */
interface Slot {
  second: number;
  requests: number;
  errors: number;
  faults: number;
  latency: Uint32Array;
  /** Verdicts of shadow copies sent to this route. */
  verdicts: Record<ShadowResult['verdict'], number>;
}

const noVerdicts = (): Slot['verdicts'] => ({ same: 0, different: 0, error: 0, skipped: 0 });

/** One route's (or the no-route requests') traffic over the last SLOTS seconds. */
class Series {
  private readonly slots: (Slot | undefined)[] = new Array<Slot | undefined>(SLOTS);

  add(second: number, failed: boolean, durationMs: number, faulted = false): void {
    const slot = this.slot(second);
    if (!slot) return;
    slot.requests++;
    if (failed) slot.errors++;
    if (faulted) slot.faults++;
    slot.latency[bucketOf(durationMs)]!++;
  }

  addVerdict(second: number, verdict: ShadowResult['verdict']): void {
    const slot = this.slot(second);
    if (slot) slot.verdicts[verdict]++;
  }

  private slot(second: number): Slot | undefined {
    const index = second % SLOTS;
    let slot = this.slots[index];
    if (!slot)
      this.slots[index] = slot = {
        second,
        requests: 0,
        errors: 0,
        faults: 0,
        latency: new Uint32Array(BUCKETS),
        verdicts: noVerdicts(),
      };
    if (slot.second !== second) {
      if (slot.second > second) return undefined; // older than the ring reaches
      slot.second = second;
      slot.requests = 0;
      slot.errors = 0;
      slot.faults = 0;
      slot.latency.fill(0);
      slot.verdicts = noVerdicts();
    }
    return slot;
  }

  /** Totals over the seconds in (from, to]. */
  sum(from: number, to: number, into: Totals): void {
    for (const slot of this.slots) {
      if (!slot || slot.second <= from || slot.second > to) continue;
      into.requests += slot.requests;
      into.errors += slot.errors;
      into.faults += slot.faults;
      for (const k of Object.keys(slot.verdicts) as ShadowResult['verdict'][])
        into.verdicts[k] += slot.verdicts[k];
      for (let i = 0; i < BUCKETS; i++) into.latency[i]! += slot.latency[i]!;
    }
  }
}

interface Totals {
  requests: number;
  errors: number;
  faults: number;
  latency: Float64Array;
  verdicts: Slot['verdicts'];
}

const emptyTotals = (): Totals => ({
  requests: 0,
  errors: 0,
  faults: 0,
  latency: new Float64Array(BUCKETS),
  verdicts: noVerdicts(),
});

/**
 * Per-gateway, per-route statistics over a sliding window, fed by the request log: requests, observed
 * share against configured weight, errors (5xx, and requests that got no answer), p50/p95 latency.
 * Kept in per-second slots with a latency histogram each, so adding a request costs the same after a
 * million requests as after one, and memory is bounded by routes, not by traffic.
 */
export class Stats {
  /** gateway -> route ('' for requests no route took) -> series */
  private readonly series = new Map<string, Map<string, Series>>();

  constructor(private readonly now: () => number = Date.now) {}

  add(entries: readonly LogEntry[]): void {
    for (const e of entries) {
      let routes = this.series.get(e.gateway);
      if (!routes) this.series.set(e.gateway, (routes = new Map()));
      const key = e.route ?? '';
      let series = routes.get(key);
      if (!series) routes.set(key, (series = new Series()));
      series.add(
        Math.floor(e.time / 1000),
        e.status >= 500 || e.status === 0,
        e.durationMs,
        (e.faults?.length ?? 0) > 0,
      );
    }
  }

  /** Counts the verdicts of a request's shadow copies, under each shadow route, at the request's time. */
  addShadows(e: LogEntry): void {
    for (const s of e.shadows ?? [])
      this.seriesOf(e.gateway, s.route).addVerdict(Math.floor(e.time / 1000), s.verdict);
  }

  private seriesOf(gateway: string, route: string): Series {
    let routes = this.series.get(gateway);
    if (!routes) this.series.set(gateway, (routes = new Map()));
    let series = routes.get(route);
    if (!series) routes.set(route, (series = new Series()));
    return series;
  }

  clear(): void {
    this.series.clear();
  }

  snapshot(config: SwitchyardConfig, windowSeconds = 60): StatsSnapshot {
    const at = this.now();
    const to = Math.floor(at / 1000);
    const from = to - Math.min(Math.max(1, Math.round(windowSeconds)), SLOTS);
    this.forgetRemoved(config);
    const gateways: GatewayStats[] = config.gateways.map((g) => {
      const routes = this.series.get(g.name);
      const all = emptyTotals();
      for (const series of routes?.values() ?? []) series.sum(from, to, all);
      // Shadow copies are not requests of the gateway: their verdicts are counted, nothing else.
      const totals = g.routes.map((r) => {
        const t = emptyTotals();
        routes?.get(r.name)?.sum(from, to, t);
        return t;
      });
      return {
        gateway: g.name,
        requests: all.requests,
        errors: all.errors,
        routes: g.routes.map((r, i, list) => {
          const mine = totals[i]!;
          const stats: RouteStats = {
            route: r.name,
            weight: r.weight,
            requests: mine.requests,
            share: all.requests ? (mine.requests / all.requests) * 100 : 0,
            errors: mine.errors,
            faults: mine.faults,
            p50: percentile(mine, 0.5),
            p95: percentile(mine, 0.95),
            requestsPerSecond: mine.requests / windowSeconds,
            errorInterval: wilson(mine.errors, mine.requests),
          };
          const p50 = percentileInterval(mine.requests, 0.5, (rank) => valueAtRank(mine, rank));
          const p95 = percentileInterval(mine.requests, 0.95, (rank) => valueAtRank(mine, rank));
          if (p50) stats.p50Interval = p50;
          if (p95) stats.p95Interval = p95;
          const v = mine.verdicts;
          if (v.same + v.different + v.error + v.skipped > 0) stats.shadow = { ...v };
          // Each route against the first: the A/B question.
          const first = totals[0]!;
          if (i > 0 && !r.shadow)
            stats.comparison = {
              against: list[0]!.name,
              errors: twoProportion(first.errors, first.requests, mine.errors, mine.requests),
              latency: mannWhitney(first.latency, mine.latency),
            };
          return stats;
        }),
      };
    });
    return { at, windowSeconds, gateways };
  }

  /** Series of gateways that are gone would otherwise be kept for good. */
  private forgetRemoved(config: SwitchyardConfig): void {
    if (this.series.size <= config.gateways.length) return;
    const names = new Set(config.gateways.map((g) => g.name));
    for (const name of this.series.keys()) if (!names.has(name)) this.series.delete(name);
  }
}

function bucketOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GROWTH));
}

/** The nearest-rank percentile, as the geometric middle of its bucket, rounded to 0.1 ms. */
function percentile(t: Totals, p: number): number {
  if (t.requests === 0) return 0;
  return valueAtRank(t, Math.max(1, Math.ceil(p * t.requests)));
}

/** The value of the rank-th smallest latency, as the geometric middle of its bucket, rounded to 0.1 ms. */
function valueAtRank(t: Totals, rank: number): number {
  let seen = 0;
  for (let i = 0; i < BUCKETS; i++) {
    seen += t.latency[i]!;
    if (seen >= rank) {
      const value = i === 0 ? MIN_MS : MIN_MS * GROWTH ** (i - 0.5);
      return Math.round(value * 10) / 10;
    }
  }
  return 0;
}
