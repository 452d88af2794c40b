import { z } from 'zod';

/**
 * The shape of a gateway as users write it (README, Configuration). Only the shape is checked here; values with
 * units, weights, conditions and cross-references are checked in normalize.ts, which can say more precisely
 * what is wrong. Field comments are the user documentation.
 */

const scalar = z.union([z.number(), z.string()]);

/**
 * A path matcher as AILERON's pathMatchers (core/httpproxy/matcher.go): `trim_prefix` is removed when
 * present, the rest is matched, `rewrite` (regex types) expands the match, `append_prefix` goes in front.
 */
export const rawPathMatcherSchema = z.strictObject({
  /** The pattern; for path and file_path a path.Match glob, for regex types a regular expression. */
  match: z.string(),
  /** exact | prefix (default) | suffix | contains | path | file_path | regex | regex_posix. */
  type: z
    .enum(['exact', 'prefix', 'suffix', 'contains', 'path', 'file_path', 'regex', 'regex_posix'])
    .nullish(),
  /** Removed from the front of the path when it is there, before matching. */
  trim_prefix: z.string().nullish(),
  /** Put in front of the forwarded path after matching. */
  append_prefix: z.string().nullish(),
  /** Regex types only: the forwarded path, with $1 or ${name} for the match's groups (Go's Expand). */
  rewrite: z.string().nullish(),
});
export type RawPathMatcher = z.infer<typeof rawPathMatcherSchema>;

/** An instance as Vamp lists it for a deployment route (the first example of Vamp's gateway document). */
const rawInstanceSchema = z.strictObject({
  name: z.string().nullish(),
  host: z.string(),
  port: z.union([z.number().int(), z.string()]),
});

/** Set, add or remove headers. Values may use `%[path]`, `%[url]`, `%[query]` and `%[hdr(NAME)]`. */
const rawHeaderOpsSchema = z.strictObject({
  /** Replaces the header (every value it had) with this one. */
  set: z.record(z.string(), z.string()).nullish(),
  /** Adds a value, keeping those already there. */
  add: z.record(z.string(), z.string()).nullish(),
  /** Removes the header. */
  remove: z.array(z.string()).nullish(),
});

/** Header rules: on the request sent upstream and on the response sent back. */
export const rawHeaderRulesSchema = z.strictObject({
  request: rawHeaderOpsSchema.nullish(),
  response: rawHeaderOpsSchema.nullish(),
});

export const rawHealthCheckSchema = z.strictObject({
  /** The path requested with GET; a 2xx or 3xx answer passes. Default /. */
  path: z.string().nullish(),
  /** Time between checks, e.g. 2s (default 5s). */
  interval: scalar.nullish(),
  /** How long a check may take, e.g. 1s (default 2s). */
  timeout: scalar.nullish(),
  /** Failed checks in a row that make an instance unhealthy (default 2). */
  unhealthy_after: z.number().int().min(1).max(100).nullish(),
  /** Passed checks in a row that make it healthy again (default 1). */
  healthy_after: z.number().int().min(1).max(100).nullish(),
});

export const rawPassiveSchema = z.strictObject({
  /** Failures in a row that eject the instance (default 3). */
  failures: z.number().int().min(1).max(1000).nullish(),
  /** ... all within this long, e.g. 10s (default 10s). */
  within: scalar.nullish(),
  /** How long an ejected instance is skipped, e.g. 15s (default 30s). */
  eject_for: scalar.nullish(),
});

export const rawFaultsSchema = z.strictObject({
  /** Holds `percent` of the requests for `duration` before forwarding them: `{percent: 10, duration: 800ms}`. */
  delay: z.strictObject({ percent: scalar, duration: scalar }).nullish(),
  /** Answers `percent` of the requests with `status` (or `reset`: closes the connection) without forwarding. */
  abort: z.strictObject({ percent: scalar, status: z.union([z.number().int(), z.string()]) }).nullish(),
  /** Limits each response to this rate: 256kbps, 1mbps, 64KB/s. */
  bandwidth: z.union([z.string(), z.number()]).nullish(),
  /** X-Switchyard-Fault-Delay (a duration) and X-Switchyard-Fault-Abort (a status or reset) on a request inject those faults into it. */
  header_control: z.boolean().nullish(),
});

export const rawRespondSchema = z.strictObject({
  /** The status to answer (default 200). */
  status: z.number().int().min(200).max(599).nullish(),
  /** Response headers. */
  headers: z.record(z.string(), z.string()).nullish(),
  /** The body, as text. */
  body: z.string().nullish(),
  /** Or a file whose content is the body, read on each request (so editing it shows at once). */
  body_file: z.string().nullish(),
});

