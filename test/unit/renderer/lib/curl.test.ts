import { describe, expect, it } from 'vitest';
import { toCurl } from '../../../../renderer/src/lib/curl.js';
import type { LogEntry } from '../../../../shared/log-entry.js';

describe('copy as cURL', () => {
  it('quotes for the shell and keeps method, headers and body', () => {
    const e = {
      method: 'POST',
      path: "/api/it's?x=1&y=2",
      requestHeaders: {
        host: '127.0.0.1:8080',
        'content-type': 'application/json',
        'content-length': '15',
        'x-user': ['a', 'b'],
      },
      requestBody: { base64: btoa('{"q":"it\'s"}'), truncated: false },
    } as unknown as LogEntry;
    expect(toCurl(e)).toBe(
      `curl -X POST 'http://127.0.0.1:8080/api/it'\\''s?x=1&y=2' -H 'content-type: application/json' -H 'x-user: a' -H 'x-user: b' --data-binary '{"q":"it'\\''s"}'`,
    );
  });
});
