import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../../../shared/config/load.js';
import { HttpRequestView } from '../../../../main/engine/http-request-view.js';
import { seededRandom, type Random } from '../../../../main/engine/random.js';
import {
  compileGateways,
  decide,
  drainRoute,
  type CompiledGateway,
  type Decision,
} from '../../../../main/engine/router.js';

const FIREFOX = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0';
const CHROME =
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36';

function gateways(
  yaml: string,
  random: Random = seededRandom(7),
  previous?: Map<string, CompiledGateway>,
): Map<string, CompiledGateway> {
  const r = loadConfigText(yaml);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
  return compileGateways(r.config, random, previous);
}

function req(headers: Record<string, string> = {}, path = '/', search = '') {
  return { view: new HttpRequestView('GET', path, search, headers), clientIp: '127.0.0.1' };
}

function ok(d: Decision) {
  if (!d.ok) throw new Error(d.cause);
  return d;
}

/** Evenly spaced draws (i + 0.5) / n: over n requests a split comes out exact. */
function stepRandom(n: number): Random {
  let i = 0;
  return () => ((i++ % n) + 0.5) / n;
}

function tally(g: CompiledGateway, n: number, headers: Record<string, string> = {}): Record<string, number> {
  const counts: Record<string, number> = {};
  for (let i = 0; i < n; i++) {
    const d = ok(decide(g, req(headers)));
    counts[d.route.name] = (counts[d.route.name] ?? 0) + 1;
  }
  return counts;
}

describe('weights', () => {
  it('splits exactly by weight over evenly spaced draws', () => {
    const g = gateways(
      'name: g\nport: 1\nroutes:\n  a: { targets: [h:1], weight: 90% }\n  b: { targets: [h:2], weight: 10% }\n',
      stepRandom(100),
    ).get('g')!;
    expect(tally(g, 100)).toEqual({ a: 90, b: 10 });
  });

  it('three routes sharing the rest with a seeded source stay within 1.5 points of 34/33/33 over 20,000', () => {
    const g = gateways(
      'name: g\nport: 1\nroutes:\n  a: { targets: [h:1], weight: 34% }\n  b: { targets: [h:2] }\n  c: { targets: [h:3] }\n',
    ).get('g')!;
    const c = tally(g, 20_000);
    expect(Math.abs(c.a! / 200 - 34)).toBeLessThan(1.5);
    expect(Math.abs(c.b! / 200 - 33)).toBeLessThan(1.5);
    expect(Math.abs(c.c! / 200 - 33)).toBeLessThan(1.5);
  });

  it('with a 0% total and no matching condition answers 503', () => {
    const g = gateways(
      'name: g\nport: 1\nroutes:\n  a: { targets: [h:1], weight: 0%, condition: has cookie beta }\n  b: { targets: [h:2], weight: 0% }\n',
    ).get('g')!;
    const d = decide(g, req());
    expect(d).toMatchObject({
      ok: false,
      status: 503,
      cause: 'no route can take the request: no condition matched and all weights are 0%',
    });
    expect(ok(decide(g, req({ cookie: 'beta=1' }))).route.name).toBe('a');
  });
});

describe("Vamp's selection algorithm", () => {
  it('routes all and only Firefox users to service_B (strength 100%, weight 0%)', () => {
    const g = gateways(`name: g
port: 1
routes:
  service_A: { targets: [h:1], weight: 100% }
  service_B: { targets: [h:2], weight: 0%, condition_strength: 100%, condition: user-agent == Firefox }
`).get('g')!;
    expect(tally(g, 200, { 'user-agent': FIREFOX })).toEqual({ service_B: 200 });
    expect(tally(g, 200, { 'user-agent': CHROME })).toEqual({ service_A: 200 });
  });

  it('sends half of Firefox users to B and splits the rest 80/20 (exact with evenly spaced draws)', () => {
    // Each Firefox request draws once for the strength, and once more for the weights when it missed.
    const g = gateways(
      `name: g
port: 1
routes:
  service_A: { targets: [h:1], weight: 80% }
  service_B: { targets: [h:2], weight: 20%, condition_strength: 50%, condition: user-agent == Firefox }
`,
      seededRandom(3),
    ).get('g')!;
    const firefox = tally(g, 20_000, { 'user-agent': FIREFOX });
    // Expected share of B for Firefox: 50% + 50% x 20% = 60%.
    expect(Math.abs(firefox.service_B! / 200 - 60)).toBeLessThan(1.5);
    const chrome = tally(g, 20_000, { 'user-agent': CHROME });
    expect(Math.abs(chrome.service_B! / 200 - 20)).toBeLessThan(1.5);
  });

  it('only the first matching condition, in route order, is considered', () => {
    const g = gateways(`name: g
port: 1
routes:
  first: { targets: [h:1], weight: 0%, condition: has cookie x, condition_strength: 0% }
  second: { targets: [h:2], weight: 0%, condition: has cookie x }
  rest: { targets: [h:3], weight: 100% }
`).get('g')!;
    // 'first' matches but its strength is 0%: the request falls to the weights, never to 'second'.
    expect(tally(g, 50, { cookie: 'x=1' })).toEqual({ rest: 50 });
  });

  it('says why in the trace', () => {
    const g = gateways(`name: g
port: 1
routes:
  a: { targets: [h:1], weight: 100% }
  b: { targets: [h:2], weight: 0%, condition: user-agent == Firefox }
`).get('g')!;
    const d = ok(decide(g, req({ 'user-agent': FIREFOX })));
    expect(d.trace.map((t) => t.text)).toEqual([
      "condition of route 'b' matched: the browser is Firefox",
      expect.stringMatching(/^draw 0\.\d{3} < strength 100%: route 'b' takes it$/),
    ]);
  });
});

