import net from 'node:net';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { http } from '../node-http.js';
import http2 from 'node:http2';
import type { SecureContext, TLSSocket } from 'node:tls';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type { ListenerState } from '../../shared/status.js';
import type { ListenerState } from '../../shared/status.js';

export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connect(req: IncomingMessage, socket: Duplex): void;
  clientError(err: Error & { code?: string }, socket: Duplex): void;
  /** A TLS listener's certificate for a client's SNI name (undefined when it sent none). */
  certificate?(servername: string | undefined): Promise<SecureContext>;
  /** A TCP gateway's connection. */
  tcp?(socket: Socket): void;
}

/**
 * What a listener speaks: plain HTTP/1.1; TLS with HTTP/2 and HTTP/1.1 chosen by ALPN (WebSocket over
 * HTTP/1.1); or raw TCP.
 */
export type ListenerKind = 'http' | 'https' | 'tcp';

/** How long a removed listener waits for in-flight requests before cutting what is left. */
const DRAIN_MS = 10_000;
/** Connections one listener holds at most (the gateway's `max_connections`), as nginx's worker_connections. */
export const DEFAULT_MAX_CONNECTIONS = 4096;
const OVERLOADED_BODY = '503 Service Unavailable\nSwitchyard: too many connections to this gateway\n';
const USE_HTTPS_BODY = '400 Bad Request\nSwitchyard: this port speaks HTTPS; use https:// in the URL\n';
const USE_HTTPS = `HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${USE_HTTPS_BODY.length}\r\nConnection: close\r\n\r\n${USE_HTTPS_BODY}`;
const OVERLOADED = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${OVERLOADED_BODY.length}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n${OVERLOADED_BODY}`;

/** One listening socket. The only place in the engine that listens. */
export class Listener {
  state: ListenerState = 'starting';
  error?: string;
  /**
   * The gateway this socket serves now; re-pointed by apply without closing the socket. Undefined on a
   * shared listener, which picks the gateway by each request's Host.
   */
  gateway: string | undefined;
  /** Re-set by apply, like `gateway`. */
  maxConnections = DEFAULT_MAX_CONNECTIONS;
  private readonly server: net.Server;
  private connections = 0;
  /** One listener for every socket's close, not a closure per connection (issue 16: new connections). */
  private readonly connectionClosed = (): void => void this.connections--;
  /** A TLS listener's HTTP/2 sessions and HTTP/1.1 sockets, which close() ends itself. */
  private readonly sessions = new Set<http2.ServerHttp2Session>();
  private readonly tlsSockets = new Map<TLSSocket, number>();
  /** A TCP listener's connections, cut at the end of a drain. */
  private readonly tcpSockets = new Set<Socket>();

  constructor(
    readonly host: string,
    readonly port: number,
    gateway: string | undefined,
    handlers: ListenerHandlers,
    headersTimeoutMs = 60_000,
    readonly kind: ListenerKind = 'http',
  ) {
    this.gateway = gateway;
    this.server =
      kind === 'tcp'
        ? net.createServer({ allowHalfOpen: true })
        : kind === 'https'
          ? this.tlsServer(handlers)
          : httpServer(handlers, headersTimeoutMs);
    // Every socket gets an error handler before anything else can fail on it. Past the cap a new
    // connection gets a 503 (an HTTP listener) or is closed, so one flooded gateway cannot take every
    // descriptor.
    this.server.on('connection', (socket: Socket) => {
      socket.on('error', ignoreError);
      this.connections++;
      // on, not once: a socket closes once, and once() wraps its listener anew for every socket.
      socket.on('close', this.connectionClosed);
      if (kind === 'tcp') {
        this.tcpSockets.add(socket);
        socket.once('close', () => this.tcpSockets.delete(socket));
      }
      if (this.connections > this.maxConnections)
        if (kind === 'http') socket.end(OVERLOADED);
        else socket.destroy();
      else if (kind === 'tcp') handlers.tcp?.(socket);
    });
  }

  /**
   * HTTPS: HTTP/2 and HTTP/1.1 by ALPN on one port (node:http2 with allowHTTP1, which also passes
   * HTTP/1.1 upgrades on for wss://), the certificate chosen per SNI name.
   */
  private tlsServer(handlers: ListenerHandlers): http2.Http2SecureServer {
    const certificate = handlers.certificate;
    const server = http2.createSecureServer({
      allowHTTP1: true,
      // A handshake that stalls (a client that sent part of a hello) is cut after this, not Node's 120 s.
      handshakeTimeout: 10_000,
      SNICallback: (name, done) =>
        certificate
          ? certificate(name || undefined).then(
              (context) => done(null, context),
              (err: Error) => done(err),
            )
          : done(new Error('no certificate source')),
    });
    server.on('request', handlers.request as never);
    server.on('upgrade', handlers.upgrade);
    // CONNECT over HTTP/1.1 is answered as on plain ports; over HTTP/2 (where this event brings a
    // response, not a socket) with 405, which is what Node answers when nobody listens.
    server.on('connect', (req: IncomingMessage, socket: Duplex | ServerResponse) => {
      if (socket instanceof http2.Http2ServerResponse) socket.writeHead(405).end();
      else handlers.connect(req, socket as Duplex);
    });
    server.on('session', (session) => {
      this.sessions.add(session);
      session.once('close', () => this.sessions.delete(session));
    });
    // HTTP/1.1 sockets count their requests in flight, so close() can end the idle ones at once.
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol === 'h2') return;
      this.tlsSockets.set(socket, 0);
      socket.once('close', () => this.tlsSockets.delete(socket));
    });
    server.on('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket as TLSSocket;
      const busy = this.tlsSockets.get(socket);
      if (busy === undefined) return;
      this.tlsSockets.set(socket, busy + 1);
      res.once('close', () => {
        const left = (this.tlsSockets.get(socket) ?? 1) - 1;
        this.tlsSockets.set(socket, left);
        if (left === 0 && this.state === 'stopped') socket.destroy();
      });
    });
    // A plain-HTTP request to a TLS port: OpenSSL recognises it, and the raw socket (which the TLS layer
    // never wrote to) can still carry a plain answer saying what to do.
    server.on('tlsClientError', (err: Error & { code?: string }, socket: TLSSocket) => {
      const raw = (socket as TLSSocket & { _parent?: Socket })._parent;
      if (err.code === 'ERR_SSL_HTTP_REQUEST' && raw?.writable) raw.end(USE_HTTPS);
      else socket.destroy();
    });
    return server;
  }

  /** The port actually bound (differs from `port` when it was 0). */
  get boundPort(): number | undefined {
    const addr = this.server.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  /**
   * Binds the port. A TLS listener is given the certificate for clients that send no SNI name, or the
   * problem (a certificate that cannot be read, say) that puts it in error instead.
   */
  listen(tls?: string | { cert: string | Buffer; key: string | Buffer }): Promise<void> {
    if (typeof tls === 'string') {
      this.state = 'error';
      this.error = tls;
      return Promise.resolve();
    }
    if (tls)
      (this.server as http2.Http2SecureServer).setSecureContext({
        cert: tls.cert,
        key: tls.key,
        allowHTTP1: true,
      } as never);
    return new Promise((resolve) => {
      const onError = (err: Error & { code?: string }) => {
        this.state = 'error';
        this.error = describeBindError(err, this.host, this.port);
        resolve();
      };
      this.server.once('error', onError);
      this.server.listen({ host: this.host, port: this.port }, () => {
        this.server.off('error', onError);
        this.server.on('error', () => undefined);
        this.state = 'listening';
        resolve();
      });
    });
  }

  /** Stops accepting; in-flight requests finish (up to DRAIN_MS), idle keep-alive sockets close now. */
  close(drainMs = DRAIN_MS): Promise<void> {
    const wasListening = this.state === 'listening';
    this.state = 'stopped';
    if (!wasListening) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.cutAll(), drainMs).unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      if (this.server instanceof http.Server) this.server.closeIdleConnections();
      for (const session of this.sessions) session.close();
      for (const [socket, busy] of this.tlsSockets) if (busy === 0) socket.destroy();
    });
  }

  /** The end of the drain: whatever is still open is cut (TCP connections included). */
  private cutAll(): void {
    if (this.server instanceof http.Server) this.server.closeAllConnections();
    for (const session of this.sessions) session.destroy();
    for (const socket of this.tlsSockets.keys()) socket.destroy();
    for (const socket of this.tcpSockets) socket.destroy();
  }
}

/** Errors on client sockets are answered where they matter (the request, the exchange); here, none. */
function ignoreError(): void {}

function httpServer(handlers: ListenerHandlers, headersTimeoutMs: number): Server {
  // Headers that do not arrive within the gateway's timeout (at most a minute, as nginx's
  // client_header_timeout) get a 408; Node checks for that once a second here, not every 30 s.
  const server = http.createServer({
    keepAliveTimeout: 5_000,
    headersTimeout: Math.min(headersTimeoutMs, 60_000),
    connectionsCheckingInterval: 1_000,
  });
  server.on('request', handlers.request);
  server.on('upgrade', handlers.upgrade);
  server.on('connect', handlers.connect);
  server.on('clientError', handlers.clientError);
  return server;
}

/**
 * Whether `port` can be bound on `host` now: bound and released at once. Lives here because this is the
 * one module that listens (design section 4, rule 7).
 */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = net.createServer();
    probe.once('error', () => resolve(false));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve(true)));
  });
}

function describeBindError(err: Error & { code?: string }, host: string, port: number): string {
  const where = `${host}:${port}`;
  switch (err.code) {
    case 'EADDRINUSE':
      return `port ${port} is already in use on ${host} (another program, or another gateway, listens there)`;
    case 'EACCES':
      return `no permission to listen on ${where} (ports below 1024 need privileges)`;
    case 'EADDRNOTAVAIL':
      return `address ${host} is not available on this machine`;
    default:
      return `cannot listen on ${where}: ${err.message}`;
  }
}
