import type { IncomingMessage, ServerResponse } from 'node:http';
import { http } from '../node-http.js';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { WebSocket, WebSocketServer } from 'ws';
import { createRequire } from 'node:module';
import type { Message, Pipe } from '../../shared/api/contract.js';
import type { ControlPlane } from '../api/control-plane.js';
import { clientErrorAnswer, writeSocketError, type ProxyEndpoint } from '../engine/engine.js';
import { ControlAuth } from './control-auth.js';
import { MAX_BODY, sendError, splitTarget, type Target } from './http-io.js';
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
  /** Where the server reports requests it could not serve (malformed HTTP, internal errors). */
  report?: (line: string) => void;
}

const STREAM_PATH = '/api/v1/stream';
const UNAUTHORIZED =
  'this control server needs its token: send Authorization: Bearer <token>, or open the login URL that switchyard printed at start (or /login?token=<token>) in the browser';

/**
 * The control server: REST (Vamp-style), the contract's WebSocket stream, the /proxy endpoints and the
 * browser UI, on 127.0.0.1 unless told otherwise, behind ControlSecurity's checks and ControlAuth's
 * token. Every entry point is guarded: whatever a client sends, it gets an answer (or, for an upgrade, a
 * closed socket) and the process carries on.
 */
export class ControlServer {
  private readonly server = http.createServer({ requestTimeout: 60_000, headersTimeout: 20_000 });
  private wssInstance: WebSocketServer | undefined;
  private security!: ControlSecurity;
  readonly auth: ControlAuth;
  private readonly rest: RestApi;
  private readonly report: (line: string) => void;

  constructor(
    private readonly plane: ControlPlane,
    private readonly opts: ControlServerOptions,
  ) {
    this.rest = new RestApi(plane, opts.version);
    this.auth = new ControlAuth(opts.token);
    this.report = opts.report ?? ((line) => console.error(`switchyard: control server: ${line}`));
    this.server.on('request', (req, res) => {
      this.handle(req, res).catch((err: unknown) => this.failed(req, res, err));
    });
    this.server.on('upgrade', (req, socket, head) => {
      socket.on('error', () => undefined);
      try {
        this.upgrade(req, socket, head);
      } catch (err) {
        this.report(`${req.method} ${req.url} upgrade failed: ${(err as Error).stack ?? String(err)}`);
        writeSocketError(socket, 500, { cause: 'internal error; see the switchyard log' }, req);
      }
    });
    this.server.on('connection', (socket) => socket.on('error', () => undefined));
    this.server.on('clientError', (err: Error & { code?: string }, socket) => this.clientError(err, socket));
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
    this.security = new ControlSecurity(port, this.opts.host);
    return port;
  }

  async close(): Promise<void> {
    for (const client of this.wssInstance?.clients ?? []) client.terminate();
    this.server.closeAllConnections();
    await new Promise((resolve) => this.server.close(resolve));
  }

  /** The stream's WebSocket server; `ws` is loaded (synchronously) when the first client connects. */
  private get wss(): WebSocketServer {
    if (!this.wssInstance) {
      const ws = createRequire(import.meta.url)('ws') as typeof import('ws');
      this.wssInstance = new ws.WebSocketServer({ noServer: true, maxPayload: MAX_BODY });
    }
    return this.wssInstance;
  }

  /** An unexpected throw: a 500 that says so, reported with its cause; the server carries on. */
  private failed(req: IncomingMessage, res: ServerResponse, err: unknown): void {
    this.report(`${req.method} ${req.url} failed: ${(err as Error)?.stack ?? String(err)}`);
    if (res.headersSent) res.destroy();
    else sendError(req, res, 500, 'internal error; see the switchyard log');
  }

  /** Malformed HTTP gets the answer the gateways give it (400, 408, 414 or 431), and is reported. */
  private clientError(err: Error & { code?: string }, socket: Duplex): void {
    const answer = clientErrorAnswer(err);
    if (!answer || !socket.writable) {
      socket.destroy();
      return;
    }
    this.report(`malformed request answered ${answer.status}: ${answer.cause}`);
    writeSocketError(socket, answer.status, { cause: answer.cause });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const refused = this.security.refusal(req, false);
    if (refused) return sendError(req, res, refused.status, refused.reason);
    const url = splitTarget(req.url ?? '');
    if ('error' in url) return sendError(req, res, 400, url.error);
    if (url.pathname === '/login') return this.login(req, res, url);
    if (!this.auth.allows(req)) return this.unauthorized(req, res, url);
    if (url.pathname.startsWith('/api/')) {
      if (await this.rest.handle(req, res, url)) return;
      return sendError(req, res, 404, `no such endpoint: ${req.method} ${url.pathname}`);
    }
    const endpoint = this.proxyEndpoint(req, url);
    if (endpoint) {
      if ('error' in endpoint) return sendError(req, res, endpoint.status, endpoint.error);
      return this.plane.engine.handleProxied(req, res, endpoint);
    }
    if (this.opts.uiDir) return serveUi(req, res, this.opts.uiDir);
    sendError(req, res, 404, 'the UI is not built here (npm run build); the API is at /api/v1/');
  }