describe('instances', () => {
  it('are balanced round-robin', () => {
    const g = gateways('name: g\nport: 1\nroutes:\n  a: { targets: [h:1, h:2, h:3] }\n').get('g')!;
    const seen = Array.from({ length: 6 }, () => ok(decide(g, req())).target);
    expect(seen).toEqual([
      'http://h:1',
      'http://h:2',
      'http://h:3',
      'http://h:1',
      'http://h:2',
      'http://h:3',
    ]);
  });
});

describe('override', () => {
  const g = gateways(
    'name: g\nport: 1\nroutes:\n  a: { targets: [h:1], weight: 100% }\n  b: { targets: [h:2], weight: 0% }\n',
  ).get('g')!;
  it('forces a route and is marked', () => {
    const d = ok(decide(g, { ...req(), override: 'b' }));
    expect(d.route.name).toBe('b');
    expect(d.override).toBe(true);
    expect(d.trace[0]!.kind).toBe('override');
  });
  it('naming an unknown route is a 400 that lists the routes', () => {
    expect(decide(g, { ...req(), override: 'c' })).toMatchObject({
      ok: false,
      status: 400,
      cause: "override names route 'c', which gateway 'g' does not have (routes: 'a', 'b')",
    });
  });
});

describe('sticky cookies', () => {
  const yaml = (sticky: string, bWeight = '50%') => `name: shop
port: 1
sticky: ${sticky}
routes:
  a: { targets: [h:1, h:2], weight: 50% }
  b: { targets: [h:3, h:4], weight: ${bWeight} }
`;

  it('route: sets an opaque HttpOnly SameSite=Lax cookie and honours it', () => {
    const g = gateways(yaml('route')).get('shop')!;
    const first = ok(decide(g, req()));
    expect(first.setCookies).toHaveLength(1);
    const cookie = first.setCookies[0]!;
    expect(cookie).toMatch(/^sy_[a-z0-9]+=[a-z0-9]+; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(cookie).not.toContain('h:');
    const pair = cookie.split(';')[0]!;
    for (let i = 0; i < 20; i++) {
      const d = ok(decide(g, req({ cookie: pair })));
      expect(d.route.name).toBe(first.route.name);
      expect(d.setCookies).toEqual([]);
    }
  });

  it('instance: pins the instance as well', () => {
    const g = gateways(yaml('instance')).get('shop')!;
    const first = ok(decide(g, req()));
    const pair = first.setCookies[0]!.split(';')[0]!;
    const targets = new Set(Array.from({ length: 10 }, () => ok(decide(g, req({ cookie: pair }))).target));
    expect([...targets]).toEqual([first.target]);
  });

  it('a sticky client keeps its route at 0% (as HAProxy persistence does); a drain, a removed route or a condition that no longer matches moves it', () => {
    const before = gateways(yaml('route')).get('shop')!;
    const toB = Array.from({ length: 40 }, () => ok(decide(before, req()))).find(
      (d) => d.route.name === 'b',
    )!;
    const pair = toB.setCookies[0]!.split(';')[0]!;
    const zeroYaml = yaml('route', '0%').replace('weight: 50%', 'weight: 100%');
    const zero = gateways(zeroYaml, seededRandom(7), new Map([['shop', before]])).get('shop')!;
    for (let i = 0; i < 10; i++) {
      const d = ok(decide(zero, req({ cookie: pair })));
      expect(d.route.name).toBe('b');
      expect(d.trace[0]!.text).toContain("keeps the client on route 'b'");
    }
    // Drain: the cookie no longer counts, the client is chosen again by weight (all to a), and the
    // drain survives a re-apply.
    expect(drainRoute(zero, 'b')).toBe(true);
    expect(drainRoute(zero, 'nope')).toBe(false);
    const reapplied = gateways(zeroYaml, seededRandom(7), new Map([['shop', zero]])).get('shop')!;
    for (const g of [zero, reapplied]) {
      const d = ok(decide(g, req({ cookie: pair })));
      expect(d.route.name).toBe('a');
      expect(d.trace[0]!.text).toContain('gone');
      expect(d.setCookies).toHaveLength(1);
    }
    const conditioned = gateways(
      yaml('route')
        .replace('weight: 50% }\n', "weight: 50%, condition: 'has header x-beta' }\n")
        .replace(/b: \{[^}]*\}/, (m) => m.replace('}', ", condition: 'has header x-beta' }")),
    ).get('shop')!;
    const moved = ok(decide(conditioned, req({ cookie: pair })));
    expect(moved.trace[0]!.text).toContain('no longer matches');
    const gone = gateways('name: shop\nport: 1\nsticky: route\nroutes:\n  a: { targets: [h:1] }\n').get(
      'shop',
    )!;
    expect(ok(decide(gone, req({ cookie: pair }))).trace[0]!.text).toContain('gone');
  });
});

