import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { importAileron } from '../../../main/import/aileron.js';
import { validate } from '../../../main/cli/validate.js';
import { cleanupAfterEach, upstreamsFor } from '../../helpers/cleanup.js';
import { request } from '../../helpers/client.js';
import { startEngine } from '../../helpers/engine.js';
import { closedPort, type Upstream } from '../../helpers/upstream.js';

/**
 * AILERON's semantics, request by request through a real gateway (which upstream, which path), as
 * aileron-gateway core/httpproxy matcher.go, loadbalancer.go, hasher.go, util.go and handler.go have them.
 */
const cleanup = cleanupAfterEach();

async function run(yaml: string) {
  const imported = importAileron(yaml);
  expect(imported.problems).toEqual([]);
  const gateways = imported.gateways.map((g) => ({ ...g, port: 0 }));
  const started = await startEngine({ gateways });
  cleanup.push(() => started.engine.stop(100));
  const got = async (p: string, headers: Record<string, string> = {}) => {
    const r = await request(started.port(), p, { headers });
    return r.status === 200
      ? `${r.json<{ name: string }>().name} ${r.json<{ url: string }>().url}`
      : String(r.status);
  };
  return { ...started, got };
}

const doc = (lbs: string) => `apiVersion: core/v1
kind: HTTPServer
spec:
  addr: ":8080"
  virtualHosts:
    - handlers:
        - handler: { apiVersion: core/v1, kind: ReverseProxyHandler }
---
apiVersion: core/v1
kind: ReverseProxyHandler
spec:
  loadBalancers:
${lbs}`;

describe('AILERON semantics through a gateway', () => {
  it('trimPrefix is removed only when present, for every pathMatchers entry with its own rewrite', async () => {
    const [a, b] = await upstreamsFor(cleanup, 'a', 'b');
    const { got } = await run(
      doc(`    - pathMatchers:
        - { match: /items, matchType: Prefix, trimPrefix: /api, appendPrefix: /v1 }
        - { match: "^/users/([0-9]+)$", matchType: Regex, trimPrefix: /old, rewrite: "/people/\${1}" }
      upstreams: [{ url: "${a!.url}" }]
    - pathMatcher: { match: /, matchType: Prefix }
      upstreams: [{ url: "${b!.url}/ignored/base" }]
`),
    );
    expect(await got('/api/items/1')).toBe('a /v1/items/1');
    expect(await got('/items/1')).toBe('a /v1/items/1');
    expect(await got('/old/users/7')).toBe('a /people/7');
    expect(await got('/users/7')).toBe('a /people/7');
    // The upstream URL's path is replaced by the request's (toProxyURL), not prepended.
    expect(await got('/other?q=1')).toBe('b /other?q=1');
  });

  it('hosts compare the Host header exactly, port included', async () => {
    const [a] = await upstreamsFor(cleanup, 'a');
    const { got } = await run(
      doc(`    - pathMatcher: { match: /, matchType: Prefix }
      hosts: ["beta.local:8080"]
      upstreams: [{ url: "${a!.url}" }]
`),
    );
    expect(await got('/x', { host: 'beta.local:8080' })).toBe('a /x');
    expect(await got('/x', { host: 'beta.local' })).toBe('404');
    expect(await got('/x', { host: 'BETA.local:8080' })).toBe('404');
  });

  it('DirectHash, RingHash and Maglev hash a missing key as the empty value: one upstream', async () => {
    const ups = await upstreamsFor(cleanup, 'a', 'b', 'c', 'd');
    for (const algorithm of ['DirectHash', 'RingHash', 'Maglev']) {
      const { got } = await run(
        doc(`    - pathMatcher: { match: /, matchType: Prefix }
      lbAlgorithm: ${algorithm}
      hasher: { hashSource: Header, key: X-User }
      upstreams: [${ups.map((u) => `{ url: "${u.url}" }`).join(', ')}]
`),
      );
      const seen = new Set<string>();
      for (let i = 0; i < 12; i++) seen.add(await got('/k'));
      expect(seen.size).toBe(1);
    }
  });

  it("appends to a client's X-Forwarded-For and answers an unreachable upstream as AILERON's error handler", async () => {
    const [a] = await upstreamsFor(cleanup, 'a');
    const dead = await closedPort();
    const { port } = await run(
      doc(`    - pathMatcher: { match: /dead, matchType: Prefix }
      upstreams: [{ url: "http://127.0.0.1:${dead}" }]
    - pathMatcher: { match: /, matchType: Prefix }
      upstreams: [{ url: "${a!.url}" }]
`),
    );
    const r = await request(port(), '/x', { headers: { 'x-forwarded-for': '10.1.2.3' } });
    expect(r.json<{ headers: Record<string, string> }>().headers['x-forwarded-for']).toBe(
      '10.1.2.3, 127.0.0.1',
    );
    const failed = await request(port(), '/dead');
    expect(failed.status).toBe(500);
    expect(failed.headers['content-type']).toBe('application/json');
    expect(JSON.parse(failed.body)).toEqual({ status: 500, statusText: 'Internal Server Error' });
    const none = await request(port(), '/x', { headers: { host: 'h' } });
    expect(none.status).toBe(200);
  });

  it('switchyard validate accepts an AILERON file that serve runs', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'sy-aileron-'));
    const file = path.join(dir, 'aileron.yaml');
    await writeFile(
      file,
      doc(`    - pathMatcher: { match: /, matchType: Prefix, trimPrefix: /api }
      upstreams: [{ url: "http://127.0.0.1:9" }]
`),
    );
    const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
    const err = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    try {
      expect(await validate(file)).toBe(0);
      expect(log.mock.calls.flat().join('\n')).toContain('valid (AILERON)');
    } finally {
      log.mockRestore();
      err.mockRestore();
    }
  });
});

