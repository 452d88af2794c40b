import type { CorsConfig } from '../../shared/config/model.js';

/**
 * CORS from the gateway's configuration (the Fetch standard's CORS protocol): preflights are answered by
 * the gateway, and responses to allowed origins get the headers a browser needs to hand them to the page.
 */

function allowedOrigin(cors: CorsConfig, origin: string | undefined): string | undefined {
  if (!origin) return undefined;
  if (cors.origins === '*') return '*';
  return cors.origins.includes(origin) ? origin : undefined;
}

/** Whether a request is a CORS preflight (OPTIONS with Origin and Access-Control-Request-Method). */
export function isPreflight(
  method: string | undefined,
  headers: Record<string, string | string[] | undefined>,
): boolean {
  return (
    method === 'OPTIONS' &&
    headers.origin !== undefined &&
    headers['access-control-request-method'] !== undefined
  );
}

/** The answer to a preflight: 204, with the allow headers when the origin is allowed, without them when not. */
export function preflightAnswer(
  cors: CorsConfig,
  headers: Record<string, string | string[] | undefined>,
): { allowed: boolean; headers: Record<string, string> } {
  const origin = allowedOrigin(cors, str(headers.origin));
  const out: Record<string, string> = {
    vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
  };
  if (!origin) return { allowed: false, headers: out };
  out['access-control-allow-origin'] = origin;
  out['access-control-allow-methods'] = cors.methods.join(', ');
  const asked = str(headers['access-control-request-headers']);
  const allowHeaders = cors.headers ? cors.headers.join(', ') : asked;
  if (allowHeaders) out['access-control-allow-headers'] = allowHeaders;
  if (cors.credentials) out['access-control-allow-credentials'] = 'true';
  out['access-control-max-age'] = String(cors.maxAgeS);
  return { allowed: true, headers: out };
}

/** Headers for a response to an actual request from an allowed origin (none for other origins). */
export function corsResponseHeaders(cors: CorsConfig, origin: string | undefined): Record<string, string> {
  const allowed = allowedOrigin(cors, origin);
  if (!allowed) return cors.origins === '*' ? {} : { vary: 'Origin' };
  const out: Record<string, string> = { 'access-control-allow-origin': allowed };
  if (allowed !== '*') out.vary = 'Origin';
  if (cors.credentials) out['access-control-allow-credentials'] = 'true';
  if (cors.expose.length) out['access-control-expose-headers'] = cors.expose.join(', ');
  return out;
}

function str(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}
