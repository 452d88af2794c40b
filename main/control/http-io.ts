import type { IncomingMessage, ServerResponse } from 'node:http';
import { stringify as stringifyYaml } from 'yaml';
import { ParseError, parseBodyOffThread } from '../api/off-thread.js';

export const MAX_BODY = 1024 * 1024;
/** HAR files (imports and replays) may be larger than gateways. */
export const MAX_HAR_BODY = 64 * 1024 * 1024;

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A request target split into path and query, without a URL parser that throws on what clients send. */
export interface Target {
  pathname: string;
  searchParams: URLSearchParams;
}

export function splitTarget(raw: string): Target | { error: string } {
  if (!raw.startsWith('/'))
    return { error: `request target ${JSON.stringify(raw.slice(0, 80))} is not a path` };
  const q = raw.indexOf('?');
  return {
    pathname: q < 0 ? raw : raw.slice(0, q),
    searchParams: new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)),
  };
}

/** Reads a request body up to MAX_BODY and parses it as JSON or YAML by Content-Type (YAML by default). */
export async function readBody(req: IncomingMessage, limit = MAX_BODY): Promise<unknown> {
  const text = await readText(req, limit);
  if (!text.trim()) return undefined;
  const json = (req.headers['content-type'] ?? '').includes('json');
  try {
    return await parseBodyOffThread(text, json);
  } catch (err) {
    const where = err instanceof ParseError ? err.where : '';
    throw new HttpError(400, `malformed ${json ? 'JSON' : 'YAML'}${where}: ${(err as Error).message}`);
  }
}

/** Reads a request body up to `limit` as text, without parsing it. */
export async function readText(req: IncomingMessage, limit: number): Promise<string> {
  return (await readBytes(req, limit)).toString('utf8');
}

/** Reads a request body up to `limit` bytes. */
export async function readBytes(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw new HttpError(413, `the request body is larger than ${limit} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Answers in YAML when the client asks for it (Accept), else JSON. */
export function send(req: IncomingMessage, res: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined || status === 204) {
    res.writeHead(status).end();
    return;
  }
  const yaml = /yaml/.test(req.headers.accept ?? '');
  const text = yaml ? stringifyYaml(body) : JSON.stringify(body, null, 2) + '\n';
  res.writeHead(status, {
    'content-type': yaml ? 'application/yaml; charset=utf-8' : 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
  });
  res.end(text);
}

export function sendError(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string,
  extra: Record<string, unknown> = {},
): void {
  send(req, res, status, { error: { status, message, ...extra } });
}
