import { describe, expect, it } from 'vitest';
import type { Comparison, Subject } from '../../../../shared/conditions/ast.js';
import { compileCondition } from '../../../../shared/conditions/match.js';
import { parseCondition } from '../../../../shared/conditions/parser.js';
import type { RequestView } from '../../../../shared/conditions/request-view.js';
import { loadConfigText } from '../../../../shared/config/load.js';
import { CASE_INSENSITIVE, ignoresCase } from '../../../../shared/wire/case-folding.js';
import { exportConfig } from '../../../../main/export/export.js';

/** A request whose every operand holds `value`. */
function requestWith(value: string): RequestView {
  return {
    method: value,
    path: value,
    host: value,
    header: () => value,
    cookie: () => value,
    query: () => value,
  } as unknown as RequestView;
}

const OPERANDS: Record<Subject['kind'], string> = {
  'user-agent': 'user-agent',
  host: 'host',
  path: 'path',
  method: 'method',
  cookie: 'cookie c',
  header: 'header h',
  query: 'query q',
};
const OPERATORS: Record<Exclude<Comparison, 'matches'>, string> = {
  equals: '==',
  contains: 'contains',
  'starts-with': 'starts-with',
  'ends-with': 'ends-with',
};

describe('which operands compare without regard to case', () => {
  it('is what the engine does, for every operand and comparison', () => {
    for (const kind of Object.keys(CASE_INSENSITIVE) as Subject['kind'][])
      for (const op of Object.values(OPERATORS)) {
        const condition = `${OPERANDS[kind]} ${op} "Abc"`;
        const node = parseCondition(condition);
        // Vamp's words mean different comparisons per operand (`host contains` is equality).
        if (node.type !== 'test') throw new Error(condition);
        const matches = compileCondition(node);
        expect(matches(requestWith('Abc')), condition).toBe(true);
        expect(matches(requestWith('aBC')), condition).toBe(ignoresCase(kind, node.comparison));
      }
  });

  it('is what every export writes', async () => {
    const text = (condition: string) => `gateways:
  - name: g
    port: 8080
    routes:
      a: { targets: [127.0.0.1:3001], weight: 100% }
      b: { targets: [127.0.0.1:3002], weight: 0%, condition: '${condition}' }
`;
    const exported = (condition: string, format: 'nginx' | 'haproxy' | 'gateway-api') => {
      const loaded = loadConfigText(text(condition));
      if (!loaded.ok) throw new Error(JSON.stringify(loaded.issues));
      return exportConfig(loaded.config, format, { version: 'test' }).text;
    };
    // user-agent is case-sensitive (Vamp), aliases included; method is not; host == is the Host header exactly.
    expect(exported('user-agent == Firefox', 'nginx')).toContain('"~(Firefox)" 1;');
    expect(exported('user-agent contains bot', 'nginx')).toContain('"~bot" 1;');
    expect(exported('method == post', 'nginx')).toContain('"~*^post$" 1;');
    expect(exported('host == Api.local:8080', 'nginx')).toMatch(
      /map \$http_host \S+ \{\n\s+"~\^Api\\\.local:8080\$" 1;/,
    );
    expect(exported('user-agent == Firefox', 'haproxy')).toContain('req.hdr(user-agent) -m sub Firefox');
    expect(exported('method == post', 'haproxy')).toContain('method -i -m str post');
    expect(exported('host == Api.local:8080', 'haproxy')).toContain('req.hdr(host) -m str Api.local:8080');
    expect(exported('host starts-with api', 'haproxy')).toContain('req.hdr(host),field(1,:) -i -m beg api');
    expect(exported('user-agent == Firefox', 'gateway-api')).toContain('value: .*(Firefox).*');
  });
});
