import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { toForm, toSource } from '../../../../renderer/src/lib/gateway-form.js';
import { setRouteWeights } from '../../../../shared/config/edit.js';
import type { GatewaySource } from '../../../../shared/config/source.js';
import README from '../../../../README.md?raw';

/** Vamp's gateway document's examples (the seeds), as Switchyard reads them. */
const VAMP_EXAMPLES = `
name: sava/sava_port
port: 8080/http
sticky: instance
routes:
  sava/sava:1.0.0/port:
    weight: 100%
    instances:
      - name: sava_1.0.0_1
        host: 192.168.99.100
        port: 32768
---
name: sava
port: 9050/http
sticky: route
routes:
  sava/sava_port:
    weight: 50%
    condition: user-agent == Firefox
    condition_strength: 75%
  "[192.168.99.100:9070]":
    weight: 50%
---
name: us
port: 9060
routes: [sava, "[192.168.99.100:9070]"]
`;

/** Every gateway in YAML text: a `gateways:` list, a list, or a stream of gateway documents. */
function gatewaysIn(text: string): GatewaySource[] {
  return parseAllDocuments(text).flatMap((d) => {
    if (d.errors.length) return [];
    const v = d.toJS() as unknown;
    const list = Array.isArray(v) ? v : v && typeof v === 'object' && 'gateways' in v ? v.gateways : [v];
    return (Array.isArray(list) ? list : []).filter(
      (g): g is GatewaySource => !!g && typeof g === 'object' && 'name' in g,
    );
  });
}

const examples = [
  ...[...README.matchAll(/```ya?ml\n([\s\S]*?)```/g)].flatMap((m) => gatewaysIn(m[1] as string)),
  ...gatewaysIn(VAMP_EXAMPLES),
];

const percent = fc.oneof(
  fc.integer({ min: 0, max: 100 }),
  fc.integer({ min: 0, max: 100 }).map((n) => `${n}%`),
  fc.constantFrom('12.5%', '33.33%', '0.5'),
);
const url = fc.constantFrom('http://127.0.0.1:3001', 'https://api.example/v2', '127.0.0.1:4000');
const extension = fc.dictionary(
  fc.constantFrom('x-note', 'x-team', 'x-anchor'),
  fc.oneof(fc.string(), fc.integer(), fc.constant({ nested: [1, 'two'] })),
);
const route = fc
  .record(
    {
      weight: percent,
      condition: fc.constantFrom('user-agent == Firefox', 'has cookie beta', 'path starts-with /api'),
      condition_strength: percent,
      targets: fc.oneof(
        url,
        fc.array(fc.oneof(url, fc.record({ url, weight: fc.integer({ min: 0, max: 1000 }) })), {
          maxLength: 3,
        }),
      ),
      target: url,
      balance: fc.constantFrom('round-robin', 'random', 'hash header X-User'),
      rewrites: fc.constant([{ path: '/v2%[path] if path starts-with /api' }, { strip_prefix: '/x' }]),
      paths: fc.constant([{ match: '/api', type: 'prefix' as const, trim_prefix: '/api' }]),
      health_check: fc.record(
        {
          path: fc.constantFrom('/health', '/'),
          interval: fc.constantFrom('2s', 500),
          unhealthy_after: fc.integer({ min: 1, max: 5 }),
        },
        { requiredKeys: [] },
      ),
      passive: fc.record(
        {
          failures: fc.integer({ min: 1, max: 9 }),
          within: fc.constant('10s'),
          eject_for: fc.constant('15s'),
        },
        { requiredKeys: [] },
      ),
      faults: fc.constant({ delay: { percent: 10, duration: '800ms' }, header_control: true }),
      headers: fc.constantFrom(
        { request: { set: { 'X-Env': 'dev' }, remove: ['X-Debug'] } },
        { response: { add: { 'X-Variant': '%[path]' } } },
      ),
      respond: fc.record(
        {
          status: fc.integer({ min: 200, max: 599 }),
          headers: fc.constant({ 'Retry-After': '30' }),
          body: fc.string(),
        },
        { requiredKeys: [] },
      ),
    },
    { requiredKeys: [] },
  )
  .chain((r) => extension.map((x) => ({ ...r, ...x })));
