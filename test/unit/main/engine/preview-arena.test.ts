import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyTap } from '../../../../main/engine/body-tap.js';
import { PreviewArena } from '../../../../main/engine/preview-arena.js';
import { RequestLog } from '../../../../main/engine/request-log.js';
import type { LogEntry } from '../../../../shared/log-entry.js';

function entry(body: Buffer, log: RequestLog): Omit<LogEntry, 'seq'> {
  const tap = new BodyTap(64 * 1024);
  // Chunks as a socket hands them out: in pieces.
  for (let i = 0; i < body.length; i += 7000) tap.push(body.subarray(i, i + 7000));
  const preview = tap.preview(log.arena);
  return {
    time: 0,
    gateway: 'g',
    method: 'GET',
    path: '/',
    status: 200,
    durationMs: 0,
    bytesIn: 0,
    bytesOut: body.length,
    clientIp: '',
    requestHeaders: {},
    responseHeaders: {},
    trace: [],
    override: false,
    websocket: false,
    ...(preview ? { responseBody: preview } : {}),
  };
}

describe('the preview arena', () => {
  it('wraps, and says when a place has been written over', () => {
    const arena = new PreviewArena(10);
    const a = arena.copy([Buffer.from('abcd')], 4);
    const b = arena.copy([Buffer.from('ef'), Buffer.from('gh')], 4);
    expect([a.view.toString(), b.view.toString()]).toEqual(['abcd', 'efgh']);
    const c = arena.copy([Buffer.from('ijkl')], 4); // does not fit the tail: back to the start
    expect(c.view.toString()).toBe('ijkl');
    expect(arena.intact(a.at)).toBe(false);
    expect(arena.intact(b.at)).toBe(true);
  });

  it('never shows one body under another: every preview the log keeps reads back as its own body', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 4097, max: 70_000 }), { minLength: 1, maxLength: 60 }),
        (sizes) => {
          const log = new RequestLog(1000, 100, 512 * 1024);
          const bodies = sizes.map((n, i) => Buffer.alloc(n, 65 + (i % 26)));
          const kept = bodies.map((b) => log.append(entry(b, log)));
          kept.forEach((e, i) => {
            if (!e.responseBody) return expect(e.bodiesEvicted).toBe(true);
            const expected = bodies[i]!.subarray(0, 64 * 1024).toString('base64');
            expect(e.responseBody.base64).toBe(expected);
          });
          // The newest always keeps its preview.
          expect(kept.at(-1)!.responseBody).toBeDefined();
        },
      ),
      { numRuns: 50 },
    );
  });
});
