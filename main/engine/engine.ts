import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { ConfigIssue } from '../../shared/config/issues.js';
import { loadConfigText, loadConfigValue } from '../../shared/config/load.js';
import type { GatewayConfig, SwitchyardConfig } from '../../shared/config/model.js';
import type { LogEntry } from '../../shared/log-entry.js';
import type { GatewayStatus } from '../../shared/status.js';
export type { GatewayStatus } from '../../shared/status.js';
import { describeFailure, sendError, writeSocketError, type FailureInfo } from './error-response.js';
import { clientAddress } from './headers.js';
import { HttpRequestView } from './http-request-view.js';
import { Listener } from './listener.js';
import { systemRandom, type Random } from './random.js';
import { parseRequestTarget } from './request-target.js';
import { RequestLog } from './request-log.js';
import { compileGateways, decide, type CompiledGateway, type Decision } from './router.js';
import { Transport, type Exchange, type ForwardRequest } from './transport.js';

export interface EngineOptions {
  /** Source of routing draws; seed it in tests. */
  random?: Random;
  /** Request log capacity (entries). */
  logCapacity?: number;
  /** Bytes of each body kept in the log. */
  previewBytes?: number;
  /** Bytes of body previews the whole log may hold; older entries lose theirs first. */
  previewBudget?: number;
  /** When false, requests are proxied but not logged (used by the benchmark to price logging). */
  logging?: boolean;
  now?: () => number;
}

export type ApplyResult = { ok: true; status: GatewayStatus[] } | { ok: false; issues: ConfigIssue[] };

type Routed =
  | { ok: true; decision: Extract<Decision, { ok: true }> & { entry: string }; forward: ForwardRequest }
  | { ok: false; status: number; gateway: string; info: FailureInfo; trace: Decision['trace'] };

/** Header and query parameter that force a route, for demos. */
export const OVERRIDE_HEADER = 'x-switchyard-route';
export const OVERRIDE_QUERY = 'switchyard-route';

/**
 * The proxy engine: plain Node, no Electron, no transport of its own. apply() compiles and validates a
 * whole configuration first and swaps it in second; listeners whose port is unchanged keep their sockets.
 */
export class Engine extends EventEmitter<{ status: [GatewayStatus[]] }> {
  readonly log: RequestLog;
  private config: SwitchyardConfig = { gateways: [] };
  private gateways = new Map<string, CompiledGateway>();
  private readonly sockets = new Map<string, Listener>();
  private readonly transport = new Transport();
  private readonly random: Random;
  private readonly previewBytes: number;
  private readonly logging: boolean;
  private readonly now: () => number;

  constructor(options: EngineOptions = {}) {
    super();
    this.random = options.random ?? systemRandom;
    this.log = new RequestLog(options.logCapacity ?? 10_000, 100, options.previewBudget);
    this.previewBytes = options.previewBytes ?? 64 * 1024;
    this.logging = options.logging ?? true;
    this.now = options.now ?? Date.now;
  }

  /** The running configuration. */
  get current(): SwitchyardConfig {
    return this.config;
  }

  /**
   * Validates and applies a configuration given as YAML/JSON text or as a parsed value. An invalid one
   * changes nothing: the running configuration keeps serving.
   */
  async apply(input: string | unknown): Promise<ApplyResult> {
    const loaded = typeof input === 'string' ? loadConfigText(input) : loadConfigValue(input);
    if (!loaded.ok) return loaded;
    const compiled = compileGateways(loaded.config, this.random, this.gateways);
    // The swap: from here on new requests see the new routing; in-flight ones keep what they had.
    this.config = loaded.config;
    this.gateways = compiled;
    await this.reconcileListeners(loaded.config.gateways);
    return { ok: true, status: this.status() };
  }

  status(): GatewayStatus[] {
    return this.config.gateways.map((g) => {
      const l = this.sockets.get(listenerKey(g));
      const s: GatewayStatus = {
        gateway: g.name,
        enabled: g.enabled,
        host: g.host,
        port: g.port,
        state: g.enabled ? (l?.state ?? 'starting') : 'stopped',
      };
      if (g.enabled && l?.boundPort !== undefined) s.boundPort = l.boundPort;
      if (g.enabled && l?.error) s.error = l.error;
      return s;
    });
  }

