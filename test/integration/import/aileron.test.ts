import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { importAileron, isAileron } from '../../../main/import/aileron.js';
import { request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { type Upstream } from '../../helpers/upstream.js';

/**
 * AILERON configurations imported and run: the same requests must go where the AILERON documents say.
 * The project's own test configuration covers the fields; the real examples in ../shared/fixtures/aileron
 * run too when present, with their public upstream URLs rewritten to local test servers.
 */
const cleanup = cleanupAfterEach();

const upstreams = (...names: string[]) => upstreamsFor(cleanup, ...names);

async function run(yaml: string) {
  const imported = importAileron(yaml);
  expect(imported.problems).toEqual([]);
  const gateways = imported.gateways.map((g) => ({ ...g, port: 0 }));
  const started = await startEngine({ gateways });
  cleanup.push(() => started.engine.stop(100));
  return { ...started, imported };
}

const AILERON = (a: Upstream, b: Upstream, c: Upstream) => `apiVersion: core/v1
kind: Entrypoint
spec:
  runners:
    - apiVersion: core/v1
      kind: HTTPServer
---
apiVersion: core/v1
kind: HTTPServer
metadata:
  name: edge
spec:
  addr: ":18555"
  virtualHosts:
    - handlers:
        - handler:
            apiVersion: core/v1
            kind: ReverseProxyHandler
            name: proxy
---
apiVersion: core/v1
kind: ReverseProxyHandler
metadata:
  name: proxy
spec:
  tripperwares:
    - apiVersion: core/v1
      kind: Something
  loadBalancers:
    - pathMatcher: { match: "/exact", matchType: Exact }
      upstreams: [{ url: "${a.url}" }]
    - pathMatcher: { match: "/items", matchType: Prefix, trimPrefix: "/api", appendPrefix: "/v1" }
      methods: [GET]
      headerMatchers:
        - { key: X-Env, patterns: [prod, stage] }
      upstreams: [{ url: "${b.url}" }]
    - pathMatcher: { match: "^/users/([0-9]+)$", matchType: Regex, rewrite: "/people/\${1}" }
      upstreams: [{ url: "${c.url}" }]
    - pathMatchers:
        - { match: ".json", matchType: Suffix }
        - { match: "/files/*.txt", matchType: Path }
      queryMatchers:
        - { key: fmt, patterns: ["^(raw|pretty)$"], matchType: Regex }
      upstreams:
        - { url: "${a.url}", weight: 3 }
        - { url: "${b.url}", weight: 1 }
        - { url: "${c.url}", weight: -1 }
      lbAlgorithm: RoundRobin
    - pathMatcher: { match: "beta", matchType: Contains }
      hosts: [beta.local]
      lbAlgorithm: RingHash
      hashers: [{ hashSource: Header, key: X-User }]
      upstreams: [{ url: "${a.url}" }, { url: "${b.url}" }, { url: "${c.url}" }]
`;

describe('AILERON import', () => {
  it('is detected by its documents', async () => {
    const [a, b, c] = await upstreams('a', 'b', 'c');
    expect(isAileron(AILERON(a!, b!, c!))).toBe(true);
    expect(isAileron('name: g\nport: 1\n')).toBe(false);
  });

  it('routes the same requests where the AILERON documents say, and reports what it cannot carry', async () => {
    const [a, b, c] = await upstreams('a', 'b', 'c');
    const { port, imported } = await run(AILERON(a!, b!, c!));
    expect(imported.gateways[0]).toMatchObject({
      name: 'edge',
      port: 18555,
      host: '127.0.0.1',
      no_route_status: 404,
    });
    expect(imported.notes).toEqual(
      expect.arrayContaining([
        expect.stringContaining("ReverseProxyHandler 'proxy': tripperwares has no counterpart"),
      ]),
    );
    const got = async (p: string, headers: Record<string, string> = {}, method = 'GET') => {
      const r = await request(port(), p, { headers, method });
      return r.status === 200
        ? `${r.json<{ name: string }>().name} ${r.json<{ url: string }>().url}`
        : String(r.status);
    };
    expect(await got('/exact')).toBe('a /exact');
    expect(await got('/exact/more')).toBe('404');
    // trimPrefix, then the match, then appendPrefix; methods and header matchers must hold too.
    expect(await got('/api/items/1', { 'x-env': 'stage' })).toBe('b /v1/items/1');
    expect(await got('/api/items/1', { 'x-env': 'dev' })).toBe('404');
    expect(await got('/api/items/1', { 'x-env': 'prod' }, 'POST')).toBe('404');
    expect(await got('/users/42')).toBe('c /people/42');
    // Weighted upstreams (3:1; the -1 one is disabled) and a query matcher.
    const seen = [];
    for (let i = 0; i < 8; i++) seen.push((await got('/data.json?fmt=raw')).split(' ')[0]);
    expect(seen.filter((n) => n === 'a')).toHaveLength(6);
    expect(seen.filter((n) => n === 'b')).toHaveLength(2);
    expect(await got('/files/notes.txt?fmt=pretty')).toMatch(/^[ab] \/files\/notes\.txt\?fmt=pretty$/);
    expect(await got('/data.json?fmt=other')).toBe('404');
    // Hosts and a ring hash by header: one user, one upstream.
    const first = await got('/beta/page', { host: 'beta.local', 'x-user': 'ann' });
    for (let i = 0; i < 5; i++)
      expect(await got('/beta/page', { host: 'beta.local', 'x-user': 'ann' })).toBe(first);
    expect(await got('/beta/page', { host: 'other.local' })).toBe('404');
  });
});

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures/aileron');
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures)
  console.warn(
    `AILERON example test skipped: ${FIXTURES} is not present (reference material beside the project).`,
  );

describe.skipIf(!haveFixtures)("AILERON's own examples", () => {
  it.each(haveFixtures ? readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')) : [])(
    '%s runs, with its upstreams on this machine',
    async (file) => {
      const [local] = await upstreams('local');
      // No test sends traffic off the machine: every upstream URL becomes the local test server.
      const text = readFileSync(path.join(FIXTURES, file), 'utf8').replace(
        /url: [^\s#]+/g,
        `url: ${local!.url}`,
      );
      const { port } = await run(text);
      const r = await request(port(), '/get', { headers: { 'hash-key': 'k1' } });
      expect(r.status).toBe(200);
      expect(r.json()).toMatchObject({ name: 'local', url: '/get' });
    },
  );
});
