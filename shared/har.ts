import type { LogEntry } from './log-entry.js';

/** The request log as HAR 1.2, so it opens in browser dev tools and HAR viewers. */
export function toHar(entries: readonly LogEntry[], version: string): object {
  return { log: { ...harCreator(version), entries: entries.map(toHarEntry) } };
}

/** The fields of a HAR log before its entries, for writers that stream the entries one by one. */
export function harCreator(version: string): { version: string; creator: { name: string; version: string } } {
  return { version: '1.2', creator: { name: 'Switchyard', version } };
}

/** One log entry as a HAR entry. */
export function toHarEntry(e: LogEntry): object {
  const url = requestUrl(e);
  const requestType = headerValue(e.requestHeaders['content-type']);
  const responseType = headerValue(e.responseHeaders['content-type']) ?? 'application/octet-stream';
  const request: Record<string, unknown> = {
    method: e.method,
    url: url.href,
    httpVersion: 'HTTP/1.1',
    cookies: [],
    headers: harHeaders(e.requestHeaders),
    queryString: [...url.searchParams].map(([name, value]) => ({ name, value })),
    headersSize: -1,
    bodySize: e.bytesIn,
  };
  if (e.requestBody)
    request.postData = {
      mimeType: requestType ?? 'application/octet-stream',
      text: decode(e.requestBody.base64, requestType),
      ...encoding(requestType),
    };
  return {
    startedDateTime: new Date(e.time).toISOString(),
    time: e.durationMs,
    request,
    response: {
      status: e.status,
      statusText: '',
      httpVersion: 'HTTP/1.1',
      cookies: [],
      headers: harHeaders(e.responseHeaders),
      content: {
        size: e.bytesOut,
        mimeType: responseType,
        ...(e.responseBody
          ? { text: decode(e.responseBody.base64, responseType), ...encoding(responseType) }
          : {}),
      },
      redirectURL: headerValue(e.responseHeaders.location) ?? '',
      headersSize: -1,
      bodySize: e.bytesOut,
    },
    cache: {},
    timings: { send: 0, wait: e.durationMs, receive: 0 },
    serverIPAddress: e.target ? new URL(e.target).hostname : '',
    comment: [
      e.route ? `gateway ${e.gateway}, route ${e.route}` : `gateway ${e.gateway}`,
      ...e.trace.map((t) => t.text),
      e.error ?? '',
    ]
      .filter(Boolean)
      .join('; '),
  };
}

/** The URL the client asked for; a Host header that is not a host name (it is client data) becomes localhost. */
function requestUrl(e: LogEntry): URL {
  const host = headerValue(e.requestHeaders.host) ?? 'localhost';
  try {
    return new URL(e.path, `http://${host}`);
  } catch {
    return new URL(e.path.startsWith('/') ? e.path : '/', 'http://localhost');
  }
}

function harHeaders(headers: Record<string, string | string[]>): { name: string; value: string }[] {
  return Object.entries(headers).flatMap(([name, v]) =>
    (Array.isArray(v) ? v : [v]).map((value) => ({ name, value })),
  );
}

function headerValue(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

const isText = (type: string | undefined) =>
  !!type && /^text\/|json|xml|javascript|x-www-form-urlencoded|yaml/.test(type);

function decode(base64: string, type: string | undefined): string {
  return isText(type) ? decodeBase64Text(base64) : base64;
}

/** UTF-8 text from base64, with the platform's atob and TextDecoder (shared code runs in the browser too). */
export function decodeBase64Text(base64: string): string {
  return new TextDecoder().decode(base64Bytes(base64));
}

export function base64Bytes(base64: string): Uint8Array {
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function encoding(type: string | undefined): { encoding?: string } {
  return isText(type) ? {} : { encoding: 'base64' };
}

interface HarEntry {
  startedDateTime?: string;
  time?: number;
  request?: {
    method?: string;
    url?: string;
    headers?: { name: string; value: string }[];
    postData?: { text?: string; encoding?: string };
  };
  response?: {
    status?: number;
    headers?: { name: string; value: string }[];
    content?: { size?: number; text?: string; encoding?: string };
  };
  comment?: string;
}

/** A request as a HAR file recorded it, ready to send again. */
export interface HarRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  /** Base64 of the body, when there was one. */
  body?: string;
}

function entriesOf(har: unknown): HarEntry[] {
  const entries = (har as { log?: { entries?: unknown } } | null)?.log?.entries;
  if (!Array.isArray(entries)) throw new Error('not a HAR file: log.entries is missing');
  return entries as HarEntry[];
}

function headerRecord(
  list: { name: string; value: string }[] | undefined,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const { name, value } of list ?? []) {
    const key = String(name).toLowerCase();
    const prev = out[key];
    out[key] = prev === undefined ? String(value) : [...(Array.isArray(prev) ? prev : [prev]), String(value)];
  }
  return out;
}

function bodyBase64(text: string | undefined, encoding: string | undefined): string | undefined {
  if (text === undefined || text === '') return undefined;
  if (encoding === 'base64') return text;
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** The requests of a HAR file as request-log entries, so a captured session can be inspected here. */
export function fromHar(har: unknown, gateway = 'imported'): Omit<LogEntry, 'seq'>[] {
  return entriesOf(har).map((e) => {
    const url = new URL(e.request?.url ?? '/', 'http://imported.invalid');
    const requestBody = bodyBase64(e.request?.postData?.text, e.request?.postData?.encoding);
    const responseBody = bodyBase64(e.response?.content?.text, e.response?.content?.encoding);
    const entry: Omit<LogEntry, 'seq'> = {
      time: Date.parse(e.startedDateTime ?? '') || Date.now(),
      gateway,
      method: e.request?.method ?? 'GET',
      path: url.pathname + url.search,
      status: e.response?.status ?? 0,
      durationMs: Math.max(0, Number(e.time ?? 0)),
      bytesIn: requestBody ? atob(requestBody).length : 0,
      bytesOut: Math.max(0, Number(e.response?.content?.size ?? 0)),
      clientIp: '',
      requestHeaders: headerRecord(e.request?.headers),
      responseHeaders: headerRecord(e.response?.headers),
      trace: [{ kind: 'override', text: `imported from a HAR file${e.comment ? `: ${e.comment}` : ''}` }],
      override: false,
      websocket: false,
    };
    if (requestBody) entry.requestBody = { base64: requestBody, truncated: false };
    if (responseBody) entry.responseBody = { base64: responseBody, truncated: false };
    return entry;
  });
}

/** The requests of a HAR file, to send through a gateway again (hop-by-hop and Host headers left out). */
export function harRequests(har: unknown): HarRequest[] {
  const skip = new Set([
    'host',
    'connection',
    'content-length',
    'transfer-encoding',
    'keep-alive',
    'upgrade',
    'te',
    'trailer',
    'proxy-connection',
  ]);
  return entriesOf(har).map((e) => {
    const url = new URL(e.request?.url ?? '/', 'http://imported.invalid');
    const headers: Record<string, string> = {};
    for (const { name, value } of e.request?.headers ?? []) {
      const key = String(name).toLowerCase();
      if (!skip.has(key) && !key.startsWith(':')) headers[key] = String(value);
    }
    const body = bodyBase64(e.request?.postData?.text, e.request?.postData?.encoding);
    return {
      method: e.request?.method ?? 'GET',
      path: url.pathname + url.search,
      headers,
      ...(body ? { body } : {}),
    };
  });
}
