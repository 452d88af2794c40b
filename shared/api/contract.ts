import { z } from 'zod';
import type { ConfigIssue } from '../config/issues.js';
import type { GatewayConfig } from '../config/model.js';
import type { GatewaySource } from '../config/source.js';
import type { ConditionSource } from '../config/named-conditions.js';
import type { ListenersSource } from '../config/listeners.js';
import { EXPORT_FORMAT_IDS } from '../export-formats.js';
import type { LogEntry, ShadowResult } from '../log-entry.js';
import type { GatewayStatus, SharedListenerStatus } from '../status.js';
import type { CaStatus, TrustChange } from '../ca-status.js';
import type { CompareReport } from '../compare/report.js';

/**
 * The one contract between the engine and everything that drives it (the UI over IPC or WebSocket,
 * scripts over REST, tests in memory). Commands are data: each has a params schema, checked by the
 * dispatcher because callers are untrusted, and a result type. Events are pushed to subscribers.
 */

/** A gateway as the user wrote it (`source`), as it runs (`config`), and its listener. */
export interface GatewayView {
  name: string;
  source: GatewaySource;
  config: GatewayConfig;
  status?: GatewayStatus;
}

/**
 * A log entry without headers, bodies, WebSocket messages and shadow answers: what a list of requests
 * shows. Shadow answers carry bodies; the list only needs their verdicts, to count them.
 */
export type LogSummary = Omit<
  LogEntry,
  'requestHeaders' | 'responseHeaders' | 'requestBody' | 'responseBody' | 'messages' | 'shadows'
> & {
  /** A WebSocket's messages kept so far. */
  messageCount?: number;
  /** Each shadow copy's route and verdict (the full answers are in `log.get`). */
  shadow?: { route: string; verdict: ShadowResult['verdict'] }[];
};

export interface RouteStats {
  route: string;
  /** Configured weight, percent. */
  weight: number;
  requests: number;
  /** Observed share of the gateway's requests in the window, percent. */
  share: number;
  errors: number;
  /** Requests with an injected fault (delay, abort, reset, bandwidth) in the window. */
  faults: number;
  /** Milliseconds; 0 when there were no requests. */
  p50: number;
  p95: number;
  requestsPerSecond: number;
  /** 95% Wilson interval of the error rate (0-1). */
  errorInterval?: { low: number; high: number };
  /** 95% intervals of p50 and p95, ms; absent below the minimum sample. */
  p50Interval?: { low: number; high: number };
  p95Interval?: { low: number; high: number };
  /** Against the first route: is the difference real? ("not enough requests to tell" below the minimum sample). */
  comparison?: {
    against: string;
    errors: AbSignificance;
    latency: AbSignificance;
  };
  /** Verdicts of shadow copies sent to this route in the window. */
  shadow?: { same: number; different: number; error: number; skipped: number };
}

export interface AbSignificance {
  verdict: 'not-enough' | 'significant' | 'not-significant';
  text: string;
  pValue?: number;
}

export interface GatewayStats {
  gateway: string;
  requests: number;
  errors: number;
  routes: RouteStats[];
}

export interface StatsSnapshot {
  at: number;
  windowSeconds: number;
  gateways: GatewayStats[];
}

export interface TrafficResult {
  id: string;
  sent: number;
  cancelled: boolean;
  /** Responses by status code ("200", "502", or "error" when no response came). */
  statuses: Record<string, number>;
  /** Requests by the route the log recorded. */
  routes: Record<string, number>;
}

/** Settings of the app that hosts the engine (the desktop app keeps them; headless has none to change). */
export interface AppSettings {
  theme: 'system' | 'light' | 'dark';
  /** The control server (REST, /proxy, browser UI) on 127.0.0.1; changes take effect at the next start. */
  controlEnabled: boolean;
  controlPort: number;
  logCapacity: number;
}

export interface AppInfo {
  mode: 'desktop' | 'headless';
  version: string;
  /** Where the control server listens, when it does. */
  controlUrl?: string;
  /** Where the gateways are kept: the YAML file, or the desktop store. */
  configPath?: string;
  settingsEditable: boolean;
}

const name = z.string().min(1).max(200);
/** A gateway as a caller sent it: a draft until the config store has validated it. */
const gatewayDraft = z.record(z.string(), z.unknown());

