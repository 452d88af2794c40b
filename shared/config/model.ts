/**
 * The validated, normalised gateway model that the engine runs. Users write gateways in YAML or JSON
 * (see schema.ts); normalize.ts turns it into this, with every default filled in and every weight resolved.
 */

export type StickyMode = 'none' | 'route' | 'instance';

/** `sticky_by`: hash this key to pick the route, so the same user gets the same variant from any client. */
export type StickyKey = { source: 'header' | 'cookie' | 'query'; name: string } | { source: 'ip' };

/** A rewrite of the forwarded path, applied in order; `condition` (when set) must match for it to apply. */
export type Rewrite = { condition?: string } & (
  | { type: 'path'; template: string }
  | { type: 'strip_prefix'; prefix: string }
  | { type: 'add_prefix'; prefix: string }
  | { type: 'replace'; regex: string; with: string }
);

export interface RouteConfig {
  /** The route's key as written: a name, `[host:port]`, or the name of another gateway. */
  name: string;
  /** Instance URLs (http or https, optionally with a base path); empty when the route chains to a gateway. */
  targets: string[];
  /** Set when the route hands requests to another gateway's routing. */
  gateway?: string;
  /** Effective weight in percent after unweighted routes shared the rest. */
  weight: number;
  /** Whether the weight was written, or shared out. */
  weightSet: boolean;
  /** The condition as it runs: a stored condition's definition when the route named one. */
  condition?: string;
  /** The stored condition (`conditions:`, /api/v1/conditions) the route's `condition` named, if any. */
  conditionName?: string;
  /** Percent of requests matching the condition that go to this route. */
  conditionStrength: number;
  rewrites: Rewrite[];
  /** Relative weights of the targets, when they are not all equal. */
  targetWeights?: number[];
  balance: Balance;
  /** Path matchers (AILERON's pathMatchers); when set, the route matches only where one of them does. */
  paths?: PathMatcher[];
  /** Vamp instance names, one per target, when the route listed `instances`. */
  instanceNames?: string[];
  healthCheck?: HealthCheck;
  passive?: PassiveHealth;
  faults?: Faults;
  headers?: HeaderRules;
  /** Set on a mock route: it answers this itself and has no targets. */
  respond?: MockResponse;
  /** Set when the route receives shadow copies of the gateway's traffic. */
  shadow?: ShadowConfig;
  /** Upstream TLS for https:// targets: `false` turns off verifying certificates, which are otherwise checked against the system store and the local CA. */
  tlsVerify?: false;
  /** A CA certificate file (PEM) trusted for this route's https:// targets, beside the defaults. */
  caFile?: string;
  /** Forward as HTTP/2 (h2c for http://, ALPN h2 for https://), trailers kept: gRPC upstreams. */
  h2?: boolean;
}

/** A shadow route: copies of some of the gateway's requests, answers compared with the primary's. */
export interface ShadowConfig {
  /** Percent of the gateway's requests copied. */
  percent: number;
  /** Methods mirrored, upper case. */
  methods: string[];
  /** Ignore rules (shared/compare/diff.ts). */
  ignore: string[];
  /** Learn noise by asking the primary twice now and then. */
  noise: boolean;
}

export interface HealthCheck {
  path: string;
  intervalMs: number;
  timeoutMs: number;
  unhealthyAfter: number;
  healthyAfter: number;
}

export interface PassiveHealth {
  failures: number;
  withinMs: number;
  ejectForMs: number;
}

export interface Faults {
  delay?: { percent: number; durationMs: number };
  /** `status: 'reset'` closes the connection instead of answering. */
  abort?: { percent: number; status: number | 'reset' };
  /** Bytes per second each response is held to. */
  bandwidthBps?: number;
  /** Whether X-Switchyard-Fault-* request headers inject faults. */
  headerControl: boolean;
}

export interface HeaderOps {
  set?: Record<string, string>;
  add?: Record<string, string>;
  remove?: string[];
}

export interface HeaderRules {
  request?: HeaderOps;
  response?: HeaderOps;
}

export interface MockResponse {
  status: number;
  headers: Record<string, string>;
  body?: string;
  bodyFile?: string;
}

export interface CorsConfig {
  /** Allowed origins, or '*' for any. */
  origins: string[] | '*';
  credentials: boolean;
  methods: string[];
  /** Allowed request headers; unset: whatever the preflight asks for. */
  headers?: string[];
  expose: string[];
  maxAgeS: number;
}

export type PathMatchType =
  'exact' | 'prefix' | 'suffix' | 'contains' | 'path' | 'file_path' | 'regex' | 'regex_posix';

export interface PathMatcher {
  type: PathMatchType;
  match: string;
  trimPrefix?: string;
  appendPrefix?: string;
  rewrite?: string;
}

/** How a route's instances share its traffic. */
export type Balance = { type: 'round-robin' } | { type: 'random' } | { type: 'hash'; key: StickyKey };

/** What a gateway's own port speaks: written `8080`/`"8080/http"`, `"8443/https"` (or `tls` set), `"5433/tcp"`. */
export type GatewayProtocol = 'http' | 'https' | 'tcp';

/** A gateway's certificate: `auto` from the local CA, or the user's own PEM files. */
export type TlsConfig = { kind: 'auto' } | { kind: 'files'; certFile: string; keyFile: string };

export interface GatewayConfig {
  name: string;
  /**
   * The gateway's own port; 0 asks the system for a free port (useful in tests and scripts). Unset when
   * the gateway answers only on the shared listeners, by its virtual hosts.
   */
  port?: number;
  /** What the gateway's own port speaks (unset: http); `https` for a TLS port, `tcp` for a TCP gateway. */
  protocol?: GatewayProtocol;
  /** Names (exact, or `*.suffix`) by which the shared listeners dispatch to this gateway, lower case. */
  virtualHosts?: string[];
  /** The certificate for its TLS port and its names on the shared HTTPS listener; `auto` by default there. */
  tls?: TlsConfig;
  host: string;
  enabled: boolean;
  sticky: StickyMode;
  stickyBy?: StickyKey;
  timeoutMs: number;
  connectTimeoutMs: number;
  preserveHost: boolean;
  /** Status when no route can take a request (503 unless configured). */
  noRouteStatus: number;
  /** Client connections held at most; unset: the engine's default (4096). */
  maxConnections?: number;
  /** Connections to each target at most; unset: the engine's default (256). */
  maxUpstreamConnections?: number;
  routes: RouteConfig[];
  /** Set when the gateway follows AILERON's rules where they differ from Vamp's (see schema.ts). */
  semantics?: 'aileron';
  /** How long a request waits for a target that refuses connections; unset: no wait. */
  waitForUpstreamMs?: number;
  cors?: CorsConfig;
  headers?: HeaderRules;
}

/** The shared ports (top-level `listeners:`): every gateway's virtual hosts are served on them by Host. */
export interface ListenersConfig {
  /** Plain HTTP for every virtual host, e.g. 8000. */
  http?: number;
  /** HTTPS (HTTP/2 and HTTP/1.1) for every virtual host, certificates from the local CA or the gateway's own. */
  https?: number;
  /** Address the shared ports bind; 127.0.0.1 unless set. */
  host: string;
}

export interface SwitchyardConfig {
  gateways: GatewayConfig[];
  /** Unset when the document has no `listeners:`: no shared ports. */
  listeners?: ListenersConfig;
}

export const DEFAULTS = {
  host: '127.0.0.1',
  timeoutMs: 30_000,
  connectTimeoutMs: 5_000,
} as const;
