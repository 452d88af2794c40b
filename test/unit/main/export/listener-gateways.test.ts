import { describe, expect, it } from 'vitest';
import { loadConfigText } from '../../../../shared/config/load.js';
import { exportConfig } from '../../../../main/export/export.js';

const YAML = `listeners: {http: 8000}
gateways:
  - name: shop
    virtual_hosts: [shop.localhost]
    routes:
      a: { targets: [http://127.0.0.1:3001] }
  - name: db
    port: 5433/tcp
    routes:
      a: { targets: [127.0.0.1:5432] }
  - name: web
    port: 8081
    virtual_hosts: [web.localhost]
    routes:
      a: { targets: [http://127.0.0.1:3002] }
`;

describe('exports of gateways on the shared listeners (issue 13)', () => {
  it.each(['nginx', 'haproxy'] as const)(
    '%s leaves out gateways without a port and tcp gateways, saying so',
    (format) => {
      const loaded = loadConfigText(YAML);
      if (!loaded.ok) throw new Error(loaded.issues[0]?.message);
      const result = exportConfig(loaded.config, format, { version: 'test' });
      expect(result.warnings).toEqual(
        expect.arrayContaining([
          "gateway 'shop' is not exported: it has no port of its own, and the shared listeners (virtual hosts) are not exported yet",
          "gateway 'db' is not exported: tcp gateways are not exported yet",
          'listeners are not exported yet',
          "gateway 'web': virtual_hosts are not exported: the export answers on the gateway's own port only",
        ]),
      );
      expect(result.text).toContain('8081');
      expect(result.text).not.toContain('5433');
    },
  );
});
