import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { loadConfigText } from '../../../shared/config/load.js';
import { exportConfig } from '../../../main/export/export.js';

/**
 * Gateway API export: built and validated by @kubernetes-models/gateway-api (export throws on an invalid
 * document), and cross-checked against the standard-channel CRD schemas in ../shared/fixtures when present.
 */
const FIXTURES = path.resolve(import.meta.dirname, '../../../../shared/fixtures/gateway-api');
const haveFixtures = existsSync(FIXTURES);
if (!haveFixtures)
  console.warn(
    `Gateway API CRD cross-check skipped: ${FIXTURES} is not present (it is reference material beside the project).`,
  );

const CONFIG = `gateways:
  - name: shop
    port: 8080
    sticky: route
    routes:
      v1: { targets: [http://127.0.0.1:3001, http://127.0.0.1:3002], weight: 80% }
      v2:
        targets: [http://127.0.0.1:3003]
        weight: 20%
        condition: user-agent == Firefox or (path starts-with /beta and method == POST) or header X-Beta == yes or query ab matches "^b"
        condition_strength: 50%
      legacy:
        targets: [http://127.0.0.1:3004]
        weight: 0%
        condition: not has cookie modern
`;

/** Virtual hosts on both shared ports, a TLS port of its own, and a TCP gateway (issue 13). */
const LISTENERS = `listeners: {http: 8000, https: 8443}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost, "*.shop.localhost"]
    routes:
      a: { targets: [http://127.0.0.1:3001] }
  - name: web
    port: 9443/https
    virtual_hosts: [web.localhost]
    tls: {cert: /srv/web.pem, key: /srv/web.key}
    routes:
      a: { targets: [https://api.example.com] }
  - name: db
    port: 5433/tcp
    routes:
      a: { targets: [127.0.0.1:5432] }
`;

function exported(services: Record<string, string> = {}, config = CONFIG) {
  const loaded = loadConfigText(config);
  if (!loaded.ok) throw new Error('fixture invalid');
  const result = exportConfig(loaded.config, 'gateway-api', { version: 'test', services });
  const docs = parseAllDocuments(result.text).map((d) => (d as { toJS(): Record<string, unknown> }).toJS());
  return { result, docs };
}

describe('the Gateway API export', () => {
  it('spells out the strength and weights, the override header and the matches', () => {
    const { docs, result } = exported({ 'http://127.0.0.1:3001': 'web-v1' });
    expect(docs.map((d) => d.kind)).toEqual(['Gateway', 'HTTPRoute']);
    const rules = (
      docs[1]!.spec as { rules: { matches: unknown[]; backendRefs: { name: string; weight: number }[] }[] }
    ).rules;
    // Override rules, then the condition (50% to v2, the other 50% split 80/20), then the default weights.
    const conditionRule = rules.find((r) => r.backendRefs.length === 2 && r.matches.length === 4)!;
    expect(conditionRule.backendRefs).toEqual([
      { name: 'shop-v2', port: 3003, weight: 6000 },
      { name: 'web-v1', port: 3001, weight: 4000 },
    ]);
    expect(rules.at(-1)!.backendRefs).toEqual([
      { name: 'web-v1', port: 3001, weight: 8000 },
      { name: 'shop-v2', port: 3003, weight: 2000 },
    ]);
    expect(result.text).toContain(
      '# Service names derived from routes (map them with --service NAME=TARGET): shop-v2, shop-legacy',
    );
    expect(result.warnings).toEqual(
      expect.arrayContaining([
        expect.stringContaining("route 'legacy': the condition uses negation"),
        expect.stringContaining('sticky route has no counterpart'),
        expect.stringContaining('user-agent is Firefox is a substring test'),
      ]),
    );
  });

  it.skipIf(!haveFixtures)('validates against the standard-channel CRD schemas', () => {
    const ajv = new Ajv({ strict: false, allErrors: true });
    const schemaOf = (file: string) => {
      const crd = parseAllDocuments(readFileSync(path.join(FIXTURES, file), 'utf8'))[0] as unknown as {
        toJS(): { spec: { versions: { name: string; schema: { openAPIV3Schema: object } }[] } };
      };
      return crd.toJS().spec.versions.find((v) => v.name === 'v1')!.schema.openAPIV3Schema;
    };
    const validators = {
      Gateway: ajv.compile(schemaOf('gateway.networking.k8s.io_gateways.yaml')),
      HTTPRoute: ajv.compile(schemaOf('gateway.networking.k8s.io_httproutes.yaml')),
    };
    const docs = [...exported().docs, ...exported({}, LISTENERS).docs];
    // TCPRoute is experimental (v1alpha2): the fixtures hold the standard channel, so only the model checks it.
    expect(docs.filter((d) => d.kind === 'TCPRoute')).toHaveLength(1);
    for (const doc of docs.filter((d) => d.kind !== 'TCPRoute')) {
      const validate = validators[doc.kind as 'Gateway'];
      const ok = validate(doc);
      expect(ok ? [] : validate.errors).toEqual([]);
    }
  });
});
