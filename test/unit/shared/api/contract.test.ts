import { describe, expect, it } from 'vitest';
import { toSummary } from '../../../../shared/api/contract.js';
import type { LogEntry } from '../../../../shared/log-entry.js';

const entry: LogEntry = {
  seq: 7,
  time: 1,
  gateway: 'shop',
  route: 'stable',
  method: 'GET',
  path: '/item/1',
  status: 200,
  durationMs: 3,
  bytesIn: 0,
  bytesOut: 10,
  clientIp: '127.0.0.1',
  requestHeaders: { host: 'x' },
  responseHeaders: { 'content-type': 'application/json' },
  responseBody: { base64: 'e30=', truncated: false },
  trace: [],
  override: false,
  websocket: false,
};

describe('toSummary', () => {
  it('keeps only the route and verdict of each shadow, not its answer', () => {
    const s = toSummary({
      ...entry,
      shadows: [
        {
          route: 'candidate',
          verdict: 'different',
          status: 200,
          summary: '1 difference: body:$.price',
          responseHeaders: { a: 'b' },
          responseBody: { base64: 'e30=', truncated: false },
        },
      ],
    });
    expect(s.shadow).toEqual([{ route: 'candidate', verdict: 'different' }]);
    expect(s).not.toHaveProperty('shadows');
    expect(s).not.toHaveProperty('responseHeaders');
  });

  it('has no shadow field for a request without shadows', () => {
    expect(toSummary(entry)).not.toHaveProperty('shadow');
  });
});
