import net from 'node:net';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type { ListenerState } from '../../shared/status.js';
import type { ListenerState } from '../../shared/status.js';

export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  connect(req: IncomingMessage, socket: Duplex): void;
  clientError(err: Error & { code?: string }, socket: Duplex): void;
}

/** How long a removed listener waits for in-flight requests before cutting what is left. */
const DRAIN_MS = 10_000;
/** Connections one listener holds at most (the gateway's `max_connections`), as nginx's worker_connections. */
export const DEFAULT_MAX_CONNECTIONS = 4096;
const OVERLOADED_BODY = '503 Service Unavailable\nSwitchyard: too many connections to this gateway\n';
const OVERLOADED = `HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${OVERLOADED_BODY.length}\r\nConnection: close\r\nRetry-After: 1\r\n\r\n${OVERLOADED_BODY}`;

/** One listening socket. The only place in the engine that listens. */
export class Listener {
  state: ListenerState = 'starting';
  error?: string;
  /** The gateway this socket serves now; re-pointed by apply without closing the socket. */
  gateway: string;
  /** Re-set by apply, like `gateway`. */
  maxConnections = DEFAULT_MAX_CONNECTIONS;
  private readonly server: http.Server;
  private connections = 0;

  constructor(
    readonly host: string,
    readonly port: number,
    gateway: string,
    handlers: ListenerHandlers,
    headersTimeoutMs = 60_000,
  ) {
    this.gateway = gateway;
    // Headers that do not arrive within the gateway's timeout (at most a minute, as nginx's
    // client_header_timeout) get a 408; Node checks for that once a second here, not every 30 s.
    this.server = http.createServer({
      keepAliveTimeout: 5_000,
      headersTimeout: Math.min(headersTimeoutMs, 60_000),
      connectionsCheckingInterval: 1_000,
    });
    this.server.on('request', handlers.request);
    this.server.on('upgrade', handlers.upgrade);
    this.server.on('connect', handlers.connect);
    this.server.on('clientError', handlers.clientError);
    // Every socket gets an error handler before anything else can fail on it. Past the cap a new
    // connection gets a 503 and is closed, so one flooded gateway cannot take every descriptor.
    this.server.on('connection', (socket: Socket) => {
      socket.on('error', () => undefined);
      this.connections++;
      socket.once('close', () => this.connections--);
      if (this.connections > this.maxConnections) socket.end(OVERLOADED);
    });
  }

  /** The port actually bound (differs from `port` when it was 0). */
  get boundPort(): number | undefined {
    const addr = this.server.address();
    return addr && typeof addr === 'object' ? addr.port : undefined;
  }

  listen(): Promise<void> {
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
      const timer = setTimeout(() => this.server.closeAllConnections(), drainMs).unref();
      this.server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      this.server.closeIdleConnections();
    });
  }
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
