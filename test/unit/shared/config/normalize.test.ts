import { describe, expect, it } from 'vitest';
import { loadConfigText, loadConfigValue } from '../../../../shared/config/load.js';
import type { SwitchyardConfig } from '../../../../shared/config/model.js';

function ok(yaml: string): SwitchyardConfig {
  const r = loadConfigText(yaml);
  if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
  return r.config;
}
function messages(yaml: string): string[] {
  const r = loadConfigText(yaml);
  if (r.ok) throw new Error('expected the configuration to be rejected');
  return r.issues.map((i) => (i.line ? `${i.line}: ${i.message}` : i.message));
}

describe('the Vamp gateway seed loads unchanged', () => {
  it('external routes with "[host:port]" keys, sticky route, port with type', () => {
    const c = ok(`name: mesos
port: 8080/http
sticky: route

routes:
  "[192.168.99.100:5050]":
    weight: 50%
  "[localhost:5050]":
    weight: 50%
`);
    expect(c.gateways).toHaveLength(1);
    const g = c.gateways[0]!;
    expect(g).toMatchObject({
      name: 'mesos',
      port: 8080,
      sticky: 'route',
      host: '127.0.0.1',
      timeoutMs: 30_000,
    });
    expect(g.routes.map((r) => [r.name, r.targets, r.weight])).toEqual([
      ['[192.168.99.100:5050]', ['http://192.168.99.100:5050'], 50],
      ['[localhost:5050]', ['http://localhost:5050'], 50],
    ]);
  });

  it('a stream of gateway documents, and Vamp API fields are accepted and ignored', () => {
    const c = ok(`---
name: a
port: '12345'
kind: gateway
lookup_name: ebcec0d294fc399c5ee972c43a854e3b643d5ece
internal: false
service: { host: 192.168.99.100, port: 12345/http }
deployed: true
sticky: null
virtual_hosts: []
routes: {}
---
name: b
port: 9070/http
routes:
  "[127.0.0.1:3001]": { weight: 90% }
  "[127.0.0.1:3002]": { weight: 10% }
`);
    expect(c.gateways.map((g) => [g.name, g.port, g.routes.length])).toEqual([
      ['a', 12345, 0],
      ['b', 9070, 2],
    ]);
  });

  it('the minimum resource, as a list', () => {
    expect(ok('- name: sava_gateway\n  port: 12345\n').gateways[0]).toMatchObject({
      name: 'sava_gateway',
      port: 12345,
      routes: [],
    });
  });
});

describe('weights and strengths', () => {
  it('parses percentages, numbers and decimals; unweighted routes share the rest', () => {
    const g = ok(`gateways:
  - name: g
    port: 1
    routes:
      "[h:1]": { weight: 12.5% }
      "[h:2]": { weight: 37.5 }
      "[h:3]": {}
      "[h:4]":
`).gateways[0]!;
    expect(g.routes.map((r) => [r.weight, r.weightSet])).toEqual([
      [12.5, true],
      [37.5, true],
      [25, false],
      [25, false],
    ]);
  });

  it('condition_strength defaults to 100% with a condition and 0% without', () => {
    const g = ok(`name: g
port: 1
routes:
  "[h:1]": { weight: 100% }
  "[h:2]": { weight: 0%, condition: user-agent == Firefox }
  "[h:3]": { weight: 0%, condition: has cookie x, condition_strength: 25% }
`).gateways[0]!;
    expect(g.routes.map((r) => r.conditionStrength)).toEqual([0, 100, 25]);
  });

  it('rejects a total that is neither 100% nor 0%, suggesting an even split', () => {
    expect(
      messages(`gateways:
  - name: shop
    port: 8080
    routes:
      "[h:1]": { weight: 33% }
      "[h:2]": { weight: 33% }
      "[h:3]": { weight: 33% }
`),
    ).toEqual([
      "4: gateway 'shop': route weights total 99%; they must total 100% (a three-way split is 34/33/33), or 0% to route by condition only",
    ]);
  });

  it('accepts a 0% total (only conditions route)', () => {
    expect(
      ok(
        'name: g\nport: 1\nroutes:\n  "[h:1]": { weight: 0%, condition: has cookie a }\n  "[h:2]": { weight: 0 }\n',
      ).gateways[0]!.routes,
    ).toHaveLength(2);
  });

  it('rejects weights over 100% and text that is no percentage', () => {
    expect(
      messages(
        'name: g\nport: 1\nroutes:\n  "[h:1]": { weight: 80% }\n  "[h:2]": { weight: 30% }\n  "[h:3]": {}\n',
      ),
    ).toEqual(["3: gateway 'g': route weights total 110%, more than 100% (a three-way split is 34/33/33)"]);
    expect(messages('name: g\nport: 1\nroutes:\n  "[h:1]": { weight: lots }\n')).toEqual([
      `4: gateway 'g': route '[h:1]': weight: "lots" is not a percentage; write it like 20% or 20`,
    ]);
    expect(messages('name: g\nport: 1\nroutes:\n  "[h:1]": { weight: 120% }\n')[0]).toContain(
      '120% is more than 100%',
    );
  });
});

