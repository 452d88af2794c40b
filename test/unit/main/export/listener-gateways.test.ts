import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfigText } from '../../../../shared/config/load.js';
import { exportConfig } from '../../../../main/export/export.js';

const YAML = `listeners: {http: 8000, https: 8443}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost, "*.shop.localhost"]
    tls: {cert: /srv/shop.pem, key: /srv/shop.key}
    routes:
      a: { targets: [http://127.0.0.1:3001] }
  - name: db
    port: 5433/tcp
    sticky: route
    routes:
      a: { targets: [127.0.0.1:5432], weight: 70% }
      b: { targets: [127.0.0.1:5434, 127.0.0.1:5435], weight: 30% }
  - name: web
    port: 9443/https
    virtual_hosts: [web.localhost]
    routes:
      a: { targets: [https://api.example.com], tls_verify: false }
      b: { targets: [http://127.0.0.1:3002], h2: true, ca: /srv/ca.pem }
`;

function exported(format: 'nginx' | 'haproxy' | 'gateway-api', opts: { fragment?: boolean } = {}) {
  const loaded = loadConfigText(YAML);
  if (!loaded.ok) throw new Error(loaded.issues[0]?.message);
  return exportConfig(loaded.config, format, { version: 'test', ...opts });
}

describe('exports of virtual hosts, TLS and TCP gateways (issue 13)', () => {
  it('nginx: server_name on the shared ports, ssl listens, a stream block for tcp', () => {
    const { text, warnings } = exported('nginx');
    expect(text).toContain('listen 127.0.0.1:8000;\n        server_name shop.localhost *.shop.localhost;');
    expect(text).toContain(
      'listen 127.0.0.1:8443 ssl http2;\n        server_name shop.localhost *.shop.localhost;\n        ssl_certificate /srv/shop.pem;\n        ssl_certificate_key /srv/shop.key;',
    );
    expect(text).toContain(
      'listen 127.0.0.1:9443 ssl http2;\n        ssl_certificate /etc/switchyard/certs/web.pem;',
    );
    expect(text).toContain('listen 127.0.0.1:8000 default_server;');
    expect(text).toContain('ssl_reject_handshake on;');
    expect(text).toContain('proxy_ssl_verify off;');
    expect(text).toContain('proxy_pass $sy2_scheme://$sy2_route');
    expect(text).toMatch(
      /\n}\n\n# TCP gateways.*\nstream \{\n {4}# gateway 'db' \(tcp\)\n {4}upstream sy1_tcp \{\n {8}hash \$remote_addr consistent;\n {8}server 127\.0\.0\.1:5432 weight=1000;/,
    );
    expect(text).toContain('server 127.0.0.1:5434 weight=214;');
    expect(text).toContain('listen 127.0.0.1:5433;');
    expect(warnings).toEqual(
      expect.arrayContaining([
        "gateway 'web': tls: auto (the local CA) is exported as /etc/switchyard/certs/web.pem and /etc/switchyard/certs/web.key: provide a certificate for web.localhost there",
        "gateway 'web': route 'b': h2 is not exported: the route is forwarded as HTTP/1.1",
      ]),
    );
    expect(warnings.filter((w) => w.includes('tls: auto'))).toHaveLength(1);
    expect(warnings.join('\n')).not.toMatch(/not exported yet|virtual_hosts are not exported/);
  });

  it('nginx: a fragment for http {} cannot hold the stream block, and says so', () => {
    const { text, warnings } = exported('nginx', { fragment: true });
    expect(text).not.toMatch(/^stream \{$/m);
    expect(warnings).toContain(
      'tcp gateways need a stream {} block at the top level of nginx.conf, which a fragment for http {} cannot hold: export without --fragment',
    );
  });

  it('HAProxy: shared frontends by Host, exact names before wildcards, TLS binds, mode tcp', () => {
    const { text, warnings } = exported('haproxy');
    expect(text).toContain(
      [
        'frontend sy_http',
        '    bind 127.0.0.1:8000',
        '    acl sy_vh0 req.hdr(host),field(1,:),lower -m str shop.localhost',
        '    acl sy_vh1 req.hdr(host),field(1,:),lower -m str web.localhost',
        '    acl sy_vh2 req.hdr(host),field(1,:),lower -m end .shop.localhost',
        '    use_backend sy0_vh if sy_vh0',
        '    use_backend sy2_vh if sy_vh1',
        '    use_backend sy0_vh if sy_vh2',
        '    default_backend sy_unknown_host',
      ].join('\n'),
    );
    expect(text).toContain(
      'bind 127.0.0.1:8443 ssl crt /srv/shop.pem crt /etc/switchyard/certs/web.pem alpn h2,http/1.1',
    );
    expect(text).toContain('bind 127.0.0.1:9443 ssl crt /etc/switchyard/certs/web.pem alpn h2,http/1.1');
    expect(text).toContain('bind abns@sy0_vh accept-proxy');
    expect(text).toContain('server s0 abns@sy0_vh send-proxy-v2');
    expect(text).toContain('server s0 api.example.com:443 ssl verify none sni str(api.example.com)');
    expect(text).toContain('server s0 127.0.0.1:3002 proto h2');
    expect(text).toContain('X-Forwarded-Proto https if { dst_port 9443 8443 }');
    expect(text).toMatch(/frontend sy1\n.*\n {4}mode tcp\n {4}bind 127\.0\.0\.1:5433/);
    expect(text).toContain('    balance source');
    expect(text).toContain("server s0 127.0.0.1:5432 weight 256  # route 'a'");
    expect(text).toContain("server s1 127.0.0.1:5434 weight 55  # route 'b'");
    expect(warnings).toEqual(
      expect.arrayContaining([
        "gateway 'shop': HAProxy reads the key from /srv/shop.pem itself or from /srv/shop.pem.key beside it: copy /srv/shop.key there",
        "gateway 'web': route 'b': HAProxy trusts only /srv/ca.pem for its targets (the engine trusts it besides the system's CAs)",
      ]),
    );
  });

  it('Gateway API: hostnames, a listener per shared port (per name on https), TLS Secrets, a TCPRoute', () => {
    const { text, warnings } = exported('gateway-api');
    const docs = parseAllDocuments(text).map(
      (d) => d.toJS() as { kind: string; metadata: { name: string }; spec: Record<string, unknown> },
    );
    expect(docs.map((d) => `${d.kind}/${d.metadata.name}`)).toEqual([
      'Gateway/switchyard',
      'HTTPRoute/shop',
      'TCPRoute/db',
      'HTTPRoute/web',
      'HTTPRoute/web-hosts',
    ]);
    const listeners = docs[0]!.spec.listeners as {
      name: string;
      port: number;
      protocol: string;
      hostname?: string;
    }[];
    expect(listeners.map((l) => [l.name, l.port, l.protocol, l.hostname])).toEqual([
      ['db', 5433, 'TCP', undefined],
      ['web', 9443, 'HTTPS', undefined],
      ['shared-http', 8000, 'HTTP', undefined],
      ['https-shop-localhost', 8443, 'HTTPS', 'shop.localhost'],
      ['https-wildcard-shop-localhost', 8443, 'HTTPS', '*.shop.localhost'],
      ['https-web-localhost', 8443, 'HTTPS', 'web.localhost'],
    ]);
    expect(docs[1]!.spec.hostnames).toEqual(['shop.localhost', '*.shop.localhost']);
    expect(docs[3]!.spec.hostnames).toBeUndefined();
    expect(docs[2]!.spec.rules).toEqual([
      {
        backendRefs: [
          { name: 'db-a', port: 5432, weight: 7000 },
          { name: 'db-b', port: 5434, weight: 3000 },
        ],
      },
    ]);
    expect(warnings).toEqual(
      expect.arrayContaining([
        "gateway 'shop': the HTTPS listener needs the Secret shop-tls: kubectl create secret tls shop-tls --cert=/srv/shop.pem --key=/srv/shop.key",
        "gateway 'db': exported as a TCPRoute (gateway.networking.k8s.io/v1alpha2): install the experimental channel CRDs",
        expect.stringContaining("route 'a' has https targets: add a BackendTLSPolicy"),
      ]),
    );
  });
});
