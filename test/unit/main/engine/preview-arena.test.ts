import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BodyTap } from '../../../../main/engine/body-tap.js';
import { PreviewArena } from '../../../../main/engine/preview-arena.js';
import { RequestLog } from '../../../../main/engine/request-log.js';
import type { LogEntry } from '../../../../shared/log-entry.js';

function entry(body: Buffer, log: RequestLog, limit = 64 * 1024): Omit<LogEntry, 'seq'> {
  const tap = new BodyTap(limit);
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
    // One buffer per letter, cut to each body's length: bodies told apart by their letter.
    const letters = Array.from({ length: 26 }, (_, i) => Buffer.alloc(2 * 1024 * 1024 + 4097, 65 + i));
    fc.assert(
      fc.property(
        // Previews of the default 64 KiB, and larger ones (the engine's previewBytes is an option).
        fc.constantFrom(64 * 1024, 300 * 1024, 2 * 1024 * 1024),
        fc.double({ min: 2, max: 10, noNaN: true }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 40 }),
        (limit, budgetInPreviews, fractions) => {
          const log = new RequestLog(1000, 100, Math.round(budgetInPreviews * limit), limit);
          const bodies = fractions.map((f, i) => letters[i % 26]!.subarray(0, 4097 + Math.floor(f * limit)));
          const kept = bodies.map((b) => log.append(entry(b, log, limit)));
          kept.forEach((e, i) => {
            if (!e.responseBody) return expect(e.bodiesEvicted).toBe(true);
            const expected = bodies[i]!.subarray(0, limit).toString('base64');
            expect(e.responseBody.base64).toBe(expected);
          });
          // The newest always keeps its preview.
          expect(kept.at(-1)!.responseBody).toBeDefined();
        },
      ),
      { numRuns: 100 },
    );
  });
});
