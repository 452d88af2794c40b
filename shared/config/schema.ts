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
});
export type RawRoute = z.infer<typeof rawRouteSchema>;

/**
 * Fields Vamp's API returns; accepted so that its output loads as is, and ignored (virtual_hosts only
 * when empty: virtual hosts belong to the listeners issue and are refused until then).
 */
const vampReadOnlyShape = {
  kind: z.string().nullish(),
  lookup_name: z.string().nullish(),
  internal: z.boolean().nullish(),
  service: z.unknown().optional(),
  deployed: z.boolean().nullish(),
  active: z.boolean().nullish(),
  virtual_hosts: z.array(z.string()).nullish(),
};
export const VAMP_READ_ONLY_FIELDS = Object.keys(vampReadOnlyShape);

export const rawGatewaySchema = z.strictObject({
  /** Unique name; no whitespace and no [ ] (Vamp's rule). May contain '/'. */
  name: z.string(),
  /** 8080 or "8080/http". 0 picks a free port. */
  port: scalar,
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
  /** Ordered map of route key to route (a list of keys or one-entry maps is read as Vamp's API reads it). */
  routes: z.record(z.string(), rawRouteSchema.nullable()).nullish(),
  ...vampReadOnlyShape,
});
export type RawGateway = z.infer<typeof rawGatewaySchema>;
