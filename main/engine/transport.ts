import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { Duplex } from 'node:stream';
import httpProxy from 'http-proxy';
import { describeFailure, sendError, writeSocketError, type FailureInfo } from './error-response.js';
import { endToEndHeaders, upstreamRequestHeaders, type ForwardedFrom } from './headers.js';
import { BodyTap } from './body-tap.js';

/**
 * The proxy transport: the only module that talks to upstreams, and the only one that imports
 * http-proxy. Plain HTTP goes through a lean node:http path (one keep-alive agent per upstream, bodies
 * streamed with backpressure); WebSocket upgrades go through http-proxy, with the guards its known
 * faults need (an 'error' handler on every socket, a pending upstream request destroyed when the client
 * goes away, an HTTP error answer instead of an empty socket).
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
}

/** What happened, for the request log. */
export interface Exchange {
  status: number;
  error?: string;
  bytesIn: number;
  bytesOut: number;
  responseHeaders: Record<string, string | string[]>;
  requestBody?: BodyTap;
  responseBody?: BodyTap;
}

interface Upstream {
  module: typeof http | typeof https;
  agent: http.Agent;
  hostname: string;
  port: number;
  basePath: string;
  /** Host header value for this upstream. */
  host: string;
  protocol: string;
}

/** Node's error codes in words, for answers and the log. */
const CAUSES: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset by the upstream',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  EHOSTUNREACH: 'host unreachable',
  ETIMEDOUT: 'connection timed out',
  EPIPE: 'the upstream closed the connection',
};

function causeOf(err: Error & { code?: string }): string {
  if (err.code?.startsWith('HPE_')) return `invalid response from the upstream (${err.message})`;
  const known = err.code ? CAUSES[err.code] : undefined;
  return known ? `${known} (${err.code})` : err.message;
}

export class Transport {
  private readonly upstreams = new Map<string, Upstream>();
  private readonly proxy = httpProxy.createProxyServer({ ws: true, xfwd: false, changeOrigin: false });
  private readonly pendingUpgrades = new WeakMap<IncomingMessage, (proxyReq: http.ClientRequest) => void>();

  constructor() {
    // Every failure is answered by the callback passed to ws(); this listener only keeps an unexpected
    // emit from becoming an uncaught exception (node-http-proxy #1438, #1586).
    this.proxy.on('error', () => undefined);
    this.proxy.on('proxyReqWs', (proxyReq: http.ClientRequest, req: IncomingMessage) =>
      this.pendingUpgrades.get(req)?.(proxyReq),
    );
  }

  forward(req: IncomingMessage, res: ServerResponse, f: ForwardRequest, done: (x: Exchange) => void): void {
    const up = this.upstream(f.target);
    const exchange: Exchange = { status: 0, bytesIn: 0, bytesOut: 0, responseHeaders: {} };
    if (f.previewBytes > 0) exchange.requestBody = new BodyTap(f.previewBytes);
    const info: FailureInfo = { gateway: f.gateway, route: f.route, target: f.target, cause: '' };
    let finished = false;
    const finish = (status: number, error?: string) => {
      if (finished) return;
      finished = true;
      clearTimeout(connectTimer);
      exchange.status = status;
      if (error) exchange.error = describeFailure({ ...info, cause: error });
      done(exchange);
    };
    // The first failure answers; later ones (the 'error' that destroy() emits, say) change nothing.
    const fail = (status: number, cause: string) => {
      if (finished) return;
      if (res.headersSent) {
        res.destroy();
        finish(exchange.status, cause);
      } else {
        sendError(req, res, status, { ...info, cause });
        finish(status, cause);
      }
    };

    const outgoing = up.module.request({
      agent: up.agent,
      protocol: up.protocol,
      hostname: up.hostname,
      port: up.port,
      method: req.method,
      path: up.basePath + f.path,
      headers: upstreamRequestHeaders(req.headers, f.from, f.preserveHost ? undefined : up.host),
    });
    let responded = false;

    const connectTimer = setTimeout(() => {
      if (outgoing.socket && !outgoing.socket.connecting) return;
      outgoing.destroy();
      fail(502, `could not connect within ${f.connectTimeoutMs} ms (connect_timeout)`);
    }, f.connectTimeoutMs);
    outgoing.on('socket', (s) => {
      if (!s.connecting) clearTimeout(connectTimer);
      else s.once('connect', () => clearTimeout(connectTimer));
    });
    // Idle timeout: no byte either way for `timeout` means a 504 before the response, a cut one after.
    outgoing.setTimeout(f.timeoutMs, () => {
      outgoing.destroy();
      if (responded) fail(502, `the upstream stalled for ${f.timeoutMs} ms mid-response`);
      else fail(504, `no response within ${f.timeoutMs} ms (timeout)`);
    });
    outgoing.on('error', (err) => fail(502, causeOf(err)));

    outgoing.on('response', (upRes) => {
      responded = true;
      const headers = endToEndHeaders(upRes.headers);
      if (f.setCookies.length) headers['set-cookie'] = [...toArray(headers['set-cookie']), ...f.setCookies];
      exchange.responseHeaders = headers as Record<string, string | string[]>;
      exchange.status = upRes.statusCode ?? 502;
      if (f.previewBytes > 0) exchange.responseBody = new BodyTap(f.previewBytes);
      res.writeHead(exchange.status, upRes.statusMessage, headers);
      upRes.on('data', (chunk: Buffer) => {
        exchange.bytesOut += chunk.length;
        exchange.responseBody?.push(chunk);
      });
      upRes.on('error', () => res.destroy());
      upRes.on('aborted', () => res.destroy());
      upRes.pipe(res);
    });

    req.on('data', (chunk: Buffer) => {
      exchange.bytesIn += chunk.length;
      exchange.requestBody?.push(chunk);
    });
    req.on('error', () => outgoing.destroy());
    // The client went away before the response was complete: stop the upstream request at once.
    res.on('close', () => {
      if (res.writableFinished) finish(exchange.status);
      else {
        outgoing.destroy();
        finish(exchange.status || 499, 'the client closed the connection before the response was complete');
      }
    });
    req.pipe(outgoing);
  }

