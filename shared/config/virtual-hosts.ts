import { issue, type ConfigIssue } from './issues.js';
import type { GatewayConfig } from './model.js';

/** A DNS label: letters, digits and hyphens, 1-63 characters, no hyphen at either end. */
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * A virtual host as the shared listeners match it: lower case, and what is wrong with it when it is not
 * a DNS name or `*.` and one. Only names: the port is the listener's, the scheme is the listener's too.
 */
export function readVirtualHost(text: string): { name: string; problem?: string } {
  const name = text.trim().toLowerCase();
  const hint = 'write a name such as shop.localhost, or *.shop.localhost for any name under it';
  if (/^[a-z][a-z0-9+.-]*:\/\//.test(name) || name.includes('/'))
    return { name, problem: `${JSON.stringify(text)} is not a host name (no scheme or path); ${hint}` };
  if (name.includes(':'))
    return {
      name,
      problem: `${JSON.stringify(text)} has a port; the shared listeners' ports are set under listeners:, ${hint}`,
    };
  const labels = (name.startsWith('*.') ? name.slice(2) : name).split('.');
  if (!name || !labels.every((l) => LABEL.test(l)))
    return { name, problem: `${JSON.stringify(text)} is not a host name; ${hint}` };
  return { name };
}

/**
 * Issues for a name claimed twice: each request must have one gateway. Disabled gateways do not claim
 * their names (as with ports), so two alternatives can be kept and switched.
 */
export function virtualHostIssues(gateways: GatewayConfig[], indexOf: Map<string, number>): ConfigIssue[] {
  const owner = new Map<string, string>();
  const issues: ConfigIssue[] = [];
  for (const g of gateways) {
    const own = new Set<string>();
    (g.virtualHosts ?? []).forEach((name, i) => {
      const other = own.has(name) ? g.name : g.enabled ? owner.get(name) : undefined;
      if (other !== undefined) {
        const by = other === g.name ? 'this gateway already' : `gateway '${other}'`;
        issues.push(
          issue(
            { gateway: g.name, field: 'virtual_hosts', path: [indexOf.get(g.name) ?? 0, 'virtual_hosts', i] },
            `${name} is claimed by ${by}; each virtual host belongs to one gateway`,
          ),
        );
      }
      own.add(name);
      if (g.enabled) owner.set(name, g.name);
    });
  }
  return issues;
}