export const rawCorsSchema = z.strictObject({
  /** Origins allowed, e.g. ["http://localhost:5173"], or "*" (any origin; not with credentials). */
  origins: z.union([z.string(), z.array(z.string())]),
  /** Allow cookies and credentials (Access-Control-Allow-Credentials). */
  credentials: z.boolean().nullish(),
  /** Methods a preflight allows (default GET, HEAD, POST, PUT, PATCH, DELETE). */
  methods: z.array(z.string()).nullish(),
  /** Request headers a preflight allows (default: those the preflight asks for). */
  headers: z.array(z.string()).nullish(),
  /** Response headers scripts may read (Access-Control-Expose-Headers). */
  expose: z.array(z.string()).nullish(),
  /** How long browsers may cache a preflight answer, e.g. 10m (default 5m). */
  max_age: scalar.nullish(),
});

/** How a shadow's answers are compared with the primary's. */
export const rawCompareSchema = z.strictObject({
  /**
   * Differences never reported: `header:NAME`, `body:$.path.to.field` (`[*]` for any array index), `status`
   * or `body`. Headers such as date, etag and x-request-id are always ignored.
   */
  ignore: z.array(z.string()).nullish(),
  /**
   * Learn non-deterministic fields: a sample of mirrored requests is sent to the primary twice, and whatever
   * differs between its two answers is ignored from then on (listed in the Compare view).
   */
  noise: z.boolean().nullish(),
});

export const rawRouteSchema = z.strictObject({
  /** Share of the traffic: "90%", 90 or 12.5. Routes without one share what is left equally. */
  weight: scalar.nullish(),
  /** Vamp condition; the first route whose condition matches may take the request. */
  condition: z.string().nullish(),
  /** Share of matching requests that go here (default 100% with a condition, 0% without). */
  condition_strength: scalar.nullish(),
  /** Instances: URLs (http://127.0.0.1:3001) or host:port, balanced round-robin. */
  targets: z
    .union([
      z.string(),
      z.array(
        z.union([z.string(), z.strictObject({ url: z.string(), weight: z.number().int().min(0).max(1000) })]),
      ),
    ])
    .nullish(),
  /** A single instance, the same as `targets: [URL]`. */
  target: z.string().nullish(),
  /** How instances share the route's traffic: round-robin (default), random, or "hash header X-User" (cookie, query, ip). */
  balance: z.string().nullish(),
  /** Path rewrites, in order: `path: NEW if CONDITION`, `strip_prefix`, `add_prefix`, `replace`. */
  rewrites: z.array(z.record(z.string(), z.unknown())).nullish(),
  /** Vamp's instances of a deployment route: `{name, host, port}`; each is a target http://host:port. */
  instances: z.array(rawInstanceSchema).nullish(),
  /** Path matchers (AILERON's pathMatchers): the route matches when one of them does, and it sets the path. */
  paths: z.array(rawPathMatcherSchema).nullish(),
  /**
   * Active health checks of each instance: `{path: /health, interval: 2s, timeout: 1s, unhealthy_after: 2,
   * healthy_after: 1}`. An instance failing `unhealthy_after` checks in a row is skipped until it passes
   * `healthy_after` in a row; a route with no healthy instance drops out of the weighted draw.
   */
  health_check: rawHealthCheckSchema.nullish(),
  /**
   * Passive health: `{failures: 3, within: 10s, eject_for: 15s}`. An instance whose answers fail (connection
   * errors, 5xx, timeouts) `failures` times in a row within `within` is skipped for `eject_for`.
   */
  passive: rawPassiveSchema.nullish(),
  /** Injected faults, for demos and resilience tests: delay, abort and bandwidth, each by percentage. */
  faults: rawFaultsSchema.nullish(),
  /** Header rules for this route's requests and responses, applied after the gateway's. */
  headers: rawHeaderRulesSchema.nullish(),
  /** A mock route: answer directly with `{status, headers, body}` (or `body_file`); it has no targets. */
  respond: rawRespondSchema.nullish(),
  /**
   * Share of the gateway's requests copied to this route, e.g. 100%: the client gets the primary's answer
   * only; the copy (with X-Switchyard-Shadow: 1) goes here after the primary has answered, and its answer
   * is compared with the primary's. A shadow route usually has weight 0%.
   */
  shadow: scalar.nullish(),
  /** Methods mirrored (default GET and HEAD); list unsafe ones (POST, ...) only where sending them twice is harmless. */
  shadow_methods: z.array(z.string()).nullish(),
  /** How the shadow's answers are compared: `{ignore: ["header:date", "body:$.generatedAt"], noise: true}`. */
  compare: rawCompareSchema.nullish(),
  /** `false`: do not verify the certificates of this route's https:// targets (self-signed dev servers). */
  tls_verify: z.boolean().nullish(),
  /** A CA certificate file (PEM) trusted for this route's https:// targets, beside the system's and the local CA. */
  ca: z.string().nullish(),
  /** Forward as HTTP/2 (h2c to http://, ALPN h2 to https://) with trailers: gRPC upstreams. */
  h2: z.boolean().nullish(),
});
export type RawRoute = z.infer<typeof rawRouteSchema>;

