import { describe, expect, it } from 'vitest';
import type { LogSummary } from '../../../shared/api/contract.js';
import { hasTerm, needsEngine, parseFilter, toggleTerm } from '../../../shared/log-query.js';

const entry = (over: Partial<LogSummary>): LogSummary => ({
  seq: 1,
  time: 0,
  gateway: 'shop',
  route: 'v1',
  target: 'http://127.0.0.1:3001',
  method: 'GET',
  path: '/api/users',
  status: 200,
  durationMs: 3,
  bytesIn: 0,
  bytesOut: 10,
  clientIp: '127.0.0.1',
  trace: [],
  override: false,
  websocket: false,
  ...over,
});

const entries = [
  entry({ seq: 1 }),
  entry({ seq: 2, route: 'v2', status: 502, error: 'boom' }),
  entry({ seq: 3, method: 'POST', path: '/checkout', status: 201 }),
  entry({ seq: 4, gateway: 'admin', status: 404, path: '/api/admin' }),
];
const seqs = (q: string) => entries.filter(parseFilter(q)).map((e) => e.seq);

describe('log filter', () => {
  it.each([
    ['', [1, 2, 3, 4]],
    ['status:5xx', [2]],
    ['status:2xx', [1, 3]],
    ['status:>=400', [2, 4]],
    ['status:404', [4]],
    ['route:v2', [2]],
    ['method:post', [3]],
    ['path:/api', [1, 2, 4]],
    ['gateway:admin', [4]],
    ['is:error', [2]],
    ['-status:2xx', [2, 4]],
    ['path:/api status:2xx', [1]],
    ['checkout', [3]],
    ['POST', [3]],
    ['-route:v1', [2]],
    ['gateway:sho', []],
    ['gateway:sho*', [1, 2, 3]],
    ['route:v*', [1, 2, 3, 4]],
    ['route:*2', [2]],
  ])('%j', (q, expected) => {
    expect(seqs(q)).toEqual(expected);
  });
});

describe('filter terms', () => {
  it('toggles whole terms, one gateway or route at a time', () => {
    expect(toggleTerm('gateway:shop-copy', 'gateway:shop')).toBe('gateway:shop');
    expect(toggleTerm('gateway:shop is:error', 'gateway:shop')).toBe('is:error');
    expect(toggleTerm('gateway:shop', 'is:error')).toBe('gateway:shop is:error');
    expect(hasTerm('gateway:shop-copy', 'gateway:shop')).toBe(false);
  });
});

describe('header: and body: terms, and free text over headers and bodies', () => {
  const full = {
    ...entry({}),
    requestHeaders: { 'x-user': 'alice' },
    responseHeaders: {},
    requestBody: { base64: Buffer.from('find the needle').toString('base64'), truncated: false },
  };
  it('matches headers and bodies where the entry has them', () => {
    expect(parseFilter('header:alice')(full)).toBe(true);
    expect(parseFilter('header:x-user')(full)).toBe(true);
    expect(parseFilter('body:needle')(full)).toBe(true);
    expect(parseFilter('needle')(full)).toBe(true);
    expect(parseFilter('-body:needle')(full)).toBe(false);
    expect(parseFilter('body:haystack')(full)).toBe(false);
  });
  it('sends free text, header: and body: to the engine; the rest is answered in the UI', () => {
    expect(needsEngine('status:5xx gateway:shop')).toBe(false);
    expect(needsEngine('header:x')).toBe(true);
    expect(needsEngine('-body:x')).toBe(true);
    expect(needsEngine('status:200 text')).toBe(true);
  });
});
