import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { loadConfigText } from '../../../shared/config/load.js';
import { exportConfig } from '../../../main/export/export.js';
import { request } from '../../helpers/client.js';
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
 * The nginx and HAProxy exports, checked by nginx and HAProxy themselves: `nginx -t` / `haproxy -c` on
 * an export with every feature, and a differential test that runs each export on loopback against the
 * same upstreams as Switchyard, sends both the same requests, and compares where they went.
 */
for (const proxy of [NGINX, HAPROXY]) {
  if (!proxy.binary)
    console.warn(
      `${proxy.format} export tests skipped: ${proxy.format} is not installed (.ci/run installs it from Debian).`,
    );
}

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const SAFARI =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';
// 400 requests per split: a 50% share has a standard deviation of 2.5 points, so 10 points between the
// exported proxy and Switchyard (each a random draw) is about three standard deviations of the difference.
const N = 400;
const TOLERANCE = 10;

const EVERYTHING = `gateways:
  - name: shop/web
    port: 18400
    sticky: route
    timeout: 2500ms
    routes:
      a: { targets: [127.0.0.1:3001, "127.0.0.1:3002"], weight: 70% }
      b:
        targets: [127.0.0.1:3003]
        weight: 30%
        condition: (user-agent == Firefox or user-agent == Safari) and has cookie beta and not header x-debug has yes
        condition_strength: 50%
        rewrites:
          - path: /v2%[path] if path starts-with /api
          - strip_prefix: /old
          - add_prefix: /base
          - replace: { regex: "/u/", with: "/users/" }
      c:
        targets: [127.0.0.1:3004]
        weight: 0%
        condition: "< hdr_sub(user-agent) -i bot > or method == POST or query debug == 1 or host == api.local or path matches '^/x/[0-9]+$'"
  - name: keyed
    port: 18401
    sticky_by: header X-User
    sticky: instance
    preserve_host: true
    routes:
      "[127.0.0.1:3005]": {}
      "[127.0.0.1:3006]": {}
  - name: chained
    port: 18402
    routes:
      keyed: {}
`;

const cleanup = cleanupAfterEach();

const upstreams = (...names: string[]) => upstreamsFor(cleanup, ...names);

async function tally(
  port: number,
  n: number,
  headers: Record<string, string> = {},
): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const r = await request(port, '/', { headers });
    const name = r.status === 200 ? r.json<{ name: string }>().name : String(r.status);
    counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
}

const share = (c: Record<string, number>, name: string) => ((c[name] ?? 0) / N) * 100;

