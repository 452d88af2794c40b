import { describe, expect, it } from 'vitest';
import { loadConfigValue } from '../../../../shared/config/load.js';
import { parseBandwidth } from '../../../../shared/config/units.js';

const issues = (gateway: object) => {
  const r = loadConfigValue({ gateways: [{ name: 'g', port: 0, ...gateway }] });
  return r.ok ? [] : r.issues.map((i) => i.message);
};
const route = (fields: object) =>
  issues({ routes: { api: { targets: ['http://127.0.0.1:3001'], ...fields } } });

describe('resilience fields', () => {
  it('normalises health checks, passive health, faults and wait_for_upstream with defaults', () => {
    const r = loadConfigValue({
      gateways: [
        {
          name: 'g',
          port: 0,
          wait_for_upstream: '10s',
          routes: {
            api: {
              targets: ['http://127.0.0.1:3001'],
              health_check: { path: '/health', interval: '2s' },
              passive: { failures: 3 },
              faults: {
                delay: { percent: 10, duration: '800ms' },
                abort: { percent: '5%', status: 'reset' },
                bandwidth: '256kbps',
              },
            },
          },
        },
      ],
    });
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const g = r.config.gateways[0]!;
    expect(g.waitForUpstreamMs).toBe(10_000);
    expect(g.routes[0]!.healthCheck).toEqual({
      path: '/health',
      intervalMs: 2000,
      timeoutMs: 2000,
      unhealthyAfter: 2,
      healthyAfter: 1,
    });
    expect(g.routes[0]!.passive).toEqual({ failures: 3, withinMs: 10_000, ejectForMs: 30_000 });
    expect(g.routes[0]!.faults).toEqual({
      headerControl: false,
      delay: { percent: 10, durationMs: 800 },
      abort: { percent: 5, status: 'reset' },
      bandwidthBps: 32_000,
    });
  });

  it('names gateway, route and field in every error', () => {
    expect(route({ faults: { abort: { percent: 5, status: 200 } } })).toEqual([
      `gateway 'g': route 'api': faults.abort.status: 200 is not an abort; write a status from 400 to 599, or reset (the connection is closed)`,
    ]);
    expect(route({ faults: { delay: { percent: 120, duration: '1s' } } })).toEqual([
      `gateway 'g': route 'api': faults.delay.percent: 120 is more than 100%`,
    ]);
    expect(route({ faults: { bandwidth: 'fast' } })).toEqual([
      `gateway 'g': route 'api': faults.bandwidth: "fast" is not a bandwidth; write it like 256kbps, 1mbps or 64KB/s`,
    ]);
    expect(route({ health_check: { path: 'health' } })).toEqual([
      `gateway 'g': route 'api': health_check.path: "health" must start with /`,
    ]);
    expect(route({ headers: { request: { set: { 'Content-Length': '1' } } } })).toEqual([
      `gateway 'g': route 'api': headers.request.set: Content-Length frames the message and cannot be changed by a rule`,
    ]);
    expect(route({ headers: { response: { add: { 'X-A': '%[nope]' } } } })[0]).toMatch(
      /^gateway 'g': route 'api': headers.response.add: unknown variable %\[nope\]/,
    );
    expect(issues({ wait_for_upstream: 'soon', routes: {} })).toEqual([
      `gateway 'g': wait_for_upstream: "soon" is not a duration; write it like 30s, 500ms or 2m (a bare number means milliseconds)`,
    ]);
    expect(issues({ cors: { origins: ['localhost:5173/'] }, routes: {} })[0]).toMatch(
      /cors.origins: .* is not an origin/,
    );
  });

  it('reads bandwidths in bits and bytes', () => {
    expect(parseBandwidth('256kbps')).toBe(32_000);
    expect(parseBandwidth('1mbps')).toBe(125_000);
    expect(parseBandwidth('64KB/s')).toBe(64_000);
    expect(parseBandwidth(1000)).toBe(1000);
  });
});
