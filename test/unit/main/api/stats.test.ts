import { describe, expect, it } from 'vitest';
import { Stats } from '../../../../main/api/stats.js';
import { loadConfigValue } from '../../../../shared/config/load.js';
import type { SwitchyardConfig } from '../../../../shared/config/model.js';
import type { LogEntry } from '../../../../shared/log-entry.js';

const config = (() => {
  const r = loadConfigValue({
    gateways: [
      {
        name: 'g',
        port: 0,
        routes: {
          a: { target: 'http://127.0.0.1:1', weight: 50 },
          b: { target: 'http://127.0.0.1:2', weight: 50 },
        },
      },
    ],
  });
  if (!r.ok) throw new Error('bad test config');
  return r.config as SwitchyardConfig;
})();

let seq = 0;
const entry = (time: number, route: string | undefined, status: number, durationMs: number): LogEntry =>
  ({ seq: ++seq, time, gateway: 'g', route, status, durationMs }) as LogEntry;

describe('Stats', () => {
  it('counts requests, shares and errors per route over the window', () => {
    let now = 1_000_000_000;
    const stats = new Stats(() => now);
    stats.add([entry(now - 120_000, 'a', 200, 1)]); // outside a 60 s window
    stats.add([entry(now - 500, 'a', 200, 1), entry(now - 400, 'a', 502, 1), entry(now - 300, 'b', 200, 1)]);
    stats.add([entry(now - 200, undefined, 503, 0)]);
    const s = stats.snapshot(config, 60).gateways[0]!;
    expect([s.requests, s.errors]).toEqual([4, 2]);
    expect(s.routes.map((r) => [r.route, r.requests, r.errors, Math.round(r.share)])).toEqual([
      ['a', 2, 1, 50],
      ['b', 1, 0, 25],
    ]);
    expect(stats.snapshot(config, 900).gateways[0]!.requests).toBe(5);
    now += 16 * 60_000; // the ring has moved past all of it
    expect(stats.snapshot(config, 900).gateways[0]!.requests).toBe(0);
  });

  it('gives p50 and p95 within 10% of the exact values, over a known distribution', () => {
    const now = 2_000_000_000;
    const stats = new Stats(() => now);
    const durations = Array.from({ length: 10_000 }, (_, i) => 1 + (i % 1000)); // uniform 1..1000 ms
    stats.add(durations.map((d, i) => entry(now - (i % 50) * 1000, 'a', 200, d)));
    const a = stats.snapshot(config, 60).gateways[0]!.routes[0]!;
    expect(Math.abs(a.p50 - 500) / 500).toBeLessThan(0.1);
    expect(Math.abs(a.p95 - 950) / 950).toBeLessThan(0.1);
  });

  it('keeps a bounded amount per route however many requests it sees', () => {
    let now = 3_000_000_000;
    const stats = new Stats(() => now);
    for (let i = 0; i < 2000; i++) {
      now += 1000;
      stats.add([entry(now, 'a', 200, 5), entry(now, 'b', 200, 7)]);
    }
    const g = stats.snapshot(config, 900).gateways[0]!;
    expect(g.requests).toBe(1800); // exactly the last 900 seconds
    expect(g.routes[1]!.p50).toBeCloseTo(7, 0);
  });
});
