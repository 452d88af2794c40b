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

/** The user's own layout, in the ways the YAML library would write differently from them. */
const STYLED = `# four-space indentation, flow lists without padding, a long line, quotes of every kind
gateways:
    -   name: shop
        port: 8080
        routes:
            v1:
                targets: [http://127.0.0.1:3001, http://127.0.0.1:3002]
                weight: 90%
            v2:
                targets: ['http://127.0.0.1:3003']
                weight: 10%
                condition: user-agent == Firefox and has cookie beta and header X-Team has payments and path starts-with /api
            "[127.0.0.1:4000]": {weight: 0%}
    -   name: admin
        port: "8081"
        x-note: >
            folded
            text
        routes: [a]
# trailing comment, no blank line before it
`;

describe('syncYaml leaves the formatting of what it did not change as the user wrote it', () => {
  it('writes the same text back when nothing changed', () => {
    expect(syncYaml(STYLED, parse(STYLED).gateways)).toBe(STYLED);
  });

  it('changes only the lines of the values that changed', () => {
    const source = parse(STYLED).gateways;
    source[0].routes.v1.weight = '50%';
    source[0].routes.v2.weight = '50%';
    expect(syncYaml(STYLED, source)).toBe(
      STYLED.replace('weight: 90%', 'weight: 50%').replace('weight: 10%', 'weight: 50%'),
    );
  });

  it('keeps [a] as [a]', () => {
    const text = 'gateways:\n  - name: a\n    port: 1\n    routes: [a]\n';
    const source = parse(text).gateways;
    source[0].port = 2;
    expect(syncYaml(text, source)).toBe('gateways:\n  - name: a\n    port: 2\n    routes: [a]\n');
  });

  it('adds and removes fields in the file, and the result reads as the sources say', () => {
    const source = parse(STYLED).gateways;
    source[0].timeout = '10s';
    delete source[1]['x-note'];
    const out = syncYaml(STYLED, source);
    expect(parse(out).gateways).toEqual(source);
    expect(out).toContain('targets: [http://127.0.0.1:3001, http://127.0.0.1:3002]');
    expect(out).toContain("targets: ['http://127.0.0.1:3003']");
    expect(out).toContain('# trailing comment, no blank line before it');
  });
});

describe('syncYaml writes the named conditions as a top-level conditions: mapping', () => {
  const WITH = `# conditions first
conditions:
  beta: has cookie beta # the beta testers
  ff: user-agent == Firefox
${FILE.split('\n').slice(1).join('\n')}`;

  it('changes only the condition that changed, keeps the others and their comments, removes the key when none are left', () => {
    const source = parse(WITH).gateways;
    expect(syncYaml(WITH, source, { beta: 'has cookie gamma', ff: 'user-agent == Firefox' })).toBe(
      WITH.replace('beta: has cookie beta #', 'beta: has cookie gamma #'),
    );
    expect(syncYaml(WITH, source, { beta: 'has cookie beta' })).toBe(
      WITH.replace('  ff: user-agent == Firefox\n', ''),
    );
    expect(parse(syncYaml(WITH, source, {}))).toEqual({ gateways: parse(FILE).gateways });
    // Without conditions to write (an older caller), the file's are left alone.
    expect(syncYaml(WITH, source)).toBe(WITH);
  });

  it('adds the key first (above the comment on gateways:); a bare list becomes a gateways: document, a stream gets a document of its own', () => {
    const source = parse(FILE).gateways;
    expect(syncYaml(FILE, source, { beta: 'has cookie beta' })).toBe(
      `conditions:\n  beta: has cookie beta\n${FILE}`,
    );
    const list = '- name: a\n  port: 1\n';
    expect(parse(syncYaml(list, [{ name: 'a', port: 1 }], { beta: 'has cookie beta' }))).toEqual({
      gateways: [{ name: 'a', port: 1 }],
      conditions: { beta: 'has cookie beta' },
    });
    const stream = '---\nname: a\nport: 1\n---\nname: b\nport: 2\n';
    const out = syncYaml(
      stream,
      [
        { name: 'a', port: 1 },
        { name: 'b', port: 3 },
      ],
      { beta: 'has cookie beta' },
    );
    expect(parseAllDocuments(out).map((d) => d.toJS())).toEqual([
      { conditions: { beta: 'has cookie beta' } },
      { name: 'a', port: 1 },
      { name: 'b', port: 3 },
    ]);
    // And it goes again when the last condition does.
    expect(
      syncYaml(
        out,
        [
          { name: 'a', port: 1 },
          { name: 'b', port: 3 },
        ],
        {},
      ),
    ).toBe(stream.replace('port: 2', 'port: 3'));
  });
});

describe('syncYaml writes the shared listeners as a top-level listeners: mapping (issue 13)', () => {
  const WITH = `# the shared ports
listeners:
  http: 8000 # plain
  https: 8443
${FILE.split('\n').slice(1).join('\n')}`;

  it('changes only the port that changed, keeps comments, and removes the key with null', () => {
    const source = parse(WITH).gateways;
    expect(syncYaml(WITH, source, undefined, { http: 8001, https: 8443 })).toBe(
      WITH.replace('http: 8000 #', 'http: 8001 #'),
    );
    expect(parse(syncYaml(WITH, source, undefined, null))).toEqual({ gateways: parse(FILE).gateways });
    // Without listeners to write, the file's are left alone; conditions beside them too.
    expect(syncYaml(WITH, source)).toBe(WITH);
    expect(parse(syncYaml(WITH, source, { beta: 'has cookie beta' }))).toMatchObject({
      listeners: { http: 8000, https: 8443 },
      conditions: { beta: 'has cookie beta' },
    });
  });

  it('adds the key first; a bare list becomes a gateways: document, a stream gets it in a document of its own', () => {
    const source = parse(FILE).gateways;
    expect(syncYaml(FILE, source, undefined, { http: 8000 })).toBe(`listeners:\n  http: 8000\n${FILE}`);
    const list = '- name: a\n  port: 1\n';
    expect(parse(syncYaml(list, [{ name: 'a', port: 1 }], {}, { https: 8443 }))).toEqual({
      gateways: [{ name: 'a', port: 1 }],
      listeners: { https: 8443 },
    });
    const stream = '---\nname: a\nport: 1\n---\nname: b\nport: 2\n';
    const both = [
      { name: 'a', port: 1 },
      { name: 'b', virtual_hosts: ['b.localhost'] },
    ];
    const out = syncYaml(stream, both, {}, { http: 8000 });
    expect(parseAllDocuments(out).map((d) => d.toJS())).toEqual([
      { listeners: { http: 8000 } },
      { name: 'a', port: 1 },
      { name: 'b', virtual_hosts: ['b.localhost'] },
    ]);
    expect(parseAllDocuments(syncYaml(out, both, {}, null)).map((d) => d.toJS())).toEqual([
      { name: 'a', port: 1 },
      { name: 'b', virtual_hosts: ['b.localhost'] },
    ]);
    expect(parse(syncYaml('', [], undefined, { http: 8000 }))).toEqual({
      listeners: { http: 8000 },
      gateways: [],
    });
  });
});
