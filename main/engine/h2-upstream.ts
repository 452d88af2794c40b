import http2, { type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import type { OutgoingHttpHeaders } from 'node:http';

/** How a session to an upstream is opened: the connect timeout and TLS trust of its route. */
export interface H2Connect {
  timeout: number;
  ca?: string[];
  rejectUnauthorized?: boolean;
}

/**
 * HTTP/2 sessions to the targets of `h2: true` routes (gRPC), one per origin and options: h2c (prior
 * knowledge) for http://, ALPN for https://. node:http2 rather than undici, because undici's HTTP/2
 * client drops response trailers, and gRPC's status travels in them. A session that fails, is refused
 * or goes away is forgotten; the next request opens a new one.
 */
export class H2Upstreams {
  private readonly sessions = new Map<string, ClientHttp2Session>();

  session(origin: string, connect: H2Connect): ClientHttp2Session {
    const key = `${origin} ${connect.timeout} ${connect.rejectUnauthorized ?? true} ${connect.ca?.length ?? 0}`;
    const open = this.sessions.get(key);
    if (open && !open.closed && !open.destroyed) return open;
    const session = http2.connect(origin, {
      ...(connect.ca ? { ca: connect.ca } : {}),
      ...(connect.rejectUnauthorized === false ? { rejectUnauthorized: false } : {}),
    });
    const forget = () => {
      if (this.sessions.get(key) === session) this.sessions.delete(key);
    };
    session.on('error', forget);
    session.on('goaway', forget);
    session.on('close', forget);
    const timer = setTimeout(() => {
      if (!session.connecting) return;
      session.destroy(Object.assign(new Error('connect timeout'), { code: 'UND_ERR_CONNECT_TIMEOUT' }));
    }, connect.timeout);
    session.once('connect', () => clearTimeout(timer));
    session.once('close', () => clearTimeout(timer));
    this.sessions.set(key, session);
    return session;
  }

  close(): void {
    for (const s of this.sessions.values()) s.close();
    this.sessions.clear();
  }
}

/** HTTP/2 request headers from HTTP/1-style ones: pseudo-headers first, Host as :authority. */
export function h2RequestHeaders(
  method: string,
  path: string,
  scheme: string,
  headers: OutgoingHttpHeaders,
): OutgoingHttpHeaders {
  const { host, ...rest } = headers;
  return {
    ':method': method,
    ':path': path,
    ':scheme': scheme,
    ':authority': String(host ?? ''),
    ...rest,
  };
}

/** A response's or trailers' headers without the pseudo-headers (:status). */
export function withoutPseudo(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const out: IncomingHttpHeaders = {};
  for (const name in headers) if (name.charCodeAt(0) !== 58) out[name] = headers[name];
  return out;
}
