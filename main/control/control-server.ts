import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Message, Pipe } from '../../shared/api/contract.js';
import type { ControlPlane } from '../api/control-plane.js';
import { writeSocketError } from '../engine/error-response.js';
import { MAX_BODY, sendError } from './http-io.js';
import { parseProxyPath } from './proxy-paths.js';
import { RestApi } from './rest.js';
import { ControlSecurity, proxyHostRefusal } from './security.js';
import { serveUi } from './static-ui.js';

export interface ControlServerOptions {
  host: string;
  port: number;
  token?: string | undefined;
  /** Patterns of non-loopback hosts /proxy/host may reach. */
  allowProxyHosts?: string[];
  /** The built renderer, served at / in browser mode. */
  uiDir?: string | undefined;
  version: string;
}

const STREAM_PATH = '/api/v1/stream';

/**
 * The control server: REST (Vamp-style), the contract's WebSocket stream, the /proxy endpoints and the
 * browser UI, on 127.0.0.1 unless told otherwise, behind ControlSecurity's checks.
 */
export class ControlServer {
  private readonly server = http.createServer();
  private readonly wss = new WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
  private security!: ControlSecurity;
  private readonly rest: RestApi;

  constructor(
    private readonly plane: ControlPlane,
    private readonly opts: ControlServerOptions,
  ) {
    this.rest = new RestApi(plane, opts.version);
    this.server.on('request', (req, res) => void this.handle(req, res));
    this.server.on('upgrade', (req, socket, head) => this.upgrade(req, socket, head));
    this.server.on('connection', (socket) => socket.on('error', () => undefined));
    this.server.on('clientError', (_err, socket) => socket.destroy());
  }

  /** Listens and returns the bound port. */
  async listen(): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen({ host: this.opts.host, port: this.opts.port }, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const port = (this.server.address() as AddressInfo).port;
    this.security = new ControlSecurity(port, this.opts.host, this.opts.token);
    return port;
  }

  async close(): Promise<void> {
    for (const client of this.wss.clients) client.terminate();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.security.refusal(req, false);
    if (refused) return sendError(req, res, refused.status, refused.reason);
    const url = new URL(req.url ?? '/', 'http://localhost');
    if (url.pathname.startsWith('/api/')) {
      if (!this.security.tokenMatches(this.security.bearer(req))) {
        res.setHeader('www-authenticate', 'Bearer realm="switchyard"');
        return sendError(
          req,
          res,
          401,
          'this control server needs Authorization: Bearer <token> (see --token)',
        );
      }
      if (await this.rest.handle(req, res, url)) return;
      return sendError(req, res, 404, `no such endpoint: ${req.method} ${url.pathname}`);
    }
    const endpoint = parseProxyPath(
      req.url ?? '/',
      this.plane.engine.current.gateways.map((g) => g.name),
    );
    if (endpoint) {
      if ('error' in endpoint) return sendError(req, res, endpoint.status, endpoint.error);
      if (endpoint.kind === 'host') {
        const refusal = proxyHostRefusal(endpoint.host, this.opts.allowProxyHosts ?? []);
        if (refusal) return sendError(req, res, 403, refusal);
      }
      return this.plane.engine.handleProxied(req, res, endpoint);
    }
    if (this.opts.uiDir) return serveUi(req, res, this.opts.uiDir, this.opts.token);
    sendError(req, res, 404, 'the UI is not built here (npm run build); the API is at /api/v1/');
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    socket.on('error', () => undefined);
    const refused = this.security.refusal(req, true);
    if (refused) return writeSocketError(socket, refused.status, { cause: refused.reason }, req);
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === STREAM_PATH) {
      this.wss.handleUpgrade(req, socket, head, (ws) => this.stream(ws));
      return;
    }
    const endpoint = parseProxyPath(
      req.url ?? '/',
      this.plane.engine.current.gateways.map((g) => g.name),
    );
    if (!endpoint || 'error' in endpoint) {
      return writeSocketError(
        socket,
        endpoint?.status ?? 404,
        { cause: endpoint?.error ?? `no WebSocket endpoint at ${pathname}` },
        req,
      );
    }
    if (endpoint.kind === 'host') {
      const refusal = proxyHostRefusal(endpoint.host, this.opts.allowProxyHosts ?? []);
      if (refusal) return writeSocketError(socket, 403, { cause: refusal }, req);
    }
    this.plane.engine.handleProxiedUpgrade(req, socket, head, endpoint);
  }

  /** The contract over a WebSocket: with a token, the first message must be { type: 'auth', token }. */
  private stream(ws: WebSocket): void {
    ws.on('error', () => undefined);
    const listeners = new Set<(m: Message) => void>();
    const pipe: Pipe = {
      send: (m) => {
        if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
      },
      onMessage: (fn) => {
        listeners.add(fn);
        return () => listeners.delete(fn);
      },
    };
    let authenticated = !this.security.requiresToken;
    let disconnect: (() => void) | undefined = authenticated ? this.plane.connect(pipe) : undefined;
    ws.on('message', (data) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return ws.close(1007, 'messages are JSON');
      }
      if (!authenticated) {
        const m = message as { type?: string; token?: string };
        if (m?.type !== 'auth' || !this.security.tokenMatches(m.token))
          return ws.close(4401, 'unauthorized: send { type: "auth", token } first');
        authenticated = true;
        disconnect = this.plane.connect(pipe);
        return;
      }
      for (const fn of listeners) fn(message as Message);
    });
    ws.on('close', () => disconnect?.());
  }
}
