import type { GatewayView, StatsSnapshot } from '../../../shared/api/contract.js';

/** A response that means the route is unwell: a 5xx, or none at all (status 0). */
export function isFailure(status: number): boolean {
  return status === 0 || status >= 500;
}

/** Above this share of failed requests in the last minute, a gateway is flagged in the sidebar. */
const FLAG_RATE = 0.05;

/**
 * What is wrong with a gateway, in words, for the sidebar's badge: it cannot listen, or a share of its
 * requests in the last minute failed. Undefined when nothing is.
 */
export function gatewayTrouble(g: GatewayView, stats: StatsSnapshot | undefined): string | undefined {
  if (g.config.enabled && g.status?.state === 'error') return `cannot listen: ${g.status.error}`;
  const s = stats?.gateways.find((x) => x.gateway === g.name);
  if (!s || s.requests === 0) return undefined;
  const rate = s.errors / s.requests;
  return rate > FLAG_RATE ? `${Math.round(rate * 100)}% of requests failed in the last minute` : undefined;
}