describe('validation names gateway, route and field', () => {
  it.each([
    [
      'name: g\nport: 70000\n',
      `2: gateway 'g': port: 70000 is not a port; write 8080, "8080/http", "8443/https" or "5433/tcp" (1-65535, or 0 for any free port)`,
    ],
    [
      'name: g\nport: 53/tcp\ntls: auto\n',
      `3: gateway 'g': tls: a "/tcp" port does not speak TLS; remove tls, or write the port as "53/https"`,
    ],
    [
      'name: "my gateway"\nport: 1\n',
      `1: gateway 'my gateway': name: "my gateway" is not a valid name; names have no whitespace and no [ ]`,
    ],
    [
      'name: g\nport: 1\ntimeout: soon\n',
      `3: gateway 'g': timeout: "soon" is not a duration; write it like 30s, 500ms or 2m (a bare number means milliseconds)`,
    ],
    [
      'name: g\nport: 1\nsticky: always\n',
      `3: gateway 'g': sticky: Invalid option: expected one of "none"|"route"|"instance"`,
    ],
    [
      'name: g\nport: 1\nsticky_by: session\n',
      `3: gateway 'g': sticky_by: "session" is not a key; write "header X-User", "cookie NAME", "query NAME" or "ip"`,
    ],
    [
      'name: g\nport: 1\nwieght: 3\n',
      `1: gateway 'g': unknown field 'wieght'; a gateway has name, port, virtual_hosts, tls, host, enabled, sticky, sticky_by, timeout, connect_timeout, preserve_host, no_route_status, max_connections, max_upstream_connections, semantics, wait_for_upstream, cors, headers, routes`,
    ],
    [
      'name: g\n',
      `1: gateway 'g': port: a gateway needs a port, virtual_hosts, or both; write port: 8080, or virtual_hosts: [shop.localhost] to answer on the shared listeners`,
    ],
    [
      'name: g\nport: 1\nroutes:\n  v2: { weight: 100% }\n',
      `4: gateway 'g': route 'v2': has no targets; give it targets: [http://127.0.0.1:3000], write its key as "[host:port]", or name another gateway to chain to it`,
    ],
    [
      'name: g\nport: 1\nroutes:\n  v2: { targets: [ftp://x:21] }\n',
      `4: gateway 'g': route 'v2': target: "ftp://x:21" uses ftp, not http or https; write http://host:port or host:port`,
    ],
    [
      'name: g\nport: 1\nroutes:\n  v2: { targets: [localhost] }\n',
      `4: gateway 'g': route 'v2': target: "localhost" has no port; write http://host:port or host:port`,
    ],
    [
      'name: g\nport: 1\nroutes:\n  "[h:1]": { condition: "user-agent Firefox" }\n',
      `4: gateway 'g': route '[h:1]': condition: expected an operator (==, !=, is, is not, not, has, contains, misses, starts-with, ends-with, matches) after 'user-agent', found 'firefox' at column 12: "user-agent Firefox"`,
    ],
    [
      'name: g\nport: 1\nroutes:\n  "[h:1]": { rewrites: [{ path: "/v2%[src] if path starts-with /a" }] }\n',
      `4: gateway 'g': route '[h:1]': rewrites[0]: unknown variable %[src]; Switchyard understands %[path], %[url], %[query], %[hdr(NAME)], optionally with ,regsub(REGEX,SUBST)`,
    ],
    [
      'name: g\nport: 1\nroutes:\n  "[h:1]": { rewrites: [{ strip: /a }] }\n',
      "4: gateway 'g': route '[h:1]': rewrites[0]: a rewrite is one of `path: NEW if CONDITION`, `strip_prefix: /api`, `add_prefix: /v2` or `replace: {regex: ..., with: ...}` (prefixes start with /), optionally with `if: CONDITION`",
    ],
    [
      'name: g\nport: 1\nroutes:\n  "[h:1]": { colour: red }\n',
      `4: gateway 'g': route '[h:1]': unknown field 'colour'; a route has weight, condition, condition_strength, targets, target, balance, rewrites, instances, paths, health_check, passive, faults, headers, respond, shadow, shadow_methods, compare, tls_verify, ca, h2`,
    ],
  ])('%j', (yaml, expected) => {
    expect(messages(yaml)).toEqual([expected]);
  });

  it('reports every problem at once, with lines', () => {
    const m = messages(`gateways:
  - name: a
    port: 8080
    routes:
      "[h:1]": { weight: 50% }
  - name: b
    port: 8080
    timeout: forever
`);
    expect(m).toEqual([
      "4: gateway 'a': route weights total 50%; they must total 100%, or 0% to route by condition only",
      `8: gateway 'b': timeout: "forever" is not a duration; write it like 30s, 500ms or 2m (a bare number means milliseconds)`,
    ]);
  });

  it('rejects duplicate names and ports', () => {
    expect(messages('gateways:\n  - { name: a, port: 8080 }\n  - { name: a, port: 8081 }\n')).toEqual([
      "3: gateway 'a': name: is used by more than one gateway; names must be unique",
    ]);
    expect(messages('gateways:\n  - { name: a, port: 8080 }\n  - { name: b, port: "8080/http" }\n')).toEqual([
      "3: gateway 'b': port: 8080 is already used by gateway 'a'; each gateway needs its own port",
    ]);
  });

  it('YAML syntax errors carry their line', () => {
    const m = messages('gateways:\n  - name: a\n    port: [8080\n');
    expect(m[0]).toMatch(/^\d+: YAML: /);
  });
});

