import type { OutgoingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applyHeaderEdits, type HeaderEdits } from '../../../../main/engine/header-rules.js';
import { hasFastProperties } from '../../../helpers/v8-shape.js';

/** The edits as they were applied before issue 16: in place, removing with `delete`. */
function inPlace(headers: OutgoingHttpHeaders, edits: HeaderEdits): OutgoingHttpHeaders {
  for (const name of edits.remove) delete headers[name];
  for (const [name, value] of edits.set) headers[name] = value;
  for (const [name, value] of edits.add) {
    const old = headers[name];
    headers[name] = old === undefined ? value : [...(Array.isArray(old) ? old : [String(old)]), value];
  }
  return headers;
}

const name = fc.constantFrom('a', 'b', 'c', 'x-debug', 'set-cookie', 'content-type', 'date', 'server');
const value = fc.oneof(fc.string({ maxLength: 8 }), fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }));
const headers = fc.dictionary(name, value, { maxKeys: 8 });
const edits = fc.record({
  remove: fc.array(name, { maxLength: 3 }),
  set: fc.array(fc.tuple(name, fc.string({ maxLength: 6 })), { maxLength: 3 }),
  add: fc.array(fc.tuple(name, fc.string({ maxLength: 6 })), { maxLength: 3 }),
});

describe('applyHeaderEdits', () => {
  it('gives what editing in place gave, same keys in the same order, and keeps the object compact', () => {
    fc.assert(
      fc.property(headers, edits, (h, e) => {
        const got = applyHeaderEdits({ ...h }, e);
        const want = inPlace({ ...h }, e);
        expect(Object.entries(got)).toEqual(Object.entries(want));
        expect(hasFastProperties(got)).toBe(true);
      }),
    );
  });

  it('edits the given object itself when nothing is removed, and returns it untouched without edits', () => {
    const h: OutgoingHttpHeaders = { a: '1' };
    expect(applyHeaderEdits(h, { remove: [], set: [['b', '2']], add: [] })).toBe(h);
    expect(h).toEqual({ a: '1', b: '2' });
    expect(applyHeaderEdits(h, undefined)).toBe(h);
  });
});
