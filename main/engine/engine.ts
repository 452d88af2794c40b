import { OVERRIDE_HEADER, OVERRIDE_QUERY } from '../../shared/wire/override.js';
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Socket } from 'node:net';
import type { SecureContext, TLSSocket } from 'node:tls';
import { DEFAULTS, type GatewayConfig, type SwitchyardConfig } from '../../shared/config/model.js';
import { WS_PREVIEW_BYTES, type LogEntry, type TraceStep, type WsMessage } from '../../shared/log-entry.js';
import type { GatewayStatus, SharedListenerStatus } from '../../shared/status.js';
export type { GatewayStatus } from '../../shared/status.js';
// The control server answers malformed requests as the gateways do.
export { clientErrorAnswer, writeSocketError } from './error-response.js';
import {
  answerAsAileron,
  clientErrorAnswer,
  describeFailure,
  isAileronRequest,
  addErrorHeaders,
  sendError,
  writeSocketError,
  type FailureInfo,
} from './error-response.js';
import { clientAddress, localPort, upstreamRequestHeaders, type ForwardedFrom } from './headers.js';
import { HttpRequestView } from './http-request-view.js';
import { DEFAULT_MAX_CONNECTIONS, Listener, portIsFree, type ListenerKind } from './listener.js';
import { Certificates, type CertificateAuthority } from './certificates.js';
import { hostName, VirtualHosts } from './virtual-hosts.js';
import { proxyTcp, type TcpOutcome } from './tcp-proxy.js';
import { unknownHostPage } from './unknown-host.js';
import { UpstreamTls } from './upstream-tls.js';
import { systemRandom, type Random } from './random.js';
import { parseRequestTarget } from './request-target.js';
import { RequestLog } from './request-log.js';
import { compileGateways, decide, drainRoute, type CompiledGateway, type RoutingInput } from './router.js';
import {
  DEFAULT_MAX_UPSTREAM_CONNECTIONS,
  Transport,
  type Exchange,
  type ForwardRequest,
  type TunnelWatch,
} from './transport.js';
import type { WsFrameMessage } from './ws-frames.js';
import { hostPort, httpOrigin } from '../../shared/wire/host.js';
import { corsResponseHeaders, isPreflight, preflightAnswer } from './cors.js';
import { planFaults, type FaultPlan } from './faults.js';
import { describeEdits, evaluateHeaderRules } from './header-rules.js';
import { sendMock, writeMockOnSocket } from './mock-response.js';
import { UpstreamRegistry } from './upstream-registry.js';
import type { MockResponse } from '../../shared/config/model.js';
import { decoded, SHADOW_BODY_CAP, Shadows, type ShadowPlan } from './shadow.js';

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
  /** Issues the certificates of TLS listeners without files of their own (the local CA); none: they fail to start. */
  ca?: CertificateAuthority;
}

/** One socket the configuration asks for: a gateway's own port, or a shared port. */
interface ListenerSpec {
  key: string;
  kind: ListenerKind;
  host: string;
  port: number;
  /** Undefined for a shared port, which dispatches by Host. */
  gateway: GatewayConfig | undefined;
}

/** Where a request goes, and what the log says about the decision. */
type Routed =
  | {
      ok: true;
      log: { gateway: string; route?: string; target: string; trace: TraceStep[]; override: boolean };
      forward: ForwardRequest;
      /** Answered by the gateway itself: a mock route, or a CORS preflight. */
      local?:
        { kind: 'respond'; respond: MockResponse } | { kind: 'preflight'; headers: Record<string, string> };
      /** Faults to inject into this request. */
      faults?: FaultPlan;
      /** The instance as configured, for passive health; '' when none. */
      instance?: string;
      /** Shadow copies to send once the primary has answered. */
      shadows?: ShadowPlan[];
    }
  | { ok: false; status: number; gateway: string; info: FailureInfo; trace: TraceStep[] };

/** The control server's /proxy endpoints, as the engine serves them. */
export type ProxyEndpoint =
  | { kind: 'gateway'; gateway: string; route?: string; instance?: number; url: string }
  | { kind: 'host'; host: string; port: number; url: string }
  /** Vamp's /proxy/deployments/... and /proxy/workflows/...: the route of that Vamp name, one instance. */
  | { kind: 'route'; route: string; instance: string; url: string };

/**
 * The proxy engine: plain Node, no Electron, no transport of its own. apply() compiles and validates a
 * whole configuration first and swaps it in second; listeners whose port is unchanged keep their sockets.
 */
export class Engine extends EventEmitter<{ status: [GatewayStatus[]]; shadows: [LogEntry] }> {
  readonly log: RequestLog;
  private config: SwitchyardConfig = { gateways: [] };
  private gateways = new Map<string, CompiledGateway>();
  private readonly sockets = new Map<string, Listener>();
  /** Which gateway each name on the shared ports belongs to. */
  private hosts = new VirtualHosts([]);
  private readonly certificates: Certificates;
  private readonly upstreamTls: UpstreamTls;
  private readonly transport = new Transport();
  /** Health and round-robin positions of upstream instances, kept across applies. */
  readonly upstreams: UpstreamRegistry;
  /** Shadow copies under way and the noise they learned. */
  readonly shadows: Shadows;
  private readonly random: Random;
  private readonly previewBytes: number;
  private readonly logging: boolean;
  private readonly now: () => number;
  private paused = false;
  /** Round-robin positions of shadow routes' instances. */
  private readonly shadowTurn = new WeakMap<object, number>();
  /** Plain HTTP exchanges under way (not tunnels), so that stop() knows when they are done. */
  private inFlight = 0;
  /** Shared by every response, not a closure per request. */
  private readonly responseClosed = (): void => void this.inFlight--;

