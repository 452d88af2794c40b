import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { GatewayConfig } from '../../../../shared/config/model.js';
import { hostName, VirtualHosts } from '../../../../main/engine/virtual-hosts.js';

const gateway = (name: string, virtualHosts: string[]): GatewayConfig =>
  ({ name, virtualHosts, enabled: true, routes: [] }) as unknown as GatewayConfig;

/** The rule written out the slow way: the exact name, else the longest wildcard whose suffix matches. */
function reference(table: [string, string][], host: string): string | undefined {
  const exact = table.find(([name]) => name === host);
  if (exact) return exact[1];
  const wild = table
    .filter(([name]) => name.startsWith('*.') && host.endsWith(name.slice(1)))
    .sort((a, b) => b[0].length - a[0].length);
  return wild[0]?.[1];
}

const label = fc.constantFrom('a', 'b', 'shop', 'api', 'eu', 'x');
const name = fc.array(label, { minLength: 1, maxLength: 4 }).map((ls) => ls.join('.'));

describe('virtual host lookup', () => {
  it('picks the exact name, then the longest wildcard, for any names and hosts', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(fc.boolean(), name), { maxLength: 8, selector: ([w, n]) => `${w}${n}` }),
        name,
        (entries, host) => {
          const table = entries.map(([wild, n], i) => [wild ? `*.${n}` : n, `g${i}`] as [string, string]);
          const hosts = new VirtualHosts(table.map(([n, g]) => gateway(g, [n])));
          expect(hosts.lookup(host)).toBe(reference(table, host));
          expect(hosts.lookup(`${host.toUpperCase()}:8443`)).toBe(reference(table, host));
        },
      ),
    );
  });

  it('reads any Host header without throwing', () => {
    fc.assert(fc.property(fc.string(), (h) => typeof hostName(h) === 'string'));
    expect(hostName('[::1]:8000')).toBe('::1');
    expect(hostName('Shop.Localhost.:8443')).toBe('shop.localhost');
  });

  it('ignores disabled and TCP gateways', () => {
    const hosts = new VirtualHosts([
      { ...gateway('off', ['off.localhost']), enabled: false },
      { ...gateway('tcp', ['tcp.localhost']), protocol: 'tcp' },
    ]);
    expect(hosts.lookup('off.localhost')).toBeUndefined();
    expect(hosts.lookup('tcp.localhost')).toBeUndefined();
  });
});