/** A named condition as a caller sent it (Vamp's condition artifact: `{name, condition}`). */
const conditionDraft = z.strictObject({ name, condition: z.string().max(100_000) });

/** Params of every command, as schemas. */
export const commandParams = {
  'gateways.list': z.strictObject({}),
  'gateways.get': z.strictObject({ name }),
  /** Creates (`create: true`, fails if the name exists) or replaces a gateway; `previousName` renames. */
  'gateways.save': z.strictObject({
    gateway: gatewayDraft,
    create: z.boolean().optional(),
    previousName: name.optional(),
  }),
  'gateways.delete': z.strictObject({ name }),
  'gateways.setEnabled': z.strictObject({ name, enabled: z.boolean() }),
  /** Sets every named route's weight (percent) in one change. */
  'gateways.setWeights': z.strictObject({ name, weights: z.record(z.string(), z.number().min(0).max(100)) }),
  /** Moves the clients a sticky cookie keeps on a route off it (they keep it at 0% otherwise). */
  'routes.drain': z.strictObject({ name, route: z.string() }),
  /** Sets a route's faults (`{delay, abort, bandwidth, header_control}` as in YAML), or removes them with null: live, like weights. */
  'routes.setFaults': z.strictObject({
    name,
    route: z.string(),
    faults: z.record(z.string(), z.unknown()).nullable(),
  }),
  /** The named conditions routes may use by name (Vamp's /conditions), in order. */
  'conditions.list': z.strictObject({}),
  'conditions.get': z.strictObject({ name }),
  /** Creates (`create: true`, fails if the name exists) or replaces a named condition. */
  'conditions.save': z.strictObject({ condition: conditionDraft, create: z.boolean().optional() }),
  /** Deletes a named condition; refused (conflict) while a route names it. */
  'conditions.delete': z.strictObject({ name }),
  /** Validates a named condition with the gateways that use it, without storing it. */
  'conditions.validate': z.strictObject({ condition: conditionDraft }),
  /** The shared ports (top-level `listeners:`) as written: `{http?, https?, host?}`, `{}` when none. */
  'listeners.get': z.strictObject({}),
  /**
   * Replaces the shared ports (`{}` removes them); validated with every gateway, so a clash with a
   * gateway's port, or a gateway left with only virtual hosts and no shared port, refuses it whole.
   */
  'listeners.set': z.strictObject({ listeners: z.record(z.string(), z.unknown()) }),
  /** The shared ports as the engine runs them: bound port, state, and why one could not listen. */
  'listeners.status': z.strictObject({}),
  /** The local CA: where it is, whether it exists (asking never creates it), which trust stores trust it. */
  'ca.status': z.strictObject({}),
  /**
   * Trusts the local CA (creating it first when there is none) where Switchyard can without root; for the
   * other stores, the commands the user must run.
   */
  'ca.trust': z.strictObject({}),
  /** Removes the local CA from the trust stores (the CA itself stays), with commands where it cannot. */
  'ca.uninstall': z.strictObject({}),
  /** Validates a draft gateway (or a whole YAML document) without applying anything. */
  'config.validate': z.strictObject({
    gateway: gatewayDraft.optional(),
    yaml: z.string().max(1_000_000).optional(),
  }),
  /** Adds the gateways in a YAML document (replacing same-named ones), or replaces them all. */
  'config.import': z.strictObject({ yaml: z.string().max(1_000_000), replace: z.boolean().optional() }),
  /** YAML that `switchyard serve` runs, or a production proxy's configuration (with what it could not express). */
  'config.export': z.strictObject({
    gateways: z.array(name).optional(),
    format: z.enum(EXPORT_FORMAT_IDS).optional(),
  }),
  /**
   * With `after`: the entries after that seq, oldest first (to catch up). Without it: the newest entries
   * (before `before`, when given), still oldest first, so a viewer opens on the newest and pages back.
   */
  'log.page': z.strictObject({
    after: z.number().int().min(0).optional(),
    before: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
  }),
  'log.get': z.strictObject({ seq: z.number().int().min(1) }),
  /**
   * The entries a log filter (shared/log-query.ts) matches, headers and bodies included, answered from
   * the engine's log: the newest before `before` (default: all), or with `after` the oldest after it.
   */
  'log.search': z.strictObject({
    query: z.string().max(2000),
    after: z.number().int().min(0).optional(),
    before: z.number().int().min(1).optional(),
    limit: z.number().int().min(1).max(5000).optional(),
  }),
  'log.clear': z.strictObject({}),
  /** The log as HAR 1.2; with `query`, only the entries that filter matches (what the UI shows). */
  'log.har': z.strictObject({ query: z.string().max(2000).optional() }),
  /**
   * Sends a logged request again, as it was or with `request`'s changes, through its gateway's routing
   * or forced to `route` (the override header), and says which new log entry it became.
   */
  'log.resend': z.strictObject({
    seq: z.number().int().min(1),
    gateway: name.optional(),
    route: z.string().max(200).optional(),
    request: z
      .strictObject({
        method: z
          .string()
          .regex(/^[A-Za-z]+$/)
          .max(20)
          .optional(),
        path: z.string().startsWith('/').max(8000).optional(),
        headers: z.record(z.string(), z.string().max(8000)).optional(),
        /** UTF-8 text. */
        body: z.string().max(1_000_000).optional(),
      })
      .optional(),
  }),
  /** A port on this machine that nothing listens on and no gateway is configured with, from `from` up. */
  'ports.free': z.strictObject({ from: z.number().int().min(1).max(65535).optional() }),
  /** How many clients (windows, browser tabs, scripts on the event stream) are connected now. */
  'clients.count': z.strictObject({}),
  'app.info': z.strictObject({}),
  'settings.get': z.strictObject({}),
  'settings.set': z.strictObject({
    theme: z.enum(['system', 'light', 'dark']).optional(),
    controlEnabled: z.boolean().optional(),
    controlPort: z.number().int().min(0).max(65535).optional(),
    logCapacity: z.number().int().min(100).max(1_000_000).optional(),
  }),
  'stats.get': z.strictObject({ windowSeconds: z.number().int().min(1).max(900).optional() }),
  'engine.status': z.strictObject({}),
  'traffic.generate': z.strictObject({
    gateway: name,
    /** Chosen by the caller, so it can cancel the run (`traffic.cancel`) before the result comes back. */
    id: z.string().min(8).max(100).optional(),
    /** Send this many requests as fast as they complete (at most 10,000)... */
    count: z.number().int().min(1).max(10_000).optional(),
    /** ...or this many per second for `seconds` (at most 60 s). */
    ratePerSecond: z.number().min(0.1).max(1000).optional(),
    seconds: z.number().min(0.1).max(60).optional(),
    path: z.string().startsWith('/').max(2000).optional(),
    method: z.enum(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']).optional(),
    /** Each request picks one of each list at random. */
    userAgents: z.array(z.string().max(500)).max(50).optional(),
    cookies: z.array(z.string().max(2000)).max(50).optional(),
    headers: z
      .array(z.record(z.string(), z.string().max(2000)))
      .max(50)
      .optional(),
  }),
  'traffic.cancel': z.strictObject({ id: z.string() }),
  /** Sends the requests of a HAR file through a gateway again, at most 10,000, at `ratePerSecond` (default 20). */
  'traffic.replay': z.strictObject({
    gateway: name,
    har: z.looseObject({ log: z.looseObject({ entries: z.array(z.unknown()).max(10_000) }) }),
    ratePerSecond: z.number().min(0.1).max(1000).optional(),
  }),
  /** Adds the requests of a HAR file to the request log, to inspect a captured session. */
  'log.import': z.strictObject({
    har: z.looseObject({ log: z.looseObject({ entries: z.array(z.unknown()).max(100_000) }) }),
    gateway: name.optional(),
  }),
  /**
   * Replay and compare: sends each request (of a HAR file, or of logged entries by seq) through a gateway
   * to both routes, forced with the override header, and compares the answers (shared/compare/diff.ts).
   * `ignore`: rules such as `header:x-version` or `body:$.generatedAt`, on top of the second route's
   * `compare.ignore`.
   */
  'compare.run': z.strictObject({
    gateway: name,
    routes: z.tuple([z.string().min(1).max(200), z.string().min(1).max(200)]),
    ignore: z.array(z.string().max(500)).max(100).optional(),
    har: z.looseObject({ log: z.looseObject({ entries: z.array(z.unknown()).max(10_000) }) }).optional(),
    seqs: z.array(z.number().int().min(1)).max(10_000).optional(),
  }),
  /** What `noise: true` has learned so far: fields that differ between two answers of the primary. */
  'compare.noise': z.strictObject({ gateway: name.optional() }),
} as const;

export type CommandName = keyof typeof commandParams;
export type Params<K extends CommandName> = z.input<(typeof commandParams)[K]>;

export interface CommandResults {
  'gateways.list': GatewayView[];
  'gateways.get': GatewayView;
  'gateways.save': GatewayView;
  'gateways.delete': { deleted: boolean };
  'gateways.setEnabled': GatewayView;
  'gateways.setWeights': GatewayView;
  'routes.drain': { drained: boolean };
  'routes.setFaults': GatewayView;
  'conditions.list': ConditionSource[];
  'conditions.get': ConditionSource;
  'conditions.save': ConditionSource;
  'conditions.delete': { deleted: boolean };
  'conditions.validate': { ok: boolean; issues: ConfigIssue[] };
  'listeners.get': ListenersSource;
  'listeners.set': ListenersSource;
  'listeners.status': SharedListenerStatus[];
  'ca.status': CaStatus;
  'ca.trust': TrustChange[];
  'ca.uninstall': TrustChange[];
  'config.validate': { ok: boolean; issues: ConfigIssue[]; config?: GatewayConfig[] };
  'config.import': { gateways: string[] };
  'config.export': { text: string; warnings: string[] };
  /** `oldestSeq`: the oldest entry the log holds, so a viewer knows whether there is more to page back to. */
  'log.page': { entries: LogSummary[]; lastSeq: number; oldestSeq: number };
  'log.get': LogEntry;
  /** `more`: older (or with `after`, newer) matches may be left. */
  'log.search': { entries: LogSummary[]; more: boolean; lastSeq: number };
  'log.clear': Record<string, never>;
  'log.har': object;
  /** `seq`: the new entry, when the log has it. */
  'log.resend': { status: string; seq?: number; route?: string };
  'ports.free': { port: number };
  'clients.count': { clients: number };
  'app.info': AppInfo;
  'settings.get': AppSettings;
  'settings.set': AppSettings;
  'stats.get': StatsSnapshot;
  'engine.status': GatewayStatus[];
  'traffic.generate': TrafficResult;
  'traffic.cancel': { cancelled: boolean };
  'traffic.replay': TrafficResult;
  'log.import': { imported: number };
  'compare.run': CompareReport;
  'compare.noise': { gateway: string; route: string; rules: string[] }[];
}
export type Result<K extends CommandName> = CommandResults[K];

export interface Events {
  /** New requests, batched (at most one batch per 100 ms). */
  'log.appended': LogSummary[];
  'log.cleared': Record<string, never>;
  /** Entries that changed after they were added: a WebSocket's messages and state. */
  'log.updated': LogSummary[];
  'gateways.changed': GatewayView[];
  'status.changed': GatewayStatus[];
  /** About once a second. */
  'stats.tick': StatsSnapshot;
}
export type EventName = keyof Events;

export type ErrorCode =
  | 'invalid_params'
  | 'unknown_command'
  | 'not_found'
  | 'conflict'
  | 'invalid_config'
  | 'forbidden'
  | 'internal';

/** Errors travel as values. */
export interface ApiError {
  code: ErrorCode;
  message: string;
  issues?: ConfigIssue[];
}

/** The envelopes every transport carries. */
export type Message =
  | { type: 'call'; id: number; command: string; params: unknown }
  | { type: 'result'; id: number; ok: true; result: unknown }
  | { type: 'result'; id: number; ok: false; error: ApiError }
  | { type: 'event'; event: EventName; data: unknown };

/** A transport is a message pipe; Electron IPC, WebSocket and in-memory all fit it. */
export interface Pipe {
  send(message: Message): void;
  onMessage(listener: (message: Message) => void): () => void;
}

export function toSummary(e: LogEntry): LogSummary {
  const {
    requestHeaders: _a,
    responseHeaders: _b,
    requestBody: _c,
    responseBody: _d,
    messages,
    shadows,
    ...summary
  } = e;
  return {
    ...summary,
    ...(messages ? { messageCount: messages.length } : {}),
    ...(shadows ? { shadow: shadows.map((s) => ({ route: s.route, verdict: s.verdict })) } : {}),
  };
}