  constructor(options: EngineOptions = {}) {
    super();
    this.random = options.random ?? systemRandom;
    this.previewBytes = options.previewBytes ?? 64 * 1024;
    this.log = new RequestLog(options.logCapacity ?? 10_000, 100, options.previewBudget, this.previewBytes);
    this.logging = options.logging ?? true;
    this.now = options.now ?? Date.now;
    this.certificates = new Certificates(options.ca);
    const ca = options.ca;
    this.upstreamTls = new UpstreamTls(() => (ca ? ca.caPem() : Promise.resolve(undefined)));
    this.shadows = new Shadows(this.transport, this.random);
    this.upstreams = new UpstreamRegistry((t, p, ms) => this.transport.probe(t, p, ms));
    this.upstreams.on('change', () => this.emit('status', this.status()));
  }

  /** The running configuration. */
  get current(): SwitchyardConfig {
    return this.config;
  }

  /**
   * Runs a configuration that has been validated and normalised (shared/config/normalize.ts): compiled
   * first, swapped in second. Listeners whose port is unchanged keep their sockets; a port that cannot
   * be bound is reported in that gateway's status while the others serve.
   */
  async apply(config: SwitchyardConfig): Promise<GatewayStatus[]> {
    const compiled = compileGateways(withTcpStickiness(config), this.random, this.gateways, this.upstreams);
    await this.upstreamTls.load(config);
    // The swap: from here on new requests see the new routing; in-flight ones keep what they had.
    this.config = config;
    this.gateways = compiled;
    this.hosts = new VirtualHosts(config.gateways);
    this.certificates.forgetFiles();
    this.transport.retain(this.upstreams.retain(config));
    await this.reconcileListeners();
    return this.status();
  }

  status(): GatewayStatus[] {
    const shared = this.sharedListeners();
    return this.config.gateways.map((g) => {
      const own = g.port === undefined ? undefined : this.sockets.get(listenerKey(g));
      const names = g.enabled ? (g.virtualHosts ?? []) : [];
      // A gateway on the shared ports only is as up as they are.
      const l =
        own ?? (names.length ? (shared.find((x) => x.state === 'listening') ?? shared[0]) : undefined);
      const s: GatewayStatus = {
        gateway: g.name,
        enabled: g.enabled,
        host: g.host,
        protocol: g.protocol ?? 'http',
        state: g.enabled && !this.paused ? (l?.state ?? 'starting') : 'stopped',
      };
      if (g.port !== undefined) s.port = g.port;
      if (g.enabled && own?.boundPort !== undefined) s.boundPort = own.boundPort;
      if (g.enabled && l?.error) s.error = l.error;
      const urls = this.urlsOf(g, own, shared, names);
      if (urls.length) s.urls = urls;
      const health = this.upstreams.snapshot(g.name);
      if (health) s.health = health;
      return s;
    });
  }

  /** The shared ports and their state (the Settings view, tests that bind them to port 0). */
  sharedStatus(): SharedListenerStatus[] {
    return this.sharedListeners().map((l) => {
      const s: SharedListenerStatus = {
        kind: l.kind === 'https' ? 'https' : 'http',
        host: l.host,
        port: l.port,
        state: l.state,
      };
      if (l.boundPort !== undefined) s.boundPort = l.boundPort;
      if (l.error) s.error = l.error;
      return s;
    });
  }

  /** Where a user reaches a gateway: its own port, then each exact name on each shared port. */
  private urlsOf(g: GatewayConfig, own: Listener | undefined, shared: Listener[], names: string[]): string[] {
    const urls: string[] = [];
    if (own?.boundPort !== undefined) urls.push(urlOf(own.kind, displayHost(g.host), own.boundPort));
    for (const l of shared)
      if (l.boundPort !== undefined)
        for (const name of names) if (!name.startsWith('*.')) urls.push(urlOf(l.kind, name, l.boundPort));
    return urls;
  }

  private sharedListeners(): Listener[] {
    return [...this.sockets.values()].filter((l) => l.gateway === undefined);
  }

  /** Pausing closes every listener without touching the configuration; resuming opens them again. */
  async setPaused(paused: boolean): Promise<GatewayStatus[]> {
    this.paused = paused;
    await this.reconcileListeners();
    return this.status();
  }

  get isPaused(): boolean {
    return this.paused;
  }

  /**
   * A port for a new gateway: from `from` up, the first one no gateway is configured with and nothing on
   * this machine listens on (checked by binding it), so a new gateway starts listening rather than failing.
   */
  async freePort(from = 8081): Promise<number> {
    const configured = new Set<number | undefined>(this.config.gateways.map((g) => g.port));
    configured.add(this.config.listeners?.http).add(this.config.listeners?.https);
    for (let port = from; port <= 65535; port++) {
      if (configured.has(port)) continue;
      if ((await portIsFree('127.0.0.1', port)) && (await portIsFree('0.0.0.0', port))) return port;
    }
    throw new Error(`no free port from ${from} up`);
  }

  /** Moves sticky clients off a route on purpose (see drainRoute); false when there is no such route. */
  drain(gateway: string, route: string): boolean {
    const g = this.gateways.get(gateway);
    return g !== undefined && drainRoute(g, route);
  }

