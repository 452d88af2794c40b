import { describe, expect, it } from 'vitest';
import type { LogEntry } from '../../../../shared/log-entry.js';
import { toFetch, toHttpie } from '../../../../renderer/src/lib/request-snippets.js';

const entry = (over: Partial<LogEntry> = {}): LogEntry => ({
  seq: 1,
  time: 0,
  gateway: 'shop',
  method: 'POST',
  path: '/api?q=1',
  status: 200,
  durationMs: 1,
  bytesIn: 2,
  bytesOut: 0,
  clientIp: '127.0.0.1',
  requestHeaders: { host: '127.0.0.1:8080', 'x-user': "o'brien", 'content-length': '2' },
  responseHeaders: {},
  requestBody: { base64: btoa('{}'), truncated: false },
  trace: [],
  override: false,
  websocket: false,
  ...over,
});

describe('request snippets', () => {
  it('writes fetch() with JSON-quoted strings', () => {
    expect(toFetch(entry())).toBe(
      'await fetch("http://127.0.0.1:8080/api?q=1", {\n  "method": "POST",\n  "headers": {\n    "x-user": "o\'brien"\n  },\n  "body": "{}"\n});',
    );
  });
  it('writes HTTPie with shell quoting, the body on stdin', () => {
    expect(toHttpie(entry())).toBe(
      `printf %s '{}' | http POST 'http://127.0.0.1:8080/api?q=1' 'x-user:o'\\''brien'`,
    );
  });
});