  /** Proxies a WebSocket upgrade through http-proxy; `done` runs when the client socket closes. */
  upgrade(
    req: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    f: ForwardRequest,
    done: (x: Exchange) => void,
  ): void {
    const up = this.upstream(f.target);
    const exchange: Exchange = { status: 0, bytesIn: 0, bytesOut: 0, responseHeaders: {} };
    const info: FailureInfo = { gateway: f.gateway, route: f.route, target: f.target, cause: '' };
    let pending: http.ClientRequest | undefined;
    this.pendingUpgrades.set(req, (proxyReq) => {
      pending = proxyReq;
      proxyReq.on('upgrade', (upRes: IncomingMessage) => {
        exchange.status = 101;
        exchange.responseHeaders = upRes.headers as Record<string, string | string[]>;
        pending = undefined;
      });
      proxyReq.on('response', (upRes: IncomingMessage) => {
        exchange.status = upRes.statusCode ?? 502;
        exchange.responseHeaders = upRes.headers as Record<string, string | string[]>;
      });
    });
    socket.on('close', () => {
      // A client that leaves before the upstream answered must not leave the upstream request open.
      pending?.destroy();
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
    const target = `${up.protocol}//${up.hostname}:${up.port}${up.basePath}`;
    this.proxy.ws(req, socket, head, { target, prependPath: true }, (err: Error) => {
      const cause = causeOf(err);
      exchange.error = describeFailure({ ...info, cause });
      // Before anything was written the client still expects an HTTP answer; after, the tunnel just ends.
      if ((socket as { bytesWritten?: number }).bytesWritten === 0) {
        exchange.status = 502;
        writeSocketError(socket, 502, { ...info, cause }, req);
      } else socket.destroy();
    });
  }

  /** Closes idle upstream connections; used when the engine stops. */
  close(): void {
    for (const u of this.upstreams.values()) u.agent.destroy();
    this.upstreams.clear();
    this.proxy.close();
  }

  private upstream(target: string): Upstream {
    let up = this.upstreams.get(target);
    if (up) return up;
    const url = new URL(target);
    const secure = url.protocol === 'https:';
    const module = secure ? https : http;
    up = {
      module,
      agent: new module.Agent({ keepAlive: true, maxFreeSockets: 256 }),
      hostname: url.hostname.replace(/^\[|\]$/g, ''),
      port: Number(url.port || (secure ? 443 : 80)),
      basePath: url.pathname === '/' ? '' : url.pathname,
      host: url.host,
      protocol: url.protocol,
    };
    this.upstreams.set(target, up);
    return up;
  }
}

function toArray(v: string | number | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [String(v)];
}