describe('path matchers (AILERON pathMatchers)', () => {
  const g = () =>
    gateways(`name: g
port: 1
no_route_status: 404
routes:
  lb1:
    weight: 0%
    targets: [h:1]
    paths:
      - { match: /items, type: prefix, trim_prefix: /api, append_prefix: /v1 }
      - { match: "^/users/([0-9]+)$", type: regex, rewrite: "/people/\${1}", trim_prefix: /api }
`).get('g')!;
  it.each([
    ['/api/items/1', '/v1/items/1'],
    ['/items/1', '/v1/items/1'], // trimPrefix only when present
    ['/api/users/42', '/people/42'],
    ['/users/7', '/people/7'],
  ])('%s is forwarded as %s', (path, forwarded) => {
    expect(ok(decide(g(), req({}, path))).path).toBe(forwarded);
  });
  it('answers no_route_status where no matcher matches', () => {
    const d = decide(g(), req({}, '/other'));
    expect(d.ok ? 0 : d.status).toBe(404);
  });
});

describe('sticky_by', () => {
  const config = (a: number, b: number, c: number) => `name: g
port: 1
sticky_by: header X-User
routes:
  a: { targets: [h:1], weight: ${a}% }
  b: { targets: [h:2], weight: ${b}% }
  c: { targets: [h:3], weight: ${c}% }
`;
  const assign = (g: CompiledGateway) =>
    Array.from({ length: 2000 }, (_, i) => ok(decide(g, req({ 'x-user': `user-${i}` }))).route.name);

  it('gives a key the same route every time, without cookies, and follows the weights', () => {
    const g = gateways(config(50, 30, 20)).get('g')!;
    const once = assign(g);
    expect(assign(g)).toEqual(once);
    const share = (r: string) => once.filter((x) => x === r).length / 20;
    expect(Math.abs(share('a') - 50)).toBeLessThan(4);
    expect(Math.abs(share('b') - 30)).toBeLessThan(4);
    expect(ok(decide(g, req({ 'x-user': 'u' }))).setCookies).toEqual([]);
  });

  it('keeps keys on their route when other routes are re-weighted', () => {
    const first = gateways(config(50, 30, 20));
    const before = assign(first.get('g')!);
    const second = gateways(config(50, 20, 30), seededRandom(7), first);
    const after = assign(second.get('g')!);
    // Nobody leaves or joins a: only keys between b and c move, and only from b to c.
    before.forEach((r, i) => {
      if (r === 'a') expect(after[i]).toBe('a');
      if (after[i] === 'a') expect(r).toBe('a');
      if (r === 'c') expect(after[i]).toBe('c');
    });
    const moved = before.filter((r, i) => r !== after[i]).length / before.length;
    expect(moved).toBeGreaterThan(0.05);
    expect(moved).toBeLessThan(0.15);
    // And back: a second change again moves only what it must.
    const third = assign(gateways(config(40, 20, 40), seededRandom(7), second).get('g')!);
    after.forEach((r, i) => {
      if (r === 'b') expect(third[i]).toBe('b');
      if (r === 'c') expect(third[i]).toBe('c');
    });
  });

  it('makes strength draws deterministic per key', () => {
    const g = gateways(`name: g
port: 1
sticky_by: cookie uid
routes:
  a: { targets: [h:1], weight: 100% }
  b: { targets: [h:2], weight: 0%, condition: user-agent == Firefox, condition_strength: 50% }
`).get('g')!;
    const results = Array.from({ length: 400 }, (_, i) => {
      const headers = { 'user-agent': FIREFOX, cookie: `uid=${i}` };
      const first = ok(decide(g, req(headers))).route.name;
      for (let k = 0; k < 3; k++) expect(ok(decide(g, req(headers))).route.name).toBe(first);
      return first;
    });
    const share = results.filter((r) => r === 'b').length / 4;
    expect(Math.abs(share - 50)).toBeLessThan(8);
  });

  it('falls back to random draws when the key is absent, and says so', () => {
    const g = gateways(config(50, 30, 20)).get('g')!;
    expect(ok(decide(g, req())).trace[0]!.text).toBe('sticky_by header X-User is absent: random draws');
  });
});

