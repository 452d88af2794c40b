import { describe, expect, it } from 'vitest';
import { WsFrameReader } from '../../../../main/engine/ws-frames.js';

/** A frame as a client sends it (masked) or a server does (not). */
function frame(opcode: number, payload: Buffer, opts: { fin?: boolean; mask?: boolean } = {}): Buffer {
  const fin = opts.fin ?? true;
  const mask = opts.mask ? Buffer.from([1, 2, 3, 4]) : undefined;
  const len = payload.length;
  const head =
    len < 126
      ? Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | len])
      : Buffer.from([(fin ? 0x80 : 0) | opcode, (mask ? 0x80 : 0) | 126, len >> 8, len & 0xff]);
  const body = Buffer.from(payload);
  if (mask) for (let i = 0; i < body.length; i++) body[i]! ^= mask[i % 4]!;
  return Buffer.concat([head, mask ?? Buffer.alloc(0), body]);
}

describe('WsFrameReader', () => {
  it('reads masked and unmasked messages split at every byte', () => {
    const bytes = Buffer.concat([
      frame(1, Buffer.from('hello'), { mask: true }),
      frame(2, Buffer.alloc(300, 7)),
      frame(8, Buffer.from([0x03, 0xe8])),
    ]);
    const reader = new WsFrameReader(16);
    const out = [...bytes].flatMap((b) => reader.push(Buffer.from([b])));
    expect(out.map((m) => [m.type, m.size, m.preview.length])).toEqual([
      ['text', 5, 5],
      ['binary', 300, 16],
      ['close', 2, 2],
    ]);
    expect(out[0]!.preview.toString()).toBe('hello');
  });

  it('joins fragments, with a ping between them', () => {
    const reader = new WsFrameReader(100);
    const out = reader.push(
      Buffer.concat([
        frame(1, Buffer.from('ab'), { fin: false, mask: true }),
        frame(9, Buffer.from('p'), { mask: true }),
        frame(0, Buffer.from('cd'), { mask: true }),
      ]),
    );
    expect(out.map((m) => [m.type, m.preview.toString()])).toEqual([
      ['ping', 'p'],
      ['text', 'abcd'],
    ]);
  });

  it('stops reading a stream that is not WebSocket framing', () => {
    const reader = new WsFrameReader(100);
    expect(reader.push(Buffer.from('GET / HTTP/1.1\r\n\r\n'))).toEqual([]);
  });
});