  /**
   * Stops every listener, letting in-flight requests finish for up to `drainMs`; then ends open
   * WebSocket tunnels with a close frame (1001, going away), since they never end by themselves.
   */
  async stop(drainMs = 10_000): Promise<void> {
    const all = [...this.sockets.values()];
    this.sockets.clear();
    const closed = Promise.all(all.map((l) => l.close(drainMs)));
    const deadline = Date.now() + drainMs;
    while (this.inFlight > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    this.transport.closeTunnels();
    this.upstreams.stop();
    await closed;
    await this.transport.close();
    this.log.flush();
  }

  /** The sockets the running configuration asks for, by key. */
  private wantedListeners(): Map<string, ListenerSpec> {
    const wanted = new Map<string, ListenerSpec>();
    if (this.paused) return wanted;
    for (const g of this.config.gateways) {
      if (!g.enabled || g.port === undefined) continue;
      const spec = { kind: g.protocol ?? 'http', host: g.host, port: g.port, gateway: g };
      wanted.set(listenerKey(g), { key: listenerKey(g), ...spec });
    }
    const shared = this.config.listeners;
    for (const kind of ['http', 'https'] as const) {
      const port = shared?.[kind];
      if (port === undefined || !shared) continue;
      const key = `shared:${kind}:${shared.host}:${port}`;
      wanted.set(key, { key, kind, host: shared.host, port, gateway: undefined });
    }
    return wanted;
  }

  private async reconcileListeners(): Promise<void> {
    const wanted = this.wantedListeners();
    const closing: Promise<void>[] = [];
    // A port that changes what it speaks (or who owns it) is closed before it is opened again.
    const reopened: Promise<void>[] = [];
    const addresses = new Set([...wanted.values()].map((w) => `${w.host}:${w.port}`));
    for (const [key, listener] of this.sockets) {
      if (wanted.has(key) && listener.state === 'listening') continue;
      this.sockets.delete(key);
      if (listener.port !== 0 && addresses.has(`${listener.host}:${listener.port}`))
        reopened.push(listener.close(0));
      else closing.push(listener.close());
    }
    await Promise.all(reopened);
    const starting: Promise<void>[] = [];
    for (const [key, spec] of wanted) {
      const max = spec.gateway?.maxConnections ?? DEFAULT_MAX_CONNECTIONS;
      const existing = this.sockets.get(key);
      if (existing) {
        existing.gateway = spec.gateway?.name;
        existing.maxConnections = max;
        continue;
      }
      const listener = this.createListener(spec);
      listener.maxConnections = max;
      this.sockets.set(key, listener);
      starting.push(
        spec.kind === 'https'
          ? this.certificates
              .fallback(spec.gateway)
              .then((f) => listener.listen('problem' in f ? f.problem : f.pair))
          : listener.listen(),
      );
    }
    await Promise.all(starting);
    this.emit('status', this.status());
    // Removed listeners drain in the background; apply does not wait for slow clients.
    void Promise.all(closing);
  }

  private createListener(spec: ListenerSpec): Listener {
    const listener: Listener = new Listener(
      spec.host,
      spec.port,
      spec.gateway?.name,
      {
        request: (req, res) => this.handleRequest(listener, req, res),
        upgrade: (req, socket, head) => this.handleUpgrade(listener, req, socket, head),
        connect: (req, socket) => this.handleConnect(listener, req, socket),
        clientError: (err, socket) => this.handleClientError(listener, err, socket),
        certificate: (name) => this.certificateFor(listener, name),
        tcp: (socket) => this.handleTcp(listener, socket),
      },
      spec.gateway?.timeoutMs,
      spec.kind,
    );
    return listener;
  }

  /** The certificate for an SNI name: the gateway of the port, or of the name on a shared port. */
  private certificateFor(listener: Listener, servername: string | undefined): Promise<SecureContext> {
    const name = listener.gateway ?? this.hosts.lookup(servername);
    const g = name === undefined ? undefined : this.config.gateways.find((x) => x.name === name);
    const known = servername !== undefined && g !== undefined && this.hosts.lookup(servername) === g.name;
    return this.certificates.contextFor(g, known ? servername : undefined);
  }

  /** The gateway a request on this listener is for: its own, or the one its Host names on a shared port. */
  private gatewayOf(listener: Listener, req: IncomingMessage): string | undefined {
    return listener.gateway ?? this.hosts.lookup(hostOf(req));
  }

  /** A shared port's label in the log, for requests no virtual host claimed. */
  private static sharedLabel(listener: Listener): string {
    return `listeners.${listener.kind}`;
  }

  /**
   * Serves a request from the control server's /proxy endpoints: through a gateway's routing (optionally
   * forced to one route or instance), or straight to a host and port the caller has already allowed.
   */
  handleProxied(req: IncomingMessage, res: ServerResponse, endpoint: ProxyEndpoint): void {
    this.serve(req, res, endpoint.kind === 'gateway' ? endpoint.gateway : 'proxy/host', (facts) =>
      this.routeEndpoint(endpoint, facts, req),
    );
  }

  handleProxiedUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer, endpoint: ProxyEndpoint): void {
    this.serveUpgrade(
      req,
      socket,
      head,
      endpoint.kind === 'gateway' ? endpoint.gateway : 'proxy/host',
      (facts) => this.routeEndpoint(endpoint, facts, req),
    );
  }

  private handleRequest(listener: Listener, req: IncomingMessage, res: ServerResponse): void {
    const gateway = this.gatewayOf(listener, req);
    if (gateway === undefined)
      return this.serve(req, res, Engine.sharedLabel(listener), (facts) =>
        this.unknownHost(listener, req, facts),
      );
    this.serve(
      req,
      res,
      gateway,
      (facts) => this.preflight(gateway, req, facts) ?? this.route(gateway, req.url ?? '', req, facts, {}),
    );
  }

  private handleUpgrade(listener: Listener, req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const gateway = this.gatewayOf(listener, req);
    if (gateway === undefined)
      return this.serveUpgrade(req, socket, head, Engine.sharedLabel(listener), (facts) =>
        this.unknownHost(listener, req, facts),
      );
    this.serveUpgrade(req, socket, head, gateway, (facts) =>
      this.route(gateway, req.url ?? '', req, facts, {}),
    );
  }

  /** A Host no gateway claims on a shared port: 404 with a page listing the names that are served. */
  private unknownHost(listener: Listener, req: IncomingMessage, facts: RequestFacts): Routed {
    const label = Engine.sharedLabel(listener);
    const known = this.hosts.all.map((v) => ({
      ...v,
      url: v.name.startsWith('*.')
        ? undefined
        : urlOf(listener.kind, v.name, listener.boundPort ?? listener.port),
    }));
    const page = unknownHostPage(facts.host, known, req.headers.accept);
    const cause = facts.host
      ? `no gateway has the virtual host '${hostName(facts.host)}'`
      : 'the request names no host, and this port serves gateways by their virtual hosts';
    return {
      ok: true,
      log: {
        gateway: label,
        target: 'virtual hosts',
        trace: [{ kind: 'no-route', text: cause }],
        override: false,
      },
      local: { kind: 'respond', respond: page },
      forward: this.forwardRequest(req, facts, {
        gateway: label,
        route: '',
        target: '',
        path: req.url ?? '/',
      }),
    };
  }

