import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { exportConfig } from '../../../main/export/export.js';
import { loadConfigText } from '../../../shared/config/load.js';
import { cleanupAfterEach } from '../../helpers/cleanup.js';
import { eventually, request } from '../../helpers/client.js';
import { checkExported, HAPROXY, NGINX, runExported } from '../../helpers/production-proxies.js';
import { startUpstream, type Upstream } from '../../helpers/upstream.js';

/**
 * Shadow traffic in the exports (issue 14): nginx mirrors to an internal location, the Gateway API gets
 * a RequestMirror filter, HAProxy warns (no mirror without SPOE), and `compare` is warned about in all.
 */
const SHADOW = (port: number, stable: string, candidate: string, percent = '100%') => `gateways:
  - name: shop
    port: ${port}
    routes:
      stable: { target: "${stable}", weight: 100% }
      candidate:
        target: "${candidate}"
        weight: 0%
        shadow: ${percent}
        compare: { ignore: ["header:date"] }
`;

const cleanup = cleanupAfterEach();

function exported(yaml: string, format: 'nginx' | 'haproxy' | 'gateway-api') {
  const loaded = loadConfigText(yaml);
  if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
  return exportConfig(loaded.config, format, {
    version: 't',
    ...(format === 'nginx' ? { fragment: true } : {}),
  });
}

describe('shadow and compare in the exports', () => {
  const yaml = SHADOW(18490, 'http://127.0.0.1:3001', 'http://127.0.0.1:3002', '25%');

  it('nginx mirrors to an internal location with the share and the methods, and nginx -t accepts it', async () => {
    const r = exported(yaml, 'nginx');
    expect(r.text).toMatch(/mirror \/_switchyard_shadow\/\w+_r1;/);
    expect(r.text).toContain('mirror_request_body on;');
    expect(r.text).toMatch(/split_clients "\$request_id" \$\w+_shadow1 \{\n {4}25% 1;/);
    expect(r.text).toContain('if ($request_method !~ ^(GET|HEAD)$) {');
    expect(r.text).toContain('proxy_set_header X-Switchyard-Shadow 1;');
    expect(r.warnings.join('\n')).toMatch(/route 'candidate': compare .* is not exported/);
    expect(r.warnings.join('\n')).not.toMatch(/shadow 25% is not exported/);
    if (NGINX.binary) expect(await checkExported(NGINX, r.text)).toMatchObject({ ok: true });
  });

  it('HAProxy warns that shadow and compare are not exported, and haproxy -c accepts it', async () => {
    const r = exported(yaml, 'haproxy');
    const w = r.warnings.join('\n');
    expect(w).toMatch(/route 'candidate': shadow 25% is not exported: .*SPOE/);
    expect(w).toMatch(/route 'candidate': compare .* is not exported/);
    expect(r.text).toMatch(/shadow 25% is not exported/); // also in the header comment
    if (HAPROXY.binary) expect(await checkExported(HAPROXY, r.text)).toMatchObject({ ok: true });
  });

  it('the Gateway API mirrors with a RequestMirror filter on the rules that do not go to the shadow route', () => {
    const r = exported(yaml, 'gateway-api');
    const route = parseAllDocuments(r.text)
      .map((d) => d.toJS() as { kind: string; spec: { rules: Rule[] } })
      .find((d) => d.kind === 'HTTPRoute')!;
    type Rule = { backendRefs: { name: string }[]; filters?: { type: string; requestMirror?: unknown }[] };
    const mirrored = route.spec.rules.filter((x) => x.filters?.some((f) => f.type === 'RequestMirror'));
    const unmirrored = route.spec.rules.filter((x) => !mirrored.includes(x));
    expect(unmirrored.map((x) => x.backendRefs.map((b) => b.name))).toEqual([['shop-candidate']]);
    expect(mirrored.length).toBeGreaterThan(0);
    expect(mirrored[0]!.filters!.find((f) => f.type === 'RequestMirror')!.requestMirror).toEqual({
      backendRef: { name: 'shop-candidate', port: 3002 },
      percent: 25,
    });
    const w = r.warnings.join('\n');
    expect(w).toMatch(/RequestMirror filter, which mirrors every method/);
    expect(w).toMatch(/route 'candidate': compare .* is not exported/);
  });
});

describe.skipIf(!NGINX.binary)('the nginx export mirrors for real', () => {
  async function up(name: string): Promise<Upstream> {
    const u = await startUpstream(name);
    cleanup.push(() => u.close());
    return u;
  }

  it('sends the candidate a copy of a GET with X-Switchyard-Shadow: 1, not of a POST, and answers from stable', async () => {
    const stable = await up('stable');
    const candidate = await up('candidate');
    const running = await runExported(NGINX, SHADOW(18491, stable.url, candidate.url));
    cleanup.push(() => running.stop());
    const got = await request(running.port, '/items/1?x=2');
    expect(got.status).toBe(200);
    expect(got.headers['x-upstream']).toBe('stable');
    await eventually(() => candidate.requests.length === 1, 3000, 'the shadow copy');
    expect(candidate.requests[0]).toMatchObject({ method: 'GET', url: '/items/1?x=2' });
    expect(candidate.requests[0]!.headers['x-switchyard-shadow']).toBe('1');
    const posted = await request(running.port, '/items', { method: 'POST', body: 'x' });
    expect(posted.headers['x-upstream']).toBe('stable');
    await new Promise((r) => setTimeout(r, 300));
    expect(candidate.requests.length).toBe(1);
    expect(stable.requests.length).toBe(2);
  });
});
