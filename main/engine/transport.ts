import type http from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Transform, type Duplex } from 'node:stream';
import type HttpProxy from 'http-proxy';
import { createRequire } from 'node:module';
import type { Dispatcher } from 'undici';
import { Client, H2CClient, Pool, requestOn } from './undici.js';
import type { UpstreamOptions } from './upstream-tls.js';
import { H2Upstreams, h2RequestHeaders, withoutPseudo } from './h2-upstream.js';
import { constants as h2constants } from 'node:http2';
import { BodyTap } from './body-tap.js';
import { HeldBody } from './held-body.js';
import { applyHeaderEdits, type HeaderEdits } from './header-rules.js';
import { Throttle } from './throttle.js';
import { describeFailure, sendError, writeSocketError, type FailureInfo } from './error-response.js';
import { endToEndHeaders, upstreamRequestHeaders, type ForwardedFrom } from './headers.js';
import { WsFrameReader, type WsFrameMessage } from './ws-frames.js';

/**
 * The proxy transport: the only module that talks to upstreams, and the only one that imports
 * http-proxy. Plain HTTP goes through a lean path on undici (one keep-alive pool per upstream, bodies
 * streamed with backpressure both ways): the benchmark shows Node's own http client costs about as
 * much as http-proxy itself, and undici's costs far less. WebSocket upgrades go through http-proxy, with
 * the guards its known faults need: an 'error' handler on every socket, a pending upstream request
 * destroyed when the client goes away, and an HTTP error answer instead of an empty socket.
 */

export interface ForwardRequest {
  gateway: string;
  route: string;
  /** Instance URL, possibly with a base path. */
  target: string;
  /** Path and query to send, after rewrites. */
  path: string;
  timeoutMs: number;
  connectTimeoutMs: number;
  preserveHost: boolean;
  setCookies: readonly string[];
  from: ForwardedFrom;
  /** Bytes of each body to keep for the log; 0 keeps none. */
  previewBytes: number;
  /** Connections to one target at most; more requests queue. */
  maxUpstreamConnections: number;
  /** TLS trust and HTTP/2 for the route's targets; unset: HTTP/1.1, Node's defaults. */
  upstream?: UpstreamOptions;
  /** How long to wait for a target that refuses connections, retrying every 100 ms (wait_for_upstream). */
  waitForUpstreamMs?: number;
  /** Hold the response to this many bytes per second (a bandwidth fault). */
  bandwidthBps?: number;
  /** Header rules' edits of the request sent upstream and of the response sent back. */
  requestEdits?: HeaderEdits;
  responseEdits?: HeaderEdits;
  /** Headers added to the response after the rules (CORS). */
  extraResponseHeaders?: Record<string, string>;
  /**
   * Keep up to this many bytes of the request and response bodies for a shadow comparison (they flow on
   * as they come: nothing is held back).
   */
  captureBytes?: number;
}

/** A copy of a request sent by the gateway itself (a shadow, or a second primary answer to learn noise). */
export interface CopyRequest {
  target: string;
  method: string;
  path: string;
  headers: http.OutgoingHttpHeaders;
  body?: Buffer;
  timeoutMs: number;
  connectTimeoutMs: number;
  /** Bytes of the answer's body read at most; the rest is not read. */
  capBytes: number;
}

export type CopyAnswer =
  | {
      ok: true;
      status: number;
      headers: Record<string, string | string[]>;
      body: Buffer;
      truncated: boolean;
      durationMs: number;
    }
  | { ok: false; error: string; durationMs: number };

/** What happened, for the request log. */
export interface Exchange {
  status: number;
  error?: string;
  bytesIn: number;
  bytesOut: number;
  responseHeaders: Record<string, string | string[]>;
  requestBody?: BodyTap;
  responseBody?: BodyTap;
  /** Time spent waiting for a target that refused connections, and how many times it was tried again. */
  waitedMs?: number;
  waitRetries?: number;
  /** Why the first attempt was sent again on a fresh connection (a kept-alive one the upstream had closed). */
  staleRetry?: string;
  /** Bodies kept for a shadow comparison (ForwardRequest.captureBytes). */
  requestCapture?: BodyTap;
  responseCapture?: BodyTap;
}

interface Upstream {
  pool: Dispatcher;
  /** How a one-shot connection to the same target is made (the stale-connection retry). */
  connect: { timeout: number; ca?: string[]; rejectUnauthorized?: boolean };
  /** Origin as http-proxy wants it, and the base path to prefix. */
  origin: string;
  basePath: string;
  /** Host header value for this upstream. */
  host: string;
}

/** What the log learns of an open WebSocket tunnel while it lasts (its end comes through `done`). */
export interface TunnelWatch {
  /** The upstream answered 101: the tunnel is open. */
  opened(x: Exchange): void;
  /** A whole message passed; `sent` is client to upstream. */
  message(m: WsFrameMessage, direction: 'sent' | 'received'): void;
  /** Bytes of each message to keep. */
  previewBytes: number;
}

