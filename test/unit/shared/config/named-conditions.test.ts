import { describe, expect, it } from 'vitest';
import { loadConfigText, loadConfigValue } from '../../../../shared/config/load.js';
import { conditionUsers } from '../../../../shared/config/named-conditions.js';

function messages(yaml: string): string[] {
  const r = loadConfigText(yaml);
  if (r.ok) throw new Error('expected the configuration to be rejected');
  return r.issues.map((i) => (i.line ? `${i.line}: ${i.message}` : i.message));
}

const FILE = `conditions:
  beta-users: has cookie beta and user-agent == Firefox
  api: path starts-with /api
gateways:
  - name: shop
    port: 0
    routes:
      "[127.0.0.1:3001]": { weight: 100% }
      v2:
        targets: [127.0.0.1:3002]
        weight: 0%
        condition: beta-users
      v3:
        targets: [127.0.0.1:3003]
        weight: 0%
        condition: " api "
`;

describe("named conditions (Vamp's /conditions, top-level conditions:)", () => {
  it('a route that names a stored condition runs its definition, and says which it named', () => {
    const r = loadConfigText(FILE);
    if (!r.ok) throw new Error(r.issues.map((i) => i.message).join('\n'));
    expect(r.conditions).toEqual({
      'beta-users': 'has cookie beta and user-agent == Firefox',
      api: 'path starts-with /api',
    });
    const [, v2, v3] = r.config.gateways[0]!.routes;
    expect(v2).toMatchObject({
      condition: 'has cookie beta and user-agent == Firefox',
      conditionName: 'beta-users',
      conditionStrength: 100,
    });
    expect(v3).toMatchObject({ condition: 'path starts-with /api', conditionName: 'api' });
    expect(conditionUsers(r.config.gateways, 'beta-users')).toEqual([{ gateway: 'shop', route: 'v2' }]);
    // The sources stay as written: the name, not the definition.
    expect(r.sources[0]!.routes).toMatchObject({ v2: { condition: 'beta-users' } });
  });

  it('an inline condition stays inline', () => {
    const r = loadConfigText(FILE.replace('condition: beta-users', 'condition: has cookie beta'));
    if (!r.ok) throw new Error('invalid');
    expect(r.config.gateways[0]!.routes[1]).toMatchObject({ condition: 'has cookie beta' });
    expect(r.config.gateways[0]!.routes[1]!.conditionName).toBeUndefined();
  });

  it('an unknown name is an error naming the gateway and route and listing the stored names', () => {
    expect(messages(FILE.replace('condition: beta-users', 'condition: beta-testers'))).toEqual([
      "12: gateway 'shop': route 'v2': condition: 'beta-testers' is neither a stored condition nor a condition; stored conditions: beta-users, api",
    ]);
    expect(
      messages('name: g\nport: 0\nroutes:\n  a: { targets: [127.0.0.1:1], condition: premium }\n'),
    ).toEqual([
      "4: gateway 'g': route 'a': condition: 'premium' is neither a stored condition nor a condition; stored conditions: none",
    ]);
  });

  it('a stored condition that does not parse, or has a name Vamp refuses, is an error on its line', () => {
    const bad = FILE.replace('api: path starts-with /api', 'api: user-agent ==').replace(
      'beta-users: has',
      '"beta users": has',
    );
    const issues = messages(bad);
    expect(issues).toHaveLength(3);
    expect(issues[0]).toMatch(/^2: condition 'beta users': "beta users" is not a valid name/);
    expect(issues[1]).toMatch(/^3: condition 'api': .*"user-agent =="$/);
    // A route naming a condition that is not there is reported; one naming a broken one is not again.
    expect(issues[2]).toMatch(/^12: .*route 'v2': condition: 'beta-users' is neither a stored condition/);
  });

  it('a document of conditions alone, and values from the API, load', () => {
    const alone = loadConfigText('conditions:\n  beta: has cookie beta\n');
    expect(alone.ok && alone.conditions).toEqual({ beta: 'has cookie beta' });
    const value = loadConfigValue({
      conditions: { beta: 'has cookie beta' },
      gateways: [{ name: 'g', port: 0, routes: { a: { targets: ['127.0.0.1:1'], condition: 'beta' } } }],
    });
    expect(value.ok && value.config.gateways[0]!.routes[0]!.condition).toBe('has cookie beta');
    expect(messages('conditions: [a]\n')).toEqual([
      '1: `conditions` must be a mapping of names to conditions, e.g. `beta: has cookie beta`',
    ]);
  });
});
