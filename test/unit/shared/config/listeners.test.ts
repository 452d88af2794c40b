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

const SHOP = `listeners:
  http: 8000
  https: 8443
gateways:
  - name: shop
    virtual_hosts: [Shop.localhost, "*.shop.localhost"]
    routes:
      blue: { targets: [http://127.0.0.1:3001] }
`;

describe('listeners (issue 13)', () => {
  it('reads the shared ports, with the default host, and keeps them as written', () => {
    const r = loadConfigText(SHOP);
    if (!r.ok) throw new Error(r.issues[0]?.message);
    expect(r.config.listeners).toEqual({ http: 8000, https: 8443, host: '127.0.0.1' });
    expect(r.listeners).toEqual({ http: 8000, https: 8443 });
    expect(r.config.gateways[0]).toMatchObject({
      name: 'shop',
      protocol: 'http',
      virtualHosts: ['shop.localhost', '*.shop.localhost'],
    });
    expect(r.config.gateways[0]?.port).toBeUndefined();
    expect(r.config.gateways[0]?.tls).toBeUndefined();
  });

  it('leaves listeners unset without the key, and reads them from a value too', () => {
    const r = loadConfigText('gateways:\n  - name: g\n    port: 0\n');
    expect(r.ok && r.config.listeners).toBeUndefined();
    expect(r.ok && r.listeners).toBeUndefined();
    const v = loadConfigValue({ listeners: { https: 0, host: '0.0.0.0' }, gateways: [] });
    expect(v.ok && v.config.listeners).toEqual({ https: 0, host: '0.0.0.0' });
  });

  it('refuses unknown fields, non-ports and one port for both, on their lines', () => {
    expect(messages('listeners:\n  http: 8000\n  htps: 8443\n')).toEqual([
      "3: listeners: unknown field 'htps'; listeners has http, https, host",
    ]);
    expect(messages('listeners:\n  http: 70000\n')).toEqual([
      '2: listeners.http: 70000 must be a port, 1-65535 (or 0 for any free port)',
    ]);
    expect(messages('listeners: 8000\n')[0]).toMatch(/^1: listeners: must be a mapping/);
    expect(messages('listeners: {http: 8000, https: 8000}\n')[0]).toMatch(
      /listeners.https: 8000 is the http listener's port too/,
    );
  });

  it('keeps one listeners: in a stream of documents', () => {
    expect(messages('listeners: {http: 8000}\n---\nlisteners: {http: 8001}\n')).toEqual([
      '3: `listeners` is given in more than one document; keep one',
    ]);
  });

  it('needs a port or virtual hosts, and a shared port for a gateway with only virtual hosts', () => {
    expect(messages('gateways:\n  - name: g\n    routes: {}\n')[0]).toMatch(
      /^2: gateway 'g': port: a gateway needs a port, virtual_hosts, or both/,
    );
    expect(messages('name: g\nvirtual_hosts: [g.localhost]\n')).toEqual([
      "2: gateway 'g': virtual_hosts: virtual hosts are served on the shared listeners, and there are none; add listeners: {http: 8000} (or https: 8443) at the top of the document, or give the gateway a port",
    ]);
    expect(ok('name: g\nport: 0\nvirtual_hosts: [g.localhost]\n').gateways[0]?.virtualHosts).toEqual([
      'g.localhost',
    ]);
  });

  it.each([
    ['shop.localhost:8000', /has a port/],
    ['http://shop.localhost', /no scheme or path/],
    ['shop.localhost/api', /no scheme or path/],
    ['-shop.localhost', /is not a host name/],
    ['shop..localhost', /is not a host name/],
    ['*shop.localhost', /is not a host name/],
    ['a'.repeat(64) + '.localhost', /is not a host name/],
  ])('refuses the virtual host %j', (name, why) => {
    const found = messages(
      `listeners: {http: 8000}\ngateways:\n  - name: g\n    virtual_hosts: ["${name}"]\n`,
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^4: gateway 'g': virtual_hosts: /);
    expect(found[0]).toMatch(why);
  });

  it('refuses a virtual host claimed twice, naming both gateways', () => {
    const twice = `listeners: {http: 8000}
gateways:
  - name: a
    virtual_hosts: [shop.localhost]
  - name: b
    virtual_hosts: [SHOP.localhost]
`;
    expect(messages(twice)).toEqual([
      "6: gateway 'b': virtual_hosts: shop.localhost is claimed by gateway 'a'; each virtual host belongs to one gateway",
    ]);
    expect(
      messages('listeners: {http: 8000}\nname: a\nvirtual_hosts: [x.localhost, x.localhost]\n'),
    ).toHaveLength(1);
    // A disabled gateway claims nothing, as with ports.
    expect(() => ok(twice.replace('  - name: b\n', '  - name: b\n    enabled: false\n'))).not.toThrow();
  });

  it("refuses a gateway port that is a shared listener's, on the same address", () => {
    const clash = 'listeners: {http: 8000}\ngateways:\n  - name: g\n    port: 8000\n';
    expect(messages(clash)).toEqual([
      "4: gateway 'g': port: 8000 is the shared http listener's port (listeners.http); give the gateway another port, or only virtual_hosts",
    ]);
    expect(() => ok(clash.replace('port: 8000', 'port: 8000\n    host: 0.0.0.0'))).not.toThrow();
    expect(() => ok(clash.replace('port: 8000', 'port: 8000\n    enabled: false'))).not.toThrow();
  });
});

