export type ListenerState = 'starting' | 'listening' | 'error' | 'stopped';

/** A shared port (top-level `listeners:`) as the engine reports it. */
export interface SharedListenerStatus {
  kind: 'http' | 'https';
  host: string;
  port: number;
  boundPort?: number;
  state: ListenerState;
  error?: string;
}

/** A gateway's listener as the engine reports it. */
export interface GatewayStatus {
  gateway: string;
  enabled: boolean;
  host: string;
  /** The configured port (unset for a gateway on the shared listeners only); `boundPort` is the one actually bound (they differ for port 0). */
  port?: number;
  boundPort?: number;
  /** What its own port speaks: http, https or tcp. */
  protocol?: 'http' | 'https' | 'tcp';
  /** Where a user reaches it: its own port and its virtual hosts on the shared listeners, e.g. https://shop.localhost:8443/. */
  urls?: string[];
  state: ListenerState;
  /** Why the listener is in error: the port is in use, no permission... */
  error?: string;
  /** Health of the instances of routes that have health checks or passive health (issue 15). */
  health?: InstanceHealth[];
}

/** An instance's health as the upstream registry knows it. */
export type InstanceHealthState = 'healthy' | 'unhealthy' | 'ejected';

/** One instance of a route with health checks or passive health, for the UI's health dots. */
export interface InstanceHealth {
  route: string;
  target: string;
  state: InstanceHealthState;
  /** Why it is in that state, in words (the last check's failure, the ejection's cause). */
  reason?: string;
  /** Epoch ms the state began. */
  since: number;
}
