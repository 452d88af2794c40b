import type { BodyPreview } from '../../shared/log-entry.js';

/** Keeps the first `limit` bytes of a stream that flows past it; never holds the stream back. */
export class BodyTap {
  private readonly chunks: Buffer[] = [];
  private kept = 0;
  private truncated = false;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    if (this.kept >= this.limit) {
      this.truncated = true;
      return;
    }
    const room = this.limit - this.kept;
    const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
    if (part.length < chunk.length) this.truncated = true;
    // Copy: the stream may reuse its buffers once the chunk has been written on.
    this.chunks.push(Buffer.from(part));
    this.kept += part.length;
  }

  /** Whether more came than was kept. */
  get overflowed(): boolean {
    return this.truncated;
  }

  /** The bytes kept. */
  bytes(): Buffer {
    return Buffer.concat(this.chunks);
  }

  preview(): BodyPreview | undefined {
    if (this.kept === 0) return undefined;
    return { base64: Buffer.concat(this.chunks).toString('base64'), truncated: this.truncated };
  }
}