  /** Stops every listener, letting in-flight requests finish for up to `drainMs`. */
  async stop(drainMs?: number): Promise<void> {
    const all = [...this.sockets.values()];
    this.sockets.clear();
    await Promise.all(all.map((l) => l.close(drainMs)));
    await this.transport.close();
    this.log.flush();
  }

  private async reconcileListeners(gateways: GatewayConfig[]): Promise<void> {
    const wanted = new Map(gateways.filter((g) => g.enabled).map((g) => [listenerKey(g), g]));
    const closing: Promise<void>[] = [];
    for (const [key, listener] of this.sockets) {
      if (wanted.has(key) && listener.state === 'listening') continue;
      this.sockets.delete(key);
      closing.push(listener.close());
    }
    const starting: Promise<void>[] = [];
    for (const [key, g] of wanted) {
      const existing = this.sockets.get(key);
      if (existing) {
        existing.gateway = g.name;
        continue;
      }
      const listener = this.createListener(g);
      this.sockets.set(key, listener);
      starting.push(listener.listen());
    }
    await Promise.all(starting);
    this.emit('status', this.status());
    // Removed listeners drain in the background; apply does not wait for slow clients.
    void Promise.all(closing);
  }

  private createListener(g: GatewayConfig): Listener {
    const listener: Listener = new Listener(g.host, g.port, g.name, {
      request: (req, res) => this.handleRequest(listener, req, res),
      upgrade: (req, socket, head) => this.handleUpgrade(listener, req, socket, head),
      clientError: (err, socket) => this.handleClientError(listener, err, socket),
    });
    return listener;
  }

  private handleRequest(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const started = this.now();
    const facts = requestFacts(req);
    const routed = this.route(listener, req);
    if (!routed.ok) {
      sendError(req, res, routed.status, routed.info);
      this.record(facts, started, routed.gateway, {
        status: routed.status,
        error: describeFailure(routed.info),
        trace: routed.trace,
      });
      return;
    }
    const { decision, forward } = routed;
    this.transport.forward(req, res, forward, (x) =>
      this.record(facts, started, decision.entry, { decision, forward, exchange: x }),
    );
  }

  private handleUpgrade(listener: Listener, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const started = this.now();
    // Taken before the transport rewrites req.url and req.headers for http-proxy.
    const facts = requestFacts(req);
    const routed = this.route(listener, req);
    const isWebSocket = req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket';
    if (!routed.ok || !isWebSocket) {
      const status = routed.ok ? 400 : routed.status;
      const info: FailureInfo = routed.ok
        ? {
            gateway: routed.decision.entry,
            cause: 'only WebSocket upgrades (GET with Upgrade: websocket) are proxied',
          }
        : routed.info;
      writeSocketError(socket, status, info, req);
      this.record(facts, started, info.gateway ?? listener.gateway, {
        status,
        error: describeFailure(info),
        trace: routed.ok ? routed.decision.trace : routed.trace,
        websocket: true,
      });
      return;
    }
    const { decision, forward } = routed;
    this.transport.upgrade(req, socket, head, forward, (x) =>
      this.record(facts, started, decision.entry, { decision, forward, exchange: x, websocket: true }),
    );
  }