const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures/aileron');
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures)
  console.warn(
    `AILERON request-by-request test skipped: ${FIXTURES} is not present (reference material beside the project).`,
  );

describe.skipIf(!haveFixtures)("AILERON's own examples, request by request", () => {
  /** Each example's upstream URLs, in order, become local servers u0, u1, ... */
  async function local(file: string): Promise<{ text: string; ups: Upstream[] }> {
    const text = readFileSync(path.join(FIXTURES, file), 'utf8');
    const urls = [...text.matchAll(/url: ([^\s#]+)/g)].map((m) => m[1] as string);
    const ups = await upstreamsFor(cleanup, ...urls.map((_, i) => `u${i}`));
    let k = 0;
    return { text: text.replace(/url: [^\s#]+/g, () => `url: ${ups[k++]!.url}`), ups };
  }

  it.each(haveFixtures ? readdirSync(FIXTURES).filter((f) => f.endsWith('.yaml')) : [])(
    '%s',
    async (file) => {
      const { text, ups } = await local(file);
      const { got } = await run(text);
      const names = ups.map((u) => u.name);
      if (file.includes('ring-hash')) {
        // Hash-Key: the same key, the same upstream; no key, one upstream too (the empty value).
        const first = await got('/get?x=1', { 'hash-key': 'k1' });
        for (let i = 0; i < 5; i++) expect(await got('/get?x=1', { 'hash-key': 'k1' })).toBe(first);
        const keyless = new Set<string>();
        for (let i = 0; i < 5; i++) keyless.add(await got('/anything'));
        expect(keyless.size).toBe(1);
        return;
      }
      if (file.includes('round-robin')) {
        const seen = [];
        for (let i = 0; i < names.length * 2; i++) seen.push((await got('/get')).split(' ')[0]);
        expect(new Set(seen)).toEqual(new Set(names));
        return;
      }
      // Every request reaches one of the example's upstreams with its path unchanged.
      for (const p of ['/get', '/anything/deep?q=1', '/']) {
        const answer = await got(p);
        const [name, forwarded] = answer.split(' ');
        expect(names).toContain(name);
        expect(forwarded).toBe(p);
      }
    },
  );
});
