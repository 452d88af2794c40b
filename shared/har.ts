import type { LogEntry } from './log-entry.js';

/** The request log as HAR 1.2, so it opens in browser dev tools and HAR viewers. */
export function toHar(entries: readonly LogEntry[], version: string): object {
  return {
    log: {
      version: '1.2',
      creator: { name: 'Switchyard', version },
      entries: entries.map(harEntry),
    },
  };
}

function harEntry(e: LogEntry): object {
  const host = headerValue(e.requestHeaders.host) ?? 'localhost';
  const url = new URL(e.path, `http://${host}`);
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