  /** Malformed requests never reach routing; they get a proper answer (400, or 431 for huge headers). */
  private handleClientError(listener: Listener, err: Error & { code?: string }, socket: Duplex): void {
    if (err.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'HPE_URI_TOO_LONG' ? 414 : 400;
    const cause =
      status === 431 ? 'request headers are too large' : `malformed request (${err.code ?? err.message})`;
    writeSocketError(socket, status, { gateway: listener.gateway, cause });
    if (this.logging) {
      this.log.append({
        ...emptyEntry(this.now(), listener.gateway),
        status,
        error: describeFailure({ gateway: listener.gateway, cause }),
      });
    }
  }

  private route(listener: Listener, req: IncomingMessage): Routed {
    const gateway = this.gateways.get(listener.gateway);
    if (!gateway)
      return {
        ok: false,
        status: 503,
        gateway: listener.gateway,
        info: { gateway: listener.gateway, cause: 'the gateway was removed' },
        trace: [],
      };
    const target = parseRequestTarget(req.url ?? '');
    if ('error' in target)
      return {
        ok: false,
        status: 400,
        gateway: gateway.name,
        info: { gateway: gateway.name, cause: target.error },
        trace: [],
      };
    const view = new HttpRequestView(req.method ?? 'GET', target.path, target.search, req.headers);
    const headerOverride = req.headers[OVERRIDE_HEADER];
    const override =
      typeof headerOverride === 'string'
        ? headerOverride
        : target.search.includes(OVERRIDE_QUERY)
          ? view.query(OVERRIDE_QUERY)
          : undefined;
    const clientIp = clientAddress(req.socket.remoteAddress);
    const d = decide(gateway, { view, clientIp, ...(override ? { override } : {}) });
    if (!d.ok) {
      return {
        ok: false,
        status: d.status,
        gateway: gateway.name,
        info: { gateway: d.gateway.name, ...(d.route ? { route: d.route } : {}), cause: d.cause },
        trace: d.trace,
      };
    }
    const g = d.gateway.config;
    return {
      ok: true,
      decision: { ...d, entry: gateway.name },
      forward: {
        gateway: d.gateway.name,
        route: d.route.name,
        target: d.target,
        path: d.path + target.search,
        timeoutMs: g.timeoutMs,
        connectTimeoutMs: g.connectTimeoutMs,
        preserveHost: g.preserveHost,
        setCookies: d.setCookies,
        from: { clientIp, host: req.headers.host, localPort: req.socket.localPort ?? 0, encrypted: false },
        previewBytes: this.logging ? this.previewBytes : 0,
      },
    };
  }

  private record(
    req: RequestFacts,
    started: number,
    gateway: string,
    r: {
      status?: number;
      error?: string;
      trace?: LogEntry['trace'];
      decision?: Extract<Decision, { ok: true }>;
      forward?: ForwardRequest;
      exchange?: Exchange;
      websocket?: boolean;
    },
  ): void {
    if (!this.logging) return;
    const x = r.exchange;
    const entry: Omit<LogEntry, 'seq'> = {
      ...emptyEntry(started, gateway),
      method: req.method,
      path: req.url,
      status: x?.status ?? r.status ?? 0,
      durationMs: this.now() - started,
      bytesIn: x?.bytesIn ?? 0,
      bytesOut: x?.bytesOut ?? 0,
      clientIp: req.clientIp,
      requestHeaders: req.headers,
      responseHeaders: x?.responseHeaders ?? {},
      trace: r.decision?.trace ?? r.trace ?? [],
      override: r.decision?.override ?? false,
      websocket: r.websocket ?? false,
    };
    if (r.decision) {
      entry.route = r.decision.entryRoute;
      entry.target = r.decision.target;
    }
    if (r.forward) entry.forwardedPath = r.forward.path;
    const error = x?.error ?? r.error;
    if (error) entry.error = error;
    const reqBody = x?.requestBody?.preview();
    const resBody = x?.responseBody?.preview();
    if (reqBody) entry.requestBody = reqBody;
    if (resBody) entry.responseBody = resBody;
    this.log.append(entry);
  }
}

/** What the log keeps of the request as the client sent it. */
interface RequestFacts {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  clientIp: string;
}

function requestFacts(req: IncomingMessage): RequestFacts {
  return {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers as Record<string, string | string[]>,
    clientIp: clientAddress(req.socket.remoteAddress),
  };
}

function emptyEntry(time: number, gateway: string): Omit<LogEntry, 'seq'> {
  return {
    time,
    gateway,
    method: '',
    path: '',
    status: 0,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
    clientIp: '',
    requestHeaders: {},
    responseHeaders: {},
    trace: [],
    override: false,
    websocket: false,
  };
}

/** Gateways on port 0 get a listener of their own that survives re-applies; others share by address. */
function listenerKey(g: GatewayConfig): string {
  return g.port === 0 ? `auto:${g.name}` : `${g.host}:${g.port}`;
}