  /**
   * A TCP gateway's connection: a route by weight (or by the client's address with sticky: route), its
   * instance, and the bytes carried both ways; one log entry when it closes.
   */
  private handleTcp(listener: Listener, socket: Socket): void {
    const started = this.now();
    const name = listener.gateway ?? '';
    const clientIp = clientAddress(socket.remoteAddress);
    const facts: RequestFacts = {
      method: 'TCP',
      url: '',
      headers: {},
      clientIp,
      protocol: 'tcp',
      tls: false,
    };
    const gateway = this.gateways.get(name);
    const view = new HttpRequestView('TCP', '/', '', {});
    const d = gateway ? decide(gateway, { view, clientIp }) : undefined;
    if (!d?.ok) {
      socket.destroy();
      const cause = d?.cause ?? 'the gateway was removed';
      const routed: Routed = {
        ok: false,
        status: 503,
        gateway: name,
        info: { gateway: name, cause },
        trace: d?.trace ?? [],
      };
      this.record(facts, started, routed, {
        status: 503,
        error: describeFailure(routed.info),
        closeCause: cause,
      });
      return;
    }
    const g = d.gateway.config;
    const routed: Routed & { ok: true } = {
      ok: true,
      log: { gateway: name, route: d.entryRoute, target: d.target, trace: d.trace, override: false },
      instance: d.instance,
      forward: this.forwardRequest(undefined, facts, {
        gateway: name,
        route: d.route.name,
        target: d.target,
        path: '',
      }),
    };
    proxyTcp(socket, d.target, g.connectTimeoutMs, g.timeoutMs, (outcome: TcpOutcome) => {
      if (routed.instance)
        this.upstreams.report(routed.instance, outcome.status >= 500 ? outcome.error : undefined);
      this.record(facts, started, routed, {
        status: outcome.status,
        bytesIn: outcome.bytesIn,
        bytesOut: outcome.bytesOut,
        closeCause: outcome.closeCause,
        ...(outcome.error ? { error: outcome.error } : {}),
      });
    });
  }

  /**
   * Every request passes here, and nothing it does may take the process down: a throw anywhere in
   * routing or in starting the exchange is answered 500, logged with its cause, and forgotten.
   */
  private serve(
    req: IncomingMessage,
    res: ServerResponse,
    gateway: string,
    routeIt: (facts: RequestFacts) => Routed,
  ): void {
    const started = this.now();
    const facts = requestFacts(req);
    this.inFlight++;
    // on, not once: a response closes once, and once() wraps its listener anew for every request.
    res.on('close', this.responseClosed);
    const cors = this.gateways.get(gateway)?.config.cors;
    if (cors && typeof req.headers.origin === 'string')
      addErrorHeaders(req, corsResponseHeaders(cors, req.headers.origin));
    try {
      const routed = checkRequest(req, gateway) ?? routeIt(facts);
      if (!routed.ok) {
        sendError(req, res, routed.status, routed.info);
        this.record(facts, started, routed, { status: routed.status, error: describeFailure(routed.info) });
        return;
      }
      const delay = routed.faults?.delayMs;
      if (!delay) return this.deliver(req, res, routed, facts, started);
      // A delay fault: the request waits before going anywhere; a client that leaves meanwhile is a 499.
      const timer = setTimeout(() => {
        res.off('close', left);
        this.deliver(req, res, routed, facts, started);
      }, delay);
      const left = () => {
        clearTimeout(timer);
        const error = 'the client closed the connection during an injected delay';
        this.record(facts, started, routed, { status: 499, error });
      };
      res.once('close', left);
    } catch (err) {
      const failed = internalError(gateway, err);
      sendError(req, res, failed.status, failed.info);
      this.record(facts, started, failed, { status: failed.status, error: describeFailure(failed.info) });
    }
  }

  /** Sends a routed request on: an injected abort, a local answer, or the upstream. */
  private deliver(
    req: IncomingMessage,
    res: ServerResponse,
    routed: Routed & { ok: true },
    facts: RequestFacts,
    started: number,
  ): void {
    try {
      const abort = routed.faults?.abort;
      if (abort === 'reset') {
        req.socket.destroy();
        const error = describeFailure({ ...routed.forward, cause: 'connection reset (injected fault)' });
        this.record(facts, started, routed, { status: 0, error });
        return;
      }
      if (abort !== undefined) {
        const info = {
          gateway: routed.forward.gateway,
          route: routed.forward.route,
          cause: `injected fault: abort with ${abort}`,
        };
        sendError(req, res, abort, info);
        this.record(facts, started, routed, { status: abort, error: describeFailure(info) });
        return;
      }
      const local = routed.local;
      if (local?.kind === 'preflight') {
        res.writeHead(204, { ...local.headers, 'content-length': 0 });
        res.end();
        this.record(facts, started, routed, { status: 204, responseHeaders: local.headers });
        return;
      }
      if (local?.kind === 'respond') {
        req.resume();
        const f = routed.forward;
        void sendMock(
          res,
          local.respond,
          f.responseEdits,
          f.extraResponseHeaders ?? {},
          f.setCookies,
          req.method ?? 'GET',
        ).then(
          (m) =>
            this.record(facts, started, routed, {
              status: m.status,
              responseHeaders: m.headers as Record<string, string | string[]>,
              bytesOut: m.bytes,
              ...(m.error ? { error: m.error } : {}),
            }),
          (err: Error) => {
            if (!res.headersSent)
              sendError(req, res, 500, { gateway: f.gateway, route: f.route, cause: err.message });
            else res.destroy();
          },
        );
        return;
      }
      this.transport.forward(req, res, routed.forward, (x) => {
        this.passiveHealth(routed, x);
        const entry = this.record(facts, started, routed, { exchange: x });
        if (routed.shadows) this.sendShadows(routed, routed.shadows, x, facts, entry);
      });
    } catch (err) {
      const failed = internalError(routed.forward.gateway, err);
      sendError(req, res, failed.status, failed.info);
      this.record(facts, started, failed, { status: failed.status, error: describeFailure(failed.info) });
    }
  }