/** Error codes in words, for answers and the log. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the upstream',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'the upstream closed the connection',
  UND_ERR_SOCKET: 'the upstream closed the connection',
};

/** Certificate failures of https:// targets: said as such, with what the route can do about them. */
const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|ALTNAME/;

function causeOf(err: Error & { code?: string }): string {
  if (err.code?.startsWith('HPE_') || err.name === 'HTTPParserError')
    return `invalid response from the upstream (${err.message})`;
  if (err.code && CERTIFICATE_ERRORS.test(err.code))
    return `the upstream's certificate was refused: ${err.message} (${err.code}); for a dev server's own certificate set ca: FILE, or tls_verify: false, on the route`;
  const known = err.code ? CAUSES[err.code] : undefined;
  return known ? `${known} (${err.code})` : err.message;
}

/**
 * A request that announces no body needs no stream upstream. An HTTP/2 request has a body unless its
 * HEADERS frame ended the stream (it need not send content-length).
 */
function hasBody(req: IncomingMessage): boolean {
  if (req.httpVersionMajor === 2)
    return !(req as IncomingMessage & { stream?: { endAfterHeaders?: boolean } }).stream?.endAfterHeaders;
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** Methods a proxy may send twice (RFC 9110 section 9.2.2), when the request has no body. */
const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE', 'TRACE']);
/** Failures that mean a connection closed under the request before any response byte: a stale keep-alive. */
const CLOSED_UNDER_US = new Set(['UND_ERR_SOCKET', 'ECONNRESET', 'EPIPE']);

/** The request body stopped arriving for the gateway's `timeout`. */
class BodyTimeout extends Error {
  readonly code = 'SWITCHYARD_BODY_TIMEOUT';
}

/** wait_for_upstream: time between attempts, and the most of a request body held meanwhile. */
const WAIT_STEP_MS = 100;
export const HELD_BODY_CAP = 1024 * 1024;

/** Upstream pools kept at most; see upstream(). */
const MAX_POOLS = 256;

/** Connections per target for copies of requests (shadows) at most; more copies queue. */
const COPY_CONNECTIONS = 32;

/** Upstream connections per target at most (the route's `max_upstream_connections`). */
export const DEFAULT_MAX_UPSTREAM_CONNECTIONS = 256;

export class Transport {
  private readonly upstreams = new Map<string, Upstream>();
  /** Pools for copies of requests (shadows), apart from the clients' pools. */
  private readonly copyPools = new Map<string, Pool>();
  private proxyServer: HttpProxy | undefined;
  private readonly pendingUpgrades = new WeakMap<IncomingMessage, (proxyReq: http.ClientRequest) => void>();
  /** Sessions to the targets of h2 routes. */
  private readonly h2 = new H2Upstreams();
  /** Open WebSocket tunnels: both sockets, so that shutdown can end them. */
  private readonly tunnels = new Set<{ client: Duplex; upstream: Duplex }>();

  /** http-proxy carries WebSocket upgrades; loaded (synchronously) on the first one, as most sessions have none. */
  private get proxy(): HttpProxy {
    if (this.proxyServer) return this.proxyServer;
    const httpProxy = createRequire(import.meta.url)('http-proxy') as typeof HttpProxy;
    const proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, changeOrigin: false });
    // Every failure is answered by the callback passed to ws(); this listener only keeps an unexpected
    // emit from becoming an uncaught exception (node-http-proxy #1438, #1586).
    proxy.on('error', () => undefined);
    proxy.on('proxyReqWs', (proxyReq: http.ClientRequest, req: IncomingMessage) =>
      this.pendingUpgrades.get(req)?.(proxyReq),
    );
    this.proxyServer = proxy;
    return proxy;
  }

  forward(req: IncomingMessage, res: ServerResponse, f: ForwardRequest, done: (x: Exchange) => void): void {
    if (f.upstream?.h2) return this.forwardH2(req, res, f, done);
    new Forwarding(this, req, res, f, done).start();
  }

  /**
   * The dispatcher for one attempt of an exchange, and the upstream it goes to. The stale-connection retry
   * (attempt 1) goes on a connection of its own: the pool may hold more connections the upstream has
   * closed, and a second stale one would fail the request after all. wait_for_upstream's tries (attempt 2)
   * follow refused connections, so the pool holds none of them.
   */
  dispatcherFor(f: ForwardRequest, attempt: number): { dispatcher: Dispatcher; up: Upstream } {
    const up = this.upstream(f.target, f.connectTimeoutMs, f.maxUpstreamConnections, f.upstream);
    const dispatcher = attempt === 1 && !f.upstream?.h2 ? oneShotClient(up.origin, up.connect) : up.pool;
    return { dispatcher, up };
  }

  /**
   * An `h2: true` route's request, as HTTP/2 on node:http2 (gRPC): headers, body and trailers both ways.
   * What HTTP/1.1 forwarding adds for dev servers (the stale-connection retry, wait_for_upstream, the
   * bandwidth fault) is not done here.
   */
  private forwardH2(
    req: IncomingMessage,
    res: ServerResponse,
    f: ForwardRequest,
    done: (x: Exchange) => void,
  ): void {
    const exchange: Exchange = { status: 0, bytesIn: 0, bytesOut: 0, responseHeaders: {} };
    const info: FailureInfo = { gateway: f.gateway, route: f.route, target: f.target, cause: '' };
    let finished = false;
    const finish = (error?: string) => {
      if (finished) return;
      finished = true;
      if (error) exchange.error = describeFailure({ ...info, cause: error });
      done(exchange);
    };
    const fail = (status: number, cause: string) => {
      if (res.headersSent) res.destroy();
      else {
        exchange.status = status;
        sendError(req, res, status, { ...info, cause });
      }
      finish(cause);
    };
    if (f.upstream?.error) return fail(502, f.upstream.error);
    const url = new URL(f.target);
    const base = url.pathname === '/' ? '' : url.pathname;
    const session = this.h2.session(url.origin, {
      timeout: f.connectTimeoutMs,
      ...(f.upstream?.ca ? { ca: f.upstream.ca } : {}),
      ...(f.upstream?.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    });
    const headers = applyHeaderEdits(
      upstreamRequestHeaders(req.headers, f.from, f.preserveHost ? undefined : url.host),
      f.requestEdits,
    );
    if (String(req.headers.te ?? '').includes('trailers')) headers.te = 'trailers';
    const withBody = hasBody(req);
    const h2headers = h2RequestHeaders(
      req.method ?? 'GET',
      base + f.path,
      url.protocol.slice(0, -1),
      headers,
    );
    let stream: ReturnType<typeof session.request>;
    try {
      stream = session.request(h2headers, { endStream: !withBody });
    } catch (err) {
      return fail(502, causeOf(err as Error));
    }
    stream.setTimeout(f.timeoutMs, () => {
      stream.close(h2constants.NGHTTP2_CANCEL);
      fail(504, `no response within ${f.timeoutMs} ms (timeout)`);
    });
    if (withBody) {
      const body = countingTap(exchange, f.previewBytes, f.timeoutMs);
      req.pipe(body).pipe(stream);
      body.on('error', (err) => stream.destroy(err));
    } else req.resume();

    stream.on('response', (upstreamHeaders, flags) => {
      const status = Number(upstreamHeaders[':status']);
      if (status < 200) return;
      // A gRPC "trailers-only" answer (an error with no message) ends the stream with its headers; Node's
      // server cannot end a stream on its headers, so the status moves to trailers, as gRPC also allows.
      const trailersOnly = (flags & h2constants.NGHTTP2_FLAG_END_STREAM) !== 0;
      if (trailersOnly) res.addTrailers(grpcStatus(upstreamHeaders));
      const out = clientResponseHeaders(
        endToEndHeaders(upstreamHeaders, trailersOnly ? GRPC_STATUS : undefined),
        f,
      );
      exchange.status = status;
      exchange.responseHeaders = out as Record<string, string | string[]>;
      if (f.previewBytes > 0) exchange.responseBody = new BodyTap(f.previewBytes);
      res.writeHead(status, out);
    });
    stream.on('data', (chunk: Buffer) => {
      exchange.bytesOut += chunk.length;
      exchange.responseBody?.push(chunk);
      if (!res.write(chunk)) stream.pause();
    });
    res.on('drain', () => stream.resume());
    stream.on('trailers', (trailers) => res.addTrailers(withoutPseudo(trailers) as http.OutgoingHttpHeaders));
    stream.on('end', () => res.end());
    stream.on('error', (err: Error & { code?: string }) => {
      if (!finished) fail(502, causeOf(err));
    });
    res.on('close', () => {
      if (res.writableFinished) return finish();
      if (!stream.closed) stream.close(h2constants.NGHTTP2_CANCEL);
      if (!finished) {
        exchange.status = exchange.status && res.headersSent ? exchange.status : 499;
        finish('the client closed the connection before the response was complete');
      }
    });
  }

  /**
   * Proxies a WebSocket upgrade through http-proxy; `done` runs when the client socket closes, and
   * `watch`, when given, hears of the tunnel opening and of each message while it is open.
   */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    f: ForwardRequest,
    done: (x: Exchange) => void,
    watch?: TunnelWatch,
  ): void {
    const up = this.upstream(f.target, f.connectTimeoutMs, f.maxUpstreamConnections);
    const exchange: Exchange = { status: 0, bytesIn: 0, bytesOut: 0, responseHeaders: {} };
    const info: FailureInfo = { gateway: f.gateway, route: f.route, target: f.target, cause: '' };
    let pending: http.ClientRequest | undefined;
    let upstreamSocket: Duplex | undefined;
    // Until the upstream answers, the gateway's timeout runs: a silent upstream gets a 504, not a wait.
    const timer = setTimeout(() => {
      pending?.destroy();
      exchange.status = 504;
      const cause = `no upgrade answer within ${f.timeoutMs} ms (timeout)`;
      exchange.error = describeFailure({ ...info, cause });
      writeSocketError(socket, 504, { ...info, cause }, req);
    }, f.timeoutMs);
    // While the upstream has not answered, the client socket is read (and what it sends held back), so
    // that a client who leaves is noticed: a paused socket never reports the other side's FIN.
    const early: Buffer[] = [];
    const hold = (chunk: Buffer) => early.push(chunk);
    // The server's sockets are half-open capable: a client's FIN must end this one, or it never closes.
    const leave = () => socket.destroy();
    socket.on('data', hold);
    socket.on('end', leave);
    const release = () => {
      socket.off('data', hold);
      socket.off('end', leave);
      socket.pause();
      if (early.length) socket.unshift(Buffer.concat(early));
    };
    this.pendingUpgrades.set(req, (proxyReq) => {
      pending = proxyReq;
      proxyReq.on('upgrade', (upRes: IncomingMessage, proxySocket: Duplex) => {
        release();
        clearTimeout(timer);
        exchange.status = 101;
        exchange.responseHeaders = upRes.headers as Record<string, string | string[]>;
        pending = undefined;
        upstreamSocket = proxySocket;
        this.tunnel(socket, proxySocket, watch);
        watch?.opened(exchange);
      });
      proxyReq.on('response', (upRes: IncomingMessage) => {
        release();
        clearTimeout(timer);
        exchange.status = upRes.statusCode ?? 502;
        exchange.responseHeaders = upRes.headers as Record<string, string | string[]>;
      });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      // A client that leaves before the upstream answered must not leave the upstream request open.
      pending?.destroy();
      upstreamSocket?.destroy();
      exchange.bytesIn = (socket as { bytesRead?: number }).bytesRead ?? 0;
      exchange.bytesOut = (socket as { bytesWritten?: number }).bytesWritten ?? 0;
      if (!exchange.status) {
        exchange.status = 499;
        exchange.error ??= describeFailure({
          ...info,
          cause: 'the client closed the connection before the upgrade',
        });
      }
      done(exchange);
    });
    const headers = upstreamRequestHeaders(req.headers, f.from, f.preserveHost ? undefined : up.host);
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade;
    req.headers = headers as http.IncomingHttpHeaders;
    req.url = f.path;
    this.proxy.ws(req, socket, head, { target: up.origin + up.basePath }, (err: Error) => {
      clearTimeout(timer);
      if (exchange.status === 504) return socket.destroy();
      const cause = causeOf(err);
      exchange.error = describeFailure({ ...info, cause });
      // Before anything was written the client still expects an HTTP answer; after, the tunnel just ends.
      if ((socket as { bytesWritten?: number }).bytesWritten === 0) {
        exchange.status = 502;
        writeSocketError(socket, 502, { ...info, cause }, req);
      } else socket.destroy();
    });
  }

  /**
   * Ties an open tunnel's two sockets together: when either side ends, errors or closes, the other is
   * ended too (flushing what it has to write) and both are destroyed, so no half of a tunnel outlives the
   * other (http-proxy only half-closes the upstream on a client error, and leaks it).
   */
  private tunnel(client: Duplex, upstream: Duplex, watch?: TunnelWatch): void {
    if (watch) watchMessages(client, upstream, watch);
    const pair = { client, upstream };
    this.tunnels.add(pair);
    let closing = false;
    const close = () => {
      if (closing) return;
      closing = true;
      this.tunnels.delete(pair);
      for (const s of [client, upstream]) if (!s.destroyed) s.end();
      setTimeout(() => {
        client.destroy();
        upstream.destroy();
      }, 1000).unref();
    };
    const destroy = () => {
      close();
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      s.on('end', close);
      s.on('error', destroy);
      s.on('close', destroy);
    }
  }

  /**
   * Ends every open WebSocket tunnel with a close frame (1001, going away) to the client, then closes
   * both sockets: used when the engine stops, since tunnels never end by themselves.
   */
  closeTunnels(): void {
    for (const { client, upstream } of [...this.tunnels]) {
      if (!client.destroyed && client.writable) client.end(GOING_AWAY_FRAME);
      upstream.destroy();
      setTimeout(() => client.destroy(), 1000).unref();
    }
    this.tunnels.clear();
  }

  /**
   * A health check: GET `path` on the target, on a connection of its own; resolves to undefined when the
   * answer is 2xx or 3xx within `timeoutMs`, else to what went wrong.
   */
  async probe(target: string, path: string, timeoutMs: number): Promise<string | undefined> {
    const url = new URL(target);
    const base = url.pathname === '/' ? '' : url.pathname;
    const client = new Client(url.origin, { connect: { timeout: timeoutMs }, pipelining: 1 });
    try {
      const answer = await requestOn(client, {
        method: 'GET',
        path: base + path,
        headers: { host: url.host, 'user-agent': 'Switchyard health check' },
        headersTimeout: timeoutMs,
        bodyTimeout: timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
      await answer.body.dump();
      return answer.statusCode >= 200 && answer.statusCode < 400
        ? undefined
        : `answered ${answer.statusCode}`;
    } catch (err) {
      const e = err as Error & { code?: string };
      if (
        e.name === 'TimeoutError' ||
        e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        e.code === 'UND_ERR_CONNECT_TIMEOUT'
      )
        return `no answer within ${timeoutMs} ms`;
      return causeOf(e);
    } finally {
      void client.destroy().catch(() => undefined);
    }
  }

  /**
   * Closes the pools of targets no route uses any more (after an apply), letting their requests finish.
   * `targets` are instance URLs; a pool is kept when its target, or its target's origin, is among them.
   */
  retain(targets: ReadonlySet<string>): void {
    const keep = new Set<string>();
    for (const t of targets) {
      keep.add(t);
      keep.add(new URL(t).origin);
    }
    for (const [key, pool] of this.copyPools) {
      if (keep.has(key.split(' ')[0] as string)) continue;
      this.copyPools.delete(key);
      void pool.close().catch(() => undefined);
    }
    for (const [key, up] of this.upstreams) {
      if (keep.has(key.split(' ')[0] as string)) continue;
      this.upstreams.delete(key);
      void up.pool.close().catch(() => undefined);
    }
  }

  /**
   * Sends a copy of a request (a shadow) and reads its answer up to `capBytes`, all within `timeoutMs`.
   * Copies go on pools of their own (at most COPY_CONNECTIONS connections to a target), so a shadow that
   * hangs can never take a connection a client's request is waiting for. Never throws.
   */
  async copy(r: CopyRequest): Promise<CopyAnswer> {
    const started = Date.now();
    const url = new URL(r.target);
    const key = `${url.origin} ${r.connectTimeoutMs}`;
    let pool = this.copyPools.get(key);
    if (!pool) {
      pool = new Pool(url.origin, {
        connect: { timeout: r.connectTimeoutMs },
        connections: COPY_CONNECTIONS,
      });
      this.copyPools.set(key, pool);
    }
    const base = url.pathname === '/' ? '' : url.pathname;
    const signal = AbortSignal.timeout(r.timeoutMs);
    try {
      const answer = await requestOn(pool, {
        method: r.method as Dispatcher.HttpMethod,
        path: base + r.path,
        headers: r.headers as Record<string, string>,
        body: r.body ?? null,
        headersTimeout: r.timeoutMs,
        bodyTimeout: r.timeoutMs,
        signal,
      });
      const chunks: Buffer[] = [];
      let kept = 0;
      let truncated = false;
      for await (const chunk of answer.body as AsyncIterable<Buffer>) {
        const room = r.capBytes - kept;
        if (chunk.length > room) {
          chunks.push(chunk.subarray(0, room));
          kept += room;
          truncated = true;
          answer.body.destroy();
          break;
        }
        chunks.push(chunk);
        kept += chunk.length;
      }
      return {
        ok: true,
        status: answer.statusCode,
        headers: endToEndHeaders(answer.headers as http.IncomingHttpHeaders) as Record<
          string,
          string | string[]
        >,
        body: Buffer.concat(chunks),
        truncated,
        durationMs: Date.now() - started,
      };
    } catch (err) {
      const e = err as Error & { code?: string };
      const timedOut =
        e.name === 'TimeoutError' ||
        e.code === 'UND_ERR_HEADERS_TIMEOUT' ||
        e.code === 'UND_ERR_BODY_TIMEOUT';
      return {
        ok: false,
        error: timedOut ? `no complete answer within ${r.timeoutMs} ms (timeout)` : causeOf(e),
        durationMs: Date.now() - started,
      };
    }
  }

  /** Pools open now (for tests of retain). */
  get poolCount(): number {
    return this.upstreams.size;
  }

  /** Closes upstream connections; used when the engine stops. */
  async close(): Promise<void> {
    this.closeTunnels();
    this.h2.close();
    const pools = [...this.upstreams.values()].map((u) => u.pool);
    pools.push(...this.copyPools.values());
    this.upstreams.clear();
    this.copyPools.clear();
    this.proxyServer?.close();
    await Promise.all(pools.map((p) => p.destroy().catch(() => undefined)));
  }

  private upstream(
    target: string,
    connectTimeoutMs: number,
    maxConnections: number,
    options?: UpstreamOptions,
  ): Upstream {
    const key = `${target} ${connectTimeoutMs} ${maxConnections}${options ? ` ${options.key}` : ''}`;
    let up = this.upstreams.get(key);
    if (up) return up;
    const url = new URL(target);
    // Pools are kept per target; past MAX_POOLS (a client walking /proxy/host ports, or a long session of
    // edits) the oldest closes, letting its requests finish, so pools never grow without bound.
    if (this.upstreams.size >= MAX_POOLS) {
      const [oldestKey, oldest] = this.upstreams.entries().next().value!;
      this.upstreams.delete(oldestKey);
      void oldest.pool.close().catch(() => undefined);
    }
    const connect = {
      timeout: connectTimeoutMs,
      ...(options?.ca ? { ca: options.ca } : {}),
      ...(options && !options.rejectUnauthorized ? { rejectUnauthorized: false } : {}),
    };
    up = {
      pool:
        options?.h2 && url.protocol === 'http:'
          ? new H2CClient(url.origin, { connect })
          : new Pool(url.origin, { connect, connections: maxConnections, allowH2: options?.h2 ?? false }),
      connect,
      origin: url.origin,
      basePath: url.pathname === '/' ? '' : url.pathname,
      host: url.host,
    };
    this.upstreams.set(key, up);
    return up;
  }
}

/**
 * One HTTP/1.1 exchange forwarded through undici: the request (and its body) upstream, the response back,
 * and what the log learns of it. One object per request is its own dispatch handler, so nothing here
 * allocates closures per request beyond the two listeners on the response (issue 16).
 */
class Forwarding implements Dispatcher.DispatchHandler {
  private readonly exchange: Exchange = { status: 0, bytesIn: 0, bytesOut: 0, responseHeaders: {} };
  private controller: Dispatcher.DispatchController | undefined;
  private clientGone = false;
  private finished = false;
  /** Whether the current attempt has a response (status 200 or more). */
  private responded = false;
  private attempt = 0;
  private body: Transform | null = null;
  /** With wait_for_upstream the body is held (up to a cap) so each attempt can send it from the start. */
  private held: HeldBody | undefined;
  private waitStarted: number | undefined;
  private waitTimer: NodeJS.Timeout | undefined;
  private throttle: Throttle | undefined;

  constructor(
    private readonly transport: Transport,
    private readonly req: IncomingMessage,
    private readonly res: ServerResponse,
    private readonly f: ForwardRequest,
    private readonly done: (x: Exchange) => void,
  ) {}

  start(): void {
    const { req, res, f, exchange } = this;
    if (hasBody(req)) {
      if (f.captureBytes) exchange.requestCapture = new BodyTap(f.captureBytes);
      const body = countingTap(exchange, f.previewBytes, f.timeoutMs);
      this.body = body;
      req.pipe(body);
      req.on('error', (err) => {
        this.clientGone = true;
        body.destroy(err);
      });
      if (f.waitForUpstreamMs) this.held = new HeldBody(body, HELD_BODY_CAP);
    } else req.resume();
    // The client went away before the response was complete: stop the upstream request at once.
    res.on('close', () => this.responseClosed());
    this.dispatch(0);
  }

  onRequestStart(c: Dispatcher.DispatchController): void {
    this.controller = c;
    // The client left while the request waited for a connection: do not start it at all.
    if (this.clientGone) c.abort(new Error('client closed the connection'));
  }

  onResponseStart(
    c: Dispatcher.DispatchController,
    statusCode: number,
    headers: Record<string, string | string[]>,
    statusMessage?: string,
  ): void {
    if (statusCode < 200) return; // informational: Node's server already answered 100-continue
    const { req, res, f, exchange } = this;
    this.responded = true;
    this.held?.release();
    this.waited();
    const out = clientResponseHeaders(endToEndHeaders(headers as http.IncomingHttpHeaders), f);
    exchange.status = statusCode;
    exchange.responseHeaders = out as Record<string, string | string[]>;
    if (f.previewBytes > 0) exchange.responseBody = new BodyTap(f.previewBytes);
    if (f.captureBytes) exchange.responseCapture = new BodyTap(f.captureBytes);
    // HTTP/2 has no reason phrase (Node warns when given one).
    if (req.httpVersionMajor === 2) res.writeHead(statusCode, out);
    else res.writeHead(statusCode, statusMessage ?? '', out);
    res.on('drain', () => c.resume());
    if (f.bandwidthBps)
      this.throttle = new Throttle(
        f.bandwidthBps,
        (slice) => void res.write(slice),
        () => res.end(),
        () => c.resume(),
      );
  }

  onResponseData(c: Dispatcher.DispatchController, chunk: Buffer): void {
    const { exchange } = this;
    exchange.bytesOut += chunk.length;
    exchange.responseBody?.push(chunk);
    exchange.responseCapture?.push(chunk);
    if (this.throttle) {
      if (!this.throttle.push(chunk)) c.pause();
    } else if (!this.res.write(chunk)) c.pause();
  }

  onResponseEnd(_c: Dispatcher.DispatchController, trailers: Record<string, string | string[]>): void {
    // gRPC's status travels in trailers: they are passed on (HTTP/2, or chunked HTTP/1.1).
    if (trailers && Object.keys(trailers).length) this.res.addTrailers(trailers as http.OutgoingHttpHeaders);
    if (this.throttle) this.throttle.finish();
    else this.res.end();
  }

  onResponseError(_c: Dispatcher.DispatchController, err: Error & { code?: string }): void {
    if (this.finished) return;
    if (this.clientGone) return this.clientLeft();
    const { req, res, f, exchange, held } = this;
    // A kept-alive connection the upstream had closed: a request that may be sent twice gets one
    // more try, on a fresh connection (undici drops the dead one).
    if (
      !this.responded &&
      this.attempt === 0 &&
      !this.body &&
      IDEMPOTENT.has(req.method ?? '') &&
      CLOSED_UNDER_US.has(err.code ?? '')
    ) {
      exchange.staleRetry = causeOf(err);
      return this.dispatch(1);
    }
    // wait_for_upstream: a refused connection means nothing reached the upstream, so any request
    // may be tried again; it is, every 100 ms, until the target listens or the time is up.
    if (!this.responded && err.code === 'ECONNREFUSED' && f.waitForUpstreamMs) {
      this.waitStarted ??= Date.now();
      const elapsed = Date.now() - this.waitStarted;
      if (elapsed + WAIT_STEP_MS <= f.waitForUpstreamMs && (!held || held.replayable)) {
        held?.detach();
        exchange.waitRetries = (exchange.waitRetries ?? 0) + 1;
        this.waitTimer = setTimeout(() => this.dispatch(2), WAIT_STEP_MS);
        return;
      }
      this.waited();
      const why =
        held && !held.replayable ? `; the body was over ${HELD_BODY_CAP} bytes, too big to hold` : '';
      const failure = `${causeOf(err)} for ${exchange.waitedMs} ms (wait_for_upstream ${f.waitForUpstreamMs} ms)${why}`;
      exchange.status = 502;
      sendError(req, res, 502, this.failure(failure));
      return this.finish(failure);
    }
    if (res.headersSent) {
      res.destroy();
      return this.finish(causeOf(err));
    }
    const failure = failureOf(err, f);
    exchange.status = failure.status;
    // The rest of a stalled body will never be read: the connection cannot carry another request.
    if (failure.status === 408) res.shouldKeepAlive = false;
    sendError(req, res, failure.status, this.failure(failure.cause));
    this.finish(failure.cause);
  }

  private dispatch(attempt: number): void {
    const { req, f } = this;
    this.attempt = attempt;
    this.responded = false;
    try {
      if (f.upstream?.error)
        throw Object.assign(new Error(f.upstream.error), { code: 'SWITCHYARD_UPSTREAM_TLS' });
      const { dispatcher, up } = this.transport.dispatcherFor(f, attempt);
      const headers = upstreamRequestHeaders(req.headers, f.from, f.preserveHost ? undefined : up.host);
      // gRPC servers want `te: trailers` (the one TE value HTTP/2 allows); other hops never see TE.
      if (f.upstream?.h2 && String(req.headers.te ?? '').includes('trailers')) headers.te = 'trailers';
      dispatcher.dispatch(
        {
          method: req.method ?? 'GET',
          path: up.basePath + f.path,
          headers: applyHeaderEdits(headers, f.requestEdits) as Record<string, string>,
          body: this.held ? this.held.attempt() : this.body,
          headersTimeout: f.timeoutMs,
          bodyTimeout: f.timeoutMs,
        },
        this,
      );
    } catch (err) {
      // undici refuses some requests outright (a header value it will not send, say): still an answer.
      this.onResponseError(this.controller as Dispatcher.DispatchController, err as Error);
    }
  }

  private responseClosed(): void {
    if (this.res.writableFinished) return this.finish();
    this.clientGone = true;
    clearTimeout(this.waitTimer);
    this.throttle?.stop();
    this.waited();
    this.controller?.abort(new Error('client closed the connection'));
    this.clientLeft();
  }

  private clientLeft(): void {
    const { exchange } = this;
    exchange.status = exchange.status && this.res.headersSent ? exchange.status : 499;
    this.finish('the client closed the connection before the response was complete');
  }

  private waited(): void {
    if (this.waitStarted !== undefined) this.exchange.waitedMs = Date.now() - this.waitStarted;
  }

  /** What the error answer and the log say of a failure: where it happened, and `cause`. */
  private failure(cause: string): FailureInfo {
    return { gateway: this.f.gateway, route: this.f.route, target: this.f.target, cause };
  }

  private finish(error?: string): void {
    if (this.finished) return;
    this.finished = true;
    if (error) this.exchange.error = describeFailure(this.failure(error));
    this.done(this.exchange);
  }
}

/**
 * Reads the messages out of both directions of a tunnel for the log. A 'data' listener only observes:
 * the client socket is paused here and the pipe http-proxy sets up next decides the flow (and its
 * backpressure), so watching changes nothing about what passes.
 */
function watchMessages(client: Duplex, upstream: Duplex, watch: TunnelWatch): void {
  const sent = new WsFrameReader(watch.previewBytes);
  const received = new WsFrameReader(watch.previewBytes);
  client.on('data', (chunk: Buffer) => {
    for (const m of sent.push(chunk)) watch.message(m, 'sent');
  });
  upstream.on('data', (chunk: Buffer) => {
    for (const m of received.push(chunk)) watch.message(m, 'received');
  });
}

/**
 * Counts (and keeps the first bytes of) a request body on its way upstream, and ends it when the client
 * stops sending for `idleMs` (the gateway's timeout), as nginx's client_body_timeout does.
 */
function countingTap(exchange: Exchange, previewBytes: number, idleMs: number): Transform {
  if (previewBytes > 0) exchange.requestBody = new BodyTap(previewBytes);
  const timer = setTimeout(
    () => tap.destroy(new BodyTimeout(`the request body stalled for ${idleMs} ms (timeout)`)),
    idleMs,
  ).unref();
  const tap: Transform = new Transform({
    transform(chunk: Buffer, _enc, callback) {
      timer.refresh();
      exchange.bytesIn += chunk.length;
      exchange.requestBody?.push(chunk);
      exchange.requestCapture?.push(chunk);
      callback(null, chunk);
    },
    flush(callback) {
      clearTimeout(timer);
      callback();
    },
  });
  tap.on('close', () => clearTimeout(timer));
  return tap;
}

/** The upstream's end-to-end response headers as the client gets them: header rules, CORS, sticky cookies. */
function clientResponseHeaders(
  headers: http.OutgoingHttpHeaders,
  f: ForwardRequest,
): http.OutgoingHttpHeaders {
  const out = applyHeaderEdits(headers, f.responseEdits);
  if (f.extraResponseHeaders) Object.assign(out, f.extraResponseHeaders);
  if (f.setCookies.length) out['set-cookie'] = [...toArray(out['set-cookie']), ...f.setCookies];
  return out;
}

/** gRPC's status headers, which a trailers-only answer sends as trailers. */
const GRPC_STATUS: ReadonlySet<string> = new Set(['grpc-status', 'grpc-message', 'grpc-status-details-bin']);

function grpcStatus(headers: http.IncomingHttpHeaders): http.OutgoingHttpHeaders {
  const trailers: http.OutgoingHttpHeaders = {};
  for (const name of GRPC_STATUS) if (headers[name] !== undefined) trailers[name] = headers[name];
  return trailers;
}

/** A client for one request on a new connection, closed when that request is done. */
function oneShotClient(origin: string, connect: Upstream['connect']): Dispatcher {
  const client = new Client(origin, { connect, pipelining: 1 });
  // close() waits for the request in flight, then releases the socket.
  queueMicrotask(() => void client.close().catch(() => undefined));
  return client;
}

/** A WebSocket close frame from the server: FIN + close opcode, 2-byte payload, status 1001 (going away). */
const GOING_AWAY_FRAME = Buffer.from([0x88, 0x02, 0x03, 0xe9]);

/** The status and cause for a failed exchange before any response byte. */
function failureOf(err: Error & { code?: string }, f: ForwardRequest): { status: number; cause: string } {
  switch (err.code) {
    case 'SWITCHYARD_BODY_TIMEOUT':
      return { status: 408, cause: err.message };
    case 'UND_ERR_CONNECT_TIMEOUT':
      return { status: 502, cause: `could not connect within ${f.connectTimeoutMs} ms (connect_timeout)` };
    case 'UND_ERR_HEADERS_TIMEOUT':
      return { status: 504, cause: `no response within ${f.timeoutMs} ms (timeout)` };
    case 'SWITCHYARD_UPSTREAM_TLS':
      return { status: 502, cause: err.message };
    default:
      return { status: 502, cause: causeOf(err) };
  }
}

function toArray(v: string | number | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [String(v)];
}