const routes = fc.oneof(
  fc.dictionary(
    fc.constantFrom('v1', 'v2', '[127.0.0.1:9000]', 'checkout'),
    fc.oneof(route, fc.constant(null)),
  ),
  fc.constant(['a', { b: { weight: '100%' } }]),
  fc.constant('single'),
);
const gateway: fc.Arbitrary<GatewaySource> = fc
  .record(
    {
      name: fc.constantFrom('shop', 'a/b', 'api'),
      port: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.constant('8080/http')),
      host: fc.constantFrom('127.0.0.1', '::1', '0.0.0.0'),
      enabled: fc.boolean(),
      sticky: fc.constantFrom('none' as const, 'route' as const, 'instance' as const),
      sticky_by: fc.constantFrom('header X-User', 'ip'),
      timeout: fc.oneof(fc.constantFrom('30s', '500ms'), fc.integer({ min: 1, max: 60_000 })),
      connect_timeout: fc.constantFrom('5s', '2m'),
      preserve_host: fc.boolean(),
      no_route_status: fc.constantFrom(503, 404),
      max_connections: fc.integer({ min: 1, max: 10_000 }),
      semantics: fc.constantFrom('switchyard' as const, 'aileron' as const),
      routes,
      lookup_name: fc.string(),
      virtual_hosts: fc.constant([]),
      wait_for_upstream: fc.constantFrom('10s', 2000),
      cors: fc.constantFrom(
        { origins: ['http://localhost:5173'], credentials: true },
        { origins: '*', max_age: '10m' },
      ),
      headers: fc.constant({ response: { set: { 'Cache-Control': 'no-store' } } }),
    },
    { requiredKeys: ['name', 'port'] },
  )
  .chain((g) => extension.map((x) => ({ ...g, ...x }) as GatewaySource));

describe('the resilience fields (issue 15)', () => {
  it('edits a mock answer, health check, CORS and wait_for_upstream through their boxes', () => {
    const s: GatewaySource = {
      name: 'shop',
      port: 8080,
      routes: { down: { respond: { status: 503, body: 'back soon' } }, api: { target: 'http://a:1' } },
    };
    const form = toForm(s);
    expect(form.routes[0]!.yaml.respond).toBe('status: 503\nbody: back soon');
    const out = toSource({
      ...form,
      waitForUpstream: '10s',
      yaml: { ...form.yaml, cors: '{ origins: ["http://localhost:5173"], credentials: true }' },
      routes: [
        { ...form.routes[0]!, yaml: { ...form.routes[0]!.yaml, respond: 'status: 418\nbody: teapot' } },
        { ...form.routes[1]!, yaml: { ...form.routes[1]!.yaml, health_check: '{ path: /health }' } },
      ],
    });
    expect(out).toEqual({
      name: 'shop',
      port: 8080,
      wait_for_upstream: '10s',
      cors: { origins: ['http://localhost:5173'], credentials: true },
      routes: {
        down: { respond: { status: 418, body: 'teapot' } },
        api: { target: 'http://a:1', health_check: { path: '/health' } },
      },
    });
    const cleared = toSource({
      ...form,
      routes: [{ ...form.routes[0]!, yaml: { ...form.routes[0]!.yaml, respond: '' } }, form.routes[1]!],
    });
    expect(cleared.routes).toEqual({ down: {}, api: { target: 'http://a:1' } });
  });
});

describe('the gateway form gives back the source it was made from', () => {
  it(`for every README and Vamp example (${examples.length})`, () => {
    expect(examples.length).toBeGreaterThan(5);
    for (const s of examples) expect(toSource(toForm(s))).toEqual(s);
  });

  it('for generated sources', () => {
    fc.assert(
      fc.property(gateway, (s) => {
        expect(toSource(toForm(s))).toEqual(s);
      }),
      { seed: 10, numRuns: 500 },
    );
  });

  it('keeps balance, weighted targets and unknown route keys when another box is edited', () => {
    const s: GatewaySource = {
      name: 'shop',
      port: 8080,
      'x-owner': 'team',
      routes: {
        v1: {
          targets: [{ url: 'http://127.0.0.1:3001', weight: 3 }, 'http://127.0.0.1:3002'],
          balance: 'hash header X-User',
          weight: '90%',
          'x-note': 'stable',
        },
        v2: { target: 'http://127.0.0.1:3003', weight: '10%' },
      },
    };
    const form = toForm(s);
    expect(form.routes[0]!.targets).toBe('http://127.0.0.1:3001*3, http://127.0.0.1:3002');
    const edited = toSource({
      ...form,
      timeout: '10s',
      routes: form.routes.map((r) => ({ ...r, weight: r.key === 'v1' ? '50' : '50%' })),
    });
    expect(edited).toEqual({ ...setRouteWeights(s, { v1: 50, v2: 50 }), timeout: '10s' });
  });

  it('writes what a box was changed to, through the same edits as the API', () => {
    const s: GatewaySource = { name: 'shop', port: 8080, routes: { v1: { target: 'http://a:1' } } };
    const form = toForm(s);
    const out = toSource({
      ...form,
      port: '9090',
      enabled: false,
      routes: [
        { ...form.routes[0]!, targets: 'http://b:2*5, http://c:3' },
        {
          key: 'v2',
          targets: 'http://d:4',
          weight: '',
          condition: '',
          strength: '',
          rewrites: '',
          yaml: { health_check: '', passive: '', headers: '', respond: '' },
          h2: false,
          tlsVerify: true,
          ca: '',
        },
      ],
    });
    expect(out).toEqual({
      name: 'shop',
      port: 9090,
      enabled: false,
      routes: {
        v1: { targets: [{ url: 'http://b:2', weight: 5 }, 'http://c:3'] },
        v2: { targets: ['http://d:4'] },
      },
    });
  });
});