describe('targets and chaining', () => {
  it('normalises targets: URLs with base paths, host:port, https', () => {
    const g = ok(`name: g
port: 1
routes:
  api:
    targets: [127.0.0.1:3001, "http://localhost:3002/base/", https://example.test]
    weight: 100%
`).gateways[0]!;
    expect(g.routes[0]!.targets).toEqual([
      'http://127.0.0.1:3001',
      'http://localhost:3002/base',
      'https://example.test',
    ]);
  });

  it('a route key naming another gateway chains to it', () => {
    const c = ok(`gateways:
  - name: front
    port: 1
    routes:
      checkout: { weight: 100% }
  - name: checkout
    port: 2
    routes:
      "[h:1]": {}
`);
    expect(c.gateways[0]!.routes[0]).toMatchObject({ name: 'checkout', gateway: 'checkout', targets: [] });
  });

  it('rejects chaining cycles', () => {
    expect(
      messages(`gateways:
  - { name: a, port: 1, routes: { b: {} } }
  - { name: b, port: 2, routes: { c: {} } }
  - { name: c, port: 3, routes: { a: {} } }
`),
    ).toEqual([
      "2: gateway 'a': route 'b': chaining forms a cycle: a -> b -> c -> a; a request would never leave it",
    ]);
  });
});

describe('other fields', () => {
  it('fills defaults and reads durations, sticky_by and rewrites', () => {
    const g = ok(`name: g
port: "0"
host: 0.0.0.0
timeout: 1.5s
connect_timeout: 250
preserve_host: true
sticky: instance
sticky_by: header X-User
routes:
  "[h:1]":
    rewrites:
      - path: /v2%[path] if path starts-with /api
      - strip_prefix: /old/
      - add_prefix: /base
        if: method == GET
      - replace: { regex: "^/u/(\\\\d+)", with: "/users/$1" }
`).gateways[0]!;
    expect(g).toMatchObject({
      port: 0,
      host: '0.0.0.0',
      timeoutMs: 1500,
      connectTimeoutMs: 250,
      preserveHost: true,
      sticky: 'instance',
      stickyBy: { source: 'header', name: 'X-User' },
    });
    expect(g.routes[0]!.rewrites).toEqual([
      { type: 'path', template: '/v2%[path]', condition: 'path starts-with /api' },
      { type: 'strip_prefix', prefix: '/old' },
      { type: 'add_prefix', prefix: '/base', condition: 'method == GET' },
      { type: 'replace', regex: '^/u/(\\d+)', with: '/users/$1' },
    ]);
  });

  it('loads JSON values the way the API will send them', () => {
    const r = loadConfigValue({
      gateways: [{ name: 'g', port: 1, routes: { '[h:1]': { weight: '100%' } } }],
    });
    expect(r.ok).toBe(true);
    const bad = loadConfigValue({ gateways: 'nope' });
    expect(bad.ok ? [] : bad.issues.map((i) => i.message)).toEqual(['`gateways` must be a list of gateways']);
  });
});

