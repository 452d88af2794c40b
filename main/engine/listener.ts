import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';

export type { ListenerState } from '../../shared/status.js';
import type { ListenerState } from '../../shared/status.js';

export interface ListenerHandlers {
  request(req: IncomingMessage, res: ServerResponse): void;
  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  clientError(err: Error & { code?: string }, socket: Duplex): void;
}

/** How long a removed listener waits for in-flight requests before cutting what is left. */
const DRAIN_MS = 10_000;

/** One listening socket. The only place in the engine that listens. */
export class Listener {
  state: ListenerState = 'starting';
  error?: string;
  /** The gateway this socket serves now; re-pointed by apply without closing the socket. */
  gateway: string;
  private readonly server: http.Server;

  constructor(
    readonly host: string,
    readonly port: number,
    gateway: string,
    handlers: ListenerHandlers,
  ) {
    this.gateway = gateway;
    this.server = http.createServer({ keepAliveTimeout: 5_000 });
    this.server.on('request', handlers.request);
    this.server.on('upgrade', handlers.upgrade);
    this.server.on('clientError', handlers.clientError);
    // Every socket gets an error handler before anything else can fail on it.
    this.server.on('connection', (socket: Socket) => socket.on('error', () => undefined));
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
