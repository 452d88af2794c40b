import type { GatewayView } from '../../../shared/api/contract.js';
import type { InstanceHealth } from '../../../shared/status.js';

const WORDS: Record<InstanceHealth['state'], string> = {
  healthy: 'healthy',
  unhealthy: 'unhealthy',
  ejected: 'ejected',
};

/** The instances whose health the engine tracks (routes with health checks or passive health). */
export function healthOf(gateway: GatewayView, route?: string): InstanceHealth[] {
  const all = gateway.status?.health ?? [];
  return route === undefined ? all : all.filter((h) => h.route === route);
}

/** One instance's health in words, for the tooltip and screen readers. */
export function healthText(h: InstanceHealth, withRoute = false): string {
  return `${withRoute ? `${h.route}: ` : ''}${h.target} ${WORDS[h.state]}${h.reason ? ` (${h.reason})` : ''}`;
}

/**
 * A dot per instance, green when healthy and red when not (unhealthy or ejected), each with its state in
 * words for screen readers. Nothing when the engine tracks no instance here.
 */
export function HealthDots(props: { health: InstanceHealth[]; withRoute?: boolean; label: string }) {
  if (props.health.length === 0) return null;
  return (
    <span className="health-dots" role="list" aria-label={props.label}>
      {props.health.map((h) => (
        <span
          key={`${h.route} ${h.target}`}
          role="listitem"
          className={`health-dot ${h.state}`}
          title={healthText(h, props.withRoute)}
        >
          <span className="visually-hidden">{healthText(h, props.withRoute)}</span>
        </span>
      ))}
    </span>
  );
}
