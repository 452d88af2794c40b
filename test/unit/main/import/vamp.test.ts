import { describe, expect, it } from 'vitest';
import { importVamp } from '../../../../main/import/vamp.js';
import { loadConfigValue } from '../../../../shared/config/load.js';

describe('import --from vamp', () => {
  it('uses every --target given for one route as its instances', () => {
    const r = importVamp('name: sava\nport: 9070/http\nroutes:\n  sava:1.0/sava/port: { weight: 100% }\n', {
      'sava:1.0/sava/port': ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'],
    });
    expect(r.problems).toEqual([]);
    expect(r.gateways[0]!.routes).toEqual({
      'sava:1.0/sava/port': { weight: '100%', targets: ['http://127.0.0.1:3001', 'http://127.0.0.1:3002'] },
    });
  });

  it("keeps Vamp's instances, which run as they are, and words its notes for one field or several", () => {
    const r = importVamp(
      `name: vamp/sava/port
port: 40000/http
kind: gateway
active: true
routes:
  vamp/sava/sava:1.0.0/port:
    weight: 100%
    instances: [{ name: i1, host: default, port: 31463 }]
`,
      {},
    );
    expect(r.problems).toEqual([]);
    expect(r.notes).toEqual([
      "gateway 'vamp/sava/port': Vamp's kind, active describe its deployment and are dropped",
    ]);
    const loaded = loadConfigValue(r.gateways);
    expect(loaded.ok && loaded.config.gateways[0]!.routes[0]!.targets).toEqual(['http://127.0.0.1:31463']);
    const one = importVamp('name: g\nport: 1\nkind: gateway\nroutes: {}\n', {});
    expect(one.notes).toEqual(["gateway 'g': Vamp's kind describes its deployment and is dropped"]);
  });
});
