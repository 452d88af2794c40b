import { readFile } from 'node:fs/promises';
import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { http } from '../node-http.js';
import type { Duplex } from 'node:stream';
import type { MockResponse } from '../../shared/config/model.js';
import { applyHeaderEdits, type HeaderEdits } from './header-rules.js';

/**
 * A mock route's answer (`respond:`): its status, headers and body, the body read from `body_file` on
 * each request so that editing the file shows at once. Resolves to the bytes written, or to why the
 * body file could not be read (then the answer is a 500 saying so).
 */
export async function sendMock(
  res: ServerResponse,
  mock: MockResponse,
  edits: HeaderEdits | undefined,
  extra: Record<string, string>,
  setCookies: readonly string[],
  method: string,
): Promise<{ status: number; bytes: number; headers: OutgoingHttpHeaders; body: Buffer; error?: string }> {
  let body: Buffer;
  let status = mock.status;
  let error: string | undefined;
  try {
    body = mock.bodyFile !== undefined ? await readFile(mock.bodyFile) : Buffer.from(mock.body ?? '');
  } catch (err) {
    error = `mock route body_file ${mock.bodyFile}: ${(err as Error).message}`;
    body = Buffer.from(`${error}\n`);
    status = 500;
  }
  const own: OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(error ? { 'content-type': 'text/plain; charset=utf-8' } : mock.headers))
    own[k.toLowerCase()] = v;
  if (!error && own['content-type'] === undefined && body.length) own['content-type'] = guessType(body);
  const headers = applyHeaderEdits(own, edits);
  Object.assign(headers, extra);
  if (setCookies.length) headers['set-cookie'] = [...setCookies];
  const bodiless = status === 204 || status === 304;
  if (!bodiless) headers['content-length'] = body.length;
  const noBody = bodiless || method === 'HEAD';
  if (res.destroyed) return { status: 499, bytes: 0, headers, body };
  res.writeHead(status, headers);
  res.end(noBody ? undefined : body);
  return { status, bytes: noBody ? 0 : body.length, headers, body, ...(error ? { error } : {}) };
}

/**
 * A mock route's answer to an upgrade request (a WebSocket to a mock route): its status, headers and
 * body on the raw socket, which is then closed; no upgrade happens.
 */
export async function writeMockOnSocket(
  socket: Duplex,
  mock: MockResponse,
  edits: HeaderEdits | undefined,
): Promise<number> {
  let body: Buffer;
  let status = mock.status;
  const own: OutgoingHttpHeaders = {};
  try {
    body = mock.bodyFile !== undefined ? await readFile(mock.bodyFile) : Buffer.from(mock.body ?? '');
    for (const [k, v] of Object.entries(mock.headers)) own[k.toLowerCase()] = v;
    if (own['content-type'] === undefined && body.length) own['content-type'] = guessType(body);
  } catch (err) {
    body = Buffer.from(`mock route body_file ${mock.bodyFile}: ${(err as Error).message}\n`);
    status = 500;
    own['content-type'] = 'text/plain; charset=utf-8';
  }
  const headers = applyHeaderEdits(own, edits);
  if (socket.destroyed || socket.writableEnded) return 499;
  const lines = [`HTTP/1.1 ${status} ${http.STATUS_CODES[status] ?? ''}`];
  for (const [k, v] of Object.entries(headers))
    for (const one of Array.isArray(v) ? v : [v]) lines.push(`${k}: ${String(one)}`);
  lines.push(`content-length: ${body.length}`, 'connection: close');
  socket.end(Buffer.concat([Buffer.from(`${lines.join('\r\n')}\r\n\r\n`), body]));
  return status;
}

function guessType(body: Buffer): string {
  const start = body.subarray(0, 1).toString();
  return start === '{' || start === '[' ? 'application/json' : 'text/plain; charset=utf-8';
}
