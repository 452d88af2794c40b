import type { IncomingMessage, ServerResponse } from 'node:http';
import { http } from '../node-http.js';
import type { Duplex } from 'node:stream';

/** Where a failure happened, so the answer and the log can name gateway, route, target and cause. */
export interface FailureInfo {
  gateway?: string;
  route?: string;
  target?: string;
  cause: string;
}

/**
 * Requests to gateways with `semantics: aileron`: their errors are answered as AILERON's default error
 * handler does, a failed round trip with 500 (core/httpproxy/handler.go proxyErrorResponse) and the
 * body of util/http HTTPError.Content. Marked by the engine, so the transport needs no flag of its own.
 */
const aileronRequests = new WeakSet<IncomingMessage>();

export function answerAsAileron(req: IncomingMessage): void {
  aileronRequests.add(req);
}

/**
 * Headers every error answer to a request carries: the gateway's CORS headers for an allowed origin,
 * so that a browser hands the page a 502/503/504 instead of a CORS failure that hides the status.
 */
const errorHeaders = new WeakMap<IncomingMessage, Record<string, string>>();

export function addErrorHeaders(req: IncomingMessage, headers: Record<string, string>): void {
  errorHeaders.set(req, headers);
}

export function isAileronRequest(req: IncomingMessage | undefined): boolean {
  return req !== undefined && aileronRequests.has(req);
}

/** The status AILERON answers where Switchyard would answer `status`. */
function aileronStatus(req: IncomingMessage | undefined, status: number): number {
  return isAileronRequest(req) && status === 502 ? 500 : status;
}

export function describeFailure(info: FailureInfo): string {
  const where = [
    info.gateway !== undefined ? `gateway '${info.gateway}'` : undefined,
    info.route !== undefined ? `route '${info.route}'` : undefined,
    info.target !== undefined ? `target ${info.target}` : undefined,
  ].filter(Boolean);
  return where.length ? `${where.join(', ')}: ${info.cause}` : info.cause;
}

function body(
  req: IncomingMessage | undefined,
  status: number,
  info: FailureInfo,
): { type: string; text: string } {
  const title = `${status} ${http.STATUS_CODES[status] ?? ''}`.trim();
  const accept = req?.headers.accept ?? '';
  if (isAileronRequest(req)) return aileronBody(status, accept);
  if (accept.includes('application/json') || accept.includes('+json')) {
    const json = { error: { status, title, ...info, message: describeFailure(info) }, switchyard: true };
    return { type: 'application/json; charset=utf-8', text: JSON.stringify(json) + '\n' };
  }
  return { type: 'text/plain; charset=utf-8', text: `${title}\nSwitchyard: ${describeFailure(info)}\n` };
}

/**
 * AILERON's error body: `{"status":N,"statusText":"..."}` as JSON, or YAML when the client asks for
 * YAML or text/plain (aileron-gateway util/http HTTPError.Content; XML is answered as JSON here).
 */
function aileronBody(status: number, accept: string): { type: string; text: string } {
  const statusText = http.STATUS_CODES[status] ?? '';
  const first = accept
    .split(',')
    .map((a) => a.split(';')[0]?.trim() ?? '')
    .find((a) => a !== '');
  if (first && ['application/yaml', 'text/yaml', 'text/plain'].includes(first))
    return { type: first, text: `status: ${status}\nstatusText: ${statusText}\n` };
  const type = first === 'text/json' ? 'text/json' : 'application/json';
  return { type, text: JSON.stringify({ status, statusText }) };
}

/** Answers a proxied request with an error, or cuts the response when its headers have gone already. */
export function sendError(
  req: IncomingMessage | undefined,
  res: ServerResponse,
  status: number,
  info: FailureInfo,
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  status = aileronStatus(req, status);
  const { type, text } = body(req, status, info);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-switchyard-error': String(status),
    ...(req ? errorHeaders.get(req) : undefined),
  });
  res.end(text);
}

/** The same answer written on a raw socket (failed WebSocket upgrades, malformed requests). */
export function writeSocketError(
  socket: Duplex,
  status: number,
  info: FailureInfo,
  req?: IncomingMessage,
  extraHeaders: Record<string, string> = {},
): void {
  if (socket.destroyed || socket.writableEnded) return;
  const { type, text } = body(req, status, info);
  const head = [
    `HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${type}`,
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    `X-Switchyard-Error: ${status}`,
    ...Object.entries(extraHeaders).map(([k, v]) => `${k}: ${v}`),
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}

/**
 * The answer to a request Node's parser refused (the 'clientError' event): 400, 408 for headers that
 * took too long, 414 and 431 for oversized ones; undefined when the client is gone and nothing can be
 * said.
 */
export function clientErrorAnswer(
  err: Error & { code?: string },
): { status: number; cause: string } | undefined {
  switch (err.code) {
    case 'ECONNRESET':
    case 'EPIPE':
      return undefined;
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { status: 408, cause: 'the request headers did not arrive in time' };
    case 'HPE_HEADER_OVERFLOW':
      return { status: 431, cause: 'request headers are too large' };
    case 'HPE_URI_TOO_LONG':
      return { status: 414, cause: 'the request target is too long' };
    default:
      return { status: 400, cause: `malformed request (${err.code ?? err.message})` };
  }
}