  /** /login?code=<one-time code> or ?token=<token>: sets the session cookie and goes to the UI. */
  private login(req: IncomingMessage, res: ServerResponse, url: Target): void {
    const cookie = this.auth.required ? this.auth.login(url.searchParams) : undefined;
    if (this.auth.required && !cookie) return sendError(req, res, 401, UNAUTHORIZED);
    res.writeHead(303, {
      location: '/',
      'cache-control': 'no-store',
      ...(cookie ? { 'set-cookie': cookie } : {}),
    });
    res.end();
  }

  private unauthorized(req: IncomingMessage, res: ServerResponse, url: Target): void {
    res.setHeader('www-authenticate', 'Bearer realm="switchyard"');
    const page = !url.pathname.startsWith('/api/') && !url.pathname.startsWith('/proxy/');
    if (page && (req.headers.accept ?? '').includes('text/html')) {
      res.writeHead(401, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' });
      return void res.end(`401 Unauthorized\n\nSwitchyard: ${UNAUTHORIZED}.\n`);
    }
    sendError(req, res, 401, UNAUTHORIZED);
  }

  /** The /proxy endpoint a request names, with the host endpoint's allow-list applied. */
  private proxyEndpoint(
    req: IncomingMessage,
    url: Target,
  ): ProxyEndpoint | { error: string; status: number } | undefined {
    if (!url.pathname.startsWith('/proxy/')) return undefined;
    const endpoint = parseProxyPath(
      req.url ?? '/',
      this.plane.engine.current.gateways.map((g) => g.name),
    );
    if (endpoint && !('error' in endpoint) && endpoint.kind === 'host') {
      const refusal = proxyHostRefusal(endpoint.host, this.opts.allowProxyHosts ?? []);
      if (refusal) return { status: 403, error: refusal };
    }
    return endpoint;
  }

  private upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const refused = this.security.refusal(req, true);
    if (refused) return writeSocketError(socket, refused.status, { cause: refused.reason }, req);
    const url = splitTarget(req.url ?? '');
    if ('error' in url) return writeSocketError(socket, 400, { cause: url.error }, req);
    if (url.pathname === STREAM_PATH) {
      // A browser authenticates with its session cookie; other clients may send the token first.
      const authenticated = this.auth.allows(req);
      this.wss.handleUpgrade(req, socket, head, (ws) => this.stream(ws, authenticated));
      return;
    }
    if (!this.auth.allows(req)) return writeSocketError(socket, 401, { cause: UNAUTHORIZED }, req);
    const endpoint = this.proxyEndpoint(req, url) ?? {
      status: 404,
      error: `no WebSocket endpoint at ${url.pathname}`,
    };
    if ('error' in endpoint) return writeSocketError(socket, endpoint.status, { cause: endpoint.error }, req);
    this.plane.engine.handleProxiedUpgrade(req, socket, head, endpoint);
  }

  /** The contract over a WebSocket: unless authenticated at upgrade, the first message must be { type: 'auth', token }. */
  private stream(ws: WebSocket, authenticatedAtUpgrade: boolean): void {
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
    let authenticated = authenticatedAtUpgrade;
    let disconnect: (() => void) | undefined = authenticated ? this.plane.connect(pipe) : undefined;
    ws.on('message', (data) => {
      let message: unknown;
      try {
        message = JSON.parse(String(data));
      } catch {
        return ws.close(1007, 'messages are JSON');
      }
      if (!authenticated) {
        const m = message as { type?: string; token?: unknown } | null;
        if (m?.type !== 'auth' || typeof m.token !== 'string' || !this.auth.tokenMatches(m.token))
          return ws.close(4401, 'unauthorized: send { type: "auth", token } first');
        authenticated = true;
        disconnect = this.plane.connect(pipe);
        return;
      }
      if (message === null || typeof message !== 'object') return ws.close(1007, 'messages are JSON objects');
      for (const fn of listeners) {
        try {
          fn(message as Message);
        } catch (err) {
          this.report(`stream message failed: ${(err as Error)?.stack ?? String(err)}`);
        }
      }
    });
    ws.on('close', () => disconnect?.());
  }
}