describe("Vamp's other gateway forms", () => {
  it("the automatically created gateway with instances (the gateway document's first example)", () => {
    const g = ok(`---
name: vamp/sava/port
port: 40000/http
active: true
sticky: none
routes:
  vamp/sava/sava:1.0.0/port:
    weight: 50%
    instances:
    - name: vamp_6fd83b1fd01f7dd9eb7f.cda3c376-ae26-11e5-91fb-0242f7e42bf3
      host: default
      port: 31463
    - name: vamp_6fd83b1fd01f7dd9eb7f.cda2d915-ae26-11e5-91fb-0242f7e42bf3
      host: default
      port: 31292
  vamp/sava/sava:1.1.0/port:
    weight: 50%
    instances:
    - { name: b1, host: 10.0.0.7, port: 31634 }
`).gateways[0]!;
    expect(g.routes.map((r) => [r.name, r.targets, r.instanceNames])).toEqual([
      [
        'vamp/sava/sava:1.0.0/port',
        ['http://127.0.0.1:31463', 'http://127.0.0.1:31292'],
        [
          'vamp_6fd83b1fd01f7dd9eb7f.cda3c376-ae26-11e5-91fb-0242f7e42bf3',
          'vamp_6fd83b1fd01f7dd9eb7f.cda2d915-ae26-11e5-91fb-0242f7e42bf3',
        ],
      ],
      ['vamp/sava/sava:1.1.0/port', ['http://10.0.0.7:31634'], ['b1']],
    ]);
  });

  it("gateways and routes written as lists, as Vamp's API reads them", () => {
    const c = ok(`- name: a
  port: 0
  routes:
    - "[127.0.0.1:3001]"
    - "[127.0.0.1:3002]": { weight: 30% }
- name: b
  port: 0
  routes: "[127.0.0.1:3003]"
`);
    expect(c.gateways.map((g) => g.routes.map((r) => [r.name, r.weight]))).toEqual([
      [
        ['[127.0.0.1:3001]', 70],
        ['[127.0.0.1:3002]', 30],
      ],
      [['[127.0.0.1:3003]', 100]],
    ]);
  });

  it("reads Vamp's virtual hosts and tcp ports as real fields (issue 13)", () => {
    const [g] = ok('name: g\nport: 0\nvirtual_hosts: [sava.vamp]\n').gateways;
    expect(g).toMatchObject({ port: 0, protocol: 'http', virtualHosts: ['sava.vamp'] });
    expect(ok('name: g\nport: 9050/tcp\n').gateways[0]).toMatchObject({ port: 9050, protocol: 'tcp' });
  });

  it("rewrites in Vamp's form: HAProxy conditions after if, in any case, and HAProxy variables", () => {
    const g = ok(`name: g
port: 0
routes:
  "[127.0.0.1:1]":
    rewrites:
      - path: /v2%[path] if path_beg /api
      - path: "%[path,regsub(^/old/,/new/)] IF { path_beg /old }"
      - path: /x?%[query]&h=%[hdr(x-user)] if { path_beg /x } { method GET }
`).gateways[0]!;
    expect(g.routes[0]!.rewrites.map((r) => r.condition)).toEqual([
      'path_beg /api',
      '{ path_beg /old }',
      '{ path_beg /x } { method GET }',
    ]);
    expect(
      messages(
        'name: g\nport: 0\nroutes:\n  "[127.0.0.1:1]":\n    rewrites: [{ path: "%[src] if path_beg /" }]\n',
      )[0],
    ).toMatch(/unknown variable %\[src\]/);
    expect(
      messages(
        'name: g\nport: 0\nroutes:\n  "[127.0.0.1:1]":\n    rewrites: [{ path: "/x if req.ssl_sni -m sub x" }]\n',
      )[0],
    ).toMatch(/unsupported HAProxy fetch 'req.ssl_sni'/);
  });
});

describe('unknown keys at every level (issue 17)', () => {
  it('rejects an unknown top-level key, naming it and the known ones', () => {
    expect(messages('gateways:\n  - name: g\n    port: 0\nbogus: 1\n')).toEqual([
      "4: unknown top-level field 'bogus'; a document has gateways, conditions, listeners (and extensions named x-...)",
    ]);
    const r = loadConfigValue({ gateways: [], bogus: 1 });
    expect(r.ok).toBe(false);
  });

  it('accepts extensions named x-..., where YAML anchors can live', () => {
    const c = ok(`x-defaults: &route { weight: 50% }
gateways:
  - name: g
    port: 0
    x-owner: team-a
    routes:
      "[127.0.0.1:3001]": *route
      "[127.0.0.1:3002]": { weight: 50%, x-note: canary }
`);
    expect(c.gateways[0]!.routes.map((r) => r.weight)).toEqual([50, 50]);
  });

  it('regular expressions RE2 cannot run are refused with gateway, route and field', () => {
    expect(
      messages(`name: g
port: 0
routes:
  "[127.0.0.1:1]":
    condition: header x matches "(?=a)"
    rewrites: [{ replace: { regex: "(a)\\\\1", with: x } }]
`),
    ).toEqual([
      expect.stringMatching(
        /^5: gateway 'g': route '\[127.0.0.1:1\]': condition: invalid regular expression .*lookaround/,
      ),
      expect.stringMatching(
        /^6: gateway 'g': route '\[127.0.0.1:1\]': rewrites\[0\]: invalid regular expression .*backreferences/,
      ),
    ]);
  });
});