/** Fields Vamp's API returns; accepted so that its output loads as is, and ignored. */
const vampReadOnlyShape = {
  kind: z.string().nullish(),
  lookup_name: z.string().nullish(),
  internal: z.boolean().nullish(),
  service: z.unknown().optional(),
  deployed: z.boolean().nullish(),
  active: z.boolean().nullish(),
};
export const VAMP_READ_ONLY_FIELDS = Object.keys(vampReadOnlyShape);

export const rawGatewaySchema = z.strictObject({
  /** Unique name; no whitespace and no [ ] (Vamp's rule). May contain '/'. */
  name: z.string(),
  /**
   * The gateway's own port: 8080 or "8080/http", "8443/https" (TLS, `tls: auto` unless set), "5433/tcp"
   * (a TCP gateway: routes pick by weight only). 0 picks a free port. Optional with `virtual_hosts`.
   */
  port: scalar.nullish(),
  /**
   * Names the shared `listeners:` ports answer for this gateway, by Host (and SNI): `shop.localhost`, or
   * `*.shop.localhost` for any name under it. Vamp's field.
   */
  virtual_hosts: z.array(z.string()).nullish(),
  /**
   * The certificate: `auto` (from the local CA) or `{cert: FILE, key: FILE}` (PEM). Makes the own port
   * HTTPS, and serves the virtual hosts on the shared https listener.
   */
  tls: z.union([z.literal('auto'), z.strictObject({ cert: z.string(), key: z.string() })]).nullish(),
  /** Address to bind; 127.0.0.1 unless set. */
  host: z.string().nullish(),
  /** A disabled gateway keeps its configuration but does not listen. */
  enabled: z.boolean().nullish(),
  /** none | route | instance: pin a client to its route or instance with a cookie. */
  sticky: z.enum(['none', 'route', 'instance']).nullish(),
  /** Hash this instead of using a cookie: "header X-User", "cookie NAME", "query NAME" or "ip". */
  sticky_by: z.string().nullish(),
  /** Upstream response timeout, e.g. 30s; a request past it gets 504. */
  timeout: scalar.nullish(),
  /** Upstream connect timeout, e.g. 5s; past it the request gets 502. */
  connect_timeout: scalar.nullish(),
  /** Send the client's Host header upstream instead of the target's. */
  preserve_host: z.boolean().nullish(),
  /** The status for requests no route can take: 503 (default, as Vamp) or, say, 404. */
  no_route_status: z.number().int().min(400).max(599).nullish(),
  /** Client connections the gateway holds at most (default 4096); past it a new one gets 503. */
  max_connections: z.number().int().min(1).max(1_000_000).nullish(),
  /** Connections to each target at most (default 256); more requests wait for one. */
  max_upstream_connections: z.number().int().min(1).max(100_000).nullish(),
  /**
   * Whose rules apply where Vamp and AILERON differ: `switchyard` (default; Vamp-style gateways) or
   * `aileron`: X-Forwarded-For appended to, AILERON's error answers, missing hash keys hashed as empty,
   * the upstream URL's path replaced by the request's.
   */
  semantics: z.enum(['switchyard', 'aileron']).nullish(),
  /**
   * Hold a request whose target refuses connections (a dev server restarting) and retry every 100 ms for
   * up to this long, e.g. 10s, before answering 502. Safe for every method: nothing reached the upstream.
   */
  wait_for_upstream: scalar.nullish(),
  /** CORS: answer preflights and add CORS headers for these origins (`{origins: [...], credentials: true}`). */
  cors: rawCorsSchema.nullish(),
  /** Header rules for every request and response of the gateway (routes' own rules come after). */
  headers: rawHeaderRulesSchema.nullish(),
  /** Ordered map of route key to route (a list of keys or one-entry maps is read as Vamp's API reads it). */
  routes: z.record(z.string(), rawRouteSchema.nullable()).nullish(),
  ...vampReadOnlyShape,
});
export type RawGateway = z.infer<typeof rawGatewaySchema>;

/**
 * The shared ports (top-level `listeners:`): every gateway's `virtual_hosts` are served on them, picked
 * by the request's Host (and SNI on https).
 */
export const rawListenersSchema = z.strictObject({
  /** Plain HTTP for every virtual host, e.g. 8000 (0: any free port). */
  http: z.number().int().min(0).max(65535).nullish(),
  /** HTTPS (HTTP/2 and HTTP/1.1) for every virtual host, e.g. 8443; certificates from the local CA or the gateway's `tls`. */
  https: z.number().int().min(0).max(65535).nullish(),
  /** Address the shared ports bind; 127.0.0.1 unless set. */
  host: z.string().min(1).nullish(),
});
export type RawListeners = z.infer<typeof rawListenersSchema>;
