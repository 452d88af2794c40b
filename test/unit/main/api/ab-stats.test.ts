import { describe, expect, it } from 'vitest';
import { mannWhitney, MIN_SAMPLE, normalCdf, twoProportion, wilson } from '../../../../main/api/ab-stats.js';
import { Stats } from '../../../../main/api/stats.js';
import { seededRandom } from '../../../../main/engine/random.js';
import { loadConfigValue } from '../../../../shared/config/load.js';
import type { LogEntry } from '../../../../shared/log-entry.js';

describe('A/B statistics', () => {
  it('Wilson intervals and the normal distribution match published values', () => {
    const w = wilson(5, 10);
    expect(w.low).toBeCloseTo(0.2366, 4);
    expect(w.high).toBeCloseTo(0.7634, 4);
    const z = wilson(0, 20);
    expect(z.low).toBe(0);
    expect(z.high).toBeCloseTo(0.1611, 4);
    expect(normalCdf(1.959964)).toBeCloseTo(0.975, 6);
    expect(normalCdf(-1)).toBeCloseTo(0.158655, 6);
  });

  it('the error test flips from "not enough" to significant where theory says (10% vs 20%)', () => {
    // Pooled z = 0.1 / sqrt(0.15 * 0.85 * 2 / n) passes 1.96 at n = 98.
    expect(twoProportion(2, 20, 4, 20).verdict).toBe('not-enough');
    expect(twoProportion(2, 20, 4, 20).text).toMatch(/not enough requests to tell/);
    expect(twoProportion(9, 90, 18, 90).verdict).toBe('not-significant');
    expect(twoProportion(9, 90, 18, 90).pValue).toBeCloseTo(0.0603, 3);
    const sig = twoProportion(10, 100, 20, 100);
    expect(sig).toMatchObject({ verdict: 'significant', text: expect.stringMatching(/more errors/) });
    expect(sig.pValue).toBeCloseTo(0.0477, 3);
    expect(twoProportion(100, 1000, 100, 1000).verdict).toBe('not-significant');
  });

  it('the latency test, from seeded exponential samples, tells 10 ms from 12 ms means only with enough requests', () => {
    const random = seededRandom(7);
    const sample = (mean: number, n: number) => {
      const stats = new Stats(() => 1_000_000);
      const entries = (route: string, m: number) =>
        Array.from({ length: n }, (): LogEntry => entry(route, -Math.log(1 - random()) * m));
      stats.add([...entries('stable', 10), ...entries('candidate', mean)]);
      return stats.snapshot(config(), 60).gateways[0]!.routes[1]!;
    };
    // P(X < Y) = 12/22 for exponentials: z ~ 0.0455 * sqrt(6n), 1.96 at n ~ 310 per side.
    expect(sample(12, MIN_SAMPLE - 1).comparison!.latency.verdict).toBe('not-enough');
    expect(sample(12, 40).comparison!.latency.verdict).toBe('not-significant');
    const big = sample(12, 3000).comparison!.latency;
    expect(big).toMatchObject({ verdict: 'significant', text: expect.stringMatching(/slower/) });
    expect(sample(10, 3000).comparison!.latency.verdict).toBe('not-significant');
    const fast = sample(6, 3000);
    expect(fast.comparison!.latency.text).toMatch(/faster/);
    expect(fast.p50Interval!.low).toBeLessThanOrEqual(fast.p50);
    expect(fast.p50Interval!.high).toBeGreaterThanOrEqual(fast.p50);
  });

  it('Mann-Whitney on identical histograms is not significant; on disjoint ones it is', () => {
    const a = new Array(100).fill(0);
    const b = new Array(100).fill(0);
    a[10] = 50;
    b[10] = 50;
    expect(mannWhitney(a, b).verdict).toBe('not-significant');
    b[10] = 0;
    b[20] = 50;
    expect(mannWhitney(a, b).verdict).toBe('significant');
  });

  it('stats carry error intervals, comparisons against the first route and shadow verdicts', () => {
    const stats = new Stats(() => 1_000_000);
    stats.add([
      ...Array.from({ length: 100 }, (_, i) => entry('stable', 5, i < 10 ? 500 : 200)),
      ...Array.from({ length: 100 }, (_, i) => entry('candidate', 5, i < 20 ? 500 : 200)),
    ]);
    stats.addShadows({
      ...entry('stable', 5),
      shadows: [{ route: 'shadow', verdict: 'different', summary: 'x' }],
    });
    const routes = stats.snapshot(config(), 60).gateways[0]!.routes;
    expect(routes[0]!.errorInterval!.low).toBeCloseTo(wilson(10, 100).low, 6);
    expect(routes[0]!.comparison).toBeUndefined();
    expect(routes[1]!.comparison).toMatchObject({ against: 'stable', errors: { verdict: 'significant' } });
    expect(routes[2]!.shadow).toEqual({ same: 0, different: 1, error: 0, skipped: 0 });
    expect(routes[2]!.comparison).toBeUndefined();
  });
});

function entry(route: string, durationMs: number, status = 200): LogEntry {
  return {
    seq: 0,
    time: 999_500,
    gateway: 'shop',
    route,
    method: 'GET',
    path: '/',
    status,
    durationMs,
    bytesIn: 0,
    bytesOut: 0,
    clientIp: '127.0.0.1',
    requestHeaders: {},
    responseHeaders: {},
    trace: [],
    override: false,
    websocket: false,
  };
}

function config() {
  const loaded = loadConfigValue({
    gateways: [
      {
        name: 'shop',
        port: 0,
        routes: {
          stable: { target: 'http://127.0.0.1:1', weight: 50 },
          candidate: { target: 'http://127.0.0.1:2', weight: 50 },
          shadow: { target: 'http://127.0.0.1:3', weight: 0, shadow: 100 },
        },
      },
    ],
  });
  if (!loaded.ok) throw new Error('bad config');
  return loaded.config;
}
