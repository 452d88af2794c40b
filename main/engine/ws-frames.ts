/**
 * Reads WebSocket frames (RFC 6455 section 5.2) out of a tunnel's byte stream as it passes, without
 * holding whole payloads: only the first `previewBytes` of each message are kept (unmasked), so a
 * tunnel carrying gigabytes costs the log a few kilobytes. Fragmented messages are joined; control
 * frames (close, ping, pong) are messages of their own.
 */

export type WsOpcodeName = 'text' | 'binary' | 'close' | 'ping' | 'pong';

export interface WsFrameMessage {
  type: WsOpcodeName;
  /** Payload bytes of the whole message (all its fragments). */
  size: number;
  /** The first bytes of the payload, unmasked. */
  preview: Buffer;
  /** Sent with permessage-deflate (RSV1): the preview is compressed bytes. */
  compressed: boolean;
}

const OPCODES: Record<number, WsOpcodeName> = { 1: 'text', 2: 'binary', 8: 'close', 9: 'ping', 10: 'pong' };

interface Frame {
  fin: boolean;
  opcode: number;
  rsv1: boolean;
  mask: Buffer | undefined;
  length: number;
  /** Payload bytes read so far. */
  read: number;
}

export class WsFrameReader {
  private header = Buffer.alloc(0);
  private frame: Frame | undefined;
  /** A data message whose first fragment has come and whose last has not. */
  private message: WsFrameMessage | undefined;
  private chunks: Buffer[] = [];
  /** The payload of a control frame, which may come between a data message's fragments. */
  private controlChunks: Buffer[] = [];
  private kept = 0;
  /** Set when the stream is not WebSocket framing after all: reading stops. */
  private lost = false;

  constructor(private readonly previewBytes: number) {}

  /** Feeds bytes in stream order; returns the messages they complete. */
  push(chunk: Buffer): WsFrameMessage[] {
    const out: WsFrameMessage[] = [];
    let at = 0;
    while (at < chunk.length && !this.lost) {
      if (!this.frame) {
        const need = Math.min(chunk.length - at, 14 - this.header.length);
        this.header = Buffer.concat([this.header, chunk.subarray(at, at + need)]);
        at += need;
        const parsed = parseHeader(this.header);
        if (parsed === 'short') continue;
        if (parsed === 'bad') {
          this.lost = true;
          break;
        }
        // Bytes of the 14 taken that belong to the payload go back to the stream.
        at -= this.header.length - parsed.headerLength;
        this.header = Buffer.alloc(0);
        this.frame = parsed.frame;
        this.startFrame(parsed.frame);
      }
      const f = this.frame;
      const take = Math.min(chunk.length - at, f.length - f.read);
      this.keep(chunk.subarray(at, at + take), f);
      f.read += take;
      at += take;
      if (f.read === f.length) {
        this.frame = undefined;
        const done = this.endFrame(f);
        if (done) out.push(done);
      }
    }
    return out;
  }

  private startFrame(f: Frame): void {
    if (f.opcode === 0 || f.opcode >= 8) return;
    this.message = {
      type: OPCODES[f.opcode] ?? 'binary',
      size: 0,
      preview: Buffer.alloc(0),
      compressed: f.rsv1,
    };
    this.chunks = [];
    this.kept = 0;
  }

  private keep(bytes: Buffer, f: Frame): void {
    if (f.opcode < 8 && this.message) this.message.size += bytes.length;
    const room = this.previewBytes - this.kept;
    const control = f.opcode >= 8;
    if (!control && room <= 0) return;
    const slice = control ? bytes : bytes.subarray(0, room);
    const copy = Buffer.from(slice);
    if (f.mask) for (let i = 0; i < copy.length; i++) copy[i]! ^= f.mask[(f.read + i) % 4]!;
    if (control) {
      this.controlChunks.push(copy);
      return;
    }
    this.chunks.push(copy);
    this.kept += copy.length;
  }

  private endFrame(f: Frame): WsFrameMessage | undefined {
    if (f.opcode >= 8) {
      const preview = Buffer.concat(this.controlChunks).subarray(0, this.previewBytes);
      this.controlChunks = [];
      return { type: OPCODES[f.opcode] ?? 'binary', size: f.length, preview, compressed: false };
    }
    if (!f.fin || !this.message) return undefined;
    const m = this.message;
    m.preview = Buffer.concat(this.chunks);
    this.message = undefined;
    this.chunks = [];
    return m;
  }
}

function parseHeader(h: Buffer): { frame: Frame; headerLength: number } | 'short' | 'bad' {
  if (h.length < 2) return 'short';
  const b0 = h[0]!;
  const b1 = h[1]!;
  const opcode = b0 & 0x0f;
  if (!(opcode in OPCODES) && opcode !== 0) return 'bad';
  const masked = (b1 & 0x80) !== 0;
  let length = b1 & 0x7f;
  let at = 2;
  if (length === 126) {
    if (h.length < 4) return 'short';
    length = h.readUInt16BE(2);
    at = 4;
  } else if (length === 127) {
    if (h.length < 10) return 'short';
    length = Number(h.readBigUInt64BE(2));
    at = 10;
  }
  if (masked) {
    if (h.length < at + 4) return 'short';
    at += 4;
  }
  return {
    frame: {
      fin: (b0 & 0x80) !== 0,
      opcode,
      rsv1: (b0 & 0x40) !== 0,
      mask: masked ? Buffer.from(h.subarray(at - 4, at)) : undefined,
      length,
      read: 0,
    },
    headerLength: at,
  };
}
