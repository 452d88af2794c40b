import { STATUS_CODES, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Where a failure happened, so the answer and the log can name gateway, route, target and cause. */
export interface FailureInfo {
  gateway?: string;
  route?: string;
  target?: string;
  cause: string;
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
  const title = `${status} ${STATUS_CODES[status] ?? ''}`.trim();
  const accept = req?.headers.accept ?? '';
  if (accept.includes('application/json') || accept.includes('+json')) {
    const json = { error: { status, title, ...info, message: describeFailure(info) }, switchyard: true };
    return { type: 'application/json; charset=utf-8', text: JSON.stringify(json) + '\n' };
  }
  return { type: 'text/plain; charset=utf-8', text: `${title}\nSwitchyard: ${describeFailure(info)}\n` };
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
  const { type, text } = body(req, status, info);
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    'x-switchyard-error': String(status),
  });
  res.end(text);
}

/** The same answer written on a raw socket (failed WebSocket upgrades, malformed requests). */
export function writeSocketError(
  socket: Duplex,
  status: number,
  info: FailureInfo,
  req?: IncomingMessage,
): void {
  if (socket.destroyed) return;
  const { type, text } = body(req, status, info);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}`,
    `Content-Type: ${type}`,
    `Content-Length: ${Buffer.byteLength(text)}`,
    'Connection: close',
    `X-Switchyard-Error: ${status}`,
  ];
  socket.end(`${head.join('\r\n')}\r\n\r\n${text}`);
}
