import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { syncYaml } from '../../../../main/api/yaml-sync.js';

const FILE = `# Switchyard gateways for the shop team
gateways:
  # the storefront
  - name: shop
    port: 8080 # fixed, the app expects it
    sticky: route
    routes:
      "[127.0.0.1:3001]":
        weight: 90% # stable
      "[127.0.0.1:3002]":
        weight: 10% # canary
  - name: admin
    port: 8081
    routes:
      "[127.0.0.1:4000]": {}
`;

describe("syncYaml keeps the user's comments and layout", () => {
  it('changes only the weights that changed', () => {
    const source = parse(FILE).gateways;
    source[0].routes['[127.0.0.1:3001]'].weight = '50%';
    source[0].routes['[127.0.0.1:3002]'].weight = '50%';
    const out = syncYaml(FILE, source);
    expect(out).toBe(
      FILE.replace('weight: 90% # stable', 'weight: 50% # stable').replace(
        'weight: 10% # canary',
        'weight: 50% # canary',
      ),
    );
  });

  it('adds, removes and renames gateways and fields, leaving the rest as written', () => {
    const source = parse(FILE).gateways;
    source.splice(1, 1);
    source[0].timeout = '10s';
    delete source[0].sticky;
    source.push({ name: 'api', port: 9000, routes: { '[127.0.0.1:5000]': { weight: '100%' } } });
    const out = syncYaml(FILE, source);
    expect(parse(out).gateways).toEqual(source);
    for (const comment of [
      '# Switchyard gateways for the shop team',
      '# the storefront',
      '# fixed, the app expects it',
      '# stable',
      '# canary',
    ]) {
      expect(out).toContain(comment);
    }
    expect(out).not.toContain('admin');
  });

  it('keeps a stream of gateway documents a stream', () => {
    const stream = `---
# first
name: a
port: 1 # one
---
name: b
port: 2
`;
    const out = syncYaml(stream, [
      { name: 'a', port: 10 },
      { name: 'b', port: 2 },
      { name: 'c', port: 3 },
    ]);
    expect(parseAllDocuments(out).map((d) => (d as { toJS(): unknown }).toJS())).toEqual([
      { name: 'a', port: 10 },
      { name: 'b', port: 2 },
      { name: 'c', port: 3 },
    ]);
    expect(out).toContain('# first');
    expect(out).toContain('port: 10 # one');
  });

  it('writes a fresh gateways list when the file was empty', () => {
    expect(parse(syncYaml('', [{ name: 'a', port: 1 }]))).toEqual({ gateways: [{ name: 'a', port: 1 }] });
  });
});
