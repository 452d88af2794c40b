export type ListenerState = 'starting' | 'listening' | 'error' | 'stopped';

/** A gateway's listener as the engine reports it. */
export interface GatewayStatus {
  gateway: string;
  enabled: boolean;
  host: string;
  /** The configured port; `boundPort` is the one actually bound (they differ for port 0). */
  port: number;
  boundPort?: number;
  state: ListenerState;
  /** Why the listener is in error: the port is in use, no permission... */
  error?: string;
}