  /**
   * Sends a request's shadow copies once its primary has answered (the client has its answer by now),
   * and puts their verdicts in the primary's log entry when they are all in.
   */
  private sendShadows(
    routed: Routed & { ok: true },
    plans: ShadowPlan[],
    x: Exchange,
    facts: RequestFacts,
    entry: LogEntry | undefined,
  ): void {
    const f = routed.forward;
    const failed = x.error ?? (x.status === 0 || x.status === 499 ? 'no answer' : undefined);
    const primary = {
      method: facts.method,
      headers: upstreamRequestHeaders(facts.headers, f.from, undefined),
      requestTooBig: x.requestCapture?.overflowed ?? false,
      answer: decoded({
        status: x.status,
        headers: x.responseHeaders,
        body: x.responseCapture?.bytes() ?? Buffer.alloc(0),
        truncated: x.responseCapture?.overflowed ?? false,
      }),
      target: f.target,
      path: f.path,
      ...(x.requestCapture ? { requestBody: x.requestCapture.bytes() } : {}),
      ...(failed ? { failed } : {}),
    };
    void Promise.all(plans.map((p) => this.shadows.run(p, primary))).then((results) => {
      if (!entry) return;
      entry.shadows = results;
      this.log.touch(entry);
      this.emit('shadows', entry);
    });
  }

  /** Passive health: an exchange's outcome counts for or against its instance; an ejection is in the trace. */
  private passiveHealth(routed: Routed & { ok: true }, x: Exchange): void {
    if (x.staleRetry !== undefined)
      routed.log.trace.push({
        kind: 'wait',
        text: `retried once on a fresh connection: the kept-alive connection to ${routed.forward.target} was closed under it (${x.staleRetry})`,
      });
    if (!routed.instance || x.status === 499) return;
    const failed = x.status >= 500 || x.status === 0 ? (x.error ?? `answered ${x.status}`) : undefined;
    const ejected = this.upstreams.report(routed.instance, failed);
    if (ejected) routed.log.trace.push({ kind: 'health', text: ejected });
    if (x.waitedMs !== undefined)
      routed.log.trace.push({
        kind: 'wait',
        text: `waited ${x.waitedMs} ms for ${routed.forward.target}, which refused connections (${x.waitRetries ?? 0} retries, wait_for_upstream)`,
      });
  }

