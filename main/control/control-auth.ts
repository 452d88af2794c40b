import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

const COOKIE = 'switchyard_session';
/** How long a browser session lasts before the user must log in again. */
const SESSION_MS = 7 * 24 * 3600_000;
const MAX_SESSIONS = 64;

/**
 * The control server's token, Jupyter-style. Scripts send `Authorization: Bearer <token>`; a browser logs
 * in once through a login URL (a one-time code printed at start, or the token itself) and gets an
 * HttpOnly, SameSite=Strict session cookie, so the token never lives in a page, a URL it keeps or a
 * script's reach. Without a token configured, everything is allowed (the server still binds loopback and
 * refuses foreign Hosts and Origins).
 */
export class ControlAuth {
  private readonly sessions = new Map<string, number>();
  private loginCode: string | undefined;

  constructor(
    private readonly token: string | undefined,
    private readonly now: () => number = Date.now,
  ) {
    if (token !== undefined) this.loginCode = randomId();
  }

  get required(): boolean {
    return this.token !== undefined;
  }

  /** The path of the one-time login link (undefined without a token, or once it was used). */
  get loginPath(): string | undefined {
    return this.loginCode ? `/login?code=${this.loginCode}` : undefined;
  }

  /** True when the request carries the bearer token or a live session cookie. */
  allows(req: IncomingMessage): boolean {
    if (this.token === undefined) return true;
    return this.tokenMatches(bearer(req)) || this.hasSession(req);
  }

  tokenMatches(candidate: string | undefined): boolean {
    if (this.token === undefined) return true;
    return candidate !== undefined && safeEqual(candidate, this.token);
  }

  /**
   * Exchanges a login code (one use) or the token (any number of uses) for a session; returns the
   * Set-Cookie value, or undefined when neither matches.
   */
  login(params: URLSearchParams): string | undefined {
    const code = params.get('code');
    const viaCode = code !== null && this.loginCode !== undefined && safeEqual(code, this.loginCode);
    if (!viaCode && !this.tokenMatches(params.get('token') ?? undefined)) return undefined;
    if (viaCode) this.loginCode = undefined;
    const id = randomId();
    this.forgetExpired();
    if (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    this.sessions.set(id, this.now() + SESSION_MS);
    return `${COOKIE}=${id}; HttpOnly; SameSite=Strict; Path=/; Max-Age=${SESSION_MS / 1000}`;
  }

  private hasSession(req: IncomingMessage): boolean {
    const id = cookie(req, COOKIE);
    const expires = id === undefined ? undefined : this.sessions.get(id);
    return expires !== undefined && expires > this.now();
  }

  private forgetExpired(): void {
    const at = this.now();
    for (const [id, expires] of this.sessions) if (expires <= at) this.sessions.delete(id);
  }
}

function randomId(): string {
  return randomBytes(24).toString('base64url');
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function bearer(req: IncomingMessage): string | undefined {
  const m = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
  return m?.[1]?.trim();
}

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}