describe.each([NGINX, HAPROXY])('the $format export', (proxy: ProductionProxy) => {
  async function run(yaml: string) {
    const running = await runExported(proxy, yaml);
    cleanup.push(() => running.stop());
    return running;
  }

  /** The same requests through the exported proxy and through Switchyard. */
  async function bothWays(yaml: (port: number) => string, headers: Record<string, string> = {}, n = N) {
    const exported = await run(yaml(await closedPort()));
    const { engine, port } = await startEngine(yaml(0));
    cleanup.push(() => engine.stop(100));
    return { exported: await tally(exported.port, n, headers), switchyard: await tally(port(), n, headers) };
  }

  it.skipIf(!proxy.binary)(
    'passes the proxy own check with every feature at once, and says what it could not express',
    async () => {
      const loaded = loadConfigText(EVERYTHING);
      if (!loaded.ok) throw new Error('fixture invalid');
      const whole = exportConfig(loaded.config, proxy.format, {
        version: 'test',
        source: 'everything.yaml',
        fragment: proxy.format === 'nginx',
      });
      expect(whole.text).toMatch(
        new RegExp(
          `^# Exported by Switchyard test \\(${proxy.format}\\) from everything\\.yaml: gateways shop/web, keyed, chained\\.`,
        ),
      );
      expect(whole.text).toContain(
        "#   - gateway 'chained': route 'keyed' chains to gateway 'keyed' through its port",
      );
      const checked = await checkExported(proxy, whole.text);
      expect(checked.output).toMatch(
        proxy.format === 'nginx' ? /test is successful/ : /Configuration file is valid/,
      );
      expect(checked.ok).toBe(true);
    },
  );

  it.skipIf(!proxy.binary)('splits by weight like Switchyard', async () => {
    const [a, b] = await upstreams('a', 'b');
    const r = await bothWays(
      (port) =>
        `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 70% }\n  "[${b!.hostPort}]": { weight: 30% }\n`,
    );
    expect(Math.abs(share(r.exported, 'b') - share(r.switchyard, 'b'))).toBeLessThan(TOLERANCE);
    expect(Math.abs(share(r.exported, 'b') - 30)).toBeLessThan(TOLERANCE);
  });

  it.skipIf(!proxy.binary)(
    'routes by condition without strength, and with 50% strength, like Switchyard',
    async () => {
      const [a, b] = await upstreams('a', 'b');
      const only = (port: number) =>
        `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 100% }\n  "[${b!.hostPort}]": { weight: 0%, condition: user-agent == Firefox }\n`;
      const firefox = await bothWays(only, { 'user-agent': FIREFOX });
      expect(firefox).toEqual({ exported: { b: N }, switchyard: { b: N } });
      const chrome = await bothWays(only, { 'user-agent': CHROME });
      expect(chrome).toEqual({ exported: { a: N }, switchyard: { a: N } });
      const half = (port: number) =>
        `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 80% }\n  "[${b!.hostPort}]": { weight: 20%, condition: user-agent == Firefox, condition_strength: 50% }\n`;
      const r = await bothWays(half, { 'user-agent': FIREFOX });
      expect(Math.abs(share(r.exported, 'b') - share(r.switchyard, 'b'))).toBeLessThan(TOLERANCE);
      expect(Math.abs(share(r.exported, 'b') - 60)).toBeLessThan(TOLERANCE);
    },
  );

  it.skipIf(!proxy.binary)(
    'keeps a client on its route with the sticky cookie, forces a route by header, and rewrites',
    async () => {
      const [a, b] = await upstreams('a', 'b');
      const { port } = await run(`name: g
port: ${await closedPort()}
sticky: route
routes:
  a: { targets: [${a!.url}], weight: 50% }
  b:
    targets: [${b!.url}]
    weight: 50%
    rewrites:
      - path: /v2%[path] if path starts-with /api
      - strip_prefix: /v2/api/old
`);
      const first = await request(port, '/');
      const cookie = String(first.headers['set-cookie']?.[0] ?? '').split(';')[0]!;
      expect(cookie).toMatch(/^sy_[a-z0-9]+=[a-z0-9]+$/);
      const name = first.json<{ name: string }>().name;
      expect(await tally(port, 30, { cookie })).toEqual({ [name]: 30 });
      const forced = await request(port, '/api/items?x=1', {
        headers: { 'x-switchyard-route': 'b', 'x-forwarded-for': '6.6.6.6' },
      });
      expect(forced.json()).toMatchObject({ name: 'b', url: '/v2/api/items?x=1' });
      const stripped = await request(port, '/api/old/thing', { headers: { 'x-switchyard-route': 'b' } });
      expect(stripped.json()).toMatchObject({ name: 'b', url: '/thing' });
      const seen = b!.requests.find((x) => x.url === '/v2/api/items?x=1')!.headers;
      expect(seen['x-switchyard-route']).toBeUndefined();
      expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    },
  );

  it.skipIf(!proxy.binary)(
    "runs Vamp's Safari alias as the engine does: Safari and Version, also negated",
    async () => {
      const [a, b] = await upstreams('a', 'b');
      // Chrome's User-Agent says "Safari" but not "Version": Vamp's user-agents.yml needs both.
      for (const [condition, ua, route] of [
        ['user-agent == Safari', SAFARI, 'b'],
        ['user-agent == Safari', CHROME, 'a'],
        ['user-agent != Safari', CHROME, 'b'],
        ['user-agent != Safari', SAFARI, 'a'],
      ] as const) {
        const r = await bothWays(
          (port) =>
            `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 100% }\n  "[${b!.hostPort}]": { weight: 0%, condition: "${condition}" }\n`,
          { 'user-agent': ua },
          20,
        );
        expect({ condition, ua, ...r }).toEqual({
          condition,
          ua,
          exported: { [route]: 20 },
          switchyard: { [route]: 20 },
        });
      }
    },
  );

  it.skipIf(!proxy.binary)('reads raw cookie ACLs from the Cookie header, as the engine does', async () => {
    const [a, b] = await upstreams('a', 'b');
    const cases: [string, Record<string, string>, string][] = [
      ['req.cook(beta) yes', { cookie: 'x=1; beta=yes' }, 'b'],
      ['req.cook(beta) yes', { beta: 'yes' }, 'a'],
      ['cook_sub(beta) es', { cookie: 'beta=yes' }, 'b'],
      ['cook_beg(beta) ye', { beta: 'yes', cookie: 'beta=no' }, 'a'],
      ['cook_cnt(beta) gt 0', { cookie: 'beta=1' }, 'b'],
      ['cook_cnt(beta) gt 0', { beta: '1' }, 'a'],
      ['{ cook(beta) -m found }', { cookie: 'beta=1' }, 'b'],
    ];
    for (const [condition, headers, route] of cases) {
      const r = await bothWays(
        (port) =>
          `name: g\nport: ${port}\nroutes:\n  "[${a!.hostPort}]": { weight: 100% }\n  "[${b!.hostPort}]": { weight: 0%, condition: "${condition}" }\n`,
        headers,
        20,
      );
      expect({ condition, headers, ...r }).toEqual({
        condition,
        headers,
        exported: { [route]: 20 },
        switchyard: { [route]: 20 },
      });
    }
  });

  it.skipIf(!proxy.binary)('keeps each sticky_by key on one route', async () => {
    const [a, b] = await upstreams('a', 'b');
    const { port } = await run(
      `name: g\nport: ${await closedPort()}\nsticky_by: header X-User\nroutes:\n  "[${a!.hostPort}]": { weight: 50% }\n  "[${b!.hostPort}]": { weight: 50% }\n`,
    );
    const seen = new Set<string>();
    for (let user = 0; user < 20; user++) {
      const routes = await tally(port, 5, { 'x-user': `user-${user}` });
      expect(Object.keys(routes)).toHaveLength(1);
      seen.add(Object.keys(routes)[0]!);
    }
    expect(seen.size).toBe(2);
  });
});