  private serveUpgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    gateway: string,
    routeIt: (facts: RequestFacts) => Routed,
  ): void {
    const started = this.now();
    // Taken before the transport rewrites req.url and req.headers for http-proxy.
    const facts = requestFacts(req);
    try {
      const routed = checkRequest(req, gateway) ?? routeIt(facts);
      const isWebSocket = req.method === 'GET' && req.headers.upgrade?.toLowerCase() === 'websocket';
      // A mock route or an injected abort answers an upgrade with its status, as it answers a request.
      const answered = routed.ok
        ? routed.local?.kind === 'respond'
          ? routed.local.respond.status
          : routed.faults?.abort
        : undefined;
      if (routed.ok && routed.local?.kind === 'respond') {
        // The mock's own status, headers and body; the connection is not upgraded.
        const respond = routed.local.respond;
        void writeMockOnSocket(socket, respond, routed.forward.responseEdits).then(
          (status) => this.record(facts, started, routed, { status, websocket: true }),
          () => socket.destroy(),
        );
        return;
      }
      if (routed.ok && answered !== undefined) {
        if (answered === 'reset') socket.destroy();
        else
          writeSocketError(
            socket,
            answered,
            {
              ...routed.forward,
              cause: routed.local ? 'a mock route answers' : `injected fault: abort with ${answered}`,
            },
            req,
          );
        this.record(facts, started, routed, { status: answered === 'reset' ? 0 : answered, websocket: true });
        return;
      }
      if (!routed.ok || !isWebSocket) {
        const status = routed.ok ? 400 : routed.status;
        const info: FailureInfo = routed.ok
          ? {
              gateway: routed.log.gateway,
              cause: 'only WebSocket upgrades (GET with Upgrade: websocket) are proxied',
            }
          : routed.info;
        writeSocketError(socket, status, info, req);
        this.record(facts, started, routed, { status, error: describeFailure(info), websocket: true });
        return;
      }
      // The log shows the connection when it opens and keeps its messages while it lasts; its end
      // updates that same entry. An upgrade that never opened is logged once, when it fails.
      let open: LogEntry | undefined;
      const watch: TunnelWatch = {
        previewBytes: Math.min(this.previewBytes, WS_PREVIEW_BYTES),
        opened: (x) => {
          open = this.record(facts, started, routed, { exchange: x, websocket: true });
          if (open) open.wsState = 'open';
        },
        message: (m, direction) => open && this.log.addMessage(open, wsMessage(this.now(), m, direction)),
      };
      this.transport.upgrade(
        req,
        socket,
        head,
        routed.forward,
        (x) => {
          if (!open) return void this.record(facts, started, routed, { exchange: x, websocket: true });
          closeEntry(open, x, this.now() - started);
          this.log.touch(open);
        },
        this.logging ? watch : undefined,
      );
    } catch (err) {
      const failed = internalError(gateway, err);
      writeSocketError(socket, failed.status, failed.info, req);
      const error = describeFailure(failed.info);
      this.record(facts, started, failed, { status: failed.status, error, websocket: true });
    }
  }

  /** A forward proxy's CONNECT has no place at a reverse proxy: 405, logged, as nginx answers it. */
  private handleConnect(listener: Listener, req: IncomingMessage, socket: Duplex): void {
    const started = this.now();
    const gateway = this.gatewayOf(listener, req) ?? Engine.sharedLabel(listener);
    const info = { gateway, cause: 'CONNECT is not supported: this is a reverse proxy' };
    writeSocketError(socket, 405, info, req, { Allow: 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS' });
    const routed: Routed = { ok: false, status: 405, gateway, info, trace: [] };
    this.record(requestFacts(req), started, routed, { status: 405, error: describeFailure(info) });
  }

  /** Malformed requests never reach routing; they get a proper answer (400, 408, 414 or 431). */
  private handleClientError(listener: Listener, err: Error & { code?: string }, socket: Duplex): void {
    const answer = clientErrorAnswer(err);
    if (!answer || !socket.writable) {
      socket.destroy();
      return;
    }
    const gateway = listener.gateway ?? Engine.sharedLabel(listener);
    const info = { gateway, cause: answer.cause };
    writeSocketError(socket, answer.status, info);
    if (this.logging) {
      this.log.append({
        ...emptyEntry(this.now(), gateway),
        status: answer.status,
        error: describeFailure(info),
      });
    }
  }

  private routeEndpoint(endpoint: ProxyEndpoint, facts: RequestFacts, req: IncomingMessage): Routed {
    if (endpoint.kind === 'route') return this.routeVampInstance(endpoint, facts, req);
    if (endpoint.kind === 'gateway') {
      if (!this.gateways.has(endpoint.gateway)) {
        const info = { gateway: endpoint.gateway, cause: `there is no gateway '${endpoint.gateway}'` };
        return { ok: false, status: 404, gateway: endpoint.gateway, info, trace: [] };
      }
      const force =
        endpoint.route === undefined ? {} : { route: endpoint.route, instance: endpoint.instance };
      return (
        this.preflight(endpoint.gateway, req, facts) ??
        this.route(endpoint.gateway, endpoint.url, req, facts, force)
      );
    }
    const label = `proxy/host/${endpoint.host}/port/${endpoint.port}`;
    const target = parseRequestTarget(endpoint.url);
    if ('error' in target)
      return {
        ok: false,
        status: 400,
        gateway: label,
        info: { gateway: label, cause: target.error },
        trace: [],
      };
    const url = httpOrigin(endpoint.host, endpoint.port);
    const trace = [
      { kind: 'override' as const, text: `sent straight to ${url} by the /proxy/host endpoint` },
    ];
    return {
      ok: true,
      log: { gateway: label, target: url, trace, override: true },
      forward: this.forwardRequest(req, facts, {
        gateway: label,
        route: 'host',
        target: url,
        path: target.path + target.search,
      }),
    };
  }

  /** A Vamp instance path: the gateway holding a route of that name, and its instance by name or number. */
  private routeVampInstance(
    endpoint: Extract<ProxyEndpoint, { kind: 'route' }>,
    facts: RequestFacts,
    req: IncomingMessage,
  ): Routed {
    for (const g of this.config.gateways) {
      const route = g.routes.find((r) => r.name === endpoint.route);
      if (!route) continue;
      const named = route.instanceNames?.indexOf(endpoint.instance) ?? -1;
      const instance = named >= 0 ? named : /^\d+$/.test(endpoint.instance) ? Number(endpoint.instance) : -1;
      if (instance >= 0) return this.route(g.name, endpoint.url, req, facts, { route: route.name, instance });
      const cause = `route '${route.name}' has no instance '${endpoint.instance}'`;
      return { ok: false, status: 404, gateway: g.name, info: { gateway: g.name, cause }, trace: [] };
    }
    const cause = `no gateway has a route named '${endpoint.route}'`;
    return { ok: false, status: 404, gateway: 'proxy', info: { cause }, trace: [] };
  }

  private route(
    gatewayName: string,
    url: string,
    req: IncomingMessage,
    facts: RequestFacts,
    force: { route?: string; instance?: number | undefined },
  ): Routed {
    const gateway = this.gateways.get(gatewayName);
    if (!gateway) {
      // A listener still draining after its gateway was removed.
      const info = { gateway: gatewayName, cause: 'the gateway was removed' };
      return { ok: false, status: 503, gateway: gatewayName, info, trace: [] };
    }
    const target = parseRequestTarget(url);
    if ('error' in target)
      return {
        ok: false,
        status: 400,
        gateway: gateway.name,
        info: { gateway: gateway.name, cause: target.error },
        trace: [],
      };
    const view = new HttpRequestView(req.method ?? 'GET', target.path, target.search, req.headers);
    const input: RoutingInput = { view, clientIp: facts.clientIp };
    if (force.route !== undefined) {
      input.override = force.route;
      input.overrideBy = 'the /proxy/gateways/.../routes endpoint';
      if (force.instance !== undefined) input.instance = force.instance;
    } else {
      const header = req.headers[OVERRIDE_HEADER];
      const override =
        typeof header === 'string'
          ? header
          : target.search.includes(OVERRIDE_QUERY)
            ? view.query(OVERRIDE_QUERY)
            : undefined;
      if (override) input.override = override;
    }
    if (gateway.config.semantics === 'aileron') answerAsAileron(req);
    const d = decide(gateway, input);
    if (!d.ok) {
      const info: FailureInfo = { gateway: d.gateway.name, cause: d.cause };
      if (d.route) info.route = d.route;
      return {
        ok: false,
        status: force.route !== undefined && d.status === 400 ? 404 : d.status,
        gateway: gateway.name,
        info,
        trace: d.trace,
      };
    }
    const g = d.gateway.config;
    const trace = d.trace;
    const routeConfig = d.route.config;
    // Header rules: the gateway the client called, then the route's (route after gateway).
    const requestEdits = evaluateHeaderRules(
      [gateway.config.headers?.request, routeConfig.headers?.request],
      view,
    );
    const responseEdits = evaluateHeaderRules(
      [gateway.config.headers?.response, routeConfig.headers?.response],
      view,
    );
    if (requestEdits && describeEdits(requestEdits))
      trace.push({ kind: 'headers', text: `request headers ${describeEdits(requestEdits)}` });
    if (responseEdits && describeEdits(responseEdits))
      trace.push({ kind: 'headers', text: `response headers ${describeEdits(responseEdits)}` });
    const cors = gateway.config.cors;
    const origin = typeof req.headers.origin === 'string' ? req.headers.origin : undefined;
    const extra = cors && origin ? corsResponseHeaders(cors, origin) : undefined;
    if (cors && origin)
      trace.push({
        kind: 'cors',
        text: extra?.['access-control-allow-origin']
          ? `CORS headers for origin ${origin}`
          : `origin ${origin} is not allowed by cors`,
      });
    const faults = planFaults(routeConfig.faults, (name) => view.header(name), this.random);
    if (faults) trace.push(...faults.trace);
    const shadows = d.respond
      ? undefined
      : this.planShadows(gateway, d.route.name, view, target.search, req, g, trace);
    // Built field by field, not from spreads of conditional objects: this runs for every request.
    const forward = this.forwardRequest(req, facts, {
      gateway: d.gateway.name,
      route: d.route.name,
      target: d.target,
      path: d.path + target.search,
      timeoutMs: g.timeoutMs,
      connectTimeoutMs: g.connectTimeoutMs,
      preserveHost: g.preserveHost,
      setCookies: d.setCookies,
      maxUpstreamConnections: g.maxUpstreamConnections ?? DEFAULT_MAX_UPSTREAM_CONNECTIONS,
    });
    if (requestEdits) forward.requestEdits = requestEdits;
    if (responseEdits) forward.responseEdits = responseEdits;
    if (extra) forward.extraResponseHeaders = extra;
    if (g.waitForUpstreamMs) forward.waitForUpstreamMs = g.waitForUpstreamMs;
    if (faults?.bandwidthBps) forward.bandwidthBps = faults.bandwidthBps;
    if (shadows) forward.captureBytes = SHADOW_BODY_CAP;
    const upstream = this.upstreamTls.of(d.route.config);
    if (upstream) forward.upstream = upstream;
    const routed: Routed & { ok: true } = {
      ok: true,
      log: {
        gateway: gateway.name,
        route: d.entryRoute,
        target: d.target,
        trace,
        override: d.override,
      },
      instance: d.instance,
      forward,
    };
    if (shadows) routed.shadows = shadows;
    if (faults) routed.faults = faults;
    if (d.respond) routed.local = { kind: 'respond', respond: d.respond };
    return routed;
  }

  /**
   * The shadow copies a request gets: each shadow route of the gateway the client called (other than the
   * one that answers) whose methods include the request's, for its `shadow` share of the requests.
   */
  private planShadows(
    gateway: CompiledGateway,
    primaryRoute: string,
    view: HttpRequestView,
    search: string,
    req: IncomingMessage,
    g: GatewayConfig,
    trace: TraceStep[],
  ): ShadowPlan[] | undefined {
    let plans: ShadowPlan[] | undefined;
    const method = (req.method ?? 'GET').toUpperCase();
    for (const r of gateway.routes) {
      const s = r.config.shadow;
      if (!s || r.name === primaryRoute || r.targets.length === 0) continue;
      if (!s.methods.includes(method)) {
        trace.push({
          kind: 'shadow',
          text: `not copied to ${r.name}: ${method} is not in its shadow_methods`,
        });
        continue;
      }
      if (s.percent < 100 && this.random() * 100 >= s.percent) continue;
      const n = (this.shadowTurn.get(r) ?? 0) + 1;
      this.shadowTurn.set(r, n);
      const instance = r.targets[n % r.targets.length]!;
      const path = r.rewrite(view.path, view, []) + search;
      (plans ??= []).push({
        gateway: gateway.name,
        route: r.name,
        target: instance.url,
        path,
        config: s,
        timeoutMs: g.timeoutMs,
        connectTimeoutMs: g.connectTimeoutMs,
      });
      trace.push({ kind: 'shadow', text: `copied to ${r.name} (shadow ${s.percent}%) after the answer` });
    }
    return plans;
  }

  /** A CORS preflight to a gateway with `cors`: answered by the gateway, never forwarded. */
  private preflight(gatewayName: string, req: IncomingMessage, facts: RequestFacts): Routed | undefined {
    const cors = this.gateways.get(gatewayName)?.config.cors;
    if (!cors || !isPreflight(req.method, req.headers)) return undefined;
    const answer = preflightAnswer(cors, req.headers);
    const origin = String(req.headers.origin);
    const text = answer.allowed
      ? `CORS preflight from ${origin} answered by the gateway`
      : `CORS preflight from ${origin} refused: the origin is not in cors.origins`;
    return {
      ok: true,
      log: {
        gateway: gatewayName,
        target: 'cors preflight',
        trace: [{ kind: 'cors', text }],
        override: false,
      },
      local: { kind: 'preflight', headers: answer.headers },
      forward: this.forwardRequest(req, facts, {
        gateway: gatewayName,
        route: '',
        target: '',
        path: req.url ?? '/',
      }),
    };
  }

  private forwardRequest(
    req: IncomingMessage | undefined,
    facts: RequestFacts,
    f: Pick<ForwardRequest, 'gateway' | 'route' | 'target' | 'path'> & Partial<ForwardRequest>,
  ): ForwardRequest {
    const from: ForwardedFrom = {
      clientIp: facts.clientIp,
      host: facts.host,
      localPort: localPort(req?.socket),
      encrypted: facts.tls,
    };
    // AILERON gateways append to a client's X-Forwarded-For (its core/httpproxy/util.go).
    if (isAileronRequest(req) && req?.headers['x-forwarded-for'])
      from.priorForwardedFor = String(req.headers['x-forwarded-for']);
    // Field by field, not spread: this runs for every request.
    const forward = f as ForwardRequest;
    forward.timeoutMs ??= DEFAULTS.timeoutMs;
    forward.connectTimeoutMs ??= DEFAULTS.connectTimeoutMs;
    forward.preserveHost ??= false;
    forward.setCookies ??= [];
    forward.maxUpstreamConnections ??= DEFAULT_MAX_UPSTREAM_CONNECTIONS;
    forward.from = from;
    forward.previewBytes = this.logging ? this.previewBytes : 0;
    return forward;
  }

  private record(
    req: RequestFacts,
    started: number,
    routed: Routed,
    r: {
      status?: number;
      error?: string;
      exchange?: Exchange;
      websocket?: boolean;
      responseHeaders?: Record<string, string | string[]>;
      bytesIn?: number;
      bytesOut?: number;
      closeCause?: string;
    },
  ): LogEntry | undefined {
    if (!this.logging) return undefined;
    const x = r.exchange;
    const ok = routed.ok;
    const durationMs = this.now() - started;
    // Request first: previews take their room in the log's arena in the order of the exchange.
    const requestBody = x?.requestBody?.preview(this.log.arena);
    // One literal with every field a routed request has, so the entry holds them in the object itself
    // (a field added later costs a separate property array); the log keeps 10,000 of these.
    const entry: LogEntry = {
      seq: 0, // numbered by the log
      time: started,
      gateway: ok ? routed.log.gateway : routed.gateway,
      route: ok ? routed.log.route : undefined,
      target: ok ? routed.log.target : undefined,
      host: req.host,
      method: req.method,
      path: req.url,
      forwardedPath: ok ? routed.forward.path : undefined,
      status: x?.status ?? r.status ?? 0,
      durationMs,
      bytesIn: x?.bytesIn ?? r.bytesIn ?? 0,
      bytesOut: x?.bytesOut ?? r.bytesOut ?? 0,
      clientIp: req.clientIp,
      requestHeaders: req.headers,
      responseHeaders: x?.responseHeaders ?? r.responseHeaders ?? {},
      responseBody: x?.responseBody?.preview(this.log.arena),
      // A copy of its own size: routing's array grew by pushes, to room for 17 steps.
      trace: (ok ? routed.log.trace : routed.trace).slice(),
      override: ok && routed.log.override,
      websocket: r.websocket ?? false,
      protocol: req.protocol,
    };
    if (req.tls) entry.tls = true;
    if (r.closeCause) entry.closeCause = r.closeCause;
    if (ok) {
      if (routed.faults?.kinds.length) entry.faults = routed.faults.kinds;
      if (x?.waitedMs !== undefined) entry.waitedMs = x.waitedMs;
    }
    const error = x?.error ?? r.error;
    if (error) entry.error = error;
    if (requestBody) entry.requestBody = requestBody;
    return this.log.append(entry);
  }
}

/** A WebSocket's entry when its tunnel ends: closed, with its duration, bytes and any failure. */
function closeEntry(entry: LogEntry, x: Exchange, durationMs: number): void {
  entry.wsState = 'closed';
  entry.durationMs = durationMs;
  entry.bytesIn = x.bytesIn;
  entry.bytesOut = x.bytesOut;
  if (x.error) entry.error = x.error;
}

function wsMessage(time: number, m: WsFrameMessage, direction: WsMessage['direction']): WsMessage {
  const message: WsMessage = {
    time,
    direction,
    type: m.type,
    size: m.size,
    preview: { base64: m.preview.toString('base64'), truncated: m.preview.length < m.size },
  };
  if (m.compressed) message.compressed = true;
  return message;
}

/** What the log keeps of the request as the client sent it. */
interface RequestFacts {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  clientIp: string;
  /** Host, or HTTP/2's :authority. */
  host?: string;
  protocol: NonNullable<LogEntry['protocol']>;
  tls: boolean;
}

/**
 * What is wrong with a request before routing looks at it: two Host headers (nginx answers 400, since
 * the two could be read differently by the proxy and the upstream).
 */
function checkRequest(req: IncomingMessage, gateway: string): Routed | undefined {
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2)
    if (raw[i]!.length === 4 && raw[i]!.toLowerCase() === 'host') hosts++;
  if (hosts <= 1) return undefined;
  const info = { gateway, cause: 'the request has more than one Host header' };
  return { ok: false, status: 400, gateway, info, trace: [] };
}

