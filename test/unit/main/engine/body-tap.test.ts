import { describe, expect, it } from 'vitest';
import { BodyTap, lazyPreview, previewLength } from '../../../../main/engine/body-tap.js';

describe('body previews', () => {
  it('keep the first bytes of the chunks that pass, in a buffer of their own once made', () => {
    const tap = new BodyTap(5);
    const first = Buffer.from('abc');
    tap.push(first);
    tap.push(Buffer.from('defgh'));
    const preview = tap.preview()!;
    first.fill(0x7a); // the stream's buffers may be reused after the exchange: the preview is a copy
    expect(tap.overflowed).toBe(true);
    expect(preview.truncated).toBe(true);
    expect(Buffer.from(preview.base64, 'base64').toString()).toBe('abcde');
  });

  it('make their base64 text when first read, and look like the plain field to JSON, clones and spreads', () => {
    const preview = lazyPreview(Buffer.from('hello'), false, () => true);
    expect(previewLength(preview)).toBe(8);
    expect(JSON.parse(JSON.stringify({ body: preview }))).toEqual({
      body: { base64: 'aGVsbG8=', truncated: false },
    });
    expect(structuredClone(preview)).toEqual({ base64: 'aGVsbG8=', truncated: false });
    expect({ ...preview }.base64).toBe('aGVsbG8=');
    expect(previewLength({ base64: 'aGVsbG8=', truncated: false })).toBe(8);
  });
});
