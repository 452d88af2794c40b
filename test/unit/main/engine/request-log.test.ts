import { describe, expect, it } from 'vitest';
import { RequestLog } from '../../../../main/engine/request-log.js';
import { WS_MESSAGE_LIMIT, type LogEntry } from '../../../../shared/log-entry.js';
import { hasFastProperties } from '../../../helpers/v8-shape.js';

const entry = (path: string): Omit<LogEntry, 'seq'> => ({
  time: 0,
  gateway: 'g',
  method: 'GET',
  path,
  status: 200,
  durationMs: 1,
  bytesIn: 0,
  bytesOut: 0,
  clientIp: '127.0.0.1',
  requestHeaders: {},
  responseHeaders: {},
  trace: [],
  override: false,
  websocket: false,
});

describe('RequestLog', () => {
  it('keeps the newest entries up to its capacity, with monotonic sequence numbers', () => {
    const log = new RequestLog(3);
    for (let i = 1; i <= 5; i++) log.append(entry(`/${i}`));
    expect(log.page(0).map((e) => [e.seq, e.path])).toEqual([
      [3, '/3'],
      [4, '/4'],
      [5, '/5'],
    ]);
    expect(log.get(2)).toBeUndefined();
    expect(log.get(4)?.path).toBe('/4');
    expect(log.page(3, 1).map((e) => e.seq)).toEqual([4]);
    log.clear();
    expect(log.page(0)).toEqual([]);
    expect(log.append(entry('/6')).seq).toBe(6);
  });

  it('keeps body previews within a byte budget, dropping the oldest first', () => {
    const log = new RequestLog(100, 100, 2500);
    const withBody = (path: string) => ({
      ...entry(path),
      responseBody: { base64: 'x'.repeat(1000), truncated: false },
    });
    for (let i = 1; i <= 4; i++) log.append(withBody(`/${i}`));
    expect(log.page(0).map((e) => [e.path, e.responseBody !== undefined, e.bodiesEvicted ?? false])).toEqual([
      ['/1', false, true],
      ['/2', false, true],
      ['/3', true, false],
      ['/4', true, false],
    ]);
    expect(log.page(0).map(hasFastProperties)).toEqual([true, true, true, true]);
  });

  it('delivers appends in batches, at most one per interval', async () => {
    const log = new RequestLog(100, 50);
    const batches: number[][] = [];
    log.subscribe((b) => batches.push(b.map((e) => e.seq)));
    for (let i = 0; i < 10; i++) log.append(entry('/x'));
    expect(batches).toEqual([]);
    await new Promise((r) => setTimeout(r, 80));
    expect(batches).toEqual([[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]]);
  });
});

describe('RequestLog: search, updates and WebSocket messages', () => {
  const base = {
    time: 0,
    gateway: 'g',
    method: 'GET',
    status: 200,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: 0,
    clientIp: '',
    requestHeaders: {},
    responseHeaders: {},
    trace: [],
    override: false,
    websocket: false,
  };
  it('finds the newest matches before a seq, or the oldest after one, and says whether there are more', () => {
    const log = new RequestLog(100, 1);
    for (let i = 0; i < 10; i++) log.append({ ...base, path: `/${i % 2 ? 'odd' : 'even'}/${i}` });
    const odd = (e: { path: string }) => e.path.startsWith('/odd');
    const newest = log.find(odd, {}, 2);
    expect(newest.entries.map((e) => e.path)).toEqual(['/odd/7', '/odd/9']);
    expect(newest.more).toBe(true);
    expect(log.find(odd, { before: 9 }, 10).entries.map((e) => e.path)).toEqual([
      '/odd/1',
      '/odd/3',
      '/odd/5',
      '/odd/7',
    ]);
    expect(log.find(odd, { after: 6 }, 10).entries.map((e) => e.path)).toEqual(['/odd/7', '/odd/9']);
  });

  const message = {
    time: 0,
    direction: 'sent' as const,
    type: 'text' as const,
    size: 1,
    preview: { base64: 'YQ==', truncated: false },
  };

  it('keeps at most the limit of messages, counts the rest, and tells update subscribers', async () => {
    const log = new RequestLog(10, 1);
    const changed: number[] = [];
    log.subscribeUpdates((batch) => changed.push(...batch.map((e) => e.seq)));
    const e = log.append({ ...base, path: '/ws', websocket: true });
    for (let i = 0; i < WS_MESSAGE_LIMIT + 5; i++) log.addMessage(e, message);
    expect(e.messages).toHaveLength(WS_MESSAGE_LIMIT);
    expect(e.messagesDropped).toBe(5);
    await new Promise((r) => setTimeout(r, 20));
    expect(changed).toEqual([e.seq]);
  });

  it("drops a WebSocket's messages for the budget, counting them, and keeps the entry compact", () => {
    const log = new RequestLog(10, 100, 16);
    const e = log.append({ ...base, path: '/ws', websocket: true });
    for (let i = 0; i < 3; i++) log.addMessage(e, message);
    log.append({ ...base, path: '/b', responseBody: { base64: 'x'.repeat(12), truncated: false } });
    expect([e.messages, e.messagesDropped, e.bodiesEvicted]).toEqual([undefined, 3, true]);
    expect(hasFastProperties(e)).toBe(true);
  });
});
