import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { loadConfigText, loadConfigValue } from '../../../../shared/config/load.js';

/** Loading a configuration can only succeed or report problems: it never throws, whatever the text. */
const aliasBomb = `x-base: &base { weight: 50% }\ngateways:\n  - name: g\n    port: 0\n    routes:\n${Array.from(
  { length: 120 },
  (_, i) => `      r${i}: *base`,
).join('\n')}\n`;

describe('loadConfigText', () => {
  it('reports a YAML anchor used more than 100 times as a problem with its line', () => {
    const r = loadConfigText(aliasBomb);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.issues[0]!.message).toMatch(/^YAML: .*alias/i);
    expect(r.issues[0]!.line).toBeGreaterThan(0);
  });

  it('reports nesting deeper than the parser can go', () => {
    const r = loadConfigText(`gateways: ${'['.repeat(20_000)}${']'.repeat(20_000)}`);
    expect(r.ok).toBe(false);
  });

  it('never throws on random text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        const r = loadConfigText(text);
        expect(typeof r.ok).toBe('boolean');
      }),
      { numRuns: 500, seed: 42 },
    );
  });

  it('never throws on random YAML structures, nor on random gateway-shaped ones', () => {
    const scalar = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.integer(),
      fc.double(),
      fc.boolean(),
      fc.constant(null),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: 'small' },
        scalar,
        fc.array(tie('node'), { maxLength: 4 }),
        fc.dictionary(fc.string({ maxLength: 8 }), tie('node'), { maxKeys: 4 }),
      ),
    })).node;
    const gateway = fc.record(
      {
        name: fc.oneof(fc.string({ maxLength: 10 }), scalar),
        port: fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.string({ maxLength: 10 })),
        sticky: fc.oneof(fc.constantFrom('none', 'route', 'instance'), scalar),
        timeout: fc.oneof(fc.constantFrom('1s', '30s', '5m', '-1s'), scalar),
        routes: fc.dictionary(
          fc.string({ maxLength: 10 }),
          fc.record(
            {
              weight: fc.oneof(fc.constantFrom('50%', '100%', '0%', '33.3%'), scalar),
              condition: fc.oneof(
                fc.constantFrom(
                  'user-agent == Firefox',
                  'has cookie x',
                  '<path_beg /a>',
                  'path matches "^(a+)+$"',
                ),
                fc.string({ maxLength: 20 }),
              ),
              targets: fc.oneof(
                fc.constant(['http://127.0.0.1:1']),
                fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }),
                value,
              ),
              rewrites: fc.oneof(fc.array(value, { maxLength: 2 }), value),
            },
            { requiredKeys: [] },
          ),
          { maxKeys: 4 },
        ),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(fc.oneof(value, fc.record({ gateways: fc.array(gateway, { maxLength: 3 }) })), (v) => {
        expect(typeof loadConfigText(stringify(v)).ok).toBe('boolean');
        expect(typeof loadConfigValue(v).ok).toBe('boolean');
      }),
      { numRuns: 400, seed: 7 },
    );
  });
});
