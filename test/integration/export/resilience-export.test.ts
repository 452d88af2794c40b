import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { loadConfigText } from '../../../shared/config/load.js';
import { exportConfig } from '../../../main/export/export.js';
import { eventually, request, type Reply } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import {
  checkExported,
  HAPROXY,
  NGINX,
  runExported,
  type ProductionProxy,
} from '../../helpers/production-proxies.js';
import { closedPort } from '../../helpers/upstream.js';

/**
 * Issue 15's fields in the nginx and HAProxy exports: every field is exported or warned about, the
 * proxies accept the result (`nginx -t`, `haproxy -c`), and a differential test runs the export and
 * Switchyard side by side: header rules, a mock route, a CORS preflight and an instance that is down.
 */
const FAULTS = `        faults:
          delay: { percent: 10, duration: 800ms }
          abort: { percent: 5, status: 503 }
          bandwidth: 256kbps
`;
const ALL = (port: number, a = '127.0.0.1:3001', b = '127.0.0.1:3002', faults = true) => `gateways:
  - name: shop
    port: ${port}
    wait_for_upstream: 10s
    cors: { origins: ["http://localhost:5173"], credentials: true, expose: [X-Variant] }
    headers:
      request: { set: { X-Gateway: "shop \\"$1\\"" } }
      response: { add: { X-Gateway: shop } }
    routes:
      api:
        targets: ["http://${a}", "http://${b}"]
        health_check: { path: /health, interval: 1s, timeout: 500ms, unhealthy_after: 1, healthy_after: 1 }
        passive: { failures: 3, within: 10s, eject_for: 15s }
${faults ? FAULTS : ''}        headers:
          request:  { set: { X-Env: dev, X-Path: "%[path]" }, remove: [X-Debug] }
          response: { set: { Cache-Control: no-store }, add: { X-Variant: api }, remove: [X-Upstream] }
      maintenance:
        weight: 0%
        respond: { status: 503, headers: { Retry-After: "30" }, body: "back \\"soon\\" $5" }
        condition: has header X-Maintenance
`;

const cleanup = cleanupAfterEach();

describe('issue 15 fields in every export', () => {
  it('warns for each field a format cannot carry (nothing dropped silently)', () => {
    const loaded = loadConfigText(ALL(18480));
    if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
    const nginx = exportConfig(loaded.config, 'nginx', { version: 't' }).warnings.join('\n');
    const haproxy = exportConfig(loaded.config, 'haproxy', { version: 't' }).warnings.join('\n');
    const gw = exportConfig(loaded.config, 'gateway-api', { version: 't' });
    for (const w of [nginx, haproxy, gw.warnings.join('\n')]) {
      expect(w).toMatch(/wait_for_upstream 10000ms is not exported/);
      expect(w).toMatch(/route 'api': faults .* are not exported/);
    }
    expect(nginx).toMatch(/no active health checks; exported as passive max_fails/);
    expect(nginx).toMatch(/eject_for 15000ms is exported as fail_timeout 10000ms/);
    expect(haproxy).toMatch(/passive health .* observe layer7/);
    const gwText = gw.warnings.join('\n');
    expect(gwText).toMatch(/cors is not exported/);
    expect(gwText).toMatch(/route 'api': the health check is not exported/);
    expect(gwText).toMatch(/route 'maintenance': the mock response \(respond\) is not exported/);
    expect(gw.text).toContain('RequestHeaderModifier');
    expect(gw.text).toContain('ResponseHeaderModifier');
  });
});

describe.each([NGINX, HAPROXY])('the $format export of issue 15 fields', (proxy: ProductionProxy) => {
  async function run(yaml: string) {
    const running = await runExported(proxy, yaml);
    cleanup.push(() => running.stop());
    return running;
  }

  it.skipIf(!proxy.binary)('passes the proxy own check', async () => {
    const loaded = loadConfigText(ALL(18480));
    if (!loaded.ok) throw new Error('fixture invalid');
    const text = exportConfig(loaded.config, proxy.format, {
      version: 'test',
      fragment: proxy.format === 'nginx',
    }).text;
    const checked = await checkExported(proxy, text);
    expect(checked.output + text).toMatch(
      proxy.format === 'nginx' ? /test is successful/ : /Configuration file is valid/,
    );
    expect(checked.ok).toBe(true);
  });

  /** The parts of an answer both must agree on. */
  const seen = (r: Reply) => ({
    status: r.status,
    body: r.headers['content-type']?.includes('json') ? '(json)' : r.body,
    type: r.headers['content-type'],
    retryAfter: r.headers['retry-after'],
    cache: r.headers['cache-control'],
    variant: r.headers['x-variant'],
    gateway: r.headers['x-gateway'],
    upstream: r.headers['x-upstream'],
    allowOrigin: r.headers['access-control-allow-origin'],
    credentials: r.headers['access-control-allow-credentials'],
    allowMethods: r.headers['access-control-allow-methods'],
  });

  it.skipIf(!proxy.binary)(
    'answers header rules, the mock route, CORS and a down instance like Switchyard',
    async () => {
      const [a] = await upstreamsFor(cleanup, 'a');
      const down = `127.0.0.1:${await closedPort()}`;
      const exported = await run(ALL(await closedPort(), a!.hostPort, down, false));
      const { engine, port } = await startEngine(ALL(0, a!.hostPort, down, false));
      cleanup.push(() => engine.stop(100));
      // Switchyard's active check finds the closed port; the export skips it too (checks or retries).
      await eventually(
        () => JSON.stringify(engine.status()).includes('unhealthy'),
        5000,
        'the down instance to be marked unhealthy',
      );
      const cases: [string, { method?: string; headers?: Record<string, string> }][] = [
        ['/items', { headers: { 'x-debug': '1', origin: 'http://localhost:5173' } }],
        ['/items', { headers: { origin: 'http://elsewhere.test' } }],
        ['/m', { headers: { 'x-maintenance': '1' } }],
        [
          '/items',
          {
            method: 'OPTIONS',
            headers: { origin: 'http://localhost:5173', 'access-control-request-method': 'PUT' },
          },
        ],
      ];
      for (const [path, opts] of cases) {
        const sw = await request(port(), path, opts);
        const ex = await request(exported.port, path, opts);
        expect({ path, opts, ...seen(ex) }).toEqual({ path, opts, ...seen(sw) });
      }
      // Ten requests: each lands on the live instance in both.
      for (let i = 0; i < 10; i++) {
        const sw = await request(port(), '/x');
        const ex = await request(exported.port, '/x');
        expect([ex.status, sw.status]).toEqual([200, 200]);
      }
      // What reached the upstream: the rules applied in both.
      const got = a!.requests.filter((r) => r.url === '/items');
      expect(got.length).toBeGreaterThanOrEqual(4);
      for (const r of got.slice(-4)) {
        expect(r.headers['x-env']).toBe('dev');
        expect(r.headers['x-path']).toBe('/items');
        expect(r.headers['x-gateway']).toBe('shop "$1"');
        expect(r.headers['x-debug']).toBeUndefined();
      }
    },
  );
});