describe('tls and protocols of a gateway (issue 13)', () => {
  it('reads "/https" as tls auto, tls files as written, and plain ports as http', () => {
    expect(ok('name: g\nport: 8443/https\n').gateways[0]).toMatchObject({
      port: 8443,
      protocol: 'https',
      tls: { kind: 'auto' },
    });
    expect(ok('name: g\nport: 8443\ntls: {cert: ./c.pem, key: ./k.pem}\n').gateways[0]).toMatchObject({
      protocol: 'https',
      tls: { kind: 'files', certFile: './c.pem', keyFile: './k.pem' },
    });
    expect(ok('name: g\nport: 8080/http\n').gateways[0]).toMatchObject({ port: 8080, protocol: 'http' });
    expect(ok('name: g\nport: 8080/http\n').gateways[0]?.tls).toBeUndefined();
  });

  it('refuses tls on a "/http" port', () => {
    expect(messages('name: g\nport: 8080/http\ntls: auto\n')).toEqual([
      `3: gateway 'g': tls: a "/http" port does not speak TLS; remove tls, or write the port as "8080/https"`,
    ]);
  });

  it('reads tls_verify, ca and h2 on a route', () => {
    const [r] = ok(`name: g
port: 0
routes:
  grpc: { targets: [https://127.0.0.1:50051], tls_verify: false, ca: ./dev-ca.pem, h2: true }
`).gateways[0]!.routes;
    expect(r).toMatchObject({ tlsVerify: false, caFile: './dev-ca.pem', h2: true });
    const [plain] = ok('name: g\nport: 0\nroutes:\n  a: { targets: [127.0.0.1:1], tls_verify: true }\n')
      .gateways[0]!.routes;
    expect(plain?.tlsVerify).toBeUndefined();
    expect(plain?.h2).toBeUndefined();
  });
});

describe('tcp gateways (issue 13)', () => {
  it('normalises targets to tcp://host:port and lets sticky: route pin by address', () => {
    const g = ok(`name: db
port: 5433/tcp
sticky: route
routes:
  primary: { weight: 90%, targets: [127.0.0.1:5432] }
  replica: { weight: 10%, targets: ["tcp://db2.local:5432"] }
  "[127.0.0.1:5434]": { weight: 0% }
`).gateways[0]!;
    expect(g).toMatchObject({ port: 5433, protocol: 'tcp', sticky: 'route' });
    expect(g.routes.map((r) => r.targets)).toEqual([
      ['tcp://127.0.0.1:5432'],
      ['tcp://db2.local:5432'],
      ['tcp://127.0.0.1:5434'],
    ]);
  });

  it("reads Vamp's instances as tcp targets", () => {
    const g = ok(
      'name: db\nport: 5433/tcp\nroutes:\n  a: { instances: [{name: x, host: default, port: 5432}] }\n',
    ).gateways[0]!;
    expect(g.routes[0]?.targets).toEqual(['tcp://127.0.0.1:5432']);
  });

  it.each([
    ['targets: [http://127.0.0.1:1]', 'target', /uses http, not tcp/],
    ['targets: [127.0.0.1]', 'target', /has no port/],
    ['targets: [127.0.0.1:1], condition: "has cookie a"', 'condition', /picks routes by weight only/],
    ['targets: [127.0.0.1:1], rewrites: [{strip_prefix: /a}]', 'rewrites', /remove rewrites/],
    ['targets: [127.0.0.1:1], paths: [{match: /a}]', 'paths', /remove paths/],
    ['targets: [127.0.0.1:1], headers: {request: {remove: [x]}}', 'headers', /remove headers/],
    ['respond: {status: 200}', 'respond', /remove respond/],
    ['targets: [127.0.0.1:1], shadow: 100%', 'shadow', /remove shadow/],
    ['targets: [127.0.0.1:1], faults: {bandwidth: 1mbps}', 'faults', /remove faults/],
    ['targets: [127.0.0.1:1], h2: true', 'h2', /remove h2/],
    ['targets: [127.0.0.1:1], balance: hash header X-User', 'balance', /hash ip/],
  ])('refuses a route with %s', (route, field, why) => {
    const found = messages(`name: db\nport: 5433/tcp\nroutes:\n  a: { ${route} }\n`);
    expect(found.some((m) => m.includes(`gateway 'db': route 'a': ${field}: `) && why.test(m))).toBe(true);
  });

  it.each([
    ['virtual_hosts: [db.localhost]', 'virtual_hosts'],
    ['cors: {origins: "*"}', 'cors'],
    ['headers: {request: {remove: [x]}}', 'headers'],
    ['preserve_host: true', 'preserve_host'],
    ['semantics: aileron', 'semantics'],
    ['sticky: instance', 'sticky'],
    ['sticky_by: header X-User', 'sticky_by'],
  ])('refuses a gateway with %s', (field, name) => {
    const found = messages(`name: db\nport: 5433/tcp\n${field}\nroutes:\n  a: { targets: [127.0.0.1:1] }\n`);
    expect(found).toEqual([expect.stringMatching(new RegExp(`^3: gateway 'db': ${name}: a tcp gateway`))]);
  });

  it('accepts the harmless defaults and sticky_by: ip', () => {
    expect(() =>
      ok(
        'name: db\nport: 5433/tcp\npreserve_host: false\nvirtual_hosts: []\nsticky_by: ip\nroutes:\n  a: { targets: [127.0.0.1:1], h2: false }\n',
      ),
    ).not.toThrow();
  });

  it('refuses a tcp route chaining to another gateway', () => {
    const found = messages(`gateways:
  - name: db
    port: 5433/tcp
    routes:
      other: {}
  - name: other
    port: 5434/tcp
    routes:
      a: { targets: [127.0.0.1:1] }
`);
    expect(found).toEqual([
      expect.stringMatching(/^5: gateway 'db': route 'other': a tcp gateway cannot chain/),
    ]);
  });
});