describe('chaining and rewrites', () => {
  it('hands the request to the chained gateway with the rewritten path', () => {
    const all = gateways(`gateways:
  - name: front
    port: 1
    routes:
      checkout:
        weight: 100%
        rewrites:
          - strip_prefix: /shop
  - name: checkout
    port: 2
    routes:
      v1: { targets: [h:1], weight: 0% }
      v2: { targets: [h:2], weight: 0%, condition: path starts-with /cart }
`);
    const d = ok(decide(all.get('front')!, req({}, '/shop/cart/1')));
    expect(d).toMatchObject({ entryRoute: 'checkout', target: 'http://h:2', path: '/cart/1' });
    expect(d.route.name).toBe('v2');
    expect(d.trace.map((t) => t.kind)).toEqual(['weight', 'rewrite', 'chain', 'condition', 'strength']);
  });

  it('applies Vamp path rewrites with %[path] only when their condition holds', () => {
    const g = gateways(`name: g
port: 1
routes:
  a:
    targets: [h:1]
    rewrites:
      - path: /v2%[path] if path starts-with /api
      - replace: { regex: "^/v2/api/u/(\\\\d+)$", with: "/v2/api/users/$1" }
`).get('g')!;
    expect(ok(decide(g, req({}, '/api/u/7'))).path).toBe('/v2/api/users/7');
    expect(ok(decide(g, req({}, '/web/u/7'))).path).toBe('/web/u/7');
  });
});

describe('instance balance and the no-route status', () => {
  it('balances weighted instances by smooth weighted round-robin', () => {
    const g = gateways(
      'name: g\nport: 1\nroutes:\n  a:\n    targets: [{ url: "h:1", weight: 3 }, { url: "h:2", weight: 1 }]\n',
    ).get('g')!;
    const seen = Array.from({ length: 8 }, () => ok(decide(g, req())).target);
    expect(seen).toEqual([
      'http://h:1',
      'http://h:1',
      'http://h:2',
      'http://h:1',
      'http://h:1',
      'http://h:1',
      'http://h:2',
      'http://h:1',
    ]);
  });

  it('hashes a balance key to one instance, and draws at random with balance: random', () => {
    const g = gateways(
      'name: g\nport: 1\nroutes:\n  a: { targets: [h:1, h:2, h:3], balance: hash header X-User }\n',
    ).get('g')!;
    for (const user of ['ann', 'bob', 'cy']) {
      const first = ok(decide(g, req({ 'x-user': user }))).target;
      for (let i = 0; i < 5; i++) expect(ok(decide(g, req({ 'x-user': user }))).target).toBe(first);
    }
    const r = gateways(
      'name: g\nport: 1\nroutes:\n  a: { targets: [h:1, h:2], balance: random }\n',
      stepRandom(4),
    ).get('g')!;
    // Each request draws twice from the source: once for the route's weight, once for the instance.
    expect(Array.from({ length: 4 }, () => ok(decide(r, req())).target)).toEqual([
      'http://h:1',
      'http://h:2',
      'http://h:1',
      'http://h:2',
    ]);
  });

  it('answers requests no route takes with no_route_status', () => {
    const g = gateways(
      'name: g\nport: 1\nno_route_status: 404\nroutes:\n  a: { targets: [h:1], weight: 0%, condition: path starts-with /api }\n',
    ).get('g')!;
    expect(decide(g, req({}, '/other'))).toMatchObject({ ok: false, status: 404 });
  });
});