function internalError(gateway: string, err: unknown): Routed & { ok: false } {
  const cause = `internal error: ${(err as Error)?.message ?? String(err)}`;
  return { ok: false, status: 500, gateway, info: { gateway, cause }, trace: [] };
}

function requestFacts(req: IncomingMessage): RequestFacts {
  const facts: RequestFacts = {
    method: req.method ?? '',
    url: req.url ?? '',
    headers: req.headers as Record<string, string | string[]>,
    clientIp: clientAddress(req.socket.remoteAddress),
    protocol: req.httpVersionMajor === 2 ? 'h2' : req.httpVersionMinor === 0 ? 'http/1.0' : 'http/1.1',
    tls: (req.socket as Partial<TLSSocket>).encrypted === true,
  };
  const host = hostOf(req);
  if (host !== undefined) facts.host = host;
  return facts;
}

/** The host a request names: Host, or HTTP/2's :authority. */
function hostOf(req: IncomingMessage): string | undefined {
  const host = req.headers.host ?? req.headers[':authority'];
  return typeof host === 'string' ? host : undefined;
}

/** `http://shop.localhost:8000/`, `https://127.0.0.1:8443/`, `tcp://127.0.0.1:5433`. */
function urlOf(kind: ListenerKind, host: string, port: number): string {
  return kind === 'tcp' ? `tcp://${hostPort(host, port)}` : `${kind}://${hostPort(host, port)}/`;
}

/** A wildcard bind address is reached at localhost. */
function displayHost(host: string): string {
  return host === '0.0.0.0' || host === '::' ? 'localhost' : host;
}

/** A TCP connection has no cookie: `sticky: route` pins a client by its address instead. */
function withTcpStickiness(config: SwitchyardConfig): SwitchyardConfig {
  if (!config.gateways.some((g) => g.protocol === 'tcp' && g.sticky === 'route' && !g.stickyBy))
    return config;
  const gateways = config.gateways.map((g) =>
    g.protocol === 'tcp' && g.sticky === 'route' && !g.stickyBy
      ? { ...g, stickyBy: { source: 'ip' as const } }
      : g,
  );
  return { ...config, gateways };
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

/**
 * Gateways on port 0 get a listener of their own that survives re-applies; others share by address and
 * what the port speaks.
 */
function listenerKey(g: GatewayConfig): string {
  const kind = g.protocol ?? 'http';
  return g.port === 0 ? `auto:${g.name}:${kind}` : `${kind}:${g.host}:${g.port}`;
}
